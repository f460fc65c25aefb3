"""Route a sequence flow's line between two shapes, right-angled, around every other shape.

Pure plane geometry, shared by the layout (which draws lines) and `bpmn.geometry_edges`
(which checks them), so the two agree on what "crosses a shape" means. The layout proposes its
usual line first; only when that line runs through another shape are the alternatives tried:
leaving or entering by another side, turning in another gap between columns, or running along
a free corridor between rows. Of the clean ones the shortest, counting each bend as `BEND`
pixels, wins; if none is clean the usual line is kept (the lint then says so).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import pairwise, product
from typing import Protocol

Point = tuple[float, float]
#: how deep into a shape a line must go to cross it: grazing its border reads as passing by
GRAZE = 3.0
GAP = 20.0  # between a line turning beside a shape and that shape
BEND = 40.0  # a bend costs as much as this many pixels of line
NEAREST = 3  # turning gaps tried on each side, nearest first


class Rect(Protocol):
    x: float
    y: float
    width: float
    height: float


def crosses(a: Point, b: Point, box: Rect) -> bool:
    """Whether the segment a–b runs through the box's inside (its border less `GRAZE`).

    Liang–Barsky clipping: some of the segment is left inside the shrunk box.
    """
    left, top = box.x + GRAZE, box.y + GRAZE
    right, bottom = box.x + box.width - GRAZE, box.y + box.height - GRAZE
    if left >= right or top >= bottom:
        return False
    dx, dy = b[0] - a[0], b[1] - a[1]
    low, high = 0.0, 1.0
    for p, q in ((-dx, a[0] - left), (dx, right - a[0]), (-dy, a[1] - top), (dy, bottom - a[1])):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low >= high:
            return False
    return True


def clean(points: Sequence[Point], obstacles: Sequence[Rect]) -> bool:
    return not any(crosses(a, b, o) for a, b in pairwise(points) for o in obstacles)


def detour(usual: list[Point], source: Rect, target: Rect, obstacles: Sequence[Rect],
           floor: tuple[float, float]) -> list[Point]:  # fmt: skip
    """The usual line if it is clean, else the cheapest clean alternative (else the usual).

    `floor`: the top and bottom a corridor may use (the pool's inside).
    """
    if clean(usual, obstacles):
        return usual
    options = sorted((_straight(o) for o in _options(source, target, obstacles, floor)),
                     key=_cost)  # fmt: skip
    return next((o for o in options if clean(o, obstacles)), usual)


def _straight(points: list[Point]) -> list[Point]:
    """The line without repeated points or points midway along a straight run."""
    kept: list[Point] = []
    for p in points:
        if kept and p == kept[-1]:
            continue
        if len(kept) >= 2 and (kept[-2][0] == kept[-1][0] == p[0]
                               or kept[-2][1] == kept[-1][1] == p[1]):  # fmt: skip
            kept[-1] = p
            continue
        kept.append(p)
    return kept


def _cost(points: list[Point]) -> float:
    length = sum(abs(b[0] - a[0]) + abs(b[1] - a[1]) for a, b in pairwise(points))
    return length + BEND * (len(points) - 2)


def _options(source: Rect, target: Rect, obstacles: Sequence[Rect],
             floor: tuple[float, float]) -> Iterator[list[Point]]:  # fmt: skip
    """Right-angled lines from a side of the source to a side of the target, up to four bends.

    A line leaves by the right side or the top or bottom, and enters by the left side or the
    top or bottom, never turning back through its own ends.
    """
    sx, sy = source.x + source.width / 2, source.y + source.height / 2
    tx, ty = target.x + target.width / 2, target.y + target.height / 2
    right, left = source.x + source.width, target.x
    s_top, s_bottom = source.y, source.y + source.height
    t_top, t_bottom = target.y, target.y + target.height
    lanes = sorted({v for o in obstacles for v in (o.x - GAP, o.x + o.width + GAP)}
                   | {right + GAP, left - GAP})  # fmt: skip
    after = [c for c in lanes if c > right][:NEAREST]  # gaps to turn in after the source
    before = [c for c in lanes if c < left][-NEAREST:]  # and before the target
    rows = sorted({v for o in obstacles for v in (o.y - GAP, o.y + o.height + GAP)}
                  | {floor[0] + GAP / 2, floor[1] - GAP / 2})  # fmt: skip
    rows = [r for r in rows if floor[0] < r < floor[1]]

    def leave(y: float) -> Point | None:  # by the top or bottom, towards row y
        return (sx, s_top) if y < s_top else (sx, s_bottom) if y > s_bottom else None

    def enter(y: float) -> Point | None:
        return (tx, t_top) if y < t_top else (tx, t_bottom) if y > t_bottom else None

    for c in after:
        if c < left:
            yield [(right, sy), (c, sy), (c, ty), (left, ty)]
    if tx > right and enter(sy):
        yield [(right, sy), (tx, sy), enter(sy)]
    if left > sx and leave(ty):
        yield [leave(ty), (sx, ty), (left, ty)]
    for y in rows:
        out, into = leave(y), enter(y)
        if out and into:
            yield [out, (sx, y), (tx, y), into]
        for c in before:
            if out and c > sx:
                yield [out, (sx, y), (c, y), (c, ty), (left, ty)]
        for c in after:
            if into and c < tx:
                yield [(right, sy), (c, sy), (c, y), (tx, y), into]
        for c1, c2 in product(after, before):
            yield [(right, sy), (c1, sy), (c1, y), (c2, y), (c2, ty), (left, ty)]
