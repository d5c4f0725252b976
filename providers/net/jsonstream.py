"""Parse large JSON documents without holding Python's GIL for long.

``json.loads`` on a 16 MB page of STAC items runs ~150 ms in C without releasing the GIL,
which freezes QGIS's GUI thread while a search task parses in the background. This parser
walks the top-level object and arrays of objects with the same C decoder, one element at a
time, so the interpreter can switch threads between elements; the result is identical to
``json.loads``.
"""
from __future__ import annotations

import codecs
import contextlib
import gc
import json
import re
import sys
import threading
import time
from typing import Any, Optional, Tuple

_decoder = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
_SPLIT_ABOVE = 256 * 1024  # smaller documents: plain json.loads is fine


# While a search runs for QGIS's GUI thread (see sharing_with_gui): how long a thread may
# keep the interpreter lock while another waits for it (Python's default is 5 ms).
GUI_SWITCH_INTERVAL = 0.001
_sharing = 0
_sharing_lock = threading.Lock()
_saved_interval: Optional[float] = None


# Cleared while QGIS's GUI thread does a turn of work for a search (see gui_turn).
_gui_idle = threading.Event()
_gui_idle.set()
_gui_turns = 0
GUI_TURN_WAIT = 0.05  # longest a worker holds back for one GUI turn (a turn is a few ms)


def breathe() -> None:
    """Hand the GIL to a waiting thread now, when a search runs for the GUI (otherwise
    nothing: outside QGIS's GUI, handing over only costs time). A CPU-bound worker otherwise
    keeps it for the whole switch interval each time QGIS's GUI thread comes back from C++
    into Python, and the GUI thread, which does that many times per event loop turn, crawls.
    While the GUI thread does a turn of work for a search (:func:`gui_turn`), wait for it
    to end instead."""
    if _sharing:
        if _gui_idle.is_set():
            time.sleep(0)
        else:
            _gui_idle.wait(GUI_TURN_WAIT)


@contextlib.contextmanager
def gui_turn():
    """Around a slice of GUI-thread work for a search (rows into the table, footprints into
    the layer): background work sharing_with_gui holds back at its next :func:`breathe`
    until the slice ends. Each call of the GUI thread into QGIS releases the interpreter
    lock; with a worker computing meanwhile, every return waited up to the switch interval
    for it, and a slice of 1 ms took 5-20 ms. Nests; GUI thread only."""
    global _gui_turns
    _gui_turns += 1
    _gui_idle.clear()
    try:
        yield
    finally:
        _gui_turns -= 1
        if not _gui_turns:
            _gui_idle.set()


@contextlib.contextmanager
def sharing_with_gui():
    """While background work shares the interpreter with QGIS's GUI thread: a thread waiting
    for the interpreter lock gets it after GUI_SWITCH_INTERVAL instead of 5 ms, and
    :func:`breathe` hands it over between items. Nests; the last one out restores the
    interpreter's switch interval."""
    global _sharing, _saved_interval
    with _sharing_lock:
        _sharing += 1
        if _sharing == 1:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(_saved_interval, GUI_SWITCH_INTERVAL))
    try:
        yield
    finally:
        with _sharing_lock:
            _sharing -= 1
            if _sharing == 0 and _saved_interval is not None:
                sys.setswitchinterval(_saved_interval)
                _saved_interval = None


_pause_lock = threading.Lock()
_pauses = 0


@contextlib.contextmanager
def collections_paused():
    """No automatic garbage collection meanwhile (nests, across threads).

    A full collection scans every object of the process and stops every thread meanwhile
    (QGIS's GUI thread too): 50-250 ms at a few thousand scenes. While a page of results is
    parsed, its hundreds of thousands of short-lived containers also set off one full
    collection after another (a third of a search's time). Reference counting still frees
    what is dropped; collections resume when the last pause ends."""
    global _pauses
    with _pause_lock:
        _pauses += 1
        if _pauses == 1:
            gc.disable()
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0:
                gc.enable()


_DECODE_CHUNK = 1 << 20


def decode_utf8(data: bytes) -> str:
    """``data.decode("utf-8")`` (same result, same UnicodeDecodeError), by 1 MiB pieces with
    :func:`breathe` between them: a 16 MB page decoded at once holds the GIL ~10 ms."""
    if len(data) <= _DECODE_CHUNK or not _sharing:
        return data.decode("utf-8")
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    parts = []
    try:
        for start in range(0, len(data), _DECODE_CHUNK):
            parts.append(decoder.decode(view[start:start + _DECODE_CHUNK], final=start + _DECODE_CHUNK >= len(data)))
            breathe()
    except UnicodeDecodeError:
        return data.decode("utf-8")  # raises the error of a whole decoding (same positions)
    return "".join(parts)


class ElementList(list):
    """A decoded JSON array that also knows where each element is in the document's text:
    ``text[spans[2 * i]:spans[2 * i + 1]]`` decodes to ``self[i]`` (:meth:`raw`), for
    results kept compact and decoded again on demand."""

    __slots__ = ("text", "spans")

    def __init__(self, text: str = ""):
        super().__init__()
        self.text = text
        self.spans: list = []

    def raw(self, i: int) -> str:
        return self.text[self.spans[2 * i]:self.spans[2 * i + 1]]


def loads(text: str, raw_arrays: Tuple[str, ...] = ()) -> Any:
    """Same result (and ValueError on bad input) as ``json.loads(text)``. The arrays of the
    top-level object named in ``raw_arrays`` (e.g. ``features``) come back as
    :class:`ElementList` objects carrying each element's text."""
    if len(text) < _SPLIT_ABOVE and not raw_arrays:
        return json.loads(text)
    value, end = _value(text, _WS.match(text, 0).end(), 0, raw_arrays)
    end = _WS.match(text, end).end()
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _value(text: str, pos: int, depth: int, raw_arrays: Tuple[str, ...] = (), key: Any = None) -> Tuple[Any, int]:
    if depth < 2 and pos < len(text):
        ch = text[pos]
        if ch == "{":
            return _object(text, pos, depth, raw_arrays)
        if ch == "[":
            return _array(text, pos, depth, depth == 1 and key in raw_arrays)
    return _decoder.raw_decode(text, pos)


def _object(text: str, pos: int, depth: int, raw_arrays: Tuple[str, ...] = ()) -> Tuple[dict, int]:
    out: dict = {}
    pos = _WS.match(text, pos + 1).end()
    if text.startswith("}", pos):
        return out, pos + 1
    while True:
        if not text.startswith('"', pos):
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
        key, pos = _decoder.raw_decode(text, pos)
        pos = _WS.match(text, pos).end()
        if not text.startswith(":", pos):
            raise json.JSONDecodeError("Expecting ':' delimiter", text, pos)
        pos = _WS.match(text, pos + 1).end()
        out[key], pos = _value(text, pos, depth + 1, raw_arrays, key)
        pos = _WS.match(text, pos).end()
        if text.startswith(",", pos):
            pos = _WS.match(text, pos + 1).end()
            continue
        if text.startswith("}", pos):
            return out, pos + 1
        raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)


def _array(text: str, pos: int, depth: int, keep_raw: bool = False) -> Tuple[list, int]:
    out: list = ElementList(text) if keep_raw else []
    spans = out.spans if keep_raw else None
    pos = _WS.match(text, pos + 1).end()
    if text.startswith("]", pos):
        return out, pos + 1
    decode = _decoder.raw_decode
    ws = _WS.match
    while True:
        item, end = decode(text, pos)  # one element (a whole STAC item) at a time
        out.append(item)
        if spans is not None:
            spans.append(pos)
            spans.append(end)
        if len(out) % 16 == 0:
            breathe()
        pos = ws(text, end).end()
        if text.startswith(",", pos):
            pos = ws(text, pos + 1).end()
            continue
        if text.startswith("]", pos):
            return out, pos + 1
        raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
