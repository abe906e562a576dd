"""The native backend of the tracker: a system's straight-line program run as machine code.

The program of F, F_z and F_p v (:mod:`.slp`) drives the fixed tracker of ``native_tracker.c``
(the JAX backend's predictor, corrector and step rule; paths in lock step over W = 8 lanes; threads
over all cores) through one of two tiers that give the same numbers bit for bit:

* **compiled**: the program written as C over lanes (:mod:`.codegen`), compiled with the machine's C
  compiler (``-O2``, one translation unit a core) and cached on disk by a hash of the source, the
  compiler, the flags and the processor (files are written under a temporary name and renamed, so
  concurrent processes never see half a library);
* **interpreted**: the program's bytecode (:mod:`.bytecode`) run by ``native_interp.c``, compiled
  once per shape (unknowns, parameters) of system, so a new system is tracked at once; its compiled
  kernels are built in the background once it has done enough work to pay for them
  (:data:`COMPILE_AFTER` path-steps; ``NEUROMANIFOLD_NATIVE=auto``, the default), and a long call
  moves to them between blocks of paths as soon as they are ready; kernels already in the disk
  cache are used at once.

The instance's data are arguments (the data-only nodes are evaluated once per call): one library
serves a whole family of systems, as one XLA executable does for the JAX backend.  Programs of
more than ``MAX_NODES`` nodes are only interpreted.

A C compiler is looked up as ``$CC``, ``cc``, ``gcc``, ``clang``, then ``python -m ziglang cc``
(the ``ziglang`` wheel).  When none is found, or the system uses an operation without a
straight-line program, :func:`kernel_for` returns None with the reason in
:func:`unavailable_reason`, and the tracker uses the JAX backend (with a one-line note).
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ..errors import NeuromanifoldError
from . import bytecode, codegen, slp

LANES = 8
#: paths per call while the compiled kernels are still being built
BLOCK = 4096
#: Largest program compiled (nodes of F, F_z and F_p v together); larger ones are interpreted.
MAX_NODES = 60_000
#: In the ``auto`` tier a system's kernels are compiled (in the background) only once its paths have
#: taken this many steps in the interpreter, or a call is about to: compiling costs seconds of both
#: cores (a 20,000-node program about 10 s of CPU) and saves about 1 us a path-step, so small problems
#: (a test suite's, an interactive degree) stay interpreted, and a census or a count at scale compiles
#: early.  (Measured: the equivariant test module, 40 small systems, 321 s compiling everything, 42 s
#: interpreted.)
COMPILE_AFTER = 2_000_000
#: -ffp-contract=off: no fused multiply-adds, so that the interpreter and the compiled kernels give the
#: same numbers bit for bit.  The optimisation level: -O2 for a system's kernels (compiled in the
#: background; on the census system 20 % faster steps than -O1 for 1.4x the compile time), -O1 for
#: the interpreter (compiled while the caller waits, once per shape of system).
FLAGS = ["-fPIC", "-shared", "-pthread", "-fno-fast-math", "-ffp-contract=off", "-fvisibility=hidden"]


def cache_dir() -> str:
    where = os.environ.get("NEUROMANIFOLD_NATIVE_CACHE",
                           os.path.join(os.path.expanduser("~"), ".cache", "neuromanifold", "native"))
    os.makedirs(where, exist_ok=True)
    return where


def threads() -> int:
    """Worker threads of a native call: $NEUROMANIFOLD_THREADS, else the cores this process may use."""
    env = os.environ.get("NEUROMANIFOLD_THREADS")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise NeuromanifoldError(f"NEUROMANIFOLD_THREADS={env!r} is not a number of threads: "
                                     f"set it to a positive integer such as 2") from None
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:                     # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


_COMPILER: list | None = None
_COMPILER_ID = ""


def compiler() -> list | None:
    """The C compiler command (a list), or None."""
    global _COMPILER, _COMPILER_ID
    if _COMPILER is not None:
        return _COMPILER or None
    found: list = []
    for cand in ([os.environ["CC"]] if os.environ.get("CC") else []) + ["cc", "gcc", "clang"]:
        path = shutil.which(cand)
        if path:
            found = [path]
            break
    if not found:
        try:
            import ziglang  # noqa: F401

            found = [sys.executable, "-m", "ziglang", "cc"]
        except ImportError:
            found = []
    ident = ""
    if found:
        try:
            ident = subprocess.run(found + ["--version"], capture_output=True, text=True,
                                   timeout=60).stdout.splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError):
            found = []
    _COMPILER, _COMPILER_ID = found, ident
    return found or None


def _march() -> list:
    """-march=native where the compiler accepts it (the cache key names the processor)."""
    cc = compiler()
    if cc and "ziglang" not in " ".join(cc):
        return ["-march=native"]
    return []


def _cpu_id() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return hashlib.sha256(line.encode()).hexdigest()[:16]
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _runtime_source() -> str:
    return resources.files("neuromanifold.homotopy").joinpath("native_tracker.c").read_text()


def _interp_source() -> str:
    return resources.files("neuromanifold.homotopy").joinpath("native_interp.c").read_text()


def _library_key(sources: list[str], opt: str) -> str:
    flags = FLAGS + _march() + [opt]
    return hashlib.sha256("\0".join(sources + [_COMPILER_ID, " ".join(flags), _cpu_id(),
                                              platform.machine()]).encode()).hexdigest()[:24]


class Build:
    """A shared library being compiled: the translation units in parallel (one process a core),
    then linked and renamed into the cache, by one shell job that runs in the background."""

    def __init__(self, sources: list[str], lib: str, opt: str = "-O2"):
        cc = compiler()
        if cc is None:
            raise NeuromanifoldError("no C compiler found (cc, gcc, clang or the ziglang wheel)")
        self.lib, self.t0 = lib, time.perf_counter()
        self.tmpdir = tempfile.mkdtemp(dir=os.path.dirname(lib), prefix="build-")
        flags = " ".join(shlex.quote(f) for f in FLAGS + _march() + [opt])
        ccs = " ".join(shlex.quote(c) for c in cc)
        objects, steps = [], []
        for i, text in enumerate(sources):
            src, obj = os.path.join(self.tmpdir, f"u{i}.c"), os.path.join(self.tmpdir, f"u{i}.o")
            with open(src, "w") as fh:
                fh.write(text)
            objects.append(shlex.quote(obj))
            steps.append(f"{ccs} {flags} -c -o {shlex.quote(obj)} {shlex.quote(src)} & p{i}=$!;")
        tmp = shlex.quote(os.path.join(self.tmpdir, "lib.so"))
        waits = " ".join(f"wait $p{i} || ok=1;" for i in range(len(sources)))
        script = (" ".join(steps) + f" ok=0; {waits} "
                  f"[ $ok = 0 ] && {ccs} {flags} -o {tmp} {' '.join(objects)} -lm && "
                  f"mv -f {tmp} {shlex.quote(lib)}; st=$?; rm -rf {shlex.quote(self.tmpdir)}; exit $st")
        self.proc = subprocess.Popen(["sh", "-c", script], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)

    def done(self) -> bool:
        return self.proc.poll() is not None

    def wait(self, timeout: float = 600) -> str:
        """The library's path, once built (raises when the compiler failed)."""
        try:
            _, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise NeuromanifoldError(f"compiling the tracker kernel took over {timeout:.0f} s") from None
        if self.proc.returncode != 0 or not os.path.exists(self.lib):
            raise NeuromanifoldError(f"the C compiler failed on the tracker kernel: {(err or '').strip()[-500:]}")
        return self.lib

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.t0


def is_cached(sources: list[str], tag: str = "kernel", opt: str = "-O2") -> bool:
    """Whether the shared library of ``sources`` is in the disk cache already."""
    return os.path.exists(os.path.join(cache_dir(), f"{tag}-{_library_key(sources, opt)}.so"))


def compile_library(sources: list[str], tag: str = "kernel", background: bool = False, opt: str = "-O2"):
    """The shared library of ``sources`` (translation units), from the disk cache or compiled.
    Returns (path, seconds, cached); with ``background`` a :class:`Build` instead of compiling
    when the library is not cached yet."""
    lib = os.path.join(cache_dir(), f"{tag}-{_library_key(sources, opt)}.so")
    if os.path.exists(lib):
        return lib, 0.0, True
    build = Build(sources, lib, opt)
    if background:
        return build
    path = build.wait()
    return path, build.seconds, False


class _Job(ctypes.Structure):
    _fields_ = [("k", ctypes.c_int64), ("z0", ctypes.c_void_p), ("vert", ctypes.c_void_p * 4),
                ("vstride", ctypes.c_int64 * 4), ("knots", ctypes.c_double * 4), ("gr", ctypes.c_double),
                ("gi", ctypes.c_double), ("tol", ctypes.c_double), ("trust", ctypes.c_double),
                ("min_step", ctypes.c_double), ("max_steps", ctypes.c_double),
                ("diverge", ctypes.c_double), ("initial_step", ctypes.c_double), ("end_zone", ctypes.c_double),
                ("H", ctypes.c_void_p),
                ("zout", ctypes.c_void_p), ("status", ctypes.c_void_p), ("steps", ctypes.c_void_p),
                ("tend", ctypes.c_void_p), ("prog", ctypes.c_void_p), ("next", ctypes.c_int64),
                ("done", ctypes.c_int64)]


class _Polish(ctypes.Structure):
    _fields_ = [("k", ctypes.c_int64), ("z", ctypes.c_void_p), ("P", ctypes.c_void_p),
                ("pstride", ctypes.c_int64), ("iterations", ctypes.c_int), ("H", ctypes.c_void_p),
                ("prog", ctypes.c_void_p),
                ("zout", ctypes.c_void_p), ("F", ctypes.c_void_p), ("Jac", ctypes.c_void_p),
                ("next", ctypes.c_int64)]


def _ptr(a: np.ndarray) -> int:
    return a.ctypes.data


@dataclass
class BuildInfo:
    """How a native kernel was made: program size, seconds to build the program and to compile."""

    nodes: int
    program_seconds: float
    compile_seconds: float
    cached: bool


class _Prog(ctypes.Structure):
    _fields_ = [("nslots", ctypes.c_int32), ("nF", ctypes.c_int32), ("nJV", ctypes.c_int32),
                ("F", ctypes.c_void_p), ("JV", ctypes.c_void_p), ("outF", ctypes.c_void_p),
                ("outJV", ctypes.c_void_p)]


#: how a kernel runs: "auto" (cached compiled kernels, else the interpreter until enough work has
#: been done to compile them in the background, then those), "compiled" (wait for the compiler),
#: "interpreted"
TIERS = ("auto", "compiled", "interpreted")


def tier() -> str:
    env = os.environ.get("NEUROMANIFOLD_NATIVE", "auto").strip().lower() or "auto"
    if env not in TIERS:
        raise NeuromanifoldError(f"NEUROMANIFOLD_NATIVE={env!r}: use auto, compiled or interpreted")
    return env


class NativeKernel:
    """The native tracker of one system family (see the module docstring): the interpreter of its
    bytecode at once, its compiled kernels as soon as they are built (the same numbers)."""

    backend = "native"

    def __init__(self, system):
        t0 = time.perf_counter()
        self.prog = slp.program(system)
        self.n, self.m = system.n, system.m
        t1 = time.perf_counter()
        mode = tier()
        self.code, self._prog = None, None       # the interpreter's bytecode, made when needed
        head = (f"#define NZ {self.n}\n#define NP {max(self.m, 1)}\n#define W {LANES}\n"
                f"typedef double vd __attribute__((vector_size({8 * LANES})));\n")
        runtime = _runtime_source()
        self._compiled, self._build, self.interpreter = None, None, None
        self._sources, self._work = None, 0         # auto: sources to compile once the work pays for it
        compiled_seconds, cached = 0.0, False
        if self.prog.nodes <= MAX_NODES and mode != "interpreted":
            src = codegen.kernel_source(self.prog, LANES, parts=threads())
            self.hoisted_nodes = src.hoisted
            sources = [src.main + runtime] + [src.header + u for u in src.units]
            if mode == "auto" and not is_cached(sources, "track"):
                self._sources = sources             # interpreted until COMPILE_AFTER path-steps
            else:
                got = compile_library(sources, "track")
                self._compiled = self._load(got[0])
                compiled_seconds, cached = got[1], got[2]
        if self._compiled is None:
            self.code = bytecode.assemble(self.prog)
            self._prog = _Prog(self.code.nslots, len(self.code.F), len(self.code.JV), _ptr(self.code.F),
                               _ptr(self.code.JV), _ptr(self.code.outF), _ptr(self.code.outJV))
            path, _, _ = compile_library([head + _interp_source() + runtime], "interp", opt="-O1")
            self.interpreter = self._load(path)
        self.info = BuildInfo(self.prog.nodes, t1 - t0, compiled_seconds, cached)
        self._H: dict = {}

    @staticmethod
    def _load(path: str):
        lib = ctypes.CDLL(path)
        if lib.nm_job_size() != ctypes.sizeof(_Job) or lib.nm_polish_size() != ctypes.sizeof(_Polish):
            raise NeuromanifoldError("the native tracker's job layout does not match its Python side")
        return lib

    @property
    def mode(self) -> str:
        """"compiled" or "interpreted": what the next call runs."""
        return "compiled" if self._library()[1] is None else "interpreted"

    def _library(self):
        """(library, bytecode pointer or None): the compiled kernels once built, else the interpreter."""
        if self._compiled is None and self._build is not None and self._build.done():
            build, self._build = self._build, None
            try:
                self._compiled = self._load(build.wait())
                self.info.compile_seconds = build.seconds
            except (NeuromanifoldError, OSError):
                pass                            # the interpreter goes on
        if self._compiled is not None:
            return self._compiled, None
        return self.interpreter, ctypes.addressof(self._prog)

    def _start_build(self) -> None:
        """Compile this system's kernels in the background (from now on a long call runs in blocks,
        moving to them when they are ready)."""
        if self._sources is not None and self._build is None and self._compiled is None:
            got = compile_library(self._sources, "track", background=True)
            self._sources = None
            if isinstance(got, Build):
                self._build = got
            else:
                self._compiled = self._load(got[0])

    def wait_compiled(self, timeout: float = 600) -> bool:
        """Compile now if that was deferred, and wait for it (True when the compiled kernels are in
        use)."""
        self._start_build()
        if self._build is not None:
            try:
                self._build.wait(timeout)
            except NeuromanifoldError:
                return False
        return self._library()[1] is None

    def hoisted(self, data, compiled: bool) -> np.ndarray:
        """H: the data-only values of an instance (cached for the last few instances), for the
        compiled kernels or, followed by the constants, for the interpreter."""
        d = np.ascontiguousarray(slp.data_vector(data), np.complex128)
        key = (hashlib.sha1(d.tobytes()).hexdigest(), compiled)
        H = self._H.get(key)
        if H is None:
            if compiled:
                nodes = self.hoisted_nodes
                H = np.zeros(max(len(nodes), 1), np.complex128)
                H[:len(nodes)] = self.prog.hoisted_values(d, nodes)
            else:
                nodes = [x for x in self.code.scalars if type(x) is int]
                values = dict(zip(nodes, self.prog.hoisted_values(d, nodes)))
                H = np.array([values[x] if type(x) is int else x for x in self.code.scalars] or [0j],
                             np.complex128)
            if len(self._H) > 8:
                self._H.clear()
            self._H[key] = H
        return H

    def _vertex(self, v: np.ndarray, k: int) -> tuple[np.ndarray, int]:
        v = np.ascontiguousarray(v, np.complex128)
        if self.m == 0:
            return np.zeros(1, np.complex128), 0
        if v.ndim == 1:
            return v, 0
        if v.shape != (k, self.m):
            raise NeuromanifoldError(f"vertex of shape {v.shape}: give {self.m} values or {k} x {self.m}")
        return v, self.m

    def track(self, Z0: np.ndarray, vertices: list, knots, gamma: complex, options, data,
              progress=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(end points, status codes, step counts) of the paths from the rows of Z0 along the
        polyline ``vertices`` (four arrays, each (m,) shared or (k, m) per path).  While the
        compiled kernels are being built, a long call runs in blocks of ``BLOCK`` paths, so that it
        moves to them as soon as they are ready (the numbers are the same either way)."""
        k = len(Z0)
        Z0 = np.ascontiguousarray(Z0, np.complex128)
        out = np.zeros_like(Z0)
        status = np.zeros(k, np.int32)
        steps = np.zeros(k, np.int32)
        self.last_t = tend = np.zeros(k)       # the t each path reached (diagnostics of the last call)
        verts = [self._vertex(v, k) for v in vertices]
        if self._work + k * 50 > COMPILE_AFTER:
            self._start_build()                 # this call alone (about 50 steps a path) pays for it
        a = 0
        while a < k:
            lib, code = self._library()
            b = k if code is None or self._build is None else min(k, a + BLOCK)
            rows = slice(a, b)
            block = [(v if s == 0 else np.ascontiguousarray(v[rows]), s) for v, s in verts]
            self._track_block(lib, code, Z0[rows], block, knots, gamma, options, data, progress,
                              out[rows], status[rows], steps[rows], tend[rows])
            a = b
            self._work += int(steps[rows].sum())
            if self._work > COMPILE_AFTER:
                self._start_build()
        return out, status, steps

    def _track_block(self, lib, code, Z0, verts, knots, gamma, options, data, progress, out, status,
                     steps, tend) -> None:
        k = len(Z0)
        Z0 = np.ascontiguousarray(Z0)
        res = [np.ascontiguousarray(x) for x in (out, status, steps, tend)]
        H = self.hoisted(data, code is None)
        job = _Job()
        job.k = k
        job.z0 = _ptr(Z0)
        for i, (v, s) in enumerate(verts):
            job.vert[i] = _ptr(v)
            job.vstride[i] = s
        for i in range(4):
            job.knots[i] = float(knots[i])
        job.gr, job.gi = float(np.real(gamma)), float(np.imag(gamma))
        job.tol, job.trust, job.min_step = options.tolerance, options.trust, options.min_step
        job.max_steps, job.diverge = float(options.max_steps), options.diverge
        job.initial_step, job.end_zone = options.initial_step, options.end_zone
        job.H, job.zout, job.status, job.steps = _ptr(H), _ptr(res[0]), _ptr(res[1]), _ptr(res[2])
        job.tend, job.prog = _ptr(res[3]), code
        job.next = job.done = 0
        nthreads = min(threads(), max(1, -(-k // LANES)))
        self._call(lib.nm_track, job, nthreads, progress, k)
        for dst, src in zip((out, status, steps, tend), res):
            if dst is not src:
                dst[...] = src

    def _call(self, fn, job, nthreads: int, progress, k: int) -> None:
        if progress is None or k < 4 * LANES:
            fn(ctypes.byref(job), nthreads)
            if progress is not None:
                progress(k)
            return
        worker = threading.Thread(target=fn, args=(ctypes.byref(job), nthreads))
        worker.start()
        seen = 0
        while worker.is_alive():
            worker.join(0.1)
            now = int(job.done)
            if now > seen:
                progress(now - seen)
                seen = now
        if k > seen:
            progress(k - seen)

    def polish(self, Z: np.ndarray, p, data, iterations: int = 2):
        """(Newton-polished points, F_z there, F there) at parameters p ((m,) or (k, m))."""
        k = len(Z)
        Z = np.ascontiguousarray(Z, np.complex128)
        P, stride = self._vertex(np.asarray(p), k)
        zout = np.zeros_like(Z)
        F = np.zeros_like(Z)
        Jac = np.zeros((k, self.n, self.n), np.complex128)
        lib, code = self._library()
        H = self.hoisted(data, code is None)
        job = _Polish()
        job.k, job.z, job.P, job.pstride, job.iterations = k, _ptr(Z), _ptr(P), stride, int(iterations)
        job.H, job.prog, job.zout, job.F, job.Jac, job.next = _ptr(H), code, _ptr(zout), _ptr(F), _ptr(Jac), 0
        if k:
            self._call(lib.nm_polish, job, min(threads(), max(1, -(-k // (4 * LANES)))), None, k)
        return zout, Jac, F


_FAILED: dict = {}


def kernel_for(system) -> NativeKernel | None:
    """The native kernel of a system's family (kept in its cache), or None when it cannot be made
    (no compiler, no straight-line program, too large); then :func:`unavailable_reason` says why."""
    cache = system._cache
    if "native" in cache:
        return cache["native"]
    try:
        kern = NativeKernel(system)
    except (NeuromanifoldError, ValueError, OSError, subprocess.SubprocessError) as exc:
        cache["native"] = None
        cache["native_reason"] = str(exc)
        return None
    cache["native"] = kern
    return kern


def unavailable_reason(system) -> str:
    return system._cache.get("native_reason", "")
