"""Strict parsing of the portal's query-string parameters.

Every parameter a portal route reads goes through one of these functions: a value
that is not exactly what the page offers (ASCII digits in range, a known key, a
real month) comes back as ``None``, so that the route ignores it or answers 404;
nothing a visitor types reaches the database or a ``datetime`` unchecked.
"""

from datetime import date

# Largest id PostgreSQL's integer columns hold.
MAX_ID = 2**31 - 1
# Periods offered by the ledger filter, and what a date column accepts.
MIN_YEAR, MAX_YEAR = 1900, 2999


def parse_id(value):
    """A record id (``"42"``) or None. ``isdigit`` alone accepts "²" and "١"."""
    if not isinstance(value, str) or not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def parse_page(value):
    """A page number: from the path (already an int) or the query string."""
    return value if isinstance(value, int) else parse_id(value) or 1


def parse_choice(value, choices):
    """``value`` when it is one of ``choices`` (keys of a mapping), else None."""
    return value if isinstance(value, str) and value in choices else None


def parse_period(value):
    """``"YYYY"`` or ``"YYYY-MM"`` to (first day, last day), else None."""
    if not isinstance(value, str) or not value.isascii():
        return None
    year, separator, month = value.partition("-")
    if len(year) != 4 or not year.isdigit():
        return None
    if separator and not (len(month) == 2 and month.isdigit()):
        return None
    year = int(year)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    if not month:
        return date(year, 1, 1), date(year, 12, 31)
    month = int(month)
    if not 1 <= month <= 12:
        return None
    first = date(year, month, 1)
    last = date(year + month // 12, month % 12 + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)
