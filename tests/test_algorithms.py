"""The Processing algorithms run through ``processing.run`` against real catalogs (the demo
catalog, the demo catalog served by nginx, the stac-fastapi-pgstac fixture)."""
import csv
import json
import shutil
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsVectorLayer

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_over_http(nginx_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-http")
    shutil.copytree(REPO / "demo_catalog", root / "demo_catalog")
    server = nginx_server(root)
    return server, f"{server.url}/demo_catalog/catalog.json"


def run(alg, params):
    import processing

    return processing.run(f"eoscenefinder:{alg}", params)


def features(path):
    layer = QgsVectorLayer(str(path), "out", "ogr")
    assert layer.isValid(), path
    return list(layer.getFeatures())


def test_the_five_algorithms_are_registered(processing_ready):
    ids = {a.id() for a in processing_ready.algorithms()}
    assert ids == {"eoscenefinder:search", "eoscenefinder:download", "eoscenefinder:mosaic",
                   "eoscenefinder:export", "eoscenefinder:coverage"}


def test_search_demo_writes_every_field_needed_downstream(processing_ready, tmp_path):
    out = tmp_path / "demo.gpkg"
    res = run("search", {"CONNECTION": "demo", "OUTPUT": str(out)})
    feats = features(res["OUTPUT"])
    assert res["COUNT"] == len(feats) == 8
    names = feats[0].fields().names()
    for field in ("id", "collection", "datetime", "cloud_cover", "platform", "connection", "scene_key",
                  "thumbnail", "assets", "record"):
        assert field in names
    record = json.loads(feats[0]["record"])
    assert record["id"] == feats[0]["id"] and record["type"] == "Feature"
    assets = json.loads(feats[0]["assets"])
    assert all("href" in a and "roles" in a for a in assets.values())


def test_search_filters_dates_cloud_sort_and_limit(processing_ready, tmp_path):
    res = run("search", {"CONNECTION": "demo", "COLLECTIONS": "demo-landsat-greenland", "START": "2023-06-01",
                         "END": "2023-08-08", "SORTBY": "-datetime", "OUTPUT": str(tmp_path / "a.gpkg")})
    feats = features(res["OUTPUT"])
    dates = [f["datetime"] for f in feats]
    assert dates == sorted(dates, reverse=True)
    assert dates[0].startswith("2023-08-08")  # the end date is inclusive
    assert all("2023-06-01" <= d[:10] <= "2023-08-08" for d in dates)
    res = run("search", {"CONNECTION": "demo", "MAX_CLOUD": 20, "SORTBY": "eo:cloud_cover", "LIMIT": 2,
                         "OUTPUT": str(tmp_path / "b.gpkg")})
    feats = features(res["OUTPUT"])
    assert len(feats) <= 2
    clouds = [f["cloud_cover"] for f in feats]
    assert clouds == sorted(clouds) and all(c <= 20 for c in clouds)


def test_search_with_aoi_layer_uses_the_union_of_polygons(processing_ready, tmp_path):
    from qgis.core import QgsFeature, QgsGeometry

    everything = features(run("search", {"CONNECTION": "demo", "OUTPUT": str(tmp_path / "all.gpkg")})["OUTPUT"])
    target = everything[0]
    c = target.geometry().centroid().asPoint()
    aoi = QgsVectorLayer("Polygon?crs=EPSG:4326", "aoi", "memory")
    f = QgsFeature()
    f.setGeometry(QgsGeometry.fromWkt(f"POLYGON(({c.x()-0.01} {c.y()-0.01}, {c.x()+0.01} {c.y()-0.01}, "
                                      f"{c.x()+0.01} {c.y()+0.01}, {c.x()-0.01} {c.y()+0.01}, "
                                      f"{c.x()-0.01} {c.y()-0.01}))"))
    aoi.dataProvider().addFeatures([f])
    res = run("search", {"CONNECTION": "demo", "AOI": aoi, "OUTPUT": str(tmp_path / "aoi.gpkg")})
    ids = {f["id"] for f in features(res["OUTPUT"])}
    assert target["id"] in ids and len(ids) < len(everything)


def test_search_errors_say_what_to_fix(processing_ready, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="before the start date"):
        run("search", {"CONNECTION": "demo", "START": "2023-09-01", "END": "2023-01-01",
                       "OUTPUT": str(tmp_path / "x.gpkg")})
    with pytest.raises(QgsProcessingException, match="could not be reached"):
        run("search", {"CONNECTION": "stac-api+http://127.0.0.1:9/", "OUTPUT": str(tmp_path / "y.gpkg")})


def test_search_pgstac_by_bare_url_matches_the_server(processing_ready, pgstac_api, tmp_path):
    res = run("search", {"CONNECTION": pgstac_api.url, "COLLECTIONS": "sentinel-2-l2a", "MAX_CLOUD": 10,
                         "SORTBY": "eo:cloud_cover", "LIMIT": 0, "OUTPUT": str(tmp_path / "s2.gpkg")})
    feats = features(res["OUTPUT"])
    import requests

    body = {"collections": ["sentinel-2-l2a"], "limit": 1000,
            "query": {"eo:cloud_cover": {"lte": 10}}}
    expected = {f["id"] for f in requests.post(f"{pgstac_api.url}/search", json=body, timeout=30).json()["features"]}
    assert {f["id"] for f in feats} == expected and expected
    clouds = [f["cloud_cover"] for f in feats]
    assert clouds == sorted(clouds)


def test_download_then_rerun_downloads_nothing(processing_ready, demo_over_http, tmp_path):
    server, url = demo_over_http
    layer_path = run("search", {"CONNECTION": url, "COLLECTIONS": "demo-aerial-colorado",
                                "OUTPUT": str(tmp_path / "c.gpkg")})["OUTPUT"]
    out = tmp_path / "downloads"
    res = run("download", {"INPUT": layer_path, "ASSETS": "visual", "OUTPUT_FOLDER": str(out),
                           "OUTPUT": str(tmp_path / "report1.csv")})
    assert res["DOWNLOADED"] == 2 and res["FAILED"] == 0
    assert len([r for r in server.requests() if r.uri.endswith(".tif") and r.status in (200, 206)]) >= 2
    files = sorted(out.rglob("*.tif"))
    assert len(files) == 2 and all(f.parent.parent.name == "demo-aerial-colorado" for f in files)
    assert not list(out.rglob("*.part"))
    server.clear_log()
    res = run("download", {"INPUT": layer_path, "ASSETS": "visual", "OUTPUT_FOLDER": str(out),
                           "OUTPUT": str(tmp_path / "report2.csv")})
    assert res["DOWNLOADED"] == 0 and res["SKIPPED"] == 2
    assert not [r for r in server.requests() if r.uri.endswith(".tif")]


def test_mosaic_builds_a_streamed_vrt(processing_ready, demo_over_http, tmp_path):
    from osgeo import gdal

    _server, url = demo_over_http
    layer_path = run("search", {"CONNECTION": url, "COLLECTIONS": "demo-landsat-greenland",
                                "OUTPUT": str(tmp_path / "g.gpkg")})["OUTPUT"]
    out = tmp_path / "mosaic.vrt"
    res = run("mosaic", {"INPUT": layer_path, "ASSET": "data", "OUTPUT": str(out)})
    text = Path(res["OUTPUT"]).read_text()
    assert "/vsicurl/http://127.0.0.1" in text
    ds = gdal.Open(res["OUTPUT"])
    assert ds is not None and ds.RasterXSize > 0
    assert ds.GetRasterBand(1).Checksum() >= 0  # pixels stream through /vsicurl/


def test_export_formats(processing_ready, tmp_path):
    layer_path = run("search", {"CONNECTION": "demo", "OUTPUT": str(tmp_path / "d.gpkg")})["OUTPUT"]
    stac = Path(run("export", {"INPUT": layer_path, "FORMAT": 0, "OUTPUT": str(tmp_path / "items.json")})["OUTPUT"])
    doc = json.loads(stac.read_text())
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 8
    assert all(f["type"] == "Feature" and f["assets"] for f in doc["features"])
    listing = Path(run("export", {"INPUT": layer_path, "FORMAT": 1, "OUTPUT": str(tmp_path / "list.csv")})["OUTPUT"])
    rows = list(csv.reader(listing.open()))
    assert rows[0] == ["id", "name"] and len(rows) == 9
    gpkg = run("export", {"INPUT": layer_path, "FORMAT": 2, "OUTPUT": str(tmp_path / "copy.gpkg")})["OUTPUT"]
    assert len(features(gpkg)) == 8


@pytest.fixture
def camargue_spot_collection(pgstac_api, storage_server):
    """SPOT-like items over the Camargue whose ``src_xs`` COGs sit on signed-only storage."""
    import uuid

    cid = "spot-6-7-drs-" + uuid.uuid4().hex[:6]
    pgstac_api.load_collections([{
        "type": "Collection", "stac_version": "1.0.0", "id": cid, "description": "SPOT 6/7 DRS (test copy)",
        "license": "proprietary", "links": [],
        "extent": {"spatial": {"bbox": [[4.0, 42.99, 5.0, 44.05]]},
                   "temporal": {"interval": [["2020-01-01T00:00:00Z", None]]}}}])
    items = []
    for i, (x, y) in enumerate([(4.1, 43.4), (4.4, 43.5), (4.7, 43.6), (6.5, 45.5)]):
        items.append({
            "type": "Feature", "stac_version": "1.0.0", "id": f"SPOT6_{i}", "collection": cid,
            "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + .2, y], [x + .2, y + .2], [x, y + .2],
                                                             [x, y]]]},
            "bbox": [x, y, x + .2, y + .2],
            "properties": {"datetime": f"2021-0{i + 1}-15T10:30:00Z", "platform": "SPOT-6"},
            "links": [],
            "assets": {"src_xs": {"href": storage_server.href("dinamis", f"SPOT6_{i}", "cog.tif"),
                                  "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                                  "roles": ["data"]}}})
    pgstac_api.load_items(items, cid)
    return cid


def test_camargue_mosaic_on_dinamis_is_one_run_and_leaks_no_signature(
        processing_ready, pgstac_api, camargue_spot_collection, dinamis_signing_server, tmp_path):
    from osgeo import gdal

    conn = (f"stac-api+{pgstac_api.url}?signing=dinamis&signing_url={dinamis_signing_server.endpoint}"
            f"&storage_domain=127.0.0.1")
    layer_path = run("search", {"CONNECTION": conn, "COLLECTIONS": camargue_spot_collection,
                                "EXTENT": "4,5,42.99,44.05 [EPSG:4326]", "START": "2020-01-01", "END": "2022-01-02",
                                "OUTPUT": str(tmp_path / "camargue.gpkg")})["OUTPUT"]
    feats = features(layer_path)
    assert sorted(f["id"] for f in feats) == ["SPOT6_0", "SPOT6_1", "SPOT6_2"]  # not the one near the Alps
    for f in feats:  # signatures expire and are secrets: the layer keeps the published hrefs
        assert "X-Amz-Signature" not in f["assets"] and "X-Amz-Signature" not in f["record"]
    out = tmp_path / "camargue.vrt"
    res = run("mosaic", {"INPUT": layer_path, "ASSET": "src_xs", "OUTPUT": str(out)})
    text = Path(res["OUTPUT"]).read_text()
    assert text.count("X-Amz-Signature") >= 3  # streamed with signed /vsicurl/ hrefs
    ds = gdal.Open(res["OUTPUT"])
    assert ds is not None and ds.GetRasterBand(1).Checksum() >= 0


def test_a_memory_search_layer_feeds_download_mosaic_and_export(processing_ready, demo_over_http, tmp_path):
    """OUTPUT=TEMPORARY_OUTPUT (a memory layer), then the other algorithms on that layer object."""
    server, url = demo_over_http
    layer = run("search", {"CONNECTION": url, "COLLECTIONS": "demo-aerial-colorado",
                           "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    assert isinstance(layer, QgsVectorLayer) and layer.providerType() == "memory" and layer.featureCount() == 2
    out = tmp_path / "downloads"
    res = run("download", {"INPUT": layer, "ASSETS": "visual", "OUTPUT_FOLDER": str(out)})
    assert res["DOWNLOADED"] == 2 and res["FAILED"] == 0
    assert len(list(out.rglob("*.tif"))) == 2 and not list(out.rglob("*.part"))
    vrt = run("mosaic", {"INPUT": layer, "ASSET": "visual", "OUTPUT": str(tmp_path / "m.vrt")})["OUTPUT"]
    assert Path(vrt).read_text().count(f"/vsicurl/{server.url}/demo_catalog/") >= 2
    items = json.loads(Path(run("export", {"INPUT": layer, "FORMAT": 0,
                                           "OUTPUT": str(tmp_path / "items.json")})["OUTPUT"]).read_text())
    assert sorted(f["id"] for f in items["features"]) == sorted(f["id"] for f in layer.getFeatures())
    # the GeoPackage export is a search layer again, whatever the input was
    gpkg = run("export", {"INPUT": layer, "FORMAT": 2, "OUTPUT": str(tmp_path / "copy.gpkg")})["OUTPUT"]
    res = run("download", {"INPUT": gpkg, "ASSETS": "visual", "OUTPUT_FOLDER": str(out)})
    assert res["SKIPPED"] == 2 and res["DOWNLOADED"] == 0


def _one_scene_layer(record_text):
    """A memory layer in the scene layer schema with one feature whose record is ``record_text``."""
    from qgis.core import QgsFeature

    from eo_scene_finder.services.scene_layer import FIELD_NAMES, scene_fields

    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "scenes", "memory")
    layer.dataProvider().addAttributes(scene_fields())
    layer.updateFields()
    f = QgsFeature(layer.fields())
    values = dict.fromkeys(FIELD_NAMES)
    values.update(id="S2_X", collection="demo", connection="demo", record=record_text)
    f.setAttributes([values[n] for n in FIELD_NAMES])
    assert layer.dataProvider().addFeatures([f])[0]
    return layer


def test_a_record_cut_by_a_format_is_reported_plainly(processing_ready, tmp_path):
    from qgis.core import QgsProcessingException

    cut = json.dumps({"type": "Feature", "id": "S2_X", "assets": {"visual": {"href": "x" * 400}}})[:254]
    for alg, extra in (("download", {"OUTPUT_FOLDER": str(tmp_path / "d")}),
                       ("mosaic", {"ASSET": "visual", "OUTPUT": str(tmp_path / "m.vrt")}),
                       ("export", {"FORMAT": 1, "OUTPUT": str(tmp_path / "l.csv")})):
        with pytest.raises(QgsProcessingException, match=r"S2_X is cut short.*254 characters.*GeoPackage"):
            run(alg, dict(INPUT=_one_scene_layer(cut), **extra))
    with pytest.raises(QgsProcessingException, match=r"S2_X has no record.*Selected features only"):
        run("download", {"INPUT": _one_scene_layer(None), "OUTPUT_FOLDER": str(tmp_path / "d")})
    assert not (tmp_path / "d").exists() or not list((tmp_path / "d").rglob("*"))


def test_search_refuses_formats_that_cannot_hold_records_before_searching(processing_ready, demo_over_http,
                                                                           tmp_path):
    from qgis.core import QgsProcessingException

    server, url = demo_over_http
    server.clear_log()
    for name, why in (("s.shp", "Shapefile keeps at most 254 characters"), ("s.tab", "MapInfo TAB"),
                      ("s.dxf", "DXF stores no attributes")):
        with pytest.raises(QgsProcessingException, match=f"{why}.*GeoPackage"):
            run("search", {"CONNECTION": url, "OUTPUT": str(tmp_path / name)})
        assert not (tmp_path / name).exists()
    assert not server.requests()  # refused before searching


def test_download_reports_on_the_algorithms_thread_only_and_leaves_no_thread(
        processing_ready, demo_over_http, tmp_path):
    """Processing feedback is not thread-safe (its log is an unlocked QString, and qgis_process
    prints from it): the download engine's threads must not call it (issue 11: ``double free or
    corruption`` and SIGABRT at the end of ``eoscenefinder:download``), and no download thread
    may outlive the algorithm (qgis_process exits right after it)."""
    import threading

    from qgis.core import QgsProcessingFeedback

    class RecordingFeedback(QgsProcessingFeedback):
        def __init__(self):
            super().__init__(False)
            self.calls = []  # (method, thread name)

        def _record(self, method):
            self.calls.append((method, threading.current_thread().name))

        def pushInfo(self, info):  # noqa: N802
            self._record("pushInfo")
            super().pushInfo(info)

        def pushWarning(self, warning):  # noqa: N802
            self._record("pushWarning")
            super().pushWarning(warning)

        def reportError(self, error, fatalError=False):  # noqa: N802,N803
            self._record("reportError")
            super().reportError(error, fatalError)

        def setProgress(self, progress):  # noqa: N802
            self._record("setProgress")
            super().setProgress(progress)

    import processing

    server, url = demo_over_http
    layer_path = run("search", {"CONNECTION": url, "COLLECTIONS": "demo-aerial-colorado",
                                "OUTPUT": str(tmp_path / "c.gpkg")})["OUTPUT"]
    before = {t.ident for t in threading.enumerate()}
    feedback = RecordingFeedback()
    res = processing.run("eoscenefinder:download",
                         {"INPUT": layer_path, "ASSETS": "visual", "OUTPUT_FOLDER": str(tmp_path / "dl"),
                          "OUTPUT": str(tmp_path / "report.csv")}, feedback=feedback)
    assert res["DOWNLOADED"] == 2 and res["FAILED"] == 0
    here = threading.current_thread().name
    assert [c for c in feedback.calls if c[0] == "setProgress"], "no progress was reported"
    assert sum(1 for c in feedback.calls if c[0] == "pushInfo") >= 2 + 1  # one line per file, the summary
    assert {name for _, name in feedback.calls} == {here}, sorted(set(feedback.calls))
    left = [t.name for t in threading.enumerate() if t.ident not in before]
    assert left == [], f"threads still running after the algorithm returned: {left}"


# ------------------------------------------------------------------ several catalogs, coverage
class _Feedback:
    """A Processing feedback that keeps what the algorithm said."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class Recording(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.infos, self.warnings = [], []

            def pushInfo(self, text):  # noqa: N802
                self.infos.append(text)

            def pushWarning(self, text):  # noqa: N802
                self.warnings.append(text)

        return Recording()


def test_search_several_catalogs_keeps_rows_of_those_that_answer(processing_ready, demo_over_http, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    _server, url = demo_over_http
    feedback = _Feedback()
    dead = "stac-api+http://127.0.0.1:9/"
    res = processing.run("eoscenefinder:search", {"CONNECTION": f"demo; {url}; {dead}",
                                                  "OUTPUT": str(tmp_path / "multi.gpkg")}, feedback=feedback)
    feats = features(res["OUTPUT"])
    by_conn = {}
    for f in feats:
        by_conn.setdefault(f["connection"], set()).add((f["id"], f["scene_key"]))
    assert set(by_conn) == {"demo", url}
    assert by_conn["demo"] == by_conn[url] and len(by_conn["demo"]) == 8 == res["COUNT"] / 2
    assert any(dead in w and "could not be reached" in w for w in feedback.warnings)
    # every catalog failing is an error naming them
    with pytest.raises(QgsProcessingException, match="Every catalog failed"):
        run("search", {"CONNECTION": f"{dead}; stac-api+http://127.0.0.1:7/", "OUTPUT": str(tmp_path / "none.gpkg")})


S2_IDS = ["S2B_MSIL2A_20240501T103619_N0510_R008_T31TFJ_20240501T120000",
          "S2B_MSIL2A_20240501T103619_N0510_R008_T31TGJ_20240501T120000",
          "S2A_MSIL2A_20240506T103621_N0510_R008_T31TFJ_20240506T120000",
          "S2A_MSIL2A_20240511T103621_N0510_R051_T31TGJ_20240511T120000",
          "S2A_MSIL2A_20240511T103621_N0510_R051_T31TFK_20240511T120000"]


def _scene_layer(path, rows):
    """A search-output GeoPackage of ``rows`` = (connection, scene id, (w, s, e, n), cloud, assets)."""
    from qgis.core import QgsFeature, QgsVectorFileWriter, QgsCoordinateReferenceSystem, QgsWkbTypes, QgsGeometry

    from eo_scene_finder.providers.model import Asset, Scene, parse_instant
    from eo_scene_finder.providers.scene_ids import parse_scene_key
    from eo_scene_finder.services.scene_layer import scene_attributes, scene_fields

    fields = scene_fields()
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    writer = QgsVectorFileWriter.create(str(path), fields, QgsWkbTypes.MultiPolygon,
                                        QgsCoordinateReferenceSystem("EPSG:4326"),
                                        QgsProject_instance_transform_context(), options)
    for conn, sid, (w, s, e, n), cloud, assets in rows:
        geometry = {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
        scene = Scene(id=sid, collection="sentinel-2-l2a", datetime=parse_instant(sid[11:19]), geometry=geometry,
                      bbox=(w, s, e, n), cloud_cover=cloud, connection=conn, scene_key=parse_scene_key(sid),
                      assets={k: Asset(k, href, mt, ("data",)) for k, (href, mt) in assets.items()},
                      record={"id": sid, "type": "Feature", "properties": {}}, online=True)
        feat = QgsFeature(fields)
        geom = QgsGeometry.fromWkt(f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))")
        geom.convertToMultiType()
        feat.setGeometry(geom)
        feat.setAttributes(scene_attributes(scene, conn))
        writer.addFeature(feat)
    del writer
    return str(path)


def QgsProject_instance_transform_context():  # noqa: N802
    from qgis.core import QgsProject

    return QgsProject.instance().transformContext()


def test_coverage_picks_the_fewest_clear_scenes_once_each_from_the_preferred_catalog(processing_ready, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    cog = {"visual": ("https://example.org/visual.tif", "image/tiff; application=geotiff; profile=cloud-optimized")}
    zipped = {"product": ("https://zipper.example.org/odata/v1/Products(x)/$value", "application/zip")}
    boxes = {S2_IDS[0]: (0, 0, 1.05, 1), S2_IDS[1]: (0.95, 0, 2, 1), S2_IDS[2]: (0, 0, 1.05, 1),
             S2_IDS[3]: (0.95, 0, 2, 1), S2_IDS[4]: (0, 0, 2, 1)}
    clouds = {S2_IDS[0]: 5, S2_IDS[1]: 5, S2_IDS[2]: 0, S2_IDS[3]: 0, S2_IDS[4]: 80}
    rows = []
    for sid in S2_IDS:
        rows.append(("cdse", sid, boxes[sid], clouds[sid], zipped))  # credentials, archive
        rows.append(("planetary-computer", sid.replace("_N0510", ""), boxes[sid], clouds[sid], cog))
    layer = _scene_layer(tmp_path / "scenes.gpkg", rows)
    aoi = QgsVectorLayer("Polygon?crs=EPSG:4326", "aoi", "memory")
    from qgis.core import QgsFeature, QgsGeometry
    f = QgsFeature()
    f.setGeometry(QgsGeometry.fromWkt("POLYGON((0.1 0.1, 1.9 0.1, 1.9 0.9, 0.1 0.9, 0.1 0.1))"))
    aoi.dataProvider().addFeatures([f])
    feedback = _Feedback()
    res = processing.run("eoscenefinder:coverage", {"INPUT": layer, "AOI": aoi, "TARGET_PERCENT": 98,
                                                    "OUTPUT": str(tmp_path / "chosen.gpkg")}, feedback=feedback)
    chosen = features(res["OUTPUT"])
    # one 80 % cloudy scene covers everything, but the one-pass pair of 1 May (orbit 8, 5 %) is chosen
    # (over it, and over a mixed pair of clear scenes); each scene once, from the Planetary Computer
    # (COG, no login) rather than CDSE
    assert sorted(f["id"] for f in chosen) == sorted(s.replace("_N0510", "") for s in S2_IDS[:2])
    assert {f["connection"] for f in chosen} == {"planetary-computer"}
    assert res["COUNT"] == 2 and res["COVERAGE_PERCENT"] == pytest.approx(100)
    assert chosen[0].fields().names() == features(layer)[0].fields().names()
    assert any("also in cdse" in line for line in feedback.infos)
    assert "all from one pass" in res["MESSAGE"]

    # MAX_SCENES=1: the one scene that covers all, cloudy as it is
    one = run("coverage", {"INPUT": layer, "AOI": aoi, "MAX_SCENES": 1, "OUTPUT": str(tmp_path / "one.gpkg")})
    assert [f["scene_key"] for f in features(one["OUTPUT"])] == ["S2A_31TFK_2024-05-11_L2A"]

    # unreachable: the scenes that come closest, and a warning
    far = QgsVectorLayer("Polygon?crs=EPSG:4326", "far", "memory")
    f.setGeometry(QgsGeometry.fromWkt("POLYGON((1.5 0.5, 3 0.5, 3 1.5, 1.5 1.5, 1.5 0.5))"))
    far.dataProvider().addFeatures([f])
    feedback = _Feedback()
    res = processing.run("eoscenefinder:coverage", {"INPUT": layer, "AOI": far, "OUTPUT": str(tmp_path / "part.gpkg")},
                         feedback=feedback)
    assert res["COVERAGE_PERCENT"] == pytest.approx(100 * 0.25 / 1.5, abs=0.01)
    assert any("cannot be reached" in w for w in feedback.warnings)
    with pytest.raises(QgsProcessingException, match="area to cover"):
        run("coverage", {"INPUT": layer, "OUTPUT": str(tmp_path / "x.gpkg")})
