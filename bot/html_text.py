"""The article of an HTML page and the page's own metadata, with trafilatura (PyPI).

trafilatura finds the main text of a news page and leaves out navigation, share widgets, ratings,
counters, footers and "Tin liên quan" lists; it reads title, date and site name from the page's
metadata (Open Graph, JSON-LD, <time>, <title>). bot.cleaning still runs on its output, as on any
text, for the chrome that sits inside the article element. Pages too small for trafilatura to
call them an article (a bare <p>) fall back to the plain text of <article> or <body>.
"""

from __future__ import annotations

import re

_HTML_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "iframe", "svg", "button")
_HTML_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "figcaption", "section",
                "article", "blockquote", "pre", "td")


def extract(data: bytes, url: str = "") -> tuple[str, dict[str, str]]:
    """(main text, hints: title, outlet, published, url) of an HTML page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    page_hints = _page_hints(soup)
    text, found = _trafilatura(data, url)
    hints = {key: found.get(key) or page_hints.get(key, "") for key in ("title", "outlet", "published", "url")}
    if not text.strip():
        text = _plain_text(soup)
    return text, hints


def _trafilatura(data: bytes, url: str) -> tuple[str, dict[str, str]]:
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            # Precision over recall: a teaser or share bar in the index is worse than a lost aside.
            data, url=url or None, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True,
            include_images=False, date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:  # noqa: BLE001 - a page trafilatura chokes on still has the plain-text fallback
        return "", {}
    if document is None:
        return "", {}
    found = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    hints = {
        "title": found.get("title") or "",
        "outlet": found.get("sitename") or "",
        "published": found.get("date") or "",
        "url": found.get("url") or "",
    }
    if hints["outlet"] and re.fullmatch(r"[\w.-]+\.[a-z]{2,}|[\d.:]+", hints["outlet"]):
        hints["outlet"] = ""  # a bare host name is not an outlet's name; cleaning maps known hosts
    return found.get("text") or "", hints


def _page_hints(soup) -> dict[str, str]:
    return {
        "title": _meta(soup, "og:title") or _first_text(soup, "h1") or _first_text(soup, "title"),
        "outlet": _meta(soup, "og:site_name"),
        "published": _meta(soup, "article:published_time") or _time_datetime(soup),
        "url": _meta(soup, "og:url") or _canonical(soup),
    }


def _plain_text(soup) -> str:
    for tag in soup(_HTML_DROP):
        tag.decompose()
    # The <article> element, when present, is the article: the rest is site chrome.
    root = soup.find("article") or soup.body or soup
    for tag in root.find_all(_HTML_BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = re.sub(r"[ \t\u00a0]+", " ", root.get_text())
    return re.sub(r"\n\s*\n+", "\n\n", text)


def _meta(soup, prop: str) -> str:
    tag = soup.find("meta", attrs={"property": prop}) or soup.find("meta", attrs={"name": prop})
    return (tag.get("content") or "").strip() if tag else ""


def _first_text(soup, name: str) -> str:
    tag = soup.find(name)
    return tag.get_text(" ", strip=True) if tag else ""


def _time_datetime(soup) -> str:
    tag = soup.find("time", attrs={"datetime": True})
    return tag["datetime"] if tag else ""


def _canonical(soup) -> str:
    tag = soup.find("link", rel="canonical")
    return (tag.get("href") or "").strip() if tag else ""
