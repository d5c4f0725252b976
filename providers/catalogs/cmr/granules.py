"""CMR records (UMM-G granules, ``collections.json`` entries) to the plugin's model, and the
search parameters CMR wants (collection names, counter-clockwise polygons, temporal ranges).

Sources: ``nasa/Common-Metadata-Repository`` ``search-app/docs/api.md`` (parameters) and the
recorded answers in ``shared/data/real/nasa-cmr/`` (UMM-G of MOD02QKM, HLSL30 assets).
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Tuple
from urllib.parse import unquote, urlsplit

from ... import errors
from ...model import Asset, Checksum, CollectionInfo, Scene, format_instant, parse_instant
from ...scene_ids import parse_scene_key

CONCEPT_ID = re.compile(r"^C\d+-[A-Za-z0-9_]+$")
COG_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"
_DATA_EXT = {".tif": COG_TYPE, ".tiff": COG_TYPE, ".hdf": "application/x-hdfeos", ".h5": "application/x-hdf5",
             ".he5": "application/x-hdf5", ".nc": "application/x-netcdf", ".nc4": "application/x-netcdf",
             ".zip": "application/zip"}
_METADATA_EXT = {".xml": "application/xml", ".json": "application/json", ".txt": "text/plain",
                 ".md5": "text/plain", ".sha256": "text/plain"}
# HLS granule names: HLS.L30.T13SDV.2021035T173836.v2.0 (the tile, day of year and time)
_HLS = re.compile(r"^HLS\.(L30|S30)\.T(\d{2}[A-Z]{3})\.(\d{7})T(\d{6})\.v(\d+\.\d+)$")


# --------------------------------------------------------------------- collection names
def collection_params(name: str) -> List[Tuple[str, str]]:
    """``HLSL30_2.0`` → short_name + version; ``C2021957657-LPCLOUD`` → collection_concept_id;
    a name without ``_VERSION`` → short_name only (every version)."""
    text = (name or "").strip()
    if not text:
        raise errors.InvalidRequestError("An empty collection name was given.")
    if CONCEPT_ID.match(text):
        return [("collection_concept_id", text)]
    short, sep, version = text.rpartition("_")
    if sep and short and re.fullmatch(r"v?\d+(\.\d+)*", version):
        return [("short_name", short), ("version", version)]
    return [("short_name", text)]


def collection_name(umm: Dict[str, Any], meta: Dict[str, Any]) -> Optional[str]:
    """A granule's collection the CMR-STAC way (``SHORTNAME_VERSION``), else its concept id."""
    ref = umm.get("CollectionReference") or {}
    if ref.get("ShortName") and ref.get("Version"):
        return f"{ref['ShortName']}_{ref['Version']}"
    return meta.get("collection-concept-id") or ref.get("EntryTitle")


# ------------------------------------------------------------------------------ spatial
def polygon_values(aoi) -> List[str]:
    """One CMR ``polygon`` value per part of ``aoi``: the outer ring, counter-clockwise, first
    point repeated, ``lon1,lat1,lon2,lat2,...``. CMR takes no holes, so a hole is searched as
    part of its polygon."""
    from shapely.geometry import Polygon
    from shapely.geometry.polygon import orient

    parts = list(getattr(aoi, "geoms", [aoi]))
    out = []
    for part in parts:
        ring = orient(Polygon(part.exterior.coords), sign=1.0).exterior.coords
        coords = list(ring)
        if coords[0] != coords[-1]:
            coords.append(coords[0])
        out.append(",".join(f"{_num(x)},{_num(y)}" for x, y in coords))
    return out


def is_rectangle(aoi) -> bool:
    """The AOI is one axis-aligned box (sent as ``bounding_box``)."""
    if aoi is None or aoi.geom_type != "Polygon" or list(aoi.interiors):
        return False
    from shapely.geometry import box

    return abs(box(*aoi.bounds).area - aoi.area) <= 1e-12 * max(1.0, aoi.area) and len(aoi.exterior.coords) <= 5


def _num(value: float) -> str:
    text = f"{value:.7f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def temporal_value(start, end) -> Optional[str]:
    """``temporal=start,end`` (either side may be empty); whole days are inclusive because the
    request's end is the last instant of its day."""
    if start is None and end is None:
        return None
    return f"{format_instant(start) if start else ''},{format_instant(end) if end else ''}"


# ------------------------------------------------------------------------------ granules
def _points_polygon(points: Iterable[dict]) -> Optional[List[List[float]]]:
    ring = [[float(p["Longitude"]), float(p["Latitude"])] for p in points
            if isinstance(p, dict) and "Longitude" in p and "Latitude" in p]
    if len(ring) < 3:
        return None
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    return ring


def granule_geometry(umm: Dict[str, Any]) -> Optional[dict]:
    """GeoJSON of ``SpatialExtent.HorizontalSpatialDomain.Geometry`` (GPolygons, bounding
    rectangles), or None (orbit-only granules)."""
    geom = ((umm.get("SpatialExtent") or {}).get("HorizontalSpatialDomain") or {}).get("Geometry") or {}
    polygons = []
    for gpoly in geom.get("GPolygons") or []:
        ring = _points_polygon(((gpoly or {}).get("Boundary") or {}).get("Points") or [])
        if ring:
            polygons.append([ring])
    for rect in geom.get("BoundingRectangles") or []:
        try:
            w, e = float(rect["WestBoundingCoordinate"]), float(rect["EastBoundingCoordinate"])
            s, n = float(rect["SouthBoundingCoordinate"]), float(rect["NorthBoundingCoordinate"])
        except (KeyError, TypeError, ValueError):
            continue
        polygons.append([[[w, s], [e, s], [e, n], [w, n], [w, s]]])
    if not polygons:
        return None
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def _bbox(geometry: Optional[dict]) -> Optional[Tuple[float, float, float, float]]:
    if not geometry:
        return None
    rings = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    xs = [p[0] for poly in rings for ring in poly for p in ring]
    ys = [p[1] for poly in rings for ring in poly for p in ring]
    return (min(xs), min(ys), max(xs), max(ys))


def producer_id(umm: Dict[str, Any]) -> Optional[str]:
    for ident in (umm.get("DataGranule") or {}).get("Identifiers") or []:
        if isinstance(ident, dict) and ident.get("IdentifierType") == "ProducerGranuleId" and ident.get("Identifier"):
            return str(ident["Identifier"])
    return None


def additional_attribute(umm: Dict[str, Any], name: str) -> Optional[str]:
    for attr in umm.get("AdditionalAttributes") or []:
        if isinstance(attr, dict) and attr.get("Name") == name and attr.get("Values"):
            return str(attr["Values"][0])
    return None


def hls_scene_key(scene_id: str, umm: Dict[str, Any]):
    """The key of the Landsat / Sentinel-2 scene an HLS granule was made from: HLS names carry
    the tile and day but neither the Landsat path/row nor the Sentinel-2 unit, so the source
    product id comes from the granule's ``LANDSAT_PRODUCT_ID`` / ``PRODUCT_URI`` attributes."""
    if not _HLS.match(scene_id):
        return None
    for name in ("LANDSAT_PRODUCT_ID", "PRODUCT_URI"):
        source = additional_attribute(umm, name)
        if source:
            # PRODUCT_URI may list several source products; the first names the acquisition
            key = parse_scene_key(source.replace(";", " ").replace(",", " ").split()[0])
            if key is not None:
                return key
    return None


def _file_name(url: str) -> str:
    return unquote(urlsplit(url).path).rstrip("/").rsplit("/", 1)[-1]


def _extension(name: str) -> str:
    lower = name.lower()
    for ext in sorted(list(_DATA_EXT) + list(_METADATA_EXT), key=len, reverse=True):
        if lower.endswith(ext):
            return ext
    return ""


def asset_key(file_name: str, granule_id: str, used: Dict[str, str]) -> str:
    """``HLS.L30.T13SDV.2021035T173836.v2.0.B04.tif`` → ``B04``; a file named after the
    granule alone (MODIS ``….hdf``) → its format (``hdf``)."""
    ext = _extension(file_name)
    stem = file_name[: -len(ext)] if ext else file_name
    base_id = granule_id
    for suffix in (".hdf", ".h5", ".nc", ".zip"):
        if base_id.lower().endswith(suffix):
            base_id = base_id[: -len(suffix)]
    if stem.startswith(base_id) and len(stem) > len(base_id) + 1 and stem[len(base_id)] in "._-":
        key = stem[len(base_id) + 1:]
    elif stem == base_id:
        key = ext.lstrip(".") or "data"
    else:
        key = stem
    key = re.sub(r"[^A-Za-z0-9_.+-]+", "_", key) or "data"
    if key in used and used[key] != file_name:
        n = 2
        while f"{key}_{n}" in used:
            n += 1
        key = f"{key}_{n}"
    used[key] = file_name
    return key


def _archive_info(umm: Dict[str, Any]) -> Dict[str, dict]:
    out = {}
    for info in (umm.get("DataGranule") or {}).get("ArchiveAndDistributionInformation") or []:
        if isinstance(info, dict) and info.get("Name"):
            out[str(info["Name"])] = info
    return out


def _checksum(info: dict) -> Optional[Checksum]:
    value = (info.get("Checksum") or {}) if isinstance(info.get("Checksum"), dict) else {}
    algo = str(value.get("Algorithm") or "").replace("-", "").lower()
    if value.get("Value") and algo in ("md5", "sha1", "sha256", "sha512"):
        return Checksum(algo, str(value["Value"]).lower())
    return None


@errors.tolerant_record("NASA CMR")
def umm_granule_to_scene(item: Dict[str, Any], connection: Optional[str], cmr_url: str = "") -> Scene:
    """One ``granules.umm_json`` item (``{"meta", "umm"}``) as a :class:`Scene`: id = producer
    granule id (else GranuleUR); assets = the ``GET DATA`` files by band name; the browse
    image (``GET RELATED VISUALIZATION``) as thumbnail; ``s3://`` direct-access links kept in
    each asset's ``extra`` (they only work inside AWS us-west-2)."""
    meta = item.get("meta") or {}
    umm = item.get("umm") or {}
    granule_ur = str(umm.get("GranuleUR") or meta.get("native-id") or meta.get("concept-id") or "")
    scene_id = producer_id(umm) or granule_ur
    temporal = umm.get("TemporalExtent") or {}
    rng = temporal.get("RangeDateTime") or {}
    start = rng.get("BeginningDateTime") or temporal.get("SingleDateTime")
    end = rng.get("EndingDateTime")
    geometry = granule_geometry(umm)
    archive = _archive_info(umm)
    assets: Dict[str, Asset] = {}
    used: Dict[str, str] = {}
    direct: Dict[str, str] = {}
    thumbnail = None
    for rel in umm.get("RelatedUrls") or []:
        if not isinstance(rel, dict) or not rel.get("URL"):
            continue
        url, kind = str(rel["URL"]), str(rel.get("Type") or "")
        name = _file_name(url)
        if kind == "GET DATA VIA DIRECT ACCESS":
            direct[name] = url
        elif kind == "GET DATA" and url.startswith(("http://", "https://")):
            ext = _extension(name)
            media = rel.get("MimeType") or _DATA_EXT.get(ext) or _METADATA_EXT.get(ext)
            if ext in (".tif", ".tiff"):
                media = COG_TYPE
            roles = ("metadata",) if ext in _METADATA_EXT else ("data",)
            key = asset_key(name, scene_id, used)
            info = archive.get(name) or (archive.get("Not provided") if len(archive) == 1 else None) or {}
            size = info.get("SizeInBytes")
            assets[key] = Asset(key=key, href=url, media_type=media, roles=roles, title=name,
                                size=int(size) if isinstance(size, (int, float)) else None,
                                checksum=_checksum(info))
        elif kind == "GET RELATED VISUALIZATION" and url.startswith(("http://", "https://")):
            if thumbnail is None or name.lower().endswith((".jpg", ".jpeg", ".png")):
                thumbnail = url
    for asset in assets.values():
        if asset.title in direct:
            asset.extra["s3_href"] = direct[asset.title]
    if thumbnail:
        assets["browse"] = Asset(key="browse", href=thumbnail, media_type="image/jpeg"
                                 if thumbnail.lower().endswith((".jpg", ".jpeg")) else None,
                                 roles=("thumbnail",), title=_file_name(thumbnail))
    cloud = umm.get("CloudCover")
    platforms = [p.get("ShortName") for p in umm.get("Platforms") or [] if isinstance(p, dict) and p.get("ShortName")]
    properties: Dict[str, Any] = {
        "start_datetime": start, "end_datetime": end, "cmr:concept_id": meta.get("concept-id"),
        "cmr:collection_concept_id": meta.get("collection-concept-id"), "cmr:granule_ur": granule_ur,
        "cmr:provider": meta.get("provider-id"),
    }
    day_night = (umm.get("DataGranule") or {}).get("DayNightFlag")
    if day_night:
        properties["cmr:day_night_flag"] = day_night
    if cloud is not None:
        properties["eo:cloud_cover"] = cloud
    if platforms:
        properties["platform"] = platforms[0]
    source = additional_attribute(umm, "LANDSAT_PRODUCT_ID") or additional_attribute(umm, "PRODUCT_URI")
    if source:
        properties["hls:source_product"] = source
    key = hls_scene_key(scene_id, umm) or parse_scene_key(scene_id)
    concept = meta.get("concept-id")
    return Scene(
        id=scene_id, collection=collection_name(umm, meta),
        datetime=parse_instant(start) if start else None, geometry=geometry, bbox=_bbox(geometry),
        cloud_cover=float(cloud) if isinstance(cloud, (int, float)) else None,
        platform=platforms[0] if platforms else None, thumbnail=thumbnail, assets=assets,
        properties=properties, connection=connection, scene_key=key, record=dict(item), online=True,
        self_href=f"{cmr_url.rstrip('/')}/concepts/{concept}.umm_json" if cmr_url and concept else None)


# --------------------------------------------------------------------------- collections
def collection_entry_to_info(entry: Dict[str, Any]) -> CollectionInfo:
    """A ``collections.json`` entry (``short_name``, ``version_id``, ``title``, ``summary``,
    ``time_start``, ``boxes``…, recorded in ``collections_json_SWOT_page_size1.json``)."""
    short, version = entry.get("short_name"), entry.get("version_id")
    cid = f"{short}_{version}" if short and version else str(entry.get("id") or short)
    bbox = None
    for box in entry.get("boxes") or []:
        try:
            s, w, n, e = (float(v) for v in str(box).split())
        except ValueError:
            continue
        bbox = (w, s, e, n)
        break
    keywords = tuple(str(k) for k in (entry.get("platforms") or []) if k)
    return CollectionInfo(id=cid, title=entry.get("title") or cid, description=entry.get("summary"),
                          temporal_extent=(entry.get("time_start"), entry.get("time_end")),
                          spatial_extent=bbox, keywords=keywords + (str(entry.get("id") or ""),),
                          record=dict(entry))
