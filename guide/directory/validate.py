"""Row checks shared by the importers. Each check returns ``(clean value, None)`` or
``(None, reason)``; the reason is written to the import report."""

from __future__ import annotations

import re

from guide.geo import QC_POSTAL_LETTERS, in_quebec_bbox, normalize_postal_code

#: Three-digit numbers that may stand alone (N11 services and the 988 crisis line).
SHORT_NUMBERS = frozenset({"211", "311", "411", "511", "611", "711", "811", "911", "988"})


def check_required(row: dict[str, str], names: tuple[str, ...] | list[str]) -> list[str]:
    """Reasons for each required field that is missing or blank."""
    return [f"missing required field {n}" for n in names if not (row.get(n) or "").strip()]


def check_postal_code(value: str) -> tuple[str | None, str | None]:
    code = normalize_postal_code(value or "")
    if code is None or len(code) != 7:
        return None, f"invalid postal code {value!r} (expected A1A 1A1)"
    if code[0] not in QC_POSTAL_LETTERS:
        return None, f"postal code {code} is outside Québec (Québec codes start with G, H or J)"
    return code, None


def check_coordinates(lat: str, lon: str) -> tuple[tuple[float, float] | None, str | None]:
    try:
        la, lo = float(lat), float(lon)
    except (TypeError, ValueError):
        return None, f"invalid coordinates ({lat!r}, {lon!r})"
    if not in_quebec_bbox(la, lo):
        return None, f"coordinates ({la}, {lo}) are outside Québec's bounding box"
    return (la, lo), None


def check_phone(value: str, allow_short_code: bool = False) -> tuple[str | None, str | None]:
    """A North American number (10 digits, optional leading 1), an N11/988 number, or (for text
    lines) a 5–6 digit short code. The value is kept as written; only its digits are checked."""
    text = (value or "").strip()
    digits = re.sub(r"\D", "", text)
    if re.search(r"[^\d\s().+\-]", text):
        return None, f"invalid phone number {value!r} (unexpected characters)"
    if len(digits) == 3 and digits in SHORT_NUMBERS:
        return text, None
    if allow_short_code and len(digits) in (5, 6) and digits == text.replace(" ", ""):
        return text, None
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) == 10 and digits[0] in "23456789" and digits[3] in "23456789":
        return text, None
    return None, f"invalid phone number {value!r} (expected a 10-digit North American number)"


_EXTENSION = re.compile(
    r"^(?P<number>.*?)[\s,]*\b(?P<word>poste|ext\.?|extension|option)\s*(?P<ext>\d{1,6})(?P<rest>.*)$", re.IGNORECASE
)


def split_extension(value: str) -> tuple[str, str, str]:
    """``"819 780-2220, poste 48415"`` → ``("819 780-2220", "48415", "poste 48415")``; the third part is the
    extension as the source writes it (``"poste 305 ou 331"``, ``"option 3"``: a menu option has no HSDS
    extension), empty without one."""
    text = (value or "").strip()
    m = _EXTENSION.match(text)
    if not m:
        return text, "", ""
    ext = "" if m.group("word").lower() == "option" else m.group("ext")  # a menu option, not an extension
    return m.group("number").strip(" ,"), ext, text[m.start("word") :].strip()


def check_phone_with_extension(value: str) -> tuple[tuple[str, str, str] | None, str | None]:
    """A phone number that may carry an extension: ``((number, extension, extension text), None)`` or
    ``(None, reason)``. The extension text may only hold digits and "ou"/"or" between them."""
    number, ext, ext_text = split_extension(value)
    if ext_text and not re.fullmatch(
        r"(?i)(poste|ext\.?|extension|option)\s*\d{1,6}(\s*(ou|or|,)\s*\d{1,6})*", ext_text
    ):
        return None, f"invalid phone extension {ext_text!r}"
    clean, err = check_phone(number)
    if clean is None:  # check_phone returns exactly one of (number, reason)
        return None, err
    return (clean, ext, ext_text), None


def digits_in(text: str, number: str) -> bool:
    """True when the digits of ``number`` (without a leading 1) are written in ``text`` (its digits)."""
    want = re.sub(r"\D", "", number or "")
    if len(want) == 11 and want.startswith("1"):
        want = want[1:]
    return bool(want) and want in re.sub(r"\D", "", text or "")
