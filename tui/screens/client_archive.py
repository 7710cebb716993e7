"""Archive or restore a client after asking: the same question and messages from the list and the detail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from data.archive import set_client_active
from data.errors import DataError
from tui.context import AppContext
from tui.widgets.confirm import ConfirmDialog


def confirm_archive(
    screen: Screen[Any],
    ctx: AppContext,
    *,
    client_id: int,
    name: str,
    active: bool,
    detail: str,
    done: Callable[[], object],
    version: int | None = None,
) -> None:
    """Ask, then archive an active client (restore an archived one); `done` runs after a change.

    `detail` explains archiving (restoring needs no explanation); `version` makes a concurrent change a refusal.
    """
    restore = not active
    verb = "Restore" if restore else "Archive"

    def answered(yes: bool | None) -> None:
        if not yes:
            return
        try:
            with ctx.db.transaction() as session:
                set_client_active(session, client_id, restore, expected_version=version)
        except DataError as exc:
            screen.notify(f"{name} was not {verb.lower()}d: {exc}", severity="error")
            return
        screen.notify(f"{name} {'restored' if restore else 'archived'}.")
        done()

    screen.app.push_screen(ConfirmDialog(f"{verb} {name}?", yes=verb, detail="" if restore else detail), answered)
