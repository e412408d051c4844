"""Telegram HTML building blocks: escaping, safe links, dates, and splitting below 4096 characters
without breaking a tag. The bot's replies are laid out by bot.telegram.render with these.

Everything that comes from a user or from the corpus goes through `h()` (escaped for Telegram's HTML
parse mode). No Telegram import: plain strings in and out.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import deque
from urllib.parse import urlsplit

MAX_MESSAGE = 4096  # Telegram's limit on a message's text
MAX_URL = 500  # longer links are shown as plain text

# Control characters (except newline and tab), lone surrogates and the non-characters Telegram rejects.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def h(text: object) -> str:
    """Escape user- or corpus-supplied text for Telegram HTML (also safe inside attribute values)."""
    return html.escape(_UNSAFE.sub("", str(text)), quote=True)


def safe_url(url: str) -> str:
    """The URL if it is a plain http(s) link Telegram will accept in <a href>, else ""."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL or _UNSAFE.search(url) or any(c.isspace() for c in url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme in ("http", "https") and parts.netloc else ""


def link(text: str, url: str) -> str:
    url = safe_url(url)
    return f'<a href="{h(url)}">{h(text)}</a>' if url else h(text)


def format_date(iso: str, lang: str) -> str:
    """2022-07-01 -> 01/07/2022 (vi) or 2022-07-01 (en); "" stays ""."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso or "")
    if not m:
        return iso or ""
    return f"{m[3]}/{m[2]}/{m[1]}" if lang == "vi" else iso


# ---------------------------------------------------------------- splitting

_ATOM = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|\n|[^<&\n ]+ *| +|[<&]")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")


def utf16_len(s: str) -> int:
    """Telegram measures lengths in UTF-16 code units."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


def split_html(markup: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut Telegram HTML into messages of at most `limit` UTF-16 units without breaking a tag or an
    entity: tags open at a cut are closed at the end of one message and reopened in the next.
    Cuts prefer line breaks, then spaces; a word longer than a whole message is cut inside."""
    if utf16_len(markup) <= limit:
        return [markup] if _visible(markup) else []
    atoms: deque[str] = deque(_ATOM.findall(markup))
    parts: list[str] = []
    stack: list[_Open] = []
    while atoms:
        part, stack = _fill_part(atoms, stack, limit)
        if _visible(part):
            parts.append(part)
    return parts


# An open tag: (name, opening tag as written, or "" when it is dropped for lack of room).
_Open = tuple[str, str]


def _fill_part(atoms: deque[str], stack: list[_Open], limit: int) -> tuple[str, list[_Open]]:
    """Take atoms for one message; returns it and the tags still open after it."""
    if _reopen_len(stack) + _closing_len(stack) > limit // 2:
        stack = _dropped(stack)  # absurdly long tags: drop formatting rather than loop
    out: list[tuple[str, str]] = [(t, "") for _, t in stack if t]  # (text emitted, source atom)
    prefix = len(out)
    size = _reopen_len(stack)
    line_cut: tuple[int, int, list[_Open]] | None = None  # (index in out, size, open tags)

    def emitted(start: int = prefix, stop: int | None = None) -> str:
        return "".join(text for text, _ in out[start:stop])

    while atoms:
        atom = atoms.popleft()
        if len(out) == prefix and not atom.strip():
            continue  # no leading blank lines or spaces in a message
        kind, name = _tag(atom)
        if kind == "close":
            if not stack or stack[-1][0] != name:
                continue  # a closing tag that matches nothing open: drop it
            if not stack[-1][1]:
                stack = stack[:-1]  # closes a dropped tag: nothing to write
                out.append(("", atom))
                continue
        new_stack = stack[:-1] if kind == "close" else stack + [(name, atom)] if kind == "open" else stack
        atom_len = utf16_len(atom)
        if size + atom_len + _closing_len(new_stack) <= limit:
            out.append((atom, atom))
            size += atom_len
            stack = new_stack
            if atom == "\n":
                line_cut = (len(out), size, list(stack))
            continue
        # It does not fit. Prefer a line break in the second half of the message.
        if line_cut and line_cut[1] >= limit // 2 and _visible(emitted(prefix, line_cut[0])):
            index, _, cut_stack = line_cut
            atoms.appendleft(atom)
            atoms.extendleft(reversed([source for _, source in out[index:]]))
            return emitted(0, index) + _closing(cut_stack), cut_stack
        fits_alone = _reopen_len(stack) + atom_len + _closing_len(new_stack) <= limit
        if fits_alone and _visible(emitted()):
            atoms.appendleft(atom)  # starts the next message
            return emitted(0) + _closing(stack), stack
        if kind == "open":
            stack = stack + [(name, "")]  # a tag that can never fit: keep its text, drop the tag
            out.append(("", atom))
            continue
        room = limit - size - _closing_len(stack)
        if atom.startswith("&") or room < utf16_len(atom[0]):
            atoms.appendleft(atom)
            if _visible(emitted()):
                return emitted(0) + _closing(stack), stack
            return "", _dropped(stack)  # the open tags alone fill a message: drop their formatting
        head, tail = _cut_text(atom, room)
        out.append((head, head))
        if tail:
            atoms.appendleft(tail)
        return emitted(0) + _closing(stack), stack
    return emitted(0) + _closing(stack), stack


def _tag(atom: str) -> tuple[str, str]:
    """("open" | "close", name) for a tag atom; ("", "") for text and entities."""
    if not atom.startswith("<") or len(atom) < 3:
        return "", ""
    m = _TAG_NAME.match(atom)
    if not m:
        return "", ""
    return ("close" if atom.startswith("</") else "open"), m[1].lower()


def _dropped(stack: list[_Open]) -> list[_Open]:
    return [(name, "") for name, _ in stack]


def _reopen_len(stack: list[_Open]) -> int:
    return sum(utf16_len(t) for _, t in stack)


def _closing(stack: list[_Open]) -> str:
    return "".join(f"</{name}>" for name, t in reversed(stack) if t)


def _closing_len(stack: list[_Open]) -> int:
    return sum(len(name) + 3 for name, t in stack if t)


def _cut_text(atom: str, room: int) -> tuple[str, str]:
    """Cut a text atom so its head takes at most `room` UTF-16 units (never inside a character)."""
    used = 0
    for i, ch in enumerate(atom):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > room:
            return atom[:max(i, 1)], atom[max(i, 1):]
    return atom, ""


def _visible(markup: str) -> bool:
    return bool(re.sub(r"<[^<>]*>", "", markup).strip())


def plain_text(markup: str) -> str:
    """What a reader sees: tags removed, entities decoded (used by tests and logs)."""
    return html.unescape(re.sub(r"<[^<>]*>", "", markup))


def normalize_question(raw: str) -> str:
    """Collapse whitespace and drop invisible control characters from a user's question."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in raw or "")
    return re.sub(r"\s+", " ", cleaned).strip()
