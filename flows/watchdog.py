"""Children die with their parent: a watchdog for processes Prefect starts (its ephemeral API server).

A command killed with SIGKILL cannot stop the server it started, and the server would run on, orphaned. The
watchdog is a small child of the command, told by the kernel when its parent dies (``PR_SET_PDEATHSIG``); it
keeps a list of its parent's other children and, when the parent is gone, terminates them. Linux only (where
the kernel offers this); elsewhere it does nothing.

Run as ``python -m flows.watchdog PARENT_PID``; :func:`start` does that once per process.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_started: dict[int, subprocess.Popen[bytes]] = {}


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def start() -> None:
    """Start the watchdog for this process (once; Linux only)."""
    if not sys.platform.startswith("linux") or os.getpid() in _started:
        return
    _started[os.getpid()] = subprocess.Popen(  # noqa: S603 - our own module, our own interpreter
        [sys.executable, "-m", "breachclock.flows.watchdog", str(os.getpid())], preexec_fn=_die_with_parent,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        cwd=str(Path(__file__).resolve().parent.parent))


def _children(parent: int) -> dict[int, str]:
    """pid → start time (to tell a pid reused later from the child itself) of ``parent``'s children."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == parent:
            out[int(entry.name)] = fields[19]
    return out


def _still(pid: int, started: str) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[19] == started
    except (OSError, IndexError):
        return False


def watch(parent: int) -> None:
    seen: dict[int, str] = {}
    gone = {"parent": False}
    signal.signal(signal.SIGTERM, lambda *_: gone.update(parent=True))
    while not gone["parent"] and os.getppid() == parent:
        seen.update({pid: t for pid, t in _children(parent).items() if pid != os.getpid()})
        time.sleep(0.05)
    for pid, started in seen.items():
        if _still(pid, started):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_still(p, t) for p, t in seen.items()):
        time.sleep(0.1)
    for pid, started in seen.items():
        if _still(pid, started):
            os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":  # pragma: no cover - runs as its own process
    watch(int(sys.argv[1]))
