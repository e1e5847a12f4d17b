"""Who runs a sync, and whether that process is still alive: so a rerun on the same host can take
over at once from a sync whose process was killed, instead of waiting for its heartbeat to fall silent.

A process is named by its host, its pid and a start marker: the pid namespace it lives in and
the time it started. A pid is only judged on the host, and in the pid namespace, that recorded
it (another container may share the hostname but not its pids); and a live pid whose start time
differs is a new process that reused the number, so the recorded one is gone.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

import psutil

# psutil derives a start time from the boot time, which moves with the wall clock; a process
# started this close to the recorded time is the same one (a pid cannot wrap around that fast).
SAME_START = 1.0  # seconds


@dataclass(frozen=True)
class Runner:
    host: str
    pid: int
    mark: str  # "<pid namespace> <start time>", see the module docstring

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host}"


def this_process() -> Runner:
    """This process (asked each time: a gunicorn worker is a fork with a pid of its own)."""
    pid = os.getpid()
    return Runner(socket.gethostname(), pid, f"{_pid_namespace()} {psutil.Process(pid).create_time():.3f}")


def gone(host: str | None, pid: int | None, mark: str | None) -> bool:
    """True only when we can tell the recorded process no longer exists; False when alive or unknowable."""
    me = this_process()
    if not (host and pid and mark) or host != me.host:
        return False  # another host: only its heartbeat can tell
    namespace, _, started = mark.rpartition(" ")
    if namespace != _pid_namespace():
        return False
    try:
        process = psutil.Process(pid)
        return process.status() == psutil.STATUS_ZOMBIE or abs(process.create_time() - float(started)) > SAME_START
    except psutil.NoSuchProcess:
        return True
    except (psutil.AccessDenied, ValueError):  # someone else's live process, or a mark we cannot read
        return False


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")  # Linux: "pid:[4026531836]"
    except OSError:
        return "-"  # elsewhere one host has one pid space
