"""The Concierge Desk terminal app: the shell that every screen lives in.

The app owns only navigation: which role is using it (picked at start-up unless `--as` says), the
home screen of that role, the keys that open the other screens (tui.navigation), the command
palette, the key list, the theme. Screens do the rest and receive an `AppContext`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from textual import events, on
from textual.actions import ActionParseResult
from textual.actions import parse as parse_action
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen

from data.access.identity import check_view, require
from data.db import Database, open_database
from data.errors import AccessDenied, DataError, NotFoundError, SessionEnded
from data.queries import active_concierges
from data.route import find_concierge
from tui.context import AppContext, Role
from tui.keyguard import swallowed
from tui.messages import Navigate
from tui.navigation import DESTINATIONS, NotAvailable, build, destination, home, offered
from tui.palette import DeskCommands
from tui.text import clean

TEXTUAL_KEYS = ("focus_next", "focus_previous", "copy_text", "maximize", "minimize", "command_palette")
"""Textual's own screen keys, left out of the key list (it names Tab and Ctrl+P itself)."""
DARK_THEME = "textual-dark"
LIGHT_THEME = "textual-light"


class ConciergeApp(App[None]):
    """The app shell; build it with `make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "Concierge Desk"
    COMMANDS = App.COMMANDS | {DeskCommands}
    BINDINGS = [
        Binding("question_mark", "show_keys", "Keys", key_display="?"),
        Binding("f1", "show_keys", "Keys", show=False),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
        Binding("escape", "go_back", "Back", show=False),
        *[
            Binding(d.key, f"go('{d.name}')", d.title, show=False)
            for d in DESTINATIONS
            if d.key is not None
        ],
    ]

    def __init__(self, ctx: AppContext, *, pick_role: bool = False) -> None:
        super().__init__()
        self.ctx = ctx
        self.role_chosen = not pick_role

    # -- start-up ---------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.theme = DARK_THEME
        if self.role_chosen:
            self.go_home()
            return
        from tui.screens.role_picker import RolePickerScreen

        try:
            with self.ctx.db.sessions() as session:
                concierges = active_concierges(session)
        except DataError as exc:
            self.notify(f"Could not read the concierges: {exc}", severity="error")
            concierges = []
        self.push_screen(RolePickerScreen(concierges, signed_in=self.ctx.signed_in), self.role_picked)

    def role_picked(self, role: Role | None) -> None:
        if role is None:
            self.exit()
            return
        self.ctx.role = role
        self.role_chosen = True
        self.go_home()

    def go_home(self) -> None:
        """Show the role's home screen (the bottom of the stack)."""
        self.sub_title = f"{self.ctx.role} · {database_name(self.ctx)}"
        while len(self.screen_stack) > 1:
            self.pop_screen()
        first = home(self.ctx.role)
        for candidate in (first, destination("clients")):
            try:
                self.push_screen(build(candidate.target, self.ctx, **self._home_arguments(candidate.name)))
            except NotAvailable:
                self.notify(f"{candidate.title} is not available yet; showing Clients instead.", severity="warning")
                continue
            return

    def _home_arguments(self, name: str) -> dict[str, Any]:
        if name == "day" and self.ctx.role.kind == "concierge":
            return {"concierge_code": self.ctx.role.concierge_code}
        return {}

    # -- navigation -------------------------------------------------------------------------------
    def open(self, name: str, **arguments: Any) -> None:
        """Open destination `name` of tui.navigation, if this role may; otherwise say why not."""
        if not self.role_chosen:
            return
        target = destination(name)
        if not self.ctx.role.can(target.capability):
            self.notify(self.ctx.refusal(target.capability), severity="error", markup=False)
            return
        if target.needs_client and "client_id" not in arguments:
            from tui.screens.client_picker import ClientPickerScreen

            def picked(client_id: int | None) -> None:
                if client_id is not None:
                    self.open(name, client_id=client_id)

            self.push_screen(ClientPickerScreen(self.ctx, title=target.title.rstrip("…")), picked)
            return
        arguments = {**self._home_arguments(name), **arguments}
        try:
            screen = build(target.target, self.ctx, **arguments)
        except NotAvailable:
            self.notify(f"{target.title} is not available yet in this build.", severity="warning")
            return
        except DataError as exc:
            self.notify(f"{target.title} cannot be opened: {exc}", severity="error")
            return
        if target.top_level:
            while len(self.screen_stack) > 2:
                self.pop_screen()
            if target.name == home(self.ctx.role).name and len(self.screen_stack) == 2:
                return  # already there
        self.push_screen(screen, partial(self.say_done, target.done))

    def say_done(self, done: str | None, result: object) -> None:
        if done and result is not None:
            self.notify(done)

    @on(Navigate)
    def navigate(self, message: Navigate) -> None:
        self.open(message.destination, **message.arguments)

    def action_go(self, name: str) -> None:
        self.open(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "go":  # not from inside a dialog: answer it first; a refused screen says why (open)
            return self.role_chosen and not isinstance(self.screen, ModalScreen)
        if action == "go_back":
            return len(self.screen_stack) > 2 and not isinstance(self.screen, ModalScreen)
        return True

    def action_go_back(self) -> None:
        self.pop_screen()

    async def action_quit(self) -> None:
        """Quit (Ctrl+Q); a screen holding unsaved work (the board's proposal) asks first."""
        for screen in reversed(self.screen_stack):
            ask = getattr(screen, "ask_before_quit", None)
            if callable(ask) and ask(self.exit):
                return
        self.exit()

    # -- keys and looks ---------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Only Quit from Textual's own palette entries: ours already offer the keys and the theme (Textual's
        "Keys" panel would list its copy and focus keys, "Theme" every theme, "Screenshot" is for developers)."""
        yield SystemCommand("Quit", "Quit Concierge Desk (Ctrl+Q)", self.action_quit)

    async def on_event(self, event: events.Event) -> None:
        """A key typed in the same burst that opened a dialog or form is dropped (tui.keyguard)."""
        if isinstance(event, events.Key) and not event.is_forwarded and self.screen_stack and swallowed(self.screen, event.key):
            return
        await super().on_event(event)

    def action_show_keys(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        here: dict[str, tuple[list[str], str]] = {}  # action -> (keys, what): one line per action ("↓/Enter")
        screen = self.screen  # its own keys, also those a focused filter holds back; the app's are HelpScreen's
        for bindings in screen._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.action.split(".")[-1] in TEXTUAL_KEYS:
                    continue  # Tab has one line in the help's own rows; copying is the terminal's business
                _, name, parameters = parse_action(binding.action)
                if not binding.description or binding.system or screen.check_action(name, parameters) is False:
                    continue
                keys, _ = here.setdefault(binding.action, ([], binding.description))
                keys.append(self.get_key_display(binding))
        lines = [("/".join(keys), what) for keys, what in here.values()]
        screens = [(d.key or "Ctrl+P", d.title, d.help) for d in offered(self.ctx.role)] if self.role_chosen else []
        self.push_screen(HelpScreen(lines, screens))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT_THEME if self.current_theme.dark else DARK_THEME

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every key's action: a refusal by the database that the screen did not catch is one line (the
        sentence of AccessDenied), not the end of the app; so is a session the database ended (SessionEnded)."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except (AccessDenied, SessionEnded) as exc:
            self.notify(str(exc), severity="error", markup=False)
            return True
    # -- user text is data ------------------------------------------------------------------------
    def notify(
        self, message: str, *, title: str = "", severity: SeverityLevel = "information", timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast shows its text literally: messages quote names and typed values (tui.text)."""
        super().notify(clean(message, multiline=True), title=clean(title), severity=severity, timeout=timeout, markup=False)

    def format_title(self, title: str, sub_title: str) -> Content:
        return super().format_title(clean(title), clean(sub_title))


def database_name(ctx: AppContext) -> str:
    """The database file name (SQLite) or login@host/name (PostgreSQL) for the title bar."""
    url = ctx.db.engine.url
    if url.get_backend_name() == "sqlite":
        return Path(url.database or "memory").name
    return f"{url.username}@{url.host}/{url.database}" if url.username else f"{url.host}/{url.database}"


def make_app(ctx: AppContext, *, pick_role: bool = False) -> ConciergeApp:
    """The app on `ctx` (tests pass a test database and a fixed clock); `pick_role` shows the role picker."""
    return ConciergeApp(ctx, pick_role=pick_role)


def resolve_role(database: Database, role: str | None) -> Role:
    """`--as` checked against the database: concierge:K01 or concierge:佐々木 亮 (full name) → that concierge.

    On PostgreSQL the login decides: without `--as` the login's own role; with it, only a narrower
    view (an admin may look as a dispatcher or a concierge, a concierge only as themselves), else
    AccessDenied with one line.
    """
    who = database.signed_in
    require(who, "day")  # a user of this database at all (and a concierge login linked to a concierge)
    if role is None:
        if who is not None and who.group is not None:
            return Role(who.group, who.concierge_code)
        return Role("admin")
    chosen = Role.parse(role)
    if chosen.kind == "concierge" and chosen.concierge_code:
        with database.sessions() as session:
            try:
                chosen = Role("concierge", find_concierge(session, chosen.concierge_code).code)
            except NotFoundError as exc:
                check_view(who, "concierge", chosen.concierge_code)  # a concierge login: not yourself
                raise DataError(f"--as {role}: {exc}") from None
    check_view(who, chosen.kind, chosen.concierge_code)
    return chosen


def run_app(db_target: str | None, role: str | None, *, clock: Callable[[], dt.datetime] | None = None) -> None:
    """`concierge [--db …] [--as …]`: open the database, then the app.

    The role picker shows when `--as` is not given and there is a choice to make: on SQLite, or for
    an admin or dispatcher login (their own role and the narrower ones); a concierge login goes
    straight to their day.
    """
    from tui.commands.common import prompt_password

    database = open_database(db_target, ask_password=prompt_password)
    chosen = resolve_role(database, role)
    who = database.signed_in
    pick = role is None and (who is None or who.group != "concierge")
    ctx = AppContext(database, chosen, clock=clock) if clock else AppContext(database, chosen)
    if pick or chosen.kind != "concierge":  # someone who may plan: compile the optimizer while they read
        from dispatch.warmup import warm_up_in_background

        warm_up_in_background()
    make_app(ctx, pick_role=pick).run()


__all__ = ["ConciergeApp", "make_app", "resolve_role", "run_app"]
