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
_gui_ident = threading.main_thread().ident  # QGIS's GUI thread (see gui_turn)
GUI_TURN_WAIT = 0.05  # longest a worker holds back for one GUI turn (a turn is a few ms)
# and how long after a turn: what follows it on the GUI thread (the next event's Python
# slot, the table's paint calling the model) then takes the lock without queueing behind
# every worker the turn's end woke
GUI_TURN_GRACE = 0.002
_gui_turn_ended = 0.0


# breathe() hands the lock over at most this often: each hand-over (time.sleep(0)) costs
# the worker ~50 µs (the kernel's timer slack), and breathe() is called for every item
_YIELD_EVERY = 0.001
_last_yield = 0.0


def breathe() -> None:
    """Hand the GIL to a waiting thread now (at most every millisecond), when a search runs
    for the GUI (otherwise nothing: outside QGIS's GUI, handing over only costs time). A
    CPU-bound worker otherwise keeps it for the whole switch interval each time QGIS's GUI
    thread comes back from C++ into Python, and the GUI thread, which does that many times
    per event loop turn, crawls. While the GUI thread does a turn of work for a search
    (:func:`gui_turn`), wait for it to end instead, and for GUI_TURN_GRACE after it."""
    global _last_yield
    if not _sharing:
        return
    if threading.get_ident() != _gui_ident:  # the GUI thread never waits for itself
        if not _gui_idle.is_set():  # (is_set takes no lock: breathe runs for every item)
            _gui_idle.wait(GUI_TURN_WAIT)
        since_turn = time.perf_counter() - _gui_turn_ended
        if since_turn < GUI_TURN_GRACE:
            time.sleep(GUI_TURN_GRACE - since_turn)
            _last_yield = time.perf_counter()
            return
    now = time.perf_counter()
    if now - _last_yield >= _YIELD_EVERY:
        _last_yield = now
        time.sleep(0)


@contextlib.contextmanager
def gui_turn():
    """Around a slice of GUI-thread work for a search (rows into the table, footprints into
    the layer): background work sharing_with_gui holds back at its next :func:`breathe`
    until the slice ends. Each call of the GUI thread into QGIS releases the interpreter
    lock; with a worker computing meanwhile, every return waited up to the switch interval
    for it, and a slice of 1 ms took 5-20 ms. Nests; GUI thread only."""
    global _gui_turns, _gui_ident, _gui_turn_ended
    _gui_ident = threading.get_ident()
    _gui_turns += 1
    _gui_idle.clear()
    try:
        yield
    finally:
        _gui_turns -= 1
        if not _gui_turns:
            _gui_turn_ended = time.perf_counter()
            _gui_idle.set()


_worker_slot = threading.RLock()


@contextlib.contextmanager
def worker_slot():
    """Around CPU-bound work of a search task (parsing or converting a page), while
    searches share the interpreter with QGIS's GUI thread: one such worker computes at a
    time. Two cannot compute at once anyway (one interpreter lock), and the lock is not
    handed out in turn: with two workers waiting for it beside the GUI thread, each of the
    GUI thread's calls into Python waited for both. Nothing else (no network wait) may be
    done inside. Nests."""
    if not _sharing:
        yield
        return
    with _worker_slot:
        yield


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
    """A decoded JSON array that also knows each element's text, for results kept compact
    and decoded again on demand: ``text[spans[2 * i]:spans[2 * i + 1]]`` (parsed from one
    text, :func:`loads`) or ``raws[i]`` (parsed piece by piece, :func:`loads_pieces`)
    decodes to ``self[i]``."""

    __slots__ = ("text", "spans", "raws")

    def __init__(self, text: str = "", raws: Optional[list] = None):
        super().__init__()
        self.text = text
        self.spans: list = []
        self.raws = raws

    def raw(self, i: int) -> str:
        if self.raws is not None:
            return self.raws[i]
        return self.text[self.spans[2 * i]:self.spans[2 * i + 1]]

    def span(self, i: int) -> Tuple[str, int, int]:
        """``(text, start, end)``: where element ``i`` is, without copying it."""
        if self.raws is not None:
            raw = self.raws[i]
            return raw, 0, len(raw)
        return self.text, self.spans[2 * i], self.spans[2 * i + 1]


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
        breathe()
        pos = ws(text, end).end()
        if text.startswith(",", pos):
            pos = ws(text, pos + 1).end()
            continue
        if text.startswith("]", pos):
            return out, pos + 1
        raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)


# ------------------------------------------------------------------ piece by piece
# A page of 1,000 STAC items is 16 MB. Joined into one bytes object, then decoded into one
# str, each step is a single C call of 4-17 ms holding the interpreter lock (most of it the
# kernel handing out and zeroing fresh memory), during which QGIS's GUI thread cannot run
# a line of Python. loads_pieces never builds the whole text: it decodes the body by pieces
# and parses from a small window, so no call holds the lock for more than a fraction of a
# millisecond; each element of a raw array keeps its own text.
PIECE_BYTES = 256 * 1024


class _Window:
    """The part of a document's text still being parsed, extended piece by piece."""

    __slots__ = ("buf", "done", "_pieces", "_decoder")

    def __init__(self, chunks):
        self.buf = ""
        self.done = False
        self._pieces = self._split(chunks)
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    @staticmethod
    def _split(chunks):
        for chunk in chunks:
            view = memoryview(chunk)
            for start in range(0, len(view), PIECE_BYTES):
                yield view[start:start + PIECE_BYTES]

    def extend(self, pieces: int = 1) -> bool:
        """Append the next pieces of text; False at the end of the document."""
        added = []
        for _ in range(pieces):
            piece = next(self._pieces, None)
            if piece is None:
                added.append(self._decoder.decode(b"", final=True))  # raises on a cut sequence
                self.done = True
                break
            added.append(self._decoder.decode(piece))
            breathe()
        if not any(added):
            return not self.done
        self.buf = self.buf + "".join(added)
        return True

    def drop_before(self, pos: int) -> int:
        """Forget the text before ``pos``; returns where ``pos`` now is (0)."""
        self.buf = self.buf[pos:]
        return 0

    def skip_ws(self, pos: int) -> int:
        while True:
            end = _WS.match(self.buf, pos).end()
            if end < len(self.buf) or self.done or not self.extend():
                return end

    def peek(self, pos: int) -> str:
        """The character at ``pos`` ("" at the end of the document)."""
        while pos >= len(self.buf):
            if self.done or not self.extend():
                return ""
        return self.buf[pos]

    def after_element(self, pos: int, close: str) -> Tuple[int, bool]:
        """After an element of an object or array: ``(next element's position, True)``
        after a comma, ``(position after the container, False)`` at ``close``."""
        pos = self.skip_ws(pos)
        ch = self.peek(pos)
        if ch == ",":
            return self.skip_ws(pos + 1), True
        if ch == close:
            return pos + 1, False
        raise json.JSONDecodeError("Expecting ',' delimiter", self.buf, pos)

    def decode(self, pos: int) -> Tuple[Any, int]:
        """One JSON value starting at ``pos`` (``raw_decode``), reading on while it may be cut."""
        grow = 1
        while True:
            try:
                value, end = _decoder.raw_decode(self.buf, pos)
            except json.JSONDecodeError as err:
                # an error only more text can mend: the value reached the window's end
                # (an unterminated string reports where the string started)
                cut = err.pos >= len(self.buf) - 8 or err.msg.startswith("Unterminated string")
                if self.done or not cut:
                    raise
            else:
                if end < len(self.buf) or self.done:  # a number at the end may go on
                    return value, end
            self.extend(grow)
            grow = min(grow * 2, 64)  # a long value: fewer, larger reads (no quadratic copying)


def loads_pieces(chunks, raw_arrays: Tuple[str, ...] = ()) -> Any:
    """:func:`loads` of the UTF-8 document made of ``chunks`` (bytes), without joining or
    decoding it whole: same result, ValueError (UnicodeDecodeError on bad UTF-8) on bad
    input. The arrays named in ``raw_arrays`` come back as :class:`ElementList` objects
    whose elements keep their own text (``raws``)."""
    window = _Window(chunks)
    pos = window.skip_ws(0)
    value, pos = _piece_value(window, pos, 0, raw_arrays)
    pos = window.skip_ws(pos)
    if pos != len(window.buf) or not window.done:
        raise json.JSONDecodeError("Extra data", window.buf, pos)
    return value


def _piece_value(window: _Window, pos: int, depth: int, raw_arrays: Tuple[str, ...], key: Any = None):
    if depth < 2:
        ch = window.peek(pos)
        if ch == "{":
            return _piece_object(window, pos, depth, raw_arrays)
        if ch == "[":
            return _piece_array(window, pos, depth, depth == 1 and key in raw_arrays)
    return window.decode(pos)


def _piece_object(window: _Window, pos: int, depth: int, raw_arrays: Tuple[str, ...]):
    out: dict = {}
    pos = window.skip_ws(pos + 1)
    if window.peek(pos) == "}":
        return out, pos + 1
    while True:
        if window.peek(pos) != '"':
            raise json.JSONDecodeError("Expecting property name enclosed in double quotes", window.buf, pos)
        key, pos = window.decode(pos)
        pos = window.skip_ws(pos)
        if window.peek(pos) != ":":
            raise json.JSONDecodeError("Expecting ':' delimiter", window.buf, pos)
        pos = window.skip_ws(pos + 1)
        out[key], pos = _piece_value(window, pos, depth + 1, raw_arrays, key)
        pos, more = window.after_element(pos, "}")
        if not more:
            return out, pos


def _piece_array(window: _Window, pos: int, depth: int, keep_raw: bool = False):
    out: list = ElementList(raws=[]) if keep_raw else []
    raws = out.raws if keep_raw else None
    pos = window.skip_ws(pos + 1)
    if window.peek(pos) == "]":
        return out, pos + 1
    while True:
        if pos > PIECE_BYTES:  # what is parsed is not kept: the window stays small
            pos = window.drop_before(pos)
        item, end = _piece_value(window, pos, depth + 1, ())
        out.append(item)
        if raws is not None:
            raws.append(window.buf[pos:end])
        breathe()
        pos, more = window.after_element(end, "]")
        if not more:
            return out, pos
