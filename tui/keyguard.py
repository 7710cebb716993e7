"""A dialog or form opened by a key never takes the keys typed in the same burst.

A person typing a word on a list at normal speed can hit an action key (`a` opens "Archive …?") and go on
typing (`y` would answer it; the rest of `english` would overwrite the name in "Edit client"). Screens that
take an answer mix in `GuardedScreen`: for `GUARD_SECONDS` after they come to the top, every key but Escape
is dropped (the app checks `swallowed` before a key goes anywhere; see ConciergeApp.on_event). Escape stays
live: backing out is always safe.

Lists and pickers are not guarded: typing is what they are for, and their letters go to a focused filter.
"""

from __future__ import annotations

import time

GUARD_SECONDS = 0.5
"""How long a freshly shown dialog or form ignores keys (a burst of typing is ~5-10 keys a second)."""
LIVE_KEYS = frozenset({"escape"})


class GuardedScreen:
    """Mix into a Screen (before it in the bases) that answers a question or edits a record."""

    key_guard_until: float | None = None
    """monotonic() until which keys are dropped; None = pushed but not yet shown (keys queued behind the one
    that opened it arrive before the screen's first ScreenResume)."""

    def on_screen_resume(self) -> None:
        """Shown (pushed, or back on top after a dialog of its own closed): start the guard."""
        self.key_guard_until = time.monotonic() + GUARD_SECONDS


def swallowed(screen: object, key: str) -> bool:
    """True when `key` reaches `screen` inside its guard and must be dropped."""
    if key in LIVE_KEYS or not isinstance(screen, GuardedScreen) or GUARD_SECONDS <= 0:
        return False
    return screen.key_guard_until is None or time.monotonic() < screen.key_guard_until
