"""Measured download throughput per host, remembered between sessions, so that of two
catalogs holding the same scene the faster one can be preferred."""
from __future__ import annotations

import json
import math
import os
import tempfile
import threading
from typing import Dict, Optional

# weight of a new measurement in the moving average: recent transfers matter most, one slow
# transfer does not undo many fast ones
SMOOTHING = 0.3
# transfers shorter than this say more about latency than throughput
MIN_SECONDS = 0.05
MIN_BYTES = 64 * 1024


class HostSpeeds:
    """Measured throughput per host (bytes/s, exponential moving average), remembered in a
    JSON file (path given by the caller; the plugin passes a file in the QGIS profile folder).
    Safe to call from several download threads."""

    def __init__(self, path: Optional[str] = None):
        self.path = path
        self._lock = threading.Lock()
        self._speeds: Dict[str, float] = {}
        if path and os.path.exists(path):
            self._load(path)

    def _load(self, path: str) -> None:
        try:
            with open(path, "r", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return  # an unreadable file only means no remembered speeds
        speeds = data.get("hosts") if isinstance(data, dict) else None
        if isinstance(speeds, dict):
            for host, value in speeds.items():
                if isinstance(host, str) and isinstance(value, (int, float)) and math.isfinite(value) and value > 0:
                    self._speeds[host.lower()] = float(value)

    def record(self, host: str, nbytes: int, seconds: float) -> None:
        """One finished transfer of ``nbytes`` in ``seconds`` from ``host``. Transfers too
        small or too short to measure throughput are ignored."""
        host = (host or "").rsplit("@", 1)[-1].split("/", 1)[0].split("?", 1)[0]  # never user info or a path
        if not host or nbytes < MIN_BYTES or not seconds or seconds < MIN_SECONDS:
            return
        measured = nbytes / seconds
        if not math.isfinite(measured):
            return
        host = host.lower()
        with self._lock:
            old = self._speeds.get(host)
            self._speeds[host] = measured if old is None else old + SMOOTHING * (measured - old)

    def speed(self, host: str) -> Optional[float]:
        """The host's remembered throughput in bytes/s, or None when never measured."""
        if not host:
            return None
        with self._lock:
            return self._speeds.get(host.lower())

    def hosts(self) -> Dict[str, float]:
        with self._lock:
            return dict(self._speeds)

    def save(self) -> None:
        """Write the speeds to :attr:`path` (atomically; nothing when no path was given)."""
        if not self.path:
            return
        with self._lock:
            data = {"version": 1, "hosts": dict(sorted(self._speeds.items()))}
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".speeds-", suffix=".json", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1)
            os.replace(tmp, self.path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
