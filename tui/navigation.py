"""The screen registry: every screen and action of the app, who may open it and how to build it.

Screens are named by import path ("tui.screens.quote:QuoteScreen") and imported only when opened, so
start-up stays fast and a screen whose module is not in this build yet is reported as "not available
yet" instead of crashing the app. Screens are built as `Screen(ctx, **arguments)`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.screen import Screen

from tui.context import AppContext, Role


@dataclass(frozen=True)
class Destination:
    """A screen (or an action that opens a dialog) the user can go to."""

    name: str
    """Stable id, used by the command palette and by `ConciergeApp.open(name)`."""
    title: str
    target: str
    """"module:Class" of the screen."""
    capability: str
    """What the role needs (tui.context.CAPABILITIES)."""
    key: str | None
    """Key that opens it from anywhere (None: palette only)."""
    help: str
    top_level: bool = True
    """Top-level screens replace the stack above home; others are pushed on top (Escape returns)."""
    needs_client: bool = False
    """The action asks for a client first (palette "…" entries)."""
    done: str | None = None
    """Said when the screen (a dialog) closes with a result, e.g. "Visit request saved."."""


DESTINATIONS: tuple[Destination, ...] = (
    Destination("clients", "Clients", "tui.screens.clients:ClientsScreen", "clients", "f2",
                "Client companies: offices, seats, contract, open requests"),
    Destination("board", "Dispatch board", "tui.screens.board:BoardScreen", "board", "f3",
                "Open requests and each concierge's day; plan and re-plan"),
    Destination("day", "My day", "tui.screens.day:DayScreen", "day", "f4",
                "A concierge's visits of the day and the work slips"),
    Destination("concierges", "Concierges", "tui.screens.concierges:ConciergesScreen", "concierges", "f5",
                "Skills, home base, working days and hours, dedicated clients"),
    Destination("contracts", "Contracts", "tui.screens.contracts:ContractsScreen", "contracts", "f6",
                "Plans, start months, service hours, cancellation"),
    Destination("quote", "Quote", "tui.screens.quote:QuoteScreen", "quote", "f7",
                "Monthly fee for offices and seats, with the breakdown"),
    Destination("billing", "Billing", "tui.screens.billing:BillingScreen", "billing", "f8",
                "Close a month into invoices; list, open and export invoices; fee-limit notices"),
    Destination("new-request", "New visit request", "tui.screens.request_form:RequestFormScreen", "requests",
                "ctrl+n", "Take a client's request for an on-site visit", top_level=False, done="Visit request saved."),
    Destination("open-client", "Open client…", "tui.screens.client_detail:ClientDetailScreen", "clients", None,
                "Find a client by name and open it", top_level=False, needs_client=True),
    Destination("quote-client", "Quote for client…", "tui.screens.quote:QuoteScreen", "quote", None,
                "Quote starting from an existing client's offices and seats", top_level=False, needs_client=True),
)

HOME = {"admin": "clients", "dispatcher": "board", "concierge": "day"}


class NotAvailable(Exception):
    """The destination's screen is not part of this build yet (or cannot be built)."""


def destination(name: str) -> Destination:
    for d in DESTINATIONS:
        if d.name == name:
            return d
    raise KeyError(name)


def offered(role: Role) -> list[Destination]:
    """The destinations this role may open, in menu order."""
    return [d for d in DESTINATIONS if role.can(d.capability)]


def home(role: Role) -> Destination:
    return destination(HOME[role.kind])


def load(target: str) -> Callable[..., Screen[Any]]:
    """Import "module:Class"; NotAvailable when the module or class is missing."""
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise NotAvailable(f"{module_name} is not in this build yet") from exc
        raise
    screen = getattr(module, class_name, None)
    if screen is None:
        raise NotAvailable(f"{target} is not in this build yet")
    return screen  # type: ignore[no-any-return]


def build(target: str, ctx: AppContext, **arguments: Any) -> Screen[Any]:
    """Construct the screen as `Screen(ctx, **arguments)`.

    Screens written before AppContext existed take `(database, *, clock, planner)`; they get those
    from the context, so the shell can open them unchanged.
    """
    screen = load(target)
    parameters = inspect.signature(screen.__init__).parameters
    names = [n for n in parameters if n != "self"]
    accepted = {k: v for k, v in arguments.items() if k in parameters or _takes_kwargs(parameters)}
    if names and names[0] in ("database", "db"):
        legacy: dict[str, Any] = {}
        if "clock" in parameters:
            legacy["clock"] = ctx.clock
        if "planner" in parameters:
            from tui.workers_solve import RealPlanner

            legacy["planner"] = RealPlanner()
        return screen(ctx.db, **legacy, **accepted)
    return screen(ctx, **accepted)


def _takes_kwargs(parameters: Any) -> bool:
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
