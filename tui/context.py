"""What every screen of the app receives: the database, who is using it, and the clock.

Screens are built as `SomeScreen(ctx)`; they never open engines, read the wall clock or decide on
their own what a role may see. Tests build an `AppContext` with a fixed clock and a test database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from data.db import Database

RoleKind = Literal["admin", "dispatcher", "concierge"]

#: What each role may open. A concierge sees their own day and the clients they serve, nothing else.
#: "manage_clients" = add, edit and archive clients, offices and seats (the others only read them).
CAPABILITIES: dict[str, frozenset[str]] = {
    "admin": frozenset({
        "clients", "offices", "seats", "concierges", "contracts", "quote", "billing", "board", "day", "requests",
        "manage_clients",
    }),
    "dispatcher": frozenset({"clients", "offices", "seats", "concierges", "board", "day", "requests"}),
    "concierge": frozenset({"clients", "offices", "seats", "day"}),
}


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
        """True when this role may open the screen/action named `capability` (see CAPABILITIES)."""
        return capability in CAPABILITIES[self.kind]

    def sees_concierge(self, code: str) -> bool:
        """A concierge sees only their own day/route; admin and dispatcher see everyone's."""
        return self.kind != "concierge" or code == self.concierge_code

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
