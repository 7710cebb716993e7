"""Reading JSON objects with every mistake named by its path: unknown keys (with the key meant), wrong
types, times ("HH:MM" or integer minutes), and whole files that are not UTF-8 or not JSON."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

from dispatch.errors import DispatchError

HHMM = re.compile(r"^(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")


class Reader:
    """Typed access to a JSON object that names the path of whatever is wrong; `keys` are the keys it
    may have (anything else is refused naming the closest known key)."""

    def __init__(self, data: Any, path: str, keys: frozenset[str] | None = None) -> None:
        if not isinstance(data, dict):
            raise DispatchError(f"{path or 'problem'}: must be an object")
        self.data = data
        self.path = path
        self.hhmm = False
        if keys is not None:
            for key in data:
                if key not in keys:
                    near = difflib.get_close_matches(str(key), sorted(keys), n=1)
                    hint = f" (did you mean {near[0]}?)" if near else f" (known: {', '.join(sorted(keys))})"
                    raise DispatchError(f"{self.sub(str(key))}: unknown key{hint}")

    def sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ..., what: str = "") -> Any:
        if key not in self.data or self.data[key] is None:
            if default is ...:
                raise DispatchError(f"{self.sub(key)}: missing")
            return default
        value = self.data[key]
        if isinstance(value, bool) and kind is not bool and (kind is int or (isinstance(kind, tuple) and bool not in kind)):
            raise DispatchError(f"{self.sub(key)}: must be {what or _kind_name(kind)}, got {_short(value)}")
        if not isinstance(value, kind):
            raise DispatchError(f"{self.sub(key)}: must be {what or _kind_name(kind)}, got {_short(value)}")
        return value

    def time(self, key: str, default: Any = ...) -> Any:
        value = self.get(key, (int, str), default, what='"HH:MM" or integer minutes')
        if isinstance(value, str):
            self.hhmm = True
            return parse_time(value, self.sub(key))
        return value


def _short(value: Any) -> str:
    """A value for an error message, never a screenful (a 4,000-digit integer, a huge list)."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else f"an integer of {len(str(abs(value)))} digits"
    return text if len(text) <= 60 else text[:57] + "..."


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false", list: "a list", dict: "an object"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def parse_time(text: str, path: str) -> int:
    """"HH:MM" (hours may exceed 23) -> minutes from midnight."""
    m = HHMM.match(text.strip())
    if not m:
        raise DispatchError(f"{path}: {_short(text)} is not a time (\"HH:MM\" or integer minutes)")
    return int(m.group(1)) * 60 + int(m.group(2))


def format_seconds(seconds: int, hhmm: bool) -> str | int | float:
    """Seconds from midnight in the problem's time format."""
    if hhmm:
        sign = "-" if seconds < 0 else ""
        s = abs(seconds)
        h, rem = divmod(s, 3600)
        m, sec = divmod(rem, 60)
        return f"{sign}{h:02d}:{m:02d}" + (f":{sec:02d}" if sec else "")
    return seconds // 60 if seconds % 60 == 0 else round(seconds / 60, 4)


def parse_seconds(value: Any, path: str) -> int:
    """Inverse of `format_seconds`."""
    if isinstance(value, str):
        neg = value.startswith("-")
        m = HHMM.match(value.lstrip("-"))
        if not m:
            raise DispatchError(f"{path}: {_short(value)} is not a time")
        s = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3) or 0)
        return -s if neg else s
    if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 10**9:
        return round(value * 60)
    raise DispatchError(f"{path}: must be a time")


def read_json(path: str | Path) -> Any:
    """A JSON file's document; DispatchError (naming the file) when it cannot be read, is not UTF-8,
    not JSON, nested too deeply for the parser, or holds an integer too long to convert."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DispatchError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DispatchError(f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DispatchError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise DispatchError(f"{path}: nested too deeply: not a dispatch document") from None
    except ValueError as exc:  # e.g. an integer literal over 4,300 digits
        raise DispatchError(f"{path}: not usable JSON ({exc})") from None

