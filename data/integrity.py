"""What the database refused, in the user's words: IntegrityError → a DataError naming the field.

The validators in data.records / data.contracts catch nearly everything before a write. What reaches the
database anyway is a race (two people saving at once: the same code, the same seat label, two running
contracts, a slip while the month closes) or a rule only the database enforces. `translate` maps the
constraint the database names (PostgreSQL's diagnostics; SQLite's message) to one sentence, so neither the
command line nor a form ever shows "duplicate key value violates unique constraint".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from data.errors import ConflictError, DataError, LockedError, NotFoundError, ValidationError

CLOSED_MONTH = "closed_month_locked"
"""Constraint name raised by migration 0002's closed-month triggers (SQLite: the whole message)."""
ONE_RUNNING_CONTRACT = "ex_contract_one_running"


@dataclass(frozen=True)
class Refusal:
    """How to tell the user about one constraint."""

    field: str | None
    message: str
    kind: type[DataError] = ValidationError

    def error(self) -> DataError:
        text = f"{self.field}: {self.message}" if self.field else self.message
        if self.kind is ValidationError:
            return ValidationError(text, field=self.field)
        return self.kind(text)


REFUSALS: dict[str, Refusal] = {
    "uq_client_code": Refusal("code", "this code is already used by another client (saved just now by someone else?)"),
    "uq_office_code": Refusal("code", "this code is already used by another office (saved just now by someone else?)"),
    "uq_concierge_code": Refusal("code", "this code is already used by another concierge (saved just now by someone else?)"),
    "uq_seat_office_label": Refusal("label", "this office already has a seat line with this label (saved just now by someone else?)"),
    ONE_RUNNING_CONTRACT: Refusal(
        "start_month", "the client already has a contract running in this period (saved just now by someone else?); "
        "cancel it first or start after it ends"),
    CLOSED_MONTH: Refusal(None, "this record is in a closed billing month; it was invoiced and can no longer be changed",
                          LockedError),
    "uq_invoice_contract_month": Refusal(None, "someone else was closing the same month at the same time; "
                                         "nothing was saved, run it again", ConflictError),
    "uq_invoice_number": Refusal(None, "someone else was closing the same month at the same time; "
                                 "nothing was saved, run it again", ConflictError),
    "uq_visit_one_on_site": Refusal(
        "status", "the concierge is already on site at another stop of this day (marked just now on another device?); "
        "finish that visit or undo its arrival first"),
    "pk_closed_month": Refusal(None, "someone else closed this month at the same time; nothing was saved, run it again",
                               ConflictError),
}

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<columns>[\w., ]+)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (?P<name>\w+)")
_SQLITE_NOT_NULL = re.compile(r"NOT NULL constraint failed: \w+\.(?P<column>\w+)")
RULE_WORDS = {"positive": "must be above zero", "nonnegative": "must not be negative", "known": "is not an allowed value",
              "range": "is out of range"}


def constraint_name(exc: IntegrityError) -> str | None:
    """The name of the constraint the database reports, when it reports one."""
    diag = getattr(exc.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    message = str(exc.orig)
    if CLOSED_MONTH in message:
        return CLOSED_MONTH
    if ONE_RUNNING_CONTRACT in message:
        return ONE_RUNNING_CONTRACT
    match = _SQLITE_UNIQUE.search(message)
    if match:
        return _unique_name([c.strip() for c in match["columns"].split(",")])
    match = _SQLITE_CHECK.search(message)
    if match:
        return match["name"]
    return None


def _unique_name(columns: list[str]) -> str | None:
    """SQLite names the columns ("seat.office_id, seat.label"), not the constraint: find it in the models."""
    from data.models import Base

    table = columns[0].split(".")[0]
    wanted = {c.split(".")[-1] for c in columns}
    model = Base.metadata.tables.get(table)
    if model is None:
        return None
    candidates: list[Any] = [*model.constraints, *(i for i in model.indexes if i.unique)]  # a partial unique index too
    for constraint in candidates:
        names = {c.name for c in getattr(constraint, "columns", ())}
        if names == wanted and constraint.name and str(constraint.name).startswith("uq_"):
            return str(constraint.name)
    return None


def _check_refusal(name: str) -> ValidationError:
    """ck_seat_count_positive → "count: must be above zero" (the column found in the models)."""
    from data.models import Base

    for table in sorted(Base.metadata.tables.values(), key=lambda t: -len(t.name)):
        if not name.startswith(f"ck_{table.name}_"):
            continue
        rule = name.removeprefix(f"ck_{table.name}_")
        for column in sorted(table.columns, key=lambda c: -len(c.name)):
            if rule.startswith(f"{column.name}_"):
                words = RULE_WORDS.get(rule.removeprefix(f"{column.name}_"), "is not allowed")
                return ValidationError(f"{column.name}: {words}", field=column.name)
        break
    return ValidationError(f"the database refused a value ({name}); nothing was saved")


def translate(exc: IntegrityError) -> DataError:
    """One sentence for what the database refused; the field it concerns when there is one."""
    name = constraint_name(exc)
    if name in REFUSALS:
        refusal = REFUSALS[name]
        detail = getattr(getattr(exc.orig, "diag", None), "message_primary", None)
        if name == CLOSED_MONTH and detail:  # PostgreSQL's trigger names the row and the month
            return LockedError(str(detail))
        return refusal.error()
    if name and name.startswith("fk_"):
        return NotFoundError("a record this one refers to no longer exists (deleted by someone else?); reload and try again")
    if name and name.startswith("ck_"):
        return _check_refusal(name)
    not_null = _SQLITE_NOT_NULL.search(str(exc.orig))
    column = getattr(getattr(exc.orig, "diag", None), "column_name", None) or (not_null and not_null["column"])
    if column:
        return ValidationError(f"{column}: required", field=str(column))
    if "FOREIGN KEY" in str(exc.orig):
        return NotFoundError("a record this one refers to no longer exists (deleted by someone else?); reload and try again")
    return DataError(f"the database refused the change ({name or 'a constraint'}); nothing was saved")
