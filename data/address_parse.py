"""Splitting a (width-folded) Japanese address into prefecture, municipality, town and chōme against the
gazetteer index. Each step matches the longest known name at the start of what is left (a designated
city's wards included; Kyoto's street-style addresses also anywhere in the text) and keeps the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from data.address_keys import key, small_number, strip_aza, strip_prefix, town_text
from data.gazetteer_index import Gazetteer, Municipality, Town

#: Where a prefecture is not written and a municipality name exists in several prefectures, the
#: first of these wins (the business works in Tokyo and Osaka); the result carries a warning.
PREFERRED_PREFECTURES = ("東京都", "大阪府", "神奈川県", "埼玉県", "千葉県", "兵庫県", "京都府", "愛知県", "福岡県")

POSTAL = re.compile(r"^(?:〒|郵便番号:?)?(\d{3})-?(\d{4})(?!\d)")
POSTAL_ANYWHERE = re.compile(r"〒(\d{3})-?(\d{4})(?!\d)")
PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県", "埼玉県",
    "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",
    "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県",
    "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県",
    "宮崎県", "鹿児島県", "沖縄県",
)  # fmt: skip


@dataclass
class Parse:
    prefecture: str | None = None
    municipality: Municipality | None = None
    town: Town | None = None
    chome: int | None = None
    rest: str = ""
    """What follows the last matched part (width-folded input)."""
    town_text: str = ""
    """The town as typed, when the town was not found."""
    warnings: list[str] = field(default_factory=list)


def match_municipality(g: Gazetteer, text: str, prefecture: str | None) -> tuple[Municipality, str, list[str]] | None:
    """Longest municipality name at the start of `text` (in `prefecture`, or anywhere)."""
    k = key(text)
    warnings: list[str] = []
    for n in range(min(len(k), 16), 0, -1):
        cands = g.by_key.get(k[:n], [])
        if prefecture is not None:
            cands = [c for c in cands if c.prefecture == prefecture] or g.pref_ward_keys.get((prefecture, k[:n]), [])
        if not cands:
            continue
        if len(cands) > 1:
            rank = {p: i for i, p in enumerate(PREFERRED_PREFECTURES)}
            cands = sorted(cands, key=lambda c: (rank.get(c.prefecture, len(rank)), c.code))
            others = "、".join(sorted({c.prefecture + c.name for c in cands[1:]}))
            what = "prefecture not given" if prefecture is None else "city not given"
            warnings.append(f"{what}; assumed {cands[0].prefecture}{cands[0].name} (also: {others})")
        return cands[0], strip_prefix(text, k[:n]), warnings
    return None


def match_town(muni: Municipality, text: str) -> tuple[Municipality, Town, str] | None:
    """Longest town name at the start of `text` (after 大字/字), else anywhere in it (Kyoto's
    street-style addresses); a designated city searches its wards."""
    k = strip_aza(key(text))
    body = text
    for prefix in ("大字", "字"):
        if key(body).startswith(prefix):
            body = body[len(prefix) :]
    places = muni.wards or [muni]
    best: tuple[int, Municipality, Town, str] | None = None
    for place in places:
        for n in range(min(len(k), 20), 0, -1):
            town = place.towns.get(k[:n])
            if town is not None:
                if best is None or n > best[0]:
                    best = (n, place, town, strip_prefix(body, k[:n]))
                break
    if best is not None:
        return best[1], best[2], best[3]
    if muni.prefecture != "京都府" and "通" not in text:
        return None
    for place in places:
        for tk, town in place.towns.items():
            if len(tk) >= 2 and tk in k and (best is None or len(tk) > best[0]):
                i = k.index(tk)
                best = (len(tk), place, town, strip_prefix(body, k[: i + len(tk)]))
    return (best[1], best[2], best[3]) if best is not None else None


def parse(g: Gazetteer, text: str) -> Parse:
    p = Parse(rest=text)
    found = None
    for pref in PREFECTURES:
        if text.startswith(pref):
            p.prefecture, text = pref, text[len(pref) :]
            break
    else:
        # a prefecture without its 都/府/県 ("東京渋谷区…"), when a municipality of it follows
        for pref in PREFECTURES:
            short = pref if pref == "北海道" else pref[:-1]
            if text.startswith(short):
                found = match_municipality(g, text[len(short) :], pref)
                if found is not None:
                    p.prefecture = pref
                    break
    found = found or match_municipality(g, text, p.prefecture)
    if found is None:
        p.rest = text
        return p
    p.municipality, text, warns = found
    p.prefecture = p.municipality.prefecture
    p.warnings += warns
    p.rest = text
    resolve_town(p, p.municipality, text)
    return p


def resolve_town(p: Parse, muni: Municipality, text: str) -> None:
    """Town and chōme of `text` (what follows the municipality) into `p`."""
    after = text
    p.rest = text
    town = match_town(muni, text)
    if town is None:
        p.town_text = town_text(text)
        return
    p.municipality, p.town, text = town
    kt = key(text)
    m = re.match(r"^(\d++)丁目", kt) or (re.match(r"^(\d++)(?!番)", kt) if p.town.chome else None)
    number = small_number(m.group(1)) if m else None
    if m and number is None:
        m = None  # a run of digits too long for a chōme: text, not a number
    elif m and not m.group(0).endswith("丁目") and number not in p.town.chome and p.town.plain:
        m = None  # "上柚木1-2" where 上柚木 has no 1丁目 but exists itself: 1 is a block number
    if m and number is not None:
        p.chome = number
        text = strip_prefix(text, m.group(0))
        if p.chome not in p.town.chome:
            typed = town_text(after)
            p.town_text = typed if "丁目" in typed else f"{p.town.name}{p.chome}丁目"
    p.rest = text.lstrip("-の")
