"""The result atlas: every computed result in one SQLite file, never computed twice.

A row is keyed by (canonical spec, invariant, options as canonical JSON, seed): asking again
returns the stored result unless ``recompute`` or the row is stale (computed by another revision
of its invariant, :data:`~neuromanifold.atlas.compute.REVISIONS`).  Rows hold the value,
certificate, bounds, method, package version, revision, seconds, date and the whole result as JSON; a failed task is stored
too, with its reason (status ``failed``), and is retried by a later run.

Writes are single transactions (``BEGIN IMMEDIATE`` ... ``COMMIT``), so a killed process never
leaves half a row; the file runs in WAL mode with a busy timeout, so several processes can read
and write it at once (SQLite serialises the writers).  Default file
``~/.neuromanifold/atlas.sqlite``; ``NEUROMANIFOLD_ATLAS`` or an explicit path changes it.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import os
import sqlite3
import time
from dataclasses import dataclass

from ..errors import NeuromanifoldError

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    spec TEXT NOT NULL,
    family TEXT NOT NULL,
    invariant TEXT NOT NULL,
    options TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    value TEXT,
    certified INTEGER,
    lower TEXT,
    upper TEXT,
    method TEXT,
    reason TEXT,
    version TEXT,
    revision INTEGER,
    seconds REAL,
    date TEXT,
    result TEXT,
    PRIMARY KEY (spec, invariant, options, seed)
);
CREATE INDEX IF NOT EXISTS by_family ON results (family, invariant);
"""

COLUMNS = ("spec", "family", "invariant", "options", "seed", "status", "value", "certified", "lower", "upper",
           "method", "reason", "version", "revision", "seconds", "date")


def default_path() -> str:
    return os.environ.get("NEUROMANIFOLD_ATLAS") or os.path.join(os.path.expanduser("~"), ".neuromanifold",
                                                                 "atlas.sqlite")


def canonical_options(options: dict | None) -> str:
    return json.dumps(options or {}, sort_keys=True, separators=(",", ":"))


@dataclass
class Row:
    """One stored result (``result`` is the result object's JSON dict, ``None`` for failures)."""

    spec: str
    family: str
    invariant: str
    options: dict
    seed: int
    status: str
    value: object
    certified: bool | None
    lower: object
    upper: object
    method: str
    reason: str | None
    version: str
    revision: int | None         # the invariant's revision that computed it (None: before revisions)
    seconds: float
    date: str
    result: dict | None

    def to_dict(self) -> dict:
        return dict(vars(self))


class Atlas:
    """An SQLite result store (module docstring)."""

    def __init__(self, path: str | None = None):
        self.path = path or default_path()
        folder = os.path.dirname(os.path.abspath(self.path))

        def refused(problem: str) -> NeuromanifoldError:
            return NeuromanifoldError(f"{problem}; give another file with --atlas PATH or NEUROMANIFOLD_ATLAS")
        if os.path.isfile(self.path) and os.path.getsize(self.path) > 0:
            with open(self.path, "rb") as fh:     # SQLite would take (and overwrite) a tiny foreign file
                foreign = fh.read(16) != b"SQLite format 3\x00"
            if foreign:
                raise refused(f"{self.path!r} is not an atlas (not an SQLite file)")
        try:
            os.makedirs(folder, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise refused(f"cannot open the atlas {self.path!r}: {exc} (a writable file is needed)") from exc
        for attempt in range(100):
            try:
                self._conn.execute("PRAGMA busy_timeout = 60000")
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = NORMAL")
                self._conn.executescript(SCHEMA)
                have = {rec[1] for rec in self._conn.execute("PRAGMA table_info(results)")}
                break
            except sqlite3.OperationalError as exc:
                # switching a new file to WAL while another process creates it can report a lock at once
                if "locked" in str(exc) and attempt < 99:
                    time.sleep(0.05)
                    continue
                self._conn.close()
                raise refused(f"cannot open the atlas {self.path!r}: {exc} (a writable file is needed)") from exc
            except sqlite3.DatabaseError as exc:            # "file is not a database"
                self._conn.close()
                raise refused(f"cannot use {self.path!r} as the atlas ({exc})") from exc
        if "revision" not in have and have >= set(COLUMNS) - {"revision"} | {"result"}:
            # an atlas from before revisions: its rows read as revision None (stale, recomputed on use)
            self._conn.execute("ALTER TABLE results ADD COLUMN revision INTEGER")
            have.add("revision")
        if not have >= set(COLUMNS) | {"result"}:
            self._conn.close()
            raise refused(f"{self.path!r} is an SQLite file with another 'results' table, not an atlas")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- writing ---------------------------------------------------------------------------
    def _write(self, row: tuple) -> None:
        cur = self._conn.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            cur.execute(f"INSERT OR REPLACE INTO results ({', '.join(COLUMNS)}, result) VALUES "
                        f"({', '.join('?' * (len(COLUMNS) + 1))})", row)
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise

    def put(self, result, options: dict | None = None, family: str | None = None, revision: int = 1) -> None:
        """Store a result object (anything with ``to_dict``) as one row, computed by ``revision`` of
        its invariant."""
        from .. import __version__

        d = result.to_dict()
        spec = d["spec"]
        self._write((spec, family or _family(spec), d["invariant"], canonical_options(options),
                     int(d.get("seed") or 0), "ok", json.dumps(d.get("value")),
                     None if d.get("certified") is None else int(bool(d.get("certified"))),
                     json.dumps(d.get("lower")), json.dumps(d.get("upper")), d.get("method", ""), None,
                     __version__, int(revision), float(d.get("seconds") or 0.0), _now(), json.dumps(d)))

    def put_failure(self, spec: str, invariant: str, options: dict | None, seed: int, reason: str,
                    seconds: float = 0.0, revision: int = 1) -> None:
        from .. import __version__

        self._write((spec, _family(spec), invariant, canonical_options(options), int(seed), "failed", None,
                     None, None, None, "", reason, __version__, int(revision), float(seconds), _now(), None))

    # -- reading ---------------------------------------------------------------------------
    def get(self, spec: str, invariant: str, options: dict | None = None, seed: int = 0) -> Row | None:
        """The stored row, or None."""
        cur = self._conn.execute(f"SELECT {', '.join(COLUMNS)}, result FROM results WHERE spec = ? AND "
                                 f"invariant = ? AND options = ? AND seed = ?",
                                 (spec, invariant, canonical_options(options), int(seed)))
        rec = cur.fetchone()
        return _row(rec) if rec else None

    def rows(self, family: str | None = None, invariant: str | None = None, status: str | None = None) -> list[Row]:
        where, args = [], []
        for col, val in (("family", family), ("invariant", invariant), ("status", status)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        sql = f"SELECT {', '.join(COLUMNS)}, result FROM results"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY family, spec, invariant, seed"
        return [_row(rec) for rec in self._conn.execute(sql, args)]

    def export_csv(self, path: str, **filters) -> int:
        rows = self.rows(**filters)
        try:
            with open(path, "w", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(COLUMNS)
                for r in rows:
                    d = r.to_dict()
                    w.writerow([json.dumps(d[c]) if c in ("value", "lower", "upper", "options") else d[c]
                                for c in COLUMNS])
        except OSError as exc:
            raise NeuromanifoldError(f"cannot write the CSV file {path!r} ({exc.strerror or exc}); give a "
                                     f"file in an existing, writable folder, e.g. --csv atlas.csv") from exc
        return len(rows)


def _row(rec) -> Row:
    d = dict(zip(COLUMNS + ("result",), rec))
    for key in ("value", "lower", "upper", "result"):
        d[key] = json.loads(d[key]) if d[key] is not None else None
    d["options"] = json.loads(d["options"])
    d["certified"] = None if d["certified"] is None else bool(d["certified"])
    return Row(**d)


def _family(spec: str) -> str:
    return spec.split("(", 1)[0].strip()


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
