"""The merge policy: which segments to merge, so that there are few, of similar sizes (Lucene's tiered policy).

Segments are sized by their live postings (what a merge must sort). Sizes
fall in tiers of :data:`MERGE_FACTOR` times each, from :data:`FLOOR`; when a
tier holds :data:`MERGE_FACTOR` segments, its smallest are merged into one
(of the next tier). A merge never makes a segment larger than
:data:`MAX_POSTINGS` (the bound on a merge's memory), and a segment with more
than :data:`MAX_DELETED` of its sentences deleted is rewritten. A refresh
that adds one small segment therefore merges only small ones, and a large
segment is rewritten only when a large share of it has changed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qa.segment import Segment

#: Segments per tier before its smallest are merged.
MERGE_FACTOR = 8
#: Segments smaller than this (postings) count as this large: tiny ones share the first tier.
FLOOR = 50_000
#: No merge makes a segment with more postings than this (about 1M sentences of prose). A segment a build
#: flushed when its buffer was full (``full`` in segment.json; :data:`qa.segment.FLUSH_POSTINGS`, half of
#: this) is not merged again, however few postings deleted documents or merged stems leave it: a build
#: writes each posting once, and a refresh that deletes a document in one never turns into a merge.
MAX_POSTINGS = 12_000_000
#: A segment with more than this share of its sentences deleted is rewritten.
MAX_DELETED = 0.3


def size(seg: Segment) -> int:
    """Live postings of a segment (estimated from its share of live sentences)."""
    total = int(seg.meta["n_postings"])
    return total if seg.n_live == seg.n_chunks else round(total * seg.n_live / max(seg.n_chunks, 1))


def _tier(postings: int) -> int:
    return int(math.log(max(postings, FLOOR) / FLOOR, MERGE_FACTOR))


def plan(segments: Sequence[Segment]) -> list[list[int]]:
    """Groups of positions in ``segments`` to merge, each into one segment (none: nothing to do).

    Each group is a run of the segments in sentence order only when merged
    segments stay in place; :func:`qa.refresh` puts each merged segment where
    its first member was.
    """
    groups: list[list[int]] = []
    taken: set[int] = set()
    for i, seg in enumerate(segments):  # mostly deleted: rewrite (with its neighbours in size, below)
        if seg.n_live == 0 or (seg.n_chunks and 1 - seg.n_live / seg.n_chunks > MAX_DELETED):
            groups.append([i])
            taken.add(i)
    tiers: dict[int, list[int]] = {}
    for i, seg in enumerate(segments):
        if i not in taken and size(seg) < MAX_POSTINGS // 2 and not seg.meta.get("full"):
            tiers.setdefault(_tier(size(seg)), []).append(i)
    for tier in sorted(tiers):
        members = sorted(tiers[tier], key=lambda i: (size(segments[i]), i))
        while len(members) >= MERGE_FACTOR:
            group: list[int] = []
            total = 0
            for i in members:
                if len(group) >= MERGE_FACTOR or (group and total + size(segments[i]) > MAX_POSTINGS):
                    break
                group.append(i)
                total += size(segments[i])
            if len(group) < 2:
                break
            groups.append(sorted(group))
            members = [i for i in members if i not in group]
    return groups
