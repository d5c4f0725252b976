"""The GIL-friendly JSON parser gives exactly json.loads's result and errors."""
import json
from pathlib import Path

import pytest

from eo_scene_finder.providers.net import jsonstream

ITEMS = [json.loads(line) for line in
         (Path(__file__).parent / "data/stac/items_sentinel-2-l2a.ndjson").read_text().splitlines() if line]


@pytest.mark.parametrize("n", [0, 1, 300])
def test_same_result_as_json_loads_on_real_pages(n):
    page = {"type": "FeatureCollection", "features": (ITEMS * 2)[:n],
            "links": [{"rel": "next", "href": "http://x/search?token=next:abc"}], "numberReturned": n}
    text = json.dumps(page, indent=1 if n == 1 else None)
    assert jsonstream.loads(text) == json.loads(text)


@pytest.mark.parametrize("bad", ['{"features": [1, 2,]}', '{"a": 1} x', '{"a" 1}', '[1 2]', '{"a": [1, 2}'])
def test_errors_like_json_loads(bad):
    padded = bad.replace("1", "1" + " " * 300_000, 1)  # large enough to use the element-wise path
    with pytest.raises(ValueError):
        json.loads(padded)
    with pytest.raises(ValueError):
        jsonstream.loads(padded)


def test_a_search_worker_holds_back_while_the_gui_thread_adds_rows(monkeypatch):
    """While the GUI thread does a turn of work for a search (gui_turn), a worker sharing the
    interpreter with it waits at its next breathe() instead of taking the lock back after
    every call the GUI thread makes into QGIS."""
    import threading
    import time

    # however late this thread comes back from its 20 ms wait (a loaded machine), the turn
    # still holds the worker: no race with the 50 ms cap on the hold-back
    monkeypatch.setattr(jsonstream, "GUI_TURN_WAIT", 30.0)

    worker_ready, breathed = threading.Event(), threading.Event()
    events = []

    def worker():
        with jsonstream.sharing_with_gui():
            worker_ready.wait(5)
            jsonstream.breathe()
            events.append(("worker breathed", time.monotonic()))
            breathed.set()

    thread = threading.Thread(target=worker)
    with jsonstream.gui_turn():
        thread.start()
        worker_ready.set()
        assert not breathed.wait(0.02)  # held back for the whole turn
        events.append(("turn ends", time.monotonic()))
    assert breathed.wait(5)
    thread.join(5)
    assert [name for name, _ in events] == ["turn ends", "worker breathed"]
    # outside a turn breathe() does not wait (for a turn it would wait the 30 s cap)
    start = time.monotonic()
    with jsonstream.sharing_with_gui():
        jsonstream.breathe()
    assert time.monotonic() - start < 5


def _chunks(data: bytes, size: int):
    return [data[i:i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("piece", [1, 3, 7, 4096, 256 * 1024])
@pytest.mark.parametrize("chunk", [5, 65_536, None])
def test_pieces_give_json_loads_result_wherever_the_body_is_cut(monkeypatch, piece, chunk):
    """A page read in pieces (cut inside strings, numbers, escapes and multi-byte
    characters) parses to json.loads's result; each item keeps its own exact text."""
    monkeypatch.setattr(jsonstream, "PIECE_BYTES", piece)
    page = {"type": "FeatureCollection", "features": (ITEMS * 2)[:7 if piece < 8 else 40],
            "links": [{"rel": "next", "href": "http://x/search?token=é\u00e9\\u00e9"}],
            "numberMatched": 12345678901234567890, "ratio": -1.5e-3, "name": "日本語 😀 \"quoted\" \\ back",
            "empty": [], "nothing": {}, "flags": [True, False, None]}
    body = json.dumps(page, ensure_ascii=False).encode()
    parsed = jsonstream.loads_pieces(_chunks(body, chunk or len(body)), raw_arrays=("features",))
    assert parsed == json.loads(body)
    assert isinstance(parsed["features"], jsonstream.ElementList)
    assert [json.loads(raw) for raw in parsed["features"].raws] == page["features"]
    assert parsed["features"].span(1) == (parsed["features"].raws[1], 0, len(parsed["features"].raws[1]))
    for scalar in ("12", "-0.5e10", '"x"', "true", "null", " [1, [2, {\"a\": 3}]] "):
        assert jsonstream.loads_pieces(_chunks(scalar.encode(), 1)) == json.loads(scalar)


@pytest.mark.parametrize("bad", ['{"features": [1, 2,]}', '{"a": 1} x', '{"a" 1}', '[1 2]', '{"a": [1, 2}',
                                 '{"a": "abc', '{"a": 12', '', '  ', '{"a": tru}', '[1, 2] 3', '{"a": "\\x"}'])
@pytest.mark.parametrize("piece", [1, 4, 4096])
def test_pieces_refuse_what_json_loads_refuses(monkeypatch, bad, piece):
    monkeypatch.setattr(jsonstream, "PIECE_BYTES", piece)
    with pytest.raises(ValueError):
        json.loads(bad)
    with pytest.raises(ValueError):
        jsonstream.loads_pieces([bad.encode()], raw_arrays=("features",))


def test_pieces_refuse_text_that_is_not_utf8():
    with pytest.raises(UnicodeDecodeError):
        jsonstream.loads_pieces([b'{"a": "caf', b'\xc3'])  # cut at the end
    with pytest.raises(UnicodeDecodeError):
        jsonstream.loads_pieces([b'{"a": "\xff"}'])


def test_a_page_in_pieces_is_never_one_text(monkeypatch):
    """The window parsed from stays a few pieces long: no step builds the whole page's
    text (16 MB, one call holding the interpreter lock 4-17 ms)."""
    monkeypatch.setattr(jsonstream, "PIECE_BYTES", 64 * 1024)
    body = json.dumps({"type": "FeatureCollection", "features": ITEMS * 40}).encode()
    assert len(body) > 40 * 64 * 1024
    longest = []
    real_extend = jsonstream._Window.extend

    def extend(window, pieces=1):
        grown = real_extend(window, pieces)
        longest.append(len(window.buf))
        return grown

    monkeypatch.setattr(jsonstream._Window, "extend", extend)
    parsed = jsonstream.loads_pieces(_chunks(body, 1 << 20), raw_arrays=("features",))
    assert len(parsed["features"]) == len(ITEMS) * 40
    biggest_item = max(len(raw) for raw in parsed["features"].raws)
    assert max(longest) <= 3 * 64 * 1024 + biggest_item


def test_one_search_worker_computes_at_a_time_while_sharing_with_the_gui():
    """Two workers computing at once only take turns at the interpreter lock, and each one
    waiting for it is one more thread QGIS's GUI thread waits behind."""
    import threading

    def most_inside_at_once(wait_for_other):
        inside, most, changed = [0], [0], threading.Condition()

        def work():
            with jsonstream.worker_slot():
                with changed:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                    changed.notify_all()
                    changed.wait_for(lambda: inside[0] > 1, timeout=wait_for_other)
                    inside[0] -= 1

        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        return most[0]

    with jsonstream.sharing_with_gui():
        assert most_inside_at_once(wait_for_other=0.2) == 1
    assert most_inside_at_once(wait_for_other=5) == 2  # outside QGIS's GUI: no reason to wait


def test_search_workers_hold_back_during_a_gui_turn_and_just_after_it(monkeypatch):
    """A worker's breathe() waits while QGIS's GUI thread does a turn of work for the search,
    and for GUI_TURN_GRACE after it, so the GUI's next event does not queue for the
    interpreter lock behind every worker the turn's end woke; outside QGIS it never waits."""
    import threading
    import time

    # a turn here may last as long as it takes (a loaded machine): no cap on the hold-back
    monkeypatch.setattr(jsonstream, "GUI_TURN_WAIT", 30.0)

    def worker_in_a_turn(hold_turn):
        """Whether the worker's breathe() returned during the turn, and how long after the
        turn's end it returned."""
        turn_started, breathing, resumed_event, resumed = (threading.Event(), threading.Event(),
                                                           threading.Event(), [None])

        def worker():
            turn_started.wait(30)
            breathing.set()
            jsonstream.breathe()
            resumed[0] = time.perf_counter()
            resumed_event.set()

        thread = threading.Thread(target=worker)
        thread.start()
        with jsonstream.gui_turn():  # the test's thread plays QGIS's GUI thread
            turn_started.set()
            breathing.wait(30)
            during = resumed_event.wait(hold_turn)
        thread.join(30)
        return during, resumed[0] - jsonstream._gui_turn_ended

    with jsonstream.sharing_with_gui():
        during, after_end = worker_in_a_turn(hold_turn=0.05)
        assert not during
        assert after_end >= jsonstream.GUI_TURN_GRACE * 0.99
    during, _after = worker_in_a_turn(hold_turn=30)  # returns as soon as the worker resumes
    assert during  # outside QGIS's GUI: no reason to wait
