"""The filtered views the dashboard keeps between reruns (ui/data.Kept): bounded by views
and by rows, least recently used first out."""

from __future__ import annotations

import pandas as pd

from borderwatch.ui.data import Kept


def _frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": range(n)})


def test_views_are_kept_within_the_row_budget_least_recent_out():
    kept = Kept(views=3, rows=100)
    made: list[str] = []

    def get(key: str, n: int) -> pd.DataFrame:
        return kept.get(key, lambda: made.append(key) or _frame(n))

    a = get("a", 40)
    assert get("a", 40) is a and made == ["a"]  # kept: not filtered again
    get("b", 40)
    get("a", 40)  # a used last: b is the least recent
    get("c", 40)  # 120 rows: b goes
    assert made == ["a", "b", "c"]
    get("a", 40)
    get("b", 40)
    assert made == ["a", "b", "c", "b"]


def test_a_view_bigger_than_the_budget_is_kept_alone_until_another_is_made():
    """The parts of one page run (frame.in_view) each ask for the view: a million-row view
    was filtered once per part. It is kept, alone, and released before the next view is
    made (never two such views held at once)."""
    kept = Kept(views=2, rows=100)
    made: list[str] = []
    held: list[bool] = []

    def big(key: str) -> pd.DataFrame:
        def make() -> pd.DataFrame:
            made.append(key)
            held.append(kept._last is not None)  # what is held while a view is made
            return _frame(101)
        return kept.get(key, make)

    first = big("big")
    assert big("big") is first and made == ["big"]
    big("other")
    assert made == ["big", "other"] and held == [False, False]
    big("big")
    assert made == ["big", "other", "big"]


def test_the_count_of_views_kept_is_bounded():
    kept = Kept(views=2, rows=100)
    made: list[str] = []
    for key in ("a", "b", "c", "a"):
        kept.get(key, lambda key=key: made.append(key) or _frame(1))
    assert made == ["a", "b", "c", "a"]  # two views at most: a was out
