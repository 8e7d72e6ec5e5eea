"""Deterministic structure without materialising a dataset: hashing, exact-share selections, fan-outs.

Everything here is a pure function of integers, so any record of a million-record dataset can be generated
on its own, in any order, by any process, and come out the same.
"""

from __future__ import annotations

import bisect
import math
import random
from functools import lru_cache

_M64 = (1 << 64) - 1
BLOCK = 64
"""Parents per fan-out block: the unit whose children are laid out (and cached) together."""


def _mix(x: int) -> int:
    """SplitMix64's finaliser: a fast, well-distributed 64-bit mixer."""
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def h(*parts: int) -> int:
    """A 64-bit hash of a few integers (order matters). Costs a microsecond per part: hot paths derive a key
    once with it and then call :func:`mix1` per record."""
    x = 0x243F6A8885A308D3
    for part in parts:
        x = _mix(x ^ (part & _M64))
    return x


def mix1(key: int, value: int) -> int:
    """A 64-bit hash of ``value`` under an already-mixed ``key`` (one round)."""
    return _mix(key ^ value)


def rng(*parts: int) -> random.Random:
    """A private random stream: the same parts always give the same draws."""
    return random.Random(h(*parts))


def stream(base: int, index: int) -> random.Random:
    """Record ``index``'s random stream under a per-resource ``base`` (from :func:`h`): Mersenne Twister's
    seeding mixes the (base, index) words, so neighbouring indices get unrelated streams."""
    return random.Random((base << 36) | index)


def share_count(n: int, share: float) -> int:
    """How many of ``n`` records a share selects: ``n * share`` rounded half up, so it is exact and reproducible."""
    return min(n, math.floor(n * share + 0.5)) if n > 0 and share > 0 else 0


def selected_rank(n: int, k: int, key: int, index: int) -> int | None:
    """Whether ``index`` is one of exactly ``k`` of ``n`` indices picked by ``key``; its rank (0..k-1) if so.

    Stratified: [0, n) is cut into k strata of near-equal width and one index of each is picked, so exactly k are
    selected, spread over the whole range (every page has its share) yet at random places within the strata.
    """
    if k <= 0 or not 0 <= index < n:
        return None
    rank = index * k // n
    return rank if _stratum_pick(n, k, key, rank) == index else None


def selected_indices(n: int, k: int, key: int) -> list[int]:
    """All indices :func:`selected_rank` selects, by rank (which is also ascending order)."""
    return [_stratum_pick(n, k, key, rank) for rank in range(max(0, min(k, n)))]


def _stratum_pick(n: int, k: int, key: int, rank: int) -> int:
    start = -(-rank * n // k)
    end = -(-(rank + 1) * n // k)
    return start + _mix(key ^ rank) % (end - start)


class FanOut:
    """Children spread over parents: exactly ``floor(parents * ratio)`` children, child indices grouped by parent
    in parent order (a parent's children are contiguous), each parent holding between 0 and ``cap`` of them.

    Parents are taken in blocks of :data:`BLOCK`; the number of children of a block is fixed by the ratio, and
    how they are shared inside the block is drawn from ``key``. Looking a child's parent up, or a parent's
    children, costs O(1) plus one cached layout per block.
    """

    def __init__(self, parents: int, ratio: float, key: int, cap: int) -> None:
        self.parents = parents
        self.ratio = ratio
        self.key = key
        self.cap = max(cap, math.ceil(ratio) + 2)
        self.total = self._cum(parents)
        self._blocks = -(-parents // BLOCK)

    def _cum(self, parent: int) -> int:
        # Children of all parents before ``parent``; monotone in ``parent``.
        return math.floor(parent * self.ratio + 1e-9)

    def _layout(self, block: int) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
        first_parent = block * BLOCK
        last_parent = min(first_parent + BLOCK, self.parents)
        first_child = self._cum(first_parent)
        children = self._cum(last_parent) - first_child
        counts, prefix = _block_layout(self.key, block, last_parent - first_parent, children, self.cap)
        return first_child, counts, prefix

    def locate(self, child: int) -> tuple[int, int, int]:
        """The parent of ``child``, the child's position among its siblings (0-based, in order) and their count."""
        if not 0 <= child < self.total:
            raise IndexError(child)
        block = min(self._blocks - 1, int(child / (BLOCK * self.ratio)))
        while block > 0 and self._cum(block * BLOCK) > child:
            block -= 1
        while block + 1 < self._blocks and self._cum((block + 1) * BLOCK) <= child:
            block += 1
        first_child, counts, prefix = self._layout(block)
        offset = child - first_child
        slot = bisect.bisect_right(prefix, offset) - 1
        return block * BLOCK + slot, offset - prefix[slot], counts[slot]

    def children(self, parent: int) -> range:
        """The indices of ``parent``'s children."""
        if not 0 <= parent < self.parents:
            raise IndexError(parent)
        block, slot = divmod(parent, BLOCK)
        first_child, counts, prefix = self._layout(block)
        start = first_child + prefix[slot]
        return range(start, start + counts[slot])


@lru_cache(maxsize=8192)
def _block_layout(
    key: int, block: int, parents: int, children: int, cap: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    draw = rng(key, block)
    rnd = draw.random
    base, extra = divmod(children, parents)
    counts = [base] * parents
    for slot in draw.sample(range(parents), extra):
        counts[slot] += 1
    # Move single children between random parents: some get none, some several (never more than cap).
    for _ in range(parents):
        giver, taker = int(rnd() * parents), int(rnd() * parents)
        if counts[giver] > 0 and counts[taker] < cap:
            counts[giver] -= 1
            counts[taker] += 1
    prefix = [0]
    for count in counts:
        prefix.append(prefix[-1] + count)
    return tuple(counts), tuple(prefix)
