"""``guide services``: points of service near a place, and the needs taxonomy.

- ``guide services near "PLACE" [--kind clsc|helpline|all] [--need NEED] [--limit N] [--age N] [--json]``
- ``guide services needs [--json]``

Errors (unknown place, outside Québec, invalid postal code, unknown need or kind, bad limit or age)
exit with status 2; with ``--json`` they print ``{"error": {"code": ..., "message": ...}}``, otherwise a
French and English message on stderr. No traceback is ever shown.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

services_app = typer.Typer(help="Points of service near a place / Services près d'un lieu.", no_args_is_help=True)

EXIT_USAGE = 2
EXIT_FAILURE = 1


def _emit_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _fail(
    code: str, message: dict[str, str], as_json: bool, exit_code: int = EXIT_USAGE, extra: dict[str, Any] | None = None
) -> None:
    if as_json:
        error = {"code": code, "message": f"{message['fr']} / {message['en']}", "messages": message, **(extra or {})}
        _emit_json({"error": error})
    else:
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        err.print(f"Erreur ({code}) : {message['fr']}")
        err.print(f"Error ({code}): {message['en']}")
    raise typer.Exit(exit_code)


def _int_option(value: str | None, code: str, name_fr: str, name_en: str, as_json: bool) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        _fail(
            code,
            {
                "fr": f"{name_fr} doit être un nombre entier (reçu « {value} »).",
                "en": f'{name_en} must be a whole number (got "{value}").',
            },
            as_json,
        )
    return None  # unreachable


def _table(location: dict[str, Any], services: list[dict[str, Any]]) -> None:
    out = Console(highlight=False, soft_wrap=False)
    out.print(f"[bold]Lieu / Place:[/bold] {location['resolved']}")
    note = location.get("precision_note") or {}
    if note:
        out.print(f"[dim]{note.get('fr', '')}\n{note.get('en', '')}[/dim]")
    table = Table(show_lines=False, header_style="bold")
    for col in ("#", "Nom / Name", "Type", "Téléphone / Phone", "Adresse / Address", "km"):
        table.add_column(col, overflow="fold")
    for i, s in enumerate(services, 1):
        phone = s["phone"] or "—"
        if s.get("text_sms"):
            phone += f"\ntexto/text: {s['text_sms']}"
        address = s["address"] or ("Québec" if not s.get("regional") else f"Région / region {s.get('rss_code')}")
        km = "" if s["distance_km"] is None else f"{s['distance_km']:.1f}"
        table.add_row(str(i), s["name"], s["kind"], phone, address, km)
    out.print(table)
    notes = sorted({s["note"] for s in services if s.get("note")})
    for n in notes:
        out.print(f"[dim]* {n}[/dim]")
    if any(s.get("hours") for s in services):
        out.print(
            "[dim]Heures / Hours: "
            + "; ".join(f"{s['name']}: {s['hours']}" for s in services if s.get("hours"))
            + "[/dim]"
        )


@services_app.command("near")
def near(
    place: str = typer.Argument(..., help="Postal code, FSA or municipality / code postal ou municipalité"),
    kind: str = typer.Option("all", "--kind", help="clsc | helpline | all"),
    need: str | None = typer.Option(None, "--need", help="Need id (see `guide services needs`)"),
    limit: str | None = typer.Option("5", "--limit", help="Maximum per group (1-50)"),
    age: str | None = typer.Option(None, "--age", help="Age of the person (offers 12-25 youth sites)"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object"),
) -> None:
    """Nearest CLSC points of service and the lines for a need / CLSC les plus proches et lignes d'aide."""
    from guide.cli.common import settings
    from guide.directory.near import InvalidRequest, check_request, services_near
    from guide.geo import resolve

    try:
        n = _int_option(limit, "invalid_limit", "La limite", "The limit", as_json)
        a = _int_option(age, "invalid_age", "L'âge", "Age", as_json)
        kind_value = kind.lower().strip()
        try:
            check_request(kind_value, need, n if n is not None else 5, a)
        except InvalidRequest as exc:
            _fail(exc.code, exc.message, as_json)
        corpus = settings().corpus_dir
        location = resolve(place, corpus)
        if location.error:
            _fail(
                location.error,
                location.message or {"fr": location.error, "en": location.error},
                as_json,
                extra={"location": location.model_dump()},
            )
        services = services_near(location, kind=kind_value, need=need, limit=n or 5, age=a, corpus_dir=corpus)
    except typer.Exit:
        raise
    except Exception as exc:  # never a traceback for the person at the terminal
        _fail(
            "internal_error",
            {"fr": f"Erreur interne : {exc}", "en": f"Internal error: {exc}"},
            as_json,
            exit_code=EXIT_FAILURE,
        )
        return
    if as_json:
        _emit_json({"location": location.model_dump(), "services": services})
    else:
        _table(location.model_dump(), services)


@services_app.command("needs")
def needs(as_json: bool = typer.Option(False, "--json", help="Print JSON")) -> None:
    """List the needs of the taxonomy / Lister les besoins."""
    from guide.cli.common import settings
    from guide.directory.needs import load_needs

    items = load_needs(settings().corpus_dir)
    if as_json:
        _emit_json(
            {"needs": [{"id": x.id, "label_fr": x.label_fr, "label_en": x.label_en, "lines": x.lines} for x in items]}
        )
        return
    table = Table(header_style="bold")
    for col in ("id", "FR", "EN"):
        table.add_column(col)
    for x in items:
        table.add_row(x.id, x.label_fr, x.label_en)
    Console(highlight=False).print(table)
