"""USGS Machine-to-Machine (M2M) catalogue, kind ``usgs``: Landsat Collection 2.

Collections are M2M dataset names (``landsat_ot_c2_l2``...). Search is ``scene-search``:
dates (inclusive), the AOI as an M2M ``geoJson`` polygon in the Coordinate form landsatxplore
and usgsxplore send (``{"longitude":…, "latitude":…}``, outer ring only) or as an ``mbr`` for
areas that are not one simple polygon, the true footprint then checked locally; cloud cover
(``cloudCoverFilter``); metadata filters (day/night, WRS path/row, collection category) with
the filter ids of ``dataset-filters``; paging with ``startingNumber`` until ``totalHits``.
Requests go one at a time per API key (:mod:`.api`); downloads: :mod:`.downloads`.
"""
from __future__ import annotations

import datetime as _dt
import logging
import math
import re
import threading
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional

from ... import errors
from ...auth.tokens import LoginRequiredError, TokenManager
from ...base import Connection, Provider, SearchResults, SearchWarning
from ...filtering import scene_matches
from ...model import CollectionInfo, Page, Scene, SearchRequest
from .api import DEFAULT_URL, M2MClient
from .downloads import RETRIEVE_INTERVAL, RETRIEVE_INTERVAL_MAX, UsgsDownloadBatch, make_jobs
from .records import BUNDLE, HREF_SCHEME, record_to_scene

LOG = logging.getLogger(__name__)

# (dataset, title when dataset-search cannot be asked, first acquisition)
DATASETS = (
    ("landsat_ot_c2_l2", "Landsat 8-9 OLI/TIRS C2 L2", "2013-03-18"),
    ("landsat_ot_c2_l1", "Landsat 8-9 OLI/TIRS C2 L1", "2013-03-08"),
    ("landsat_etm_c2_l2", "Landsat 7 ETM+ C2 L2", "1999-05-28"),
    ("landsat_etm_c2_l1", "Landsat 7 ETM+ C2 L1", "1999-05-28"),
    ("landsat_tm_c2_l2", "Landsat 4-5 TM C2 L2", "1982-08-22"),
    ("landsat_tm_c2_l1", "Landsat 4-5 TM C2 L1", "1982-08-22"),
)
DEFAULT_DATASET = DATASETS[0][0]
MAX_POLYGON_POINTS = 100   # a bigger AOI goes as its convex hull (then filtered locally)

# dataset-filters field labels (recorded kapadia-usgs/dataset-filters.json) → filter names
COMMON_FILTERS = {
    "Day/Night Indicator": "dayNight",
    "WRS Path": "wrsPath",
    "WRS Row": "wrsRow",
    "Collection Category": "collectionCategory",
}


PRODUCT_ID_LABEL = "Landsat Product Identifier"   # the displayId filter (recorded dataset-filters)


def _filter_name(label: str) -> str:
    if label in COMMON_FILTERS:
        return COMMON_FILTERS[label]
    words = re.findall(r"[A-Za-z0-9]+", re.sub(r"\(.*?\)", "", label))
    return (words[0].lower() + "".join(w.capitalize() for w in words[1:])) if words else label


class UsgsM2MProvider(Provider):
    """USGS M2M (kind ``usgs``). Options: ``page_size`` (results per ``scene-search``),
    ``retrieve_interval`` / ``retrieve_interval_max`` (seconds between ``download-retrieve``
    polls), ``rate_limit_pause`` (seconds before the one retry after ``RATE_LIMIT``)."""

    kind = "usgs"

    def __init__(self, connection: Connection, credentials: Any = None):
        super().__init__(connection)
        if not connection.url:
            connection.url = DEFAULT_URL
        self.credentials = credentials
        self.manager = self._token_manager(credentials)
        self.client = M2MClient(connection, self.manager)
        self._filters: Dict[str, List[dict]] = {}
        self._batch: Optional[UsgsDownloadBatch] = None
        self._batch_lock = threading.Lock()
        self._download_limit: Dict[str, Any] = {}   # the last RATE_LIMIT_USER_DL, for every batch
        self._used = False

    @staticmethod
    def _token_manager(credentials: Any) -> TokenManager:
        if isinstance(credentials, TokenManager):
            return credentials
        if isinstance(credentials, Mapping) and credentials.get("token_manager") is not None:
            return credentials["token_manager"]
        return TokenManager()   # stored or EOSF_USGS_USERNAME / EOSF_USGS_TOKEN credentials

    def call(self, endpoint: str, payload: Mapping[str, Any]) -> Any:
        self._used = True
        return self.client.call(endpoint, payload)

    # ------------------------------------------------------------------ catalogue
    def list_collections(self) -> List[CollectionInfo]:
        """The six Landsat Collection 2 datasets, titled as ``dataset-search`` names them
        (the built-in titles when no USGS account is set up yet)."""
        found: Dict[str, dict] = {}
        try:
            data = self.call("dataset-search", {"datasetName": "landsat"}) or []
            found = {str(d.get("datasetAlias")): d for d in data if isinstance(d, dict)}
        except LoginRequiredError as err:
            LOG.info("USGS dataset titles not asked: %s", err.user_message)
        out = []
        for alias, title, start in DATASETS:
            record = found.get(alias) or {}
            out.append(CollectionInfo(
                id=alias, title=str(record.get("collectionName") or title),
                description=str(record.get("abstractText") or ""), temporal_extent=(start, None),
                spatial_extent=(-180.0, -90.0, 180.0, 90.0), license="US public domain (USGS)",
                keywords=("landsat", "usgs", "collection 2"), record=dict(record)))
        return out

    def dataset_filters(self, dataset: str) -> List[dict]:
        if dataset not in self._filters:
            data = self.call("dataset-filters", {"datasetName": dataset}) or []
            self._filters[dataset] = [f for f in data if isinstance(f, dict) and f.get("id")]
        return self._filters[dataset]

    def queryables(self, collections: List[str]) -> Dict[str, Dict[str, Any]]:
        """Metadata filters from ``dataset-filters``: name → JSON schema with the M2M filter id
        (``x-m2m-filter-id``) and, for lists, the values as ``enum``; day/night, WRS path/row and
        collection category are the panel's attributes (``x-common``)."""
        out: Dict[str, Dict[str, Any]] = {}
        for dataset in collections or [DEFAULT_DATASET]:
            for field in self.dataset_filters(dataset):
                label = str(field.get("fieldLabel") or field["id"])
                name = _filter_name(label)
                config = field.get("fieldConfig") or {}
                kind = str(config.get("type") or "Text")
                schema: Dict[str, Any] = {"title": label, "x-m2m-filter-id": str(field["id"]),
                                          "x-m2m-type": kind, "x-common": label in COMMON_FILTERS,
                                          "type": "number" if kind == "Range" else "string"}
                values = [v for v in (field.get("valueList") or {}) if v != ""]
                if values:
                    schema["enum"] = values
                out.setdefault(name, schema)
        return out

    # ------------------------------------------------------------------ search
    def scene_filter(self, request: SearchRequest, dataset: str) -> Dict[str, Any]:
        sf: Dict[str, Any] = {}
        if request.start or request.end:
            start = request.start.date() if request.start else _dt.date(1972, 1, 1)
            end = request.end.date() if request.end else _dt.datetime.now(_dt.timezone.utc).date()
            sf["acquisitionFilter"] = {"start": start.isoformat(), "end": end.isoformat()}
        if request.aoi is not None:
            sf["spatialFilter"] = spatial_filter(request.aoi)
        if request.max_cloud is not None:
            # whole percents, as clients send them; the exact bound is checked locally
            sf["cloudCoverFilter"] = {"min": 0, "max": int(math.ceil(request.max_cloud)), "includeUnknown": False}
        metadata = self.metadata_filter(dict(request.provider_filters), dataset, request.ids)
        if metadata:
            sf["metadataFilter"] = metadata
        return sf

    def metadata_filter(self, wanted: Dict[str, Any], dataset: str, ids: Iterable[str] = ()) -> Optional[dict]:
        """``metadataFilter`` for ``wanted`` (filter name → value) and product ids (``ids``)."""
        wanted = {k: v for k, v in wanted.items() if v not in (None, "")}
        ids = [i for i in ids if i]
        if not wanted and not ids:
            return None
        fields = {_filter_name(str(f.get("fieldLabel") or f["id"])): f for f in self.dataset_filters(dataset)}
        children = []
        product_id = fields.get(_filter_name(PRODUCT_ID_LABEL))
        if ids and product_id is not None:
            by_id = [{"filterType": "value", "filterId": product_id["id"], "value": i, "operand": "="} for i in ids]
            children.append(by_id[0] if len(by_id) == 1 else {"filterType": "or", "childFilters": by_id})
        for name, value in sorted(wanted.items()):
            field = fields.get(name)
            if field is None:
                raise errors.InvalidRequestError(
                    f"{dataset} has no filter “{name}”; its filters are: {', '.join(sorted(fields))}.")
            kind = str((field.get("fieldConfig") or {}).get("type") or "Text")
            if kind == "Range":
                try:
                    number: Any = float(str(value).strip())
                except ValueError as err:
                    raise errors.InvalidRequestError(f"{name} must be a number, not “{value}”.") from err
                number = int(number) if number.is_integer() else number
                children.append({"filterType": "between", "filterId": field["id"],
                                 "firstValue": number, "secondValue": number})
            else:
                children.append({"filterType": "value", "filterId": field["id"], "value": str(value).strip(),
                                 "operand": "="})
        if not children:
            return None
        return children[0] if len(children) == 1 else {"filterType": "and", "childFilters": children}

    def search(self, request: SearchRequest) -> SearchResults:
        datasets = list(request.collections) or [DEFAULT_DATASET]
        page_size = max(1, min(10000, int(self.connection.option("page_size", 100))))
        sortby = request.sortby
        by_date = bool(sortby) and sortby[0].field in ("datetime", "start_datetime")
        # M2M sorts one dataset by acquisition date (sortDirection); any other order, or several
        # datasets, needs every result first
        sort_locally = bool(sortby) and (not by_date or len(sortby) > 1 or len(datasets) > 1)
        direction = {"sortDirection": "DESC" if sortby[0].descending else "ASC"} if by_date else {}

        def sorted_pages() -> Iterator[Page]:
            from ...filtering import sort_scenes

            everything = [scene for page in pages() for scene in page.scenes]
            yield Page(sort_scenes(everything, sortby), more=False)

        def pages() -> Iterator[Page]:
            number = 0
            seen = set()
            for i, dataset in enumerate(datasets):
                last_dataset = i == len(datasets) - 1
                scene_filter = self.scene_filter(request, dataset)
                start = 1
                while True:
                    payload = {"datasetName": dataset, "maxResults": page_size, "startingNumber": start,
                               "metadataType": "summary", "sceneFilter": scene_filter, **direction}
                    data = self.call("scene-search", payload) or {}
                    results = [r for r in data.get("results") or () if isinstance(r, dict)]
                    returned = int(data.get("recordsReturned") or len(results))
                    total = data.get("totalHits")
                    scenes = []
                    for r in results:
                        try:
                            scene = record_to_scene(r, dataset, self.connection.name)
                        except errors.MalformedResponseError as err:  # one bad record, not the page
                            self.warnings.append(SearchWarning(err.user_message, href=self.connection.url))
                            continue
                        if scene.id in seen or not scene_matches(scene, request):
                            continue
                        seen.add(scene.id)
                        scenes.append(scene)
                    # when done, nextRecord is the last record's number (recorded 6 of 6): stop
                    # when startingNumber + recordsReturned passes totalHits
                    more_here = returned > 0 and (total is None or start + returned <= int(total))
                    number += 1
                    matched = int(total) if total is not None and len(datasets) == 1 and request.aoi is None else None
                    yield Page(scenes, more=more_here or not last_dataset, matched=matched, number=number)
                    if not more_here:
                        break
                    start += returned

        return SearchResults(sorted_pages if sort_locally else pages, limit=request.limit)

    def gdal_path(self, href: str) -> str:
        if href.startswith(HREF_SCHEME):
            raise errors.InvalidRequestError(
                "USGS files cannot be streamed: USGS hands them out only through a download request. "
                "Download them, then open the downloaded files.")
        return super().gdal_path(href)

    def scene_from_record(self, record: Dict[str, Any]) -> Scene:
        return record_to_scene(record, str(record.get("datasetName") or DEFAULT_DATASET), self.connection.name)

    # ------------------------------------------------------------------ downloads
    def default_download_assets(self, scene: Scene) -> Optional[List[str]]:
        return [BUNDLE]

    def download_jobs_for(self, scene: Scene, asset_keys: Optional[Iterable[str]], output_folder: str, *,
                          unpack: bool = False) -> list:
        """Jobs for the download engine; the jobs made until the first one starts are requested
        from M2M together (:class:`.downloads.UsgsDownloadBatch`)."""
        keys = list(asset_keys) if asset_keys is not None else [BUNDLE]
        with self._batch_lock:
            if self._batch is None or self._batch.started:
                self._batch = UsgsDownloadBatch(
                    self.client,
                    interval=float(self.connection.option("retrieve_interval", RETRIEVE_INTERVAL)),
                    interval_max=float(self.connection.option("retrieve_interval_max", RETRIEVE_INTERVAL_MAX)),
                    limit=self._download_limit)
            self._used = True
            return make_jobs(self._batch, scene, keys, output_folder, unpack=unpack)

    def download_jobs(self, scenes: Iterable[Scene], output_folder: str, *, unpack: bool = False,
                      assets: Optional[Iterable[str]] = None) -> list:
        jobs = []
        for scene in scenes:
            jobs.extend(self.download_jobs_for(scene, assets, output_folder, unpack=unpack))
        return jobs

    def close(self) -> None:
        """Log out (``logout``), as USGS asks clients to do when done."""
        if self._used:
            self._used = False
            try:
                self.client.logout()
            except errors.EoSceneFinderError as err:
                LOG.info("USGS logout for %s: %s", self.connection.name, err.user_message)
        self.client.close()


def spatial_filter(aoi) -> Dict[str, Any]:
    """The AOI as an M2M spatial filter: one polygon in the Coordinate form (outer ring; its
    convex hull past ``MAX_POLYGON_POINTS`` points), else the bounding box (``mbr``)."""
    geom = aoi
    if geom.geom_type == "Polygon":
        ring = list(geom.exterior.coords)
        if len(ring) > MAX_POLYGON_POINTS:
            ring = list(geom.convex_hull.exterior.coords)
        if len(ring) <= MAX_POLYGON_POINTS:
            return {"filterType": "geoJson", "geoJson": {
                "type": "Polygon",
                "coordinates": [{"longitude": round(x, 7), "latitude": round(y, 7)} for x, y in ring[:]]}}
    west, south, east, north = geom.bounds
    return {"filterType": "mbr", "lowerLeft": {"latitude": south, "longitude": west},
            "upperRight": {"latitude": north, "longitude": east}}
