"""Search the way Japanese users type: one folding rule for every search box and for what it searches.

An IME types hiragana first (`まるやま`) while names are often stored in katakana (`マルヤマ`); people type
full-width letters and digits (`Ｃ０００８`) or half-width kana (`ﾏﾙﾔﾏ`) and any case. `fold` maps all of
these to one form: Unicode NFKC (full-width ASCII → ASCII, half-width kana → full-width, `㈱` → `(株)`),
katakana → hiragana, casefold, and no spaces (`株式会社 大和` = `株式会社大和`).

Both sides go through `fold`: the words typed, and the text searched. For clients the folded text is stored
in `client.search_key` (written with the row, see `client_search_key`), so the database filters 10,000
clients with a plain LIKE on both SQLite and PostgreSQL. `%`, `_` and `\\` typed in a search are
literal characters (`like_pattern` escapes them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, true
from sqlalchemy.orm import QueryableAttribute

_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)} | {0x30FD: 0x309D, 0x30FE: 0x309E}
"""ァ…ヶ → ぁ…ゖ and the iteration marks ヽヾ → ゝゞ (ヷヸヹヺ have no hiragana and stay)."""
_DROPPED = {ord(c): None for c in " \t\r\n\u3000\x1f"}
"""Spaces (the ideographic one too, though NFKC already makes it a space) and the key's field separator."""
SEPARATOR = "\x1f"
"""Between the fields of a stored key: no typed word contains it, so a word never matches across two fields."""
ESCAPE = "\\"


def fold(text: str | None) -> str:
    """`text` as search compares it: NFKC, katakana → hiragana, casefolded, without spaces."""
    if not text:
        return ""
    normal = unicodedata.normalize("NFKC", text).translate(_KATAKANA_TO_HIRAGANA).casefold()
    # casefold can un-normalise a few letters (ß → ss is fine; ǰ → ǰ decomposed): normalise once more
    return unicodedata.normalize("NFKC", normal).translate(_DROPPED)


def search_words(search: str) -> list[str]:
    """The folded words of a search box (split at spaces, full-width ones too); empty words dropped."""
    return [w for w in (fold(part) for part in unicodedata.normalize("NFKC", search).split()) if w]


def search_key(*fields: str | None) -> str:
    """The stored search text of a record: each field folded, joined by SEPARATOR."""
    return SEPARATOR.join(fold(f) for f in fields)


def client_search_key(code: str | None, name: str | None, name_kana: str | None) -> str:
    """What the client list, the pickers, the palette and request intake search in: code, name, kana."""
    return search_key(code, name, name_kana)


def like_pattern(word: str) -> str:
    """`%word%` for LIKE … ESCAPE '\\', with `%`, `_` and `\\` in the word matching only themselves."""
    escaped = word.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def matches_all(column: QueryableAttribute[str] | ColumnElement[str], search: str) -> ColumnElement[bool]:
    """SQL: the folded `column` contains every word of `search` (true for an empty search)."""
    words = search_words(search)
    if not words:
        return true()
    return and_(*(column.like(like_pattern(w), escape=ESCAPE) for w in words))


def text_matches(search: str, texts: Iterable[str | None]) -> bool:
    """Python: every word of `search` appears in one of `texts` (for short lists filtered in memory)."""
    words = search_words(search)
    if not words:
        return True
    haystack = search_key(*texts)
    return all(w in haystack for w in words)
