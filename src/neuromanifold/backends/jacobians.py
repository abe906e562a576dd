"""Jacobians of the parametrization map, numerically (JAX) and exactly over F_p.

The Jacobian used everywhere is that of theta -> (f_theta(x_1), ..., f_theta(x_m)),
an (m * n_outputs) x N matrix, rows sample-major.  It equals A * d mu(theta)
with A the evaluation (Veronese) matrix of the points, so its rank is at
most rank d mu(theta), with equality for generic points once m is at least
that rank (each generic point cuts the kernel of A on the image of d mu by
at least one while it is nonzero).  Both versions come from the same JAX
forward pass: ``jax.vmap(jax.jacrev(f))``, run by XLA on floats or by
:mod:`.modular` on residues.  Work is done in chunks of samples to bound
memory.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from . import primefield as pf
from .modular import ModularFunction

#: Target size (entries) of one chunk of Jacobian rows.
CHUNK_ENTRIES = 20_000_000
#: From this many entries on, exact evaluation is compiled with XLA instead of run eagerly.
COMPILE_ENTRIES = 2_000_000


def _chunk_rows(param, m: int) -> int:
    per_sample = max(1, param.n_outputs * param.n_params)
    return int(max(1, min(m, CHUNK_ENTRIES // per_sample)))


def numeric_jacobian(param, theta, X) -> np.ndarray:
    """Float (or complex) Jacobian at theta and the inputs X, shape (m * n_outputs, N)."""
    X = np.asarray(X)
    m = X.shape[0]
    size = _chunk_rows(param, m)
    blocks = []
    for start in range(0, m, size):
        part = X[start:start + size]
        if len(part) < size and start > 0:  # pad to the compiled shape
            pad = np.repeat(part[-1:], size - len(part), axis=0)
            J = np.asarray(param.jacobian(theta, np.concatenate([part, pad])))
            blocks.append(J[: len(part) * param.n_outputs])
        else:
            blocks.append(np.asarray(param.jacobian(theta, part)))
    return np.concatenate(blocks, axis=0)


@lru_cache(maxsize=64)
def _modular_jacobian(param, rows: int) -> ModularFunction:
    theta = np.zeros(param.n_params)
    X = np.zeros((rows, param.n_vars))
    c = np.zeros(len(param.constants))
    compiled = rows * param.n_outputs * param.n_params >= COMPILE_ENTRIES
    return ModularFunction(param.jacobian_function(), theta, X, c, compiled=compiled)


@lru_cache(maxsize=64)
def _modular_tangents(param) -> ModularFunction:
    theta = np.zeros(param.n_params)
    c = np.zeros(len(param.constants))
    compiled = param.n_params * param.symmetry.generators >= COMPILE_ENTRIES
    return ModularFunction(param.symmetry_function(), theta, c, compiled=compiled)


def constants_mod_p(param, p: int) -> np.ndarray:
    """The activation coefficients (exact rationals) as residues."""
    return np.array([pf.residue(c, p) for c in param.constants], dtype=np.float64)


def exact_jacobian(param, theta: np.ndarray, X: np.ndarray, p: int) -> np.ndarray:
    """Jacobian over F_p at residue parameters theta and residue inputs X, (m * n_outputs, N)."""
    m = X.shape[0]
    size = _chunk_rows(param, m)
    c = constants_mod_p(param, p)
    blocks = []
    for start in range(0, m, size):
        part = X[start:start + size]
        fn = _modular_jacobian(param, len(part))
        J = fn(theta, part, c, p=p)
        blocks.append(np.asarray(J).reshape(-1, param.n_params))
    return np.concatenate(blocks, axis=0)


def exact_symmetry_tangents(param, theta: np.ndarray, p: int) -> np.ndarray:
    """T(theta) over F_p, shape (N, generators): the infinitesimal action of the known symmetries
    and the extra fibre fields."""
    if param.symmetry.generators == 0:
        return np.zeros((param.n_params, 0))
    return np.asarray(_modular_tangents(param)(theta, constants_mod_p(param, p), p=p))
