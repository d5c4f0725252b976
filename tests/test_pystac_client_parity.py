"""The same questions asked through the plugin's core and through plain pystac-client, against
the same real stac-fastapi-pgstac, return the same scenes (ordered when sorted).

pystac-client is used the way its documentation shows (``Client.open(url).search(...)``),
with the filter given as CQL2 *text* over GET: that checks our CQL2 parser against the
server's own one too.
"""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from shapely.geometry import box, mapping, shape

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.connections import open_provider
from eo_scene_finder.providers.model import SearchRequest

pytestmark = pytest.mark.timeout(300)

DATA = Path(__file__).resolve().parent / "data" / "stac"


@pytest.fixture(scope="module")
def plain_client(pgstac_api):
    pystac_client = pytest.importorskip("pystac_client")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pystac_client.Client.open(pgstac_api.url)


@pytest.fixture(scope="module")
def core(pgstac_api):
    return open_provider(Connection(name="parity", kind="stac-api", url=pgstac_api.url,
                                    options={"page_size": 100}))


def _plain_ids(client, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [item["id"] for item in client.search(limit=100, **kwargs).items_as_dicts()]


def _core_ids(provider, **kwargs):
    return [s.id for s in provider.search(SearchRequest.create(**kwargs)).all()]


def _footprint_polygon():
    """A real footprint-shaped polygon: the union of two Landsat footprints, shrunk."""
    with open(DATA / "items_landsat-c2-l2.ndjson") as handle:
        items = [json.loads(line) for line in handle][:2]
    geom = shape(items[0]["geometry"]).union(shape(items[1]["geometry"])).buffer(-0.2)
    return mapping(geom)


def _s2_box():
    """A box around one real Sentinel-2 footprint, a little larger."""
    with open(DATA / "items_sentinel-2-l2a.ndjson") as handle:
        item = json.loads(handle.readline())
    return box(*shape(item["geometry"]).buffer(0.5).bounds)


QUESTIONS = [
    ("one collection", dict(collections=["landsat-c2-l2"]), dict(collections=["landsat-c2-l2"]), False),
    ("several collections and cloud cover",
     dict(collections=["landsat-c2-l2", "landsat-8-c2-l2", "sentinel-2-l2a"], max_cloud=5),
     dict(collections=["landsat-c2-l2", "landsat-8-c2-l2", "sentinel-2-l2a"],
          query={"eo:cloud_cover": {"lte": 5}}), False),
    ("date range (inclusive end day)",
     dict(collections=["sentinel-2-l2a"], start="2018-12-25", end="2019-01-01"),
     dict(collections=["sentinel-2-l2a"], datetime="2018-12-25/2019-01-01"), False),
    ("bbox AOI", dict(aoi=[-180, 50, 180, 75], collections=["sentinel-2-l2a"]),
     dict(bbox=[-180, 50, 180, 75], collections=["sentinel-2-l2a"]), False),
    ("cloud cover", dict(collections=["sentinel-2-l2a"], max_cloud=20),
     dict(collections=["sentinel-2-l2a"], query={"eo:cloud_cover": {"lte": 20}}), False),
    ("CQL2", dict(collections=["sentinel-2-l2a"], cql2="platform = 'Sentinel-2A' and \"eo:cloud_cover\" < 50"),
     dict(collections=["sentinel-2-l2a"], method="GET",
          filter="platform = 'Sentinel-2A' and \"eo:cloud_cover\" < 50", filter_lang="cql2-text"), False),
    ("sorted by date", dict(collections=["landsat-c2-l2"], sortby="-datetime"),
     dict(collections=["landsat-c2-l2"], sortby="-properties.datetime"), True),
    ("ids", dict(ids=["LC08_L2SP_197023_20220324_02_T1", "LC08_L2SP_197022_20220324_02_T1", "nope"]),
     dict(ids=["LC08_L2SP_197023_20220324_02_T1", "LC08_L2SP_197022_20220324_02_T1", "nope"]), False),
]


@pytest.mark.parametrize("name,ours,theirs,ordered", QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_same_scenes_as_plain_pystac_client(core, plain_client, name, ours, theirs, ordered):
    mine = _core_ids(core, **ours)
    reference = _plain_ids(plain_client, **theirs)
    assert reference, f"the question “{name}” should match something"
    if ordered:
        assert mine == reference
    else:
        assert sorted(mine) == sorted(reference)
    assert len(mine) == len(set(mine))


def test_polygon_aoi_parity(core, plain_client):
    polygon = _footprint_polygon()
    mine = _core_ids(core, aoi=polygon)
    reference = _plain_ids(plain_client, intersects=polygon)
    assert reference and sorted(mine) == sorted(reference)
    # and a bbox question is not the same question: the polygon's bbox finds more
    wider = _plain_ids(plain_client, bbox=list(shape(polygon).bounds))
    assert set(reference) <= set(wider)


def test_polygon_aoi_parity_when_the_core_checks_intersection_itself(pgstac_api, plain_client):
    polygon = _footprint_polygon()
    bbox_mode = open_provider(Connection(name="bbox-mode", kind="stac-api", url=pgstac_api.url,
                                         options={"intersects": False}))
    assert sorted(_core_ids(bbox_mode, aoi=polygon)) == sorted(_plain_ids(plain_client, intersects=polygon))


def test_whole_collection_paging_parity(core, plain_client):
    mine = _core_ids(core, collections=["sentinel-2-l2a"], sortby="-datetime")
    reference = _plain_ids(plain_client, collections=["sentinel-2-l2a"], sortby="-properties.datetime")
    assert len(mine) == len(reference) == 283
    assert mine == reference


def test_box_polygon_equals_bbox(core, plain_client):
    aoi = _s2_box()
    reference = _plain_ids(plain_client, bbox=list(aoi.bounds))
    assert reference
    assert sorted(_core_ids(core, aoi=mapping(aoi))) == sorted(reference)
