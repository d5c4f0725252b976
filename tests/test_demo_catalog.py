"""The bundled offline demo catalog (demo_catalog/): valid, small, self-contained, searchable,
and its assets are real COGs GDAL opens, from disk and streamed over HTTP."""
import hashlib
import json
from pathlib import Path

import pytest

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.catalogs.stac.static import StaticCatalogProvider

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo_catalog"
ROOT = DEMO / "catalog.json"
GREENLAND = ["greenland-20230514", "greenland-20230602", "greenland-20230627",
             "greenland-20230719", "greenland-20230808", "greenland-20230912"]
COLORADO = ["colorado-hro-west", "colorado-hro-east"]


@pytest.fixture
def demo():
    p = StaticCatalogProvider(Connection("demo", "static", str(ROOT)))
    yield p
    p.close()


def ids(scenes):
    return sorted(s.id for s in scenes)


def item_docs():
    return [json.loads(p.read_text()) for p in sorted(DEMO.glob("*/*/*.json"))]


# ------------------------------------------------------------------------ the files
def test_demo_catalog_is_small_self_contained_and_checksummed():
    files = [p for p in DEMO.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 4_000_000
    assert (DEMO / "SOURCES.md").is_file()
    docs = item_docs()
    assert len(docs) == 8
    for doc in docs:
        assert doc["stac_version"] == "1.0.0"
        for link in doc["links"]:
            assert not link["href"].startswith(("/", "http", "file:")), link
        for key, asset in doc["assets"].items():
            path = (DEMO / doc["collection"] / doc["id"] / asset["href"]).resolve()
            assert asset["href"].startswith("./") and path.is_file(), (doc["id"], key)
            assert asset["file:size"] == path.stat().st_size
            assert asset["file:checksum"] == "1220" + hashlib.sha256(path.read_bytes()).hexdigest()
        assert any("thumbnail" in a["roles"] and a["type"] == "image/png" for a in doc["assets"].values())


def test_pystac_reads_the_demo_catalog():
    import pystac
    catalog = pystac.Catalog.from_file(str(ROOT))
    items = list(catalog.get_items(recursive=True))
    assert sorted(i.id for i in items) == sorted(GREENLAND + COLORADO)
    assert {c.id for c in catalog.get_children()} == {"demo-landsat-greenland", "demo-aerial-colorado"}


# ------------------------------------------------------------------------ searching it
def test_lists_both_collections_with_extents(demo):
    cols = {c.id: c for c in demo.list_collections()}
    assert set(cols) == {"demo-landsat-greenland", "demo-aerial-colorado"}
    g = cols["demo-landsat-greenland"]
    assert g.temporal_extent == ("2023-05-14T14:57:12Z", "2023-09-12T14:49:58Z")
    w, s, e, n = g.spatial_extent
    assert -61 < w < e < -52 and 72 < s < n < 75
    assert "illustrative" in g.description
    assert demo.warnings == []


def test_search_everything_and_by_collection(demo):
    assert ids(demo.search(SearchRequest.create()).all()) == sorted(GREENLAND + COLORADO)
    assert ids(demo.search(SearchRequest.create(collections="demo-aerial-colorado")).all()) == sorted(COLORADO)


def test_aoi_uses_real_footprints_not_bboxes(demo):
    from shapely.geometry import box, shape
    # find places inside an item's bbox but outside its footprint (the scene's no-data corners)
    checked = 0
    for doc in item_docs():
        if not doc["id"].startswith("greenland"):
            continue
        footprint = shape(doc["geometry"])
        w, s, e, n = doc["bbox"]
        dx, dy = (e - w) * 0.03, (n - s) * 0.03
        for x, y in ((w, s), (w, n), (e, s), (e, n)):
            probe = box(min(x, x + (dx if x == w else -dx)), min(y, y + (dy if y == s else -dy)),
                        max(x, x + (dx if x == w else -dx)), max(y, y + (dy if y == s else -dy)))
            if not probe.intersects(footprint):
                found = ids(demo.search(SearchRequest.create(aoi=probe)).all())
                assert doc["id"] not in found
                checked += 1
    assert checked >= 3
    # an AOI over the middle of the Greenland scene finds the overlapping tiles, not Colorado
    middle = ids(demo.search(SearchRequest.create(aoi=[-57.4, 73.5, -57.2, 73.6])).all())
    assert middle == ["greenland-20230514", "greenland-20230602", "greenland-20230719", "greenland-20230808"]


def test_dates_are_inclusive(demo):
    june = demo.search(SearchRequest.create(start="2023-06-01", end="2023-06-30")).all()
    assert ids(june) == ["greenland-20230602", "greenland-20230627"]
    same_day = demo.search(SearchRequest.create(start="2023-06-27", end="2023-06-27")).all()
    assert ids(same_day) == ["greenland-20230627"]


def test_cloud_cover_keeps_scenes_without_it(demo):
    clear = demo.search(SearchRequest.create(max_cloud=20)).all()
    assert ids(clear) == sorted(["greenland-20230514", "greenland-20230627", "greenland-20230719"] + COLORADO)


def test_cql2_filter(demo):
    found = demo.search(SearchRequest.create(
        cql2="platform = 'landsat-8' AND eo:cloud_cover BETWEEN 10 AND 50")).all()
    assert ids(found) == ["greenland-20230602", "greenland-20230719", "greenland-20230912"]
    found = demo.search(SearchRequest.create(cql2="S_INTERSECTS(geometry, POINT(-104.775 38.9536)) "
                                                  "AND T_AFTER(datetime, DATE('2023-06-01'))")).all()
    assert ids(found) == ["colorado-hro-east"]


def test_sort_and_limit(demo):
    by_cloud = demo.search(SearchRequest.create(sortby="-eo:cloud_cover")).all()
    assert [s.cloud_cover for s in by_cloud] == [67.5, 41.7, 22.0, 12.9, 3.2, 0.4, None, None]
    demo.connection.options["page_size"] = 2
    res = demo.search(SearchRequest.create(sortby="datetime", limit=3))
    pages = list(res.pages())
    assert [len(p.scenes) for p in pages] == [2, 1]
    assert [s.id for p in pages for s in p.scenes] == ["colorado-hro-west", "greenland-20230514",
                                                       "greenland-20230602"]
    assert res.truncated


# --------------------------------------------------------------------- opening assets
def test_gdal_opens_the_assets_from_disk(demo):
    from osgeo import gdal
    scene = next(s for s in demo.search(SearchRequest.create(ids="greenland-20230808")).scenes())
    ds = gdal.Open(demo.gdal_path(scene.assets["data"].href))
    assert (ds.RasterXSize, ds.RasterYSize) == (1024, 1024)
    assert ds.GetRasterBand(1).GetNoDataValue() == 1
    assert ds.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") == "COG"
    assert ds.GetRasterBand(1).GetOverviewCount() >= 2
    assert scene.properties["proj:epsg"] == 32621
    assert Path(scene.thumbnail).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_catalog_over_http_streams_cogs_with_ranges(nginx_server):
    from osgeo import gdal
    server = nginx_server(DEMO)
    p = StaticCatalogProvider(Connection("demo-http", "static", server.url + "/catalog.json"))
    scene = p.search(SearchRequest.create(ids="colorado-hro-east")).all()[0]
    href = scene.assets["visual"].href
    assert href == server.url + "/demo-aerial-colorado/colorado-hro-east/colorado-hro-east.tif"
    server.clear_log()
    gdal.SetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")
    try:
        ds = gdal.Open(p.gdal_path(href))
        assert ds.RasterCount == 3
        assert ds.GetRasterBand(1).ReadAsArray(0, 0, 16, 16).shape == (16, 16)
    finally:
        gdal.SetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", None)
        ds = None
    server.sync_log()
    tif = [r for r in server.requests() if r.uri.endswith(".tif")]
    assert tif and any(r.status == 206 and r.range.startswith("bytes=") for r in tif)
    p.close()
