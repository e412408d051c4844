"""Plain-text summaries of a build and of an index check, for the CLI and the bot's admins."""

from __future__ import annotations

from bot.records import BuildReport


def format_build_report(report: BuildReport) -> str:
    lines = []
    if report.up_to_date:
        lines.append(f"Index is up to date ({report.chunks} chunks); nothing to do. Use --force to rebuild.")
    else:
        lines.append(
            f"Indexed {len(report.documents)} documents into {report.chunks} chunks "
            f"({report.embedded} embedded, {report.reused} reused from the previous index), "
            f"{report.index_type} index, in {report.seconds:.1f}s."
        )
    lines.append("Documents:")
    for doc in report.documents:
        m = doc.metadata
        lines.append(f"  {doc.source_file}")
        lines.append(f"    title:     {m.title or '(none)'}")
        lines.append(f"    outlet:    {m.outlet or '(unknown)'}")
        lines.append(f"    published: {m.published or '(not stated)'}")
        lines.append(f"    url:       {m.url or '(not stated)'}")
        lines.append(f"    provinces: {', '.join(m.provinces) or '(none)'}")
        lines += [f"    note:      {note}" for note in doc.notes]
    if report.duplicates:
        lines.append(f"Indexed once, {len(report.duplicates)} duplicate file(s) left out:")
        lines += [f"  {dup}: same text as {kept}" for dup, kept in report.duplicates]
    if report.skipped:
        lines.append(f"Skipped {len(report.skipped)} file(s):")
        lines += [f"  {s.source_file}: {s.reason}" for s in report.skipped]
    lines += [f"Warning: {w}" for w in report.warnings]
    return "\n".join(lines)


def format_check(manifest: dict) -> str:
    return (
        f"index OK: {manifest['documents']} documents, {manifest['chunks']} chunks, model {manifest['model']} "
        f"({manifest['dimension']}-d, {manifest['index_type']}), built {manifest['build_time']}"
    )
