"""The scene layer schema: one set of fields for the panel's footprint layer and the layers
``eoscenefinder:search`` writes, a scene as attributes, and features read back into
``(connection text, record)`` whatever the vector format made of the JSON fields.

``record`` (the full item or product JSON, unsigned) is what Download, Mosaic and Export
rebuild a scene from; ``assets`` is the unsigned asset dictionary for people and exports.
Formats return these JSON fields differently: a ``str`` (GeoPackage, FlatGeobuf, CSV,
memory), a ``dict``/``list`` (GeoJSON, whose driver parses JSON-looking strings), a null, or
a string cut short (Shapefile and MapInfo keep 254 characters).
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, Optional, Tuple

from qgis.core import QgsFields, QgsGeometry, QgsJsonUtils, QgsPointXY

from ..providers.model import LazyScene, Scene
from ..providers.net.redact import SECRET_QUERY_KEYS, strip_signature, strip_signatures
from ..qgis_compat import field
from ..i18n import tr, tr_noop

SCENE_FIELDS = (
    ("id", "string"), ("collection", "string"), ("datetime", "string"), ("cloud_cover", "double"),
    ("platform", "string"), ("connection", "string"), ("scene_key", "string"), ("thumbnail", "string"),
    ("online", "bool"), ("assets", "string"), ("record", "string"),
)
FIELD_NAMES = tuple(name for name, _kind in SCENE_FIELDS)
ASSETS_INDEX = FIELD_NAMES.index("assets")
RECORD_INDEX = FIELD_NAMES.index("record")
REQUIRED_FIELDS = ("connection", "record")

#: formats that cut text at 254 characters or cannot store the fields at all (output extension)
#: (shown as tr(reason))
UNFIT_FORMATS = {
    ".shp": tr_noop("Shapefile keeps at most 254 characters of text"),
    ".dbf": tr_noop("dBase keeps at most 254 characters of text"),
    ".tab": tr_noop("MapInfo TAB keeps at most 254 characters of text"),
    ".mif": tr_noop("MapInfo MIF keeps at most 254 characters of text"),
    ".dxf": tr_noop("DXF stores no attributes"),
    ".dgn": tr_noop("DGN stores no attributes"),
    ".gpx": tr_noop("GPX stores no polygons nor these attributes"),
    ".000": tr_noop("S-57 stores no such attributes"),
    ".ili": tr_noop("INTERLIS does not keep these attributes as written"),
    ".itf": tr_noop("INTERLIS does not keep these attributes as written"),
    ".xtf": tr_noop("INTERLIS does not keep these attributes as written"),
    ".xml": tr_noop("PDS4 does not keep these attributes as written"),
}
GOOD_FORMATS = tr_noop("GeoPackage (.gpkg), GeoJSON (.geojson), FlatGeobuf (.fgb) or CSV (.csv)")
NO_RECORD_HINT = tr_noop("in the EO Scene Finder panel, select the scenes (in the table or on the map), then tick "
                         "“Selected features only”, or use a layer written by “Search scenes”")


class SceneLayerError(Exception):
    """A feature or layer that cannot give a scene back; the text says what to do."""


def scene_fields() -> QgsFields:
    """The fields of a scene layer, in schema order."""
    fields = QgsFields()
    for name, kind in SCENE_FIELDS:
        fields.append(field(name, kind))
    return fields


# What strip_signature could change: a secret query key (whole key, any case), an x-amz-*
# key, a percent-encoded key, or user:password@ in a URL. Text without any of these is
# returned as it is, without parsing every URL of a 15 KB item (the slow part of writing
# it): a str.find scan over '?' and '&' costs ~20 µs an item, a regex over the text ~200 µs.
_QUERY_KEY = re.compile(r'[^=&#"\s\\]*')
_USERINFO = re.compile(r'://[^/?#"\s]*@')


def _maybe_signed(text: str) -> bool:
    low = text.lower()
    for sep in "?&":
        i = low.find(sep)
        while i >= 0:
            key = _QUERY_KEY.match(low, i + 1).group()
            if key in SECRET_QUERY_KEYS or key.startswith("x-amz-") or "%" in key:
                return True
            i = low.find(sep, i + 1)
    return "@" in text and _USERINFO.search(text) is not None


def unsigned_url(url: str) -> str:
    """``strip_signature(url)``, without parsing URLs that carry nothing to strip."""
    return strip_signature(url) if url and _maybe_signed(url) else url


def unsigned_json(value: Any) -> str:
    """``json.dumps(strip_signatures(value))``, without walking values that carry nothing to strip."""
    text = json.dumps(value, default=str)
    if _maybe_signed(text):
        text = json.dumps(strip_signatures(value), default=str)
    return text


def json_attributes(scene: Scene) -> Tuple[str, str]:
    """``(assets, record)`` as JSON text, unsigned: signed hrefs expire and are secrets; download
    and mosaic sign again when they use them."""
    return (unsigned_json({k: a.to_dict() for k, a in scene.assets.items()}), _record_json(scene))


def _record_json(scene: Scene) -> str:
    # a lazy scene's text is its record as published (before any signing): written as it is
    # when it carries nothing to strip, without decoding and encoding it again
    published = scene.published_record_text() if isinstance(scene, LazyScene) else None
    if published is not None and not _maybe_signed(published):
        return published
    return unsigned_json(scene.record)


def scene_attributes(scene: Scene, connection_text: str, *, with_json: bool = True) -> list:
    """A scene as attributes in schema order; ``with_json=False`` leaves ``assets`` and ``record``
    null (the footprint layer fills them for the scenes a user selects)."""
    assets, record = json_attributes(scene) if with_json else (None, None)
    return [
        scene.id, scene.collection or "", scene.date_text, scene.cloud_cover, scene.platform or "",
        connection_text, str(scene.scene_key) if scene.scene_key else "",
        unsigned_url(scene.thumbnail or ""), scene.online, assets, record,
    ]


def geometry_from_geojson(geom: Optional[dict], bbox=None) -> QgsGeometry:
    """A QgsGeometry from a GeoJSON polygon/multipolygon dict (fast path), else via QGIS,
    else the bbox."""
    if geom:
        gtype = geom.get("type")
        coords = geom.get("coordinates")
        try:
            if gtype == "Polygon":
                return QgsGeometry.fromPolygonXY([[QgsPointXY(c[0], c[1]) for c in ring] for ring in coords])
            if gtype == "MultiPolygon":
                return QgsGeometry.fromMultiPolygonXY(
                    [[[QgsPointXY(c[0], c[1]) for c in ring] for ring in poly] for poly in coords])
        except (TypeError, IndexError):
            pass
        g = QgsJsonUtils.geometryFromGeoJson(json.dumps(geom)) if hasattr(QgsJsonUtils, "geometryFromGeoJson") else None
        if g is not None and not g.isNull():
            return g
    if bbox:
        w, s, e, n = bbox[:4]
        return QgsGeometry.fromPolygonXY([[QgsPointXY(w, s), QgsPointXY(e, s), QgsPointXY(e, n),
                                           QgsPointXY(w, n), QgsPointXY(w, s)]])
    return QgsGeometry()


def output_format_problem(destination: str) -> Optional[str]:
    """Why a search output at ``destination`` could not hold the ``record`` field (None if it can)."""
    path = (destination or "").split("|", 1)[0]
    if path.startswith("ogr:") or "://" in path or path.startswith(("memory:", "postgres", "spatialite")):
        return None
    ext = os.path.splitext(path)[1].lower()
    reason = UNFIT_FORMATS.get(ext)
    if reason is None:
        return None
    return tr("The output {file} cannot hold the scenes' records ({reason}; a record is a whole item of several "
              "KB), so Download, Mosaic and Export could not use it. Write the scenes as {formats} instead.").format(
        file=os.path.basename(path), reason=tr(reason), formats=tr(GOOD_FORMATS))


def plain(value: Any) -> Any:
    """A feature value as plain Python: QVariant nulls (also inside maps and lists) become None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    is_null = getattr(value, "isNull", None)
    if callable(is_null) and type(value).__name__ == "QVariant":
        return None if is_null() else plain(value.value())
    return value


def _json_field(value: Any, name: str, scene_id: str) -> Any:
    """The parsed content of a JSON field (None when empty or null)."""
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        return value  # GeoJSON hands JSON-looking strings back parsed
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as err:
        cut = tr(", where Shapefile and MapInfo cut text") if len(text) in (254, 255) else ""
        raise SceneLayerError(
            tr("The “{name}” of scene {scene_id} is cut short or damaged ({length} characters{cut}): its file format "
               "could not hold a whole record. Run “Search scenes” again and write its output as {formats}.").format(
                name=name, scene_id=scene_id, length=len(text), cut=cut, formats=tr(GOOD_FORMATS))) from err


def missing_fields(names) -> list:
    """The fields Download, Mosaic and Export need that ``names`` lacks."""
    return [n for n in REQUIRED_FIELDS if n not in names]


def _scene_id(feature) -> str:
    try:
        value = plain(feature["id"])
    except KeyError:
        value = None
    return str(value) if value not in (None, "") else tr("(feature {fid})").format(fid=feature.id())


def read_scene(feature) -> Tuple[str, Dict[str, Any]]:
    """``(connection text, record dict)`` of a scene layer feature; SceneLayerError with what to
    do when its record is missing, cut short or not an object."""
    scene_id = _scene_id(feature)
    conn = plain(feature["connection"])
    record = _json_field(feature["record"], "record", scene_id)
    if record is None or record == {}:
        raise SceneLayerError(tr("Scene {scene_id} has no record (the panel fills it only for selected scenes): "
                                 "{hint}.").format(scene_id=scene_id, hint=tr(NO_RECORD_HINT)))
    if not isinstance(record, dict):
        raise SceneLayerError(tr("The “record” of scene {scene_id} is not a JSON object: use a layer made by “Search "
                                 "scenes” or the panel's Scene footprints.").format(scene_id=scene_id))
    if not conn:
        raise SceneLayerError(tr("Scene {scene_id} has no connection: use a layer made by “Search scenes” or the "
                                 "panel's Scene footprints.").format(scene_id=scene_id))
    return str(conn), record


def read_assets(feature) -> Dict[str, Any]:
    """The ``assets`` field as a dict (empty when the layer has none)."""
    if feature.fields().indexOf("assets") < 0:
        return {}
    value = _json_field(feature["assets"], "assets", _scene_id(feature))
    return value if isinstance(value, dict) else {}


def feature_value(feature, name: str) -> Any:
    """An attribute as plain Python, None when null or absent."""
    if feature.fields().indexOf(name) < 0:
        return None
    return plain(feature[name])


def _typed(value: Any, kind: str) -> Any:
    """``value`` as the schema type ``kind`` (CSV gives every field back as text)."""
    if value is None or value == "":
        return None if kind != "string" else value
    try:
        if kind == "double":
            return float(value)
        if kind == "bool":
            return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "1", "yes", "t")
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, str) else str(value)


def schema_attributes(feature, connection_text: str, record: Dict[str, Any]) -> list:
    """A feature of any scene layer as attributes in schema order and types, JSON fields as text."""
    attrs = []
    for name, kind in SCENE_FIELDS:
        if name == "connection":
            attrs.append(connection_text)
        elif name == "record":
            attrs.append(json.dumps(record, default=str))
        elif name == "assets":
            attrs.append(json.dumps(read_assets(feature), default=str))
        else:
            attrs.append(_typed(feature_value(feature, name), kind))
    return attrs
