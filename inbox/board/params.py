"""Numbers from forms, query strings and URLs: one parser, and a 400 page when they are bad.

str.isdigit() is true for "²" and "٣" (which int() then refuses or reads as 3), and a
40-digit id overflows the database's integer: either way the board answered 500. Here
a number is 1 to 10 ASCII digits within the bounds the caller names; anything else is a
400 whose page says which field was wrong and what it must be.
"""
from __future__ import annotations

from datetime import date

from flask import request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's integer; ids and versions never get near it
_REQUIRED = object()


class BadNumber(BadRequest, ValueError):
    """A form or query value that is not a whole number in range: a 400 page, and a
    ValueError for plain functions (Filters.from_args) that report bad input that way."""

    def __str__(self) -> str:
        return self.description or ""


def is_id(raw: str | None, hi: int = MAX_ID) -> bool:
    """Whether raw is a whole number from 0 to hi written in ASCII digits."""
    return bool(raw) and len(raw) <= 10 and raw.isascii() and raw.isdigit() and int(raw) <= hi


def parse_int(raw: str | None, name: str, lo: int = 1, hi: int = MAX_ID) -> int:
    """raw as a whole number from lo to hi, or BadNumber naming the field."""
    text = (raw or "").strip()
    if not is_id(text, hi) or int(text) < lo:
        raise BadNumber(description=f"{name} must be a whole number from {lo} to {hi}.")
    return int(text)


def int_arg(name: str, lo: int = 1, hi: int = MAX_ID, default=_REQUIRED, none: tuple[str, ...] = ()):
    """The number in this request's form (POST) or query string (GET) under name.

    default is returned when the field is missing or empty (omit it to make the field
    required); values in none (e.g. "none" for "assign to nobody") give None."""
    source = request.args if request.method in ("GET", "HEAD") else request.form
    raw = source.get(name, "").strip()
    if raw in none:
        return None
    if raw == "" and default is not _REQUIRED:
        return default
    return parse_int(raw, name, lo, hi)


def int_list(name: str, lo: int = 1, hi: int = MAX_ID) -> list[int]:
    """Every value of a repeated form field (the board's selected cards) as numbers."""
    return [parse_int(raw, name, lo, hi) for raw in request.form.getlist(name)]


def parse_day(raw: str, name: str) -> date:
    """An ISO date (2026-11-28) between the years 1900 and 9000: the board adds a day to
    "until", and 9999-12-31 plus one day does not exist."""
    try:
        day = date.fromisoformat(raw) if raw.isascii() else None
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 9000:
        raise BadNumber(description=f"{name} must be a date like 2026-11-28.")
    return day


class IdConverter(IntegerConverter):
    """<int:...> in routes: ASCII digits only and at most MAX_ID, so that /tips/<40 digits>
    is a 404 like any other id that does not exist, not an overflow in the database."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
