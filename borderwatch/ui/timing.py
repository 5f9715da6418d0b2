"""Server time of each page run, for the benchmarks.

With ``BORDERWATCH_TIMINGS`` set to a file, every page run appends one JSON line to it:
the page, the seconds its script took on the server, and when it ended.
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections.abc import Callable

ENV = "BORDERWATCH_TIMINGS"


def timed(page: Callable[[], None]) -> Callable[[], None]:
    @functools.wraps(page)
    def run() -> None:
        start = time.perf_counter()
        try:
            page()
        finally:
            path = os.environ.get(ENV)
            if path:
                line = {"page": page.__name__, "seconds": time.perf_counter() - start,
                        "at": time.time()}
                with open(path, "a", encoding="utf-8") as f:
                    f.write(json.dumps(line) + "\n")
    return run
