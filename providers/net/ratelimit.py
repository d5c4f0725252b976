"""A polite request rate shared by concurrent requests: a token bucket that slows down on
HTTP 429 and speeds up again as requests succeed."""
from __future__ import annotations

import threading
import time
from typing import Callable, Optional




# -------------------------------------------------------------------------- politeness
class _Cancelled(Exception):
    pass


class RateLimiter:
    """A token bucket shared by every request of a search; a 429 pauses everyone for the
    Retry-After delay and halves the rate, which then climbs back slowly (AIMD)."""

    def __init__(self, rate: float, burst: int = 1, min_rate: Optional[float] = None,
                 clock: Optional[Callable[[], float]] = None,
                 wait: Optional[Callable[[threading.Event, float], bool]] = None):
        """``clock`` (default ``time.monotonic``) and ``wait(cancel, seconds)`` -> cancelled
        (default ``cancel.wait``) can be injected: tests run minutes of requests in no time."""
        self.clock = clock or time.monotonic
        self._wait = wait or (lambda cancel, seconds: cancel.wait(seconds))
        self.max_rate = max(0.01, float(rate))
        self.rate = self.max_rate
        self.burst = max(1, int(burst))
        self.min_rate = min(self.max_rate, min_rate if min_rate is not None else max(0.2, self.max_rate / 8.0))
        self.tokens = float(self.burst)
        self.stamp = self.clock()
        self.paused_until = 0.0
        self.lock = threading.Lock()

    def acquire(self, cancel: threading.Event) -> None:
        while True:
            with self.lock:
                now = self.clock()
                if now < self.paused_until:
                    delay = self.paused_until - now
                else:
                    self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
                    self.stamp = now
                    if self.tokens >= 1.0:
                        self.tokens -= 1.0
                        return
                    delay = (1.0 - self.tokens) / self.rate
            if self._wait(cancel, delay):
                raise _Cancelled()

    def back_off(self, seconds: float) -> None:
        """A 429: nobody sends before ``seconds`` have passed, and the rate halves (once per
        pause, however many requests in flight met the same refusal)."""
        with self.lock:
            now = self.clock()
            if now >= self.paused_until:
                self.rate = max(self.min_rate, self.rate / 2.0)
            self.paused_until = max(self.paused_until, now + seconds)
            self.tokens = 1.0  # one request may go as soon as the pause ends
            self.stamp = max(now, self.paused_until)

    def success(self) -> None:
        with self.lock:
            if self.rate < self.max_rate:
                self.rate = min(self.max_rate, self.rate + self.max_rate * 0.05)
