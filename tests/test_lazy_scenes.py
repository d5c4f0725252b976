"""Search results kept compact: a STAC scene keeps its item's text and decodes record,
properties and assets when read, giving exactly what the eager conversion gives."""
import dataclasses
import gc
import json
import tracemalloc
from pathlib import Path

import pytest

from eo_scene_finder.providers import model
from eo_scene_finder.providers.catalogs.stac.items import (item_to_lazy_scene, item_to_scene,
                                                           signed_hrefs_of)
from eo_scene_finder.providers.model import Asset, LazyScene, Scene
from eo_scene_finder.providers.net import jsonstream

DATA = Path(__file__).parent / "data/stac"
LINES = [line for name in ("items_sentinel-2-l2a.ndjson", "items_landsat-c2-l2.ndjson")
         for line in (DATA / name).read_text().splitlines() if line.strip()]
FIELDS = [f.name for f in dataclasses.fields(Scene)]

ODD_ITEMS = [
    # no datetime but an interval, null geometry, relative hrefs, a string role, a thumbnail link
    {"type": "Feature", "id": "odd-1", "geometry": None, "bbox": [1, 2, 3, 4],
     "properties": {"start_datetime": "2021-01-01T00:00:00Z", "cloudCover": "7.5"},
     "links": [{"rel": "self", "href": "https://cat.example/items/odd-1.json"},
               {"rel": "thumbnail", "href": "thumb.png", "type": "image/png"}],
     "assets": {"b1": {"href": "./b1.tif", "roles": "data", "type": "image/tiff"},
                "meta": {"href": "meta.xml", "file:size": 12, "alternate": {"s3": {"href": "s3://b/meta.xml"}}},
                "broken": {"title": "no href"}}},
    # 1.0.0-beta style: no collection, properties.collection, mission as platform, an overview role
    {"type": "Feature", "id": "odd-2", "geometry": {"type": "Point", "coordinates": [1, 2]},
     "properties": {"collection": "c", "date": "2020-02-02/2020-02-03", "mission": "sentinel-1"},
     "assets": {"ov": {"href": "https://x/ov.jpg", "roles": ["overview"]}}},
    {"type": "Feature", "id": "odd-3", "properties": None, "assets": None},
]


def test_a_lazy_scene_is_the_eager_scene_on_every_field():
    for text in LINES + [json.dumps(i) for i in ODD_ITEMS]:
        item = json.loads(text)
        eager = item_to_scene(json.loads(text), "conn", "https://api.example/")
        lazy = item_to_lazy_scene(item, text, "conn", "https://api.example/")
        for name in FIELDS:
            assert getattr(lazy, name) == getattr(eager, name), (item["id"], name)
        assert isinstance(lazy, Scene) and lazy.published_record_text() == text


def test_only_the_last_read_scenes_keep_their_decoded_record():
    scenes = [item_to_lazy_scene(json.loads(t), t) for t in LINES[:150]]
    for scene in scenes:
        assert scene.assets and scene.properties["datetime"]
    decoded = [s for s in scenes if s._decoded is not None]
    assert 0 < len(decoded) <= model.DECODED_SCENES_KEPT
    assert scenes[-1]._decoded is not None and scenes[0]._decoded is None
    # decoded again, the same
    assert scenes[0].assets == item_to_scene(json.loads(LINES[0])).assets


def test_assigned_and_given_values_stay():
    text = LINES[0]
    scene = item_to_lazy_scene(json.loads(text), text)
    mine = {"x": Asset("x", "https://x/x.tif")}
    scene.assets = mine
    scene.properties = {"k": 1}
    for _ in range(model.DECODED_SCENES_KEPT + 5):  # evicts every decoded scene
        other = item_to_lazy_scene(json.loads(text), text)
        assert other.record
    assert scene.assets is mine and scene.properties == {"k": 1}
    assert scene.record["id"] == json.loads(text)["id"]  # still decoded from the text
    given = LazyScene("a", None, None, None, None, record={"id": "a"})
    assert given.assets == {} and given.properties == {} and given.record == {"id": "a"}
    assert given.published_record_text() is None
    copy = dataclasses.replace(scene, id="copy")
    assert copy.id == "copy" and copy.assets is mine and copy.record == scene.record


def test_signed_hrefs_are_in_the_decoded_record_and_assets_not_in_the_published_text():
    text = LINES[0]
    item = json.loads(text)
    original = {}
    for key, asset in item["assets"].items():
        signed = asset["href"] + "?sig=abc"
        original[signed] = asset["href"]
        asset["href"] = signed
    scene = item_to_lazy_scene(item, text, signed=signed_hrefs_of(item, original))
    assert all(a.href.endswith("?sig=abc") for a in scene.assets.values())
    assert all(a["href"].endswith("?sig=abc") for a in scene.record["assets"].values())
    assert "sig=abc" not in scene.published_record_text()


def test_holding_scenes_costs_well_under_their_decoded_items():
    texts = (LINES * 2)[:400]
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        dicts = [json.loads(t) for t in texts]
        as_dicts = tracemalloc.get_traced_memory()[0] - base
        base = tracemalloc.get_traced_memory()[0]
        scenes = [item_to_lazy_scene(d, t) for d, t in zip(dicts, texts)]
        del dicts
        gc.collect()
        as_scenes = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert len(scenes) == 400
    assert as_scenes < 0.6 * as_dicts, (as_scenes, as_dicts)


@pytest.mark.parametrize("indent", [None, 2])
@pytest.mark.parametrize("n", [0, 1, 40])
def test_jsonstream_keeps_each_feature_text(n, indent):
    page = {"type": "FeatureCollection", "features": [json.loads(t) for t in LINES[:n]],
            "links": [{"rel": "next", "href": "http://x/search?page=2"}]}
    text = json.dumps(page, indent=indent)
    parsed = jsonstream.loads(text, raw_arrays=("features",))
    assert parsed == json.loads(text)
    assert isinstance(parsed["features"], jsonstream.ElementList)
    features = parsed["features"]
    assert [json.loads(features.raw(i)) for i in range(n)] == page["features"]
    # a scene pointing into the page decodes the same item
    for i in range(n):
        start, end = features.spans[2 * i], features.spans[2 * i + 1]
        scene = item_to_lazy_scene(features[i], (text, start, end))
        assert scene.record == page["features"][i] and scene.raw == features.raw(i)
    assert not isinstance(jsonstream.loads(text)["features"], jsonstream.ElementList)


def test_a_lazy_catalogue_product_is_the_eager_one_on_every_field():
    """CDSE/CREODIAS products (real recorded pages): the scenes a search keeps (the product's
    text, decoded when read) show the same details, assets, checksum, quicklook, online flag
    and record as products converted at once."""
    from eo_scene_finder.providers.catalogs.odata.records import (modification_date, product_name,
                                                                    record_to_scene)

    cdse = Path(__file__).parent / "data/cdse"
    seen = 0
    for page in sorted(cdse.glob("odata_page_*.json")):
        text = page.read_text()
        values = jsonstream.loads(text, raw_arrays=("value",))["value"]
        for i, rec in enumerate(values):
            eager = record_to_scene(json.loads(values.raw(i)), connection="c", s3_bucket="eodata")
            lazy = record_to_scene(rec, connection="c", s3_bucket="eodata", raw=values.raw(i))
            assert isinstance(lazy, LazyScene) and not isinstance(eager, LazyScene)
            for name in FIELDS:
                assert getattr(lazy, name) == getattr(eager, name), (rec.get("Name"), name)
            assert lazy.assets["product"].checksum is not None or not rec.get("Checksum")
            assert product_name(lazy) == product_name(eager) == rec["Name"]
            assert modification_date(lazy) == modification_date(eager) == rec.get("ModificationDate", "")
            assert json.loads(lazy.published_record_text()) == rec
            seen += 1
    assert seen >= 20
