"""Training data as a target and a metric on V.

For inputs a_1..a_m (rows of ``inputs``) and outputs b_1..b_m, let A be the
Veronese matrix of the inputs (row j: every basis monomial of V at a_j) and
B the outputs (m x n_outputs).  For f in V with coefficient blocks c_o (one
per output o),

    sum_j ||f(a_j) - b_j||^2 = sum_o ||A c_o - B_o||^2 = ||c - u||_Q^2 + const,

with u_o = A^+ B_o (least squares), Q = I_outputs (x) A^T A and const =
sum_o ||B_o - A u_o||^2, because A^T (B_o - A u_o) = 0.  So training with
squared error is distance minimisation from u in the (pseudo)metric Q
(DESIGN.md).  Q is singular, a pseudometric,
when A has rank below the number of basis monomials (too few or special
samples): distinct functions then have the same loss.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field

import numpy as np

from ..architectures import parse
from ..errors import NeuromanifoldError
from ..invariants.metrics import Metric


@dataclass
class DataTarget:
    """The target u and the (pseudo)metric Q on V that a data set defines for an architecture."""

    spec: str
    u: np.ndarray
    Q: np.ndarray
    A: np.ndarray                   # Veronese matrix of the inputs, samples x basis
    samples: int
    rank: int                       # rank of A; Q has rank n_outputs * rank
    constant: float                 # the loss no function in V removes
    notes: list = field(default_factory=list)

    @property
    def pseudometric(self) -> bool:
        return self.rank < self.A.shape[1]

    @property
    def metric(self) -> Metric:
        return Metric("data", self.Q)

    def loss(self, c) -> float:
        """sum_j ||f(a_j) - b_j||^2 for the f with coefficient vector c."""
        d = np.asarray(c) - self.u
        return float(d @ self.Q @ d) + self.constant

    def to_dict(self) -> dict:
        return {"spec": self.spec, "samples": self.samples, "dimension": len(self.u),
                "rank": self.rank, "pseudometric": self.pseudometric, "constant": self.constant,
                "u": self.u.tolist(), "notes": list(self.notes)}


def checked_array(x, name: str, rows_of: int | None, width: int, what: str) -> np.ndarray:
    """x as a float array of ``width`` columns (and ``rows_of`` rows), or an error saying what to give."""
    a = np.asarray(x)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise NeuromanifoldError(f"{name} must be numbers (got dtype {a.dtype})")
    if np.iscomplexobj(a):
        raise NeuromanifoldError(f"{name} must be real numbers: the squared-error loss is for real data")
    a = a.astype(float)
    if a.ndim == 1 and width == 1:
        a = a[:, None]
    if a.ndim != 2 or a.shape[1] != width:
        raise NeuromanifoldError(f"{name} have shape {a.shape}: give a samples x {width} array "
                                 f"({width} {what} per sample)")
    if rows_of is not None and a.shape[0] != rows_of:
        raise NeuromanifoldError(f"{name} have {a.shape[0]} rows but the inputs have {rows_of}: give "
                                 f"one output row per input row")
    if not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))[0]
        raise NeuromanifoldError(f"{name} hold NaN or infinite values (first at row {bad[0] + 1}, column "
                                 f"{bad[1] + 1}): remove or fill those samples")
    return a


def from_data(arch, inputs, outputs) -> DataTarget:
    """Target u = A^+ B and (pseudo)metric Q = I (x) A^T A on V for the data (inputs, outputs)."""
    arch = parse(arch) if isinstance(arch, str) else arch
    param = arch.ambient()
    X = checked_array(inputs, "inputs", None, param.n_vars, "input values")
    if len(X) == 0:
        raise NeuromanifoldError("the data have no samples: give at least one row of inputs and outputs")
    Y = checked_array(outputs, "outputs", len(X), param.n_outputs, "output values")
    A = param.basis.evaluate(X)
    coef, _, rank, _ = np.linalg.lstsq(A, Y, rcond=None)     # the minimum-norm solution A^+ Y
    u = coef.T.reshape(-1)                                   # output 1 first
    G = A.T @ A
    Q = np.kron(np.eye(param.n_outputs), G)
    constant = float(np.sum((Y - A @ coef) ** 2))
    notes = []
    s = A.shape[1]
    if rank < s:
        notes.append(f"the {len(X)} samples give a Veronese matrix of rank {rank} < {s} basis monomials: "
                     f"Q = A^T A is a pseudometric (functions that agree on the samples have the same "
                     f"loss); u is the minimum-norm least-squares target")
    return DataTarget(str(arch), u, Q, A, len(X), int(rank), constant, notes)


#: what np.load raises on a damaged, pickled or mislabelled file
_UNREADABLE = (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError)


def load_data(path: str, arch) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, outputs) from a file: CSV or .npy with one sample per row, the n_vars inputs first
    and the n_outputs outputs after them (a CSV may start with a header line), or .npz with
    arrays ``inputs`` and ``outputs``."""
    arch = parse(arch) if isinstance(arch, str) else arch
    if arch.piecewise_linear():
        n, k = arch.widths[0], arch.widths[-1]
    else:
        param = arch.ambient()
        n, k = param.n_vars, param.n_outputs
    layout = f"one sample per row: {n} input column(s), then {k} output column(s)"
    if not os.path.exists(path):
        raise NeuromanifoldError(f"no data file {path!r}: give a CSV, .npy or .npz file ({layout})")
    if os.path.isdir(path):
        raise NeuromanifoldError(f"{path!r} is a folder, not a data file: give a CSV, .npy or .npz file "
                                 f"({layout})")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npz":
        try:
            z = np.load(path, allow_pickle=False)
            if not hasattr(z, "files"):
                raise NeuromanifoldError(f"{path} holds one array, not the arrays inputs and outputs: save "
                                         f"it with np.savez(path, inputs=..., outputs=...)")
            with z:
                missing = [key for key in ("inputs", "outputs") if key not in z.files]
                if missing:
                    raise NeuromanifoldError(f"{path} has arrays {z.files}, not {missing}: save it with "
                                             f"np.savez(path, inputs=..., outputs=...)")
                return np.asarray(z["inputs"]), np.asarray(z["outputs"])
        except _UNREADABLE as exc:
            raise NeuromanifoldError(f"cannot read {path} as a .npz file of numbers ({exc}); save it with "
                                     f"np.savez(path, inputs=..., outputs=...)") from exc
    if ext == ".npy":
        try:
            table = np.load(path, allow_pickle=False)
            if not isinstance(table, np.ndarray):
                table.close()
                raise ValueError("it holds several arrays (an .npz archive)")
        except _UNREADABLE as exc:
            raise NeuromanifoldError(f"cannot read {path} as a .npy array of numbers ({exc}); save it with "
                                     f"np.save(path, table), {layout}") from exc
    elif ext in (".csv", ".txt", ".tsv"):
        delimiter = "\t" if ext == ".tsv" else ","
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise NeuromanifoldError(f"cannot read {path} as a text file ({exc}); give a CSV file of numbers "
                                     f"({layout})") from exc
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if lines:
            try:
                [float(v) for v in lines[0].split(delimiter)]
            except ValueError:
                lines = lines[1:]                            # a header line
        rows = []
        for i, ln in enumerate(lines):
            try:
                rows.append([float(v) for v in ln.split(delimiter)])
            except ValueError as exc:
                raise NeuromanifoldError(f"{path}: a value on data line {i + 1} is not a number ({exc}); "
                                         f"give {layout}") from exc
        if not rows:
            raise NeuromanifoldError(f"{path} has no samples: give at least one row ({layout})")
        widths = {len(r) for r in rows}
        if len(widths) > 1:
            raise NeuromanifoldError(f"{path}: rows have different numbers of columns {sorted(widths)}; "
                                     f"give {layout}")
        table = np.array(rows, dtype=float).reshape(len(rows), -1)
    else:
        raise NeuromanifoldError(f"unknown data file type {ext!r}: give a .csv, .npy or .npz file ({layout})")
    if table.ndim != 2 or table.shape[1] != n + k:
        raise NeuromanifoldError(f"{path} holds an array of shape {table.shape}; {arch} needs {n + k} "
                                 f"columns: {layout}")
    if table.shape[0] == 0:
        raise NeuromanifoldError(f"{path} has no samples: give at least one row ({layout})")
    return table[:, :n], table[:, n:]
