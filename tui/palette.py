"""Command palette (Ctrl+P): every screen and action the role may open, and clients by name.

Typing part of a client's name offers "Open client: …" (and "Quote for client: …" for roles that
quote); the search runs in a thread so the palette never blocks on the database.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from data.queries import ClientRow, list_clients
from tui.navigation import offered
from tui.text import clean, counted, plain

if TYPE_CHECKING:
    from tui.app import ConciergeApp


class DeskCommands(Provider):
    """Screens, actions and clients of Concierge Desk."""

    @property
    def desk(self) -> ConciergeApp:
        return self.app  # type: ignore[return-value]

    def _entries(self) -> list[tuple[str, str, object]]:
        app = self.desk
        entries: list[tuple[str, str, object]] = [
            (d.title, d.help, partial(app.open, d.name)) for d in offered(app.ctx.role)
        ]
        entries.append(("Show keys", "Every key that works on this screen (? or F1)", app.action_show_keys))
        entries.append(("Toggle light/dark theme", "Switch between the light and the dark theme (Ctrl+T)", app.action_toggle_theme))
        return entries

    async def discover(self) -> Hits:
        if not self.desk.role_chosen:
            return
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        if not self.desk.role_chosen:
            return
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)  # type: ignore[arg-type]
        if len(query.strip()) < 1:
            return
        rows = await asyncio.to_thread(self._find_clients, query.strip())
        role = self.desk.ctx.role
        for row in rows:  # names and codes go in the prompt as Text: the help line is read as markup
            opening = f"Open client: {row.name} ({row.code})"
            yield Hit(0.9, plain(opening), partial(self.desk.open, "open-client", client_id=row.id), text=clean(opening),
                      help=f"{counted(row.offices, 'office')} · {counted(row.pcs, 'PC')}")
            if role.can("quote"):
                quoting = f"Quote for client: {row.name} ({row.code})"
                yield Hit(0.5, plain(quoting), partial(self.desk.open, "quote-client", client_id=row.id), text=clean(quoting),
                          help="Open the quote screen with this client's offices and seats")

    def _find_clients(self, query: str) -> list[ClientRow]:
        ctx = self.desk.ctx
        served = ctx.role.concierge_code if ctx.role.kind == "concierge" else None
        with ctx.db.sessions() as session:
            return list(list_clients(session, search=query, limit=8, served_by=served).rows)
