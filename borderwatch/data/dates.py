"""Reading a typed date (YYYY-MM-DD), with a message that says what is wrong with it.

One reader for every place a person types or uploads a date: the sidebar's From and To,
and the date columns of an uploaded file.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

FORM = "YYYY-MM-DD"
NOT_IN_FORM = f"not a date in the form {FORM} (e.g. 2023-01-31)"
SHOWN = 30  # of a long text that is not a date, the characters a message repeats
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


def date_problem(text: str) -> str | None:
    """What is wrong with ``text`` as a date, or None if it is one.

    Parameters
    ----------
    text : str
        A date as typed, e.g. "2023-02-30" (surrounding spaces are ignored).

    Returns
    -------
    str or None
        A phrase that follows the value, e.g. "not a real date: there is no 30 February
        2023 (February 2023 has 28 days)", or "not a date in the form YYYY-MM-DD";
        None for a real date in that form.
    """
    m = _ISO.fullmatch(text.strip())
    if not m:
        return NOT_IN_FORM
    year, month, day = (int(g) for g in m.groups())
    if year < dt.MINYEAR:
        return f"not a real date: there is no year {m[1]}"
    if not 1 <= month <= 12:
        return f"not a real date: there is no month {m[2]}"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        name = calendar.month_name[month]
        if day == 0:
            return f"not a real date: there is no day 00 ({name} {year} has days 01 to {days})"
        return (f"not a real date: there is no {day} {name} {year} "
                f"({name} {year} has {days} days)")
    return None


def parse_date(text: str) -> dt.date:
    """The date typed as ``text``.

    Parameters
    ----------
    text : str
        A date in the form YYYY-MM-DD; surrounding spaces (as a paste brings) are ignored.

    Returns
    -------
    datetime.date
        The date.

    Raises
    ------
    ValueError
        If ``text`` is not a real date in that form; the message says why, in words for
        the person who typed it, e.g. "2023-02-30 is not a real date: there is no
        30 February 2023 (February 2023 has 28 days)".
    """
    text = text.strip()
    if not text:
        raise ValueError(f"Type a date as {FORM}")
    problem = date_problem(text)
    if problem:
        shown = text if len(text) <= SHOWN else text[:SHOWN] + "…"
        raise ValueError(f"{shown} is {problem}")
    return dt.date.fromisoformat(text)
