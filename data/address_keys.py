"""Japanese address text: the normal form shown to people and the matching keys compared with the gazetteer.

`width` folds what people type (full/half width, spaces, hyphen variants between digits); `key` also folds
variant spellings (ヶ/ケ/が, ノ/の, 﨑/崎…) and kanji numerals to digits, so 霞ヶ関/霞が関/霞ケ関 and
六本木六丁目/六本木6丁目 meet. Every function here is linear in the length of its input: a run of 30,000
digits or kanji numerals is folded in one pass, and numbers are kept as digit strings (never converted to
`int`, which refuses more than 4,300 digits).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

KANJI_DIGITS = {"〇": "0", "一": "1", "二": "2", "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}
KANJI_NUM = re.compile("[〇一二三四五六七八九十百千]+")
DASHES = "‐‑‒–—―−─━－ｰ\\-"
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=\d)\s*[{DASHES}ー]\s*(?=\d)")
#: Variant spellings folded to one character in keys (both sides).
VARIANTS = str.maketrans(
    {
        "ヶ": "ケ", "ヵ": "ケ", "が": "ケ", "ガ": "ケ", "ノ": "の", "之": "の",
        "﨑": "崎", "嵜": "崎", "髙": "高", "邊": "辺", "邉": "辺", "澤": "沢", "濱": "浜", "齋": "斎", "齊": "斎",
        "嶋": "島", "冨": "富", "廣": "広", "舘": "館", "驒": "騨", "槇": "槙", "塚": "塚", "條": "条",
    }
)  # fmt: skip
CHOME_DIGITS_MAX = 4
"""A chōme or block number has at most this many digits; a longer run is text, not a number."""


def kanji_number(s: str) -> str:
    """Kanji numerals as decimal digits: 一 -> "1", 二十三 -> "23", 百五 -> "105", 二〇 -> "20" (positional
    when there is no 十/百/千). A digit string, so a run of any length folds in linear time."""
    if not any(c in KANJI_UNITS for c in s):
        return "".join(KANJI_DIGITS[c] for c in s).lstrip("0") or "0"
    total, digit = 0, 0
    for c in s:
        if c in KANJI_DIGITS:
            digit = int(KANJI_DIGITS[c])
        else:
            total += (digit or 1) * KANJI_UNITS[c]
            digit = 0
    return str(total + digit)


def small_number(digits: str) -> int | None:
    """`digits` as an int when it can be a chōme or block number (at most CHOME_DIGITS_MAX digits), else None."""
    return int(digits) if len(digits) <= CHOME_DIGITS_MAX else None


def width(s: str) -> str:
    """NFKC (full-width digits/letters -> half-width), no spaces, one hyphen between digits."""
    s = unicodedata.normalize("NFKC", s)
    s = re.sub(r"\s+", "", s)
    return _DASH_BETWEEN_DIGITS.sub("-", s)


def key(s: str) -> str:
    """The matching key: width-folded, variants folded, kanji numerals as digits."""
    s = width(s).translate(VARIANTS)
    return KANJI_NUM.sub(lambda m: kanji_number(m.group()), s)


def strip_aza(k: str) -> str:
    for prefix in ("大字", "字"):
        if k.startswith(prefix) and len(k) > len(prefix):
            return k[len(prefix) :]
    return k


def strip_aza_name(name: str) -> str:
    for prefix in ("大字", "字"):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name


def _units(text: str) -> Iterator[tuple[int, str]]:
    """(end index, key) of each unit of `text`: a run of kanji numerals (never cut) or one other character."""
    i = 0
    while i < len(text):
        run = KANJI_NUM.match(text, i)
        end = run.end() if run else i + 1
        yield end, key(text[i:end])
        i = end


def strip_prefix(text: str, key_prefix: str) -> str:
    """The rest of `text` after the characters whose key is `key_prefix` (keys fold character by character,
    except runs of kanji numerals, which are never cut).

    One pass: the key of each longer prefix extends the previous one, so the search stops as soon as the
    key built so far is longer than `key_prefix` (a 30,000-digit run costs one step, not 30,000)."""
    if key_prefix == "":
        return text
    built = ""
    for end, unit_key in _units(text):
        built += unit_key
        if built == key_prefix:
            return text[end:]
        if len(built) >= len(key_prefix):
            break
    return text[len(key_prefix) :]


def block_part(rest: str) -> str:
    """Block/building part in normal form: 2番3号 / 2番地の3 / 2-3 -> "2-3"; kanji numerals -> digits."""
    s = KANJI_NUM.sub(lambda m: kanji_number(m.group()), rest)
    # each pattern starts only where a digit run starts and never backtracks into it: linear in len(rest)
    s = re.sub(r"(?<!\d)(\d++)番地?(?:の)?(?=\d)", r"\1-", s)
    s = re.sub(r"(?<!\d)(\d++)(?:番地?|号)", r"\1", s)
    s = re.sub(r"(?<=\d)の(?=\d)", "-", s)
    return s


def town_text(rest: str) -> str:
    """The town part of what the user typed, for messages: up to 丁目 or the first block number."""
    m = re.match(r"^(.*?丁目)", rest) or re.match(r"^(.*?)(?=\d|$)", rest)
    return (m.group(1) if m else rest) or rest
