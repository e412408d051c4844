"""Index build benchmark: bot.build.build_index against the bare encoder, measured side by side.

    .venv/bin/python bench/build_bench.py                     # 120 XQuAD paragraphs, 3 repeats (make bench)
    .venv/bin/python bench/build_bench.py --paragraphs 240 --repeats 5

The machine is small and shared, so absolute seconds drift from run to run. Every repeat therefore
measures, back to back on the same inputs: a full build, the bare encoder (SentenceTransformer.encode)
and Embedder.encode_passages (these three taking turns going first), then a no-change rebuild and a
one-changed-document rebuild. Ratios are taken within a repeat; the median over repeats is reported.
Raw seconds per repeat go to bench/results/build.json.

Corpus: the first N Vietnamese paragraphs of XQuAD (/work/shared/benchmarks/xquad), one .txt file
each, in a temp folder with its own config.toml; the project's corpus/ and index/ are never touched.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` and `bot` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import json
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from functools import partial

from bench.common import (
    machine_summary, markdown_table, median, timed, utc_now, with_index_dir, write_result,
)
from bench.xquad import XQUAD_DIR, build_all_documents, load_xquad, prepare_paragraph_project
from bot.build import embed_hash, embedding_input
from bot.config import Config
from bot.embedding import Embedder
from bot.records import Chunk, Document
from bot.store import open_index

DEFAULT_PARAGRAPHS = 120  # about 235 chunks: a full build takes tens of seconds on 2 cores
DEFAULT_REPEATS = 3

logger = logging.getLogger("build_bench")


class TimedEmbedder:
    """An Embedder that adds up the seconds spent in encode_passages, to split a build's time into
    embedding and everything else (reading, cleaning, chunking, SQLite, FAISS)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.encode_seconds = 0.0

    def encode_passages(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self._embedder.encode_passages(*args, **kwargs)
        finally:
            self.encode_seconds += time.perf_counter() - started

    def __getattr__(self, name: str):
        return getattr(self._embedder, name)


@dataclass
class Samples:
    """Seconds per repeat, by measurement, plus what the rebuilds did."""

    seconds: dict[str, list[float]] = field(default_factory=dict)
    chunks: int = 0
    changed_embedded: list[int] = field(default_factory=list)

    def add(self, name: str, seconds: float) -> None:
        self.seconds.setdefault(name, []).append(seconds)

    def paired_ratio(self, name: str, baseline: str) -> float:
        """Median over repeats of seconds(name) / seconds(baseline) within the same repeat."""
        return median([a / b for a, b in zip(self.seconds[name], self.seconds[baseline])])


def embedded_inputs(config: Config, embedder: Embedder) -> list[str]:
    """Exactly what the build gave the model, rebuilt from the index with bot.build.embedding_input
    (chunks) and passage_input (their sentences, each distinct one once) and checked against the
    stored embed hashes."""
    store = open_index(config)
    try:
        rows = store.conn.execute("SELECT id, embed_hash FROM chunks ORDER BY id").fetchall()
        hits = store.hits([(chunk_id, 0.0) for chunk_id, _ in rows])
        sentences = store.conn.execute(
            "SELECT s.embed_hash, c.text, s.start, s.end FROM sentences s JOIN chunks c ON c.id = s.chunk_id"
            " ORDER BY s.chunk_id, s.start").fetchall()
    finally:
        store.close()
    inputs = [
        embedding_input(embedder, Document(h.source_file, "", h.metadata, ""),
                        Chunk(h.source_file, h.position, h.start, h.end, h.text))
        for h in hits
    ]
    distinct = {h: (text, a, b) for h, text, a, b in sentences}
    rows += [(None, h) for h in distinct]
    inputs += [embedder.passage_input(text[a:b]) for text, a, b in distinct.values()]
    mismatched = sum(embed_hash(config.embedding.model, text) != stored for text, (_, stored) in zip(inputs, rows))
    if mismatched or len(inputs) != len(rows):
        raise RuntimeError(f"{mismatched} of {len(rows)} rebuilt inputs differ from what the build embedded; "
                           "update embedded_inputs() to follow bot.build")
    return inputs


def bare_encode(model, texts: list[str], batch_size: int):
    """The encoder alone, as it is meant to be called: one call for all texts (sentence-transformers
    sorts them by length and batches; bot.onnx_encoder.OnnxEncoder runs them one by one)."""
    from bot.onnx_encoder import OnnxEncoder

    if isinstance(model, OnnxEncoder):
        return model.encode(texts)
    return model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                        show_progress_bar=False)


def edit_document(path: Path, repeat: int) -> str:
    """Append a sentence to one corpus file; returns the original text to put back."""
    original = path.read_text(encoding="utf-8")
    path.write_text(original.rstrip("\n") + f" Câu thêm vào lần đo {repeat}.\n", encoding="utf-8")
    return original


@dataclass
class Bench:
    """What every repeat works with: one corpus, the loaded models, the inputs the build embeds."""

    config: Config
    documents: int
    embedder: Embedder
    bare_model: object
    inputs: list[str]
    changed_file: Path
    capped: Embedder | None = None  # ONNX: the same model loaded as `bot serve` loads it (1 thread)

    def full_build(self, index_dir: Path, samples: Samples) -> None:
        timing = TimedEmbedder(self.embedder)
        seconds, report = timed(partial(build_all_documents, with_index_dir(self.config, index_dir), timing, self.documents))
        samples.add("full build", seconds)
        samples.add("full build: encode_passages", timing.encode_seconds)
        samples.chunks = report.chunks

    def reindex_builds(self, index_dir: Path, samples: Samples) -> None:
        """ONNX only: full builds with the embedder a `bot serve` process holds (limit_threads(1)):
        as the bot's /reindex runs them (Rebuilder: Embedder.for_build, every core), and with that
        embedder as it is (one thread: /reindex before Embedder.for_build)."""
        if self.capped is None:
            return
        with self.capped.for_build() as build_embedder:
            seconds, _ = timed(partial(build_all_documents, with_index_dir(self.config, index_dir / "reindex"),
                                       build_embedder, self.documents))
        samples.add("reindex build", seconds)
        seconds, _ = timed(partial(build_all_documents, with_index_dir(self.config, index_dir / "one-thread"),
                                   self.capped, self.documents))
        samples.add("one-thread build", seconds)

    def bare_encoder(self, samples: Samples) -> None:
        samples.add("bare encoder", timed(partial(bare_encode, self.bare_model, self.inputs, self.config.embedding.batch_size))[0])

    def encode_passages(self, samples: Samples) -> None:
        samples.add("Embedder.encode_passages", timed(partial(self.embedder.encode_passages, self.inputs))[0])

    def rebuilds(self, index_dir: Path, repeat: int, samples: Samples) -> None:
        """A rebuild with nothing changed, then one after appending a sentence to one document."""
        cfg = with_index_dir(self.config, index_dir)
        seconds, report = timed(partial(build_all_documents, cfg, self.embedder, self.documents))
        if not report.up_to_date:
            raise RuntimeError("a rebuild with nothing changed did not take the up-to-date path")
        samples.add("no-change rebuild", seconds)
        original = edit_document(self.changed_file, repeat)
        try:
            seconds, report = timed(partial(build_all_documents, cfg, self.embedder, self.documents))
        finally:
            self.changed_file.write_text(original, encoding="utf-8")
        samples.add("one-changed rebuild", seconds)
        samples.changed_embedded.append(report.embedded)


def measure_repeat(bench: Bench, repeat: int, samples: Samples) -> None:
    """One repeat of every measurement, back to back. The three embedding-bound measurements take
    turns going first, so a burst of load from another process does not always hit the same one."""
    index_dir = bench.config.index.dir.parent / f"index-{repeat}"
    steps = [partial(bench.full_build, index_dir), bench.bare_encoder, bench.encode_passages]
    for step in steps[repeat % 3:] + steps[: repeat % 3]:
        step(samples)
    bench.rebuilds(index_dir, repeat, samples)
    bench.reindex_builds(index_dir, samples)
    shutil.rmtree(index_dir)


def load_models(config: Config) -> tuple[Embedder, object, dict[str, float]]:
    """The product's Embedder and the bare encoder of the same model (a SentenceTransformer, or for
    backend "onnx" an OnnxEncoder on every core), with load times."""
    load = {}
    if config.embedding.backend == "onnx":
        from bot.onnx_encoder import OnnxEncoder

        load["model load: Embedder.from_config (first load)"], embedder = timed(partial(Embedder.from_config, config))
        load["model load: OnnxEncoder again (files cached)"], bare = timed(
            partial(OnnxEncoder, Path(embedder.source), threads=config.embedding.threads))
        return embedder, bare, load
    load["import sentence-transformers and torch"], st = timed(_import_sentence_transformers)
    load["model load: Embedder.from_config (first load)"], embedder = timed(partial(Embedder.from_config, config))
    load["model load: SentenceTransformer again (files cached)"], bare = timed(
        partial(st.SentenceTransformer, embedder.source, device=config.embedding.device))
    return embedder, bare, load


def capped_embedder(config: Config) -> Embedder | None:
    """The Embedder as `bot serve` loads it after limit_threads([search] threads); ONNX only (PyTorch's
    thread count is per thread, so a capped copy in this process would cap the bare encoder too)."""
    from bot import embedding

    if config.embedding.backend != "onnx":
        return None
    before, embedding._process_threads = embedding._process_threads, config.search.threads
    try:
        capped = Embedder.from_config(config)
    finally:
        embedding._process_threads = before
    capped._cache = None  # an answering process caches recent vectors; a build never should hit it
    return capped


def _import_sentence_transformers():
    import sentence_transformers

    return sentence_transformers


def padded_tokens(bench: Bench) -> dict[str, int]:
    """Tokens the model runs over, padding included, when the inputs are batched in corpus order (as
    encode_passages slices them) and when sorted by length (as one SentenceTransformer.encode call
    does). Counted, not timed, so it holds however loaded the machine is."""
    model, batch = bench.bare_model, bench.config.embedding.batch_size
    if hasattr(model, "_tokenizer"):  # OnnxEncoder: tokenizers' Tokenizer, truncating as the model does
        lengths = [len(e.ids) for e in model._tokenizer.encode_batch(bench.inputs)]
    else:
        encoded = model.tokenizer(bench.inputs, truncation=True, max_length=model.max_seq_length)
        lengths = [len(ids) for ids in encoded["input_ids"]]

    def padded(ordered: list[int]) -> int:
        return sum(max(ordered[i: i + batch]) * len(ordered[i: i + batch]) for i in range(0, len(ordered), batch))

    return {"real": sum(lengths), "corpus order": padded(lengths), "length-sorted": padded(sorted(lengths))}


def prepare_bench(workdir: Path, paragraphs: list[str], settings: list[str]) -> tuple[Bench, dict[str, float]]:
    """Corpus, config and models, and one untimed build: it gives the inputs the encoders are timed
    on, and keeps first-call costs (importing FAISS, allocating kernels) out of the first repeat."""
    from bench.answer_eval import with_settings

    config, files = prepare_paragraph_project(workdir, paragraphs)
    config = with_settings(config, settings)
    embedder, bare_model, load_seconds = load_models(config)
    build_all_documents(config, embedder, len(files))
    inputs = embedded_inputs(config, embedder)
    bare_encode(bare_model, inputs[:64], config.embedding.batch_size)
    shutil.rmtree(config.index.dir)
    changed_file = config.corpus.dir / sorted(files)[len(files) // 2]
    return Bench(config, len(files), embedder, bare_model, inputs, changed_file, capped_embedder(config)), load_seconds


def run(paragraph_count: int, repeats: int, settings: list[str]) -> dict:
    paragraphs = load_xquad(XQUAD_DIR).paragraphs[:paragraph_count]
    samples = Samples()
    with tempfile.TemporaryDirectory(prefix="cds-build-bench-") as tmp:
        bench, load_seconds = prepare_bench(Path(tmp), paragraphs, settings)
        logger.info("set up; %d repeats to go", repeats)
        for repeat in range(repeats):
            measure_repeat(bench, repeat, samples)
            logger.info("repeat %d of %d done", repeat + 1, repeats)
        tokens = padded_tokens(bench)
    return {"date": utc_now(), "machine": machine_summary(), "samples": samples, "padded_tokens": tokens, "load_seconds": load_seconds, "paragraphs": len(paragraphs),
            "repeats": repeats, "model": bench.config.embedding.model, "batch_size": bench.config.embedding.batch_size,
            "backend": bench.config.embedding.backend,
            "changed_file": bench.changed_file.name, "inputs": len(bench.inputs)}


def format_markdown(result: dict) -> str:
    s: Samples = result["samples"]
    n = s.chunks

    def row(label: str, name: str, ratio: str = "", ratio_is: str = "", throughput: bool = True) -> list[str]:
        values = s.seconds[name]
        rate = f"{n / median(values):.1f}" if throughput else "—"
        return [label, f"{median(values):.2f}", f"{min(values):.2f}–{max(values):.2f}", rate, ratio, ratio_is]

    # Throughput ratio = encoder time / build time: 1.0 means the build costs no more than embedding.
    speed = "chunks/s ÷ bare encoder's"
    embedded = sorted(set(s.changed_embedded))
    bare = ("OnnxEncoder.encode (ONNX Runtime, every core)" if result.get("backend") == "onnx"
            else "SentenceTransformer.encode")
    rows = [
        row(f"bare encoder: {bare}, all inputs in one call", "bare encoder", "1.00", "baseline"),
        row("Embedder.encode_passages, same inputs", "Embedder.encode_passages",
            f"{1 / s.paired_ratio('Embedder.encode_passages', 'bare encoder'):.2f}", speed),
        row("full build: build_index into an empty index folder", "full build",
            f"{1 / s.paired_ratio('full build', 'bare encoder'):.2f}", speed),
        row("… of which inside Embedder.encode_passages", "full build: encode_passages",
            f"{s.paired_ratio('full build: encode_passages', 'full build'):.2f}", "share of full build time", False),
        row("no-change rebuild", "no-change rebuild",
            f"{s.paired_ratio('no-change rebuild', 'full build'):.3f}", "time ÷ full build's", False),
        row(f"one-changed-document rebuild ({'/'.join(map(str, embedded))} of {n} chunks re-embedded)",
            "one-changed rebuild", f"{s.paired_ratio('one-changed rebuild', 'full build'):.3f}", "time ÷ full build's", False),
    ]
    if "reindex build" in s.seconds:
        rows += [
            row("full build as the bot's /reindex runs it (answering embedder capped at 1 thread; Embedder.for_build)",
                "reindex build", f"{1 / s.paired_ratio('reindex build', 'bare encoder'):.2f}", speed),
            row("full build with the capped answering embedder itself (1 thread: /reindex before this change)",
                "one-thread build", f"{1 / s.paired_ratio('one-thread build', 'bare encoder'):.2f}", speed),
        ]
    load_rows = [[label, f"{seconds:.2f}"] for label, seconds in result["load_seconds"].items()]
    tokens = result["padded_tokens"]
    return "\n".join([
        "## Index build",
        "",
        f"Measured {result['date']} on {result['machine']}; a shared machine, so compare the ratios, not the seconds.",
        f"Command: `{result['command']}`.",
        f"Corpus: the first {result['paragraphs']} Vietnamese paragraphs of XQuAD, one .txt file each "
        f"(a neutral headline line, then the paragraph), {n} chunks ({result.get('inputs', n)} model inputs: the chunks "
        f"and their distinct sentences, which the encoders below get too); model {result['model']}, backend "
        f"{result.get('backend', 'torch')}, batch size "
        f"{result['batch_size']}. Median of {result['repeats']} repeats; each ratio is the median of the "
        f"ratios within a repeat. The changed document is {result['changed_file']} (one sentence appended).",
        "",
        markdown_table(["measurement", "median s", "range s", "chunks/s", "ratio", "ratio is"], rows),
        "",
        f"Tokens the model runs over in batches of {result['batch_size']}, padding included (counted, so free of "
        f"noise): {tokens['corpus order']:,} in corpus order, as encode_passages batches them; "
        f"{tokens['length-sorted']:,} sorted by length, as one SentenceTransformer.encode call does "
        f"({tokens['corpus order'] / tokens['length-sorted']:.2f}x); {tokens['real']:,} without padding.",
        "",
        "Model load, measured once per run (in process, before the repeats):",
        "",
        markdown_table(["step", "s"], load_rows),
        "",
    ])


def raw_samples(result: dict) -> dict:
    s: Samples = result["samples"]
    return {**{k: v for k, v in result.items() if k != "samples"}, "chunks": s.chunks,
            "seconds_per_repeat": s.seconds, "one_changed_embedded": s.changed_embedded}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=DEFAULT_PARAGRAPHS,
                        help=f"XQuAD paragraphs in the corpus, 1-240 (default {DEFAULT_PARAGRAPHS})")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help=f"default {DEFAULT_REPEATS}")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE",
                        help='override a setting (TOML value), e.g. embedding.backend="onnx"')
    args = parser.parse_args(argv)
    if not 1 <= args.paragraphs <= 240 or args.repeats < 1:
        parser.error("--paragraphs must be 1-240 and --repeats at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    logger.setLevel(logging.INFO)
    result = run(args.paragraphs, args.repeats, args.set)
    result["command"] = (".venv/bin/python bench/build_bench.py " + " ".join(sys.argv[1:] if argv is None else argv)).strip()
    markdown = format_markdown(result)
    print(markdown, end="")
    write_result("build.md", markdown)
    write_result("build.json", json.dumps(raw_samples(result), indent=2))
    print("written: bench/results/build.md, bench/results/build.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
