"""An incident's level from its contact records: the seed's サポートレベルの参考 table, with the reason.

Every criterion of the table is one function returning the level it gives (or None) and a sentence such
as "chat 35 min > 30 → level 3". `incident_level` takes the highest (the first listed on a tie), then
applies the urgent step. Minutes thresholds are multiplied by the scope's time multiplier (higher scopes
allow more time per level); round trips and visits are not.

Reading of the table where the seed leaves room (documented in docs/billing.md):
- call minutes of levels 1-6 are the total of the incident's calls;
- "2回以上で累計" counts calls and the chat (one session) together; a single session longer than the
  continuous maximum (6 h) counts like several sessions;
- a level-6 mail incident needs both more than 25 round trips and at least 7 days open; with fewer days
  it stays level 5.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pricing.errors import PricingError
from pricing.incident_tariff import CONSULTING_KINDS, FEATHER, IncidentTariff, LevelRules, Step, level_name, level_rank


@dataclass(frozen=True)
class IncidentFacts:
    """The contact records of one incident (all counts and minutes whole and non-negative)."""

    mail_round_trips: int = 0
    """Mail or Twitter-DM round trips."""
    reply_round_trips: int = 0
    """Public Twitter-reply round trips."""
    call_minutes: tuple[int, ...] = ()
    """One entry per phone / Skype call (separate sessions)."""
    chat_minutes: int = 0
    """Skype chat minutes (one session when above 0)."""
    onsite_visits: int = 0
    investigation: bool = False
    """Troubleshooting that needs investigation."""
    urgent: bool = False
    """An urgent request (留守番電話) handled before a full investigation."""
    consulting: str | None = None
    """None, "specific" or "general"."""
    open_days: int = 0
    """Whole days between opening and closing (or now)."""

    def __post_init__(self) -> None:
        for name in ("mail_round_trips", "reply_round_trips", "chat_minutes", "onsite_visits", "open_days"):
            _check_count(getattr(self, name), name)
        if not isinstance(self.call_minutes, tuple):
            raise PricingError(f"call_minutes: expected a tuple of minutes, got {self.call_minutes!r}")
        for minutes in self.call_minutes:
            _check_count(minutes, "call_minutes")
        for name in ("investigation", "urgent"):
            if not isinstance(getattr(self, name), bool):
                raise PricingError(f"{name}: expected true or false, got {getattr(self, name)!r}")
        if self.consulting is not None and self.consulting not in CONSULTING_KINDS:
            raise PricingError(f"consulting: {self.consulting!r} is not one of {', '.join(CONSULTING_KINDS)}")


def _check_count(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PricingError(f"{name}: {value!r} is not a whole number")
    if value < 0:
        raise PricingError(f"{name}: {value} is negative")


@dataclass(frozen=True)
class Level:
    """A computed level ("feather", "1".."10") and the sentence explaining it."""

    level: str
    reason: str

    @property
    def rank(self) -> int:
        """0 for feather, else the level number."""
        return level_rank(self.level)


@dataclass(frozen=True)
class Criterion:
    """One criterion of the table that the incident meets."""

    rank: int
    reason: str


Rule = Callable[[IncidentFacts, LevelRules, Decimal], "Criterion | None"]


def _num(value: Decimal) -> str:
    """Minutes as people write them: 45, 67.5."""
    return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")


def _above(value: int, steps: tuple[Step, ...], scale: Decimal = Decimal(1)) -> tuple[Step, Decimal] | None:
    """The highest row whose (scaled) threshold `value` is more than, with that threshold."""
    found: tuple[Step, Decimal] | None = None
    for step in steps:
        limit = Decimal(step.threshold) * scale
        if Decimal(value) > limit:
            found = (step, limit)
    return found


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- one rule per criterion ---------------------------------------------------------------------------


def onsite_visit_level(facts: IncidentFacts, rules: LevelRules, scale: Decimal) -> Criterion | None:
    """出張サポート: 1 visit → 7, 2 → 8, 4 → 9, 7 → 10 (at least that many)."""
    found: Step | None = None
    for step in rules.onsite_visits:
        if facts.onsite_visits >= step.threshold:
            found = step
    if found is None:
        return None
    return Criterion(found.level, f"{_plural(facts.onsite_visits, 'on-site visit')} ≥ {found.threshold} → level {found.level}")


def consulting_level(facts: IncidentFacts, rules: LevelRules, scale: Decimal) -> Criterion | None:
    """コンサルティング: specific → 5, general → 7."""
    if facts.consulting is None:
        return None
    level = rules.consulting[facts.consulting]
    return Criterion(level, f"{facts.consulting} consulting → level {level}")


def investigation_level(facts: IncidentFacts, rules: LevelRules, scale: Decimal) -> Criterion | None:
    """Troubleshooting that needs investigation → 5."""
    if not facts.investigation:
        return None
    return Criterion(rules.investigation, f"troubleshooting needs investigation → level {rules.investigation}")


def session_level(facts: IncidentFacts, rules: LevelRules, scale: Decimal) -> Criterion | None:
    """Calls and chat in 2+ sessions totalling > 3 h → 7, > 6 h → 8, > 10 h → 9, > 14 h → 10
    (a single session over the continuous maximum counts the same way)."""
    sessions = [*facts.call_minutes, *([facts.chat_minutes] if facts.chat_minutes else [])]
    if not sessions:
        return None
    continuous = Decimal(rules.continuous_max_minutes) * scale
    longest = max(sessions)
    if len(sessions) < 2 and Decimal(longest) <= continuous:
        return None
    total = sum(sessions)
    found = _above(total, rules.session_minutes, scale)
    if found is None:
        return None
    step, limit = found
    if len(sessions) >= 2:
        what = f"calls and chat in {len(sessions)} sessions, {total} min in total"
    else:
        what = f"one session of {total} min (over the {_num(continuous)}-min continuous maximum)"
    return Criterion(step.level, f"{what} > {_num(limit)} → level {step.level}")


def call_level(facts: IncidentFacts, rules: LevelRules, scale: Decimal) -> Criterion | None:
    """Phone / voice calls, total minutes: > 5 → 1, > 15 → 2, > 30 → 3, > 45 → 4, > 60 → 5, > 180 → 6, > 300 → 7."""
    total = sum(facts.call_minutes)
    found = _above(total, rules.call_minutes, scale)
    if found is None:
        return None
    step, limit = found
    what = f"call {total} min" if len(facts.call_minutes) == 1 else f"calls {' + '.join(map(str, facts.call_minutes))} = {total} min"
    return Criterion(step.level, f"{what} > {_num(limit)} → level {step.level}")


def chat_level(facts: IncidentFacts, rules: LevelRules, scale: Decimal) -> Criterion | None:
    """Text chat minutes: > 10 → 1, > 20 → 2, > 30 → 3, > 60 → 4, > 180 → 6, > 300 (one long session) → 7."""
    found = _above(facts.chat_minutes, rules.chat_minutes, scale)
    if found is None:
        return None
    step, limit = found
    return Criterion(step.level, f"chat {facts.chat_minutes} min > {_num(limit)} → level {step.level}")


def mail_level(facts: IncidentFacts, rules: LevelRules, scale: Decimal) -> Criterion | None:
    """Mail / DM round trips: > 2 → 1, > 5 → 2, > 10 → 3, > 15 → 4, > 20 → 5; > 25 and open ≥ 1 week → 6."""
    n = facts.mail_round_trips
    long_open = rules.mail_long_open
    if n > long_open.threshold and facts.open_days >= rules.mail_long_open_days:
        return Criterion(
            long_open.level,
            f"mail/DM {n} round trips > {long_open.threshold} and open {_plural(facts.open_days, 'day')} "
            f"≥ {rules.mail_long_open_days} → level {long_open.level}",
        )
    found = _above(n, rules.mail_round_trips)
    if found is None:
        return None
    step, _ = found
    return Criterion(step.level, f"mail/DM {n} round trips > {step.threshold} → level {step.level}")


def reply_level(facts: IncidentFacts, rules: LevelRules, scale: Decimal) -> Criterion | None:
    """Public reply round trips: > 5 → level 1."""
    found = _above(facts.reply_round_trips, rules.reply_round_trips)
    if found is None:
        return None
    step, _ = found
    return Criterion(step.level, f"public replies {facts.reply_round_trips} round trips > {step.threshold} → level {step.level}")


RULES: tuple[Rule, ...] = (
    onsite_visit_level, consulting_level, investigation_level, session_level, call_level, chat_level, mail_level, reply_level,
)
"""Every criterion; on a tie the first listed gives the reason."""


def feather_reason(rules: LevelRules, scale: Decimal) -> str:
    """What a feather incident stayed within."""
    return (
        f"within feather limits (mail/DM ≤ {rules.mail_round_trips[0].threshold} round trips, "
        f"replies ≤ {rules.reply_round_trips[0].threshold}, calls ≤ {_num(rules.call_minutes[0].threshold * scale)} min, "
        f"chat ≤ {_num(rules.chat_minutes[0].threshold * scale)} min) → feather"
    )


def urgent_step(level: Level, *, urgent: bool, rules: LevelRules) -> Level:
    """お急ぎの場合: an urgent request is raised by the configured step (at most level 10)."""
    if not urgent or rules.urgent_step == 0:
        return level
    raised = level_name(level.rank + rules.urgent_step)
    return Level(raised, f"{level.reason}; urgent +{rules.urgent_step} → level {raised}")


def incident_level(facts: IncidentFacts, *, scope: str, tariff: IncidentTariff) -> Level:
    """The level of one incident: the highest criterion of the level table met, then the urgent step."""
    if not isinstance(facts, IncidentFacts):
        raise PricingError(f"facts: expected IncidentFacts, got {type(facts).__name__}")
    tariff.check_scope(scope)
    rules = tariff.levels
    scale = rules.scope_time_multiplier[scope]
    best: Criterion | None = None
    for rule in RULES:
        met = rule(facts, rules, scale)
        if met is not None and (best is None or met.rank > best.rank):
            best = met
    level = Level(FEATHER, feather_reason(rules, scale)) if best is None else Level(level_name(best.rank), best.reason)
    if scale != 1 and (facts.call_minutes or facts.chat_minutes):
        level = Level(level.level, f"{level.reason} ({scope} scope: minutes thresholds × {_num(scale)})")
    return urgent_step(level, urgent=facts.urgent, rules=rules)
