"""Sentinel-2 and Landsat Collection 1 from Google Cloud's public buckets (kind ``google``).

No catalogue: the buckets are read through the Cloud Storage JSON listing API
(``/storage/v1/b/<bucket>/o?prefix=&delimiter=/``, pages joined with ``nextPageToken``;
``*_$folder$`` placeholders skipped) and fetched anonymously over HTTPS
(``<url>/<bucket>/<key>``). Layouts (shared/reference/providers-wave2.md §4; bdc-collectors
``google/``; rslearn ``gcp_public_data.py``):

- Sentinel-2 L1C ``gcp-public-data-sentinel-2/tiles/{zone}/{band}/{square}/{PRODUCT_ID}.SAFE/``,
  L2A the same under ``L2/tiles/``; the tile is field 6 of the id (``T31UDQ``);
- Landsat Collection 1 ``gcp-public-data-landsat/{LC08|LE07|LT05|LT04}/01/{path}/{row}/{PRODUCT_ID}/``.

Finding scenes: by id (the seed's only way), or by area and dates: the area's Sentinel-2
tiles / WRS-2 path-rows come from :mod:`.grid` and each cell's folder is listed. A product's
folder is listed for its files (assets: the band images). A bucket that refuses listings
(HTTP 401/403) is noted; Landsat products are then named from their id and the sensor's
known file names (computed paths). Downloads rebuild the ``.SAFE`` folder or the Landsat scene
folder through the download engine, every file checked against its listed size and
``md5Hash``; the folder gets its final name only when whole (:mod:`...download.assembly`).
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import logging
import os
import re
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import quote

from ... import errors
from ...base import Connection, Provider, SearchResults, SearchWarning
from ...download.assembly import FolderAssembly
from ...download.jobs import DownloadJob, safe_name
from ...net.untrusted import LoopGuard, path_inside
from ...model import Checksum, CollectionInfo, Page, Scene, SearchRequest
from ...net import http
from ...net.redact import redact_url
from ..stac.items import item_to_scene
from . import grid

LOG = logging.getLogger(__name__)

GOOGLE_STORAGE = "https://storage.googleapis.com"
S2_BUCKET = "gcp-public-data-sentinel-2"
LANDSAT_BUCKET = "gcp-public-data-landsat"
LANDSAT_SENSORS = ("LC08", "LE07", "LT05", "LT04")
PAGE = 10  # scenes per results page (each needs one listing of its product)
MAX_CELLS = 60

S2_ID = re.compile(r"^(?P<mission>S2[A-D])_MSI(?P<level>L1C|L2A)_(?P<sensing>\d{8}T\d{6})_N\d{4}_R\d{3}_"
                   r"T(?P<tile>\d{2}[C-X][A-Z]{2})_\d{8}T\d{6}$")
LANDSAT_ID = re.compile(r"^(?P<sensor>L[COTEM]0[1-8])_L1(?:TP|GT|GS)_(?P<path>\d{3})(?P<row>\d{3})_"
                        r"(?P<date>\d{8})_\d{8}_01_(?:T1|T2|RT)$")
# Collection 1 scene files by sensor, when the bucket cannot be listed (USGS Landsat
# Collection 1 level-1 data format control books: band files, BQA, MTL and ANG)
LANDSAT_FILES = {
    "LC08": [f"B{i}.TIF" for i in range(1, 12)] + ["BQA.TIF", "MTL.txt", "ANG.txt"],
    "LE07": ["B1.TIF", "B2.TIF", "B3.TIF", "B4.TIF", "B5.TIF", "B6_VCID_1.TIF", "B6_VCID_2.TIF", "B7.TIF",
             "B8.TIF", "BQA.TIF", "MTL.txt", "ANG.txt"],
    "LT05": [f"B{i}.TIF" for i in range(1, 8)] + ["BQA.TIF", "MTL.txt", "ANG.txt"],
    "LT04": [f"B{i}.TIF" for i in range(1, 8)] + ["BQA.TIF", "MTL.txt", "ANG.txt"],
}


@dataclass(frozen=True)
class BucketCollection:
    id: str
    title: str
    description: str
    bucket: str
    root: str
    level: str = ""


COLLECTIONS = (
    BucketCollection("sentinel-2-l1c", "Sentinel-2 Level-1C (Google Cloud public bucket)",
                     "Sentinel-2 MSI Level-1C SAFE products in gs://gcp-public-data-sentinel-2/tiles/, still updated "
                     "(1-2 days latency). Anonymous HTTPS; no cloud cover in the listing.", S2_BUCKET, "tiles/", "L1C"),
    BucketCollection("sentinel-2-l2a", "Sentinel-2 Level-2A (Google Cloud public bucket)",
                     "Sentinel-2 MSI Level-2A SAFE products in gs://gcp-public-data-sentinel-2/L2/tiles/. Their names "
                     "differ from the L1C names (baseline, discriminator): found by listing the tile.",
                     S2_BUCKET, "L2/tiles/", "L2A"),
    BucketCollection("landsat-c1", "Landsat Collection 1 (Google Cloud public bucket, frozen)",
                     "Landsat 4-8 Collection 1 Level-1 scenes in gs://gcp-public-data-landsat/. Collection 1 only and "
                     "frozen: USGS retired Collection 1 and Collection 2 will not be added to this bucket (it is on "
                     "the requester-pays gs://gee-public-data-landsat).", LANDSAT_BUCKET, ""),
)
_BY_ID = {c.id: c for c in COLLECTIONS}


class ListingRefused(errors.AuthenticationError):
    """The bucket does not let anonymous callers list it."""


def _md5_hex(md5_b64: Optional[str]) -> Optional[str]:
    if not md5_b64:
        return None
    try:
        raw = base64.b64decode(md5_b64, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 16 else None


def _date(text: str) -> _dt.datetime:
    fmt = "%Y%m%dT%H%M%S" if "T" in text else "%Y%m%d"
    return _dt.datetime.strptime(text, fmt).replace(tzinfo=_dt.timezone.utc)


def _iso(moment: _dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class GoogleBucketsProvider(Provider):
    """Sentinel-2 and Landsat Collection 1 from Google's public buckets (module docstring)."""

    kind = "google"

    def __init__(self, connection: Connection, credentials: Any = None, *, session=None):
        super().__init__(connection)
        self.base = str(connection.option("url") or connection.url or GOOGLE_STORAGE).rstrip("/")
        # zip=true: each product as one archive holding its folder (<ID>.zip / <ID>.tar.gz)
        self.zip = connection.flag("zip")
        self.session = session or http.new_session()
        self.what = f"Google Cloud Storage ({connection.name})"

    # ------------------------------------------------------------------ listing
    def object_url(self, bucket: str, key: str) -> str:
        return f"{self.base}/{quote(bucket)}/{quote(key, safe='/~')}"

    def list(self, bucket: str, prefix: str, delimiter: str = "/") -> Tuple[List[dict], List[str]]:
        """Every object (``items``) and sub-folder (``prefixes``) under ``prefix``, following
        ``nextPageToken``; ``_$folder$`` placeholders and folder objects left out."""
        url = f"{self.base}/storage/v1/b/{quote(bucket, safe='')}/o"
        items: List[dict] = []
        prefixes: List[str] = []
        token = None
        guard = LoopGuard(self.what)  # a token that comes back would list forever
        while True:
            params = {"prefix": prefix}
            if delimiter:
                params["delimiter"] = delimiter
            if token:
                params["pageToken"] = token
            try:
                # a listing is a read: sent again after a dropped connection, a cut answer or
                # a gateway's 502/503/504
                response = http.request_retrying(self.session, "GET", url, what=self.what, params=params)
            except errors.AuthenticationError as err:
                if err.status in (401, 403):
                    raise ListingRefused(
                        f"The bucket {bucket} does not allow anonymous listings (HTTP {err.status}).",
                        status=err.status, details=err.server_message or "") from err
                raise
            except errors.EoSceneFinderError:
                raise
            except Exception as err:  # noqa: BLE001 - e.g. a page token that cannot be sent
                raise http.map_transport_error(err, url, self.what) from err
            try:
                page = http.response_json(response, self.what)
            finally:
                response.close()
            if not isinstance(page, dict):
                raise errors.MalformedResponseError(f"{self.what} answered a listing that is not a JSON object.",
                                                    url=redact_url(url))
            for item in page.get("items") if isinstance(page.get("items"), list) else []:
                name = str(item.get("name") or "") if isinstance(item, dict) else ""
                if name and not name.endswith("/") and not name.endswith("_$folder$"):
                    items.append(item)
            prefixes.extend(p for p in (page.get("prefixes") if isinstance(page.get("prefixes"), list) else [])
                            if isinstance(p, str) and not p.endswith("_$folder$/"))
            token = page.get("nextPageToken")
            if not token or not isinstance(token, str):
                return items, prefixes
            guard.check(f"{url}?{prefix}&{token}")

    # ------------------------------------------------------------------ collections
    def list_collections(self) -> List[CollectionInfo]:
        return [CollectionInfo(id=c.id, title=c.title, description=c.description) for c in COLLECTIONS]

    # ------------------------------------------------------------------ products
    def _product_prefix(self, collection: BucketCollection, product_id: str) -> str:
        if collection.bucket == S2_BUCKET:
            tile = S2_ID.match(product_id).group("tile")
            return f"{collection.root}{tile[:2]}/{tile[2]}/{tile[3:]}/{product_id}.SAFE/"
        m = LANDSAT_ID.match(product_id)
        return f"{m.group('sensor')}/01/{m.group('path')}/{m.group('row')}/{product_id}/"

    def _geometry(self, collection: BucketCollection, product_id: str) -> dict:
        if collection.bucket == S2_BUCKET:
            ring = grid.tile_footprint(S2_ID.match(product_id).group("tile"))
        else:
            m = LANDSAT_ID.match(product_id)
            ring = grid.wrs2_footprint(int(m.group("path")), int(m.group("row")))
        return {"type": "Polygon", "coordinates": [[list(p) for p in grid._unwrap(ring)]]}

    def _moment(self, product_id: str) -> _dt.datetime:
        m = S2_ID.match(product_id)
        return _date(m.group("sensing")) if m else _date(LANDSAT_ID.match(product_id).group("date"))

    @staticmethod
    def _asset(rel: str, product_id: str) -> Tuple[str, dict]:
        name = rel.rsplit("/", 1)[-1]
        lower = name.lower()
        band = re.search(r"_(B\d[\dA]?|TCI|AOT|WVP|SCL|BQA|B6_VCID_\d)(?:_(\d+m))?\.(jp2|tif)$", name, re.IGNORECASE)
        if band:
            key = band.group(1).upper() + (f"_{band.group(2)}" if band.group(2) else "")
            media = "image/jp2" if lower.endswith(".jp2") else "image/tiff; application=geotiff"
            return key, {"type": media, "roles": ["data"], "title": name}
        if lower.endswith("_mtl.txt"):
            return "MTL", {"type": "text/plain", "roles": ["metadata"], "title": name}
        if rel in ("manifest.safe",) or re.fullmatch(r"MTD_MSIL\w+\.xml", rel):
            return ("manifest" if rel == "manifest.safe" else "metadata"), \
                {"type": "application/xml", "roles": ["metadata"], "title": name}
        return "", {}

    def _scene(self, collection: BucketCollection, product_id: str, files: Optional[List[dict]],
               computed: bool = False) -> Scene:
        prefix = self._product_prefix(collection, product_id)
        moment = self._moment(product_id)
        assets: Dict[str, dict] = {}
        for item in files or []:
            rel = item["name"][len(prefix):]
            key, asset = self._asset(rel, product_id)
            if key and key not in assets:
                asset["href"] = self.object_url(collection.bucket, item["name"])
                if str(item.get("size", "")).isdigit():
                    asset["file:size"] = int(item["size"])
                assets[key] = asset
        props = {"datetime": _iso(moment), "platform": product_id[:4] if not product_id.startswith("S2")
                 else "sentinel-" + product_id[1:3].lower(),
                 "google:bucket": collection.bucket, "google:prefix": prefix}
        if computed:
            props["google:computed_paths"] = True
        item = {"type": "Feature", "stac_version": "1.0.0", "id": product_id, "collection": collection.id,
                "geometry": self._geometry(collection, product_id), "properties": props, "assets": assets,
                "links": []}
        return item_to_scene(item, self.connection.name)

    def _landsat_computed(self, collection: BucketCollection, product_id: str) -> List[dict]:
        prefix = self._product_prefix(collection, product_id)
        return [{"name": f"{prefix}{product_id}_{suffix}"} for suffix in LANDSAT_FILES.get(product_id[:4], [])]

    def product_files(self, collection: BucketCollection, product_id: str) -> Tuple[List[dict], bool]:
        """The product's objects (from the listing; for a Landsat bucket that refuses listings,
        computed from the id: ``computed`` True) — empty when the product is not there."""
        try:
            files, _ = self.list(collection.bucket, self._product_prefix(collection, product_id), delimiter="")
            return files, False
        except ListingRefused:
            if collection.bucket != LANDSAT_BUCKET:
                raise
            return self._landsat_computed(collection, product_id), True

    # ------------------------------------------------------------------ search
    def search(self, request: SearchRequest) -> SearchResults:
        self.warnings = []
        return SearchResults(lambda: self._pages(request), limit=request.limit)

    def _warn(self, message: str) -> None:
        if all(w.message != message for w in self.warnings):
            self.warnings.append(SearchWarning(message))

    def _collections(self, request: SearchRequest) -> List[BucketCollection]:
        if not request.collections:
            return list(COLLECTIONS)
        unknown = [c for c in request.collections if c not in _BY_ID]
        if unknown:
            raise errors.InvalidRequestError(
                f"The Google buckets have no collection “{unknown[0]}”; they are: {', '.join(_BY_ID)}.")
        return [_BY_ID[c] for c in request.collections]

    def _in_dates(self, moment: _dt.datetime, request: SearchRequest) -> bool:
        return (request.start is None or moment >= request.start) and (request.end is None or moment <= request.end)

    def _candidates(self, request: SearchRequest) -> List[Tuple[_dt.datetime, BucketCollection, str]]:
        found: List[Tuple[_dt.datetime, BucketCollection, str]] = []
        collections = self._collections(request)
        if request.ids:
            for pid in request.ids:
                pid = pid[:-5] if pid.endswith(".SAFE") else pid
                for collection in collections:
                    found.extend(self._id_candidates(collection, pid, other_level=bool(request.collections)))
            return found
        if request.aoi is None:
            raise errors.InvalidRequestError(
                "The Google buckets have no catalogue: draw an area (it gives the Sentinel-2 tiles or Landsat "
                "path/rows to list) or give scene ids.")
        if request.max_cloud is not None:
            self._warn("The bucket listings carry no cloud cover: the cloud filter is not applied.")
        for collection in collections:
            if collection.bucket == S2_BUCKET:
                cells = [f"{collection.root}{t[:2]}/{t[2]}/{t[3:]}/" for t in grid.tiles_for(request.aoi, MAX_CELLS + 1)]
            else:
                cells = [f"{s}/01/{p:03d}/{r:03d}/" for p, r in grid.path_rows_for(request.aoi, MAX_CELLS + 1)
                         for s in LANDSAT_SENSORS]
            if len(cells) > MAX_CELLS * (1 if collection.bucket == S2_BUCKET else len(LANDSAT_SENSORS)):
                raise errors.InvalidRequestError(
                    f"The area covers more than {MAX_CELLS} tiles or path/rows; draw a smaller one.")
            for cell in cells:
                try:
                    _items, folders = self.list(collection.bucket, cell)
                except ListingRefused as err:
                    self._warn(f"{err.user_message} {collection.title}: search it by scene id (the paths are computed "
                               "from the id).")
                    break
                for folder in folders:
                    pid = folder.rstrip("/").rsplit("/", 1)[-1]
                    pid = pid[:-5] if pid.endswith(".SAFE") else pid
                    if not (S2_ID.match(pid) or LANDSAT_ID.match(pid)):
                        continue
                    if collection.level and f"MSI{collection.level}" not in pid:
                        continue
                    moment = self._moment(pid)
                    if self._in_dates(moment, request):
                        found.append((moment, collection, pid))
        return found

    def _id_candidates(self, collection: BucketCollection, pid: str,
                       other_level: bool) -> List[Tuple[_dt.datetime, BucketCollection, str]]:
        s2, landsat = S2_ID.match(pid), LANDSAT_ID.match(pid)
        if collection.bucket == LANDSAT_BUCKET:
            return [(self._moment(pid), collection, pid)] if landsat else []
        if not s2:
            return []
        if s2.group("level") == collection.level:
            return [(self._moment(pid), collection, pid)]
        if not other_level:  # the other level only when that collection is asked for
            return []
        # an L1C id in the L2A collection (or back): the other level's name differs in its
        # baseline and discriminator, so list the tile for the same satellite and sensing time
        tile = s2.group("tile")
        cell = f"{collection.root}{tile[:2]}/{tile[2]}/{tile[3:]}/"
        stem = f"{s2.group('mission')}_MSI{collection.level}_{s2.group('sensing')}_"
        _items, folders = self.list(collection.bucket, cell + stem)
        names = [f.rstrip("/").rsplit("/", 1)[-1][:-5] for f in folders if f.rstrip("/").endswith(".SAFE")]
        return [(self._moment(n), collection, n) for n in names if S2_ID.match(n)]

    def _pages(self, request: SearchRequest) -> Iterator[Page]:
        candidates = self._candidates(request)
        descending = not (request.sortby and request.sortby[0].field == "datetime" and not request.sortby[0].descending)
        candidates.sort(key=lambda c: (c[0], c[2]), reverse=descending)
        seen = set()
        unique = [c for c in candidates if not ((c[1].id, c[2]) in seen or seen.add((c[1].id, c[2])))]
        if not unique:
            yield Page([], more=False, matched=0, number=1)
            return
        number = 0
        for start in range(0, len(unique), PAGE):
            number += 1
            scenes = []
            for _moment, collection, pid in unique[start:start + PAGE]:
                try:
                    files, computed = self.product_files(collection, pid)
                except ListingRefused as err:
                    self._warn(f"{err.user_message} {pid} cannot be listed: its files are unknown.")
                    continue
                if not files:
                    self._warn(f"{pid} is not in the bucket {collection.bucket}.")
                    continue
                if computed:
                    self._warn(f"The bucket {collection.bucket} does not allow anonymous listings: the files of "
                               f"{pid} are named from its id (computed paths), sizes and checksums unknown.")
                scene = self._scene(collection, pid, files, computed)
                if request.aoi is not None and not request.ids:
                    from shapely.geometry import shape
                    if not shape(scene.geometry).intersects(request.aoi):
                        continue
                scenes.append(scene)
            yield Page(scenes, more=start + PAGE < len(unique), matched=len(unique), number=number)

    # ------------------------------------------------------------------ downloads
    def product_jobs(self, scene: Scene, output_folder: str, *, unpack: bool = False) -> List[DownloadJob]:
        """Jobs rebuilding the product folder (``<ID>.SAFE`` or the Landsat scene folder) in
        ``<output>/<collection>/``; one skipped job when it is already there."""
        collection = _BY_ID.get(scene.collection or "")
        if collection is None:
            raise errors.InvalidRequestError(f"{scene.id} is not from a Google bucket collection.")
        pid = scene.id
        folder_name = pid + ".SAFE" if collection.bucket == S2_BUCKET else pid
        collection_dir = os.path.join(os.path.abspath(output_folder), safe_name(collection.id))
        final_dir = os.path.join(collection_dir, folder_name)
        # Sentinel-2 products as .zip (as ESA ships them), Landsat scenes as .tar.gz (as USGS does)
        zip_path = os.path.join(collection_dir, pid + (".zip" if collection.bucket == S2_BUCKET else ".tar.gz"))
        prefix = self._product_prefix(collection, pid)
        key_base = f"{scene.connection or ''}|{scene.collection or ''}|{scene.id}|"
        present = zip_path if self.zip else final_dir
        if os.path.isfile(present) or (os.path.isdir(present) and os.listdir(present)):
            return [DownloadJob(url=self.object_url(collection.bucket, prefix), dest_path=present,
                                key=key_base + "product", label=os.path.basename(present), manifest_dir=output_folder,
                                skip_reason="Already in the output folder.")]
        files, _computed = self.product_files(collection, pid)
        if not files:
            raise errors.NotFoundError(f"{pid} is not in the bucket {collection.bucket} ({prefix}).")
        staging = os.path.join(collection_dir, "." + folder_name + ".part")
        group = FolderAssembly(pid, staging, final_dir, zip_path if self.zip else None)
        jobs = []
        for item in sorted(files, key=lambda i: i["name"]):
            rel = item["name"][len(prefix):]
            if not rel:
                continue
            md5 = _md5_hex(item.get("md5Hash"))
            size = int(item["size"]) if str(item.get("size", "")).isdigit() else None
            jobs.append(DownloadJob(
                url=self.object_url(collection.bucket, item["name"]), dest_path=path_inside(staging, rel),
                size=size, checksum=Checksum("md5", md5) if md5 else None, key=key_base + rel,
                label=f"{pid} · {rel}", manifest_dir=output_folder, group=group))
        return jobs

    def close(self) -> None:
        self.session.close()
