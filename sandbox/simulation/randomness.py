"""Deterministic random streams: one independent generator per named purpose.

Every table draws from its own stream, keyed by the world's seed and a stable name
(CRC-32, never Python's salted ``hash``), so that adding a column to one table does
not change any other table, and the same seed always gives the same world.
"""

from __future__ import annotations

import zlib

import numpy as np


class Streams:
    """Factory of :class:`numpy.random.Generator` keyed by ``(seed, name, *keys)``."""

    def __init__(self, seed: int) -> None:
        if seed < 0:
            raise ValueError(f"the simulation seed must be a non-negative integer, got {seed}")
        self.seed = seed

    def __call__(self, name: str, *keys: int) -> np.random.Generator:
        """A fresh generator for ``name`` (and optional integer sub-keys, e.g. a chunk)."""
        entropy = [self.seed, zlib.crc32(name.encode("utf-8")), *keys]
        return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def choose(rng: np.random.Generator, weights: np.ndarray | list[float], size: int) -> np.ndarray:
    """Indices drawn with probabilities proportional to ``weights``."""
    w = np.asarray(weights, dtype=np.float64)
    cdf = np.cumsum(w / w.sum())
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def choose_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """For each row of a 2-D weight matrix, one column index drawn by that row's weights.

    Rows whose weights are all zero get index -1.
    """
    cdf = np.cumsum(weights, axis=1, dtype=np.float64)
    total = cdf[:, -1].copy()
    u = rng.random(weights.shape[0]) * total
    idx = (cdf <= u[:, None]).sum(axis=1)
    idx = np.minimum(idx, weights.shape[1] - 1)
    return np.where(total > 0, idx, -1).astype(np.int64)


def choose_in_groups(
    rng: np.random.Generator,
    group_weights: np.ndarray,
    group_offsets: np.ndarray,
    groups: np.ndarray,
) -> np.ndarray:
    """One position per draw inside its group, with the group's weights.

    ``group_weights`` holds the weights of all groups one after the other;
    ``group_offsets[g]`` is where group ``g`` starts (length: groups + 1). Returns
    positions into ``group_weights``; a group with no positive weight yields its
    first position.
    """
    w = np.asarray(group_weights, dtype=np.float64)
    sizes = np.diff(group_offsets)
    group_of = np.repeat(np.arange(sizes.size), sizes)
    cum = np.cumsum(w)
    start = np.concatenate([[0.0], cum])[group_offsets[:-1]]
    totals = np.concatenate([[0.0], cum])[group_offsets[1:]] - start
    # normalised within each group, shifted by the group number: strictly increasing keys
    safe = np.where(totals > 0, totals, 1.0)
    keys = group_of + (cum - start[group_of]) / safe[group_of]
    u = rng.random(groups.size) * 0.999999999
    pos = np.searchsorted(keys, groups + u, side="right")
    lo = group_offsets[groups]
    hi = group_offsets[groups + 1] - 1
    return np.clip(pos, lo, hi).astype(np.int64)


def sample_without_replacement(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct indices, each drawn with probability growing with its weight.

    Efraimidis-Spirakis keys: the ``k`` smallest ``Exp(1) / w``. Indices come back
    sorted. Zero weights are never drawn unless ``k`` exceeds the positive ones.
    """
    n = weights.size
    if k >= n:
        return np.arange(n)
    with np.errstate(divide="ignore"):
        keys = rng.exponential(size=n) / np.where(weights > 0, weights, 0.0)
    chosen = np.argpartition(keys, k)[:k]
    return np.sort(chosen)
