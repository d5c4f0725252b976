#!/usr/bin/env python3
"""A strict loopback USGS M2M JSON API (``/api/api/json/stable/``) for the ``usgs`` tests.

Built from the recorded responses in ``tests/data/usgs-m2m`` (see its SOURCES.md) and the
protocol facts of ``/work/shared/reference/providers-wave2.md`` §1; the source of each rule is
noted where it is enforced. What it does:

- every answer is the envelope ``{requestId, version, sessionId, data, errorCode,
  errorMessage}``, **errors included, on HTTP 200** (recorded ``login_error.json``);
  endpoints take POST or GET with a JSON body (landsatxplore sends GET, the USGS sample POST);
- ``login`` (password) is refused: USGS retired it in February 2025 (kapadia/usgs #74, eodag
  #1485); ``login-token {username, token}`` gives an API key; ``logout`` ends it;
- a key unused for ``key_idle_seconds`` answers ``AUTH_EXPIRED`` "API key has expired due to
  inactivity"; an unknown, logged-out or missing key ``AUTH_KEY_INVALID``; ``/_admin/expire``
  expires every key now. Requests sent with a key after it was refused are counted
  (``stale_key_uses``): a client must not send it again;
- two requests with one key at the same time: the second gets ``RATE_LIMIT`` "User attempted
  to run multiple requests at a time" (M2M error list; landsatxplore retries once after 3 s);
  ``rate_limit_next`` makes the next N requests answer it anyway (another client on the key);
- Collection 1 datasets (``*_c1``) answer ``DATASET_AUTH`` (retired 2022-12-31, landsatxplore #93);
- ``scene-search``: ``acquisitionFilter`` (inclusive dates), ``spatialFilter`` ``mbr`` or a
  polygon in both forms in use (``geoJson`` with M2M Coordinates ``{longitude, latitude}``:
  landsatxplore/usgsxplore; ``geojson`` with plain GeoJSON: bdc-collectors/eodag),
  ``cloudCoverFilter`` (``cloudCover`` answered as a string), ``metadataFilter`` (``value``,
  ``between``, ``and``/``or``) on the filter ids of the recorded ``dataset-filters``; paging
  with ``maxResults`` (at most ``max_results``), ``startingNumber``, ``totalHits``, ``nextRecord``
  (the last record's number when exhausted: recorded 6 of 6);
- ``download-options``: per scene a product bundle whose ``secondaryDownloads`` are the band
  files (``displayId`` = file name, an ``entityId`` of their own), plus a LandsatLook image
  product without secondaries (recorded kapadia ``download-options.json`` shape);
- ``download-request`` (a label required): band files are in ``availableDownloads`` at once,
  bundles in ``preparingDownloads`` (``prepare_polls`` ``download-retrieve`` polls later they are
  available; recorded ``download-request.json``: a preparing item already has a staging URL,
  which answers 404 until ready); past ``download_quota`` requested files in the window,
  ``RATE_LIMIT_USER_DL`` and nothing is queued ("15,000 maximum downloads within a 15 minutes
  period", ernstste/landsatlinks #3);
- ``download-retrieve {label}``: ``available[]`` and ``requested[]`` with ``downloadId``,
  ``entityId``, ``displayId``, ``url``;
- file URLs: ``Content-Disposition: attachment; filename=...`` (the USGS sample names files
  from it), ``Range`` support, ``cut_after`` bytes to break the first transfer of each file.

Test controls under ``/_admin/`` (stats, config, reset, expire). Standard library + shapely.
Run: ``python tests/servers/m2m_server.py --fd N [--config JSON]`` or ``--port P``.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import io
import json
import random
import secrets
import socket
import struct
import sys
import tarfile
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _http import write_response  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data" / "usgs-m2m"
API = "/api/api/json/stable/"

DEFAULTS: Dict[str, Any] = {
    "users": {"landsat-fan": "m2m-app-token-7f3a9c"},
    "key_idle_seconds": 7200.0,
    "latency": 0.03,            # seconds each request takes (so overlapping requests overlap)
    "max_results": 50000,
    "prepare_polls": 2,         # download-retrieve polls before a bundle is ready
    "prepare_bands": False,     # band files prepared too (else available at once)
    "download_quota": 1000,     # requested files per user in the window
    "quota_window": 900.0,
    "cut_after": 0,             # break the first transfer of each file after this many bytes
    "rate_limit_next": 0,
    "served_name_prefix": "",   # test control: serve files under another name than download-options says
}

# the recorded dataset-filters ids (kapadia-usgs/dataset-filters.json) and the scene field each tests
_FIELD_BY_LABEL = {"Day/Night Indicator": "dayNight", "WRS Path": "wrsPath", "WRS Row": "wrsRow",
                   "Collection Category": "collectionCategory", "Sensor Identifier": "sensor",
                   "Land Cloud Cover": "cloudCoverLand", "Scene Cloud Cover": "cloudCoverNum",
                   "Landsat Product Identifier": "displayId", "Landsat Scene Identifier (Legacy)": "entityId",
                   "Data Type Level-1": "dataType"}

C2_DATASETS = {
    "landsat_ot_c2_l2": ("LC08", "L2SP", 2018), "landsat_ot_c2_l1": ("LC08", "L1TP", 2018),
    "landsat_etm_c2_l2": ("LE07", "L2SP", 2002), "landsat_etm_c2_l1": ("LE07", "L1TP", 2002),
    "landsat_tm_c2_l2": ("LT05", "L2SP", 1995), "landsat_tm_c2_l1": ("LT05", "L1TP", 1995),
}
# Collection 2 file suffixes (Landsat C2 Level-1 / Level-2 Data Format Control Books)
_L2 = ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B6", "SR_B7", "SR_QA_AEROSOL", "ST_B10", "ST_QA",
       "QA_PIXEL", "QA_RADSAT", "MTL.txt", "MTL.xml", "ANG.txt"]
_L1 = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", "QA_PIXEL", "QA_RADSAT", "MTL.txt",
       "ANG.txt"]
_L2_57 = ["SR_B1", "SR_B2", "SR_B3", "SR_B4", "SR_B5", "SR_B7", "ST_B6", "QA_PIXEL", "MTL.txt", "ANG.txt"]
_L1_57 = ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "QA_PIXEL", "MTL.txt", "ANG.txt"]
FILES = {"landsat_ot_c2_l2": _L2, "landsat_ot_c2_l1": _L1, "landsat_etm_c2_l2": _L2_57,
         "landsat_etm_c2_l1": _L1_57, "landsat_tm_c2_l2": _L2_57, "landsat_tm_c2_l1": _L1_57}


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def _png(seed: int) -> bytes:
    """A small real PNG (a quicklook)."""
    w = h = 16
    rng = random.Random(seed)
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(w * 3)) for _ in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ------------------------------------------------------------------------------ scenes
class SceneRec:
    """One scene: the record scene-search answers plus the fields the metadata filters test."""

    def __init__(self, dataset: str, record: dict, fields: Dict[str, Any]):
        self.dataset = dataset
        self.record = record
        self.fields = fields
        self.entity_id = record["entityId"]
        self.display_id = record["displayId"]
        self.date = record["temporalCoverage"]["startDate"][:10]
        from shapely.geometry import shape
        self.shape = shape(record["spatialCoverage"])


def _pathrow_polygon(path: int, row: int) -> List[List[float]]:
    """A Landsat-sized, slanted footprint for a WRS-2 path/row over Western Europe (about
    185 km across, like the recorded ``spatialCoverage``)."""
    lon = 4.5 - (path - 198) * 1.55 - (row - 25) * 0.30
    lat = 50.27 - (row - 25) * 1.45
    return [[lon - 1.66, lat - 0.62], [lon + 0.89, lat - 1.07], [lon + 1.66, lat + 0.62],
            [lon - 0.98, lat + 1.08], [lon - 1.66, lat - 0.62]]


def _bounds_polygon(ring: List[List[float]]) -> dict:
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    w, s, e, n = min(xs), min(ys), max(xs), max(ys)
    return {"type": "Polygon", "coordinates": [[[w, s], [w, n], [e, n], [e, s], [w, s]]]}


def build_scenes(base: str, seed: int = 14) -> Dict[str, List[SceneRec]]:
    rng = random.Random(seed)
    recorded = _load("scene-search_landsat_ot_c2_l2_point.json")["data"]["results"]
    out: Dict[str, List[SceneRec]] = {d: [] for d in C2_DATASETS}
    for rec in recorded:   # the recorded scenes, unchanged
        did = rec["displayId"]
        out["landsat_ot_c2_l2"].append(SceneRec("landsat_ot_c2_l2", rec, {
            "wrsPath": int(did[10:13]), "wrsRow": int(did[13:16]), "dayNight": "DAY",
            "collectionCategory": did[-2:], "sensor": "OLI_TIRS", "displayId": did, "entityId": rec["entityId"],
            "dataType": did[5:9]}))
    template = recorded[0]
    for dataset, (sensor, level, year) in C2_DATASETS.items():
        for path in (196, 197, 198, 199):
            for row in (24, 25, 26, 27):
                day = _dt.date(year, 1, 3) + _dt.timedelta(days=(path * 7 + row) % 16)
                while day.year == year:
                    tier = "T1" if rng.random() < 0.7 else "T2"
                    night = rng.random() < 0.06
                    processed = day + _dt.timedelta(days=rng.randrange(10, 900))
                    did = f"{sensor}_{level}_{path:03d}{row:03d}_{day:%Y%m%d}_{processed:%Y%m%d}_02_{tier}"
                    eid = f"{sensor[0]}{sensor[1]}{sensor[3]}{path:03d}{row:03d}{day:%Y}{day.timetuple().tm_yday:03d}LGN00"
                    ring = _pathrow_polygon(path, row)
                    cloud = rng.choice([rng.uniform(0, 100), rng.uniform(0, 20)])
                    rec = json.loads(json.dumps(template))
                    rec.update({
                        "entityId": eid, "displayId": did, "cloudCover": f"{cloud:.2f}",
                        "spatialCoverage": {"type": "Polygon", "coordinates": [ring]},
                        "spatialBounds": _bounds_polygon(ring),
                        "temporalCoverage": {"startDate": f"{day} 00:00:00", "endDate": f"{day} 00:00:00"},
                        "publishDate": f"{processed} 10:11:12"})
                    rec["browse"] = [dict(template["browse"][0], id=secrets.token_hex(8),
                                          browsePath=f"{base}/browse/{did}.png",
                                          thumbnailPath=f"{base}/browse/{did}_thumb.png",
                                          overlayPath=f"{base}/browse/{did}/{{z}}/{{x}}/{{y}}.png")]
                    out[dataset].append(SceneRec(dataset, rec, {
                        "wrsPath": path, "wrsRow": row, "dayNight": "NIGHT" if night else "DAY",
                        "collectionCategory": tier, "sensor": "OLI_TIRS" if sensor == "LC08" else sensor[:2],
                        "displayId": did, "entityId": eid, "dataType": level, "cloudCoverNum": cloud,
                        "cloudCoverLand": cloud}))
                    day += _dt.timedelta(days=16)
    for scenes in out.values():
        scenes.sort(key=lambda s: (s.date, s.display_id))
    return out


def _file_bytes(name: str, size: int) -> bytes:
    seed = hashlib.sha256(name.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


class Product:
    """A downloadable file (a band file or a bundle)."""

    def __init__(self, pid: str, entity_id: str, display_id: str, file_name: str, data: bytes, bundle: bool,
                 name: str, code: str):
        self.id, self.entity_id, self.display_id = pid, entity_id, display_id
        self.file_name, self.data, self.bundle, self.name, self.code = file_name, data, bundle, name, code

    def option(self, dataset_id: str, system: str) -> dict:
        return {"id": self.id, "displayId": self.file_name if not self.bundle else self.display_id,
                "entityId": self.entity_id, "datasetId": dataset_id, "available": True,
                "filesize": len(self.data), "productName": self.name, "productCode": self.code,
                "bulkAvailable": True, "downloadSystem": system, "secondaryDownloads": []}


# ------------------------------------------------------------------------------ state
class State:
    def __init__(self, config: dict, base: str):
        self.base = base
        self.lock = threading.Lock()
        self.defaults = dict(DEFAULTS, **config)
        self.config = dict(self.defaults)
        self.scenes = build_scenes(base)
        # L1 and L2 scenes share their entityId (recorded: an L2 scene with L1 browse): per dataset
        self.by_entity = {(s.dataset, s.entity_id): s for lst in self.scenes.values() for s in lst}
        self.datasets = _load("dataset-search_landsat.json")["data"]
        self.filters = _load("dataset-filters.json")["data"]
        self.filter_fields = {f["id"]: (_FIELD_BY_LABEL.get(f["fieldLabel"]), f) for f in self.filters}
        self.products: Dict[Tuple[str, str], List[Product]] = {}   # (dataset, entityId) -> products
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.keys: Dict[str, dict] = {}          # key -> {user, last, state}
            self.dead_keys: Dict[str, str] = {}      # refused key -> why
            self.in_flight: Dict[str, int] = {}
            self.downloads: Dict[int, dict] = {}
            self.by_token: Dict[str, int] = {}
            self.labels: Dict[str, List[int]] = {}
            self.requested_at: List[Tuple[float, str]] = []
            self.served: Dict[str, int] = {}
            self.next_download = 26107136            # recorded downloadId
            self.stats: Dict[str, Any] = {"counts": {}, "rate_limited": 0, "max_in_flight": 0,
                                          "stale_key_uses": 0, "logins": 0, "logouts": 0, "errors": {},
                                          "payloads": [], "download_gets": 0, "range_gets": 0,
                                          "auth_on_download": 0, "keys_issued": []}

    def count(self, name: str, bucket: str = "counts") -> None:
        self.stats[bucket][name] = self.stats[bucket].get(name, 0) + 1

    def products_of(self, scene: SceneRec) -> List[Product]:
        found = self.products.get((scene.dataset, scene.entity_id))
        if found is None:
            level2 = "_L2" in scene.display_id[4:9]
            files = []
            for i, suffix in enumerate(FILES[scene.dataset]):
                name = f"{scene.display_id}_{suffix}" + ("" if "." in suffix else ".TIF")
                size = 2048 + (zlib.crc32(name.encode()) % 6000)
                files.append(Product(hashlib.md5(name.encode()).hexdigest()[:16],
                                     f"{'L2' if level2 else 'L1'}_{suffix.replace('.', '_')}_{scene.display_id}",
                                     scene.display_id, name, _file_bytes(name, size), False,
                                     f"{suffix} file", f"D5{60 + i:02d}"))
            buf = io.BytesIO()
            with tarfile.open(fileobj=buf, mode="w") as tar:
                for f in files:
                    info = tarfile.TarInfo(f.file_name)
                    info.size, info.mtime = len(f.data), 1600000000
                    tar.addfile(info, io.BytesIO(f.data))
            bundle = Product(hashlib.md5(scene.display_id.encode()).hexdigest()[:16], scene.entity_id,
                             scene.display_id, scene.display_id + ".tar", buf.getvalue(), True,
                             f"Landsat Collection 2 Level-{2 if level2 else 1} Product Bundle",
                             "D557" if level2 else "D555")
            bundle.files = files  # type: ignore[attr-defined]
            look = Product(hashlib.md5((scene.display_id + "look").encode()).hexdigest()[:16], scene.entity_id,
                           scene.display_id, scene.display_id + "_natural.jpg", _file_bytes(scene.display_id, 3000),
                           True, "LandsatLook Natural Color Image", "D220")
            found = self.products[(scene.dataset, scene.entity_id)] = [look, bundle]
        return found


class M2MError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


# ------------------------------------------------------------------------------ filters
def _polygon(spatial: dict):
    from shapely.geometry import Polygon, box, shape
    kind = spatial.get("filterType")
    if kind == "mbr":
        ll, ur = spatial.get("lowerLeft") or {}, spatial.get("upperRight") or {}
        try:
            return box(float(ll["longitude"]), float(ll["latitude"]), float(ur["longitude"]), float(ur["latitude"]))
        except (KeyError, TypeError, ValueError):
            raise M2MError("INPUT_PARAMETER_INVALID", "Invalid spatial filter: lowerLeft/upperRight")
    if kind in ("geoJson", "geojson"):
        geo = spatial.get("geoJson") or spatial.get("geojson") or {}
        coords = geo.get("coordinates") or []
        try:
            if coords and isinstance(coords[0], dict):   # M2M Coordinate objects (landsatxplore, usgsxplore)
                return Polygon([(float(c["longitude"]), float(c["latitude"])) for c in coords])
            return shape(geo)                             # plain GeoJSON (bdc-collectors, eodag)
        except Exception:  # noqa: BLE001 - any malformed geometry is the client's input error
            raise M2MError("INPUT_PARAMETER_INVALID", "Invalid geoJson in spatial filter")
    raise M2MError("INPUT_PARAMETER_INVALID", f"Invalid spatial filter type: {kind}")


def _date(text: Any, what: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        raise M2MError("INPUT_PARAMETER_INVALID", f"Invalid {what} date: {text}")


def _metadata_predicate(state: State, node: dict):
    kind = node.get("filterType")
    if kind in ("and", "or"):
        children = [_metadata_predicate(state, c) for c in node.get("childFilters") or []]
        if not children:
            raise M2MError("INPUT_PARAMETER_INVALID", "childFilters is empty")
        return (lambda s: all(c(s) for c in children)) if kind == "and" else (lambda s: any(c(s) for c in children))
    fid = node.get("filterId")
    if fid not in state.filter_fields:
        raise M2MError("INPUT_PARAMETER_INVALID", f"Invalid filterId: {fid}")
    field, _spec = state.filter_fields[fid]
    if kind == "value":
        value = str(node.get("value", "")).upper()
        return lambda s: str(s.fields.get(field, "")).upper() == value
    if kind == "between":
        try:
            lo, hi = float(node["firstValue"]), float(node["secondValue"])
        except (KeyError, TypeError, ValueError):
            raise M2MError("INPUT_PARAMETER_INVALID", "between needs firstValue and secondValue")
        return lambda s: s.fields.get(field) is not None and lo <= float(s.fields[field]) <= hi
    raise M2MError("INPUT_PARAMETER_INVALID", f"Invalid metadata filter type: {kind}")


# ------------------------------------------------------------------------------ endpoints
def _dataset(state: State, payload: dict) -> str:
    name = str(payload.get("datasetName") or "")
    if name.endswith("_c1") or name in ("landsat_8_c1", "landsat_etm_c1", "landsat_tm_c1"):
        # Collection 1 answers DATASET_AUTH since 2022-12-31 (landsatxplore #93); the exact
        # wording of the message is UNVERIFIED
        raise M2MError("DATASET_AUTH", "User does not have access to this dataset")
    if name not in state.scenes:
        raise M2MError("DATASET_INVALID", f"Invalid dataset name: {name}")
    return name


def scene_search(state: State, p: dict) -> dict:
    dataset = _dataset(state, p)
    try:
        max_results = int(p.get("maxResults", 100))
        start = int(p.get("startingNumber", 1))
    except (TypeError, ValueError):
        raise M2MError("INPUT_PARAMETER_INVALID", "maxResults and startingNumber must be integers")
    if not 1 <= max_results <= state.config["max_results"]:
        raise M2MError("INPUT_PARAMETER_INVALID", f"maxResults must be between 1 and {state.config['max_results']}")
    if start < 1:
        raise M2MError("INPUT_PARAMETER_INVALID", "startingNumber must be 1 or more")
    sf = p.get("sceneFilter") or {}
    tests = []
    acq = sf.get("acquisitionFilter")
    if acq:
        lo, hi = _date(acq.get("start"), "start"), _date(acq.get("end"), "end")
        tests.append(lambda s: lo.isoformat() <= s.date <= hi.isoformat())   # inclusive
    spatial = sf.get("spatialFilter")
    if spatial:
        poly = _polygon(spatial)
        tests.append(lambda s: s.shape.intersects(poly))
    cc = sf.get("cloudCoverFilter")
    if cc:
        lo_c, hi_c = float(cc.get("min", 0)), float(cc.get("max", 100))
        unknown = bool(cc.get("includeUnknown", False))

        def cloud_ok(s):
            value = float(s.record["cloudCover"])
            return unknown if value < 0 else lo_c <= value <= hi_c
        tests.append(cloud_ok)
    if sf.get("metadataFilter"):
        tests.append(_metadata_predicate(state, sf["metadataFilter"]))
    hits = [s for s in state.scenes[dataset] if all(t(s) for t in tests)]
    direction = str(p.get("sortDirection") or "ASC").upper()   # by acquisition date
    if direction not in ("ASC", "DESC"):
        raise M2MError("INPUT_PARAMETER_INVALID", f"Invalid sortDirection: {direction}")
    if direction == "DESC":
        hits.reverse()
    page = hits[start - 1:start - 1 + max_results]
    total = len(hits)
    last = start - 1 + len(page)
    return {"results": [s.record for s in page], "recordsReturned": len(page), "totalHits": total,
            "isCustomized": False, "numExcluded": 0, "startingNumber": start,
            "nextRecord": total if last >= total else last + 1}


def download_options(state: State, p: dict) -> list:
    dataset = _dataset(state, p)
    ids = p.get("entityIds")
    if isinstance(ids, str):
        ids = [i for i in ids.split(",") if i]
    if not ids:
        raise M2MError("INPUT_PARAMETER_INVALID", "entityIds or listId is required")
    dataset_id = next((d["datasetId"] for d in state.datasets if d["datasetAlias"] == dataset), "5e83d0b656b77cf3")
    out = []
    for eid in ids:
        scene = state.by_entity.get((dataset, eid))
        if scene is None:
            continue
        look, bundle = state.products_of(scene)
        entry = bundle.option(dataset_id, "dds")
        entry["secondaryDownloads"] = [f.option(dataset_id, "ls_zip") for f in bundle.files]  # type: ignore[attr-defined]
        out.extend([look.option(dataset_id, "wms"), entry])
    return out


def _find_product(state: State, entity_id: str, product_id: str) -> Optional[Product]:
    for products in state.products.values():
        for prod in products:
            if prod.id == product_id and prod.entity_id == entity_id:
                return prod
            for f in getattr(prod, "files", ()):
                if f.id == product_id and f.entity_id == entity_id:
                    return f
    return None


def download_request(state: State, user: str, p: dict) -> dict:
    label = str(p.get("label") or "")
    if not label:
        raise M2MError("INPUT_PARAMETER_INVALID", "label is required")
    wanted = p.get("downloads") or []
    now = time.monotonic()
    window = state.config["quota_window"]
    state.requested_at = [(t, u) for t, u in state.requested_at if now - t < window]
    used = sum(1 for _t, u in state.requested_at if u == user)
    if used + len(wanted) > state.config["download_quota"]:
        raise M2MError("RATE_LIMIT_USER_DL", "User has reached the download rate limit")
    available, preparing, failed, duplicates, new = [], [], [], [], {}
    known = {(d["entity"], d["product"].id) for i in state.labels.get(label, []) for d in [state.downloads[i]]}
    for item in wanted:
        eid, pid = str((item or {}).get("entityId")), str((item or {}).get("productId"))
        prod = _find_product(state, eid, pid)
        if prod is None:
            failed.append({"entityId": eid, "productId": pid, "errorMessage": "Invalid product"})
            continue
        if (eid, pid) in known:
            duplicates.append({"entityId": eid, "productId": pid})
            continue
        state.requested_at.append((now, user))
        did = state.next_download
        state.next_download += 1
        token = secrets.token_urlsafe(18)
        polls = state.config["prepare_polls"] if (prod.bundle or state.config["prepare_bands"]) else 0
        state.downloads[did] = {"entity": eid, "product": prod, "label": label, "polls_left": polls, "token": token}
        state.by_token[token] = did
        state.labels.setdefault(label, []).append(did)
        new[str(did)] = label
        entry = {"downloadId": did, "eulaCode": None, "url": f"{state.base}/download-staging/{token}"}
        (preparing if polls else available).append(entry)
    return {"availableDownloads": available, "duplicateProducts": duplicates, "preparingDownloads": preparing,
            "failed": failed, "newRecords": new, "numInvalidScenes": len(failed)}


def download_retrieve(state: State, p: dict) -> dict:
    label = str(p.get("label") or "")
    available, requested = [], []
    for did in state.labels.get(label, []):
        d = state.downloads[did]
        if d["polls_left"] > 0:
            d["polls_left"] -= 1
        prod = d["product"]
        item = {"downloadId": did, "entityId": d["entity"], "displayId": prod.file_name, "label": label,
                "productCode": prod.code, "filesize": len(prod.data), "eulaCode": None}
        if d["polls_left"] == 0:
            available.append(dict(item, url=f"{state.base}/download-staging/{d['token']}", statusText="Available"))
        else:
            requested.append(dict(item, url=None, statusText="Preparing"))
    return {"available": available, "requested": requested, "eulas": [], "queueSize": len(requested)}


# ------------------------------------------------------------------------------ HTTP
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "m2m-loopback"

    def log_message(self, fmt, *args):  # quiet
        pass

    @property
    def state(self) -> State:
        return self.server.state  # type: ignore[attr-defined]

    def do_GET(self):  # noqa: N802
        self._dispatch()

    def do_POST(self):  # noqa: N802
        self._dispatch()

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self):
        path = urlsplit(self.path).path
        body = self._body()
        if path.startswith("/_admin/"):
            return self._admin(path[len("/_admin/"):], body)
        if path.startswith("/browse/"):
            return write_response(self, 200, _png(zlib.crc32(path.encode())), "image/png")
        if path.startswith("/download-staging/"):
            return self._file(path.rsplit("/", 1)[-1])
        if not path.startswith(API):
            return write_response(self, 404, {"error": "not found"})
        return self._api(path[len(API):].strip("/"), body)

    def _envelope(self, data: Any = None, code: Optional[str] = None, message: Optional[str] = None) -> None:
        st = self.state
        if code:
            with st.lock:
                st.count(code, "errors")
        # errors come on HTTP 200 too (recorded login_error.json)
        write_response(self, 200, {"requestId": random.randrange(10 ** 8, 10 ** 9), "version": "stable",
                                   "sessionId": 44801471, "data": data, "errorCode": code, "errorMessage": message})

    def _api(self, endpoint: str, body: bytes) -> None:
        st = self.state
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return self._envelope(None, "INPUT_FORMAT", "Invalid JSON")
        with st.lock:
            st.count(endpoint)
            st.stats["payloads"].append({"endpoint": endpoint, "payload": payload})
            del st.stats["payloads"][:-200]
        if endpoint == "login":
            # password login was retired in February 2025 (kapadia/usgs #74, eodag #1485)
            return self._envelope(None, "AUTH_INVALID",
                                  "The login endpoint is deprecated; use login-token with an application token")
        if endpoint == "login-token":
            user, token = payload.get("username"), payload.get("token")
            if not user or st.config["users"].get(user) != token:
                return self._envelope(None, "AUTH_INVALID", "User credential verification failed")
            key = secrets.token_hex(16)
            with st.lock:
                st.keys[key] = {"user": user, "last": time.monotonic()}
                st.stats["logins"] += 1
                st.stats["keys_issued"].append(key)
            return self._envelope(key)
        key = self.headers.get("X-Auth-Token") or ""
        with st.lock:
            info = st.keys.get(key)
            error = None
            if info is None:
                if key in st.dead_keys:
                    st.stats["stale_key_uses"] += 1
                error = ("AUTH_KEY_INVALID", "Invalid API Key")
            elif time.monotonic() - info["last"] > st.config["key_idle_seconds"] or info.get("expired"):
                st.keys.pop(key)
                st.dead_keys[key] = "expired"
                error = ("AUTH_EXPIRED", "API key has expired due to inactivity")
            elif st.config["rate_limit_next"] > 0:
                st.config["rate_limit_next"] -= 1
                st.stats["rate_limited"] += 1
                error = ("RATE_LIMIT", "User attempted to run multiple requests at a time")
            elif st.in_flight.get(key):
                # one request at a time per API key (M2M error list: RATE_LIMIT)
                st.stats["rate_limited"] += 1
                error = ("RATE_LIMIT", "User attempted to run multiple requests at a time")
            else:
                st.in_flight[key] = 1
                st.stats["max_in_flight"] = max(st.stats["max_in_flight"], 1)
                info["last"] = time.monotonic()
        if error:
            return self._envelope(None, *error)
        try:
            time.sleep(st.config["latency"])
            with st.lock:
                if endpoint == "logout":
                    st.keys.pop(key, None)
                    st.dead_keys[key] = "logged out"
                    st.stats["logouts"] += 1
                    data = None
                elif endpoint == "dataset-search":
                    needle = str(payload.get("datasetName") or "").lower()
                    data = [d for d in st.datasets if needle in d["datasetAlias"].lower()
                            or needle in str(d.get("collectionName", "")).lower()]
                elif endpoint == "dataset-filters":
                    _dataset(st, payload)
                    data = st.filters
                elif endpoint == "scene-search":
                    data = scene_search(st, payload)
                elif endpoint == "download-options":
                    data = download_options(st, payload)
                elif endpoint == "download-request":
                    data = download_request(st, st.keys[key]["user"], payload)
                elif endpoint == "download-retrieve":
                    data = download_retrieve(st, payload)
                else:
                    raise M2MError("ENDPOINT_UNAVAILABLE", f"Unknown endpoint: {endpoint}")
        except M2MError as err:
            return self._envelope(None, err.code, err.message)
        finally:
            with st.lock:
                st.in_flight.pop(key, None)
        return self._envelope(data)

    def _file(self, token: str) -> None:
        st = self.state
        with st.lock:
            did = st.by_token.get(token)
            d = st.downloads.get(did) if did is not None else None
            st.stats["download_gets"] += 1
            if self.headers.get("X-Auth-Token"):
                st.stats["auth_on_download"] += 1
            if self.headers.get("Range"):
                st.stats["range_gets"] += 1
        if d is None or d["polls_left"] > 0:   # a staging URL that is not ready yet
            return write_response(self, 404, b"Not found", "text/plain")
        data: bytes = d["product"].data
        name = st.config["served_name_prefix"] + d["product"].file_name
        start, status = 0, 200
        rng = self.headers.get("Range")
        if rng and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0] or 0)
            if start >= len(data):
                return write_response(self, 416, b"", "text/plain", {"Content-Range": f"bytes */{len(data)}"})
            status = 206
        body = data[start:]
        self.send_response(status)
        self.send_header("Content-Type", "application/x-tar" if name.endswith(".tar") else "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Disposition", f'attachment; filename="{name}"')
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        cut = st.config["cut_after"]
        with st.lock:
            first = st.served.get(token, 0) == 0
            st.served[token] = st.served.get(token, 0) + 1
        if cut and first and start == 0 and cut < len(body):
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)

    def _admin(self, what: str, body: bytes) -> None:
        st = self.state
        payload = json.loads(body or b"{}") if body else None
        with st.lock:
            if what == "stats":
                out: Any = dict(st.stats, keys_alive=len(st.keys))
            elif what == "config":
                if payload:
                    st.config.update(payload)
                out = st.config
            elif what == "expire":
                for info in st.keys.values():
                    info["expired"] = True
                out = {"expired": len(st.keys)}
            elif what == "scenes":
                out = {d: [s.display_id for s in lst] for d, lst in st.scenes.items()}
            elif what == "reset":
                out = None
            else:
                return write_response(self, 404, {"error": what})
        if what == "reset":
            st.config = dict(st.defaults)
            st.reset()
            out = {"reset": True}
        write_response(self, 200, out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fd", type=int)
    parser.add_argument("--port", type=int)
    parser.add_argument("--config", default="{}")
    args = parser.parse_args(argv)
    if args.fd is not None:
        sock = socket.socket(fileno=args.fd)
    else:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", args.port or 0))
        sock.listen(128)
    host, port = sock.getsockname()[:2]
    state = State(json.loads(args.config), f"http://{host}:{port}")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    httpd.socket.close()
    httpd.socket = sock
    httpd.daemon_threads = True
    httpd.state = state  # type: ignore[attr-defined]
    sys.stderr.write(f"loopback M2M: {sum(len(v) for v in state.scenes.values())} scenes on {host}:{port}\n")
    sys.stderr.flush()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
