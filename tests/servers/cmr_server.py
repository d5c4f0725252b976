"""Loopback NASA CMR, Earthdata Login (URS), a DAAC distribution host (Thin Egress App) and
the S3 host it redirects to: four small HTTP servers that share one :class:`CmrWorld`.

Every behaviour mirrors the real services, from these sources (``shared/reference/
providers-wave2.md`` §2 gives each one's origin):

- CMR search (``nasa/Common-Metadata-Repository`` ``search-app/docs/api.md``): granules in
  UMM-JSON shaped like the recorded ``granules_umm_json_MOD02QKM_page01.json`` (``hits``,
  ``took``, ``items[{meta, umm}]``), ``CMR-Hits``, ``CMR-Search-After`` (a JSON array of the
  last item's sort values, recorded ``["laads",951351000000,1462754407]``; the call after the
  last page is empty and has no header), default order provider → start date, the exact
  error strings for ``page_size`` > 2000, clockwise polygons and paging too deep, 429 with
  ``retry-after``, partial answers with ``CMR-Time-Out: true``, collections in the recorded
  ``collections.json`` entry shape (``collections_json_SWOT_page_size1.json``).
- HLS files and names: the recorded ``granules_stac_HLSL30_point.json`` (bands, the
  ``lp-prod-protected/HLSL30.020/<id>/<id>.<band>.tif`` layout, browse JPEGs under
  ``lp-prod-public``).
- URS: ``POST /api/users/find_or_create_token`` with HTTP Basic → ``{access_token,
  token_type, expiration_date "MM/DD/YYYY"}``, at most 2 tokens (``max_token_limit``)
  (earthaccess ``auth.py``, #848, podaac/data-subscriber PR #107); ``/oauth/authorize``.
- DAAC (TEA, ``asfadmin/thin-egress-app`` ``lambda/app.py``; earthaccess #1107 trace): a
  bearer token → 303 to a presigned S3 URL; no token → 302 to URS ``/oauth/authorize``
  (with ``app_type=401``, datalad #5846); an expired token → 401 JSON ``{"errors": ["Token
  [Bearer …] has expired. …"]}`` (earthaccess #764/#848); an account without the EULA of
  the collection → an HTML page with HTTP 200 (earthaccess #36, #307).
- S3: a presigned URL with an ``Authorization`` header too is refused with
  ``InvalidArgument`` "Only one auth mechanism allowed" (AWS S3 error reference).

Where the sources are silent the server is strict (noted in place).
"""
from __future__ import annotations

import base64
import bisect
import datetime as _dt
import hashlib
import hmac
import json
import random
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from shapely.geometry import Polygon, box

DATA = Path(__file__).resolve().parents[1] / "data"
COG = DATA / "cog" / "cog_rgb.tif"
UMM_TEMPLATE = DATA / "cmr" / "granules_umm_json_MOD02QKM_page01.json"
HLS_STAC = DATA / "cmr" / "granules_stac_HLSL30_point.json"
COLLECTION_TEMPLATE = DATA / "cmr" / "collections_json_SWOT_page_size1.json"

UMM_CONTENT_TYPE = "application/vnd.nasa.cmr.umm_results+json;version=1.6.6; charset=utf-8"
JSON_CONTENT_TYPE = "application/json;charset=utf-8"
PAGE_SIZE_ERROR = "page_size must be a number between 0 and 2000"
CLOCKWISE_ERROR = ("The polygon boundary points are listed in the wrong order. Points must be provided in "
                   "counter-clockwise order.")
DEPTH_ERROR = "The paging depth (page_num * page_size) of [%d] exceeds the limit of %d."
S3_TWO_AUTH = ("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
               "string parameter or the Authorization header should be specified")
UTC = _dt.timezone.utc

# (short name, version, concept id, provider): HLS ids are the recorded ones; the MODIS one is
# this server's own (its real concept id is UNVERIFIED)
HLSL30 = ("HLSL30", "2.0", "C2021957657-LPCLOUD")
HLSS30 = ("HLSS30", "2.0", "C2021957295-LPCLOUD")
MOD09GA = ("MOD09GA", "061", "C1000000015-LPCLOUD")
# the bands of the recorded HLSL30 granule (granules_stac_HLSL30_point.json); S30 has its own
L30_FILES = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B09", "B10", "B11", "Fmask",
             "SAA", "SZA", "VAA", "VZA")
S30_FILES = ("B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12",
             "Fmask", "SAA", "SZA", "VAA", "VZA")


def _ms(moment: _dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _iso(moment: _dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_cmr_time(text: str) -> Optional[_dt.datetime]:
    text = (text or "").strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        text += "T00:00:00Z"
    value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class CmrError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


# --------------------------------------------------------------------------- granules
class Granule:
    __slots__ = ("seq", "concept_id", "gid", "collection", "provider", "start", "end", "shape", "cloud",
                 "files", "item_json", "sort_start")

    def __init__(self, seq, gid, collection, start, end, shape, cloud):
        self.seq = seq
        self.concept_id = f"G{2100000000 + seq}-LPCLOUD"
        self.gid = gid
        self.collection = collection
        self.provider = "LPCLOUD"
        self.start = start
        self.end = end
        self.shape = shape
        self.cloud = cloud
        self.files: Dict[str, str] = {}      # file name -> path on the DAAC
        self.item_json = ""
        self.sort_start = _ms(start)


def file_bytes(name: str) -> bytes:
    """What a file holds: a real COG for every band, small deterministic bytes otherwise."""
    if name.endswith(".tif"):
        return _cog()
    seed = hashlib.sha256(name.encode()).digest()
    if name.endswith(".jpg"):
        return b"\xff\xd8\xff\xe0" + seed * 40 + b"\xff\xd9"
    return (seed * 4096)[:131072]


_cog_cache: List[bytes] = []


def _cog() -> bytes:
    if not _cog_cache:
        _cog_cache.append(COG.read_bytes())
    return _cog_cache[0]


_digest_cache: Dict[str, Tuple[int, str]] = {}


def _size_md5(name: str) -> Tuple[int, str]:
    kind = "tif" if name.endswith(".tif") else name
    if kind not in _digest_cache:
        data = file_bytes(name)
        _digest_cache[kind] = (len(data), hashlib.md5(data).hexdigest())
    return _digest_cache[kind]


def _tiles(count: int, west: float, south: float, columns: int) -> List[Tuple[str, Any, int, int]]:
    """MGRS-like 1° tiles (name, shape, column, row) over the southwestern United States."""
    letters = "CDEFGHJKLMNPQRSTUVWXYZ"
    out = []
    for i in range(count):
        col, row = i % columns, i // columns
        name = f"13S{letters[col % len(letters)]}{letters[(row + 10) % len(letters)]}"
        if i >= len(letters):
            name = f"{12 + i // len(letters)}S{letters[col % len(letters)]}{letters[(row + 10) % len(letters)]}"
        out.append((name, box(west + col, south + row, west + col + 1.1, south + row + 1.1), col, row))
    return out


class CmrWorld:
    """The granules, collections, accounts and tokens every server answers from, and what
    each server was asked (``log``)."""

    def __init__(self, seed: int = 15):
        self.rng = random.Random(seed)
        self.lock = threading.RLock()
        self.daac_base = ""
        self.s3_base = ""
        self.urs_base = ""
        self.s3_secret = secrets.token_bytes(16)
        self.granules: List[Granule] = []
        self.by_name: Dict[str, Granule] = {}
        self.files: Dict[str, Tuple[Granule, str]] = {}   # DAAC path -> (granule, file name)
        self.template = json.loads(UMM_TEMPLATE.read_text())["items"][0]
        self.collection_template = json.loads(COLLECTION_TEMPLATE.read_text())["feed"]["entry"][0]
        self.reset()

    # -- state ------------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.users: Dict[str, dict] = {}
            self.tokens: Dict[str, dict] = {}
            self.codes: Dict[str, str] = {}
            self.cookies: Dict[str, str] = {}
            self.issued_after: Dict[str, str] = {}
            self.throttle = 0            # the next N CMR requests answer 429
            self.retry_after = 1
            self.time_out = 0            # the next N granule pages are partial (CMR-Time-Out)
            # granule queries naming no collection stop at item 10,000 (providers-wave2.md §2);
            # a test of a world smaller than CMR's may scale it down
            self.unnamed_depth_limit = 10000
            self.log: List[dict] = []

    def add_user(self, username: str, password: str, eulas: Tuple[str, ...] = ("HLSL30", "HLSS30", "MOD09GA")) -> None:
        with self.lock:
            self.users[username] = {"password": password, "eulas": set(eulas)}

    def issue_token(self, username: str, lifetime: float = 60 * 86400.0) -> str:
        token = "EDL-" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = {"user": username, "expires": time.time() + lifetime}
        return token

    def expire_token(self, token: str) -> None:
        with self.lock:
            self.tokens[token]["expires"] = time.time() - 1

    def record(self, server: str, handler, status: int, **extra) -> None:
        with self.lock:
            self.log.append({"server": server, "method": handler.command, "path": handler.path,
                             "headers": {k: v for k, v in handler.headers.items()}, "status": status,
                             "time": time.monotonic(), **extra})

    def requests(self, server: str) -> List[dict]:
        with self.lock:
            return [r for r in self.log if r["server"] == server]

    # -- data -------------------------------------------------------------------
    def build(self, daac_base: str, s3_base: str, urs_base: str) -> None:
        self.daac_base, self.s3_base, self.urs_base = daac_base, s3_base, urs_base
        seq = 0
        start = _dt.datetime(2021, 1, 1, tzinfo=UTC)
        # HLSL30: 48 tiles, a Landsat 8 pass every 8 days each (overlapping paths): 2208 in 2021
        for name, shape, col, row in _tiles(48, -108.0, 33.0, 8):
            day = start + _dt.timedelta(days=(col + row) % 8)
            while day.year == 2021:
                moment = day + _dt.timedelta(hours=17, minutes=30 + col, seconds=self.rng.randrange(60))
                seq += 1
                self._add_hls(seq, "L30", HLSL30, name, shape, moment, col, row)
                day += _dt.timedelta(days=8)
        # HLSS30: 20 tiles, every 5 days: 1460 in 2021
        for name, shape, col, row in _tiles(20, -106.0, 34.0, 5):
            day = start + _dt.timedelta(days=(col + row) % 5)
            while day.year == 2021:
                moment = day + _dt.timedelta(hours=17, minutes=50 + col, seconds=self.rng.randrange(60))
                seq += 1
                self._add_hls(seq, "S30", HLSS30, name, shape, moment, col, row)
                day += _dt.timedelta(days=5)
        # MOD09GA: three sinusoidal tiles, daily, January-March 2021
        for h, shape in ((8, box(-130.5, 30, -103.9, 40)), (9, box(-117.5, 30, -92.3, 40)),
                         (10, box(-104.4, 30, -80.8, 40))):
            day = start
            while day < _dt.datetime(2021, 4, 1, tzinfo=UTC):
                seq += 1
                self._add_modis(seq, h, shape, day)
                day += _dt.timedelta(days=1)
        self.granules.sort(key=self.default_key)
        self._default_keys = [self.default_key(g) for g in self.granules]

    @staticmethod
    def default_key(g: Granule):
        # CMR's default granule order: provider, then start date (the recorded search-after
        # value is ["laads", <start ms>, <id>])
        return (g.provider.lower(), g.sort_start, g.seq)

    def _polygon_points(self, shape) -> List[dict]:
        coords = list(shape.exterior.coords)
        if Polygon(coords).exterior.is_ccw is False:
            coords = coords[::-1]
        return [{"Longitude": round(x, 7), "Latitude": round(y, 7)} for x, y in coords]

    def _add_hls(self, seq, kind, coll, tile, shape, moment, col, row) -> None:
        gid = f"HLS.{kind}.T{tile}.{moment.strftime('%Y%j')}T{moment.strftime('%H%M%S')}.v2.0"
        cloud = self.rng.randrange(0, 101)
        g = Granule(seq, gid, coll, moment, moment + _dt.timedelta(seconds=24), shape, cloud)
        bands = L30_FILES if kind == "L30" else S30_FILES
        folder = f"{coll[0]}.0{coll[1].replace('.', '')}"          # HLSL30.020, as recorded
        names = [f"{gid}.{band}.tif" for band in bands]
        if kind == "L30":
            source = ("LANDSAT_PRODUCT_ID",
                      f"LC08_L1TP_{30 + col:03d}{33 + row:03d}_{moment:%Y%m%d}_{moment:%Y%m%d}_02_T1")
            platform, instrument = "LANDSAT-8", "OLI"
        else:
            unit = "S2A" if seq % 2 else "S2B"
            source = ("PRODUCT_URI", f"{unit}_MSIL1C_{moment:%Y%m%dT%H%M%S}_N0209_R{seq % 143:03d}_T{tile}_"
                                     f"{moment:%Y%m%dT%H%M%S}.SAFE")
            platform, instrument = f"Sentinel-{unit[1:]}", "MSI"
        related = []
        for name in names:
            path = f"/lp-prod-protected/{folder}/{gid}/{name}"
            related.append({"URL": self.daac_base + path, "Type": "GET DATA"})
            related.append({"URL": f"s3://lp-prod-protected/{folder}/{gid}/{name}", "Type": "GET DATA VIA DIRECT ACCESS"})
            g.files[name] = path
        browse = f"/lp-prod-public/{folder}/{gid}/{gid}.jpg"
        related.append({"URL": self.daac_base + browse, "Type": "GET RELATED VISUALIZATION"})
        g.files[f"{gid}.jpg"] = browse
        umm_extra = {"AdditionalAttributes": [{"Name": "MGRS_TILE_ID", "Values": [tile]},
                                              {"Name": "CLOUD_COVERAGE", "Values": [str(cloud)]},
                                              {"Name": source[0], "Values": [source[1]]}],
                     "CloudCover": cloud,
                     "Platforms": [{"ShortName": platform, "Instruments": [{"ShortName": instrument}]}]}
        self._finish(g, related, names, umm_extra)

    def _add_modis(self, seq, h, shape, day) -> None:
        produced = day + _dt.timedelta(days=2, hours=4)
        gid = f"MOD09GA.A{day:%Y%j}.h{h:02d}v05.061.{produced:%Y%j%H%M%S}"
        name = gid + ".hdf"
        g = Granule(seq, name, MOD09GA, day, day + _dt.timedelta(hours=23, minutes=59, seconds=59), shape, None)
        path = f"/lp-prod-protected/MOD09GA.061/{gid}/{name}"
        browse = f"/lp-prod-public/MOD09GA.061/{gid}/BROWSE.{gid}.1.jpg"
        g.files[name] = path
        g.files[f"BROWSE.{gid}.1.jpg"] = browse
        related = [{"URL": self.daac_base + path, "Type": "GET DATA", "MimeType": "application/x-hdfeos"},
                   {"URL": self.daac_base + browse, "Type": "GET RELATED VISUALIZATION", "MimeType": "image/jpeg"}]
        self._finish(g, related, [name], {"Platforms": [{"ShortName": "Terra", "Instruments": [{"ShortName": "MODIS"}]}]})

    def _finish(self, g: Granule, related: List[dict], data_names: List[str], umm_extra: dict) -> None:
        t = json.loads(json.dumps(self.template))
        meta, umm = t["meta"], t["umm"]
        meta.update({"concept-id": g.concept_id, "revision-id": 1, "native-id": g.gid,
                     "collection-concept-id": g.collection[2], "provider-id": g.provider,
                     "revision-date": _iso(g.end + _dt.timedelta(days=3))})
        umm["TemporalExtent"] = {"RangeDateTime": {"BeginningDateTime": _iso(g.start), "EndingDateTime": _iso(g.end)}}
        umm["GranuleUR"] = g.gid
        umm["SpatialExtent"] = {"HorizontalSpatialDomain": {"Geometry": {"GPolygons": [
            {"Boundary": {"Points": self._polygon_points(g.shape)}}]}}}
        umm["ProviderDates"] = [{"Date": _iso(g.end + _dt.timedelta(days=2)), "Type": "Insert"}]
        umm["CollectionReference"] = {"ShortName": g.collection[0], "Version": g.collection[1]}
        umm.pop("PGEVersionClass", None)
        umm["RelatedUrls"] = related
        archive = []
        for name in data_names:
            size, md5 = _size_md5(name)
            archive.append({"Name": name, "SizeInBytes": size, "Size": round(size / 1048576, 6), "SizeUnit": "MB",
                            "Checksum": {"Value": md5, "Algorithm": "MD5"}})
        umm["DataGranule"] = {"DayNightFlag": "Day", "Identifiers": [
            {"Identifier": g.gid, "IdentifierType": "ProducerGranuleId"}],
            "ProductionDateTime": _iso(g.end + _dt.timedelta(days=1)), "ArchiveAndDistributionInformation": archive}
        umm.update(umm_extra)
        g.item_json = json.dumps(t, separators=(",", ":"))
        self.granules.append(g)
        self.by_name[g.gid] = g
        for name, path in g.files.items():
            self.files[path] = (g, name)

    # -- search -----------------------------------------------------------------
    def truth(self, **query) -> List[str]:
        """The producer ids a query matches, in the server's order (what a test compares to)."""
        params = [(k, v) for k, v in query.items()]
        return [g.gid for g in self.select(params)[0]]

    def select(self, params: List[Tuple[str, str]]) -> Tuple[List[Granule], Any]:
        grouped: Dict[str, List[str]] = {}
        for key, value in params:
            grouped.setdefault(key[:-2] if key.endswith("[]") else key, []).append(value)
        known = {"short_name", "version", "collection_concept_id", "bounding_box", "polygon", "temporal",
                 "cloud_cover", "page_size", "page_num", "readable_granule_name", "sort_key", "concept_id",
                 "provider", "options[spatial][or]"}
        for key in grouped:
            if key not in known:
                raise CmrError(400, f"Parameter [{key}] was not recognized.")
        spatial = []
        for text in grouped.get("bounding_box", []):
            try:
                w, s, e, n = (float(v) for v in text.split(","))
            except ValueError:
                raise CmrError(400, f"[{text}] is not a valid URL encoded bounding_box") from None
            spatial.append(box(w, s, e, n))
        for text in grouped.get("polygon", []):
            spatial.append(parse_polygon(text))
        spatial_or = (grouped.get("options[spatial][or]") or ["false"])[0] == "true"
        temporal = []
        for text in grouped.get("temporal", []):
            parts = (text.split(",") + [""])[:2]
            try:
                temporal.append((parse_cmr_time(parts[0]), parse_cmr_time(parts[1])))
            except ValueError:
                raise CmrError(400, f"temporal datetime is invalid: [{text}]") from None
        cloud = None
        if grouped.get("cloud_cover"):
            low, _, high = grouped["cloud_cover"][0].partition(",")
            cloud = (float(low) if low else None, float(high) if high else None)
        shorts = set(grouped.get("short_name", []))
        versions = set(grouped.get("version", []))
        concepts = set(grouped.get("collection_concept_id", []))
        names = set(grouped.get("readable_granule_name", []))
        out = []
        for g in self.granules:
            if shorts and g.collection[0] not in shorts:
                continue
            if versions and g.collection[1] not in versions:
                continue
            if concepts and g.collection[2] not in concepts:
                continue
            if names and g.gid not in names and g.gid.rsplit(".hdf", 1)[0] not in names:
                continue
            if spatial:
                hits = [g.shape.intersects(s) for s in spatial]
                if not (any(hits) if spatial_or else all(hits)):
                    continue
            if any((lo is not None and g.end < lo) or (hi is not None and g.start > hi) for lo, hi in temporal):
                continue
            if cloud is not None:
                if g.cloud is None or (cloud[0] is not None and g.cloud < cloud[0]) or \
                        (cloud[1] is not None and g.cloud > cloud[1]):
                    continue
            out.append(g)
        sort = [s for s in grouped.get("sort_key", [])]
        if sort:
            def key(g: Granule):
                parts = []
                for s in sort:
                    desc, name = s.startswith("-"), s.lstrip("+-")
                    value = {"start_date": g.sort_start, "cloud_cover": g.cloud if g.cloud is not None else -1}.get(name)
                    if value is None:
                        raise CmrError(400, f"The sort key [{name}] is not a valid field for sorting granules.")
                    parts.append(-value if desc else value)
                return tuple(parts) + (g.seq,)
        else:
            key = self.default_key
        out.sort(key=key)
        return out, key

    def granule_page(self, params: List[Tuple[str, str]], search_after: Optional[str]):
        grouped_keys = [k for k, _ in params]
        page_size = 10
        for k, v in params:
            if k == "page_size":
                if not re.fullmatch(r"\d+", v) or not 0 <= int(v) <= 2000:
                    raise CmrError(400, PAGE_SIZE_ERROR)
                page_size = int(v)
        page_num = int(dict(params).get("page_num", "1") or 1)
        if page_num * page_size > 1000000:
            raise CmrError(400, DEPTH_ERROR % (page_num * page_size, 1000000))
        fingerprint = json.dumps(sorted(p for p in params), separators=(",", ":"))
        matched, key = self.select(params)
        start = (page_num - 1) * page_size
        if search_after:
            with self.lock:
                issued_for = self.issued_after.get(search_after)
            # strict: the real CMR wants the same parameters with a search-after value; a value
            # it never gave out, or given for another query, is refused here
            if issued_for != fingerprint:
                raise CmrError(400, "The CMR-Search-After header value was not issued for this query.")
            last = tuple(json.loads(search_after)[1:])
            keys = [tuple(key(g)[1:]) if key is self.default_key else key(g) for g in matched]
            start = bisect.bisect_right(keys, last)
        named = any(k in ("short_name", "collection_concept_id", "concept_id", "readable_granule_name")
                    for k in grouped_keys)
        if not named and start + page_size > self.unnamed_depth_limit:
            raise CmrError(400, DEPTH_ERROR % (start + page_size, self.unnamed_depth_limit))
        items = matched[start:start + page_size]
        timed_out = False
        with self.lock:
            if self.time_out and items:
                self.time_out -= 1
                items = items[: max(1, len(items) // 2)]
                timed_out = True
        after = None
        if items:
            last_key = key(items[-1])
            if key is self.default_key:
                after = json.dumps([items[-1].provider.lower()] + list(last_key[1:]))
            else:
                after = json.dumps(["lpcloud"] + list(last_key))
            with self.lock:
                self.issued_after[after] = fingerprint
        return matched, items, after, timed_out

    def collections(self, params: List[Tuple[str, str]]) -> List[dict]:
        grouped: Dict[str, List[str]] = {}
        for k, v in params:
            grouped.setdefault(k[:-2] if k.endswith("[]") else k, []).append(v)
        for key in grouped:
            if key not in ("keyword", "has_granules", "page_size", "short_name", "version", "provider"):
                raise CmrError(400, f"Parameter [{key}] was not recognized.")
        size = int((grouped.get("page_size") or ["10"])[0])
        if not 0 <= size <= 2000:
            raise CmrError(400, PAGE_SIZE_ERROR)
        words = " ".join(grouped.get("keyword", [])).lower().split()
        entries = []
        recorded = dict(self.collection_template)
        for short, version, cid in (HLSL30, HLSS30, MOD09GA):
            entry = dict(self.collection_template)
            title = {"HLSL30": "HLS Landsat Operational Land Imager Surface Reflectance and TOA Brightness Daily Global 30m v2.0",
                     "HLSS30": "HLS Sentinel-2 Multi-spectral Instrument Surface Reflectance Daily Global 30m v2.0",
                     "MOD09GA": "MODIS/Terra Surface Reflectance Daily L2G Global 1km and 500m SIN Grid V061"}[short]
            entry.update({"id": cid, "short_name": short, "version_id": version, "title": title,
                          "dataset_id": title, "summary": title + ".", "data_center": "LPCLOUD",
                          "time_start": "2013-04-11T00:00:00.000Z" if short.startswith("HLS") else "2000-02-24T00:00:00.000Z",
                          "boxes": ["-90 -180 90 180"], "platforms": ["LANDSAT-8", "Sentinel-2A"] if short.startswith("HLS") else ["Terra"]})
            entries.append((entry, True))
        entries.append((recorded, False))
        out = []
        for entry, has_granules in entries:
            text = " ".join(str(entry.get(k) or "") for k in ("short_name", "title", "summary", "data_center")).lower()
            if words and not all(w.strip("*?") in text for w in words):
                continue
            if (grouped.get("has_granules") or [""])[0] == "true" and not has_granules:
                continue
            out.append(entry)
        return out[:size]

    # -- downloads --------------------------------------------------------------
    def presign(self, path: str, lifetime: int = 3600) -> str:
        date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        sig = hmac.new(self.s3_secret, f"{path}|{date}|{lifetime}".encode(), hashlib.sha256).hexdigest()
        query = urlencode({"A-userid": "loopback", "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                           "X-Amz-Credential": "ASIALOOPBACK/20210101/us-west-2/s3/aws4_request",
                           "X-Amz-Date": date, "X-Amz-Expires": str(lifetime), "X-Amz-SignedHeaders": "host",
                           "X-Amz-Signature": sig})
        return f"{self.s3_base}{quote(path)}?{query}"

    def check_presigned(self, path: str, query: Dict[str, str]) -> Optional[Tuple[int, str, str]]:
        try:
            date, lifetime = query["X-Amz-Date"], int(query["X-Amz-Expires"])
            sig = query["X-Amz-Signature"]
        except (KeyError, ValueError):
            return 403, "AccessDenied", "Access Denied"
        good = hmac.new(self.s3_secret, f"{path}|{date}|{lifetime}".encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(good, sig):
            return 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
        issued = _dt.datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
        if time.time() > issued + lifetime:
            return 403, "AccessDenied", "Request has expired"
        return None


def parse_polygon(text: str):
    """A CMR ``polygon`` value: lon,lat pairs, closed, counter-clockwise (else CMR's errors)."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise CmrError(400, f"[{text}] is not a valid URL encoded polygon") from None
    if len(values) % 2 or len(values) < 8:
        raise CmrError(400, "Polygons must contain at least 4 points (the first and last must be the same).")
    points = list(zip(values[0::2], values[1::2]))
    if points[0] != points[-1]:
        # strict: CMR refuses an open ring (spatial-lib messages.clj "ring-not-closed")
        raise CmrError(400, "The polygon boundary is not closed: the first point must be repeated at the end.")
    if not Polygon(points).exterior.is_ccw:
        raise CmrError(400, CLOCKWISE_ERROR)
    return Polygon(points)


# ------------------------------------------------------------------------------ servers
class _Base(BaseHTTPRequestHandler):
    world: CmrWorld = None  # type: ignore[assignment]
    server_name = ""

    def log_message(self, *args) -> None:  # quiet
        pass

    def send(self, status: int, body: Any, content_type: str = JSON_CONTENT_TYPE,
             headers: Optional[Dict[str, str]] = None) -> None:
        data = body if isinstance(body, bytes) else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        # logged before the answer leaves: a client that has its answer finds the request logged
        self.world.record(self.server_name, self, status, location=(headers or {}).get("Location"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def params(self) -> List[Tuple[str, str]]:
        query = urlsplit(self.path).query
        pairs = parse_qsl(query, keep_blank_values=True)
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            pairs += parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
        return pairs


class CmrHandler(_Base):
    server_name = "cmr"

    def do_GET(self) -> None:
        self.handle_search()

    do_POST = do_GET

    def handle_search(self) -> None:
        world = self.world
        with world.lock:
            if world.throttle > 0:
                world.throttle -= 1
                self.send(429, {"errors": ["Too many requests."]}, headers={"retry-after": str(world.retry_after)})
                return
        path = urlsplit(self.path).path
        try:
            params = self.params()
            if path == "/search/granules.umm_json":
                started = time.monotonic()
                matched, items, after, timed_out = world.granule_page(params, self.headers.get("CMR-Search-After"))
                took = int((time.monotonic() - started) * 1000)
                body = '{"hits":%d,"took":%d,"items":[%s]}' % (len(matched), took, ",".join(g.item_json for g in items))
                headers = {"CMR-Hits": str(len(matched)), "CMR-Took": str(took),
                           "CMR-Request-Id": secrets.token_hex(8)}
                if after:
                    headers["CMR-Search-After"] = after
                if timed_out:
                    headers["CMR-Time-Out"] = "true"
                self.send(200, body, UMM_CONTENT_TYPE, headers)
            elif path == "/search/collections.json":
                entries = world.collections(params)
                self.send(200, {"feed": {"updated": _iso(_dt.datetime.now(UTC)), "id": self.path,
                                         "title": "ECHO dataset metadata", "entry": entries}},
                          headers={"CMR-Hits": str(len(entries))})
            else:
                self.send(404, {"errors": [f"The resource [{path}] was not found."]})
        except CmrError as err:
            self.send(err.status, {"errors": [err.message]})


class UrsHandler(_Base):
    server_name = "urs"

    def _basic_user(self) -> Optional[str]:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except ValueError:
            return None
        known = self.world.users.get(user)
        return user if known and hmac.compare_digest(known["password"], password) else None

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path != "/api/users/find_or_create_token":
            self.send(404, {"error": "not_found"})
            return
        user = self._basic_user()
        if user is None:
            self.send(401, {"error": "invalid_credentials", "error_description": "Invalid user credentials"})
            return
        world = self.world
        with world.lock:
            now = time.time()
            valid = [(t, i) for t, i in world.tokens.items() if i["user"] == user and i["expires"] > now]
            if valid:
                token, info = valid[0]
            else:
                token = world.issue_token(user)
                info = world.tokens[token]
        expiry = time.strftime("%m/%d/%Y", time.gmtime(info["expires"]))
        self.send(200, {"access_token": token, "token_type": "Bearer", "expiration_date": expiry})

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != "/oauth/authorize":
            self.send(404, b"<html><body>Not found</body></html>", "text/html")
            return
        query = dict(parse_qsl(parts.query))
        user = self._basic_user()
        if user is None:
            if query.get("app_type") == "401":
                self.send(401, b"<html><body>Unauthorized</body></html>", "text/html",
                          {"WWW-Authenticate": 'Basic realm="Please enter your Earthdata Login credentials. '
                                               'If you do not have a Earthdata Login, create one at '
                                               'https://urs.earthdata.nasa.gov//users/new"'})
            else:
                self.send(200, b"<!DOCTYPE html><html><head><title>Earthdata Login</title></head>"
                               b"<body><form>Username Password</form></body></html>", "text/html; charset=utf-8")
            return
        code = secrets.token_hex(8)
        with self.world.lock:
            self.world.codes[code] = user
        target = f"{query.get('redirect_uri')}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        self.send(302, b"", "text/html", {"Location": target})


class DaacHandler(_Base):
    server_name = "daac"

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        world = self.world
        parts = urlsplit(self.path)
        if parts.path == "/login":
            query = dict(parse_qsl(parts.query))
            user = world.codes.pop(query.get("code", ""), None)
            if user is None:
                self.send(401, {"errors": ["Invalid authorization code"]})
                return
            cookie = secrets.token_hex(12)
            world.cookies[cookie] = user
            target = base64.urlsafe_b64decode(query.get("state", "").encode()).decode()
            self.send(302, b"", "text/html", {"Location": target, "Set-Cookie": f"asf-urs={cookie}; Path=/"})
            return
        found = world.files.get(parts.path)
        if found is None:
            self.send(404, {"errors": ["File not found"]})
            return
        granule, _name = found
        if parts.path.startswith("/lp-prod-public/"):
            self.send(303, b"", "text/html", {"Location": world.presign(parts.path)})
            return
        user = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[7:].strip()
            info = world.tokens.get(token)
            if info is None:
                self.send(401, {"errors": ["Invalid token."]})
                return
            if info["expires"] < time.time():
                self.send(401, {"errors": [f"Token [{auth}] has expired. Please generate a new token."]})
                return
            user = info["user"]
        else:
            cookie = dict(c.strip().split("=", 1) for c in (self.headers.get("Cookie") or "").split(";") if "=" in c)
            user = world.cookies.get(cookie.get("asf-urs", ""))
        if user is None:
            state = base64.urlsafe_b64encode(self.path.encode()).decode()
            query = urlencode({"client_id": "LPDAAC_TEA", "response_type": "code",
                               "redirect_uri": world.daac_base + "/login", "state": state, "app_type": "401"})
            self.send(302, b"", "text/html", {"Location": f"{world.urs_base}/oauth/authorize?{query}"})
            return
        if granule.collection[0] not in world.users.get(user, {}).get("eulas", set()):
            self.send(200, ("<!DOCTYPE html><html><head><title>Earthdata Login</title></head><body>"
                            f"<h1>EULA acceptance required</h1><p>You must accept the EULA for {granule.collection[0]} "
                            f"before downloading. <a href=\"{world.urs_base}/users/{user}/unaccepted_eulas\">"
                            "Accept</a></p></body></html>").encode(), "text/html; charset=utf-8")
            return
        self.send(303, b"", "text/html", {"Location": world.presign(parts.path)})


class S3Handler(_Base):
    server_name = "s3"

    def do_HEAD(self) -> None:
        self.do_GET()

    def _error(self, status: int, code: str, message: str) -> None:
        self.send(status, f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
                          f'<Message>{message}</Message></Error>'.encode(), "application/xml")

    def do_GET(self) -> None:
        world = self.world
        parts = urlsplit(self.path)
        from urllib.parse import unquote
        path = unquote(parts.path)
        query = dict(parse_qsl(parts.query))
        if "Authorization" in self.headers:
            self._error(400, "InvalidArgument", S3_TWO_AUTH)
            return
        refused = world.check_presigned(path, query)
        if refused:
            self._error(*refused)
            return
        found = world.files.get(path)
        if found is None:
            self._error(404, "NoSuchKey", "The specified key does not exist.")
            return
        data = file_bytes(found[1])
        ctype = {"tif": "image/tiff", "jpg": "image/jpeg", "hdf": "application/x-hdf"}.get(path.rsplit(".", 1)[-1],
                                                                                        "binary/octet-stream")
        rng = self.headers.get("Range")
        if rng:
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng.strip())
            if m:
                start = int(m.group(1))
                end = min(len(data) - 1, int(m.group(2))) if m.group(2) else len(data) - 1
                if start >= len(data):
                    self.send(416, b"", ctype, {"Content-Range": f"bytes */{len(data)}"})
                    return
                self.send(206, data[start:end + 1], ctype, {"Content-Range": f"bytes {start}-{end}/{len(data)}",
                                                            "Accept-Ranges": "bytes"})
                return
        self.send(200, data, ctype, {"Accept-Ranges": "bytes", "ETag": '"%s"' % hashlib.md5(data).hexdigest()})


class CmrServers:
    """The four servers on loopback: CMR and the DAAC on 127.0.0.1, S3 on 127.0.0.2, URS on
    127.0.0.3 (distinct hosts, so a credential that follows a redirect shows)."""

    def __init__(self, world: Optional[CmrWorld] = None):
        self.world = world or CmrWorld()
        self._servers = []
        bound = {}
        for name, handler, host in (("cmr", CmrHandler, "127.0.0.1"), ("daac", DaacHandler, "127.0.0.1"),
                                    ("s3", S3Handler, "127.0.0.2"), ("urs", UrsHandler, "127.0.0.3")):
            cls = type(f"{name}Handler", (handler,), {"world": self.world})
            server = ThreadingHTTPServer((host, 0), cls)
            server.daemon_threads = True
            self._servers.append(server)
            bound[name] = f"http://{host}:{server.server_address[1]}"
        self.cmr_base, self.daac_base, self.s3_base, self.urs_base = (bound[k] for k in ("cmr", "daac", "s3", "urs"))
        self.search_url = self.cmr_base + "/search/"
        self.world.build(self.daac_base, self.s3_base, self.urs_base)
        for server in self._servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def connection_string(self, **options: Any) -> str:
        extra = "".join(f"&{k}={v}" for k, v in options.items())
        return f"nasa-cmr?url={self.search_url}&urs_url={self.urs_base}{extra}"

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()


if __name__ == "__main__":  # pragma: no cover - manual use: python cmr_server.py
    servers = CmrServers()
    print(servers.connection_string(), flush=True)
    threading.Event().wait()
