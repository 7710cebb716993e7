"""Concierges as the admin screens read them: list lines, form text, and finding clients to pick.

Saving goes through `data.records.save_concierge` (validation lives there); this module only reads,
returning frozen dataclasses so a screen never holds an ORM row after its session closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.access.grants import installed
from data.access.users import concierge_logins, list_users
from data.errors import ConflictError, NotFoundError
from data.fields import format_bool, format_float, format_time
from data.models import Client, Concierge
from data.records import WEEKDAYS
from data.search import matches_all, text_matches


@dataclass(frozen=True)
class ConciergeRow:
    """One line of the concierge list."""

    id: int
    version: int
    code: str
    name: str
    skills: tuple[str, ...]
    working_days: tuple[str, ...]
    """"mon" … "sun"."""
    hours: str
    """"09:00-18:00"."""
    max_visits: int
    home_address: str
    dedicated: tuple[str, ...]
    """Names of the clients this concierge is dedicated to."""
    active: bool


def _row(c: Concierge) -> ConciergeRow:
    return ConciergeRow(
        id=c.id, version=c.version, code=c.code, name=c.name, skills=tuple(c.skills or ()),
        working_days=tuple(WEEKDAYS[d] for d in sorted(c.working_days or ())),
        hours=f"{format_time(c.shift_start)}-{format_time(c.shift_end)}", max_visits=c.max_visits,
        home_address=c.home_address, dedicated=tuple(cl.name for cl in sorted(c.dedicated_clients, key=lambda x: x.code)),
        active=c.active,
    )


def concierge_rows(session: Session, *, search: str = "", include_inactive: bool = True) -> list[ConciergeRow]:
    """Concierges by code; `search` words must each appear in the code, name, address, a skill or a dedicated
    client's name (folded by data.search; a few dozen rows are filtered in memory)."""
    query = select(Concierge).options(selectinload(Concierge.dedicated_clients)).order_by(Concierge.code)
    if not include_inactive:
        query = query.where(Concierge.active.is_(True))
    rows = [_row(c) for c in session.scalars(query)]
    return [r for r in rows if text_matches(search, (r.code, r.name, r.home_address, *r.skills, *r.dedicated))]


def concierge_form_values(session: Session, concierge_id: int) -> tuple[dict[str, str], int]:
    """The form text of a concierge (the fields `save_concierge` reads) and its version."""
    c = session.get(Concierge, concierge_id)
    if c is None:
        raise NotFoundError(f"concierge {concierge_id} no longer exists")
    values = {
        "code": c.code, "name": c.name, "phone": c.phone or "", "email": c.email or "",
        "home_address": c.home_address, "home_lat": format_float(c.home_lat), "home_lon": format_float(c.home_lon),
        "skills": " ".join(c.skills or ()), "working_days": " ".join(WEEKDAYS[d] for d in sorted(c.working_days or ())),
        "shift_start": format_time(c.shift_start), "shift_end": format_time(c.shift_end),
        "max_visits": str(c.max_visits), "travel_profile": c.travel_profile, "active": format_bool(c.active),
        "dedicated_clients": " ".join(cl.code for cl in sorted(c.dedicated_clients, key=lambda x: x.code)),
    }
    return values, c.version


@dataclass(frozen=True)
class ActiveChange:
    """What (de)activating a concierge did, for the admin's message."""

    code: str
    active: bool
    logins: tuple[tuple[str, bool], ...]
    """The concierge's linked logins (PostgreSQL) and whether each could sign in before the change."""

    @property
    def disabled(self) -> tuple[str, ...]:
        """The logins this change disables (at its commit)."""
        return () if self.active else tuple(login for login, could in self.logins if could)

    def message(self) -> str:
        """"K05 deactivated; login k05 disabled, its open sessions ended"."""
        parts = [f"{self.code} {'reactivated' if self.active else 'deactivated'}"]
        for login, could in self.logins:
            if not self.active:
                parts.append(f"login {login} disabled, its open sessions ended" if could else f"login {login} was already disabled")
            elif could:
                parts.append(f"login {login} can sign in")
            else:
                parts.append(f"login {login} stays disabled until an admin runs `concierge user enable {login}`")
        return "; ".join(parts)


def set_concierge_active(
    session: Session, concierge_id: int, active: bool, *, expected_version: int | None = None
) -> ActiveChange:
    """Deactivate (no longer planned, history kept) or reactivate a concierge.

    On PostgreSQL deactivating also disables the concierge's login and ends its open sessions, in this
    transaction (the database does it when the transaction commits, whoever changed the row and how);
    reactivating does not enable the login again — an admin does that with `concierge user enable`.
    """
    c = session.get(Concierge, concierge_id)
    if c is None:
        raise NotFoundError(f"concierge {concierge_id} no longer exists")
    if expected_version is not None and c.version != expected_version:
        raise ConflictError(f"concierge {c.code} was changed by someone else since you opened it; reload and try again")
    c.active = active
    return _change(session, c)


def active_change(session: Session, concierge: Concierge, was_active: bool | None) -> ActiveChange | None:
    """What saving `concierge` did to its activity and logins (a form that loaded it `was_active`); None
    when `active` did not change or the concierge is new."""
    if was_active is None or was_active == concierge.active:
        return None
    return _change(session, concierge)


def active_codes(session: Session) -> set[str]:
    """Codes of the active concierges (to compare before and after an import)."""
    return set(session.scalars(select(Concierge.code).where(Concierge.active.is_(True))))


def deactivated_logins(session: Session, were_active: set[str]) -> list[tuple[str, str]]:
    """(login, code) of the concierges in `were_active` that are inactive now and whose login can still sign
    in: the ones this transaction's commit disables (PostgreSQL; none on SQLite), by code."""
    now_inactive = were_active - active_codes(session)
    if not now_inactive or not installed(session.connection()):
        return []
    return [(row.login, row.concierge_code or "") for row in sorted(list_users(session.connection()), key=lambda r: r.concierge_code or "")
            if row.concierge_code in now_inactive and row.can_login]


def _change(session: Session, c: Concierge) -> ActiveChange:
    logins = tuple((row.login, row.can_login) for row in concierge_logins(session.connection(), c.code))
    return ActiveChange(c.code, c.active, logins)


@dataclass(frozen=True)
class ClientChoice:
    """A client offered in a picker."""

    id: int
    code: str
    name: str


def find_clients(session: Session, search: str, *, limit: int = 20) -> list[ClientChoice]:
    """Active clients whose code, name or kana contain every word of `search` (by code; at most `limit`)."""
    query = select(Client.id, Client.code, Client.name).where(Client.active.is_(True), matches_all(Client.search_key, search))
    return [ClientChoice(i, code, name) for i, code, name in session.execute(query.order_by(Client.code).limit(limit)).all()]


def client_choice(session: Session, client_id: int) -> ClientChoice:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(f"client {client_id} no longer exists")
    return ClientChoice(client.id, client.code, client.name)
