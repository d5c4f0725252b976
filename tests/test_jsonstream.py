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
