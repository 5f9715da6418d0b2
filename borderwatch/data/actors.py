"""One name per actor: a reviewed alias table (actors.csv, shipped with the package) maps
the spellings of sources and the press ("TTP", "Tehrik-i-Taliban Pakistan", "Pakistani
Taliban") to one canonical name. The actor filter lists canonical names, aliases find
them in the text search, and names the table does not know are listed for analysts."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import pandas as pd

TABLE = Path(__file__).resolve().parent / "actors.csv"


def fold(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key of a name."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


@functools.cache
def aliases() -> dict[str, str]:
    """Folded alias -> canonical name, from actors.csv."""
    table = pd.read_csv(TABLE, dtype=str, keep_default_na=False)
    return {fold(a): c for a, c in zip(table["alias"], table["canonical"], strict=True)}


def canonical(name: str | None) -> str | None:
    """The canonical name of an actor; an unknown name is kept as it is."""
    if name is None or (not isinstance(name, str) and pd.isna(name)):
        return None
    return aliases().get(fold(str(name)), str(name))


# ACLED's generic names for the unnamed ("Civilians (Pakistan)", "Unidentified Armed Group
# (Afghanistan)", "Rioters (Kazakhstan)"): known by their form, not listed for review.
GENERIC = re.compile(r"^(Civilians|Protesters|Rioters|Unidentified [A-Za-z ]+|"
                     r"(Communal )?Militia|Labou?r Group|Private Security Forces)( \(|$)")


def known(name: str) -> bool:
    """Whether the alias table knows this name, or it is one of ACLED's generic names."""
    return fold(name) in aliases() or bool(GENERIC.match(name))


def with_canonical(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with ``actor1_canonical`` and ``actor2_canonical``: categoricals with one
    shared set of canonical names, each distinct name looked up once."""
    cols = ("actor1", "actor2")
    values = {c: df[c].astype("category") for c in cols}
    names = sorted({n for v in values.values() for n in v.cat.categories}, key=str)
    mapped = {n: canonical(n) for n in names}
    categories = pd.Index(sorted(set(mapped.values()), key=str))
    out = df.copy()
    for c, v in values.items():
        where = categories.get_indexer([mapped[n] for n in v.cat.categories])
        codes = v.cat.codes.to_numpy()
        new = where[codes] if len(where) else codes
        new[codes < 0] = -1
        out[f"{c}_canonical"] = pd.Categorical.from_codes(new, categories=categories)
    return out


def matching(needle: str) -> set[str]:
    """Canonical names one of whose aliases contains ``needle`` (the text search)."""
    key = fold(needle)
    return {c for a, c in aliases().items() if key and key in a} if key else set()


def unmatched(df: pd.DataFrame) -> pd.Series:
    """Actors of ``df`` that the alias table does not know, with how many incidents name
    them, most frequent first: for an analyst to review."""
    names = pd.concat([df["actor1"], df["actor2"]]).dropna().astype(str)
    counts = names.value_counts()
    return counts[[not known(n) for n in counts.index]]
