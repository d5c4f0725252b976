"""The OData catalogue's limits, endpoints, collections and attributes, and the query text:
instants, literals, attribute clauses and the area of interest as ``OData.CSC.Intersects``."""
from __future__ import annotations

import datetime as _dt
import logging
import math
import re
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote


from ... import errors


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
    # the documented download host (the zipper host is the older one, and redirects here)
    "download_url": "https://download.dataspace.copernicus.eu/odata/v1",
    # the service's own hosts: the bearer token follows redirects between them, no further
    "token_domains": "*.dataspace.copernicus.eu",
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
    "token_domains": "*.creodias.eu,*.cloudferro.com",
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
# CREODIAS's own values where they differ from CDSE's: its Sentinel-1 ``productType`` is
# ``GRD``/``SLC``/``OCN``/``RAW`` (eodag ``resources/providers/creodias.yml``, products
# ``S1_SAR_GRD: product:type: GRD``, ``S1_SAR_SLC: SLC``, ``S1_SAR_OCN: OCN``,
# ``S1_SAR_RAW: RAW``), not CDSE's ``IW_GRDH_1S``...; the other collections as CDSE.
CREODIAS_KNOWN_VALUES: Dict[str, Dict[str, List[Any]]] = {
    **KNOWN_VALUES,
    "SENTINEL-1": {**KNOWN_VALUES["SENTINEL-1"], "productType": ["GRD", "SLC", "OCN", "RAW"]},
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


