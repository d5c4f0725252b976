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


def test_a_search_worker_holds_back_while_the_gui_thread_adds_rows():
    """While the GUI thread does a turn of work for a search (gui_turn), a worker sharing the
    interpreter with it waits at its next breathe() instead of taking the lock back after
    every call the GUI thread makes into QGIS."""
    import threading
    import time

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
    # outside a turn breathe() does not wait
    start = time.monotonic()
    with jsonstream.sharing_with_gui():
        jsonstream.breathe()
    assert time.monotonic() - start < jsonstream.GUI_TURN_WAIT
