"""The Decision 766/QĐ-TTg index groups, scored from the dashboard's figures.

Each group's points are its weight times a share computed from counts (formulas and their
sources in docs/dashboard.md). A group with nothing to measure in the period (no settled
dossier, no rating, no fee) scores ``None`` and is left out of the total and of its
maximum, so an agency is never ranked down for what it had no occasion to do. Publicity
is not an event the engine sees; it stays ``None`` until someone records it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .errors import InvalidInput
from .metrics import Figures, compute
from .metrics_period import Period, Scope

if TYPE_CHECKING:
    from .runtime import Engine

DEFAULT_FILE = Path(__file__).parent / "data" / "index766.yaml"
GROUPS = (
    "publicity",
    "progress",
    "online_service",
    "online_payment",
    "digitisation",
    "satisfaction",
)


@dataclass(frozen=True)
class Weights:
    groups: dict[str, float]
    labels: dict[str, str]
    digitised_part: float = 0.5
    reused_part: float = 0.5

    @classmethod
    def load(cls, path: str | Path = "") -> Weights:
        """Read the weights file (the built-in one when ``path`` is empty)."""
        source = Path(path) if path else DEFAULT_FILE
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InvalidInput(f"cannot read the index weights {source}: {exc}") from None
        return cls.from_mapping(data, str(source))

    @classmethod
    def from_mapping(cls, data: Any, source: str = "weights") -> Weights:
        groups = data.get("groups") if isinstance(data, dict) else None
        if not isinstance(groups, dict) or set(groups) != set(GROUPS):
            raise InvalidInput(f"{source}: 'groups' must name exactly {', '.join(GROUPS)}")
        weights, labels = {}, {}
        for name in GROUPS:
            entry = groups[name] or {}
            weight = entry.get("weight")
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
                raise InvalidInput(f"{source}: weight of {name} must be a number >= 0")
            weights[name] = float(weight)
            labels[name] = str(entry.get("label") or name)
        parts = data.get("digitisation_parts") or {"digitised": 0.5, "reused": 0.5}
        digitised, reused = parts.get("digitised"), parts.get("reused")
        if not all(isinstance(v, int | float) and v >= 0 for v in (digitised, reused)) or (
            abs(float(digitised) + float(reused) - 1.0) > 1e-9
        ):
            raise InvalidInput(f"{source}: digitisation_parts must be two shares adding to 1")
        return cls(weights, labels, float(digitised), float(reused))


@dataclass
class Score:
    """Points per group (None: nothing to measure), their total, and the total's maximum."""

    points: dict[str, float | None] = field(default_factory=dict)
    total: float = 0.0
    maximum: float = 0.0

    @property
    def percent(self) -> float | None:
        return 100.0 * self.total / self.maximum if self.maximum else None


def shares(f: Figures, w: Weights) -> dict[str, float | None]:
    """The share (0–1) each group's points are taken from."""
    digitisation = None
    if f.digitised_share is not None:
        reuse = f.reuse_share if f.reuse_share is not None else 0.0
        digitisation = w.digitised_part * f.digitised_share + w.reused_part * reuse
    return {
        "publicity": None,
        "progress": f.on_time_rate,
        "online_service": f.online_share,
        "online_payment": f.online_payment_share,
        "digitisation": digitisation,
        "satisfaction": f.satisfaction_share,
    }


def score(f: Figures, w: Weights) -> Score:
    out = Score()
    for name, share in shares(f, w).items():
        if share is None:
            out.points[name] = None
            continue
        out.points[name] = w.groups[name] * share
        out.total += out.points[name]
        out.maximum += w.groups[name]
    return out


@dataclass
class RankRow:
    code: str
    name: str
    score: Score
    rank: int | None
    previous_rank: int | None

    @property
    def change(self) -> int | None:
        """Places gained since the previous period (negative: lost)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


def ranking(
    engine: Engine,
    period: Period,
    *,
    communes: bool,
    scope: Scope | None = None,
    weights: Weights | None = None,
) -> list[RankRow]:
    """Agencies (or communes) by index percentage, with their place in the previous period."""
    from .metrics import agency_names

    return rank_groups(
        compute(engine, period, scope, by="agency"),
        compute(engine, period.previous(), scope, by="agency"),
        agency_names(engine),
        weights or weights_for(engine),
        communes=communes,
    )


def rank_groups(
    now_groups: dict[str, Figures],
    before_groups: dict[str, Figures],
    names: dict[str, tuple[str, str]],
    weights: Weights,
    *,
    communes: bool,
) -> list[RankRow]:
    """Rank already computed per-agency figures (the dashboard computes them once)."""
    wanted = {c for c, (_, level) in names.items() if (level == "commune") == communes}
    now = _ranks(now_groups, wanted, weights)
    before = _ranks(before_groups, wanted, weights)
    rows = [
        RankRow(code, names[code][0], sc, rank, before.get(code, (None, None))[1])
        for code, (sc, rank) in now.items()
    ]
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.code))
    return rows


def _ranks(
    groups: dict[str, Figures], wanted: set[str], weights: Weights
) -> dict[str, tuple[Score, int | None]]:
    scored = {code: score(f, weights) for code, f in groups.items() if code in wanted}
    ordered = sorted(
        (c for c, s in scored.items() if s.percent is not None),
        key=lambda c: (-round(scored[c].percent or 0.0, 9), c),
    )
    out: dict[str, tuple[Score, int | None]] = {c: (s, None) for c, s in scored.items()}
    rank, last = 0, None
    for position, code in enumerate(ordered, start=1):
        value = round(scored[code].percent or 0.0, 9)
        if value != last:
            rank, last = position, value
        out[code] = (scored[code], rank)
    return out


def weights_for(engine: Engine) -> Weights:
    return Weights.load(engine.settings.index766_file)
