"""Waits that a cancelled task cuts short.

A provider waits inside a page (a 429's ``retry-after``, a back-off) where the task's
between-pages check cannot see it. The task runs the search inside :func:`cancel_scope` with an
event its ``cancel()`` sets; :func:`pause` waits on that event and raises
:class:`~.errors.CancelledError` when it is set, so Cancel answers at once."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Iterator, Optional

from .errors import CancelledError

_local = threading.local()


@contextmanager
def cancel_scope(event: threading.Event) -> Iterator[threading.Event]:
    """Pauses in this thread end when ``event`` is set."""
    previous = getattr(_local, "event", None)
    _local.event = event
    try:
        yield event
    finally:
        _local.event = previous


def current_event() -> Optional[threading.Event]:
    return getattr(_local, "event", None)


def pause(seconds: float) -> None:
    """Sleep ``seconds``, or raise CancelledError as soon as the thread's task is cancelled."""
    event = current_event()
    if event is None:
        time.sleep(max(0.0, seconds))
        return
    if event.is_set() or event.wait(max(0.0, seconds)):
        raise CancelledError("Cancelled.")
