"""Which solutions are real, and one way to filter a result's solutions.

A point z in C^D is *real* to tolerance ``tol`` when |Im z| <= tol (1 + |z|) coordinate-wise in the
max norm (:func:`is_real`).  For the critical points of real problems, which are closed under
conjugation, :func:`real_points` decides more finely (a point is real when its conjugate is nearer
to it than to any other point).  :class:`Filters` gives every homotopy result ``only_finite()``,
``only_nonsingular()`` and ``only_real()``.

>>> import numpy as np
>>> is_real(np.array([[1.0 + 1e-12j, 2.0], [1.0 + 0.5j, 0.0]])).tolist()
[True, False]
"""

from __future__ import annotations

import numpy as np


def is_real(Z, tol: float = 1e-8) -> np.ndarray:
    """Mask of the rows z of Z (k x D) with max |Im z| <= tol (1 + max |z|)."""
    Z = np.atleast_2d(np.asarray(Z))
    if Z.size == 0:
        return np.zeros(len(Z), bool)
    return np.abs(Z.imag).max(axis=1) <= tol * (1 + np.abs(Z).max(axis=1))


def real_points(Z: np.ndarray, ok: np.ndarray, real_tol: float = 1e-8, paired: bool = True
                ) -> tuple[np.ndarray, np.ndarray]:
    """(which critical points are real, which instances are consistent) for the critical points Z
    (instances x E x D) of real problems, ``ok`` marking the regular ones.

    The critical points of a real problem are closed under conjugation.  Where every point of an
    instance is regular, z is real when its conjugate is nearer to z itself than to any other
    critical point and |Im z| <= sqrt(real_tol) (1 + |z|) (so two real points about to meet, and a
    conjugate pair just born, are told apart at distances far below a fixed tolerance); elsewhere
    (or not ``paired``: a complex problem, or not all critical points found) when
    |Im z| <= real_tol (1 + |z|).  An instance whose non-real points do not pair up (an odd number)
    is not consistent: the points are too close to the ED discriminant to be told apart."""
    size = 1 + np.abs(Z).max(axis=2)
    own = np.abs(Z.imag).max(axis=2)                                    # |z - conj z| / 2
    isreal = ok & (own <= real_tol * size)
    complete = ok.all(axis=1) & paired
    if Z.shape[1] > 1 and complete.any():
        near = complete[:, None] & (own <= np.sqrt(real_tol) * size)
        inst, i = np.nonzero(near)               # only points near the real axis can be real
        closest = np.full(len(inst), np.inf)      # min over j != i of |conj z_i - z_j|
        for a in range(0, len(inst), 4096):
            s, t = inst[a:a + 4096], i[a:a + 4096]
            d = np.abs(np.conj(Z[s, t])[:, None, :] - Z[s]).max(axis=2)
            d[np.arange(len(s)), t] = np.inf
            closest[a:a + 4096] = d.min(axis=1)
        isreal[complete] = False
        isreal[inst, i] = 2 * own[inst, i] < closest
    consistent = ~complete | ((Z.shape[1] - isreal.sum(axis=1)) % 2 == 0)
    return isreal, consistent


class Filters:
    """``only_finite()``, ``only_nonsingular()``, ``only_real(tol)`` for a result whose
    :meth:`_masks` gives (its points, finite mask, nonsingular mask)."""

    def only_finite(self) -> np.ndarray:
        """The end points that did not go to infinity (regular or singular)."""
        Z, finite, _ = self._masks()
        return Z[finite]

    def only_nonsingular(self) -> np.ndarray:
        """The regular solutions (a nonsingular Jacobian at a finite point)."""
        Z, finite, regular = self._masks()
        return Z[finite & regular]

    def only_real(self, tol: float = 1e-8) -> np.ndarray:
        """The regular solutions that are real to ``tol`` (:func:`is_real`)."""
        Z, finite, regular = self._masks()
        keep = finite & regular
        return Z[keep][is_real(Z[keep], tol)] if keep.any() else Z[keep]
