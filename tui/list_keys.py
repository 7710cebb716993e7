"""Letters on a list are keys, letters in its filter are text (the k9s / lazygit rule).

A list screen opens with its filter focused: whatever is typed first is a search. `/` comes back to the
filter, Enter or ↓ goes to the list, and only there do the one-key actions (`n` new, `e` edit, `a`
archive…) fire. A letter typed on the list that is no key of the screen does nothing but say how to
filter; a key the role may not use says why in one line instead of doing nothing. Dialogs opened by a key
ignore the rest of the burst (tui.keyguard).

Mix `ListKeys` into a Screen (before it in the bases) and name in `ROLE_ACTIONS` the actions a role may be
refused; `list_action_state` is what the screen's check_action returns for them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from textual.events import Key
from textual.widgets import Input

if TYPE_CHECKING:
    from tui.context import AppContext

HINT_EVERY = 3.0
"""Seconds between two "press / to filter" hints (one toast for a typed word, not one per letter)."""
FILTER_HINT = "Letters on the list are keys: press / to type in the filter"


class FilterInput(Input):
    """The filter box of a list. In an empty filter `/` is the "go to the filter" key (nothing to type) and
    `?` is still the key list; once something is typed both are characters."""

    async def _on_key(self, event: Key) -> None:
        if event.character == "/" and not self.value:
            event.stop()
            event.prevent_default()  # Input's own handler would type it
        elif event.character == "?" and not self.value:
            event.prevent_default()  # not typed: the key goes on to the app's `?` binding

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return not (character in ("/", "?") and not self.value) and super().check_consume_key(key, character)


class ListKeys:
    """The key rules of a list screen with a filter box (`#filter`)."""

    ROLE_ACTIONS: ClassVar[dict[str, str]] = {}
    """action name -> the capability it needs (tui.context.Role.can)."""
    ctx: AppContext
    _last_hint: float = 0.0

    def _filter_box(self) -> Input | None:
        boxes = self.query("#filter")  # type: ignore[attr-defined]
        box = boxes.first() if boxes else None
        return box if isinstance(box, Input) and box.display else None

    def filter_focused(self) -> bool:
        box = self._filter_box()
        return box is not None and box.has_focus

    def list_action_state(self, action: str) -> bool | None:
        """Hidden when the role may not (the key then says why), dimmed while the filter has the letters."""
        capability = self.ROLE_ACTIONS.get(action)
        if capability is not None and not self.ctx.role.can(capability):
            return False
        if capability is not None and self.filter_focused():
            return None
        return True

    def on_key(self, event: Key) -> None:
        focused = self.focused  # type: ignore[attr-defined]
        if isinstance(focused, Input) or not event.is_printable or not event.character or event.character.isspace():
            return  # text boxes take their letters
        bindings = self._bindings.key_to_bindings.get(event.key, [])  # type: ignore[attr-defined]
        for binding in bindings:
            capability = self.ROLE_ACTIONS.get(binding.action)
            if capability is not None and not self.ctx.role.can(capability):
                event.stop()
                self.notify(f"{binding.description}: {self.ctx.refusal(capability)}", severity="warning")  # type: ignore[attr-defined]
                return
        if bindings or event.key in self.app.active_bindings:  # type: ignore[attr-defined]
            return
        if self._filter_box() is not None:
            event.stop()
            now = time.monotonic()
            if now - self._last_hint >= HINT_EVERY:
                self._last_hint = now
                self.notify(FILTER_HINT)  # type: ignore[attr-defined]
