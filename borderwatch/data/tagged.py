"""A column of Python objects (the counted frame's ``others``: a tuple per linked group)
as JSON text, every value tagged so that it reads back as it was: tuples as tuples, pandas'
NA as NA, numpy integers as numpy integers, a missing cell as NaN. Used by the store's
snapshot (``snapshot.py``), whose Arrow files hold no Python objects."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd

# A column of Python objects (the counted frame's ``others``: a tuple per linked group)
# is stored as JSON text, every value tagged so that it reads back as it was: tuples as
# tuples, pandas' NA as NA, numpy integers as numpy integers, a missing cell as NaN.


def encode_column(values: pd.Series) -> pd.Series:
    """Each value as tagged JSON text; a missing cell (NaN) as a missing string."""
    return pd.Series([None if _is_nan(v) else json.dumps(_encode(v)) for v in values],
                     index=values.index, dtype=pd.StringDtype())


def decode_column(values: pd.Series) -> pd.Series:
    """The values ``encode_column`` wrote, as they were."""
    out = np.full(len(values), np.nan, dtype=object)
    for i in np.flatnonzero(values.notna().to_numpy(bool)):  # one by one: tuples stay whole
        out[i] = _decode(json.loads(values.iat[i]))
    return pd.Series(out, index=values.index, name=values.name)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _encode(value: Any) -> Any:  # noqa: C901 - one branch per type, flat
    if value is None or isinstance(value, str):
        return value
    if value is pd.NA:
        return {"na": 1}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return {"bool": bool(value)}
    if isinstance(value, np.integer):
        return {"np_int": int(value), "dtype": value.dtype.str}
    if isinstance(value, int):
        return value
    if isinstance(value, np.floating):
        return {"np_float": repr(float(value)), "dtype": value.dtype.str}
    if isinstance(value, float):
        return {"float": repr(value)}
    raise TypeError(f"cannot keep a {type(value).__name__} in a snapshot")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "na" in value:
        return pd.NA
    if "tuple" in value:
        return tuple(_decode(v) for v in value["tuple"])
    if "bool" in value:
        return bool(value["bool"])
    if "np_int" in value:
        return np.dtype(value["dtype"]).type(value["np_int"])
    if "np_float" in value:
        return np.dtype(value["dtype"]).type(float(value["np_float"]))
    return float(value["float"])
