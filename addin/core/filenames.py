"""Safe, unique file names for briefings (SPEC §5): valid on Windows, macOS and Linux, at most 200 bytes."""

from __future__ import annotations

import re
import unicodedata

MAX_BYTES = 200
_BAD = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)


def _clean(part: str) -> str:
    text = unicodedata.normalize("NFC", part)
    # format characters (U+202E right-to-left override, zero-width joiners) would let a name show spoofed
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _BAD.sub("_", text)
    return " ".join(text.split())  # tabs, newlines and runs of spaces become one space


def _cut(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 form fits in `limit` bytes (never splits a character)."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


def safe_stem(stem: str) -> str:
    """A stem no system refuses: no separators or control characters, no reserved name, no leading or
    trailing dot, no trailing space, never empty, '.' or '..'."""
    text = _clean(stem).strip(" ").lstrip(".").rstrip(". ")  # no hidden files, no trailing dot or space
    if not text:
        text = "_"
    if _RESERVED.match(text):
        text = "_" + text
    return text


def briefing_name(customer_id: str, customer_name: str, ext: str, taken: set[str], suffix: str = "简报") -> str:
    """`{customer_id}_{customer_name}_简报.{ext}`, made safe and unique against `taken` (compared
    case-insensitively, as Windows and macOS do); adds the name it returns to `taken`."""
    return unique_name(f"{customer_id}_{customer_name}", ext, taken, f"_{suffix}" if suffix else "")


def unique_name(stem: str, ext: str, taken: set[str], tail: str = "") -> str:
    """`{stem}{tail}.{ext}` (no dot when `ext` is empty: a folder), made safe, at most MAX_BYTES and unique
    against `taken` (compared case-insensitively, as Windows and macOS do; `a/b` and `a_b` are one name once
    made safe, so the second gets `_2`); adds the name it returns to `taken`."""
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:10]
    dot = f".{ext}" if ext else ""
    base = safe_stem(stem)
    n = 1
    while True:
        mark = "" if n == 1 else f"_{n}"
        room = MAX_BYTES - len(f"{tail}{mark}{dot}".encode())
        cut = safe_stem(_cut(base, room))
        name = f"{cut}{tail}{mark}{dot}"
        if name.casefold() not in taken:
            taken.add(name.casefold())
            return name
        n += 1
