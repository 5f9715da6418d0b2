"""Start and stop a dashboard server in a child process: for the browser tests and the
benchmarks, which need a real Streamlit server on a free local port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import NamedTemporaryFile
from typing import IO

from borderwatch import ROOT

# Where the map is in the page: the iframe of the streamlit-folium component.
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


class ServerError(RuntimeError):
    """The dashboard did not start; the message holds its output."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    started: float  # time.perf_counter() when the process was launched
    log: IO[bytes] | None = None  # the server's output so far (a file, never a full pipe)

    def output(self) -> str:
        """What the server has printed so far (its log, tracebacks included)."""
        if self.log is None:
            return ""
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8", errors="replace")

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        """The server process's peak resident memory so far (Linux VmHWM), in MB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 120,
                 log: IO[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:  # noqa: S310
                if r.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out = (Path(log.name).read_text(errors="replace") if log else
                   proc.stdout.read().decode(errors="replace") if proc.stdout else "")
            raise ServerError(f"dashboard server did not start:\n{out}")
        time.sleep(0.1)


@contextmanager
def running(env: Mapping[str, str], script: Path = ROOT / "dashboard.py",
            timeout: float = 120) -> Iterator[Server]:
    """A dashboard server with ``env`` added to this process's environment."""
    port = free_port()
    started = time.perf_counter()
    log = NamedTemporaryFile(prefix="borderwatch-server-", suffix=".log")  # noqa: SIM115
    # The dashboard as ``borderwatch run`` starts it (warming up as it starts); any other
    # app (the benchmarks' peers) with Streamlit's own command.
    command = ([sys.executable, "-m", "borderwatch.cli", "run", "--port", str(port)]
               if script == ROOT / "dashboard.py" else
               [sys.executable, "-m", "streamlit", "run", str(script), "--server.port",
                str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
                "--browser.gatherUsageStats", "false"])
    proc = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout, log)
        yield Server(url, proc, started, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
