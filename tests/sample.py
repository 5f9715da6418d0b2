"""A small SYNTHETIC dataset with answers known by construction, for tests that need
values (counts, tolls, places). It mirrors the kinds of incidents the dashboard holds, but
every row is invented, labelled SYNTHETIC, and carries no real event's facts: tests never
lock a value taken from a real report.

Known answers (checked by the tests that use it):
- 16 incidents, 2021-08-26 to 2024-12-24; Battles: 4 (SYN-00004, 5, 7, 14).
- Tajikistan: 2 (SYN-00007, 9); Battles in Tajikistan: 1 (SYN-00007).
- Unknown tolls: 3 (SYN-00007, 10, 14); known fatalities 406.
- Khyber Pakhtunkhwa: 4 incidents, 151 known fatalities; Kabul 189; Paktika 52.
- "Synthetic Militants" on either side: 2; "Synthetic Army P": 6.
- September 2023: 3 incidents; the week of 18 March 2024: 3; December 2024: 46 killed.
"""

from __future__ import annotations

from tests.conftest import synthetic_row

_ROWS = [
    # id, date, type, sub-type, actor1, actor2, country, admin1, admin2, lat, lon, toll
    (1, "2021-08-26", "Explosions/Remote violence", "Suicide bomb", "Synthetic Group K",
     "Synthetic Civilians", "Afghanistan", "Kabul", "Kabul", 34.53, 69.17, 183),
    (2, "2022-09-05", "Explosions/Remote violence", "Suicide bomb", "Synthetic Group K",
     "Synthetic Diplomats", "Afghanistan", "Kabul", "Kabul", 34.50, 69.14, 6),
    (3, "2023-01-30", "Explosions/Remote violence", "Suicide bomb", "Synthetic Group P",
     "Synthetic Police", "Pakistan", "Khyber Pakhtunkhwa", "Peshawar", 34.01, 71.52, 84),
    (4, "2023-05-27", "Battles", "Armed clash", "Synthetic Border Guards I",
     "Synthetic Army A", "Afghanistan", "Nimruz", "Kang", 31.12, 61.88, 3),
    (5, "2023-07-12", "Battles", "Armed clash", "Synthetic Group P", "Synthetic Army P",
     "Pakistan", "Balochistan", "Zhob", 31.34, 69.45, 9),
    (6, "2023-07-30", "Explosions/Remote violence", "Suicide bomb", "Synthetic Group K",
     "Synthetic Civilians", "Pakistan", "Khyber Pakhtunkhwa", "Bajaur", 34.73, 71.52, 54),
    (7, "2023-09-05", "Battles", "Armed clash", "Synthetic Border Troops",
     "Synthetic Militants", "Tajikistan", "Gorno-Badakhshan", "Darvoz", 38.46, 70.78, ""),
    (8, "2023-09-15", "Strategic developments", "Other", "Synthetic Militants", "",
     "Afghanistan", "Badakhshan", "", 37.12, 70.58, 0),
    (9, "2023-09-14", "Strategic developments", "Other", "Synthetic Government T", "",
     "Tajikistan", "Dushanbe", "", 38.56, 68.79, 0),
    (10, "2024-01-03", "Explosions/Remote violence", "Suicide bomb", "Synthetic Group K",
     "Synthetic Civilians", "Iran", "Kerman", "Kerman", 30.28, 57.08, ""),
    (11, "2024-03-16", "Explosions/Remote violence", "Suicide bomb", "Synthetic Group P",
     "Synthetic Army P", "Pakistan", "Khyber Pakhtunkhwa", "North Waziristan", 33.0, 70.28, 7),
    (12, "2024-03-18", "Explosions/Remote violence", "Air/drone strike", "Synthetic Army P",
     "Synthetic Civilians", "Afghanistan", "Paktika", "Barmal", 32.75, 69.30, 6),
    (13, "2024-03-18", "Explosions/Remote violence", "Air/drone strike", "Synthetic Army P",
     "Synthetic Civilians", "Afghanistan", "Khost", "Spera", 33.20, 69.52, 2),
    (14, "2024-03-18", "Battles", "Armed clash", "Synthetic Army A", "Synthetic Army P",
     "Afghanistan", "Paktia", "Dand Patan", 33.80, 69.82, ""),
    (15, "2024-03-26", "Explosions/Remote violence", "Suicide bomb", "Synthetic Group P",
     "Synthetic Foreign Engineers", "Pakistan", "Khyber Pakhtunkhwa", "Shangla", 34.93, 72.86,
     6),
    (16, "2024-12-24", "Explosions/Remote violence", "Air/drone strike", "Synthetic Army P",
     "Synthetic Civilians", "Afghanistan", "Paktika", "Barmal", 32.75, 69.30, 46),
]


def sample_rows() -> list[dict[str, object]]:
    """The sample as native-format rows."""
    return [synthetic_row(
        i, event_date=date, event_type=etype, sub_event_type=sub, actor1=a1, actor2=a2,
        country=country, admin1=admin1, admin2=admin2,
        location=f"Synthetic place {i}" + (" near Darvoz" if admin2 == "Darvoz" else ""),
        latitude=lat, longitude=lon, fatalities=toll,
        source=f"SYNTHETIC test data (example wire {i % 3})",
        source_url=f"https://example.org/synthetic/{i}", source_date=date,
        notes=f"SYNTHETIC incident {i}: invented for tests, not a real event.")
        for i, date, etype, sub, a1, a2, country, admin1, admin2, lat, lon, toll in _ROWS]
