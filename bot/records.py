"""The records passed between modules."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.legal import article_of


@dataclass(frozen=True)
class DocumentMetadata:
    title: str = ""
    outlet: str = ""
    published: str = ""  # ISO date (YYYY-MM-DD) or "" when the text states none
    url: str = ""
    provinces: tuple[str, ...] = ()  # current (2025) province names, see bot.provinces
    # Legal and administrative documents (bot.legal); "" for news articles.
    doc_type: str = ""  # "Kế hoạch", "Nghị quyết", "Quyết định", ...
    doc_number: str = ""  # "586/KH-UBND"
    issuer: str = ""  # "ỦY BAN NHÂN DÂN TỈNH NGHỆ AN"
    issued: str = ""  # ISO date of signature


@dataclass(frozen=True)
class Document:
    source_file: str  # path relative to the corpus folder, with forward slashes
    text: str  # the cleaned article body, NFC; chunk offsets point into it
    metadata: DocumentMetadata
    content_hash: str  # of the raw file bytes and its sidecar entry
    # How the text was obtained when not plainly read, for the build report ("OCR: pages 1, 2").
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return self.metadata.title


@dataclass(frozen=True)
class Chunk:
    source_file: str
    position: int  # 0-based order within its document
    start: int  # character offsets into Document.text
    end: int
    text: str
    locator: str = ""  # where in a legal document: "Điều 5, khoản 2"; "" elsewhere
    heading: str = ""  # its article's heading line ("Điều 5. Phạm vi điều chỉnh"); "" elsewhere

    def in_context(self, sentence: str) -> str:
        """A sentence as the model should read it: a clause of an article ("2. Chấm dứt hợp đồng lao
        động.") means little alone, and short ones would sit close to every question on the subject."""
        return sentence if not self.heading or sentence.startswith(self.heading) else f"{self.heading}: {sentence}"


@dataclass(frozen=True)
class SkippedFile:
    source_file: str
    reason: str


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk with its document's citation data."""

    chunk_id: int
    score: float
    text: str
    source_file: str
    position: int
    start: int
    end: int
    doc_id: int
    metadata: DocumentMetadata
    locator: str = ""  # "Điều 5, khoản 2" in a legal document

    @property
    def article(self) -> str:
        """"Điều 5" of a legal document's chunk; "" elsewhere."""
        return article_of(self.locator)


@dataclass(frozen=True)
class Citation:
    """A numbered source of an answer: the quoted sentences and where they come from."""

    n: int  # 1-based, as shown in the answer text: [1], [2]
    doc_id: int
    title: str
    outlet: str
    published: str
    url: str
    source_file: str
    quote: str  # verbatim sentences from the article, original diacritics
    score: float
    locator: str = ""  # where in a legal document: "Điều 5, khoản 2"; "" elsewhere


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # plain text, in the question's language; quotes verbatim, marked [n]
    found: bool  # True only when confidence == "answer"
    language: str  # "vi" or "en"
    citations: tuple[Citation, ...] = ()  # also given for "related" replies; empty for "none"
    latency_ms: float = 0.0
    # "answer": the passages answer the question; "related": the closest passages, which may not
    # answer it (still cited); "none": nothing relevant, the "no information" reply.
    confidence: str = "none"
    # The fact itself, verbatim from the first citation's quote (a span or one sentence), to show
    # first; "" when there is none.
    short_answer: str = ""


@dataclass
class BuildReport:
    index_dir: str = ""
    up_to_date: bool = False
    documents: list[Document] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0  # chunks whose vectors were computed in this build
    reused: int = 0  # chunks whose vectors came from the previous index
    embedded_files: tuple[str, ...] = ()
    # (file left out, file indexed instead): the same text saved twice is indexed and cited once.
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    index_type: str = ""
    seconds: float = 0.0
