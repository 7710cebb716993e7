"""What every screen of the app receives: the database, who is using it, and the clock.

Screens are built as `SomeScreen(ctx)`; they never open engines, read the wall clock or decide on
their own what a role may see. Tests build an `AppContext` with a fixed clock and a test database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from data.access.identity import SignedIn
from data.access.matrix import GROUPS, Group, allows, capabilities_of, capability
from data.db import Database

RoleKind = Group

#: What each role may open, from the role matrix (data/access/matrix.py; docs/access.md). A concierge
#: sees their own day and the clients they serve, nothing else. "manage_clients" = add, edit and archive
#: clients, offices and seats; "manage_concierges" = add, edit and deactivate concierges.
CAPABILITIES: dict[str, frozenset[str]] = {group: capabilities_of(group) for group in GROUPS}


@dataclass(frozen=True)
class Role:
    """Who is using the app: admin, dispatcher, or one concierge (by code, e.g. "K01")."""

    kind: RoleKind
    concierge_code: str | None = None
    """Set only for kind "concierge"."""

    @classmethod
    def parse(cls, text: str) -> Role:
        """"admin", "dispatcher" or "concierge:CODE" (as `--as` takes it)."""
        if text in ("admin", "dispatcher"):
            return cls(text)  # type: ignore[arg-type]
        if text.startswith("concierge:") and text.removeprefix("concierge:").strip():
            return cls("concierge", text.removeprefix("concierge:").strip())
        raise ValueError(f"{text!r} is not admin, dispatcher or concierge:CODE")

    def can(self, capability: str) -> bool:
        """True when this role may open the screen/action named `capability` (data.access.matrix)."""
        return allows(self.kind, capability)

    def sees_concierge(self, code: str) -> bool:
        """A concierge sees only their own day/route; admin and dispatcher see everyone's."""
        return self.kind != "concierge" or code == self.concierge_code

    def words(self) -> str:
        """"admin", "dispatcher", "concierge K01" (for sentences)."""
        return f"concierge {self.concierge_code}" if self.kind == "concierge" else self.kind

    def __str__(self) -> str:
        return f"concierge:{self.concierge_code}" if self.kind == "concierge" else self.kind


def _now() -> dt.datetime:
    from data.clock import business_now

    return business_now()


@dataclass
class AppContext:
    """Collaborators of the app, passed to every screen's constructor."""

    db: Database
    role: Role
    clock: Callable[[], dt.datetime] = field(default=_now)
    """The business's local time (naive, Asia/Tokyo unless CONCIERGE_TIMEZONE says otherwise; never the
    machine's zone); tests pass a fixed one."""
    tariff_path: str | None = None
    """A tariff TOML chosen with --tariff / CONCIERGE_TARIFF; None = the shipped default."""

    def today(self) -> dt.date:
        return self.clock().date()

    @property
    def signed_in(self) -> SignedIn | None:
        """The PostgreSQL login using the app (None on SQLite, where the role is only a choice)."""
        return self.db.signed_in

    def refusal(self, name: str) -> str:
        """One line for a refused capability: who is using the app and who may do it."""
        rule = capability(name).rule()
        who = self.signed_in
        if who is None:
            return f"you are using the app as {self.role.words()}: {rule}"
        looking = "" if self.role.kind == who.group else f", looking as {self.role.words()}"
        return f"you are signed in as {who.describe()}{looking}: {rule}"
