"""Adding web pages to the corpus by URL (`build_index.py --add-url`, later the bot's /add).

A page is fetched with limits a hostile or broken server cannot get past (http/https only, a
timeout, a size cap, an accepted content type, a bounded number of redirects and no loops), read
with the same readers as any corpus file, saved under corpus/<fetch.dir>/ with its URL, title,
date and outlet in the metadata sidecar, and indexed. The same URL always maps to the same file,
so adding it again updates the document. Nothing in the corpus or the index changes unless the
page was fetched and read, and the build succeeded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import re
import socket
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from bot import sidecar
from bot.cleaning import clean_document
from bot.config import Config, FetchConfig
from bot.corpus import UnreadableFile, read_corpus_file
from bot.errors import BotError
from bot.records import BuildReport

# What provinces publish, and the suffix the corpus reader knows it by.
CONTENT_TYPES = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}
_REDIRECTS = (301, 302, 303, 307, 308)
_BLOCK = 64 * 1024


class FetchError(BotError):
    """A URL could not be added; str() is the one-line reason. Nothing was changed."""


@dataclass(frozen=True)
class FetchedPage:
    url: str  # as asked for (normalised), the key of the saved document
    final_url: str  # after redirects
    content_type: str
    data: bytes

    @property
    def suffix(self) -> str:
        return CONTENT_TYPES[self.content_type]


@dataclass(frozen=True)
class AddedDocument:
    """What `add_url` saved and indexed."""

    url: str
    source_file: str  # relative to the corpus folder
    title: str
    outlet: str
    published: str
    changed: bool  # False when the page was already saved with exactly these bytes
    report: BuildReport | None = None


@dataclass
class RefreshResult:
    updated: list[str] = field(default_factory=list)  # source files whose page changed
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    report: BuildReport | None = None


# ---------------------------------------------------------------- fetching

def normalise_url(url: str) -> str:
    """The URL with its fragment dropped and the host lowercased; raises FetchError if not http(s)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"refusing {url!r}: only http:// and https:// URLs can be added")
    if not parts.hostname:
        raise FetchError(f"refusing {url!r}: no host name")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def fetch(url: str, settings: FetchConfig) -> FetchedPage:
    """The page at `url` within the limits of `settings`; raises FetchError saying why not."""
    start = normalise_url(url)
    deadline = time.monotonic() + settings.timeout_seconds
    current, seen = start, {start}
    for _ in range(settings.max_redirects + 1):
        response = _open(current, settings, deadline)
        if response.status in _REDIRECTS:
            location = response.headers.get("Location", "")
            response.close()
            if not location:
                raise FetchError(f"{current}: redirect without a Location header")
            target = urljoin(current, location)
            try:
                target = normalise_url(target)
            except FetchError as exc:
                raise FetchError(f"{current} redirects to {target!r}, which is not an http(s) URL") from exc
            if target in seen:
                raise FetchError(f"{start}: redirect loop (back to {target})")
            seen.add(target)
            current = target
            continue
        with response:
            content_type = _content_type(response, current)
            data = _body(response, current, settings, deadline)
        return FetchedPage(start, current, content_type, data)
    raise FetchError(f"{start}: more than {settings.max_redirects} redirects")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - redirects are ours to check
        return None


def _check_host(url: str, settings: FetchConfig) -> None:
    """Refuse hosts that resolve to the machine itself or a private network, unless allowed."""
    if settings.allow_private_hosts:
        return
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"{url}: cannot resolve host {parts.hostname!r} ({_reason(exc)})") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved \
                or address.is_multicast or address.is_unspecified:
            raise FetchError(f"{url}: host {parts.hostname!r} is on a private or local address ({address}); "
                             "set [fetch] allow_private_hosts = true to allow it")


def _open(url: str, settings: FetchConfig, deadline: float):
    _check_host(url, settings)
    handlers: list = [_NoRedirect()]
    if _is_loopback(url):
        handlers.append(urllib.request.ProxyHandler({}))  # a local server is never behind the proxy
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, headers={"User-Agent": settings.user_agent, "Accept": ", ".join(CONTENT_TYPES)})
    timeout = max(0.1, deadline - time.monotonic())
    try:
        return opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in _REDIRECTS:
            return exc  # an HTTPError is also the response: status, headers, close()
        raise FetchError(f"{url}: the server answered HTTP {exc.code} {exc.reason}") from exc
    except urllib.error.URLError as exc:
        raise FetchError(f"{url}: cannot connect ({_reason(exc.reason)})") from exc
    except (TimeoutError, OSError) as exc:
        raise FetchError(f"{url}: cannot connect ({_reason(exc)})") from exc


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _reason(exc) -> str:
    if isinstance(exc, TimeoutError) or "timed out" in str(exc):
        return "timed out"
    return " ".join(str(exc).split()) or type(exc).__name__


def _content_type(response, url: str) -> str:
    value = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if value not in CONTENT_TYPES:
        raise FetchError(f"{url}: content type {value or '(none)'!r} is not a document "
                         f"(accepted: HTML, PDF, plain text, Word)")
    return value


def _body(response, url: str, settings: FetchConfig, deadline: float) -> bytes:
    cap = int(settings.max_mb * 1_000_000)
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise FetchError(f"{url}: page is {int(declared) / 1e6:.1f} MB, above the {settings.max_mb:g} MB limit")
    chunks, size = [], 0
    try:
        while True:
            if time.monotonic() > deadline:
                raise FetchError(f"{url}: timed out after {settings.timeout_seconds:g} s")
            block = response.read(_BLOCK)
            if not block:
                break
            size += len(block)
            if size > cap:
                raise FetchError(f"{url}: page is larger than the {settings.max_mb:g} MB limit")
            chunks.append(block)
    except (TimeoutError, OSError) as exc:
        raise FetchError(f"{url}: download failed ({_reason(exc)})") from exc
    if not size:
        raise FetchError(f"{url}: the server sent an empty page")
    return b"".join(chunks)


# ---------------------------------------------------------------- saving and indexing

def saved_name(config: Config, page: FetchedPage) -> str:
    """The corpus file of a URL: stable, so adding the URL again replaces it."""
    host = re.sub(r"[^a-z0-9.-]+", "-", urlsplit(page.url).hostname or "page")
    digest = hashlib.sha256(page.url.encode()).hexdigest()[:12]
    return f"{config.fetch.dir}/{host}-{digest}{page.suffix}"


def read_page(config: Config, page: FetchedPage) -> dict[str, str]:
    """The sidecar fields of a fetched page (url, title, outlet, published); FetchError if it has no text."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"page{page.suffix}"
        path.write_bytes(page.data)
        try:
            raw = read_corpus_file(path, Path(tmp), int(config.corpus.max_file_mb * 1_000_000))
        except UnreadableFile as exc:
            raise FetchError(f"{page.url}: {exc}") from exc
    raw = dataclasses.replace(raw, hints={**raw.hints, "url": raw.hints.get("url") or page.final_url})
    doc = clean_document(raw, "")
    if not doc.text.strip():
        raise FetchError(f"{page.url}: no article text on the page")
    m = doc.metadata
    return {"url": page.url, "title": m.title, "outlet": m.outlet, "published": m.published}


def add_url(config: Config, url: str, *, build: bool = True, embedder=None, show_progress: bool = False) -> AddedDocument:
    """Fetch `url` into the corpus and index it; raises FetchError (or the build's BotError) with
    nothing changed."""
    page = fetch(url, config.fetch)
    fields = read_page(config, page)
    name = _existing_name(config, page.url) or saved_name(config, page)
    if Path(name).suffix != page.suffix:  # the URL now serves another format (HTML became a PDF)
        name = str(Path(name).with_suffix(page.suffix))
    with _corpus_change(config) as change:
        changed = change.write(name, page.data, fields, replaces=_existing_name(config, page.url))
        report = _build(config, embedder, show_progress) if build else None
    return AddedDocument(page.url, name, fields["title"], fields["outlet"], fields["published"], changed, report)


def refresh_urls(config: Config, *, embedder=None, show_progress: bool = False) -> RefreshResult:
    """Fetch every saved URL again, save what changed, and rebuild; a failed URL keeps its old copy."""
    result = RefreshResult()
    prefix = config.fetch.dir.rstrip("/") + "/"
    saved = {n: u for n, u in sidecar.entries_with_url(_sidecar_path(config)).items() if n.startswith(prefix)}
    with _corpus_change(config) as change:
        for name, url in sorted(saved.items()):
            try:
                page = fetch(url, config.fetch)
                fields = read_page(config, page)
            except FetchError as exc:
                result.failed.append((url, str(exc)))
                continue
            new_name = name if Path(name).suffix == page.suffix else str(Path(name).with_suffix(page.suffix))
            changed = change.write(new_name, page.data, fields, replaces=name)
            (result.updated if changed else result.unchanged).append(new_name)
        result.report = _build(config, embedder, show_progress)
    return result


def _build(config: Config, embedder, show_progress: bool) -> BuildReport:
    from bot.build import build_index

    return build_index(config, embedder=embedder, show_progress=show_progress)


def _sidecar_path(config: Config) -> Path:
    return config.corpus.dir / config.corpus.metadata_file


def _existing_name(config: Config, url: str) -> str | None:
    prefix = config.fetch.dir.rstrip("/") + "/"
    for name, saved_url in sidecar.entries_with_url(_sidecar_path(config)).items():
        if name.startswith(prefix) and saved_url == url and (config.corpus.dir / name).is_file():
            return name
    return None


class _corpus_change:
    """Writes into the corpus that are all undone if anything fails before the block ends."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.backups: dict[Path, bytes | None] = {}
        self.made_dirs: list[Path] = []

    def __enter__(self) -> "_corpus_change":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            return
        for path, data in self.backups.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(data)
        for folder in reversed(self.made_dirs):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()

    def _keep(self, path: Path) -> None:
        if path not in self.backups:
            self.backups[path] = path.read_bytes() if path.is_file() else None

    def write(self, name: str, data: bytes, fields: dict[str, str], replaces: str | None) -> bool:
        """Save the page and its sidecar entry; True if the document changed."""
        corpus = self.config.corpus.dir
        path = corpus / name
        old = corpus / replaces if replaces else None
        if old == path and path.is_file() and path.read_bytes() == data:
            return False
        self._keep(_sidecar_path(self.config))
        self._keep(path)
        if not path.parent.is_dir():
            self.made_dirs.append(path.parent)
            path.parent.mkdir(parents=True)
        path.write_bytes(data)
        if old is not None and old != path:
            self._keep(old)
            old.unlink(missing_ok=True)
        sidecar.set_entry(_sidecar_path(self.config), name, fields)
        if old is not None and old != path:
            sidecar.set_entry(_sidecar_path(self.config), replaces, None)
        return True
