"""Grouping numerically equal points.

Two points a, b are *equal to relative tolerance* rtol when
|a - b|_inf <= rtol * max(1, |a|_inf, |b|_inf).  Points are sorted along a
random direction first, so only neighbours within the tolerance band are
compared (near-linear for well-separated solutions).
"""

from __future__ import annotations

import numpy as np


def _scale(Z: np.ndarray) -> np.ndarray:
    return np.maximum(1.0, np.max(np.abs(Z), axis=1)) if Z.size else np.zeros(len(Z))


def clusters(Z: np.ndarray, rtol: float = 1e-6) -> np.ndarray:
    """Label each row of Z by its class of numerically equal rows (labels 0..k-1, first seen first).

    Greedy: points are visited along a random direction; each joins the first
    representative within tolerance, or becomes a representative.  Only
    representatives inside the tolerance band of the sort key are compared,
    so a cluster of many equal points costs one comparison per point.
    """
    Z = np.asarray(Z)
    k = len(Z)
    if k == 0:
        return np.zeros(0, int)
    Z = Z.reshape(k, -1)
    rng = np.random.default_rng(0)
    direction = rng.standard_normal(Z.shape[1]) + 1j * rng.standard_normal(Z.shape[1])
    direction /= np.linalg.norm(direction)
    key = np.real(Z @ direction)
    scale = _scale(Z)
    order = np.argsort(key)
    # |key_a - key_b| <= |a - b|_2 <= sqrt(n) |a - b|_inf: candidates lie in this band
    band = rtol * np.sqrt(Z.shape[1]) * scale
    reps: list[int] = []      # representatives, in increasing key order
    owner = np.empty(k, int)
    lo = 0
    for i in order:
        while lo < len(reps) and key[i] - key[reps[lo]] > max(band[i], band[reps[lo]]):
            lo += 1
        found = -1
        for r in reps[lo:]:
            if np.max(np.abs(Z[i] - Z[r])) <= rtol * max(scale[i], scale[r]):
                found = r
                break
        if found < 0:
            reps.append(i)
            found = i
        owner[i] = found
    _, first, labels = np.unique(owner, return_index=True, return_inverse=True)
    rank = np.empty(len(first), int)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[labels]


def unique(Z: np.ndarray, rtol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """(representatives, labels): one row per class of numerically equal rows."""
    labels = clusters(Z, rtol)
    if len(labels) == 0:
        return np.asarray(Z)[:0], labels
    first = np.array([np.flatnonzero(labels == c)[0] for c in range(labels.max() + 1)])
    return np.asarray(Z)[first], labels


def representatives(Z: np.ndarray, rtol: float = 1e-6) -> np.ndarray:
    """Indices of the first row of each class of coinciding rows (:func:`unique`'s classes), in the
    order of the classes."""
    _, labels = unique(Z, rtol)
    if labels.size == 0:
        return np.zeros(0, dtype=int)
    return np.array([np.flatnonzero(labels == c)[0] for c in range(labels.max() + 1)], dtype=int)


def match(A: np.ndarray, B: np.ndarray, rtol: float = 1e-6) -> np.ndarray:
    """For each row of B, the index of an equal row of A, or -1."""
    A, B = np.asarray(A), np.asarray(B)
    if len(A) == 0:
        return np.full(len(B), -1)
    labels = clusters(np.concatenate([A, B]), rtol)
    owner = {}
    for i, lab in enumerate(labels[:len(A)]):
        owner.setdefault(int(lab), i)
    return np.array([owner.get(int(lab), -1) for lab in labels[len(A):]], dtype=int)


class UnionFind:
    """Disjoint sets over 0..n-1 (path halving; the smaller index stays the root)."""

    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        parent = self.parent
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(self, a: int, b: int) -> bool:
        """Join the sets of a and b; True when they were different."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True

    def count(self) -> int:
        return len({self.find(a) for a in range(len(self.parent))})

    def labels(self) -> np.ndarray:
        """Class labels 0..k-1, in order of the smallest member."""
        roots = [self.find(a) for a in range(len(self.parent))]
        return np.unique(roots, return_inverse=True)[1] if roots else np.zeros(0, int)
