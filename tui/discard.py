"""A form with changes asks before Escape (or Cancel) throws them away; the safe answer is focused.

Mix `AsksBeforeDiscarding` into a form screen (before the Screen in the bases). It remembers the form's
values once the form is filled (after the first refresh, so loaded records count as unchanged) and
`cancel_asking` closes at once when nothing changed, else asks "Discard your changes?" with "Keep
editing" focused.
"""

from __future__ import annotations

from textual.screen import Screen

from tui.widgets.confirm import ConfirmDialog
from tui.widgets.form import form_values


class AsksBeforeDiscarding:
    """Escape on a changed form asks first."""

    _clean_values: dict[str, str] | None = None

    def current_values(self) -> dict[str, str]:
        return form_values(self)  # type: ignore[arg-type]

    def remember_clean(self) -> None:
        """The form as it is now counts as unchanged (after it was filled or reloaded)."""
        self._clean_values = self.current_values()

    def is_dirty(self) -> bool:
        return self._clean_values is not None and self.current_values() != self._clean_values

    def on_mount(self) -> None:
        self.call_after_refresh(self.remember_clean)  # type: ignore[attr-defined]

    def cancel_asking(self) -> None:
        screen: Screen[object] = self  # type: ignore[assignment]
        if not self.is_dirty():
            screen.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                screen.dismiss(None)

        screen.app.push_screen(
            ConfirmDialog("Discard your changes?", yes="Discard", no="Keep editing",
                          detail="The form has changes that are not saved."),
            answered,
        )
