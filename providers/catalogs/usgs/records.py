"""M2M ``scene-search`` results → :class:`~...model.Scene`.

A result (recorded ``usgs-m2m/landsatxplore/scene-search_landsat_ot_c2_l2_point.json``) has
``entityId``, ``displayId`` (the Landsat product id), ``cloudCover`` as a string,
``spatialCoverage`` (the footprint), ``spatialBounds``, ``temporalCoverage.startDate``
(``YYYY-MM-DD HH:MM:SS``) and ``browse[]`` (quicklooks).
"""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Dict, Mapping, Optional, Tuple

from ...model import UTC, Asset, Scene
from ...scene_ids import parse_scene_key
from ... import errors

BUNDLE = "bundle"
HREF_SCHEME = "usgs-m2m://"

_PLATFORMS = {"LC08": "landsat-8", "LC09": "landsat-9", "LO08": "landsat-8", "LT08": "landsat-8",
              "LE07": "landsat-7", "LT05": "landsat-5", "LT04": "landsat-4", "LM05": "landsat-5",
              "LM04": "landsat-4"}
_PRODUCT_ID = re.compile(r"^(L[COTEM]0\d)_(\w{4})_(\d{3})(\d{3})_(\d{8})_\d{8}_(\d{2})_(T1|T2|RT)$")

# The files of a Collection 2 product, by the suffix after the product id (Landsat Collection 2
# Level-1 / Level-2 Data Format Control Books; ".TIF" is left out of the asset names). The
# real list of a scene comes from ``download-options`` when it is downloaded.
_META = ("MTL.txt", "MTL.xml", "MTL.json", "ANG.txt")
_ANGLES = ("SAA", "SZA", "VAA", "VZA")
_ST = ("ST_B{t}", "ST_ATRAN", "ST_CDIST", "ST_DRAD", "ST_EMIS", "ST_EMSD", "ST_QA", "ST_TRAD", "ST_URAD")
BAND_FILES: Dict[str, Tuple[str, ...]] = {
    "landsat_ot_c2_l2": tuple(f"SR_B{i}" for i in range(1, 8)) + ("SR_QA_AEROSOL",)
    + tuple(s.format(t=10) for s in _ST) + ("QA_PIXEL", "QA_RADSAT") + _META,
    "landsat_ot_c2_l1": tuple(f"B{i}" for i in range(1, 12)) + ("QA_PIXEL", "QA_RADSAT") + _ANGLES + _META,
    "landsat_etm_c2_l2": tuple(f"SR_B{i}" for i in (1, 2, 3, 4, 5, 7)) + ("SR_ATMOS_OPACITY", "SR_CLOUD_QA")
    + tuple(s.format(t=6) for s in _ST) + ("QA_PIXEL", "QA_RADSAT") + _META,
    "landsat_etm_c2_l1": tuple(f"B{i}" for i in (1, 2, 3, 4, 5)) + ("B6_VCID_1", "B6_VCID_2", "B7", "B8",
                                                                   "QA_PIXEL", "QA_RADSAT") + _ANGLES + _META,
    "landsat_tm_c2_l2": tuple(f"SR_B{i}" for i in (1, 2, 3, 4, 5, 7)) + ("SR_ATMOS_OPACITY", "SR_CLOUD_QA")
    + tuple(s.format(t=6) for s in _ST) + ("QA_PIXEL", "QA_RADSAT") + _META,
    "landsat_tm_c2_l1": tuple(f"B{i}" for i in range(1, 8)) + ("QA_PIXEL", "QA_RADSAT") + _ANGLES + _META,
}


def file_suffix(product_id: str, file_name: str) -> Optional[str]:
    """The asset name of one of a product's files: ``LC08_..._T2_SR_B4.TIF`` → ``SR_B4``,
    ``LC08_..._T2_MTL.txt`` → ``MTL.txt``; None when the file is not named after the product."""
    name = file_name.rsplit("/", 1)[-1]
    if not name.startswith(product_id + "_"):
        return None
    suffix = name[len(product_id) + 1:]
    return suffix[:-4] if suffix.upper().endswith(".TIF") else suffix


def band_file_name(product_id: str, suffix: str) -> str:
    """The file name of asset ``suffix`` (the inverse of :func:`file_suffix`)."""
    return f"{product_id}_{suffix}" + ("" if "." in suffix else ".TIF")


def asset_href(dataset: str, entity_id: str, key: str) -> str:
    """A reference to a file M2M hands out only after a ``download-request`` (never fetched as is)."""
    return f"{HREF_SCHEME}{dataset}/{entity_id}/{key}"


def _datetime(text: Any) -> Optional[_dt.datetime]:
    if not text:
        return None
    value = str(text).strip().replace("T", " ").replace("Z", "")
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return _dt.datetime.strptime(value[:26], fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _bbox(geometry: Optional[Mapping[str, Any]]) -> Optional[Tuple[float, float, float, float]]:
    xs, ys = [], []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            xs.append(float(coords[0]))
            ys.append(float(coords[1]))
        else:
            for c in coords or ():
                walk(c)

    if geometry:
        walk(geometry.get("coordinates"))
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _cloud(value: Any) -> Optional[float]:
    try:
        cloud = float(value)
    except (TypeError, ValueError):
        return None
    return cloud if 0 <= cloud <= 100 else None   # M2M uses -1 for "unknown"


@errors.tolerant_record("USGS M2M")
def record_to_scene(record: Mapping[str, Any], dataset: str, connection_name: Optional[str] = None) -> Scene:
    """One ``scene-search`` result as a scene with a ``bundle`` asset and one asset per band file."""
    display_id = str(record.get("displayId") or record.get("entityId") or "")
    entity_id = str(record.get("entityId") or "")
    geometry = record.get("spatialCoverage") or record.get("spatialBounds")
    temporal = record.get("temporalCoverage") or {}
    browse = [b for b in record.get("browse") or () if isinstance(b, Mapping)]
    thumbnail = next((b.get("thumbnailPath") or b.get("browsePath") for b in browse
                      if b.get("thumbnailPath") or b.get("browsePath")), None)
    properties: Dict[str, Any] = {"entityId": entity_id, "displayId": display_id, "datasetName": dataset,
                                  "publishDate": record.get("publishDate")}
    m = _PRODUCT_ID.match(display_id)
    if m:
        properties.update({"landsat:wrs_path": m.group(3), "landsat:wrs_row": m.group(4),
                           "landsat:collection_category": m.group(7), "processing:level": m.group(2)})
    assets: Dict[str, Asset] = {
        BUNDLE: Asset(BUNDLE, asset_href(dataset, entity_id, BUNDLE), "application/x-tar", ("data", "archive"),
                      title="Whole product (tar bundle)", extra={"file_name": display_id + ".tar"})}
    for suffix in BAND_FILES.get(dataset, ()):
        # no media type for the GeoTIFFs: they cannot be streamed (USGS hands out a URL only
        # after a download request), so the panel must not offer them as map layers
        media = None if "." not in suffix else (
            "application/json" if suffix.endswith(".json") else
            "application/xml" if suffix.endswith(".xml") else "text/plain")
        roles = ("data",) if "." not in suffix else ("metadata",)
        assets[suffix] = Asset(suffix, asset_href(dataset, entity_id, suffix), media, roles,
                               title=band_file_name(display_id, suffix))
    for b in browse[:1]:
        if b.get("browsePath"):
            assets["browse"] = Asset("browse", str(b["browsePath"]), "image/jpeg", ("overview",),
                                     title=str(b.get("browseName") or "Browse"))
    return Scene(
        id=display_id, collection=dataset, datetime=_datetime(temporal.get("startDate")),
        geometry=dict(geometry) if geometry else None, bbox=_bbox(geometry),
        cloud_cover=_cloud(record.get("cloudCover")), platform=_PLATFORMS.get(display_id[:4]),
        thumbnail=thumbnail, assets=assets, properties=properties, connection=connection_name,
        scene_key=parse_scene_key(display_id), record=dict(record, datasetName=dataset), online=True)
