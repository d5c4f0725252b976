"""Parse large JSON documents without holding Python's GIL for long.

``json.loads`` on a 16 MB page of STAC items runs ~150 ms in C without releasing the GIL,
which freezes QGIS's GUI thread while a search task parses in the background. This parser
walks the top-level object and arrays of objects with the same C decoder, one element at a
time, so the interpreter can switch threads between elements; the result is identical to
``json.loads``.
"""
from __future__ import annotations

import json
import re
import time
from typing import Any, Tuple

_decoder = json.JSONDecoder()
_WS = re.compile(r"[ \t\n\r]*")
_SPLIT_ABOVE = 256 * 1024  # smaller documents: plain json.loads is fine


def breathe() -> None:
    """Hand the GIL to a waiting thread now. A CPU-bound worker otherwise keeps it for the
    whole switch interval each time QGIS's GUI thread comes back from C++ into Python, and
    the GUI thread, which does that many times per event loop turn, crawls."""
    time.sleep(0)


def loads(text: str) -> Any:
    """Same result (and ValueError on bad input) as ``json.loads(text)``."""
    if len(text) < _SPLIT_ABOVE:
        return json.loads(text)
    value, end = _value(text, _WS.match(text, 0).end(), depth=0)
    end = _WS.match(text, end).end()
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return value


def _value(text: str, pos: int, depth: int) -> Tuple[Any, int]:
    if depth < 2 and pos < len(text):
        ch = text[pos]
        if ch == "{":
            return _object(text, pos, depth)
        if ch == "[":
            return _array(text, pos, depth)
    return _decoder.raw_decode(text, pos)


def _object(text: str, pos: int, depth: int) -> Tuple[dict, int]:
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
        out[key], pos = _value(text, pos, depth + 1)
        pos = _WS.match(text, pos).end()
        if text.startswith(",", pos):
            pos = _WS.match(text, pos + 1).end()
            continue
        if text.startswith("}", pos):
            return out, pos + 1
        raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)


def _array(text: str, pos: int, depth: int) -> Tuple[list, int]:
    out: list = []
    pos = _WS.match(text, pos + 1).end()
    if text.startswith("]", pos):
        return out, pos + 1
    while True:
        item, pos = _decoder.raw_decode(text, pos)  # one element (a whole STAC item) at a time
        out.append(item)
        if len(out) % 16 == 0:
            breathe()
        pos = _WS.match(text, pos).end()
        if text.startswith(",", pos):
            pos = _WS.match(text, pos + 1).end()
            continue
        if text.startswith("]", pos):
            return out, pos + 1
        raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
