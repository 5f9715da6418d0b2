"""Long text shared between a frame and its filtered views: a view's rows refer to the
whole frame's text (memory-mapped from the snapshot) instead of copying it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

# Long text, unique to each record: a view's rows refer to the whole frame's text rather
# than copy it (at a million incidents the notes are some 170 MB).
SHARED_TEXT = ("notes",)


def rows(df: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """The rows of ``df`` where ``mask`` holds: numbers and codes copied, each column of
    ``SHARED_TEXT`` as references into ``df``'s (see ``shared_take``)."""
    shared = [c for c in SHARED_TEXT if c in df]
    if not shared:
        return df[mask]
    positions = np.flatnonzero(mask)
    out = df[[c for c in df.columns if c not in shared]].iloc[positions]
    for col in shared:
        out.insert(df.columns.get_loc(col), col, shared_take(df[col], positions))
    return out


def shared_take(values: pd.Series, positions: np.ndarray) -> pd.Series:
    """``values`` at ``positions``, as Arrow dictionary-encoded text whose dictionary is
    ``values``' own text (shared, not copied; memory-mapped from the snapshot): four bytes
    a row. A missing value stays missing. Text not held in one Arrow chunk is copied."""
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        return values.iloc[positions]
    chunked = values.array.__arrow_array__()
    if chunked.num_chunks != 1:
        return values.iloc[positions]
    text = chunked.chunk(0)
    valid = np.asarray(text.is_valid())[positions]
    indices = pa.array(positions.astype(np.int32), mask=~valid)
    shared = pa.DictionaryArray.from_arrays(indices, text)
    return pd.Series(pd.arrays.ArrowExtensionArray(shared), index=values.index[positions],
                     name=values.name)


def is_shared(values: pd.Series) -> bool:
    """Whether ``values`` is text as ``shared_take`` makes it."""
    return isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_dictionary(
        values.dtype.pyarrow_dtype)


def plain_text(values: pd.Series) -> pd.Series:
    """Shared text as ordinary text (before a table sends it to the browser: Arrow would
    send the whole dictionary); anything else as it is."""
    return values.astype("str") if is_shared(values) else values
