#!/usr/bin/env python3
"""A loopback Copernicus Data Space Ecosystem (CDSE) for tests and benchmarks.

One process plays the services the plugin talks to, with the behaviour recorded or
documented for the real ones (see ``tests/data/cdse/SOURCES.md`` for what comes from where):

- **OData catalogue** ``GET /odata/v1/Products``: a real ``$filter`` parser (``and``/``or``/
  ``not``, ``eq ne lt le gt ge``, ``Collection/Name``, ``ContentDate/Start|End``, the other
  product properties, ``contains``/``startswith``/``endswith``, ``OData.CSC.Intersects`` with
  ``geography'SRID=4326;POLYGON|MULTIPOLYGON|POINT(...)'``, and
  ``Attributes/OData.CSC.<Type>Attribute/any(att:att/Name eq '..' and att/.../Value <op> ..)``),
  ``$orderby``, ``$top`` (default 20, at most 1000) and ``$skip`` (at most 10000) enforced
  with the service's 422 answers, ``$count``, ``$expand=Attributes&$expand=Assets`` (one
  value per parameter, repeated; the comma form is refused with 400 as by the service),
  ``@odata.nextLink`` (re-encoded like the service: same parameters, ``$skip`` replaced or
  appended, left out past the skip limit), ``Products(<Id>)``, ``Attributes(<collection>)``,
  quicklooks ``Assets(<Id>)/$value``, an optional rate limit answering 429 + Retry-After.
- **Keycloak token endpoint** ``POST /auth/realms/CDSE/protocol/openid-connect/token``:
  password grant (client ``cdse-public``, optional TOTP) and refresh grant, JWT-shaped
  tokens with configurable (short) lifetimes, Keycloak's error bodies.
  Wide date ranges: a query over more than a year answers 504 after a gateway time budget;
  a latency model (per request + per year of range) for the benchmark.
- **Download host** ``GET /odata/v1/Products(<Id>)/$value``: needs a valid bearer token, serves
  a real zip of the product with Range support, optionally redirects to a second host of the
  same domain (``localhost``: needs the token too), which may redirect to a foreign host
  (127.0.0.2) with a signed, expiring URL that refuses any ``Authorization`` header; can cut a
  transfer when its token expires, answers offline products as configured, publishes
  checksums as the service does (MD5+BLAKE3, SHA3-256, ``[]``, a permanently wrong MD5), and
  takes LTA-ICD style orders (``POST Products(<Id>)/OData.CSC.Order``) when ordering is on.

**CREODIAS flavour** (config ``"flavour": "creodias"``, see ``CREODIAS_CONFIG`` and the
comments where each rule is enforced; sources: /work/shared/reference/providers-wave2.md §3
and eodag ``resources/providers/creodias.yml``): token realm ``Creodias-new``, client
``CLOUDFERRO_PUBLIC``, the two-factor code mandatory; downloads take the token only as
``?token=``; at most ``max_sessions`` parallel downloads per account (429 ``DAT-ZIP-100``
beyond); 403 when the account has not accepted the data terms; Sentinel-1 ``productType``
``GRD``/``SLC``...; at most ``requests_per_minute`` catalogue requests a minute (429 beyond).

Products are the real recorded ones (tests/data/cdse) plus thousands generated in exactly
their shape (a year of Sentinel-2 L1C/L2A over France, Sentinel-1 GRD, Sentinel-3, -5P).

Test-only controls live under ``/_admin/`` (stats, config, reset, product lookup and edits).

Run: ``python tests/servers/odata_server.py --fd N [--download-fd M] [--config JSON]`` (the
fixture passes listening sockets), or ``--port P`` by hand. Standard library + shapely.
"""
from __future__ import annotations

import argparse
import base64
import bisect
import datetime as _dt
import hashlib
import hmac
import io
import json
import math
import os
import random
import re
import socket
import struct
import sys
import threading
import time
import uuid
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

try:  # imported as servers.odata_server by the tests, run as a script by the fixture
    from ._http import write_response
except ImportError:
    from _http import write_response

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data" / "cdse"
UTC = _dt.timezone.utc
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)

MAX_TOP = 1000
MAX_SKIP = 10000
DEFAULT_TOP = 20
EXPAND_VALUES = ("Attributes", "Assets", "Locations")
MAX_REQUEST_LINE = 8192  # like nginx's default large_client_header_buffers (414 beyond)
REALM_PATH = "/auth/realms/CDSE/protocol/openid-connect/token"
QUICKLOOK_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEEx"
    "NDk7Pj4+JS5ESUM8SDc9Pjv/2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7"
    "Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAAIAAgDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAH/xAAUEAEAAAAAAAAAAAAAAAAA"
    "AAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAAAwb/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCgDSb/2Q==")

DEFAULT_CONFIG: Dict[str, Any] = {
    # catalogue
    "latency_ms": 0,              # added to every catalogue answer (the real one takes ~0.2-2 s)
    # slow queries (documentation: "split multi-year queries", providers.md + the OData
    # documentation's advice; the service's real time budget is not published, so this is
    # strict): a Products query bounding ContentDate over more than `slow_span_days` (or
    # bounding it on one side only) keeps the gateway busy `gateway_timeout_s`, then answers
    # 504 Gateway Time-out; narrower ones cost `latency_ms_per_year` per year of range on top
    # of `latency_ms`. Queries without a date bound (name or id lookups) are not affected.
    "slow_span_days": 366,        # None: no 504 for wide ranges
    "gateway_timeout_s": 0.5,     # how long the gateway waits before its 504 (real: tens of s)
    "latency_ms_per_year": 0,     # extra per year of ContentDate range (benchmark: 400)
    "rate_limit_rps": None,       # token bucket refill (requests/s); None: no limit
    "rate_limit_burst": 10,
    "retry_after": 1,             # seconds announced in Retry-After on 429
    "storm": 0,                   # the next N catalogue requests answer 429 (a "429 storm")
    # identity
    "access_token_lifetime": 600,
    "refresh_token_lifetime": 3600,
    "users": {"alice@example.com": {"password": "correct horse battery staple"}},
    # zipper
    "throttle_bps": None,         # bytes per second per transfer; None: full speed
    "cut_on_token_expiry": False, # close a transfer whose bearer token expires meanwhile
    # redirect chain of a download (see Handler.zipper): the download host (127.0.0.1) sends
    # 307 to a second host of the service's domain (localhost) that needs the token; that one
    # may send 307 to a foreign host (127.0.0.2) with a signed URL, which must never see it
    "redirect_downloads": False,  # download host -> second host of the same domain
    "redirect_foreign": False,    # second host -> foreign host with a signed URL
    "download_url_ttl": 60,
    "offline_status": 202,        # answer to $value of an offline product (see SOURCES.md)
    "ordering": False,            # POST Products(<Id>)/OData.CSC.Order (LTA ICD shape)
    "order_delay": 1.0,           # seconds before an ordered product is online
    # flavour: "cdse", or "creodias" for the CREODIAS rules below (CREODIAS_CONFIG)
    "flavour": "cdse",
    "max_sessions": 2,            # creodias: parallel downloads per account
    "requests_per_minute": 60,    # creodias: catalogue requests per `rate_window_s`; None: no limit
    "rate_window_s": 60.0,
}
FLAVOUR = {"name": "cdse"}  # the running configuration's flavour (State keeps it current)
CREODIAS_REALM_PATH = "/auth/realms/Creodias-new/protocol/openid-connect/token"
CREODIAS_CLIENT = "CLOUDFERRO_PUBLIC"
# Sentinel-1 product types as CREODIAS's catalogue has them (eodag creodias.yml:
# S1_SAR_GRD -> product:type GRD, S1_SAR_SLC -> SLC, S1_SAR_OCN -> OCN, S1_SAR_RAW -> RAW)
CREODIAS_S1_TYPES = {"IW_GRDH_1S": "GRD", "EW_GRDM_1S": "GRD", "EW_GRDH_1S": "GRD", "SM_GRDF_1S": "GRD",
                     "IW_SLC__1S": "SLC", "IW_OCN__2S": "OCN", "WV_OCN__2S": "OCN", "IW_RAW__0S": "RAW"}


# ============================================================================ time helpers
def to_us(moment: _dt.datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_us(value: int) -> _dt.datetime:
    return EPOCH + _dt.timedelta(microseconds=value)


def fmt_us(value: int) -> str:
    """``2020-08-08T01:03:11.024000Z`` as the service writes dates."""
    return from_us(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:\d{2})?")


def parse_datetime_us(text: str) -> Optional[int]:
    m = _DATETIME_RE.fullmatch(text.strip())
    if not m:
        return None
    y, mo, d, hh, mm, ss, frac, tz = m.groups()
    try:
        moment = _dt.datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0),
                              int(((frac or "") + "000000")[:6]), tzinfo=UTC)
    except ValueError:
        return None
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        moment -= sign * _dt.timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    return to_us(moment)


# ============================================================================== products
class Product:
    """One catalogue product (a recorded record, or one generated in the same shape)."""

    __slots__ = ("id", "name", "collection", "start_us", "end_us", "origin", "publication",
                 "modification", "online", "eviction", "s3path", "coords", "attributes",
                 "quicklook_id", "payload_size", "recorded", "content_type", "_geom", "_zip_info",
                 "_json", "corrupt", "ordered_at", "checksum_mode", "zero_length")

    def __init__(self, **kw: Any):
        self.recorded: Optional[dict] = None
        self.coords: Optional[list] = None  # GeoJSON polygon coordinates
        self.quicklook_id: Optional[str] = None
        self.payload_size = 2048
        self.content_type = "application/octet-stream"
        self.corrupt = False
        self.ordered_at: Optional[float] = None
        # the Checksum field as the service publishes it (see record()):
        # "md5+blake3" (current records), "sha3" (older records: SHA3-256 only), "none" ([]),
        # "wrong" (an MD5 that never matches the served archive)
        self.checksum_mode = "md5+blake3"
        self.zero_length = False  # ContentLength 0 in the record
        for key, value in kw.items():
            setattr(self, key, value)
        self._geom = None
        self._zip_info: Optional[Tuple[int, str, str]] = None
        self._json: Dict[Tuple, str] = {}

    # ------------------------------------------------------------------ geometry
    def geometry(self):
        if self._geom is None:
            from shapely.geometry import shape
            if self.recorded is not None:
                geo = self.recorded.get("GeoFootprint")
                self._geom = shape(geo) if geo else False
            else:
                self._geom = shape({"type": "Polygon", "coordinates": self.coords}) if self.coords else False
        return self._geom or None

    # ------------------------------------------------------------------ content
    def zip_bytes(self) -> bytes:
        """The product as the zipper serves it: a real, deterministic zip archive."""
        folder = self.name if not self.name.endswith(".zip") else self.name[:-4]
        rnd = random.Random(self.id)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            stamp = (2024, 1, 1, 0, 0, 0)
            manifest = (f"<?xml version=\"1.0\"?>\n<product name=\"{self.name}\" id=\"{self.id}\" "
                        f"start=\"{fmt_us(self.start_us)}\"/>\n").encode()
            zf.writestr(zipfile.ZipInfo(f"{folder}/manifest.safe", stamp), manifest)
            zf.writestr(zipfile.ZipInfo(f"{folder}/measurement/data.bin", stamp),
                        rnd.randbytes(self.payload_size))
        return buf.getvalue()

    def zip_info(self) -> Tuple[int, str, str]:
        """(ContentLength, MD5, BLAKE3 stand-in) of the served zip, computed once."""
        if self._zip_info is None:
            data = self.zip_bytes()
            # hashlib has no BLAKE3: a 64-hex stand-in with the real field's shape (clients
            # verify MD5; see SOURCES.md)
            self._zip_info = (len(data), hashlib.md5(data).hexdigest(),
                              hashlib.sha256(b"blake3-stand-in:" + data).hexdigest())
        return self._zip_info

    def invalidate(self) -> None:
        self._zip_info = None
        self._json.clear()

    # ------------------------------------------------------------------ records
    def flavoured_attributes(self) -> List[Tuple[str, str, Any]]:
        """The attributes as the current flavour's catalogue has them (CREODIAS: Sentinel-1
        ``productType`` GRD/SLC/OCN/RAW, CREODIAS_S1_TYPES)."""
        if FLAVOUR["name"] != "creodias" or self.collection != "SENTINEL-1":
            return self.attributes
        return [(n, t, CREODIAS_S1_TYPES.get(v, v) if n == "productType" else v) for n, t, v in self.attributes]

    def attribute(self, name: str) -> Optional[Tuple[str, Any]]:
        for att_name, vtype, value in self.flavoured_attributes():
            if att_name == name:
                return vtype, value
        return None

    def record(self, base: str, attributes: bool, assets: bool) -> dict:
        if self.recorded is not None:
            rec = {k: v for k, v in self.recorded.items() if k not in ("Attributes", "Assets")}
            rec["Online"] = self.online
            if attributes:
                rec["Attributes"] = self.recorded.get("Attributes", [])
                if FLAVOUR["name"] == "creodias" and self.collection == "SENTINEL-1":
                    rec["Attributes"] = [dict(a, Value=CREODIAS_S1_TYPES.get(a.get("Value"), a.get("Value")))
                                         if a.get("Name") == "productType" else a for a in rec["Attributes"]]
            if assets:
                rec["Assets"] = [dict(a, DownloadLink=f"{base}/odata/v1/Assets({a['Id']})/$value")
                                 for a in self.recorded.get("Assets", [])]
            return rec
        length, md5, blake = self.zip_info()
        checksum_date = fmt_us(parse_datetime_us(self.publication) + 6_004_021)
        # Checksum as published (sources: data/real/cdse-odata: lists of {Value, Algorithm,
        # ChecksumDate} with MD5 and BLAKE3; providers.md, CDSE section: older records carry
        # SHA3-256, "Checksum" is often [] and ContentLength may be 0, and some published MD5s
        # never match the served archive, as CDSETool's maintainers report)
        if self.checksum_mode == "none":
            checksum: List[dict] = []
        elif self.checksum_mode == "sha3":
            checksum = [{"Value": hashlib.sha3_256(self.zip_bytes()).hexdigest(), "Algorithm": "SHA3-256",
                         "ChecksumDate": checksum_date}]
        else:
            if self.checksum_mode == "wrong":
                md5 = hashlib.md5(b"an older archive of " + self.name.encode()).hexdigest()
            checksum = [{"Value": md5, "Algorithm": "MD5", "ChecksumDate": checksum_date},
                        {"Value": blake, "Algorithm": "BLAKE3", "ChecksumDate": checksum_date}]
        rec: Dict[str, Any] = {
            "@odata.mediaContentType": "application/octet-stream",
            "Id": self.id,
            "Name": self.name,
            "ContentType": self.content_type,
            "ContentLength": 0 if self.zero_length else length,
            "OriginDate": self.origin,
            "PublicationDate": self.publication,
            "ModificationDate": self.modification,
            "Online": self.online,
            "EvictionDate": self.eviction,
            "S3Path": self.s3path,
            "Checksum": checksum,
            "ContentDate": {"Start": fmt_us(self.start_us), "End": fmt_us(self.end_us)},
        }
        if self.coords:
            ring = self.coords[0]
            rec["Footprint"] = ("geography'SRID=4326;POLYGON ((" +
                                ", ".join(f"{x!r} {y!r}" for x, y in ring) + "))'")
            rec["GeoFootprint"] = {"type": "Polygon", "coordinates": self.coords}
        else:
            rec["Footprint"] = None
            rec["GeoFootprint"] = None
        if attributes:
            rec["Attributes"] = [
                {"@odata.type": f"#OData.CSC.{vtype}Attribute", "Name": name, "Value": value,
                 "ValueType": vtype}
                for name, vtype, value in self.flavoured_attributes()]
        if assets:
            rec["Assets"] = ([{"Type": "QUICKLOOK", "Id": self.quicklook_id,
                               "DownloadLink": f"{base}/odata/v1/Assets({self.quicklook_id})/$value",
                               "S3Path": self.s3path}] if self.quicklook_id else [])
        return rec

    def record_json(self, base: str, attributes: bool, assets: bool) -> str:
        key = (base, attributes, assets, self.online, FLAVOUR["name"])
        text = self._json.get(key)
        if text is None:
            text = json.dumps(self.record(base, attributes, assets), separators=(",", ":"))
            self._json[key] = text
        return text


def _recorded_products() -> List[Product]:
    """The real records copied into tests/data/cdse, kept verbatim."""
    out: List[Product] = []
    files = [DATA / f"odata_page_{i}.json" for i in range(1, 6)] + [DATA / "cop_dataspace_search.json"]
    for path in files:
        if not path.exists():
            continue
        out.extend(products_from_records(json.loads(path.read_text())["value"]))
    return out


def products_from_records(records: List[dict]) -> List[Product]:
    """Products served verbatim from records shaped like the service's (``--records``: a test
    adds products of its own, built from a recorded record, e.g. the same acquisitions another
    test catalog holds)."""
    out: List[Product] = []
    for rec in records:
        attrs = [(a["Name"], a["ValueType"], a["Value"]) for a in rec.get("Attributes", [])]
        platform = next((v for n, _t, v in attrs if n == "platformShortName"), None)
        collection = platform or ("SENTINEL-1" if rec["Name"].startswith("S1") else "SENTINEL-2")
        out.append(Product(
            id=rec["Id"], name=rec["Name"], collection=collection,
            start_us=parse_datetime_us(rec["ContentDate"]["Start"]),
            end_us=parse_datetime_us(rec["ContentDate"]["End"]),
            origin=rec["OriginDate"], publication=rec["PublicationDate"],
            modification=rec["ModificationDate"], online=rec["Online"],
            eviction=rec["EvictionDate"], s3path=rec["S3Path"], attributes=attrs,
            recorded=rec))
    return out


# ------------------------------------------------------------------------ generation
FRANCE = [(-1.8, 43.4), (-1.4, 43.0), (0.7, 42.8), (3.2, 42.4), (3.2, 43.2), (4.9, 43.4), (6.6, 43.1),
          (7.5, 43.8), (7.0, 45.3), (6.1, 46.2), (7.6, 47.6), (8.2, 49.0), (6.5, 49.5), (4.8, 50.1),
          (2.5, 51.1), (1.6, 50.9), (1.4, 50.1), (-1.3, 49.7), (-1.9, 48.7), (-4.8, 48.6), (-4.3, 47.8),
          (-2.2, 47.2), (-1.2, 46.2), (-1.8, 43.4)]
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _box(w: float, s: float, e: float, n: float) -> list:
    r = lambda v: round(v, 6)  # noqa: E731
    return [[[r(w), r(s)], [r(e), r(s)], [r(e), r(n)], [r(w), r(n)], [r(w), r(s)]]]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _france_tiles() -> List[Tuple[str, Tuple[float, float, float, float], int]]:
    """Sentinel-2-like tiles (id, bounds, orbit track index) covering mainland France."""
    from shapely.geometry import Polygon, box
    france = Polygon(FRANCE)
    tiles = []
    lat = 42.3
    row = 0
    while lat < 51.2:
        lon = -5.0
        col = 0
        while lon < 8.3:
            cell = box(lon, lat, lon + 1.5, lat + 0.95)
            if cell.intersects(france):
                zone = int((lon + 0.65 + 180) // 6) + 1
                band = "T" if lat + 0.5 < 48 else "U"
                tile = f"{zone}{band}{_LETTERS[(col * 3 + row) % 24]}{_LETTERS[(row * 5 + col) % 24]}"
                tiles.append((tile, (lon, lat, lon + 1.5, lat + 0.95), col))
            lon += 1.45
            col += 1
        lat += 0.85
        row += 1
    return tiles


def _s2_products(rng: random.Random, year: int) -> List[Product]:
    out: List[Product] = []
    tiles = _france_tiles()
    day = _dt.date(year, 1, 1)
    while day.year == year:
        doy = day.timetuple().tm_yday
        for track in range(12):
            for sat, phase in (("A", 0), ("B", 5)):
                if (doy + 3 * track + phase) % 10:
                    continue
                # every tile whose column is this track (or its overlap with the next) is imaged
                members = [t for t in tiles if t[2] == track or (t[2] == track + 1 and t[1][1] > 47.5)]
                if not members:
                    continue
                orbit = 8 + 43 * track % 143
                start = _dt.datetime(day.year, day.month, day.day, 10, 20, tzinfo=UTC) + _dt.timedelta(
                    minutes=4 * (track % 5), seconds=11 + 7 * track, microseconds=24000)
                abs_orbit = 30000 + (doy * 14 + track) + (0 if sat == "A" else 9000)
                for tile, (w, s, e, n), _col in members:
                    for level, ptype in (("L1C", "S2MSI1C"), ("L2A", "S2MSI2A")):
                        proc = start + _dt.timedelta(hours=3 + (1 if level == "L2A" else 0),
                                                     minutes=rng.randrange(60), seconds=rng.randrange(60))
                        stamp = start.strftime("%Y%m%dT%H%M%S")
                        name = (f"S2{sat}_MSI{level}_{stamp}_N0509_R{orbit:03d}_T{tile}_"
                                f"{proc.strftime('%Y%m%dT%H%M%S')}.SAFE")
                        pub = proc + _dt.timedelta(minutes=40 + rng.randrange(30), microseconds=rng.randrange(10**6))
                        folder = "L1C" if level == "L1C" else "L2A"
                        cloud = round(rng.random() ** 1.6 * 100, 12)
                        attrs = [
                            ("origin", "String", "ESA"),
                            ("tileId", "String", tile),
                            ("cloudCover", "Double", cloud),
                            ("datastripId", "String", f"S2{sat}_OPER_MSI_{level}_DS_2BPS_{proc.strftime('%Y%m%dT%H%M%S')}_S{stamp}_N05.09"),
                            ("orbitNumber", "Integer", abs_orbit),
                            ("processingDate", "DateTimeOffset", fmt_us(to_us(proc))),
                            ("productGroupId", "String", f"GS2{sat}_{stamp}_{abs_orbit:06d}_N05.09"),
                            ("operationalMode", "String", "INS-NOBS"),
                            ("processingLevel", "String", ptype),
                            ("processorVersion", "String", "05.09"),
                            ("platformShortName", "String", "SENTINEL-2"),
                            ("instrumentShortName", "String", "MSI"),
                            ("relativeOrbitNumber", "Integer", orbit),
                            ("platformSerialIdentifier", "String", sat),
                            ("productType", "String", ptype),
                            ("beginningDateTime", "DateTimeOffset", fmt_us(to_us(start))),
                            ("endingDateTime", "DateTimeOffset", fmt_us(to_us(start))),
                        ]
                        out.append(Product(
                            id=_uuid(rng), name=name, collection="SENTINEL-2",
                            start_us=to_us(start), end_us=to_us(start),
                            origin=fmt_us(to_us(pub) - 51_000_000), publication=fmt_us(to_us(pub)),
                            modification=fmt_us(to_us(pub) + 5_000_000),
                            online=rng.random() > 0.004,
                            eviction="9999-12-31T23:59:59.999999Z",
                            s3path=f"/eodata/Sentinel-2/MSI/{folder}/{day:%Y/%m/%d}/{name}",
                            coords=_box(w, s, e, n), attributes=attrs,
                            quicklook_id=_uuid(rng), payload_size=1024 + rng.randrange(2048)))
        day += _dt.timedelta(days=1)
    return out


def _s1_products(rng: random.Random, year: int) -> List[Product]:
    out: List[Product] = []
    tracks = [(8, "DESCENDING"), (30, "ASCENDING"), (37, "DESCENDING"), (59, "ASCENDING"), (81, "ASCENDING"),
              (88, "ASCENDING"), (110, "DESCENDING"), (132, "ASCENDING"), (139, "DESCENDING"), (161, "ASCENDING")]
    day = _dt.date(year, 1, 1)
    while day.year == year:
        doy = day.timetuple().tm_yday
        for i, (rel, direction) in enumerate(tracks):
            if (doy + 7 * i) % 12:
                continue
            hour = 5 if direction == "DESCENDING" else 17
            lon0 = -4.5 + 1.3 * i
            for slice_no in range(4):
                start = _dt.datetime(day.year, day.month, day.day, hour, 40 + 1 * i, tzinfo=UTC) + _dt.timedelta(
                    seconds=25 * slice_no, microseconds=rng.randrange(10**6))
                stop = start + _dt.timedelta(seconds=25)
                abs_orbit = 46000 + doy * 15 + i
                datatake = 0x59000 + doy * 16 + i
                name = (f"S1A_IW_GRDH_1SDV_{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}_{abs_orbit:06d}_"
                        f"{datatake:06X}_{rng.randrange(16**4):04X}.SAFE")
                s = 42.5 + 2.1 * slice_no
                pub = stop + _dt.timedelta(hours=2, minutes=rng.randrange(60))
                attrs = [
                    ("origin", "String", "ESA"), ("datatakeID", "Integer", datatake),
                    ("timeliness", "String", "Fast-24h"), ("cycleNumber", "Integer", 280 + doy // 12),
                    ("orbitNumber", "Integer", abs_orbit), ("sliceNumber", "Integer", slice_no + 1),
                    ("totalSlices", "Integer", 4), ("productClass", "String", "S"),
                    ("processorName", "String", "Sentinel-1 IPF"), ("orbitDirection", "String", direction),
                    ("processingDate", "DateTimeOffset", fmt_us(to_us(pub) - 600_000_000)),
                    ("operationalMode", "String", "IW"), ("processingLevel", "String", "LEVEL1"),
                    ("swathIdentifier", "String", "IW"), ("processingCenter", "String", "Production Service-SERCO"),
                    ("processorVersion", "String", "003.61"), ("platformShortName", "String", "SENTINEL-1"),
                    ("instrumentShortName", "String", "SAR"), ("relativeOrbitNumber", "Integer", rel),
                    ("polarisationChannels", "String", "VV&VH"), ("platformSerialIdentifier", "String", "A"),
                    ("productType", "String", "IW_GRDH_1S"),
                    ("beginningDateTime", "DateTimeOffset", fmt_us(to_us(start))),
                    ("endingDateTime", "DateTimeOffset", fmt_us(to_us(stop))),
                ]
                out.append(Product(
                    id=_uuid(rng), name=name, collection="SENTINEL-1", start_us=to_us(start), end_us=to_us(stop),
                    origin=fmt_us(to_us(pub) - 300_000_000), publication=fmt_us(to_us(pub)),
                    modification=fmt_us(to_us(pub) + 2_000_000), online=True,
                    eviction="9999-12-31T23:59:59.999999Z",
                    s3path=f"/eodata/Sentinel-1/SAR/IW_GRDH_1S/{day:%Y/%m/%d}/{name}",
                    coords=_box(lon0, s, lon0 + 2.6, s + 2.2), attributes=attrs,
                    quicklook_id=_uuid(rng), payload_size=1024 + rng.randrange(2048)))
        day += _dt.timedelta(days=1)
    return out


def _s3_s5p_products(rng: random.Random, year: int) -> List[Product]:
    out: List[Product] = []
    day = _dt.date(year, 1, 1)
    while day.year == year:
        start = _dt.datetime(day.year, day.month, day.day, 10, 2, tzinfo=UTC) + _dt.timedelta(seconds=rng.randrange(600))
        stop = start + _dt.timedelta(minutes=3)
        proc = stop + _dt.timedelta(hours=20)
        name = (f"S3A_OL_1_EFR____{start:%Y%m%dT%H%M%S}_{stop:%Y%m%dT%H%M%S}_{proc:%Y%m%dT%H%M%S}_"
                f"0179_{94 + day.timetuple().tm_yday % 20:03d}_{122:03d}_2160_PS1_O_NT_003.SEN3")
        attrs = [("origin", "String", "EUMETSAT"), ("productType", "String", "OL_1_EFR___"),
                 ("platformShortName", "String", "SENTINEL-3"), ("platformSerialIdentifier", "String", "A"),
                 ("instrumentShortName", "String", "OLCI"), ("processingLevel", "String", "1"),
                 ("timeliness", "String", "NT"), ("orbitDirection", "String", "DESCENDING"),
                 ("relativeOrbitNumber", "Integer", 122), ("cloudCover", "Double", round(rng.random() * 100, 6)),
                 ("beginningDateTime", "DateTimeOffset", fmt_us(to_us(start))),
                 ("endingDateTime", "DateTimeOffset", fmt_us(to_us(stop)))]
        out.append(Product(
            id=_uuid(rng), name=name, collection="SENTINEL-3", start_us=to_us(start), end_us=to_us(stop),
            origin=fmt_us(to_us(proc)), publication=fmt_us(to_us(proc) + 900_000_000),
            modification=fmt_us(to_us(proc) + 901_000_000), online=True, eviction="9999-12-31T23:59:59.999999Z",
            s3path=f"/eodata/Sentinel-3/OLCI/OL_1_EFR___/{day:%Y/%m/%d}/{name}",
            coords=_box(-6.0, 41.0, 10.0, 52.0), attributes=attrs, quicklook_id=_uuid(rng),
            payload_size=1024))
        s5_start = _dt.datetime(day.year, day.month, day.day, 11, 22, 33, tzinfo=UTC)
        s5_stop = s5_start + _dt.timedelta(minutes=101)
        orbit = 27000 + day.timetuple().tm_yday * 14
        s5_name = (f"S5P_OFFL_L2__NO2____{s5_start:%Y%m%dT%H%M%S}_{s5_stop:%Y%m%dT%H%M%S}_{orbit:05d}_03_"
                   f"020400_{(s5_stop + _dt.timedelta(days=2)):%Y%m%dT%H%M%S}.nc")
        attrs = [("origin", "String", "ESA"), ("productType", "String", "L2__NO2___"),
                 ("platformShortName", "String", "SENTINEL-5P"), ("instrumentShortName", "String", "TROPOMI"),
                 ("processingLevel", "String", "L2"), ("processingMode", "String", "OFFL"),
                 ("orbitNumber", "Integer", orbit),
                 ("beginningDateTime", "DateTimeOffset", fmt_us(to_us(s5_start))),
                 ("endingDateTime", "DateTimeOffset", fmt_us(to_us(s5_stop)))]
        out.append(Product(
            id=_uuid(rng), name=s5_name, collection="SENTINEL-5P", start_us=to_us(s5_start), end_us=to_us(s5_stop),
            origin=fmt_us(to_us(s5_stop) + 86400_000_000), publication=fmt_us(to_us(s5_stop) + 90000_000_000),
            modification=fmt_us(to_us(s5_stop) + 90001_000_000), online=True,
            eviction="9999-12-31T23:59:59.999999Z",
            s3path=f"/eodata/Sentinel-5P/TROPOMI/L2__NO2___/{day:%Y/%m/%d}/{s5_name}",
            coords=_box(-30.0, 30.0, 30.0, 60.0), attributes=attrs, quicklook_id=None, payload_size=1024,
            content_type="application/octet-stream"))
        day += _dt.timedelta(days=1)
    return out


def build_dataset(seed: int = 7, year: int = 2023, duplicates: float = 0.003) -> List[Product]:
    """The default catalogue: recorded records + a generated year over France."""
    rng = random.Random(seed)
    products = _recorded_products()
    generated = _s2_products(rng, year) + _s1_products(rng, year) + _s3_s5p_products(rng, year)
    # re-published duplicates: same Name, another Id, an older ModificationDate (CDSE has them)
    dups = []
    for prod in generated:
        if prod.collection == "SENTINEL-2" and rng.random() < duplicates:
            older = Product(**{k: getattr(prod, k) for k in Product.__slots__ if not k.startswith("_")})
            older.id = _uuid(rng)
            older.quicklook_id = _uuid(rng)
            older.modification = fmt_us(parse_datetime_us(prod.modification) - 86400_000_000 * 30)
            older.publication = fmt_us(parse_datetime_us(prod.publication) - 86400_000_000 * 30)
            older.invalidate()
            dups.append(older)
    # products whose checksum is as the service often publishes it (see Product.record):
    # Sentinel-3 of January without checksum and with ContentLength 0, Sentinel-5P of January
    # with SHA3-256 only, the Sentinel-3 product of 1 February with an MD5 that never matches
    for prod in generated:
        month, day = from_us(prod.start_us).month, from_us(prod.start_us).day
        if prod.collection == "SENTINEL-3" and month == 1:
            prod.checksum_mode, prod.zero_length = "none", True
        elif prod.collection == "SENTINEL-5P" and month == 1:
            prod.checksum_mode = "sha3"
        elif prod.collection == "SENTINEL-3" and month == 2 and day == 1:
            prod.checksum_mode = "wrong"
    products.extend(generated)
    products.extend(dups)
    return products


# ============================================================================ $filter
class FilterError(ValueError):
    pass


_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<geo>geography'(?:[^']|'')*')
  | (?P<string>'(?:[^']|'')*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?)?)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<punct>[()/,:=])
""", re.X)

_COMPARISONS = {"eq", "ne", "lt", "le", "gt", "ge"}

# product properties: name -> (type, getter)
_PROPERTIES: Dict[str, Tuple[str, Callable[[Product], Any]]] = {
    "Id": ("string", lambda p: p.id),
    "Name": ("string", lambda p: p.name),
    "ContentType": ("string", lambda p: p.content_type),
    "ContentLength": ("number", lambda p: p.zip_info()[0] if p.recorded is None else p.recorded["ContentLength"]),
    "OriginDate": ("datetime", lambda p: parse_datetime_us(p.origin)),
    "PublicationDate": ("datetime", lambda p: parse_datetime_us(p.publication)),
    "ModificationDate": ("datetime", lambda p: parse_datetime_us(p.modification)),
    "EvictionDate": ("datetime", lambda p: parse_datetime_us(p.eviction)),
    "Online": ("bool", lambda p: p.online),
    "S3Path": ("string", lambda p: p.s3path),
    "ContentDate/Start": ("datetime", lambda p: p.start_us),
    "ContentDate/End": ("datetime", lambda p: p.end_us),
    "Collection/Name": ("string", lambda p: p.collection),
}
_ATTRIBUTE_TYPES = {"StringAttribute": "String", "IntegerAttribute": "Integer", "DoubleAttribute": "Double",
                    "DateTimeOffsetAttribute": "DateTimeOffset", "BooleanAttribute": "Boolean"}


class _Tok:
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind: str, text: str, pos: int):
        self.kind, self.text, self.pos = kind, text, pos


def _tokenize(text: str) -> List[_Tok]:
    out, i = [], 0
    while i < len(text):
        m = _TOKEN_RE.match(text, i)
        if not m:
            raise FilterError(f"Unexpected character {text[i]!r} at position {i}")
        kind = m.lastgroup
        if kind != "ws":
            out.append(_Tok(kind, m.group(0), i))
        i = m.end()
    out.append(_Tok("eof", "", len(text)))
    return out


class Query:
    """A compiled ``$filter``: ``match(product)`` plus what an index can use."""

    def __init__(self, predicate: Callable[[Product], bool], collections: Optional[set],
                 start_lo: Optional[int], start_hi: Optional[int], end_lo: Optional[int] = None):
        self.match = predicate
        self.collections = collections
        self.start_lo = start_lo  # inclusive lower bound on ContentDate/Start (µs)
        self.start_hi = start_hi  # exclusive upper bound
        self.end_lo = end_lo      # lower bound on ContentDate/End (eodag's "End gt" form)

    def date_span_us(self) -> Optional[float]:
        """How much time the query's date bounds cover (µs): None without any date bound,
        infinity when bounded on one side only."""
        lo = self.start_lo if self.start_lo is not None else self.end_lo
        if lo is None and self.start_hi is None:
            return None
        if lo is None or self.start_hi is None:
            return math.inf
        return max(0, self.start_hi - lo)


class _FilterParser:
    def __init__(self, text: str):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    # ---------------------------------------------------------------- helpers
    def peek(self, offset: int = 0) -> _Tok:
        return self.toks[min(self.i + offset, len(self.toks) - 1)]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> _Tok:
        tok = self.take()
        if tok.text != text:
            raise FilterError(f"Expected '{text}' at position {tok.pos}, found '{tok.text or 'end'}'")
        return tok

    def word(self, *words: str) -> bool:
        tok = self.peek()
        return tok.kind == "ident" and tok.text.lower() in words

    # ---------------------------------------------------------------- grammar
    def parse(self):
        node = self.or_expr({})
        if self.peek().kind != "eof":
            tok = self.peek()
            raise FilterError(f"Unexpected '{tok.text}' at position {tok.pos}")
        return node

    def or_expr(self, scope):
        node = self.and_expr(scope)
        while self.word("or"):
            self.take()
            node = ("or", node, self.and_expr(scope))
        return node

    def and_expr(self, scope):
        node = self.not_expr(scope)
        while self.word("and"):
            self.take()
            node = ("and", node, self.not_expr(scope))
        return node

    def not_expr(self, scope):
        if self.word("not"):
            self.take()
            return ("not", self.not_expr(scope))
        return self.comparison(scope)

    def comparison(self, scope):
        if self.peek().text == "(":
            self.take()
            node = self.or_expr(scope)
            self.expect(")")
            return node
        left = self.operand(scope)
        if self.word(*_COMPARISONS):
            op = self.take().text.lower()
            right = self.operand(scope)
            return ("cmp", op, left, right)
        if left[0] in ("func", "any", "intersects"):
            return left
        if left[0] == "lit" and isinstance(left[1], bool):
            return ("const", left[1])
        tok = self.peek()
        raise FilterError(f"Expected a comparison operator at position {tok.pos}, found '{tok.text or 'end'}'")

    def operand(self, scope):
        tok = self.take()
        if tok.kind == "string":
            return ("lit", tok.text[1:-1].replace("''", "'"), "string")
        if tok.kind == "datetime":
            if "T" not in tok.text and len(tok.text) == 10:
                return ("lit", parse_datetime_us(tok.text), "datetime")
            value = parse_datetime_us(tok.text)
            if value is None:
                raise FilterError(f"Invalid date '{tok.text}' at position {tok.pos}")
            return ("lit", value, "datetime")
        if tok.kind == "number":
            return ("lit", float(tok.text) if any(c in tok.text for c in ".eE") else int(tok.text), "number")
        if tok.kind == "geo":
            raise FilterError(f"A geography literal is only allowed in OData.CSC.Intersects (position {tok.pos})")
        if tok.kind != "ident":
            raise FilterError(f"Unexpected '{tok.text or 'end'}' at position {tok.pos}")
        low = tok.text.lower()
        if low in ("true", "false"):
            return ("lit", low == "true", "bool")
        if low == "null":
            return ("lit", None, "null")
        if self.peek().text == "(":
            return self.function(tok, scope)
        # a path: a/b/c, possibly ending in any(...)
        parts = [tok.text]
        while self.peek().text == "/":
            self.take()
            seg = self.take()
            if seg.kind != "ident":
                raise FilterError(f"Expected a property name at position {seg.pos}")
            if seg.text in ("any", "all") and self.peek().text == "(":
                return self.lambda_expr(parts, seg, scope)
            parts.append(seg.text)
        return self.path(parts, tok, scope)

    def path(self, parts: List[str], tok: _Tok, scope):
        if parts[0] in scope:  # lambda variable: att/Name, att/OData.CSC.XAttribute/Value
            rest = "/".join(parts[1:])
            if rest == "Name":
                return ("attname",)
            m = re.fullmatch(r"OData\.CSC\.(\w+)/Value", rest)
            if m and m.group(1) in _ATTRIBUTE_TYPES:
                if _ATTRIBUTE_TYPES[m.group(1)] != scope[parts[0]]:
                    raise FilterError(f"{m.group(1)} does not match the lambda's attribute type at position {tok.pos}")
                return ("attvalue", scope[parts[0]])
            raise FilterError(f"Unknown lambda property '{'/'.join(parts)}' at position {tok.pos}")
        name = "/".join(parts)
        if name not in _PROPERTIES:
            raise FilterError(f"Unknown property '{name}' at position {tok.pos}")
        return ("prop", name)

    def lambda_expr(self, parts: List[str], seg: _Tok, scope):
        m = re.fullmatch(r"Attributes/OData\.CSC\.(\w+)", "/".join(parts))
        if not m or m.group(1) not in _ATTRIBUTE_TYPES:
            raise FilterError(f"'{'/'.join(parts)}/{seg.text}' is not an attribute collection (position {seg.pos})")
        self.expect("(")
        var = self.take()
        if var.kind != "ident":
            raise FilterError(f"Expected a lambda variable at position {var.pos}")
        self.expect(":")
        inner = dict(scope)
        inner[var.text] = _ATTRIBUTE_TYPES[m.group(1)]
        body = self.or_expr(inner)
        self.expect(")")
        return ("any" if seg.text == "any" else "all", inner[var.text], body)

    def function(self, tok: _Tok, scope):
        name = tok.text
        self.expect("(")
        if name == "OData.CSC.Intersects":
            area = None
            while True:
                key = self.take()
                if key.kind != "ident":
                    raise FilterError(f"Expected a parameter name at position {key.pos}")
                self.expect("=")
                value = self.take()
                if key.text == "area":
                    if value.kind != "geo":
                        raise FilterError(f"area must be a geography literal (position {value.pos})")
                    area = value.text[len("geography'"):-1].replace("''", "'")
                elif key.text == "location":
                    if value.text != "Footprint":
                        raise FilterError(f"location must be Footprint (position {value.pos})")
                else:
                    raise FilterError(f"Unknown parameter '{key.text}' of OData.CSC.Intersects")
                if self.peek().text == ",":
                    self.take()
                    continue
                break
            self.expect(")")
            if area is None:
                raise FilterError("OData.CSC.Intersects needs area=geography'SRID=4326;...'")
            return ("intersects", _parse_geography(area, tok.pos))
        if name.lower() in ("contains", "startswith", "endswith"):
            prop = self.operand(scope)
            self.expect(",")
            needle = self.operand(scope)
            self.expect(")")
            if prop[0] != "prop" or _PROPERTIES[prop[1]][0] != "string":
                raise FilterError(f"{name} needs a text property (position {tok.pos})")
            if needle[0] != "lit" or needle[2] != "string":
                raise FilterError(f"{name} needs a quoted text (position {tok.pos})")
            return ("func", name.lower(), prop[1], needle[1])
        raise FilterError(f"Unknown function '{name}' at position {tok.pos}")


def _parse_geography(text: str, pos: int):
    m = re.fullmatch(r"\s*SRID=(\d+);(.*)", text, re.S)
    if not m or m.group(1) != "4326":
        raise FilterError(f"The geography must start with SRID=4326; (position {pos})")
    try:
        from shapely import wkt
        geom = wkt.loads(m.group(2))
    except Exception as err:  # noqa: BLE001 - shapely/GEOS raise several types
        raise FilterError(f"Invalid WKT in geography literal: {err}") from err
    if geom.is_empty:
        raise FilterError("Empty geography")
    if not geom.is_valid:
        raise FilterError("Invalid geography (self-intersecting polygon?)")
    return geom


def _compile(node) -> Callable[[Product], bool]:
    kind = node[0]
    if kind == "and":
        a, b = _compile(node[1]), _compile(node[2])
        return lambda p: a(p) and b(p)
    if kind == "or":
        a, b = _compile(node[1]), _compile(node[2])
        return lambda p: a(p) or b(p)
    if kind == "not":
        a = _compile(node[1])
        return lambda p: not a(p)
    if kind == "const":
        value = node[1]
        return lambda p: value
    if kind == "func":
        _k, fname, prop, needle = node
        getter = _PROPERTIES[prop][1]
        if fname == "contains":
            return lambda p: needle in (getter(p) or "")
        if fname == "startswith":
            return lambda p: (getter(p) or "").startswith(needle)
        return lambda p: (getter(p) or "").endswith(needle)
    if kind == "intersects":
        from shapely.prepared import prep
        area = node[1]
        prepared = prep(area)
        aw, as_, ae, an = area.bounds

        def intersects(p: Product) -> bool:
            geom = p.geometry()
            if geom is None:
                return False
            gw, gs, ge, gn = geom.bounds
            if gw > ae or ge < aw or gs > an or gn < as_:
                return False
            return prepared.intersects(geom)
        return intersects
    if kind in ("any", "all"):
        _k, vtype, body = node
        test = _compile_att(body)
        if kind == "any":
            return lambda p: any(t == vtype and test(n, v) for n, t, v in p.flavoured_attributes())
        return lambda p: all(test(n, v) for n, t, v in p.flavoured_attributes() if t == vtype)
    if kind == "cmp":
        return _compile_cmp(node)
    raise FilterError(f"Not a condition: {kind}")


def _compile_att(node) -> Callable[[str, Any], bool]:
    kind = node[0]
    if kind in ("and", "or"):
        a, b = _compile_att(node[1]), _compile_att(node[2])
        return (lambda n, v: a(n, v) and b(n, v)) if kind == "and" else (lambda n, v: a(n, v) or b(n, v))
    if kind == "not":
        a = _compile_att(node[1])
        return lambda n, v: not a(n, v)
    if kind == "cmp":
        _k, op, left, right = node
        if left[0] == "lit" and right[0] in ("attname", "attvalue"):
            left, right, op = right, left, _FLIP[op]
        if right[0] != "lit":
            raise FilterError("A lambda condition compares att/Name or att/.../Value with a literal")
        lit = right[1]
        cmp = _OPS[op]
        if left[0] == "attname":
            return lambda n, v: cmp(n, lit)
        if left[0] == "attvalue":
            vtype = left[1]
            if vtype == "DateTimeOffset":
                if right[2] != "datetime":
                    raise FilterError("A DateTimeOffset attribute is compared with a date")
                return lambda n, v: _safe(cmp, parse_datetime_us(v) if isinstance(v, str) else v, lit)
            if vtype in ("Integer", "Double") and right[2] != "number":
                raise FilterError(f"A {vtype} attribute is compared with a number")
            if vtype == "String" and right[2] != "string":
                raise FilterError("A String attribute is compared with a quoted text")
            return lambda n, v: _safe(cmp, v, lit)
    raise FilterError("Unsupported condition inside any()")


_OPS = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}
_FLIP = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}


def _safe(cmp, a, b) -> bool:
    try:
        return bool(cmp(a, b))
    except TypeError:
        return False


def _compile_cmp(node) -> Callable[[Product], bool]:
    _k, op, left, right = node
    if left[0] == "lit" and right[0] == "prop":
        left, right, op = right, left, _FLIP[op]
    if left[0] != "prop" or right[0] != "lit":
        raise FilterError("A comparison needs a product property on one side and a value on the other")
    ptype, getter = _PROPERTIES[left[1]]
    lit, ltype = right[1], right[2]
    if ltype != "null" and ltype != ptype:
        raise FilterError(f"{left[1]} is a {ptype}, it cannot be compared with a {ltype}")
    cmp = _OPS[op]
    return lambda p: _safe(cmp, getter(p), lit)


def _index_terms(node, out: dict) -> None:
    """Collect top-level AND terms an index can use (collection, ContentDate/Start bounds)."""
    if node[0] == "and":
        _index_terms(node[1], out)
        _index_terms(node[2], out)
        return
    if node[0] == "or":  # (Collection/Name eq 'A' or Collection/Name eq 'B')
        names = set()
        stack = [node]
        while stack:
            n = stack.pop()
            if n[0] == "or":
                stack.extend([n[1], n[2]])
            elif n[0] == "cmp" and n[1] == "eq" and n[2] == ("prop", "Collection/Name") and n[3][0] == "lit":
                names.add(n[3][1])
            else:
                return
        out["collections"] = names if out.get("collections") is None else out["collections"] & names
        return
    if node[0] != "cmp":
        return
    _k, op, left, right = node
    if left[0] == "lit" and right[0] == "prop":
        left, right, op = right, left, _FLIP[op]
    if left[0] != "prop" or right[0] != "lit":
        return
    if left[1] == "Collection/Name" and op == "eq":
        names = {right[1]}
        out["collections"] = names if out.get("collections") is None else out["collections"] & names
    elif left[1] == "ContentDate/Start" and isinstance(right[1], int):
        value = right[1]
        if op in ("gt", "ge"):
            lo = value + 1 if op == "gt" else value
            out["lo"] = max(out.get("lo", lo), lo)
        elif op in ("lt", "le"):
            hi = value if op == "lt" else value + 1
            out["hi"] = min(out.get("hi", hi), hi)
        elif op == "eq":
            out["lo"] = max(out.get("lo", value), value)
            out["hi"] = min(out.get("hi", value + 1), value + 1)
    elif left[1] == "ContentDate/End" and isinstance(right[1], int) and op in ("gt", "ge"):
        out["end_lo"] = max(out.get("end_lo", right[1]), right[1])


def compile_filter(text: Optional[str]) -> Query:
    if not text or not text.strip():
        return Query(lambda p: True, None, None, None)
    tree = _FilterParser(text).parse()
    terms: dict = {}
    _index_terms(tree, terms)
    return Query(_compile(tree), terms.get("collections"), terms.get("lo"), terms.get("hi"), terms.get("end_lo"))


# ============================================================================== catalogue
class Catalogue:
    def __init__(self, products: List[Product]):
        self.lock = threading.Lock()
        self.products = products
        self.by_id: Dict[str, Product] = {p.id: p for p in products}
        self.by_quicklook: Dict[str, Product] = {p.quicklook_id: p for p in products if p.quicklook_id}
        for p in products:
            if p.recorded:
                for a in p.recorded.get("Assets", []):
                    self.by_quicklook[a["Id"]] = p
        order = sorted(range(len(products)), key=lambda i: products[i].start_us)  # stable
        self.sorted_all = [products[i] for i in order]
        self.starts_all = [p.start_us for p in self.sorted_all]
        self.by_collection: Dict[str, Tuple[List[int], List[Product]]] = {}
        for p in self.sorted_all:
            starts, prods = self.by_collection.setdefault(p.collection, ([], []))
            starts.append(p.start_us)
            prods.append(p)

    def search(self, query: Query) -> List[Product]:
        if query.collections is not None:
            pools = [self.by_collection.get(c, ([], [])) for c in sorted(query.collections)]
        else:
            pools = [(self.starts_all, self.sorted_all)]
        out: List[Product] = []
        for starts, prods in pools:
            lo = bisect.bisect_left(starts, query.start_lo) if query.start_lo is not None else 0
            hi = bisect.bisect_left(starts, query.start_hi) if query.start_hi is not None else len(prods)
            out.extend(p for p in prods[lo:hi] if query.match(p))
        if len(pools) > 1:
            out.sort(key=lambda p: p.start_us)
        return out

    def attributes_of(self, collection: str) -> List[dict]:
        if collection == "SENTINEL-1" and (DATA / "attributes_SENTINEL-1.json").exists():
            return json.loads((DATA / "attributes_SENTINEL-1.json").read_text())
        seen: Dict[str, str] = {}
        for _s, prods in [self.by_collection.get(collection, ([], []))]:
            for p in prods[:2000]:
                for name, vtype, _v in p.attributes:
                    seen.setdefault(name, vtype)
        return [{"Name": n, "ValueType": t} for n, t in seen.items()]


_ORDERABLE = {
    "ContentDate/Start": lambda p: p.start_us, "ContentDate/End": lambda p: p.end_us,
    "PublicationDate": lambda p: p.publication, "ModificationDate": lambda p: p.modification,
    "OriginDate": lambda p: p.origin, "Name": lambda p: p.name, "Id": lambda p: p.id,
    "ContentLength": lambda p: _PROPERTIES["ContentLength"][1](p),
}


def _pydantic_422(param: str, kind: str, value: str, bound: Optional[int] = None) -> dict:
    """The catalogue's validation error shape (FastAPI/pydantic), as documented for $skip."""
    if kind == "le":
        return {"detail": [{"type": "less_than_equal", "loc": ["query", param],
                            "msg": f"Input should be less than or equal to {bound}", "input": value,
                            "ctx": {"le": bound}}]}
    if kind == "ge":
        return {"detail": [{"type": "greater_than_equal", "loc": ["query", param],
                            "msg": f"Input should be greater than or equal to {bound}", "input": value,
                            "ctx": {"ge": bound}}]}
    return {"detail": [{"type": "int_parsing", "loc": ["query", param],
                        "msg": "Input should be a valid integer, unable to parse string as an integer",
                        "input": value}]}


# ================================================================================= state
class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.counts: Dict[str, int] = {}
        self.statuses: Dict[str, int] = {}
        self.inflight = 0
        self.max_inflight = 0
        self.log: List[dict] = []
        self.download_auth_headers = 0
        self.download_requests = 0
        self.second_host_requests = 0
        self.second_host_auth_headers = 0
        self.zipper_ranges: List[str] = []
        self.bytes_served = 0
        self.grants: Dict[str, int] = {}
        self.first_request: Optional[float] = None
        self.last_request: Optional[float] = None
        # creodias: download attempts in flight per account (admitted or not), the most seen,
        # the most sessions admitted at once, and the DAT-ZIP-100 refusals
        self.attempts: Dict[str, int] = {}
        self.max_attempts: Dict[str, int] = {}
        self.sessions: Dict[str, int] = {}
        self.max_sessions: Dict[str, int] = {}
        self.session_refusals = 0
        self.token_in_header = 0
        self.catalogue_times: List[float] = []

    def snapshot(self) -> dict:
        with self.lock:
            return {"counts": dict(self.counts), "statuses": dict(self.statuses),
                    "max_inflight": self.max_inflight, "inflight": self.inflight,
                    "download_auth_headers": self.download_auth_headers,
                    "download_requests": self.download_requests,
                    "second_host_requests": self.second_host_requests,
                    "second_host_auth_headers": self.second_host_auth_headers,
                    "zipper_ranges": list(self.zipper_ranges), "bytes_served": self.bytes_served,
                    "grants": dict(self.grants), "max_attempts": dict(self.max_attempts),
                    "max_sessions": dict(self.max_sessions), "session_refusals": self.session_refusals,
                    "token_in_header": self.token_in_header, "log": list(self.log[-20000:])}


class TokenBucket:
    def __init__(self):
        self.lock = threading.Lock()
        self.tokens = 0.0
        self.stamp = time.monotonic()

    def take(self, rate: Optional[float], burst: int) -> Optional[float]:
        """None when a request may pass, else seconds until a token is available."""
        if not rate:
            return None
        with self.lock:
            now = time.monotonic()
            self.tokens = min(float(burst), self.tokens + (now - self.stamp) * rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return None
            return (1 - self.tokens) / rate


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def totp_now(secret_b32: str, at: Optional[float] = None, step: int = 30) -> str:
    """RFC 6238 TOTP (6 digits, SHA-1), as Keycloak checks it."""
    key = base64.b32decode(secret_b32.upper() + "=" * (-len(secret_b32) % 8))
    counter = int((at if at is not None else time.time()) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


class State:
    def __init__(self, products: List[Product], config: dict):
        self.catalogue = Catalogue(products)
        self.config = dict(DEFAULT_CONFIG)
        self.config.update(config or {})
        FLAVOUR["name"] = self.config.get("flavour") or "cdse"
        self.config_lock = threading.Lock()
        self.stats = Stats()
        self.bucket = TokenBucket()
        self.secret = os.urandom(32)
        self.revoked: set = set()
        self.orders: Dict[str, dict] = {}
        self.download_base: Optional[str] = None  # http://127.0.0.2:PORT

    def cfg(self, key: str) -> Any:
        with self.config_lock:
            return self.config.get(key)

    # ----------------------------------------------------------------- tokens (JWT-shaped)
    def issue(self, username: str, typ: str, lifetime: float, session: str) -> str:
        now = time.time()
        header = {"alg": "HS256", "typ": "JWT", "kid": "loopback"}
        payload = {"exp": now + lifetime, "iat": now, "jti": str(uuid.uuid4()),
                   "iss": "loopback/auth/realms/CDSE", "aud": "CLOUDFERRO_PUBLIC" if typ == "Bearer" else "loopback",
                   "sub": hashlib.sha1(username.encode()).hexdigest(), "typ": typ, "azp": "cdse-public",
                   "session_state": session, "preferred_username": username,
                   "scope": "AUDIENCE_PUBLIC openid email profile ondemand_processing user-context"}
        body = _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(payload).encode())
        sig = _b64url(hmac.new(self.secret, body.encode(), hashlib.sha256).digest())
        return body + "." + sig

    def verify(self, token: str, typ: str) -> Tuple[Optional[dict], str]:
        """(claims, "") when valid, else (None|claims, reason)."""
        try:
            head, body, sig = token.split(".")
            expected = _b64url(hmac.new(self.secret, (head + "." + body).encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(expected, sig):
                return None, "invalid signature"
            claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, TypeError):
            return None, "malformed token"
        if claims.get("typ") != typ:
            return None, "wrong token type"
        if claims.get("jti") in self.revoked:
            return None, "revoked"
        if claims["exp"] < time.time():
            return claims, "expired"
        return claims, ""


# =============================================================================== handler
_PRODUCT_PATH = re.compile(r"^/odata/v1/Products\((?:'?)([0-9A-Za-z-]+)(?:'?)\)(/\$value|/OData\.CSC\.Order)?$")
_ASSET_PATH = re.compile(r"^/odata/v1/Assets\(([0-9A-Za-z-]+)\)/\$value$")
_ATTRS_PATH = re.compile(r"^/odata/v1/Attributes\(([^)]+)\)$")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "loopback-cdse/1.0"
    state: State  # set on the subclass
    download_host = False

    def log_message(self, fmt, *args):  # one short line per request, never a header
        line = re.sub(r"(?i)([?&]token=)[^&\s]+", r"\1***", fmt % args)  # never a token either
        sys.stderr.write("%s %s\n" % (self.address_string(), line))

    # ------------------------------------------------------------------ plumbing
    def parse_request(self) -> bool:  # noqa: D401 - 414 like nginx for over-long lines
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.requestline = ""
            self.request_version = "HTTP/1.1"
            self.command = "GET"
            self.close_connection = True
            self.send_error(414, "Request-URI Too Long")
            return False
        return super().parse_request()

    def base_url(self) -> str:
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        return f"http://{host}"

    def send_json(self, status: int, body: Any, headers: Optional[Dict[str, str]] = None) -> None:
        write_response(self, status, body, headers=headers)
        self._status = status

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_response(self, code, message=None):  # noqa: D401 - count before the body goes out
        super().send_response(code, message)
        self._status = code
        self._account()

    def _account(self) -> None:
        """Count this request once, when its status line is sent (so a client that has
        its answer always finds it in /_admin/stats)."""
        if getattr(self, "_accounted", True) or self._route_name == "admin":
            return
        self._accounted = True
        st = self.state
        with st.stats.lock:
            s = st.stats
            route = self._route_name
            s.counts[route] = s.counts.get(route, 0) + 1
            key = f"{route}:{self._status}"
            s.statuses[key] = s.statuses.get(key, 0) + 1
            now = time.monotonic()
            s.first_request = s.first_request or self._t0
            s.last_request = now
            if len(s.log) < 200000:
                s.log.append({"route": route, "query": self._query if route == "products" else "",
                              "status": self._status, "t0": self._t0, "t1": now,
                              "range": self.headers.get("Range") if route in ("zipper", "download") else None})

    def _route(self, method: str) -> None:
        self._status = 0
        self._accounted = False
        self._t0 = time.monotonic()
        self._route_name = "other"
        parts = urlsplit(self.path)
        self._query = parts.query
        path = unquote(parts.path)
        st = self.state

        def route(name: str) -> None:
            self._route_name = name
        try:
            if self.download_host:
                route("download")
                self.serve_download_host(path, parts.query)
            elif path.startswith("/_admin/"):
                route("admin")
                self.admin(method, path, parts.query)
            elif path == (CREODIAS_REALM_PATH if st.cfg("flavour") == "creodias" else REALM_PATH):
                route("token")
                if method != "POST":
                    self.send_json(405, {"error": "method_not_allowed"})
                else:
                    self.token()
            elif path == "/odata/v1/Products":
                route("products")
                self.catalogue_request(lambda: self.products(parts.query))
            else:
                m = _PRODUCT_PATH.match(path)
                if m and m.group(2) == "/$value":
                    route("zipper")
                    self.zipper(m.group(1))
                elif m and m.group(2) == "/OData.CSC.Order":
                    route("order")
                    self.order(m.group(1), method)
                elif m:
                    route("product")
                    self.catalogue_request(lambda: self.product(m.group(1)))
                elif _ASSET_PATH.match(path):
                    route("quicklook")
                    self.quicklook(_ASSET_PATH.match(path).group(1))
                elif _ATTRS_PATH.match(path):
                    route("attributes")
                    self.catalogue_request(lambda: self.send_json(
                        200, st.catalogue.attributes_of(_ATTRS_PATH.match(path).group(1).strip("'"))))
                else:
                    self.send_json(404, {"detail": "Not Found"})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            self._status = self._status or 499
        finally:
            self._account()

    def do_GET(self):  # noqa: N802
        self._route("GET")

    def do_HEAD(self):  # noqa: N802
        self._route("HEAD")

    def do_POST(self):  # noqa: N802
        self._route("POST")

    # ------------------------------------------------------------------ catalogue
    def catalogue_request(self, answer: Callable[[], None]) -> None:
        st = self.state
        with st.stats.lock:
            st.stats.inflight += 1
            st.stats.max_inflight = max(st.stats.max_inflight, st.stats.inflight)
        try:
            latency = st.cfg("latency_ms") or 0
            if latency:
                time.sleep(latency / 1000.0)  # the service's own response time
            with st.config_lock:
                storm = st.config.get("storm") or 0
                if storm > 0:
                    st.config["storm"] = storm - 1
            if storm > 0:
                self.send_json(429, {"detail": "Too Many Requests"},
                               {"Retry-After": str(st.cfg("retry_after"))})
                return
            per_minute = st.cfg("requests_per_minute") if st.cfg("flavour") == "creodias" else None
            if per_minute:
                # CREODIAS: "60 requests/min per source IP" (bdc-collectors, finder era; UNVERIFIED
                # for OData, providers-wave2.md §3): strict, a sliding window of `rate_window_s`
                window = float(st.cfg("rate_window_s") or 60.0)
                now = time.monotonic()
                with st.stats.lock:
                    times = st.stats.catalogue_times
                    while times and now - times[0] >= window:
                        times.pop(0)
                    refused = len(times) >= int(per_minute)
                    if not refused:
                        times.append(now)
                if refused:
                    self.send_json(429, {"detail": "Too Many Requests"})  # no Retry-After: not documented
                    return
            wait = st.bucket.take(st.cfg("rate_limit_rps"), int(st.cfg("rate_limit_burst") or 1))
            if wait is not None:
                self.send_json(429, {"detail": "Too Many Requests"},
                               {"Retry-After": str(max(int(st.cfg("retry_after") or 1), math.ceil(wait)))})
                return
            answer()
        finally:
            with st.stats.lock:
                st.stats.inflight -= 1

    def products(self, query: str) -> None:
        st = self.state
        params = parse_qsl(query, keep_blank_values=True)
        values: Dict[str, List[str]] = {}
        for k, v in params:
            values.setdefault(k, []).append(v)

        def one(name: str) -> Optional[str]:
            got = values.get(name)
            return got[-1] if got else None

        top_text, skip_text = one("$top"), one("$skip")
        try:
            top = DEFAULT_TOP if top_text is None else int(top_text)
        except ValueError:
            return self.send_json(422, _pydantic_422("$top", "int", top_text))
        if top > MAX_TOP:
            return self.send_json(422, _pydantic_422("$top", "le", top_text, MAX_TOP))
        if top < 0:
            return self.send_json(422, _pydantic_422("$top", "ge", top_text, 0))
        try:
            skip = 0 if skip_text is None else int(skip_text)
        except ValueError:
            return self.send_json(422, _pydantic_422("$skip", "int", skip_text))
        if skip > MAX_SKIP:
            return self.send_json(422, _pydantic_422("$skip", "le", skip_text, MAX_SKIP))
        if skip < 0:
            return self.send_json(422, _pydantic_422("$skip", "ge", skip_text, 0))
        # $expand takes ONE value and is repeated ($expand=Attributes&$expand=Assets). The real
        # catalogue answers a comma-joined "$expand=Attributes,Assets" (or any unknown value)
        # with HTTP 400 "Expand parameter only accepts following values: ..." (source:
        # /work/shared/reference/providers.md, CDSE section, corrected; the service's own
        # @odata.nextLink repeats the parameter: data/real/cdse-odata/eodag/cop_dataspace_search.json).
        # The body's shape ({"detail": {"message", "request_id"}}) is not recorded: it follows
        # the catalogue's other 400 answers; the accepted list is the loopback's.
        expand = set()
        for v in values.get("$expand", []):
            if v not in EXPAND_VALUES:
                return self.send_json(400, {"detail": {
                    "message": "Expand parameter only accepts following values: " + ", ".join(EXPAND_VALUES),
                    "request_id": str(uuid.uuid4())}})
            expand.add(v)
        try:
            compiled = compile_filter(one("$filter"))
        except FilterError as err:
            return self.send_json(400, {"detail": f"Invalid filter: {err}"})
        span = compiled.date_span_us()
        if span is not None:
            years = span / (365.25 * 86400e6)
            wide_days = st.cfg("slow_span_days")
            if wide_days is not None and span > float(wide_days) * 86400e6:
                # see DEFAULT_CONFIG: a multi-year query outlives the gateway's time budget
                time.sleep(float(st.cfg("gateway_timeout_s") or 0))
                return self.send_gateway_timeout()
            per_year = float(st.cfg("latency_ms_per_year") or 0)
            if per_year and years > 0:
                time.sleep(per_year * min(years, 50.0) / 1000.0)
        keys: List[Tuple[Callable, bool]] = []
        for clause in (one("$orderby") or "").split(","):
            clause = clause.strip()
            if not clause:
                continue
            bits = clause.split()
            field = bits[0]
            desc = len(bits) > 1 and bits[1].lower() == "desc"
            if field not in _ORDERABLE or (len(bits) > 1 and bits[1].lower() not in ("asc", "desc")) or len(bits) > 2:
                return self.send_json(400, {"detail": f"Invalid $orderby: {clause}"})
            keys.append((_ORDERABLE[field], desc))
        with st.catalogue.lock:
            matches = st.catalogue.search(compiled)
        for key, desc in reversed(keys):
            matches.sort(key=key, reverse=desc)
        page = matches[skip:skip + top]
        attrs, assets = "Attributes" in expand, "Assets" in expand
        base = self.base_url()
        if attrs or assets:
            context = "$metadata#Products(" + ",".join(
                f"{x}()" for x in ("Attributes", "Assets") if x in expand) + ")"
        else:
            context = "$metadata#Products"
        head = '{"@odata.context":' + json.dumps(context)
        if (one("$count") or "").lower() == "true":
            head += ',"@odata.count":' + str(len(matches))
        body = head + ',"value":[' + ",".join(p.record_json(base, attrs, assets) for p in page) + "]"
        if len(page) == top and top > 0 and skip + top <= MAX_SKIP:
            new_params, replaced = [], False
            for k, v in params:
                if k == "$skip":
                    if not replaced:
                        new_params.append((k, str(skip + top)))
                        replaced = True
                    continue
                new_params.append((k, v))
            if not replaced:
                new_params.append(("$skip", str(skip + top)))
            body += ',"@odata.nextLink":' + json.dumps(f"{base}/odata/v1/Products?" + urlencode(new_params))
        self.send_json(200, (body + "}").encode())

    def send_gateway_timeout(self) -> None:
        """The gateway's own page (nginx's), not the catalogue's JSON."""
        body = (b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
                b"<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n")
        self.send_response(504)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self._status = 504

    def product(self, pid: str) -> None:
        prod = self.state.catalogue.by_id.get(pid)
        if prod is None:
            return self.send_json(404, {"detail": "Not Found"})
        self._refresh_order(prod)
        rec = dict(prod.record(self.base_url(), False, False))
        rec["@odata.context"] = "$metadata#Products/$entity"
        self.send_json(200, rec)

    def quicklook(self, asset_id: str) -> None:
        if asset_id not in self.state.catalogue.by_quicklook:
            return self.send_json(404, {"detail": "Not Found"})
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(QUICKLOOK_JPEG)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(QUICKLOOK_JPEG)
        self._status = 200

    # ------------------------------------------------------------------ identity
    def token(self) -> None:
        st = self.state
        form = dict(parse_qsl(self.read_body().decode(errors="replace"), keep_blank_values=True))
        grant = form.get("grant_type", "")
        with st.stats.lock:
            st.stats.grants[grant] = st.stats.grants.get(grant, 0) + 1
        creodias = st.cfg("flavour") == "creodias"
        # CREODIAS: client CLOUDFERRO_PUBLIC of realm Creodias-new (eodag creodias.yml `auth:
        # client_id`, `oidc_config_url`). eodag also sends a client_secret; the client is public,
        # so none is required here (unsure: a real server might want it; the plugin can send one
        # with the client_secret option).
        if form.get("client_id") != (CREODIAS_CLIENT if creodias else "cdse-public"):
            return self.send_json(401, {"error": "invalid_client",
                                        "error_description": "Invalid client or Invalid client credentials"})
        users = st.cfg("users") or {}
        if grant == "password":
            user = users.get(form.get("username", ""))
            if not user or user.get("password") != form.get("password"):
                return self.send_json(401, {"error": "invalid_grant", "error_description": "Invalid user credentials"})
            expected = user.get("totp")
            if creodias and not form.get("totp"):
                # two-factor authentication is mandatory on CREODIAS (EOData Catalogue API
                # Manual; eodag providers.rst "You will also need `totp`"): a password grant
                # without it is refused like Keycloak refuses a missing OTP (401 invalid_grant)
                return self.send_json(401, {"error": "invalid_grant", "error_description": "Invalid user credentials"})
            if user.get("totp_secret"):
                code = form.get("totp", "")
                ok = any(totp_now(user["totp_secret"], time.time() + d) == code for d in (-30, 0, 30))
                if not ok:
                    return self.send_json(401, {"error": "invalid_grant", "error_description": "Invalid user credentials"})
            elif expected and form.get("totp") != expected:
                return self.send_json(401, {"error": "invalid_grant", "error_description": "Invalid user credentials"})
            username, session = form["username"], str(uuid.uuid4())
        elif grant == "refresh_token":
            claims, reason = st.verify(form.get("refresh_token", ""), "Refresh")
            if reason:
                return self.send_json(400, {"error": "invalid_grant",
                                            "error_description": "Token is not active" if reason == "expired"
                                            else "Invalid refresh token"})
            username, session = claims["preferred_username"], claims["session_state"]
            if username not in users:
                return self.send_json(400, {"error": "invalid_grant", "error_description": "Session not active"})
        else:
            return self.send_json(400, {"error": "unsupported_grant_type",
                                        "error_description": "Unsupported grant_type"})
        access_life = float(st.cfg("access_token_lifetime"))
        refresh_life = float(st.cfg("refresh_token_lifetime"))
        self.send_json(200, {
            "access_token": st.issue(username, "Bearer", access_life, session),
            "expires_in": int(access_life) if access_life == int(access_life) else access_life,
            "refresh_expires_in": int(refresh_life),
            "refresh_token": st.issue(username, "Refresh", refresh_life, session),
            "token_type": "Bearer", "not-before-policy": 0, "session_state": session,
            "scope": "AUDIENCE_PUBLIC openid email profile ondemand_processing user-context"},
            {"Cache-Control": "no-store", "Pragma": "no-cache"})

    def bearer_claims(self) -> Tuple[Optional[dict], str]:
        header = self.headers.get("Authorization") or ""
        if not header.lower().startswith("bearer "):
            return None, "missing"
        return self.state.verify(header[7:].strip(), "Bearer")

    # ------------------------------------------------------------------ zipper
    def _host_name(self) -> str:
        host = (self.headers.get("Host") or "").strip().lower()
        return host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"

    def zipper(self, pid: str) -> None:
        """``Products(<Id>)/$value`` on the download host (127.0.0.1, playing
        download.dataspace.copernicus.eu) or on the second host of the same domain
        (``localhost``, same port: told apart by the Host header).

        The chain and its sources: the documentation's download example uses
        ``curl --location-trusted`` and the token must follow the redirects between the
        service's own hosts, a client that drops it gets 401 (providers.md, CDSE section,
        corrected); CDSETool follows the redirects itself with the bearer token in its
        session's headers (src/cdsetool/download.py ``_follow_redirect`` + credentials.py
        ``get_session``). So the second host REQUIRES the token. Its optional redirect to a
        foreign host with a signed URL is modelled on object stores' presigned URLs: that host
        must never see the token, and refuses a request carrying one (below)."""
        st = self.state
        second = self._host_name() == "localhost"
        if second:
            with st.stats.lock:
                st.stats.second_host_requests += 1
                if self.headers.get("Authorization"):
                    st.stats.second_host_auth_headers += 1
        if st.cfg("flavour") == "creodias":
            return self.creodias_zipper(pid)
        claims, reason = self.bearer_claims()
        if reason:
            detail = {"missing": "Not authenticated", "expired": "Expired signature!"}.get(reason, "Invalid token")
            return self.send_json(401, {"detail": detail}, {"WWW-Authenticate": "Bearer"})
        prod = st.catalogue.by_id.get(pid)
        if prod is None:
            return self.send_json(404, {"detail": "Product not found"})
        self._refresh_order(prod)
        if not prod.online:
            status = int(st.cfg("offline_status") or 202)
            return self.send_json(status, {"detail": f"Product {pid} is not online: it is in the long-term archive "
                                                     "and must be ordered before download."})
        if not second and st.cfg("redirect_downloads"):
            port = self.server.server_address[1]
            return self._redirect(f"http://localhost:{port}/odata/v1/Products({pid})/$value")
        if second and st.cfg("redirect_foreign") and st.download_base:
            expires = int(time.time() + float(st.cfg("download_url_ttl")))
            sig = hmac.new(st.secret, f"{pid}:{expires}".encode(), hashlib.sha256).hexdigest()
            return self._redirect(f"{st.download_base}/download/{pid}?expires={expires}&signature={sig}")
        self.send_product(prod, claims)

    def creodias_zipper(self, pid: str) -> None:
        """``zipper.creodias.eu/odata/v1/Products(<Id>)/$value?token=<access token>``.

        - The token only in the query: eodag creodias.yml ``token_provision: qs``,
          ``token_qs_key: 'token'`` and ``eodag:download_link``; strict: an Authorization
          header is ignored (and counted), a missing or bad token is 401 (``auth_error_code:
          401``).
        - 403 when the account has not accepted the data terms (eodag PR #2357: "403 error while
          trying to download on creodias ... without required consent accepted"); the body is
          not documented, so a bare one: clients must not depend on its words.
        - 429 ``{"trace-id", "code": "DAT-ZIP-100", "message": "Max session number exceeded"}``
          beyond ``max_sessions`` parallel downloads of one account (eodag #2019; the real cap
          is not published, 2 here, strict). No Retry-After (none reported).
        """
        st = self.state
        query = dict(parse_qsl(self._query))
        if self.headers.get("Authorization"):
            with st.stats.lock:
                st.stats.token_in_header += 1
        claims, reason = st.verify(query.get("token", ""), "Bearer") if query.get("token") else (None, "missing")
        if reason:
            detail = {"missing": "Not authenticated", "expired": "Expired signature!"}.get(reason, "Invalid token")
            return self.send_json(401, {"detail": detail})
        user = claims["preferred_username"]
        account = (st.cfg("users") or {}).get(user) or {}
        with st.stats.lock:
            s = st.stats
            s.attempts[user] = s.attempts.get(user, 0) + 1
            s.max_attempts[user] = max(s.max_attempts.get(user, 0), s.attempts[user])
            admitted = s.sessions.get(user, 0) < int(st.cfg("max_sessions") or 1)
            if admitted:
                s.sessions[user] = s.sessions.get(user, 0) + 1
                s.max_sessions[user] = max(s.max_sessions.get(user, 0), s.sessions[user])
            else:
                s.session_refusals += 1
        try:
            if not admitted:
                return self.send_json(429, {"trace-id": uuid.uuid4().hex, "code": "DAT-ZIP-100",
                                            "message": "Max session number exceeded"})
            if account.get("terms_accepted") is False:
                return self.send_json(403, {"detail": "Forbidden"})
            prod = st.catalogue.by_id.get(pid)
            if prod is None:
                return self.send_json(404, {"detail": "Product not found"})
            if not prod.online:
                return self.send_json(int(st.cfg("offline_status") or 202),
                                      {"detail": f"Product {pid} is not online."})
            self.send_product(prod, claims)
        finally:
            with st.stats.lock:
                st.stats.attempts[user] -= 1
                if admitted:
                    st.stats.sessions[user] -= 1

    def _redirect(self, location: str) -> None:
        self.send_response(307)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self._status = 307

    def send_product(self, prod: Product, claims: Optional[dict]) -> None:
        st = self.state
        data = prod.zip_bytes()
        if prod.corrupt:
            data = bytearray(data)
            data[len(data) // 2] ^= 0xFF
            data = bytes(data)
        total = len(data)
        start, end = 0, total - 1
        status = 200
        rng = self.headers.get("Range")
        if rng:
            with st.stats.lock:
                st.stats.zipper_ranges.append(rng)
            m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng.strip())
            if m and (m.group(1) or m.group(2)):
                if m.group(1):
                    start = int(m.group(1))
                    end = min(int(m.group(2)), total - 1) if m.group(2) else total - 1
                else:
                    start = max(0, total - int(m.group(2)))
                if start >= total or start > end:
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{total}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    self._status = 416
                    return
                status = 206
        length = end - start + 1
        self.send_response(status)
        self.send_header("Content-Type", "application/zip")
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        stem = prod.name[:-5] if prod.name.endswith(".SAFE") else prod.name
        self.send_header("Content-Disposition", f'attachment; filename="{stem}.zip"')
        self.send_header("ETag", '"%s"' % prod.zip_info()[1])
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{total}")
        self.end_headers()
        self._status = status
        if self.command == "HEAD":
            return
        throttle = st.cfg("throttle_bps")
        cut = bool(st.cfg("cut_on_token_expiry")) and claims is not None
        chunk = 64 * 1024 if not throttle else max(1024, int(throttle) // 20)
        pos = start
        t0 = time.monotonic()
        sent = 0
        while pos <= end:
            if cut and claims["exp"] < time.time():
                # the token expired during the transfer: the connection is closed mid-body
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            piece = data[pos:min(end + 1, pos + chunk)]
            self.wfile.write(piece)
            pos += len(piece)
            sent += len(piece)
            with st.stats.lock:
                st.stats.bytes_served += len(piece)
            if throttle:
                ahead = sent / float(throttle) - (time.monotonic() - t0)
                if ahead > 0:
                    time.sleep(ahead)  # server-side bandwidth limit

    def serve_download_host(self, path: str, query: str) -> None:
        st = self.state
        with st.stats.lock:
            st.stats.download_requests += 1
            if self.headers.get("Authorization"):
                st.stats.download_auth_headers += 1
        m = re.fullmatch(r"/download/([0-9A-Za-z-]+)", path)
        if not m:
            return self.send_json(404, {"detail": "Not Found"})
        if self.headers.get("Authorization"):
            # a presigned URL with an Authorization header besides: refused, like S3 does
            # ("Only one auth mechanism allowed", AWS S3 error InvalidArgument, HTTP 400)
            return self.send_json(400, {"Code": "InvalidArgument", "Message": (
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
                "string parameter or the Authorization header should be specified")})
        q = dict(parse_qsl(query))
        pid = m.group(1)
        try:
            expires = int(q.get("expires", "0"))
        except ValueError:
            expires = 0
        expected = hmac.new(st.secret, f"{pid}:{expires}".encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, q.get("signature", "")) or expires < time.time():
            return self.send_json(403, {"detail": "Invalid or expired download link"})
        prod = st.catalogue.by_id.get(pid)
        if prod is None:
            return self.send_json(404, {"detail": "Product not found"})
        self.send_product(prod, None)

    # ------------------------------------------------------------------ ordering (LTA ICD)
    def _refresh_order(self, prod: Product) -> None:
        if prod.ordered_at is not None and not prod.online:
            if time.time() - prod.ordered_at >= float(self.state.cfg("order_delay")):
                prod.online = True
                prod.ordered_at = None

    def order(self, pid: str, method: str) -> None:
        st = self.state
        if not st.cfg("ordering"):
            return self.send_json(404, {"detail": "Not Found"})
        if method != "POST":
            return self.send_json(405, {"detail": "Method Not Allowed"})
        claims, reason = self.bearer_claims()
        if reason:
            return self.send_json(401, {"detail": "Not authenticated"}, {"WWW-Authenticate": "Bearer"})
        self.read_body()
        prod = st.catalogue.by_id.get(pid)
        if prod is None:
            return self.send_json(404, {"detail": "Product not found"})
        self._refresh_order(prod)
        now = time.time()
        if prod.online:
            status, message = "completed", "The product is already online"
        else:
            if prod.ordered_at is None:
                prod.ordered_at = now
            status, message = "queued", "The order is queued"
        order = {"@odata.context": "$metadata#Orders/$entity", "Id": str(uuid.uuid4()), "Status": status,
                 "StatusMessage": message, "OrderSize": prod.zip_info()[0] if prod.recorded is None else 0,
                 "SubmissionDate": fmt_us(int(now * 1e6)),
                 "EstimatedDate": fmt_us(int((now + float(st.cfg("order_delay"))) * 1e6)), "Priority": 1}
        st.orders[order["Id"]] = order
        self.send_json(201 if status == "queued" else 200, order)

    # ------------------------------------------------------------------ admin (tests only)
    def admin(self, method: str, path: str, query: str) -> None:
        st = self.state
        q = dict(parse_qsl(query))
        if path == "/_admin/stats":
            snap = st.stats.snapshot()
            if q.get("log") != "1":
                snap.pop("log")
            return self.send_json(200, snap)
        if path == "/_admin/reset" and method == "POST":
            with st.stats.lock:
                st.stats.reset()
            return self.send_json(200, {"ok": True})
        if path == "/_admin/config":
            if method == "POST":
                update = json.loads(self.read_body() or b"{}")
                with st.config_lock:
                    st.config.update(update)
                    FLAVOUR["name"] = st.config.get("flavour") or "cdse"
                    if "flavour" in update:
                        with st.stats.lock:
                            st.stats.catalogue_times.clear()
            with st.config_lock:
                return self.send_json(200, st.config)
        if path == "/_admin/products":
            cat = st.catalogue
            out = []
            for p in cat.sorted_all:
                if q.get("collection") and p.collection != q["collection"]:
                    continue
                if q.get("online") and str(p.online).lower() != q["online"].lower():
                    continue
                if q.get("name") and q["name"] not in p.name:
                    continue
                if q.get("generated") == "1" and p.recorded is not None:
                    continue
                if q.get("checksum") and p.checksum_mode != q["checksum"]:
                    continue
                out.append(p)
                if len(out) >= int(q.get("limit", "50")):
                    break
            return self.send_json(200, [
                {"Id": p.id, "Name": p.name, "Collection": p.collection, "Online": p.online,
                 "Start": fmt_us(p.start_us), "S3Path": p.s3path,
                 "ContentLength": p.zip_info()[0] if p.recorded is None else p.recorded["ContentLength"],
                 "MD5": p.zip_info()[1] if p.recorded is None else None,
                 "ChecksumMode": p.checksum_mode, "ZeroLength": p.zero_length} for p in out])
        if path == "/_admin/count":
            try:
                compiled = compile_filter(q.get("filter"))
            except FilterError as err:
                return self.send_json(400, {"detail": str(err)})
            with st.catalogue.lock:
                matches = st.catalogue.search(compiled)
            names = {p.name for p in matches}
            return self.send_json(200, {"count": len(matches), "distinct_names": len(names)})
        m = re.fullmatch(r"/_admin/product/([0-9A-Za-z-]+)", path)
        if m and method == "POST":
            prod = st.catalogue.by_id.get(m.group(1))
            if prod is None:
                return self.send_json(404, {"detail": "Not Found"})
            update = json.loads(self.read_body() or b"{}")
            for key in ("payload_size", "online", "corrupt", "checksum_mode", "zero_length"):
                if key in update:
                    setattr(prod, key, update[key])
            prod.invalidate()
            return self.send_json(200, {"Id": prod.id, "ContentLength": prod.zip_info()[0],
                                        "MD5": prod.zip_info()[1], "Online": prod.online})
        if m:
            prod = st.catalogue.by_id.get(m.group(1))
            if prod is None:
                return self.send_json(404, {"detail": "Not Found"})
            return self.send_json(200, {"Id": prod.id, "Name": prod.name, "ContentLength": prod.zip_info()[0],
                                        "MD5": prod.zip_info()[1], "Online": prod.online})
        self.send_json(404, {"detail": "Not Found"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def serve(state: State, sock: socket.socket, download_sock: Optional[socket.socket]) -> None:
    handler = type("CdseHandler", (Handler,), {"state": state})
    server = _Server(sock.getsockname()[:2], handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    threads = []
    if download_sock is not None:
        dl_handler = type("DownloadHostHandler", (Handler,), {"state": state, "download_host": True})
        dl_server = _Server(download_sock.getsockname()[:2], dl_handler, bind_and_activate=False)
        dl_server.socket.close()
        dl_server.socket = download_sock
        host, port = download_sock.getsockname()[:2]
        state.download_base = f"http://{host}:{port}"
        t = threading.Thread(target=dl_server.serve_forever, daemon=True)
        t.start()
        threads.append(t)
    server.serve_forever()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fd", type=int, help="listening socket inherited from the parent")
    parser.add_argument("--download-fd", type=int, help="listening socket for the download host")
    parser.add_argument("--port", type=int, help="bind 127.0.0.1:PORT instead of --fd")
    parser.add_argument("--download-port", type=int, help="bind 127.0.0.2:PORT for the download host")
    parser.add_argument("--config", default="{}", help="JSON merged into the default configuration")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--records", help="JSON file: a list of product records (shaped like the service's) to add")
    args = parser.parse_args(argv)
    t0 = time.monotonic()
    products = build_dataset(seed=args.seed, year=args.year)
    if args.records:
        with open(args.records, encoding="utf-8") as fh:
            products.extend(products_from_records(json.load(fh)))
    state = State(products, json.loads(args.config))
    if args.fd is not None:
        sock = socket.socket(fileno=args.fd)
    else:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", args.port or 0))
        sock.listen(128)
    dl = None
    if args.download_fd is not None:
        dl = socket.socket(fileno=args.download_fd)
    elif args.download_port is not None:
        dl = socket.socket()
        dl.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        dl.bind(("127.0.0.2", args.download_port))
        dl.listen(128)
    sys.stderr.write(f"loopback CDSE: {len(products)} products in {time.monotonic() - t0:.1f} s, "
                     f"listening on {sock.getsockname()}\n")
    sys.stderr.flush()
    try:
        serve(state, sock, dl)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
