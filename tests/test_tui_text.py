"""tui/text.py: user text is shown as typed, without terminal control characters."""

from __future__ import annotations

import pytest
from textual.content import Content

from tui.text import clean, file_part, plain, styled


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Tanaka [/inc]", "Tanaka [/inc]"),
        ("[bold]x[/bold] [link=https://a.test]y[/link]", "[bold]x[/bold] [link=https://a.test]y[/link]"),
        ("a\x1b]0;pwned\x07b", "a]0;pwnedb"),
        ("red\x1b[31m\x9b2J", "red[31m2J"),
        ("\u202eevil", "evil"),
        ("two\nlines\tand a tab", "two lines and a tab"),
        (None, ""),
    ],
)
def test_text_is_shown_literally_without_control_characters(typed: str | None, shown: str) -> None:
    """Markup stays as typed (both Rich and Textual render it literally); escapes, bidi overrides are dropped."""
    assert clean(typed) == shown
    assert plain(typed).plain == shown
    assert Content.from_rich_text(plain(typed)).plain == shown


def test_multiline_keeps_newlines_and_styled_keeps_parts_literal() -> None:
    """A work slip keeps its lines; styled pieces are never read as markup."""
    assert clean("a\nb\x1b", multiline=True) == "a\nb"
    text = styled(("[b]K01[/x]", "bold"), " ", "佐々木 [/inc]")
    assert text.plain == "[b]K01[/x] 佐々木 [/inc]"
    assert text.spans[0].style == "bold"


def test_file_part_never_leaves_the_folder() -> None:
    """A code used in a default file name cannot name another folder."""
    assert file_part("../../etc/K01") == "______etc_K01"
    assert file_part("K01") == "K01"


def test_terminal_text_keeps_colours_but_no_other_escapes() -> None:
    """On a terminal our own bold/colour survive; titles, clears, blink and conceal do not."""
    from tui.text import terminal_text

    assert terminal_text("\x1b[1mTotal\x1b[0m \x1b[38;5;208mx\x1b[0m") == "\x1b[1mTotal\x1b[0m \x1b[38;5;208mx\x1b[0m"
    assert terminal_text("a\x1b]0;pwned\x07b\x1b[2Jc\x1b[8mhidden\x1b[5m\x9b2J") == "a]0;pwnedb[2Jchidden2J"
