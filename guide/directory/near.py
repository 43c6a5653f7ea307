"""``services_near``: the points of service nearest to a person, then the lines that fit the need.

Located services (CLSC intake points, Aire ouverte sites for people aged 12–25, imported community
services) are ranked: those of the CLSC territory of the person's place first (when that territory
is known), then those of the person's health and social-services region (RSS: a person in Lévis is
served by Chaudière-Appalaches, not by the Québec City CLSCs across the river), then the others;
within each group by great-circle distance (vectorised haversine over precomputed arrays). Each
keeps its ``distance_km``; ``far`` is true beyond 50 km (a remote or fly-in place: the answer says
the distance plainly and leads with 811), ``in_region`` says it is in the person's RSS. Lines
follow, for ``kind="all"``: the lines of the need (``needs.yaml`` order), or, without a need, the
general-distress lines then the others. A line with a service area (a DPJ, a CAAP, a 211 centre, a
crisis centre…) is offered only to people its area serves (``guide.directory.areas``); a line that
the import's precedence rule did not keep (``superseded_by``) never; a fallback line (the CAAP
federation's routing number) only where no line of its group serves the person. In ``needs.yaml`` a
``group:NAME`` entry stands for the lines of that group serving the person (``group:dpj``,
``group:211``, ``group:caap``…). ``limit`` applies to each group (located services, lines).

CLSC points of service carry their door numbers when the sources give them: ``intake_phone`` (the
psychosocial intake of their CLSC, RLS or establishment, with its ``hours``, ``hours_fr``,
``hours_en`` and ``walk_in``), ``phone`` (a CLSC's own general number), ``verification``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np

from guide.directory.areas import place_codes, serves
from guide.directory.needs import needs_by_id
from guide.directory.store import Directory, Entry, directory_path, load_directory
from guide.geo import Location, haversine_km, resolve

Kind = Literal["all", "clsc", "helpline"]
KINDS: tuple[str, ...] = ("all", "clsc", "helpline")
LIMIT_MAX = 50
DEFAULT_NEED_ORDER = "general_distress"
FAR_KM = 50.0  # beyond this a point of service is "far" (remote places: the answer says so and leads with 811)


class InvalidRequest(ValueError):
    """A bad argument; ``code`` is the error code the CLI reports (invalid_need, invalid_limit...)."""

    def __init__(self, code: str, message_fr: str, message_en: str):
        super().__init__(message_en)
        self.code = code
        self.message = {"fr": message_fr, "en": message_en}


def _corpus(corpus_dir: Path | None) -> Path:
    from guide.settings import corpus_or_default

    return corpus_or_default(corpus_dir)


def check_request(kind: str, need: str | None, limit: int, age: int | None, corpus_dir: Path | None = None) -> None:
    """Raise ``InvalidRequest`` for an unknown kind or need, a limit outside 1..50 or a bad age."""
    if kind not in KINDS:
        raise InvalidRequest(
            "invalid_kind",
            f"Type inconnu « {kind} » (choix : {', '.join(KINDS)}).",
            f'Unknown kind "{kind}" (choose {", ".join(KINDS)}).',
        )
    if need is not None:
        known = needs_by_id(_corpus(corpus_dir))
        if need not in known:
            raise InvalidRequest(
                "invalid_need",
                f"Besoin inconnu « {need} ». Besoins possibles : {', '.join(known)}.",
                f'Unknown need "{need}". Known needs: {", ".join(known)}.',
            )
    if not 1 <= limit <= LIMIT_MAX:
        raise InvalidRequest(
            "invalid_limit",
            f"La limite doit être entre 1 et {LIMIT_MAX}.",
            f"The limit must be between 1 and {LIMIT_MAX}.",
        )
    if age is not None and not 0 <= age <= 130:
        raise InvalidRequest("invalid_age", "L'âge doit être entre 0 et 130.", "Age must be between 0 and 130.")


def display_name(service: dict, lang: str) -> str:
    """The name to show: the official (French) name, followed in English by the source's English
    name when it has one ("Ligne québécoise de prévention du suicide (1 866 APPELLE) — Quebec suicide
    prevention line"): the person hears the French name when they call."""
    name, name_en = service.get("name") or "", service.get("name_en")
    if lang != "en" or not name_en or name_en == name:
        return name
    if name_en.casefold().startswith(name.casefold()):
        return name_en  # "SOS violence conjugale (domestic violence)" already holds the official name
    return f"{name} — {name_en}"


def as_dict(
    e: Entry, distance_km: float | None = None, in_territory: bool | None = None, in_region: bool | None = None
) -> dict[str, Any]:
    """The service contract (id, name, kind, phone, address, municipality, postal_code, distance_km,
    no_referral, hours, source, assured_date) plus extras; a located service also says whether it is
    ``far`` (more than 50 km away) and ``in_region`` (in the person's health region). ``hours`` is the
    source's text; ``hours_fr`` / ``hours_en`` the same hours written from their structure in each
    language. ``intake_phone``, ``walk_in``, ``verification`` (verified | secondary | unverified) and
    ``source_date`` where the sources give them; ``service_areas`` where a line is offered."""
    note = " / ".join(x for x in (e.note_fr, e.note_en) if x) or None
    return {
        "id": e.id,
        "name": e.name,
        "name_en": e.name_en,
        "kind": e.kind,
        "phone": e.phone,
        "address": e.address,
        "municipality": e.municipality,
        "postal_code": e.postal_code,
        "distance_km": None if distance_km is None else round(float(distance_km), 1),
        "no_referral": e.no_referral,
        "hours": e.hours,
        "source": e.source,
        "assured_date": e.assured_date,
        "latitude": e.latitude,
        "longitude": e.longitude,
        "service": e.service_name,
        "organization": e.organization,
        "clsc_code": e.clsc_code,
        "clsc_name": e.clsc_name,
        "rls_code": e.rls_code,
        "rls_name": e.rls_name,
        "rss_code": e.rss_code or e.region,
        "rss_name": e.rss_name,
        "in_territory": in_territory,
        "needs": list(e.needs),
        "audience": e.audience,
        "languages": list(e.languages),
        "min_age": e.min_age,
        "max_age": e.max_age,
        "classification": e.classification,
        "verified": dict(e.verified) if e.verified else None,
        "note": note,
        "note_fr": e.note_fr,
        "note_en": e.note_en,
        "phone_alternates": list(e.phone_alternates),
        "text_sms": e.text_sms,
        "source_url": e.source_url,
        "regional": e.region is not None or bool(e.areas),
        "far": None if distance_km is None else bool(float(distance_km) > FAR_KM),
        "in_region": in_region,
        # added with the regional lines (issue 12)
        "intake_phone": e.intake_phone,
        "intake_name": e.intake_name,
        "intake_id": e.intake_id,
        "intake_source_url": e.intake_source_url,
        "intake_hours": e.intake_hours,
        "walk_in": e.walk_in,
        "verification": e.verification,
        "source_date": e.source_date,
        "hours_fr": e.hours_fr,
        "hours_en": e.hours_en,
        "service_areas": [a.as_dict() for a in e.areas],
        "rss_codes": list(e.rss_codes),
        "line_group": e.line_group,
        "fallback": e.fallback,
        "superseded_by": e.superseded_by,
    }


class _Columns:
    """The located entries' fields ``_located`` filters and sorts on, as arrays built once per
    directory (the filter ran as Python loops over every entry on every request)."""

    def __init__(self, d: Directory, corpus_dir: Path | None) -> None:
        located = d.located
        self.kind = np.array([e.kind for e in located], dtype=object)
        self.clsc = np.array([e.clsc_code for e in located], dtype=object)
        self.rss = np.array([_rss(e) or _nearest_rss(e, corpus_dir) for e in located], dtype=object)
        self.min_age = np.array([np.nan if e.min_age is None else e.min_age for e in located], dtype=float)
        self.max_age = np.array([np.nan if e.max_age is None else e.max_age for e in located], dtype=float)
        self._kinds: dict[tuple[str, ...], np.ndarray] = {}

    def keep(self, d: Directory, wanted: tuple[str, ...], need: str | None, age: int | None) -> np.ndarray:
        kinds = self._kinds.get(wanted)
        if kinds is None:
            kinds = self._kinds[wanted] = np.isin(self.kind, wanted)
        ok = kinds.copy()
        if age is None:  # services restricted by age (Aire ouverte 12–25) only when the age fits
            ok &= np.isnan(self.min_age) & np.isnan(self.max_age)
        else:
            ok &= (np.isnan(self.min_age) | (age >= self.min_age)) & (np.isnan(self.max_age) | (age <= self.max_age))
        if need is not None:
            ok &= np.array([need in e.needs for e in d.located], dtype=bool)
        return ok


_COLUMNS: dict[tuple[int, str], tuple[Directory, _Columns]] = {}


def _columns(d: Directory, corpus_dir: Path | None) -> _Columns:
    key = (id(d), str(corpus_dir))
    found = _COLUMNS.get(key)
    if found is None or found[0] is not d:  # the directory object itself is kept: an id is never reused
        if len(_COLUMNS) > 8:
            _COLUMNS.clear()
        found = _COLUMNS[key] = (d, _Columns(d, corpus_dir))
    return found[1]


def _located(
    d: Directory,
    loc: Location,
    kind: str,
    need: str | None,
    limit: int,
    age: int | None,
    corpus_dir: Path | None = None,
) -> list[dict]:
    if not loc.ok or not d.located:
        return []
    cols = _columns(d, corpus_dir)
    keep = cols.keep(d, ("clsc",) if kind == "clsc" else ("clsc", "community"), need, age)
    if not keep.any():
        return []
    dist = haversine_km(float(loc.latitude), float(loc.longitude), d.latitudes, d.longitudes)  # type: ignore[arg-type]
    idx = np.flatnonzero(keep)
    territory, region = loc.clsc_code, loc.rss_code
    home = cols.clsc[idx] == territory if territory is not None else np.zeros(len(idx), dtype=bool)
    same = cols.rss[idx] == region if region is not None else np.zeros(len(idx), dtype=bool)
    order = idx[np.lexsort((dist[idx], ~same.astype(bool), ~home.astype(bool)))][:limit]
    return [
        as_dict(
            d.located[i],
            dist[i],
            bool(territory and d.located[i].clsc_code == territory) if territory else None,
            bool(region and cols.rss[i] == region) if region else None,
        )
        for i in order
    ]


def _nearest_rss(e: Entry, corpus_dir: Path | None) -> str | None:
    """The health region of a located service that does not say it (an imported community service): that
    of the nearest M02 installation."""
    if e.latitude is None or e.longitude is None:
        return None
    from guide.geo import gazetteer

    return gazetteer(corpus_dir).nearest_rss(e.latitude, e.longitude)


def _rss(e: Entry) -> str | None:
    return e.rss_code or e.region


GROUP_PREFIX = "group:"


def _get(e: Any, key: str) -> Any:
    return e.get(key) if isinstance(e, dict) else getattr(e, key, None)


def offered(lines: list, codes: dict[str, set[str]] | None) -> list:
    """The lines (entries or service dicts) offered to a place of these codes: shown (not superseded),
    serving the place, and a fallback line only where no other line of its group serves it."""
    if isinstance(lines, list) and lines and isinstance(lines[0], Entry):  # the directory's: same answer per place
        key = (id(lines), tuple(sorted((t, tuple(sorted(c))) for t, c in (codes or {}).items())))
        found = _OFFERED.get(key)
        if found is None or found[0] is not lines:
            if len(_OFFERED) > 2048:
                _OFFERED.clear()
            found = _OFFERED[key] = (lines, _offered(lines, codes))
        return list(found[1])
    return _offered(lines, codes)


_OFFERED: dict[tuple, tuple[list, list]] = {}


def _offered(lines: list, codes: dict[str, set[str]] | None) -> list:
    usable = [e for e in lines if not _get(e, "superseded_by") and serves(e, codes)]
    served = {_get(e, "line_group") for e in usable if _get(e, "line_group") and not _get(e, "fallback")}
    return [e for e in usable if not (_get(e, "fallback") and _get(e, "line_group") in served)]


def expand(ids: list[str], usable: list) -> list:
    """``needs.yaml`` line ids → lines: an id, or ``group:NAME`` for the usable lines of that group."""
    by_id = {_get(e, "id"): e for e in usable}
    out: list = []
    for i in ids:
        if i.startswith(GROUP_PREFIX):
            found = [e for e in usable if _get(e, "line_group") == i[len(GROUP_PREFIX) :]]
        else:
            found = [by_id[i]] if i in by_id else []
        out += [e for e in found if all(e is not x for x in out)]
    return out


def _lines(d: Directory, loc: Location, need: str | None, limit: int, corpus_dir: Path) -> list[dict]:
    codes = place_codes(loc, corpus_dir) if loc.error is None else {}
    usable = offered(d.lines, codes)
    needs = needs_by_id(corpus_dir)
    if need is not None:
        chosen = expand(needs[need].lines, usable)
        taken = {id(e) for e in chosen}  # identity: comparing frozen entries field by field cost 10 % of a request
        chosen += [e for e in usable if need in e.needs and id(e) not in taken]  # e.g. imported lines
    else:
        first = needs[DEFAULT_NEED_ORDER].lines if DEFAULT_NEED_ORDER in needs else []
        chosen = expand(first, usable)
        taken = {id(e) for e in chosen}
        chosen += [e for e in usable if id(e) not in taken]
    return [as_dict(e) for e in chosen[:limit]]


def services_near(
    location: Location | str,
    kind: Kind | str = "all",
    need: str | None = None,
    limit: int = 5,
    age: int | None = None,
    corpus_dir: Path | None = None,
) -> list[dict[str, Any]]:
    """Nearest points of service to ``location`` (a ``Location`` or text to resolve), then lines.

    ``kind``: "clsc" (located points only), "helpline" (lines only) or "all" (both, lines after).
    ``need``: a need id of needs.yaml; filters lines (and located services) to those serving it.
    ``limit``: maximum per group (located services; lines). ``age``: offers youth-only sites (12–25)
    when it fits; without an age they are left out. A location with an error gives no located
    service (province-wide lines are still returned).
    """
    corpus = _corpus(corpus_dir)
    check_request(str(kind), need, limit, age, corpus)
    loc = resolve(location, corpus) if isinstance(location, str) else location
    d = load_directory(directory_path(corpus))
    out: list[dict[str, Any]] = []
    if kind in ("all", "clsc"):
        out += _located(d, loc, str(kind), need, limit, age, corpus)
    if kind in ("all", "helpline"):
        out += _lines(d, loc, need, limit, corpus)
    return out
