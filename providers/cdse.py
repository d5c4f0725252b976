"""Copernicus Data Space Ecosystem (CDSE) OData catalogue, kind ``cdse`` (and ``creodias``).

Search gets past the service's limits (``$top`` ≤ 1000, ``$skip`` ≤ 10000): the date range
is cut into slices sized from what the answers say (a full page of 1000 products covering
N days means about 1000/N products a day), the slices run concurrently (at most 5 at a time,
under a token-bucket request rate that backs off on 429), a slice that still fills a page is
cut where its page ended and the rest re-split, and the products are deduplicated by name
keeping the newest ``ModificationDate``. Results stream slice by slice, in date order, as
:class:`ProgressPage` pages that carry a :class:`SearchProgress` the panel can show.

Filters: collection, AOI as ``OData.CSC.Intersects`` with the true polygon (simplified,
then filtered exactly client-side, when the URL would be too long), ``ContentDate/Start``
bounds (end date inclusive), cloud cover, ``SearchRequest.provider_filters`` on product
attributes (``productType``, ``orbitDirection``, ``relativeOrbitNumber``, ``sensorMode``,
``polarisation``, ``tileId``...) and simple CQL2 comparisons on the same names; the rest of a
CQL2 filter is evaluated client-side. No ``$count`` is ever asked.

Scenes carry the product's online state, size, MD5 checksum, S3 path, quicklook, canonical
scene key and a ``product`` asset: the zipper URL ``.../Products(<Id>)/$value``, downloaded
by the shared download engine with bearer tokens from the token manager
(:meth:`CdseODataProvider.download_jobs`). S3 downloads: :mod:`.cdse_s3`.
"""
from __future__ import annotations

import csv
import datetime as _dt
import json
import logging
import math
import random
import re
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote, urlencode, urlsplit

import requests

from . import errors
from . import http as eohttp
from .base import Connection, Provider, SearchResults
from .model import Asset, CollectionInfo, Page, Scene, SearchRequest
from .redact import redact_text, redact_url
from .response_cache import ResponseCache
from .scene_ids import parse_scene_key

LOG = logging.getLogger(__name__)
UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)

MAX_TOP = 1000          # the service refuses $top > 1000 (HTTP 422)
MAX_SKIP = 10000        # ... and $skip > 10000 (HTTP 422; no nextLink past it)
MAX_CONCURRENCY = 5     # polite ceiling on simultaneous catalogue requests
DEFAULT_CONCURRENCY = 5
DEFAULT_RPS = 10.0
DEFAULT_MAX_URL = 7000  # the service sits behind a proxy with ~8 kB request lines
DEFAULT_START = _dt.datetime(1980, 1, 1, tzinfo=UTC)
WHAT = "The Copernicus Data Space catalogue"

CDSE_ENDPOINTS = {
    "url": "https://catalogue.dataspace.copernicus.eu/odata/v1",
    "download_url": "https://zipper.dataspace.copernicus.eu/odata/v1",
    "token_url": "https://identity.dataspace.copernicus.eu/auth/realms/CDSE/protocol/openid-connect/token",
    "client_id": "cdse-public",
    "s3_endpoint": "https://eodata.dataspace.copernicus.eu",
    "s3_bucket": "eodata",
    "s3_region": "default",
    "browser": "https://browser.dataspace.copernicus.eu",
}
CREODIAS_ENDPOINTS = {
    "url": "https://datahub.creodias.eu/odata/v1",
    "download_url": "https://zipper.creodias.eu/odata/v1",
    "token_url": "https://identity.cloudferro.com/auth/realms/Creodias-new/protocol/openid-connect/token",
    "client_id": "CLOUDFERRO_PUBLIC",
    "s3_endpoint": "https://eodata.cloudferro.com",
    "s3_bucket": "eodata",
    "s3_region": "default",
    "browser": "https://explore.creodias.eu",
}
REALM_TOKEN_PATH = "/auth/realms/CDSE/protocol/openid-connect/token"

# Collections the CDSE catalogue lists (Collection/Name), with when their data starts.
COLLECTIONS: Tuple[Tuple[str, str, str, str], ...] = (
    ("SENTINEL-1", "Sentinel-1", "C-band SAR: SLC, GRD, OCN and RAW products (IW, EW, SM, WV).", "2014-04-03"),
    ("SENTINEL-2", "Sentinel-2", "MSI multispectral Level-1C and Level-2A tiles (10-60 m).", "2015-06-23"),
    ("SENTINEL-3", "Sentinel-3", "OLCI, SLSTR, SRAL and synergy products.", "2016-02-16"),
    ("SENTINEL-5P", "Sentinel-5P", "TROPOMI atmospheric composition (L1B, L2: NO2, O3, CO, CH4...).", "2017-10-13"),
    ("SENTINEL-6", "Sentinel-6", "Poseidon-4 altimetry.", "2020-11-21"),
    ("SENTINEL-1-RTC", "Sentinel-1 RTC", "Radiometrically terrain-corrected Sentinel-1 backscatter.", "2014-04-03"),
    ("GLOBAL-MOSAICS", "Global mosaics", "Sentinel-1 and Sentinel-2 global mosaics.", "2017-01-01"),
    ("SMOS", "SMOS", "Soil Moisture and Ocean Salinity mission.", "2009-11-02"),
    ("ENVISAT", "Envisat", "Envisat MERIS archive.", "2002-03-01"),
    ("LANDSAT-5", "Landsat-5", "Landsat-5 TM archive (European ground stations).", "1984-03-01"),
    ("LANDSAT-7", "Landsat-7", "Landsat-7 ETM+ archive (European ground stations).", "1999-04-15"),
    ("LANDSAT-8", "Landsat-8", "Landsat-8 OLI/TIRS (European coverage).", "2013-02-11"),
    ("COP-DEM", "Copernicus DEM", "Copernicus digital elevation models GLO-30, GLO-90, EEA-10.", "2010-12-01"),
    ("TERRAAQUA", "Terra/Aqua MODIS", "MODIS products of Terra and Aqua.", "2000-02-24"),
    ("S2GLC", "S2GLC", "Sentinel-2 Global Land Cover 2017.", "2017-01-01"),
    ("CCM", "Copernicus Contributing Missions", "Very high resolution optical and SAR from contributing missions.", "1990-01-01"),
)

# Attribute value types (for filters when the service's list is not at hand).
ATTRIBUTE_TYPES: Dict[str, str] = {
    "productType": "String", "cloudCover": "Double", "orbitDirection": "String",
    "relativeOrbitNumber": "Integer", "orbitNumber": "Integer", "operationalMode": "String",
    "polarisationChannels": "String", "tileId": "String", "platformSerialIdentifier": "String",
    "platformShortName": "String", "instrumentShortName": "String", "processingLevel": "String",
    "swathIdentifier": "String", "timeliness": "String", "processingBaseline": "String",
    "processorVersion": "String", "productClass": "String", "sliceNumber": "Integer",
    "datatakeID": "Integer", "cycleNumber": "Integer", "processingDate": "DateTimeOffset",
    "beginningDateTime": "DateTimeOffset", "endingDateTime": "DateTimeOffset", "origin": "String",
    "processingMode": "String", "spatialResolution": "Integer", "coordinates": "String",
}
# Friendly and STAC names -> CDSE attribute names.
ALIASES: Dict[str, str] = {
    "sensorMode": "operationalMode", "sensor_mode": "operationalMode", "sar:instrument_mode": "operationalMode",
    "polarisation": "polarisationChannels", "polarization": "polarisationChannels",
    "polarizationChannels": "polarisationChannels", "sar:polarizations": "polarisationChannels",
    "tile": "tileId", "tileIdentifier": "tileId", "mgrs_tile": "tileId", "s2:mgrs_tile": "tileId",
    "relativeOrbit": "relativeOrbitNumber", "sat:relative_orbit": "relativeOrbitNumber",
    "orbit": "orbitNumber", "sat:absolute_orbit": "orbitNumber",
    "sat:orbit_state": "orbitDirection", "orbit_direction": "orbitDirection",
    "eo:cloud_cover": "cloudCover", "cloud_cover": "cloudCover", "cloudcover": "cloudCover",
    "product_type": "productType", "producttype": "productType",
}
# Common values per collection, so the panel can offer choices.
KNOWN_VALUES: Dict[str, Dict[str, List[Any]]] = {
    "SENTINEL-1": {"productType": ["IW_GRDH_1S", "IW_SLC__1S", "EW_GRDM_1S", "IW_OCN__2S", "IW_RAW__0S",
                                   "EW_GRDH_1S", "SM_GRDF_1S", "WV_OCN__2S"],
                   "operationalMode": ["IW", "EW", "SM", "WV"],
                   "polarisationChannels": ["VV&VH", "HH&HV", "VV", "HH"],
                   "orbitDirection": ["ASCENDING", "DESCENDING"],
                   "timeliness": ["NRT-3h", "Fast-24h", "NRT-10m"]},
    "SENTINEL-2": {"productType": ["S2MSI1C", "S2MSI2A"], "orbitDirection": ["ASCENDING", "DESCENDING"]},
    "SENTINEL-3": {"productType": ["OL_1_EFR___", "OL_1_ERR___", "OL_2_LFR___", "OL_2_WFR___", "SL_1_RBT___",
                                   "SL_2_LST___", "SL_2_WST___", "SR_2_LAN___", "SR_2_WAT___", "SY_2_SYN___"],
                   "orbitDirection": ["ASCENDING", "DESCENDING"], "timeliness": ["NR", "ST", "NT"]},
    "SENTINEL-5P": {"productType": ["L1B_RA_BD1", "L1B_RA_BD4", "L2__NO2___", "L2__O3____", "L2__CO____",
                                    "L2__CH4___", "L2__SO2___", "L2__HCHO__", "L2__CLOUD_", "L2__AER_AI"],
                    "processingMode": ["NRTI", "OFFL", "RPRO"]},
}
# Attributes shown first in the panel, per collection.
COMMON_FILTERS: Dict[str, Tuple[str, ...]] = {
    "SENTINEL-1": ("productType", "operationalMode", "polarisationChannels", "orbitDirection",
                   "relativeOrbitNumber", "swathIdentifier", "timeliness", "platformSerialIdentifier"),
    "SENTINEL-2": ("productType", "cloudCover", "tileId", "relativeOrbitNumber", "orbitDirection",
                   "platformSerialIdentifier", "processingBaseline"),
    "SENTINEL-3": ("productType", "cloudCover", "orbitDirection", "relativeOrbitNumber", "timeliness",
                   "platformSerialIdentifier"),
    "SENTINEL-5P": ("productType", "processingMode", "orbitNumber"),
}
_JSON_TYPES = {"String": "string", "Integer": "integer", "Double": "number", "Boolean": "boolean",
               "DateTimeOffset": "string"}
_NAME_SUFFIXES = (".SAFE.zip", ".SAFE", ".SEN3", ".zip", ".nc", ".tar", ".EOF", ".TGZ", ".tgz")
_ATTR_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


# ------------------------------------------------------------------------------ time
def to_us(moment: _dt.datetime) -> int:
    """Microseconds since 1970 (UTC) for an aware datetime."""
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int) -> _dt.datetime:
    return _EPOCH + _dt.timedelta(microseconds=int(value))


def odata_instant(value: int) -> str:
    """An OData date literal with microseconds (``2023-01-01T00:00:00.000000Z``)."""
    return from_us(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$")


def parse_us(text: Optional[str]) -> Optional[int]:
    """Microseconds of an ISO instant as the service writes them (None when unparseable)."""
    if not text:
        return None
    m = _ISO.match(text.strip())
    if not m:
        return None
    y, mo, d, hh, mm, ss, frac, tz = m.groups()
    try:
        moment = _dt.datetime(int(y), int(mo), int(d), int(hh), int(mm), int(ss),
                              int(((frac or "") + "000000")[:6]), tzinfo=UTC)
    except ValueError:
        return None
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        tz = tz.replace(":", "")
        moment -= sign * _dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5]))
    return to_us(moment)


# ------------------------------------------------------------------------ OData text
def quote_literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def value_literal(vtype: str, value: Any) -> str:
    """``value`` as an OData literal of attribute type ``vtype``."""
    if vtype == "String":
        return quote_literal(value)
    if vtype == "Integer":
        try:
            return str(int(value))
        except (TypeError, ValueError) as err:
            raise errors.InvalidRequestError(f"“{value}” is not a whole number.") from err
    if vtype == "Double":
        try:
            number = float(value)
        except (TypeError, ValueError) as err:
            raise errors.InvalidRequestError(f"“{value}” is not a number.") from err
        if not math.isfinite(number):
            raise errors.InvalidRequestError(f"“{value}” is not a finite number.")
        return repr(number)
    if vtype == "Boolean":
        return "true" if _truthy(value) else "false"
    if vtype == "DateTimeOffset":
        if isinstance(value, _dt.datetime):
            return odata_instant(to_us(value if value.tzinfo else value.replace(tzinfo=UTC)))
        us = parse_us(str(value)) if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)) else parse_us(str(value) + "T00:00:00Z")
        if us is None:
            raise errors.InvalidRequestError(f"“{value}” is not a date.")
        return odata_instant(us)
    raise errors.InvalidRequestError(f"Unknown attribute type {vtype}.")


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def attribute_clause(name: str, vtype: str, op: str, value: Any) -> str:
    """``Attributes/OData.CSC.<T>Attribute/any(att:att/Name eq '<name>' and att/.../Value <op> <v>)``."""
    t = f"OData.CSC.{vtype}Attribute"
    return (f"Attributes/{t}/any(att:att/Name eq {quote_literal(name)} and "
            f"att/{t}/Value {op} {value_literal(vtype, value)})")


def attribute_name(name: str) -> str:
    """The CDSE attribute behind a filter or property name (aliases resolved)."""
    return ALIASES.get(name, ALIASES.get(name.lower(), name)) if name else name


def normalize_value(name: str, value: Any) -> Any:
    """Values as the catalogue stores them (``descending`` -> ``DESCENDING``, ``VV+VH`` ->
    ``VV&VH``, ``T31TFJ`` -> ``31TFJ``)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if name == "orbitDirection":
        return text.upper()
    if name == "polarisationChannels":
        return text.upper().replace("+", "&").replace(" ", "").replace(",", "&")
    if name == "tileId" and re.fullmatch(r"[Tt]\d{2}[A-Za-z]{3}", text):
        return text[1:].upper()
    if name == "tileId":
        return text.upper()
    return text


_OPS = {"eq": "eq", "=": "eq", "==": "eq", "ne": "ne", "!=": "ne", "<>": "ne", "lt": "lt", "<": "lt",
        "le": "le", "<=": "le", "lte": "le", "gt": "gt", ">": "gt", "ge": "ge", ">=": "ge", "gte": "ge",
        "min": "ge", "max": "le"}


def _guess_type(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, _dt.datetime):
        return "DateTimeOffset"
    return "String"


# ---------------------------------------------------------------------------- geometry
def _num(v: float) -> str:
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _ring(coords) -> str:
    return ",".join(f"{_num(x)} {_num(y)}" for x, y, *_ in coords)


def geometry_wkt(geom) -> str:
    """WKT as the catalogue wants it (``POLYGON((lon lat,...))``, counter-clockwise shells)."""
    from shapely.geometry.polygon import orient
    polys = list(getattr(geom, "geoms", [geom]))
    parts = []
    for poly in polys:
        poly = orient(poly, sign=1.0)
        rings = [poly.exterior.coords] + [r.coords for r in poly.interiors]
        parts.append("(" + ",".join("(" + _ring(r) + ")" for r in rings) + ")")
    if len(parts) == 1:
        return "POLYGON" + parts[0]
    return "MULTIPOLYGON(" + ",".join(parts) + ")"


_URL_SAFE = "/:,()$"  # left as they are in query values; everything else is %-encoded


def encoded_length(text: str) -> int:
    """Length of ``text`` once %-encoded in a catalogue URL (as :class:`_SlicedSearch` sends it)."""
    return len(quote(text, safe=_URL_SAFE))


def intersects_clause(wkt: str) -> str:
    return f"OData.CSC.Intersects(area=geography'SRID=4326;{wkt}')"


def fit_aoi(aoi, max_chars: int) -> Tuple[str, bool]:
    """The AOI's WKT, simplified until its URL-encoded clause is at most ``max_chars``.

    The simplified polygon is grown by the simplification tolerance (mitred corners), so
    it still covers the true AOI: nothing is lost, and the client keeps only products that
    really intersect the true polygon. Returns (wkt, simplified)."""
    wkt = geometry_wkt(aoi)
    if encoded_length(intersects_clause(wkt)) <= max_chars:
        return wkt, False
    w, s, e, n = aoi.bounds
    tol = max(e - w, n - s, 1e-6) / 2000.0
    for _ in range(24):
        simple = aoi.simplify(tol, preserve_topology=True).buffer(tol, join_style=2, mitre_limit=3.0)
        if not simple.is_empty:
            wkt = geometry_wkt(simple)
            if encoded_length(intersects_clause(wkt)) <= max_chars:
                return wkt, True
        tol *= 1.6
    from shapely.geometry import box
    return geometry_wkt(box(w, s, e, n)), True


# ------------------------------------------------------------------------------ records
def product_stem(name: str) -> str:
    """A product name without its container suffix (``.SAFE``, ``.SEN3``, ``.nc``...)."""
    for suffix in _NAME_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _footprint_geojson(rec: Mapping[str, Any]) -> Optional[dict]:
    geo = rec.get("GeoFootprint")
    if isinstance(geo, dict) and geo.get("type"):
        return geo
    text = rec.get("Footprint")
    if isinstance(text, str) and "SRID=" in text:
        m = re.search(r"SRID=\d+;(.*?)'?$", text.strip())
        if m:
            try:
                from shapely import wkt
                from shapely.geometry import mapping
                return mapping(wkt.loads(m.group(1)))
            except Exception:  # noqa: BLE001 - a broken footprint is not fatal
                return None
    return None


def _bbox_of(geojson: Optional[dict]) -> Optional[Tuple[float, float, float, float]]:
    if not geojson:
        return None
    xs: List[float] = []
    ys: List[float] = []

    def walk(node):
        if isinstance(node, (list, tuple)) and node and isinstance(node[0], (int, float)):
            xs.append(float(node[0]))
            ys.append(float(node[1]))
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)
    walk(geojson.get("coordinates"))
    if not xs:
        return None
    return (min(xs), min(ys), max(xs), max(ys))


def _collection_of(rec: Mapping[str, Any], attrs: Mapping[str, Any], hint: Optional[str]) -> Optional[str]:
    if hint:
        return hint
    s3 = rec.get("S3Path") or ""
    parts = [p for p in s3.split("/") if p]
    if len(parts) >= 2 and parts[0] == "eodata":
        folder = parts[1].upper()
        if folder.startswith(("SENTINEL-", "LANDSAT-")):
            return folder
    platform = attrs.get("platformShortName")
    if isinstance(platform, str) and platform:
        return platform.upper()
    name = rec.get("Name") or ""
    for prefix, coll in (("S1", "SENTINEL-1"), ("S2", "SENTINEL-2"), ("S3", "SENTINEL-3"), ("S5P", "SENTINEL-5P"),
                         ("S6", "SENTINEL-6"), ("LC08", "LANDSAT-8"), ("LE07", "LANDSAT-7"), ("LT05", "LANDSAT-5")):
        if name.startswith(prefix):
            return coll
    return None


def record_to_scene(rec: Mapping[str, Any], *, connection: Optional[str] = None,
                    download_url: str = CDSE_ENDPOINTS["download_url"], s3_bucket: str = "eodata",
                    collection: Optional[str] = None) -> Scene:
    """A catalogue product record as a :class:`Scene` (tolerant of missing fields)."""
    from .checksums import from_odata

    pid = str(rec.get("Id") or "")
    name = str(rec.get("Name") or pid)
    stem = product_stem(name)
    attrs: Dict[str, Any] = {}
    for att in rec.get("Attributes") or ():
        if isinstance(att, dict) and att.get("Name"):
            attrs[att["Name"]] = att.get("Value")
    content = rec.get("ContentDate") or {}
    start, end = content.get("Start"), content.get("End")
    start_us = parse_us(start)
    geometry = _footprint_geojson(rec)
    checksum = from_odata(rec.get("Checksum"))
    size = rec.get("ContentLength")
    size = int(size) if isinstance(size, (int, float)) and size > 0 else None
    s3path = rec.get("S3Path") or None
    coll = _collection_of(rec, attrs, collection)
    props: Dict[str, Any] = dict(attrs)
    for key in ("Id", "Name", "ContentType", "ContentLength", "OriginDate", "PublicationDate",
                "ModificationDate", "Online", "EvictionDate", "S3Path"):
        if key in rec:
            props[key] = rec[key]
    if start:
        props["start_datetime"] = start
    if end:
        props["end_datetime"] = end
    if checksum is not None:
        props["checksum"] = f"{checksum.algorithm}:{checksum.hexdigest}"
    cloud = attrs.get("cloudCover")
    assets: Dict[str, Asset] = {}
    extra: Dict[str, Any] = {"product_id": pid, "file_name": f"{stem}.zip"}
    if s3path:
        key = s3path.lstrip("/")
        if key.startswith(s3_bucket + "/"):
            key = key[len(s3_bucket) + 1:]
        extra["s3_path"] = s3path
        extra["alternate"] = {"s3": {"href": f"s3://{s3_bucket}/{key}", "title": "S3 (eodata)"}}
    if pid:
        assets["product"] = Asset(
            key="product", href=f"{download_url.rstrip('/')}/Products({pid})/$value",
            media_type="application/zip", roles=("data", "archive"), title=f"{stem}.zip",
            size=size, checksum=checksum, extra=extra)
    thumbnail = None
    for asset in rec.get("Assets") or ():
        if isinstance(asset, dict) and asset.get("Type") == "QUICKLOOK" and asset.get("DownloadLink"):
            thumbnail = asset["DownloadLink"]
            assets["quicklook"] = Asset(key="quicklook", href=thumbnail, media_type="image/jpeg",
                                        roles=("thumbnail", "overview"), title="Quicklook")
            break
    platform = None
    short = attrs.get("platformShortName")
    if isinstance(short, str) and short:
        serial = attrs.get("platformSerialIdentifier") or ""
        platform = (short + (str(serial) if serial else "")).lower()
    dt = from_us(start_us) if start_us is not None else None
    bbox = _bbox_of(geometry)
    return Scene(
        id=stem, collection=coll, datetime=dt, geometry=geometry, bbox=bbox,
        cloud_cover=float(cloud) if isinstance(cloud, (int, float)) else None, platform=platform,
        thumbnail=thumbnail, assets=assets, properties=props, connection=connection,
        scene_key=parse_scene_key(name), record=dict(rec),
        online=rec.get("Online") if isinstance(rec.get("Online"), bool) else None,
        self_href=None)


def listing_csv_rows(scenes: Iterable[Scene]) -> List[Tuple[str, str]]:
    """``(id, safename)`` rows of a result listing, as cdsodatacli writes them: the
    catalogue's product Id and the full product name (``....SAFE``)."""
    rows = []
    for scene in scenes:
        props = scene.properties or {}
        pid = props.get("Id") or (scene.record or {}).get("Id") or scene.id
        name = props.get("Name") or (scene.record or {}).get("Name") or scene.id
        rows.append((str(pid), str(name)))
    return rows


def write_listing_csv(scenes: Iterable[Scene], path: str, header: bool = False) -> int:
    """Write the ``id,safename`` listing to ``path``; returns the number of rows."""
    rows = listing_csv_rows(scenes)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if header:
            writer.writerow(["id", "safename"])
        writer.writerows(rows)
    return len(rows)


# -------------------------------------------------------------------------- politeness
class _Cancelled(Exception):
    pass


class RateLimiter:
    """A token bucket shared by every request of a search; a 429 pauses everyone for the
    Retry-After delay and halves the rate, which then climbs back slowly (AIMD)."""

    def __init__(self, rate: float, burst: int = 1, min_rate: Optional[float] = None):
        self.max_rate = max(0.05, float(rate))
        self.rate = self.max_rate
        self.burst = max(1, int(burst))
        self.min_rate = min(self.max_rate, min_rate if min_rate is not None else max(0.2, self.max_rate / 8.0))
        self.tokens = float(self.burst)
        self.stamp = time.monotonic()
        self.paused_until = 0.0
        self.lock = threading.Lock()

    def acquire(self, cancel: threading.Event) -> None:
        while True:
            with self.lock:
                now = time.monotonic()
                if now < self.paused_until:
                    delay = self.paused_until - now
                else:
                    self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
                    self.stamp = now
                    if self.tokens >= 1.0:
                        self.tokens -= 1.0
                        return
                    delay = (1.0 - self.tokens) / self.rate
            if cancel.wait(delay):
                raise _Cancelled()

    def back_off(self, seconds: float) -> None:
        """A 429: nobody sends before ``seconds`` have passed, and the rate halves (once per
        pause, however many requests in flight met the same refusal)."""
        with self.lock:
            now = time.monotonic()
            if now >= self.paused_until:
                self.rate = max(self.min_rate, self.rate / 2.0)
            self.paused_until = max(self.paused_until, now + seconds)
            self.tokens = 1.0  # one request may go as soon as the pause ends
            self.stamp = max(now, self.paused_until)

    def success(self) -> None:
        with self.lock:
            if self.rate < self.max_rate:
                self.rate = min(self.max_rate, self.rate + self.max_rate * 0.05)


@dataclass
class SearchProgress:
    """What a running CDSE search has done so far (for the panel's progress line)."""

    slices_done: int = 0
    slices_total: int = 1
    requests: int = 0
    cache_hits: int = 0
    products: int = 0
    duplicates: int = 0
    rate_limited: int = 0
    retries: int = 0
    complete_until: Optional[str] = None  # results are complete up to (asc) / back to (desc) this instant
    current: str = ""
    started: float = field(default_factory=time.monotonic)
    warnings: List[str] = field(default_factory=list)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started

    @property
    def fraction(self) -> float:
        return self.slices_done / self.slices_total if self.slices_total else 0.0

    def text(self) -> str:
        parts = [f"slice {self.slices_done}/{self.slices_total}", f"{self.products:,} products",
                 f"{self.requests} requests"]
        if self.cache_hits:
            parts.append(f"{self.cache_hits} from cache")
        if self.rate_limited:
            parts.append(f"slowed down {self.rate_limited}× by the service")
        return "Copernicus Data Space: " + ", ".join(parts)

    def snapshot(self) -> "SearchProgress":
        return replace(self, warnings=list(self.warnings))


@dataclass
class ProgressPage(Page):
    """A page of results that also says how far the search is."""

    progress: Optional[SearchProgress] = None


# ------------------------------------------------------------------------------ search
class _Segment:
    __slots__ = ("lo", "hi", "state", "scenes", "first")

    def __init__(self, lo: int, hi: int, first: bool = False):
        self.lo, self.hi = lo, hi
        self.state = "pending"
        self.scenes: List[Scene] = []
        self.first = first


@dataclass
class _SegmentResult:
    scenes: List[Scene]
    remainder: Optional[Tuple[int, int]] = None
    density: float = 0.0  # products per microsecond in what was covered


class _SlicedSearch:
    """One search: date slices fetched concurrently, emitted in date order."""

    def __init__(self, provider: "CdseODataProvider", request: SearchRequest,
                 progress_callback: Optional[Callable[[SearchProgress], None]]):
        self.p = provider
        self.request = request
        self.callback = progress_callback
        self.progress = SearchProgress()
        self.lock = threading.Lock()
        self.cancel = threading.Event()
        opts = provider.connection
        self.page_size = max(1, min(MAX_TOP, int(opts.option("page_size", MAX_TOP))))
        self.concurrency = max(1, min(MAX_CONCURRENCY, int(opts.option("max_concurrency", DEFAULT_CONCURRENCY))))
        # a slice is sized to about one page; a slice that overflows is not wasted (its full
        # page is kept up to where it ended), an empty one is: so fewer, larger slices
        self.target = max(1, int(self.page_size * float(opts.option("slice_fill", 0.8))))
        self.max_pieces = 3 * self.concurrency
        self.limiter = provider.rate_limiter()
        # what to ask
        sortby = request.sortby
        date_sort = not sortby or sortby[0].field in ("datetime", "start_datetime", "ContentDate/Start")
        self.stream = date_sort
        self.descending = sortby[0].descending if (sortby and date_sort) else (not sortby)
        self.base_filter, self.residual, self.exact_aoi = provider.build_filter(request)
        self.expand = ["Attributes", "Assets"]
        lo = request.start or provider.default_start(request.collections)
        hi_dt = request.end or (_dt.datetime.now(UTC) + _dt.timedelta(days=2))
        self.lo, self.hi = to_us(lo), to_us(hi_dt) + 1  # inclusive end -> half-open
        self.limit = request.limit
        self.ids = {product_stem(i) for i in request.ids}
        self.collection_hint = request.collections[0] if len(request.collections) == 1 else None
        self.seen: Dict[str, str] = {}  # name -> ModificationDate emitted

    # ------------------------------------------------------------------ requests
    def url_for(self, lo: int, hi: int, top: int, skip: int = 0) -> str:
        clauses = list(self.base_filter)
        clauses.append(f"ContentDate/Start ge {odata_instant(lo)}")
        clauses.append(f"ContentDate/Start lt {odata_instant(hi)}")
        params = [("$filter", " and ".join(clauses)),
                  ("$orderby", "ContentDate/Start " + ("desc" if self.descending else "asc")),
                  ("$top", str(top))]
        if skip:
            params.append(("$skip", str(skip)))
        params.append(("$expand", ",".join(self.expand)))
        return self.p.catalogue_url + "/Products?" + urlencode(params, quote_via=quote, safe=_URL_SAFE)

    def fetch(self, url: str) -> dict:
        data = self.p.fetch_json(url, self.limiter, self.cancel, self._count)
        if not isinstance(data, dict) or not isinstance(data.get("value"), list):
            raise errors.MalformedResponseError(f"{WHAT} answered without a product list.", url=redact_url(url))
        return data

    def _count(self, kind: str) -> None:
        with self.lock:
            if kind == "request":
                self.progress.requests += 1
            elif kind == "cache":
                self.progress.cache_hits += 1
            elif kind == "429":
                self.progress.rate_limited += 1
            elif kind == "retry":
                self.progress.retries += 1

    # ------------------------------------------------------------------ one slice
    def run_segment(self, seg: _Segment) -> _SegmentResult:
        top = self.page_size
        if seg.first and self.limit and self.stream:
            top = min(top, max(1, self.limit))
        data = self.fetch(self.url_for(seg.lo, seg.hi, top))
        records = data["value"]
        if len(records) < top:
            return _SegmentResult(self.to_scenes(records))
        if seg.first and self.limit and self.stream:
            scenes = self.to_scenes(records)
            if len(scenes) >= self.limit:  # the first `limit` products in order: done
                return _SegmentResult(scenes)
        starts = [parse_us((r.get("ContentDate") or {}).get("Start")) for r in records]
        if any(s is None for s in starts):
            raise errors.MalformedResponseError(f"{WHAT} answered products without ContentDate/Start.")
        cut = starts[-1]
        if self.descending:
            keep = [r for r, s in zip(records, starts) if s > cut]
            remainder = (seg.lo, cut + 1)
            covered = seg.hi - (cut + 1)
        else:
            keep = [r for r, s in zip(records, starts) if s < cut]
            remainder = (cut, seg.hi)
            covered = cut - seg.lo
        if not keep:  # a whole page at one instant: page through that instant with $skip
            keep = self.fetch_instant(cut)
            remainder = (seg.lo, cut) if self.descending else (cut + 1, seg.hi)
            covered = 1
        if remainder[0] >= remainder[1]:
            remainder = None
        return _SegmentResult(self.to_scenes(keep), remainder, len(keep) / max(1, covered))

    def fetch_instant(self, instant: int) -> List[dict]:
        """Every product at one instant, paged with $skip (the service allows 10,000)."""
        out: List[dict] = []
        skip = 0
        while True:
            data = self.fetch(self.url_for(instant, instant + 1, self.page_size, skip))
            out.extend(data["value"])
            if len(data["value"]) < self.page_size:
                return out
            skip += self.page_size
            if skip > MAX_SKIP:
                with self.lock:
                    self.progress.warnings.append(
                        f"More than {MAX_SKIP + self.page_size:,} products share the instant "
                        f"{odata_instant(instant)}; the catalogue cannot list the others. Narrow the "
                        "search (collection, product type, area).")
                return out

    def to_scenes(self, records: List[dict]) -> List[Scene]:
        """Client-side steps: exact AOI, CQL2 leftovers, ids; duplicates within the slice."""
        from . import filtering
        best: Dict[str, dict] = {}
        order: List[str] = []
        dups = 0
        for rec in records:
            name = rec.get("Name") or rec.get("Id")
            if name in best:
                dups += 1
                if (rec.get("ModificationDate") or "") > (best[name].get("ModificationDate") or ""):
                    best[name] = rec
                continue
            best[name] = rec
            order.append(name)
        if dups:
            with self.lock:
                self.progress.duplicates += dups
        scenes = []
        for name in order:
            scene = record_to_scene(best[name], connection=self.p.connection.name,
                                    download_url=self.p.download_url, s3_bucket=self.p.s3_bucket,
                                    collection=self.collection_hint)
            if self.ids and product_stem(str(best[name].get("Name") or "")) not in self.ids:
                continue
            if self.exact_aoi and not filtering.intersects_aoi(scene, self.request.aoi):
                continue
            if self.residual is not None and not self.p.evaluate_residual(self.residual, scene):
                continue
            scenes.append(scene)
        return scenes

    # ------------------------------------------------------------------ planning
    def split(self, lo: int, hi: int, density: float) -> List[_Segment]:
        expected = density * (hi - lo)
        k = max(1, min(self.max_pieces, int(math.ceil(expected / self.target)))) if expected > 0 else 1
        k = min(k, max(1, hi - lo))
        bounds = [lo + (hi - lo) * i // k for i in range(k)] + [hi]
        pieces = [_Segment(bounds[i], bounds[i + 1]) for i in range(k) if bounds[i] < bounds[i + 1]]
        return list(reversed(pieces)) if self.descending else pieces

    def _notify(self) -> SearchProgress:
        with self.lock:
            snap = self.progress.snapshot()
        if self.callback is not None:
            try:
                self.callback(snap)
            except Exception:  # noqa: BLE001 - a broken progress display must not stop the search
                LOG.exception("progress callback failed")
        return snap

    # ------------------------------------------------------------------ the loop
    def pages(self) -> Iterator[Page]:
        segments: List[_Segment] = [_Segment(self.lo, self.hi, first=True)]
        self.progress.slices_total = 1
        inflight: Dict[Future, _Segment] = {}
        number = 0
        emitted = 0
        collected: List[Scene] = []
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="eosf-cdse")
        try:
            while segments:
                # submit, in emission order, as many slices as the concurrency allows
                for seg in segments[: self.concurrency * 2]:
                    if len(inflight) >= self.concurrency:
                        break
                    if seg.state == "pending":
                        seg.state = "running"
                        inflight[pool.submit(self.run_segment, seg)] = seg
                # emit finished slices at the head, in order
                while segments and segments[0].state == "done":
                    seg = segments.pop(0)
                    fresh = self.dedupe_across(seg.scenes)
                    with self.lock:
                        self.progress.slices_done += 1
                        self.progress.complete_until = odata_instant(seg.lo if self.descending else seg.hi)
                        self.progress.current = (f"{odata_instant(seg.lo)[:10]} – {odata_instant(seg.hi - 1)[:10]}")
                    if self.stream:
                        emitted += len(fresh)
                        with self.lock:
                            self.progress.products = emitted
                        number += 1
                        snap = self._notify()
                        more = bool(segments) and not (self.limit and emitted >= self.limit)
                        yield ProgressPage(scenes=self.sort_within(fresh), more=more, matched=None,
                                           number=number, progress=snap)
                        if not more:
                            return
                    else:
                        collected.extend(fresh)
                        with self.lock:
                            self.progress.products = len(collected)
                        self._notify()
                if not segments:
                    break
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in done:
                    seg = inflight.pop(fut)
                    result = fut.result()  # raises the slice's error
                    seg.scenes = result.scenes
                    seg.state = "done"
                    if result.remainder is not None:
                        lo, hi = result.remainder
                        if self.descending:
                            seg.lo = hi  # the part that was covered
                        else:
                            seg.hi = lo
                        pieces = self.split(lo, hi, result.density)
                        idx = segments.index(seg)
                        segments[idx + 1: idx + 1] = pieces
                        with self.lock:
                            self.progress.slices_total += len(pieces)
            if not self.stream:
                from .filtering import sort_scenes
                ordered = sort_scenes(collected, self.request.sortby)
                chunk = self.page_size
                if not ordered:
                    yield ProgressPage(scenes=[], more=False, number=1, progress=self._notify())
                for i in range(0, len(ordered), chunk):
                    number += 1
                    yield ProgressPage(scenes=ordered[i:i + chunk], more=i + chunk < len(ordered),
                                       number=number, progress=self._notify())
            elif number == 0:
                yield ProgressPage(scenes=[], more=False, number=1, progress=self._notify())
        except _Cancelled:
            return
        finally:
            self.cancel.set()
            pool.shutdown(wait=False, cancel_futures=True)

    def dedupe_across(self, scenes: List[Scene]) -> List[Scene]:
        out = []
        dups = 0
        for scene in scenes:
            name = scene.properties.get("Name") or scene.id
            mod = scene.properties.get("ModificationDate") or ""
            if name in self.seen:
                dups += 1
                continue
            self.seen[name] = mod
            out.append(scene)
        if dups:
            with self.lock:
                self.progress.duplicates += dups
        return out

    def sort_within(self, scenes: List[Scene]) -> List[Scene]:
        if len(self.request.sortby) > 1:
            from .filtering import sort_scenes
            return sort_scenes(scenes, self.request.sortby)
        return scenes


# ------------------------------------------------------------------------------ provider
class CdseODataProvider(Provider):
    """The Copernicus Data Space Ecosystem OData catalogue (kind ``cdse``).

    Options (all endpoints overridable): ``download_url``, ``token_url``, ``client_id``,
    ``page_size`` (≤ 1000), ``max_concurrency`` (≤ 5), ``requests_per_second``,
    ``max_url_length``, ``cache_dir`` + ``cache_max_age`` (raw-answer cache, off by default),
    ``ordering`` (``csc`` to order offline products through ``OData.CSC.Order``),
    ``s3_endpoint``, ``s3_bucket``, ``s3_region``.
    """

    kind = "cdse"
    ENDPOINTS = CDSE_ENDPOINTS
    SERVICE = "Copernicus Data Space"
    REALM_PATH = REALM_TOKEN_PATH

    def __init__(self, connection: Connection, credentials: Any = None, *,
                 cache: Optional[ResponseCache] = None,
                 progress_callback: Optional[Callable[[SearchProgress], None]] = None):
        super().__init__(connection)
        self._apply_endpoint_defaults()
        self.catalogue_url = connection.url.rstrip("/")
        self.download_url = str(connection.option("download_url")).rstrip("/")
        self.s3_bucket = str(connection.option("s3_bucket", self.ENDPOINTS["s3_bucket"]))
        self.credentials = credentials
        self.cache = cache if cache is not None else ResponseCache.from_options(connection.options)
        self.progress_callback = progress_callback
        self._local = threading.local()
        self._attr_cache: Dict[str, Dict[str, str]] = {}
        self._auth = None
        self._auth_lock = threading.Lock()
        self.last_progress: Optional[SearchProgress] = None

    # ------------------------------------------------------------------ endpoints
    def _apply_endpoint_defaults(self) -> None:
        """Fill the service endpoints in the connection's options: the real service's for
        its own catalogue URL, else the same host (a mirror or the loopback test server)."""
        conn = self.connection
        if not conn.url:
            conn.url = self.ENDPOINTS["url"]
        url = conn.url.rstrip("/")
        parts = urlsplit(url)
        official = url == self.ENDPOINTS["url"].rstrip("/")
        root = f"{parts.scheme}://{parts.netloc}"
        defaults = {
            "download_url": self.ENDPOINTS["download_url"] if official else url,
            "token_url": self.ENDPOINTS["token_url"] if official else root + self.REALM_PATH,
            "client_id": self.ENDPOINTS["client_id"],
            "s3_endpoint": self.ENDPOINTS["s3_endpoint"],
            "s3_bucket": self.ENDPOINTS["s3_bucket"],
            "s3_region": self.ENDPOINTS["s3_region"],
        }
        for key, value in defaults.items():
            if conn.options.get(key) in (None, ""):
                conn.options[key] = value

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = eohttp.new_session()
            session.headers["Accept"] = "application/json"
            self._local.session = session
        return session

    def rate_limiter(self) -> RateLimiter:
        rps = float(self.connection.option("requests_per_second", DEFAULT_RPS))
        conc = max(1, min(MAX_CONCURRENCY, int(self.connection.option("max_concurrency", DEFAULT_CONCURRENCY))))
        return RateLimiter(rps, burst=conc)

    def default_start(self, collections: Sequence[str]) -> _dt.datetime:
        starts = {c[0]: c[3] for c in COLLECTIONS}
        known = [starts[c] for c in collections if c in starts]
        if known and len(known) == len(collections):
            return _dt.datetime.fromisoformat(min(known)).replace(tzinfo=UTC)
        return DEFAULT_START

    # ------------------------------------------------------------------ HTTP
    def fetch_json(self, url: str, limiter: Optional[RateLimiter] = None,
                   cancel: Optional[threading.Event] = None,
                   count: Optional[Callable[[str], None]] = None) -> Any:
        """GET a catalogue URL: from the cache when fresh, else politely (rate limit,
        429 + Retry-After, retries on transient failures), storing the answer."""
        count = count or (lambda _kind: None)
        cancel = cancel or threading.Event()
        if self.cache is not None:
            hit = self.cache.get("GET", url)
            if hit is not None:
                count("cache")
                return hit
        attempts_429 = 0
        failures = 0
        session = self.session()
        while True:
            if limiter is not None:
                limiter.acquire(cancel)
            if cancel.is_set():
                raise _Cancelled()
            count("request")
            try:
                response = session.get(url, timeout=eohttp.default_timeout())
            except requests.exceptions.RequestException as err:
                failures += 1
                if failures > 3:
                    raise eohttp.map_transport_error(err, url, WHAT) from err
                count("retry")
                if cancel.wait(min(8.0, 0.5 * 2 ** failures) * random.uniform(0.7, 1.0)):
                    raise _Cancelled()
                continue
            status = response.status_code
            if status == 429:
                attempts_429 += 1
                count("429")
                delay = eohttp.parse_retry_after(response.headers.get("Retry-After"))
                delay = min(60.0, delay if delay is not None else 2.0 * attempts_429)
                if attempts_429 > 12:
                    eohttp.raise_for_status(response, WHAT)
                if limiter is not None:
                    limiter.back_off(delay)
                elif cancel.wait(delay):
                    raise _Cancelled()
                continue
            if status >= 500 or status == 408:
                failures += 1
                if failures > 3:
                    eohttp.raise_for_status(response, WHAT)
                count("retry")
                if cancel.wait(min(8.0, 0.5 * 2 ** failures) * random.uniform(0.7, 1.0)):
                    raise _Cancelled()
                continue
            if status in (400, 414, 422):
                raise self._rejected(response)
            eohttp.raise_for_status(response, WHAT)
            data = eohttp.response_json(response, WHAT)
            if limiter is not None:
                limiter.success()
            if self.cache is not None:
                self.cache.put("GET", url, data)
            return data

    def _rejected(self, response: requests.Response) -> errors.BadRequestError:
        """The service's refusal in words: pydantic ``detail`` lists are flattened."""
        message = ""
        try:
            body = response.json()
            detail = body.get("detail") if isinstance(body, dict) else None
            if isinstance(detail, list):
                message = "; ".join(
                    f"{'/'.join(str(x) for x in (d.get('loc') or [])[1:])}: {d.get('msg')}".strip(": ")
                    for d in detail if isinstance(d, dict))
            elif isinstance(detail, dict):
                message = str(detail.get("message") or json.dumps(detail))
            elif detail:
                message = str(detail)
        except ValueError:
            message = (response.text or "")[:300]
        if response.status_code == 414:
            message = "the request is too long (a very detailed area of interest?)"
        message = redact_text(message) or f"HTTP {response.status_code}"
        return errors.BadRequestError(f"{WHAT} rejected the search: {message}", server_message=message,
                                      url=redact_url(response.url), status=response.status_code,
                                      details=f"HTTP {response.status_code} from {redact_url(response.url)}")

    # ------------------------------------------------------------------ catalogue
    def list_collections(self) -> List[CollectionInfo]:
        return [CollectionInfo(id=cid, title=title, description=desc, temporal_extent=(start, None),
                               spatial_extent=(-180.0, -90.0, 180.0, 90.0), license="Copernicus/Sentinel data legal notice",
                               keywords=("copernicus", "cdse"))
                for cid, title, desc, start in COLLECTIONS]

    def attribute_types(self, collection: str) -> Dict[str, str]:
        """Attribute name -> OData value type for a collection (the service's own list
        from ``Attributes(<collection>)``, else the built-in one)."""
        if collection in self._attr_cache:
            return self._attr_cache[collection]
        types = dict(ATTRIBUTE_TYPES)
        try:
            data = self.fetch_json(f"{self.catalogue_url}/Attributes({collection})")
            if isinstance(data, list):
                for item in data:
                    if isinstance(item, dict) and item.get("Name") and item.get("ValueType"):
                        types[str(item["Name"])] = str(item["ValueType"])
        except errors.ServiceError as err:
            LOG.info("No attribute list for %s: %s", collection, err)
        self._attr_cache[collection] = types
        return types

    def queryables(self, collections: List[str]) -> Dict[str, Dict[str, Any]]:
        """Per-collection filters: ``name -> JSON schema`` with the OData attribute name and
        type (``x-odata-attribute``, ``x-odata-type``) and known values as ``enum``."""
        out: Dict[str, Dict[str, Any]] = {}
        for coll in collections or ["SENTINEL-2"]:
            types = self.attribute_types(coll) if coll in {c[0] for c in COLLECTIONS} else dict(ATTRIBUTE_TYPES)
            known = KNOWN_VALUES.get(coll, {})
            common = COMMON_FILTERS.get(coll, ())
            names = list(common) + sorted(n for n in types if n not in common)
            for name in names:
                vtype = types.get(name) or ATTRIBUTE_TYPES.get(name, "String")
                schema: Dict[str, Any] = {"title": _title(name), "type": _JSON_TYPES.get(vtype, "string"),
                                          "x-odata-attribute": name, "x-odata-type": vtype,
                                          "x-common": name in common}
                if vtype == "DateTimeOffset":
                    schema["format"] = "date-time"
                if name == "cloudCover":
                    schema.update(minimum=0, maximum=100)
                if name in known:
                    schema["enum"] = list(known[name])
                out.setdefault(name, schema)
        return out

    def types_for(self, request: SearchRequest) -> Dict[str, str]:
        types = dict(ATTRIBUTE_TYPES)
        for coll in request.collections:
            if coll in self._attr_cache:
                types.update(self._attr_cache[coll])
        return types

    def build_filter(self, request: SearchRequest) -> Tuple[List[str], Optional[dict], bool]:
        """(server clauses without the date bounds, CQL2 residual evaluated client-side,
        whether the AOI must be checked exactly client-side)."""
        clauses: List[str] = []
        if request.collections:
            names = [f"Collection/Name eq {quote_literal(c)}" for c in request.collections]
            clauses.append(names[0] if len(names) == 1 else "(" + " or ".join(names) + ")")
        if request.ids:
            names = [f"startswith(Name,{quote_literal(product_stem(i))})" for i in request.ids]
            clauses.append(names[0] if len(names) == 1 else "(" + " or ".join(names) + ")")
        types = self.types_for(request)
        if request.max_cloud is not None:
            clauses.append(attribute_clause("cloudCover", "Double", "le", request.max_cloud))
        clauses.extend(self.filter_clauses(request.filters(), types))
        residual = None
        if request.cql2:
            from . import cql2
            text = request.cql2
            if isinstance(text, str) and text.lstrip().startswith("{"):
                try:
                    expr = json.loads(text)  # CQL2-JSON
                except ValueError as err:
                    raise errors.InvalidRequestError("The filter looks like CQL2-JSON but is not valid JSON.") from err
            else:
                expr = cql2.parse(text) if isinstance(text, str) else text
            server, residual = cql2_to_odata(expr, types)
            if server:
                clauses.append(server)
        exact = False
        if request.aoi is not None:
            rest_len = len(self.catalogue_url) + 400 + encoded_length(" and ".join(clauses))
            budget = int(self.connection.option("max_url_length", DEFAULT_MAX_URL)) - rest_len
            if budget < 400:
                raise errors.InvalidRequestError(
                    "The search has too many filters to fit in one catalogue request; remove some.")
            wkt, simplified = fit_aoi(request.aoi, budget)
            clauses.append(intersects_clause(wkt))
            exact = simplified
        return clauses, residual, exact

    def filter_clauses(self, filters: Mapping[str, Any], types: Mapping[str, str]) -> List[str]:
        """OData clauses for ``SearchRequest.provider_filters``.

        A value is matched exactly; a list/tuple means any of them; a mapping gives
        comparisons (``{"le": 20}``, ``{">=": 5, "<": 9}``). ``online`` filters on the
        product's online state, ``name`` on a part of its name."""
        out: List[str] = []
        for raw_name, value in filters.items():
            if value is None or value == "" or (isinstance(value, (list, tuple, set)) and not value):
                continue
            if raw_name in ("online", "Online"):
                out.append(f"Online eq {'true' if _truthy(value) else 'false'}")
                continue
            if raw_name in ("name", "Name", "name_contains"):
                out.append(f"contains(Name,{quote_literal(value)})")
                continue
            name = attribute_name(raw_name)
            if not _ATTR_NAME.match(name):
                raise errors.InvalidRequestError(f"“{raw_name}” is not a Copernicus Data Space attribute name.")
            sample = next(iter(value.values())) if isinstance(value, Mapping) else (
                next(iter(value)) if isinstance(value, (list, tuple, set)) else value)
            vtype = types.get(name) or _guess_type(sample)
            if isinstance(value, Mapping):
                for op, operand in value.items():
                    odata_op = _OPS.get(str(op).lower())
                    if odata_op is None:
                        raise errors.InvalidRequestError(f"“{op}” is not a comparison for {raw_name}.")
                    out.append(attribute_clause(name, vtype, odata_op, normalize_value(name, operand)))
            elif isinstance(value, (list, tuple, set)):
                ors = [attribute_clause(name, vtype, "eq", normalize_value(name, v)) for v in value]
                out.append(ors[0] if len(ors) == 1 else "(" + " or ".join(ors) + ")")
            else:
                out.append(attribute_clause(name, vtype, "eq", normalize_value(name, value)))
        return out

    def evaluate_residual(self, expr: dict, scene: Scene) -> bool:
        from . import cql2
        return bool(cql2.evaluate(expr, scene))

    def search(self, request: SearchRequest,
               progress_callback: Optional[Callable[[SearchProgress], None]] = None) -> SearchResults:
        callback = progress_callback or self.progress_callback

        def pages() -> Iterator[Page]:
            run = _SlicedSearch(self, request, callback)
            try:
                yield from run.pages()
            finally:
                self.last_progress = run.progress.snapshot()
        return SearchResults(pages, limit=request.limit)

    def scene_from_record(self, record: Dict[str, Any]) -> Scene:
        """Rebuild a scene from its stored product record (a Processing layer's ``record``)."""
        return record_to_scene(record, connection=self.connection.name, download_url=self.download_url,
                               s3_bucket=self.s3_bucket)

    # ------------------------------------------------------------------ downloads
    def _auth_source(self):
        """Something with ``__call__() -> headers`` and ``refresh() -> headers`` (the token
        manager's headers provider for this connection)."""
        with self._auth_lock:
            if self._auth is not None:
                return self._auth
            creds = self.credentials
            source = None
            if isinstance(creds, Mapping):
                source = creds.get("headers_provider")
                if source is None and creds.get("token_manager") is not None:
                    source = creds["token_manager"].headers_provider(self.connection)
                if source is None and creds.get("token_provider") is not None:
                    source = _BearerFromTokenProvider(creds["token_provider"])
            elif creds is not None and hasattr(creds, "headers_provider"):
                source = creds.headers_provider(self.connection)
            elif creds is not None and callable(creds) and hasattr(creds, "refresh"):
                source = creds
            if source is None:
                from .tokens import TokenManager  # stored or EOSF_CDSE_* credentials
                source = TokenManager().headers_provider(self.connection)
            self._auth = source
            return source

    def _needs_auth(self, url: str) -> bool:
        origin = _origin(url)
        return origin in (_origin(self.download_url), _origin(self.catalogue_url)) and "/Products(" in url

    def request_headers(self, url: str) -> Dict[str, str]:
        if not self._needs_auth(url):
            return {}
        return dict(self._auth_source()() or {})

    def refresh_credentials(self) -> bool:
        headers = self._auth_source().refresh()
        return bool(headers)

    def order_hint(self, scene: Scene) -> str:
        if str(self.connection.option("ordering", "")).lower() == "csc":
            return ("Order it with “order offline products” (or Download with ordering on), then "
                    "download again once it is restored.")
        browser = self.ENDPOINTS.get("browser", "")
        return (f"This catalogue offers no ordering step through its API: request the product in "
                f"the {self.SERVICE} Browser ({browser}) or try again later.")

    def order_products(self, scenes: Iterable[Scene]) -> List[Dict[str, Any]]:
        """Order offline products (``POST Products(<Id>)/OData.CSC.Order``, the LTA ICD
        action) where the connection enables it (option ``ordering=csc``). Returns one
        ``{"scene", "status", "message", "estimated"}`` per scene."""
        if str(self.connection.option("ordering", "")).lower() != "csc":
            raise errors.InvalidRequestError(
                f"{self.SERVICE} offers no product ordering through this connection. "
                + self.order_hint(next(iter(scenes), None)))  # type: ignore[arg-type]
        out = []
        session = self.session()
        for scene in scenes:
            pid = scene.properties.get("Id") or (scene.record or {}).get("Id")
            url = f"{self.download_url}/Products({pid})/OData.CSC.Order"

            def post(headers, url=url):
                return eohttp.request(session, "POST", url, what=f"The {self.SERVICE} order service",
                                      headers=headers, json={"Priority": 1})
            try:
                response = _call_with_refresh(self._auth_source(), post)
                body = eohttp.response_json(response, f"The {self.SERVICE} order service")
                out.append({"scene": scene.id, "status": body.get("Status"), "message": body.get("StatusMessage"),
                            "estimated": body.get("EstimatedDate"), "order_id": body.get("Id")})
            except errors.EoSceneFinderError as err:
                out.append({"scene": scene.id, "status": "failed", "message": err.user_message, "estimated": None})
        return out

    def download_jobs(self, scenes: Iterable[Scene], output_folder: str, *, unpack: bool = False) -> list:
        """Download jobs (HTTPS, zipper, bearer token, MD5) for the shared download engine:
        ``<output>/<collection>/<product name without .SAFE>.zip``. Offline products become
        offline jobs that the engine reports as "in the long-term archive"."""
        from .download import asset_jobs
        jobs = []
        for scene in scenes:
            if "product" not in scene.assets:
                raise errors.InvalidRequestError(f"{scene.id} has no product to download.")
            jobs.extend(asset_jobs(scene, ["product"], output_folder, provider=self, unpack=unpack))
        return jobs

    def s3_products(self, scenes: Iterable[Scene]) -> list:
        """:class:`.cdse_s3.S3Product` entries for scenes with an S3 path."""
        from .cdse_s3 import S3Product
        out = []
        for scene in scenes:
            s3path = scene.properties.get("S3Path") or (scene.record or {}).get("S3Path")
            if not s3path:
                raise errors.InvalidRequestError(f"{scene.id} has no S3 path.")
            out.append(S3Product.from_s3path(s3path, bucket=self.s3_bucket, name=scene.properties.get("Name")))
        return out

    def s3_accounts(self) -> list:
        """S3 keys for this connection: ``credentials["s3_accounts"]`` (a list of
        :class:`.cdse_s3.S3Account`, mappings or ``(access, secret)`` pairs), else
        ``credentials["s3_access_key"]``/``["s3_secret_key"]``, else ``EOSF_CDSE_S3_*``."""
        from .cdse_s3 import S3Account, accounts_from_env
        creds = self.credentials if isinstance(self.credentials, Mapping) else {}
        out = []
        for i, item in enumerate(creds.get("s3_accounts") or (), start=1):
            if isinstance(item, S3Account):
                out.append(item)
            elif isinstance(item, Mapping):
                out.append(S3Account(str(item.get("name") or f"account {i}"), str(item["access_key"]),
                                     str(item["secret_key"])))
            else:
                access, secret = item
                out.append(S3Account(f"account {i}", str(access), str(secret)))
        if not out and creds.get("s3_access_key") and creds.get("s3_secret_key"):
            out.append(S3Account("account 1", str(creds["s3_access_key"]), str(creds["s3_secret_key"])))
        known = {a.access_key for a in out}
        # further accounts from EOSF_CDSE_S3_ACCESS_KEY_2, _3... (and the first, when not stored)
        out.extend(a for a in accounts_from_env() if a.access_key not in known)
        return out

    def s3_downloader(self, accounts=None, **kwargs):
        """An :class:`.cdse_s3.S3Downloader` on this connection's S3 endpoint."""
        from .cdse_s3 import S3Downloader
        return S3Downloader(endpoint=str(self.connection.option("s3_endpoint")),
                            bucket=self.s3_bucket, region=str(self.connection.option("s3_region")),
                            accounts=accounts if accounts is not None else self.s3_accounts(), **kwargs)

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None


class CreodiasODataProvider(CdseODataProvider):
    """CREODIAS speaks the same OData; its own endpoints, and a stricter request rate
    (60 requests a minute per address)."""

    kind = "creodias"
    ENDPOINTS = CREODIAS_ENDPOINTS
    SERVICE = "CREODIAS"
    REALM_PATH = "/auth/realms/Creodias-new/protocol/openid-connect/token"

    def rate_limiter(self) -> RateLimiter:
        rps = float(self.connection.option("requests_per_second", 1.0))
        return RateLimiter(rps, burst=2)


# ------------------------------------------------------------------------------ helpers
def _origin(url: str) -> Tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _title(name: str) -> str:
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ")
    return words[:1].upper() + words[1:]


class _BearerFromTokenProvider:
    """Adapts a bare token provider (``() -> token``, ``.refresh() -> token``)."""

    def __init__(self, token_provider):
        self.tp = token_provider

    def __call__(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.tp()}"}

    def refresh(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.tp.refresh()}"}


def _call_with_refresh(source, func):
    headers = dict(source() or {})
    try:
        return func(headers)
    except errors.AuthenticationError:
        return func(dict(source.refresh() or {}))


# ------------------------------------------------------------------------------ CQL2
_CQL_CMP = {"=": "eq", "<>": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
_DATE_PROPS = {"datetime": "ContentDate/Start", "start_datetime": "ContentDate/Start",
               "end_datetime": "ContentDate/End", "ContentDate/Start": "ContentDate/Start",
               "created": "PublicationDate", "updated": "ModificationDate"}


def _cql_literal(value: Any) -> Tuple[bool, Any]:
    if isinstance(value, (str, int, float, bool)):
        return True, value
    if isinstance(value, dict) and ("timestamp" in value or "date" in value):
        return True, value.get("timestamp") or value.get("date")
    return False, None


def _cql_comparison(op: str, args: list, types: Mapping[str, str]) -> Optional[str]:
    if len(args) != 2:
        return None
    left, right = args
    flipped = False
    if not (isinstance(left, dict) and "property" in left):
        left, right, flipped = right, left, True
    if not (isinstance(left, dict) and "property" in left):
        return None
    ok, value = _cql_literal(right)
    if not ok:
        return None
    odata_op = _CQL_CMP[op]
    if flipped:
        odata_op = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}.get(odata_op, odata_op)
    prop = str(left["property"])
    if prop.startswith("properties."):
        prop = prop[len("properties."):]
    if prop in _DATE_PROPS:
        us = parse_us(str(value)) if "T" in str(value) else parse_us(str(value) + "T00:00:00Z")
        if us is None:
            return None
        return f"{_DATE_PROPS[prop]} {odata_op} {odata_instant(us)}"
    if prop == "collection" and odata_op == "eq":
        return f"Collection/Name eq {quote_literal(value)}"
    if prop in ("id", "Name") and odata_op == "eq":
        return f"startswith(Name,{quote_literal(product_stem(str(value)))})"
    if prop == "Online" and isinstance(value, bool):
        return f"Online {odata_op} {'true' if value else 'false'}"
    name = attribute_name(prop)
    if not _ATTR_NAME.match(name):
        return None
    vtype = types.get(name) or _guess_type(value)
    if vtype in ("Integer", "Double") and isinstance(value, bool):
        return None
    try:
        return attribute_clause(name, vtype, odata_op, normalize_value(name, value))
    except errors.InvalidRequestError:
        return None


def cql2_to_odata(expr: Any, types: Mapping[str, str]) -> Tuple[Optional[str], Optional[dict]]:
    """Split CQL2-JSON into an OData clause the catalogue evaluates and a residual the
    client evaluates (``None`` for either when empty). Comparisons, ``in`` and ``between`` on
    attribute names (and their aliases) go to the server; ``and`` splits; ``or``/``not`` go
    to the server only when all of their parts can."""
    if not isinstance(expr, dict) or "op" not in expr:
        if expr is True:
            return None, None
        return None, expr if isinstance(expr, dict) else None
    op = str(expr["op"]).lower()
    args = expr.get("args") or []
    if op == "and":
        server, residual = [], []
        for arg in args:
            s, r = cql2_to_odata(arg, types)
            if s:
                server.append(s)
            if r is not None:
                residual.append(r)
        s_text = " and ".join(f"({s})" if " or " in s else s for s in server) or None
        if not residual:
            return s_text, None
        return s_text, residual[0] if len(residual) == 1 else {"op": "and", "args": residual}
    if op == "or":
        parts = [cql2_to_odata(a, types) for a in args]
        if all(s and r is None for s, r in parts):
            return "(" + " or ".join(s for s, _ in parts) + ")", None
        return None, _alias_properties(expr)
    if op == "not":
        s, r = cql2_to_odata(args[0], types) if args else (None, None)
        if s and r is None:
            return f"not ({s})", None
        return None, _alias_properties(expr)
    if op in _CQL_CMP:
        clause = _cql_comparison(op, args, types)
        return (clause, None) if clause else (None, _alias_properties(expr))
    if op == "in" and len(args) == 2 and isinstance(args[1], list):
        ors = [_cql_comparison("=", [args[0], v], types) for v in args[1]]
        if ors and all(ors):
            return (ors[0] if len(ors) == 1 else "(" + " or ".join(ors) + ")"), None
        return None, _alias_properties(expr)
    if op == "between" and len(args) == 3:
        lo = _cql_comparison(">=", [args[0], args[1]], types)
        hi = _cql_comparison("<=", [args[0], args[2]], types)
        if lo and hi:
            return f"{lo} and {hi}", None
    return None, _alias_properties(expr)


def _alias_properties(expr: Any) -> Any:
    """CQL2-JSON with friendly property names replaced by the attribute names scenes carry."""
    if isinstance(expr, dict):
        if set(expr) == {"property"}:
            name = str(expr["property"])
            return {"property": attribute_name(name) if name in ALIASES else name}
        return {k: _alias_properties(v) for k, v in expr.items()}
    if isinstance(expr, list):
        return [_alias_properties(v) for v in expr]
    return expr


# ------------------------------------------------------------------------------ registry
def _register() -> None:
    """Make ``open_provider`` build these providers for kinds ``cdse``/``creodias`` and offer
    the two presets (the connections module may also load them lazily)."""
    try:
        from .connections import PRESETS, Preset, register_provider
    except ImportError:  # pragma: no cover - connections is part of the package
        return
    register_provider("cdse", CdseODataProvider)
    register_provider("creodias", CreodiasODataProvider)
    PRESETS.setdefault("cdse", Preset(
        "cdse", "Copernicus Data Space Ecosystem (OData)", "cdse", CDSE_ENDPOINTS["url"],
        "Every Sentinel mission and the complementary data of CDSE; searches past the 10,000-result "
        "limit; downloads need a free CDSE account (HTTPS) or S3 keys."))
    PRESETS.setdefault("creodias", Preset(
        "creodias", "CREODIAS (OData)", "creodias", CREODIAS_ENDPOINTS["url"],
        "The CREODIAS copy of the Copernicus catalogue (same OData interface); a CREODIAS account downloads."))


_register()
