"""Planning a day from the database: rows → a dispatch problem, a plan → rows (the dispatcher's day).

One rule per module; find it by name:

- `units` — visit ids (`R<request id>`) and times of day (minutes, seconds from midnight);
- `deadlines` — business days, the intake's deadline defaults, the 24-hour response aim;
- `priority` — contract priority (monthly plans first) and a contract's dedicated concierge;
- `snapshot` — `load_day`: the `DaySnapshot` of a date (problem, labels, versions read, committed plan);
- `committed` — the committed plan read back from visit rows and each route's stored break;
- `travel` — a precomputed travel matrix instead of the travel profiles ($CONCIERGE_TRAVEL_MATRIX);
- `commit` — `commit_plan`: write a plan in one transaction, checked against the versions read;
- `replan` — `replan_from_now`: the rest of a committed day around what is done;
- `moves` — hand moves (`move_visit`, `unplan_visit`, `route_times`);
- `pins` — what a pin does at once, by insertion into the shown plan;
- `reasons` — why visits stay unplanned, in words;
- `summary` — a plan in the dispatcher's words (by urgency, emergencies' start, travel, lateness; before → after);
- `form` — the intake form read as a whole (`parse_intake`, `request_errors`: every field's problem at once);
- `intake` — request intake (`search_clients`, `save_request`);
- `offers` — slot offers at intake (`offers_for_draft`, `offers_for_request`, `save_with_offer`, `offer_into_proposal`);
- `requests` — the board's request list (`open_requests`).

Public names are importable from `data.planning` itself.
"""

from data.planning.commit import CommitResult, commit_plan
from data.planning.committed import committed_plan
from data.planning.deadlines import (
    DEFAULT_CLOSING,
    LOOKAHEAD_BUSINESS_DAYS,
    LOW_BUSINESS_DAYS,
    NORMAL_BUSINESS_DAYS,
    RESPONSE_AIM,
    add_business_days,
    default_deadline,
    relevant_until,
)
from data.planning.form import DEADLINE_FORMAT, RequestForm, parse_intake, request_errors
from data.planning.intake import ClientChoice, is_planned_day, save_request, search_clients
from data.planning.moves import Leg, Retimed, move_visit, route_times, unplan_visit
from data.planning.priority import (
    PRIORITY_ANNUAL,
    PRIORITY_LABELS,
    PRIORITY_MONTHLY,
    PRIORITY_NONE,
    contract_priority,
    dedicated_required,
)
from data.planning.reasons import all_unplanned, plan_with_excluded, unplanned_texts
from data.planning.replan import replan_from_now
from data.planning.requests import URGENCY_ORDER, RequestRow, open_requests
from data.planning.snapshot import (
    BREAK_EARLIEST,
    BREAK_LATEST,
    BREAK_MINUTES,
    ConciergeInfo,
    DaySnapshot,
    VisitInfo,
    load_day,
)
from data.planning.travel import TRAVEL_MATRIX_ENV, with_travel
from data.planning.units import clock_of, minutes_of, request_id_of, visit_key

__all__ = [
    "BREAK_EARLIEST",
    "BREAK_LATEST",
    "BREAK_MINUTES",
    "DEADLINE_FORMAT",
    "DEFAULT_CLOSING",
    "LOOKAHEAD_BUSINESS_DAYS",
    "LOW_BUSINESS_DAYS",
    "NORMAL_BUSINESS_DAYS",
    "PRIORITY_ANNUAL",
    "PRIORITY_LABELS",
    "PRIORITY_MONTHLY",
    "PRIORITY_NONE",
    "RESPONSE_AIM",
    "TRAVEL_MATRIX_ENV",
    "URGENCY_ORDER",
    "ClientChoice",
    "CommitResult",
    "ConciergeInfo",
    "DaySnapshot",
    "Leg",
    "RequestForm",
    "RequestRow",
    "Retimed",
    "VisitInfo",
    "add_business_days",
    "all_unplanned",
    "clock_of",
    "commit_plan",
    "committed_plan",
    "contract_priority",
    "dedicated_required",
    "default_deadline",
    "is_planned_day",
    "load_day",
    "minutes_of",
    "move_visit",
    "open_requests",
    "parse_intake",
    "plan_with_excluded",
    "relevant_until",
    "replan_from_now",
    "request_errors",
    "request_id_of",
    "route_times",
    "save_request",
    "search_clients",
    "unplan_visit",
    "unplanned_texts",
    "visit_key",
    "with_travel",
]
