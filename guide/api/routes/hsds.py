"""Read-only Open Referral HSDS 3.0 API over Guide's directory, under ``/hsds/``.

Implements the paths of the official HSDS 3.0 OpenAPI description
(``corpus/sources/hsds/schema/openapi.json``): ``/``, ``/services``, ``/services/{id}``,
``/organizations``, ``/organizations/{id}``, ``/service_at_locations``, ``/service_at_locations/{id}``,
``/taxonomies``, ``/taxonomies/{id}``, ``/taxonomy_terms``, ``/taxonomy_terms/{id}``, with the spec's
parameters. Lists answer an HSDS page object (``total_items``, ``total_pages``, ``page_number``,
``size``, ``first_page``, ``last_page``, ``empty``, ``contents``); ``page`` starts at 1 and
``per_page`` is 1 to 1000 (default 50); ``format=ndjson`` streams every result, one JSON object a
line, without paging. Filters are cumulative (AND), as the HSDS API reference requires.

- ``search``: every word must start a word of the record (accents and case ignored): names,
  descriptions, eligibility, organization; for a service at location also its place and address.
- ``taxonomy_term_id`` / ``taxonomy_id``: records with an attribute of that term / of a term of that
  taxonomy (Guide's needs, MSSS territories of a location, Guide's attributes).
- ``modified_after``: an ISO 8601 date or date-time; a service's date is its ``last_modified``, or
  else its ``assured_date`` (Guide's tables leave ``last_modified`` empty).
- ``postcode`` (service_at_locations): a postal code, an FSA or a town, resolved by
  ``guide.geo.resolve``; only services whose ``service_areas`` serve that place are kept, nearest
  first. ``proximity``: metres from the place's centroid (requires ``postcode``).
- ``minimal`` (services): id, name, status, assured_date and verification status only.
- ``full`` / ``full_service``: fully nested records.

Verification (see ``guide.directory.hsds_api``): every service has ``assured_date`` and a
``verification_status`` attribute (with the other attributes that say where its facts were read);
a service at location and an organization have a ``verification_status`` attribute too.

Bad input answers 4xx in Guide's error shape, never 5xx: an unknown or repeated query parameter
(400 ``unknown_parameter`` / ``repeated_parameter``), a value with control characters or bytes that
are not UTF-8 (400 ``invalid_characters``), a value too long or of the wrong type (422
``invalid_request``), ``page`` / ``per_page`` out of range, an unknown ``format``, a bad
``modified_after`` or ``proximity``, a search without letters or digits (400 ``invalid_page``,
``invalid_per_page``, ``invalid_format``, ``invalid_modified_after``, ``invalid_proximity``,
``proximity_without_postcode``, ``no_words``), an unknown id (404 ``not_found``, the id not echoed), a
place Guide cannot resolve (the statuses of ``/v1/services/near``: 404 ``unknown_place``, 422
``outside_quebec``, 400 ``invalid_postal_code``).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response

from guide.api.deps import get_app_settings
from guide.api.errors import ApiError
from guide.directory import hsds_api as H
from guide.settings import Settings
from guide.text import tokens

router = APIRouter(prefix="/hsds", tags=["hsds"])

PER_PAGE_DEFAULT = 50
PER_PAGE_MAX = 1000
PAGE_MAX = 1_000_000
MAX_TEXT = 200  # search, postcode
MAX_ID = 100
FORMATS = ("json", "ndjson")
NDJSON = "application/x-ndjson"
# same statuses as /v1/services/near
LOCATION_STATUS = {"unknown_place": 404, "outside_quebec": 422, "invalid_postal_code": 400}

_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd\ud800-\udfff]")
_PRINTABLE_NAME = re.compile(r"^[A-Za-z0-9_.\-\[\]]{1,40}$")

_PAGING = ("page", "per_page", "format")
APP_SETTINGS = Depends(get_app_settings)


def _check_text(name: str, value: str) -> None:
    if _BAD_CHARS.search(value):
        raise ApiError(
            400,
            "invalid_characters",
            f"Le paramètre « {name} » contient des caractères invalides (contrôle ou octets non UTF-8). / "
            f'Parameter "{name}" has invalid characters (control characters or bytes that are not UTF-8).',
        )


def only(*names: str) -> Callable[[Request], None]:
    """A dependency refusing query parameters the route does not define, repeated ones, and broken text."""
    allowed = frozenset(names)

    def check(request: Request) -> None:
        seen: set[str] = set()
        for key, value in request.query_params.multi_items():
            if key not in allowed:
                shown = f" « {key} »" if _PRINTABLE_NAME.match(key) else ""
                shown_en = f' "{key}"' if shown else ""
                known = ", ".join(sorted(allowed)) or "—"
                raise ApiError(
                    400,
                    "unknown_parameter",
                    f"Paramètre inconnu{shown} (paramètres possibles : {known}). / "
                    f"Unknown parameter{shown_en} (known parameters: {known}).",
                )
            if key in seen:
                raise ApiError(400, "repeated_parameter", f'Paramètre « {key} » répété. / Parameter "{key}" repeated.')
            seen.add(key)
            _check_text(key, value)
        for key, value in request.path_params.items():
            if isinstance(value, str):
                _check_text(key, value)

    return check


def _directory(settings) -> H.HsdsDirectory:
    try:
        return H.load_api(Path(settings.corpus_dir))
    except FileNotFoundError:
        raise ApiError(
            503, "directory_unavailable", "Le répertoire n'est pas disponible. / The directory is not available."
        ) from None


def _paging(page: int | None, per_page: int | None, fmt: str | None) -> tuple[int, int, str]:
    fmt = (fmt or "json").strip().lower()
    if fmt not in FORMATS:
        raise ApiError(
            400, "invalid_format", "Format inconnu (choix : json, ndjson). / Unknown format (choose json, ndjson)."
        )
    page = 1 if page is None else page
    per_page = PER_PAGE_DEFAULT if per_page is None else per_page
    if not 1 <= page <= PAGE_MAX:
        raise ApiError(
            400, "invalid_page", f'« page » doit être entre 1 et {PAGE_MAX}. / "page" must be between 1 and {PAGE_MAX}.'
        )
    if not 1 <= per_page <= PER_PAGE_MAX:
        raise ApiError(
            400,
            "invalid_per_page",
            f'« per_page » doit être entre 1 et {PER_PAGE_MAX}. / "per_page" must be between 1 and {PER_PAGE_MAX}.',
        )
    return page, per_page, fmt


def _search(search: str | None) -> Callable[[tuple[str, ...]], bool]:
    """The ``search`` filter over a record's folded words: every word of the search starts one of them."""
    text = (search or "").strip()
    if not text:
        return lambda _record: True
    if not re.search(r"\w", text):
        raise ApiError(400, "no_words", "La recherche ne contient aucun mot. / The search has no words in it.")
    words = tokens(text)
    if not words:  # words in a script the directory is not written in: nothing can match
        return lambda _record: False
    return lambda record: H.matches(record, words)


def _list(ids: Iterable[str], build: Callable[[str], dict], page: int, per_page: int, fmt: str) -> Response:
    ids = list(ids)
    if fmt == "ndjson":
        body = "".join(json.dumps(build(i), ensure_ascii=False) + "\n" for i in ids)
        return Response(body, media_type=NDJSON)
    header, chunk = H.page_object(ids, page, per_page)
    return JSONResponse({**header, "contents": [build(i) for i in chunk]})


def _not_found(kind_fr: str, kind_en: str) -> ApiError:
    return ApiError(404, "not_found", f"{kind_fr} introuvable. / {kind_en} not found.")


def _modified_after(text: str | None):
    if text is None or not text.strip():
        return None
    when = H.parse_datetime(text)
    if when is None:
        raise ApiError(
            400,
            "invalid_modified_after",
            "« modified_after » doit être une date ISO 8601 (2026-01-31 ou "
            '2026-01-31T12:00:00Z). / "modified_after" must be an ISO 8601 '
            "date or date-time (2026-01-31 or 2026-01-31T12:00:00Z).",
        )
    return when


def _service_filter(
    d: H.HsdsDirectory,
    entity: str,
    search: Callable[[tuple[str, ...]], bool],
    taxonomy_term_id: str | None,
    taxonomy_id: str | None,
    organization_id: str | None,
    modified_after,
) -> Callable[[str, str], bool]:
    """(record id, service id) -> kept by the filters shared by services and services at location."""
    tax_terms = None
    if taxonomy_id:
        tax_terms = {t for t, term in d.terms.items() if term.get("taxonomy_id") == taxonomy_id}

    def keep(rid: str, sid: str) -> bool:
        svc = d.services.get(sid)
        if svc is None:
            return False
        terms = d.terms_of.get((entity, rid), frozenset())
        if taxonomy_term_id and taxonomy_term_id not in terms:
            return False
        if tax_terms is not None and not (terms & tax_terms):
            return False
        if organization_id and svc.get("organization_id") != organization_id:
            return False
        if modified_after is not None:
            when = d.dates.get(sid)
            if when is None or when < modified_after:
                return False
        return search(d.text.get((entity, rid), ()))

    return keep


# ---------------------------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------------------------


def _text():
    return Query(None, max_length=MAX_TEXT)


def _id():
    return Query(None, max_length=MAX_ID)


@router.get("/", summary="Information about this API and its relationship with HSDS", dependencies=[Depends(only())])
def hsds_root(settings: Settings = APP_SETTINGS):
    d = _directory(settings)
    return {"version": d.hsds_version, "profile": H.PROFILE_URL, "openapi_url": H.OPENAPI_URL}


@router.get(
    "/services",
    summary="Paginated list of services",
    dependencies=[
        Depends(
            only(
                "search",
                *_PAGING,
                "taxonomy_term_id",
                "taxonomy_id",
                "organization_id",
                "modified_after",
                "minimal",
                "full",
            )
        )
    ],
)
def list_services(
    search: str | None = _text(),
    page: int | None = None,
    per_page: int | None = None,
    format: str | None = Query(None, max_length=10),
    taxonomy_term_id: str | None = _id(),
    taxonomy_id: str | None = _id(),
    organization_id: str | None = _id(),
    modified_after: str | None = Query(None, max_length=40),
    minimal: bool = False,
    full: bool = False,
    settings: Settings = APP_SETTINGS,
):
    page, per_page, fmt = _paging(page, per_page, format)
    d = _directory(settings)
    keep = _service_filter(
        d, "service", _search(search), taxonomy_term_id, taxonomy_id, organization_id, _modified_after(modified_after)
    )
    ids = [sid for sid in d.services if keep(sid, sid)]
    build = d.service_minimal if minimal else d.service_full if full else d.service_summary
    return _list(ids, build, page, per_page, fmt)


@router.get("/services/{id}", summary="A fully nested service", dependencies=[Depends(only())])
def get_service(id: str, settings: Settings = APP_SETTINGS):
    d = _directory(settings)
    if id not in d.services:
        raise _not_found("Service", "Service")
    return JSONResponse(d.service_full(id))


@router.get(
    "/organizations",
    summary="Paginated list of organizations",
    dependencies=[Depends(only("search", "full_service", "full", *_PAGING))],
)
def list_organizations(
    search: str | None = _text(),
    full_service: bool = False,
    full: bool = False,
    page: int | None = None,
    per_page: int | None = None,
    format: str | None = Query(None, max_length=10),
    settings: Settings = APP_SETTINGS,
):
    page, per_page, fmt = _paging(page, per_page, format)
    d = _directory(settings)
    found = _search(search)
    ids = [o for o in d.organizations if found(d.text.get(("organization", o), ()))]
    return _list(ids, lambda o: d.organization_object(o, full=full, full_service=full_service), page, per_page, fmt)


@router.get(
    "/organizations/{id}",
    summary="A fully nested organization with its services",
    dependencies=[Depends(only("full_service"))],
)
def get_organization(id: str, full_service: bool = False, settings: Settings = APP_SETTINGS):
    d = _directory(settings)
    if id not in d.organizations:
        raise _not_found("Organisation", "Organization")
    return JSONResponse(d.organization_object(id, full=True, full_service=full_service))


@router.get(
    "/service_at_locations",
    summary="Paginated list of services at locations",
    dependencies=[
        Depends(
            only(
                "search",
                "taxonomy_term_id",
                "taxonomy_id",
                "organization_id",
                "modified_after",
                "full",
                *_PAGING,
                "postcode",
                "proximity",
            )
        )
    ],
)
def list_service_at_locations(
    search: str | None = _text(),
    taxonomy_term_id: str | None = _id(),
    taxonomy_id: str | None = _id(),
    organization_id: str | None = _id(),
    modified_after: str | None = Query(None, max_length=40),
    full: bool = False,
    page: int | None = None,
    per_page: int | None = None,
    format: str | None = Query(None, max_length=10),
    postcode: str | None = _text(),
    proximity: str | None = Query(None, max_length=20),
    settings: Settings = APP_SETTINGS,
):
    page, per_page, fmt = _paging(page, per_page, format)
    d = _directory(settings)
    keep = _service_filter(
        d,
        "service_at_location",
        _search(search),
        taxonomy_term_id,
        taxonomy_id,
        organization_id,
        _modified_after(modified_after),
    )
    ids = [sal_id for sal_id, sal in d.sals.items() if keep(sal_id, sal.get("service_id", ""))]
    metres = _proximity(proximity)
    if postcode is not None and postcode.strip():
        ids = _near(d, ids, postcode.strip(), metres, Path(settings.corpus_dir))
    elif metres is not None:
        raise ApiError(
            400,
            "proximity_without_postcode",
            '« proximity » demande un « postcode ». / "proximity" needs a "postcode".',
        )
    return _list(ids, lambda i: d.sal_object(i, full=full), page, per_page, fmt)


@router.get("/service_at_locations/{id}", summary="A fully nested service at location", dependencies=[Depends(only())])
def get_service_at_location(id: str, settings: Settings = APP_SETTINGS):
    d = _directory(settings)
    if id not in d.sals:
        raise _not_found("Service à cet endroit", "Service at location")
    return JSONResponse(d.sal_object(id, full=True, detail=True))


@router.get("/taxonomies", summary="Paginated list of taxonomies", dependencies=[Depends(only("search", *_PAGING))])
def list_taxonomies(
    search: str | None = _text(),
    page: int | None = None,
    per_page: int | None = None,
    format: str | None = Query(None, max_length=10),
    settings: Settings = APP_SETTINGS,
):
    page, per_page, fmt = _paging(page, per_page, format)
    d = _directory(settings)
    found = _search(search)
    ids = [t for t in d.taxonomies if found(d.text.get(("taxonomy", t), ()))]
    return _list(ids, d.taxonomy_object, page, per_page, fmt)


@router.get("/taxonomies/{id}", summary="A taxonomy", dependencies=[Depends(only())])
def get_taxonomy(id: str, settings: Settings = APP_SETTINGS):
    d = _directory(settings)
    if id not in d.taxonomies:
        raise _not_found("Taxonomie", "Taxonomy")
    return JSONResponse(d.taxonomy_object(id))


@router.get(
    "/taxonomy_terms",
    summary="Paginated list of taxonomy terms",
    dependencies=[Depends(only("search", *_PAGING, "taxonomy_id", "top_only", "parent_id"))],
)
def list_taxonomy_terms(
    search: str | None = _text(),
    page: int | None = None,
    per_page: int | None = None,
    format: str | None = Query(None, max_length=10),
    taxonomy_id: str | None = _id(),
    top_only: bool = False,
    parent_id: str | None = _id(),
    settings: Settings = APP_SETTINGS,
):
    """``top_only``: only the terms that have no parent (the top of each hierarchy)."""
    page, per_page, fmt = _paging(page, per_page, format)
    d = _directory(settings)
    found = _search(search)
    ids = [
        t
        for t, term in d.terms.items()
        if (not taxonomy_id or term.get("taxonomy_id") == taxonomy_id)
        and (not top_only or not term.get("parent_id"))
        and (not parent_id or term.get("parent_id") == parent_id)
        and found(d.text.get(("taxonomy_term", t), ()))
    ]
    return _list(ids, lambda t: d.term_object(t, detail=False), page, per_page, fmt)


@router.get("/taxonomy_terms/{id}", summary="A taxonomy term", dependencies=[Depends(only())])
def get_taxonomy_term(id: str, settings: Settings = APP_SETTINGS):
    d = _directory(settings)
    if id not in d.terms:
        raise _not_found("Terme de taxonomie", "Taxonomy term")
    return JSONResponse(d.term_object(id, detail=True))


# ---------------------------------------------------------------------------------------------
# Proximity
# ---------------------------------------------------------------------------------------------


def _proximity(text: str | None) -> float | None:
    if text is None or not text.strip():
        return None
    try:
        metres = float(text.strip())
    except ValueError:
        metres = math.nan
    if not math.isfinite(metres) or metres <= 0:
        raise ApiError(
            400,
            "invalid_proximity",
            '« proximity » doit être un nombre de mètres positif. / "proximity" must be a positive number of metres.',
        )
    return metres


def _near(d: H.HsdsDirectory, ids: list[str], place: str, metres: float | None, corpus_dir: Path) -> list[str]:
    """The services at location whose service serves the place, nearest first; within ``metres`` of it if given."""
    import numpy as np

    from guide.directory.areas import place_codes, serves
    from guide.geo import haversine_km, resolve

    loc = resolve(place, corpus_dir)
    if loc.error or not loc.ok:
        msg = loc.message or {}
        code = loc.error or "unknown_place"
        raise ApiError(
            LOCATION_STATUS.get(code, 400), code, " / ".join(x for x in (msg.get("fr"), msg.get("en")) if x) or code
        )
    codes = place_codes(loc, corpus_dir)
    kept = []
    for sal_id in ids:
        areas = [
            {"type": a.get("extent_type", ""), "code": a.get("extent", "")}
            for a in d.service_areas.get(d.sals[sal_id].get("service_id", ""), ())
        ]
        if serves({"service_areas": areas}, codes):
            kept.append(sal_id)
    located = [(i, d.locations.get(d.sals[i].get("location_id", ""), {})) for i in kept]
    with_xy = [(i, loc_) for i, loc_ in located if "latitude" in loc_ and "longitude" in loc_]
    without = [i for i, loc_ in located if not ("latitude" in loc_ and "longitude" in loc_)]
    if not with_xy:
        return [] if metres is not None else without
    assert loc.latitude is not None and loc.longitude is not None  # a resolved place always has its position
    dist_km = haversine_km(
        float(loc.latitude),
        float(loc.longitude),
        np.array([x["latitude"] for _, x in with_xy], dtype=float),
        np.array([x["longitude"] for _, x in with_xy], dtype=float),
    )
    order = np.argsort(dist_km, kind="stable")
    nearest = [with_xy[k][0] for k in order if metres is None or dist_km[k] * 1000.0 <= metres]
    return nearest if metres is not None else nearest + without
