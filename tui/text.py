"""User text on screen: shown literally, never read as markup, never a terminal control sequence.

A client named `Tanaka [/inc]` or `[link=…]` is data. Rich and Textual read square brackets in a plain
`str` as markup (and `markup.escape` does not round-trip every string), so every string that came from
a person (a name, an address, a note, a request, a work slip, a seat label, an error message that
quotes one) reaches a widget as a `rich.text.Text` built here, never as a markup string:

    table.add_row(plain(row.name), plain(row.address))
    label.update(styled((row.code, "bold"), " ", row.name, "  (inactive)"))

Control characters are dropped on the way (an ESC would start an escape sequence in the user's
terminal: a client name could retitle the window or hide text). `clean` is the same rule for plain
strings, and `tui/cli.py` applies it to everything the command line prints.
"""

from __future__ import annotations

import re

from rich.text import Text

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 and C1 control characters (ESC, BEL, CR, backspace…) and the bidirectional overrides/isolates
(which reorder what the reader sees); tab and newline are handled by `clean`."""


def clean(value: object, *, multiline: bool = False) -> str:
    """`value` as text without control characters; tabs become spaces, and newlines too unless `multiline`."""
    text = _CONTROLS.sub("", "" if value is None else str(value)).replace("\t", " ")
    return text if multiline else text.replace("\n", " ")


def printable(value: str) -> str:
    """`value` without control characters, keeping line breaks and tabs (for a stream of lines)."""
    return _CONTROLS.sub("", value)


_SGR = re.compile(r"\x1b\[([0-9;]{0,40})m")
_HIDING = {5, 6, 8}
"""Blink and conceal: never let through, even from our own styling."""


def _safe_sgr(params: str) -> bool:
    codes = [int(p) if p else 0 for p in params.split(";")] if params else [0]
    i = 0
    while i < len(codes):
        if codes[i] in (38, 48, 58):  # extended colour: 5;n or 2;r;g;b follow as its arguments
            i += 3 if i + 1 < len(codes) and codes[i + 1] == 5 else 5
            continue
        if codes[i] in _HIDING:
            return False
        i += 1
    return True


def terminal_text(value: str) -> str:
    """What a terminal may receive: `printable`, except colour and style sequences (SGR, as Rich writes them
    for tables and help), which are kept unless they blink or conceal. Everything else, OSC titles, cursor
    moves, screen clears, BEL, C1 controls, bidi overrides, is dropped."""
    out: list[str] = []
    last = 0
    for m in _SGR.finditer(value):
        out.append(printable(value[last : m.start()]))
        if _safe_sgr(m.group(1)):
            out.append(m.group())
        last = m.end()
    out.append(printable(value[last:]))
    return "".join(out)


def json_safe(value: str) -> str:
    """JSON text with C1 controls and bidi overrides written as \\uXXXX escapes (json.dumps escapes C0 itself),
    so a document printed to a terminal keeps every value exactly and runs no escape sequence."""
    return _CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def plain(value: object, style: str = "", *, multiline: bool = False, justify: str | None = None) -> Text:
    """A `Text` showing `value` literally (see `clean`), in `style`."""
    return Text(clean(value, multiline=multiline), style=style, end="", justify=justify)  # type: ignore[arg-type]


Part = str | Text | tuple[str, str]


def styled(*parts: Part, multiline: bool = False) -> Text:
    """One `Text` from pieces: a str is shown literally, `(text, style)` in that style, a `Text` as it is."""
    out = Text(end="")
    for part in parts:
        if isinstance(part, Text):
            out.append_text(part)
        elif isinstance(part, tuple):
            out.append(clean(part[0], multiline=multiline), style=part[1])
        else:
            out.append(clean(part, multiline=multiline))
    return out


def file_part(value: object, *, limit: int = 40) -> str:
    """A piece of a default file name made from user text (a code): letters, digits, - and _ only, so a
    code such as `../x` or `a/b` never picks the folder."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in clean(value))[:limit]


def counted(n: int | float | object, word: str, plural: str | None = None) -> str:
    """"1 office", "3 offices", "1.5 units" (one is singular, every other count plural)."""
    one = str(n) in ("1", "1.0")
    return f"{n} {word if one else (plural or word + 's')}"
