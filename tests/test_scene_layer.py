"""The scene layer schema (services/scene_layer.py): what the panel and the search algorithm
write, and what Download, Mosaic and Export read back whatever the format made of it."""
import json
from pathlib import Path

import pytest
from qgis.core import NULL, QgsFeature, QgsVectorLayer

from eo_scene_finder.providers.net.redact import strip_signature, strip_signatures
from eo_scene_finder.services import scene_layer
from eo_scene_finder.services.scene_layer import (FIELD_NAMES, SceneLayerError, output_format_problem, read_scene,
                                                  scene_fields, unsigned_json, unsigned_url)

REPO = Path(__file__).resolve().parents[1]


def real_items():
    for path in sorted((REPO / "tests" / "data" / "stac").glob("items_*.ndjson")):
        for line in path.read_text().splitlines():
            if line.strip():
                yield json.loads(line)
    for path in sorted((REPO / "tests" / "data" / "cdse").glob("odata_page_*.json")):
        yield from json.loads(path.read_text())["value"]


def test_fast_unsigning_matches_strip_signatures_on_real_records():
    """The shortcut for text with nothing to strip never keeps a signature strip_signatures removes."""
    items = list(real_items())
    assert len(items) > 500
    signed = json.loads(json.dumps(items[0]))
    key = next(iter(signed["assets"]))
    signed["assets"][key]["href"] += "?st=2024&se=2024&sp=rl&sv=2021&sr=c&sig=abc%3D"
    signed["links"] = [{"href": "https://user:pw@example.org/x?X-Amz-Signature=1&X-Amz-Credential=2"},
                       {"href": "https://example.org/y?%73ig=secret"}, {"href": "https://example.org/z?TOKEN"}]
    for value in items + [signed]:
        assert json.loads(unsigned_json(value)) == strip_signatures(value)
    assert "abc" not in unsigned_json(signed) and "secret" not in unsigned_json(signed)
    thumb = "https://example.org/preview.png?collection=c&item=i&asset_bidx=visual%7C1%2C2"
    assert unsigned_url(thumb) == thumb
    assert unsigned_url(thumb + "&sig=1") == strip_signature(thumb + "&sig=1") and "sig=" not in unsigned_url(thumb + "&sig=1")


def _feature(**values):
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "scenes", "memory")
    layer.dataProvider().addAttributes(scene_fields())
    layer.updateFields()
    f = QgsFeature(layer.fields())
    attrs = dict.fromkeys(FIELD_NAMES)
    attrs.update(values)
    f.setAttributes([attrs[n] for n in FIELD_NAMES])
    return f


def test_read_scene_accepts_what_each_format_gives_back(qgis_app):
    record = {"type": "Feature", "id": "A", "properties": {"eo:cloud_cover": None}, "assets": {}}
    text = json.dumps(record)
    assert read_scene(_feature(id="A", connection="demo", record=text)) == ("demo", record)  # gpkg, fgb, csv
    # GeoJSON's driver hands JSON objects back parsed; nulls inside may come back as QVariant nulls
    assert read_scene(_feature(id="A", connection="demo", record=record)) == ("demo", record)
    assert scene_layer.plain({"a": [NULL, {"b": NULL}], "c": 1}) == {"a": [None, {"b": None}], "c": 1}


@pytest.mark.parametrize("record, message", [
    (None, "A has no record.*Selected features only"),
    (NULL, "A has no record"),
    ("", "A has no record"),
    (json.dumps({"id": "A", "x": "y" * 300})[:254], "A is cut short.*254 characters.*Shapefile.*GeoPackage"),
    ("[1, 2]", "not a JSON object"),
])
def test_read_scene_says_what_is_wrong(qgis_app, record, message):
    with pytest.raises(SceneLayerError, match=message):
        read_scene(_feature(id="A", connection="demo", record=record))


def test_unfit_output_formats_are_named_with_an_alternative():
    for dest in ("/x/scenes.shp", "/x/SCENES.SHP", "scenes.tab", "a.dxf"):
        assert "GeoPackage (.gpkg)" in output_format_problem(dest)
    for dest in ("/x/s.gpkg", "s.geojson", "s.fgb", "s.csv", "memory:", "TEMPORARY_OUTPUT",
                 "ogr:dbname='/x/s.gpkg' table=\"s\"", "postgres://dbname=x"):
        assert output_format_problem(dest) is None
