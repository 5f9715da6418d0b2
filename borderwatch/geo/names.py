"""Place names in their many spellings, matched to the one this project uses.

Reports and datasets spell the same place in several ways (Darvoz, Darvaz, Davraz;
Paktia, Paktya). ``canonical_*`` fold case, accents and punctuation and map known
variants to the name in geodata/, so that filters and counts see one place, not three.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pandas as pd

from borderwatch.geo.boundaries import CORRECTIONS, COUNTRIES, load_provinces


def _fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key for a place name."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


# Spellings seen in reports and datasets -> the name used here. Province names from
# geodata/ (and Natural Earth's own names) are added by ``province_aliases``.
EXTRA_PROVINCE_ALIASES: dict[str, str] = {
    "paktya": "Paktia",
    "hilmand": "Helmand",
    "hirat": "Herat",
    "sari pul": "Sar-e Pol",
    "sar i pul": "Sar-e Pol",
    "urozgan": "Uruzgan",
    "oruzgan": "Uruzgan",
    "nimroz": "Nimruz",
    "wardak": "Maidan Wardak",
    "maydan wardak": "Maidan Wardak",
    "jawzjan": "Jowzjan",
    "leninabad": "Sughd",
    "khujand": "Sughd",
    "gbao": "Gorno-Badakhshan",
    "kuhistoni badakhshon": "Gorno-Badakhshan",
    "nwfp": "Khyber Pakhtunkhwa",
    "kp": "Khyber Pakhtunkhwa",
    "fata": "Khyber Pakhtunkhwa",
    "federally administered tribal areas": "Khyber Pakhtunkhwa",
    "baluchistan": "Balochistan",
    "sind": "Sindh",
    "sistan baluchestan": "Sistan and Baluchestan",
    "sistan va baluchestan": "Sistan and Baluchestan",
    "surkhandarya": "Surxondaryo",
    "kashkadarya": "Qashqadaryo",
}
DISTRICT_ALIASES: dict[str, str] = {
    "davraz": "Darvoz",
    "darvaz": "Darvoz",
    "darwaz": "Darvoz",
    "darvoz": "Darvoz",
}
COUNTRY_ALIASES: dict[str, str] = {
    "islamic republic of iran": "Iran",
    "iran islamic republic of": "Iran",
    "kyrgyz republic": "Kyrgyzstan",
    "tadzhikistan": "Tajikistan",
    **{_fold(v): v for v in COUNTRIES.values()},
}


def canonical(name: str | None, aliases: dict[str, str]) -> str | None:
    """The canonical spelling of a place name, or the name unchanged if unknown."""
    if name is None or pd.isna(name):
        return None
    text = str(name).strip()
    if not text:
        return None
    return aliases.get(_fold(text), text)


@functools.cache
def province_aliases() -> dict[str, str]:
    """Every known spelling of a province (folded) to its name in geodata/."""
    aliases = {_fold(n): n for n in load_provinces()["name"]}
    aliases.update({_fold(old): new for (_c, old), (_n, new) in CORRECTIONS.items()})
    aliases.update({_fold(k): v for k, v in EXTRA_PROVINCE_ALIASES.items()})
    return aliases


def canonical_province(name: str | None) -> str | None:
    """A province's name as geodata/ spells it (unknown names are kept as they are)."""
    return canonical(name, province_aliases())


def canonical_country(name: str | None) -> str | None:
    """A country's name as geodata/ spells it (unknown names are kept as they are)."""
    return canonical(name, COUNTRY_ALIASES)


def canonical_district(name: str | None) -> str | None:
    """A district's usual spelling (Davraz, Darvaz -> Darvoz), or the name as it is."""
    return canonical(name, {_fold(k): v for k, v in DISTRICT_ALIASES.items()})
