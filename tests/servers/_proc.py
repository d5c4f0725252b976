"""Process helpers shared by the loopback test servers (standard library only).

The servers run as child processes in their own process group. In pytest they also get
a parent-death signal, so they go away even if the test process is killed outright.
"""
from __future__ import annotations

import atexit
import ctypes
import errno
import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional

_PR_SET_PDEATHSIG = 1
_live: List["ManagedProcess"] = []


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening_socket() -> socket.socket:
    """A bound, listening loopback socket to hand to a server (no port race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def tail(path: Path, lines: int = 60) -> str:
    """The last lines of a log file, for error messages."""
    try:
        text = Path(path).read_text(errors="replace")
    except OSError as err:
        return f"<cannot read {path}: {err}>"
    return "\n".join(text.splitlines()[-lines:])


def run_as_kwargs(user: Optional[str]) -> Dict[str, object]:
    """Popen keyword arguments that run a child as ``user`` (only when we are root)."""
    if user and os.geteuid() == 0:
        import pwd

        entry = pwd.getpwnam(user)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    return {}


def _parent_death_signal(sig: int) -> Callable[[], None]:
    """A preexec function: the child gets ``sig`` when the thread that started it dies."""
    def set_signal() -> None:  # runs in the child between fork and exec, after setuid
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig))
    return set_signal


class ManagedProcess:
    """A server child process with its log file, stopped by a given signal."""

    def __init__(self, name: str, argv: List[str], log_path: Path, *, env=None, cwd=None,
                 user: Optional[str] = None, stop_signal: int = signal.SIGTERM,
                 pass_fds: Iterable[int] = (), attached: bool = True):
        self.name = name
        self.argv = list(argv)
        self.log_path = Path(log_path)
        self.stop_signal = stop_signal
        kwargs = run_as_kwargs(user)
        log = open(self.log_path, "ab")
        try:
            self.popen = subprocess.Popen(
                self.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=env, cwd=cwd, start_new_session=True, pass_fds=tuple(pass_fds),
                preexec_fn=_parent_death_signal(stop_signal) if attached else None, **kwargs)
        finally:
            log.close()
        if attached:
            _live.append(self)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        """Send the stop signal, wait, then kill the whole process group if needed."""
        if self in _live:
            _live.remove(self)
        if self.popen.poll() is not None:
            return
        try:
            os.kill(self.popen.pid, self.stop_signal)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(self.popen.pid)
            self.popen.wait(10)


def kill_group(pid: int) -> None:
    """SIGKILL a process group (the servers lead their own group)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError as err:  # pragma: no cover - not ours
        if err.errno != errno.EPERM:
            raise


def stop_pid(pid: int, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Stop a process we did not start in this Python process (CLI ``stop``)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        try:  # reap it if it happens to be our child
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    kill_group(pid)


def wait_until(check: Callable[[], bool], timeout: float, what: str,
               alive: Optional[Callable[[], bool]] = None, log: Optional[Path] = None,
               interval: float = 0.1) -> None:
    """Poll ``check`` until it is true; fail loudly (with the log) on timeout or death."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if alive is not None and not alive():
            raise RuntimeError(f"{what}: the process exited.\n--- {log} ---\n"
                               f"{tail(log) if log else ''}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready after {timeout:.0f} s.\n--- {log} ---\n"
                               f"{tail(log) if log else ''}")
        time.sleep(interval)


def http_status(host: str, port: int, path: str = "/", timeout: float = 2.0) -> int:
    """GET ``path`` on loopback without any proxy; 0 when nothing answers."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    except (OSError, http.client.HTTPException):
        return 0
    finally:
        conn.close()


def _stop_all() -> None:
    for proc in list(reversed(_live)):
        try:
            proc.stop(timeout=10)
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            kill_group(proc.pid)


atexit.register(_stop_all)
