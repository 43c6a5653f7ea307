"""``guide search QUERY [--kind] [--limit] [--json]``: ranked passages of the corpus."""

from __future__ import annotations

import typer

from guide.cli.common import (
    IndexUnavailable,
    emit_json,
    err,
    fail,
    index_message,
    open_index,
    out,
    settings,
)


def search_cmd(
    query: str = typer.Argument(..., help="What to look for, in French or English."),
    kind: str = typer.Option("all", "--kind", help="declaration | right | helpline | service | all"),
    limit: int = typer.Option(5, "--limit", min=1, max=50, help="How many passages."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON array."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid | vector | bm25", hidden=True),
) -> None:
    """Ranked passages of the declaration, the users' rights and the help lines."""
    from guide.search import KIND_CHOICES, QueryError, clean_query, search

    if kind not in KIND_CHOICES:
        fail("invalid_kind", f"--kind doit être / must be one of: {', '.join(KIND_CHOICES)}", json_out)
    if mode not in ("hybrid", "vector", "bm25"):
        fail("invalid_mode", "--mode: hybrid | vector | bm25", json_out)
    try:
        q = clean_query(query, settings().query_max_chars)
    except QueryError as exc:
        fail(exc.code, exc.message, json_out)
    if q.notice:
        err.print(f"[yellow]{q.notice}[/]")
    try:
        ix = open_index(quiet=json_out)
    except IndexUnavailable as exc:
        if json_out:
            emit_json(
                {"error": {"code": "search_unavailable", "reason": exc.reason, "message": index_message(exc.reason)}}
            )
        else:
            err.print(index_message(exc.reason), style="bold red", markup=False)
        raise typer.Exit(1) from None
    hits = search(ix, q.text, kind=kind, limit=limit, mode=mode)  # type: ignore[arg-type]
    if json_out:
        emit_json([h.model_dump(exclude={"metadata"}) for h in hits])
        return
    if not hits:
        out.print("Aucun passage trouvé. / No passage found.")
    for n, h in enumerate(hits, 1):
        out.print(f"[bold]{n}. {h.title}[/]  [dim]({h.kind}, {h.id}, score {h.score:.4f})[/]")
        out.print(f"   [italic]{h.reference}[/]")
        snippet = h.text if len(h.text) < 400 else h.text[:400].rsplit(" ", 1)[0] + " …"
        out.print(f"   {snippet}\n")
