"""NASA CMR granule search (kind ``cmr``), Earthdata downloads and streaming.

Search: ``granules.umm_json`` with ``short_name``+``version`` or ``collection_concept_id``,
``bounding_box`` or one counter-clockwise ``polygon`` per AOI part (``options[spatial][or]``),
``temporal``, ``cloud_cover``, ``page_size`` ≤ 2000, paged with the ``CMR-Search-After``
header (the same parameters each call), ``CMR-Hits`` as the match count, 429 +
``retry-after`` honoured, partial answers (``CMR-Time-Out``/``CMR-Timed-Out``) reported in
``warnings``. A long query goes as a POST form (CMR: GET URLs under about 6000 characters).

Downloads go through the shared engine: the bearer token goes to the DAAC host only; its
303 to a presigned S3 URL gets no ``Authorization`` (S3 refuses two auth mechanisms). A
redirect to URS (no token), an expired token (401 JSON) and an unapproved EULA (an HTML page
with HTTP 200) are reported in words (:meth:`CmrProvider.check_download_response`), never
saved as data. Streaming: the DAAC's redirect is resolved with the token, and GDAL opens the
presigned URL (:meth:`CmrProvider.gdal_path`): the token never reaches GDAL or a layer source.
"""
from __future__ import annotations

import logging
import threading
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple
from urllib.parse import urlencode, urljoin, urlsplit

import requests

from ... import errors
from ...base import Connection, Provider, SearchResults, SearchWarning
from ...cancellation import pause
from ...model import CollectionInfo, Page, Scene, SearchRequest
from ...net import http as eohttp
from ...net.redact import redact_text, redact_url
from .granules import collection_entry_to_info, collection_params, is_rectangle, polygon_values, temporal_value, umm_granule_to_scene
from .login import DEFAULT_URS, eula_message, expired_message, missing_login_message

LOG = logging.getLogger(__name__)

CMR_URL = "https://cmr.earthdata.nasa.gov/search/"
CLIENT_ID = "eo-scene-finder"
MAX_PAGE_SIZE = 2000          # CMR: "page_size must be a number between 0 and 2000"
MAX_GET_URL = 5000            # CMR advises GET URLs under about 6000 characters
MAX_429 = 10
WHAT = "NASA CMR"
# the hosts of NASA's data distribution (DAACs) the token may go to, for the real CMR
NASA_TOKEN_HOSTS = "*.earthdatacloud.nasa.gov *.earthdata.nasa.gov *.eosdis.nasa.gov *.nasa.gov *.usgs.gov " \
                   "*.nsidc.org *.asf.alaska.edu"

# (id, title, description): the collection box's curated list (LP DAAC, CMR-STAC names)
COLLECTIONS: Tuple[Tuple[str, str, str], ...] = (
    ("HLSL30_2.0", "HLS Landsat 8/9 Operational Land Imager Surface Reflectance 30 m (HLSL30 v2.0)",
     "Harmonized Landsat Sentinel-2: Landsat 8/9 OLI surface reflectance and TOA brightness, 30 m, "
     "on the Sentinel-2 MGRS tiles, as Cloud Optimized GeoTIFFs."),
    ("HLSS30_2.0", "HLS Sentinel-2 MultiSpectral Instrument Surface Reflectance 30 m (HLSS30 v2.0)",
     "Harmonized Landsat Sentinel-2: Sentinel-2 MSI surface reflectance, 30 m, MGRS tiles, COGs."),
    ("MOD09GA_061", "MODIS/Terra Surface Reflectance Daily L2G 1 km and 500 m (MOD09GA v061)",
     "Daily surface reflectance, bands 1-7, sinusoidal tiles, HDF-EOS."),
    ("MYD09GA_061", "MODIS/Aqua Surface Reflectance Daily L2G 1 km and 500 m (MYD09GA v061)",
     "Daily surface reflectance from Aqua, sinusoidal tiles, HDF-EOS."),
    ("MOD09GQ_061", "MODIS/Terra Surface Reflectance Daily L2G 250 m (MOD09GQ v061)", "Bands 1-2 at 250 m."),
    ("MOD09A1_061", "MODIS/Terra Surface Reflectance 8-Day L3 500 m (MOD09A1 v061)", "8-day composite."),
    ("MOD13Q1_061", "MODIS/Terra Vegetation Indices 16-Day L3 250 m (MOD13Q1 v061)", "NDVI and EVI."),
    ("MYD13Q1_061", "MODIS/Aqua Vegetation Indices 16-Day L3 250 m (MYD13Q1 v061)", "NDVI and EVI."),
    ("MOD11A1_061", "MODIS/Terra Land Surface Temperature Daily L3 1 km (MOD11A1 v061)", "Day and night LST."),
    ("MCD43A4_061", "MODIS/Terra+Aqua Nadir BRDF-Adjusted Reflectance Daily L3 500 m (MCD43A4 v061)",
     "NBAR, bands 1-7."),
    ("MCD12Q1_061", "MODIS/Terra+Aqua Land Cover Type Yearly L3 500 m (MCD12Q1 v061)", "Yearly land cover."),
)


class CmrProvider(Provider):
    """NASA's Common Metadata Repository (kind ``cmr``).

    Options: ``urs_url`` (Earthdata Login), ``page_size`` (≤ 2000), ``token_hosts`` (hosts or
    ``*.domain`` the Earthdata token may go to: NASA's data hosts for the real CMR, the CMR
    host alone for a mirror or a loopback server).
    """

    kind = "cmr"

    def __init__(self, connection: Connection, credentials: Any = None, *,
                 sleep=pause):
        super().__init__(connection)
        if not connection.url:
            connection.url = CMR_URL
        self.search_url = connection.url if connection.url.endswith("/") else connection.url + "/"
        self.urs_url = str(connection.option("urs_url", DEFAULT_URS)).rstrip("/")
        self.credentials = credentials
        self._sleep = sleep
        self._local = threading.local()
        self._auth = None
        self._auth_lock = threading.Lock()

    # ------------------------------------------------------------------ HTTP
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = eohttp.new_session()
            session.headers.update({"Accept": "application/json", "Client-Id": CLIENT_ID})
            self._local.session = session
        return session

    def _call(self, path: str, params: List[Tuple[str, str]],
              headers: Optional[Dict[str, str]] = None) -> requests.Response:
        """GET (or POST when long) ``path`` under the search URL; 429 waits ``retry-after``,
        5xx is retried twice; a refusal is reported with CMR's own words."""
        url = self.search_url + path
        query = urlencode(params)
        attempts_429 = failures = 0
        while True:
            try:
                if len(url) + 1 + len(query) > MAX_GET_URL:
                    response = self.session().post(
                        url, data=query, timeout=eohttp.default_timeout(),
                        headers=dict(headers or {}, **{"Content-Type": "application/x-www-form-urlencoded"}))
                else:
                    response = self.session().get(url + ("?" + query if query else ""), headers=headers or {},
                                                  timeout=eohttp.default_timeout())
            except requests.exceptions.RequestException as err:
                failures += 1
                if failures > 2:
                    raise eohttp.map_transport_error(err, url, WHAT) from err
                self._sleep(1.0 * failures)
                continue
            status = response.status_code
            if status == 429:
                attempts_429 += 1
                if attempts_429 > MAX_429:
                    eohttp.raise_for_status(response, WHAT)
                delay = eohttp.parse_retry_after(response.headers.get("retry-after"))
                LOG.info("NASA CMR asks to slow down (HTTP 429); waiting %.0f s", delay or 2.0 * attempts_429)
                self._sleep(min(60.0, delay if delay is not None else 2.0 * attempts_429))
                continue
            if status >= 500 and failures < 2:
                failures += 1
                self._sleep(1.0 * failures)
                continue
            if 400 <= status < 500 and status not in (401, 403, 404):
                message = cmr_errors(response) or f"HTTP {status}"
                raise errors.BadRequestError(f"{WHAT} rejected the search: {message}", server_message=message,
                                             url=redact_url(response.url), status=status)
            eohttp.raise_for_status(response, WHAT)
            return response

    # ------------------------------------------------------------------ collections
    def list_collections(self) -> List[CollectionInfo]:
        """The curated collections (HLS and the common MODIS products); Enter in the collection
        box searches CMR for any other (:meth:`search_collections`)."""
        return [CollectionInfo(id=cid, title=title, description=desc, keywords=("nasa", "lp daac"))
                for cid, title, desc in COLLECTIONS]

    def search_collections(self, text: str) -> List[CollectionInfo]:
        """CMR collections matching ``text`` (``collections.json?keyword=``), with granules."""
        needle = (text or "").strip()
        if not needle:
            return self.list_collections()
        response = self._call("collections.json", [("keyword", needle), ("has_granules", "true"),
                                                   ("page_size", "100")])
        data = eohttp.response_json(response, WHAT)
        entries = ((data or {}).get("feed") or {}).get("entry") or [] if isinstance(data, dict) else []
        return [collection_entry_to_info(e) for e in entries if isinstance(e, dict)]

    # ------------------------------------------------------------------ search
    def granule_params(self, request: SearchRequest, collection: Optional[str]) -> List[Tuple[str, str]]:
        """The query parameters of one collection's granule search (no paging)."""
        params: List[Tuple[str, str]] = list(collection_params(collection)) if collection else []
        aoi = request.aoi
        if aoi is not None:
            if is_rectangle(aoi):
                w, s, e, n = aoi.bounds
                params.append(("bounding_box", ",".join(f"{v:.7f}".rstrip("0").rstrip(".") for v in (w, s, e, n))))
            else:
                polygons = polygon_values(aoi)
                if len(polygons) == 1:
                    params.append(("polygon", polygons[0]))
                else:
                    params.extend(("polygon[]", p) for p in polygons)
                    params.append(("options[spatial][or]", "true"))
        temporal = temporal_value(request.start, request.end)
        if temporal:
            params.append(("temporal", temporal))
        if request.max_cloud is not None:
            params.append(("cloud_cover", f"0,{request.max_cloud:g}"))
        for name in request.ids:
            params.append(("readable_granule_name[]", name))
        for field in request.sortby:
            key = {"datetime": "start_date", "start_datetime": "start_date", "eo:cloud_cover": "cloud_cover",
                   "cloud_cover": "cloud_cover"}.get(field.field)
            if key:
                params.append(("sort_key[]", ("-" if field.descending else "") + key))
        return params

    def page_size(self, request: SearchRequest) -> int:
        size = int(self.connection.option("page_size", MAX_PAGE_SIZE) or MAX_PAGE_SIZE)
        if request.limit:
            size = min(size, request.limit)
        return max(1, min(MAX_PAGE_SIZE, size))

    def search(self, request: SearchRequest) -> SearchResults:
        if request.cql2:
            from ... import filtering
            filtering.parse_cql2_cached(request.cql2)  # a syntax error now, not mid-search
        self.warnings = []
        return SearchResults(lambda: self._pages(request), limit=request.limit)

    def _pages(self, request: SearchRequest) -> Iterator[Page]:
        from ... import filtering

        collections: List[Optional[str]] = list(request.collections) or [None]
        page_size = self.page_size(request)
        number = 0
        matched_total = 0
        for index, collection in enumerate(collections):
            params = self.granule_params(request, collection) + [("page_size", str(page_size))]
            search_after: Optional[str] = None
            seen = 0
            while True:
                headers = {"CMR-Search-After": search_after} if search_after else None
                try:
                    response = self._call("granules.umm_json", params, headers)
                except errors.BadRequestError as err:
                    if collection is None and "paging depth" in (err.server_message or ""):
                        raise errors.InvalidRequestError(
                            f"NASA CMR lists at most {seen} granules when no collection is named: choose a "
                            "collection (or narrow the area and dates) to see them all.") from err
                    raise
                data = eohttp.response_json(response, WHAT)
                items = (data or {}).get("items") or [] if isinstance(data, dict) else []
                hits = _int(response.headers.get("CMR-Hits"), (data or {}).get("hits") if isinstance(data, dict) else None)
                if seen == 0 and hits is not None:
                    matched_total += hits
                partial = _truthy(response.headers.get("CMR-Time-Out")) or _truthy(response.headers.get("CMR-Timed-Out"))
                if partial and not self.warnings:
                    self.warnings.append(SearchWarning(
                        "NASA CMR ran out of time and sent part of the results: the list may be incomplete. "
                        "Narrow the search (a shorter period, a smaller area) to get them all.",
                        href=redact_url(response.url)))
                scenes = []
                for granule in items:
                    if not isinstance(granule, dict):
                        continue
                    try:
                        scenes.append(umm_granule_to_scene(granule, self.connection.name, self.search_url))
                    except errors.MalformedResponseError as err:  # one bad record, not the page
                        self.warnings.append(SearchWarning(err.user_message, href=redact_url(response.url)))
                if request.cql2:
                    scenes = [s for s in scenes if filtering.cql2_ok(s, request.cql2)]
                seen += len(items)
                search_after = response.headers.get("CMR-Search-After")
                more_here = bool(items) and bool(search_after) and (hits is None or seen < hits)
                number += 1
                more = more_here or index + 1 < len(collections)
                yield Page(scenes=scenes, more=more, matched=matched_total if len(collections) == 1 or not more
                           else None, number=number)
                if not more_here:
                    break

    def scene_from_record(self, record: Dict[str, Any]) -> Scene:
        return umm_granule_to_scene(record, self.connection.name, self.search_url)

    # ------------------------------------------------------------------ credentials
    def _auth_source(self):
        """The token manager's Earthdata session of this connection (or one reading the
        stored / ``EOSF_EARTHDATA_*`` credentials)."""
        from ...auth.tokens import TokenManager

        with self._auth_lock:
            if self._auth is None:
                creds = self.credentials
                manager = None
                if isinstance(creds, Mapping):
                    manager = creds.get("token_manager")
                elif isinstance(creds, TokenManager):
                    manager = creds
                self._auth = (manager or TokenManager()).session_for(self.connection)
            return self._auth

    def token_hosts(self) -> Tuple[str, ...]:
        from ...download.jobs import split_hosts

        explicit = split_hosts(self.connection.option("token_hosts", ""))
        if explicit:
            return explicit
        if self.search_url.rstrip("/") == CMR_URL.rstrip("/"):
            return split_hosts(NASA_TOKEN_HOSTS)
        return ((urlsplit(self.search_url).hostname or "").lower(),)  # a mirror: its own host only

    def _token_goes_to(self, url: str) -> bool:
        from ...download.jobs import host_matches

        parts = urlsplit(url or "")
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            return False
        if parts.scheme == "http" and self.search_url.startswith("https://"):
            return False  # never a token in clear text next to an HTTPS catalogue
        return any(host_matches(host, pattern) for pattern in self.token_hosts())

    def request_headers(self, url: str) -> Dict[str, str]:
        if not self._token_goes_to(url):
            return {}
        return self._auth_source().headers()

    def refresh_credentials(self) -> bool:
        session = self._auth_source()
        before = session.headers()
        return bool(session.refresh(before))

    def gdal_path(self, href: str) -> str:
        """The GDAL path to stream ``href``. A file on a DAAC host is asked for once here, with
        the token and without following the redirect; GDAL opens the presigned S3 URL the DAAC
        answers with. So the token never reaches GDAL (GDAL 3.6 reads no per-host header
        option, and reuses a redirect's target with the headers it was given, which S3
        refuses), nor a layer source: the signature is removed when a project is saved and the
        layer is resolved again when the project is reopened."""
        if not self._token_goes_to(href):
            return super().gdal_path(href)
        session = self._auth_source()
        headers = session.headers()
        for attempt in range(2):
            try:
                response = self.session().get(href, headers=dict(headers, Range="bytes=0-0"), allow_redirects=False,
                                              stream=True, timeout=eohttp.default_timeout())
            except requests.exceptions.RequestException as err:
                raise eohttp.map_transport_error(err, href, "The NASA data server") from err
            try:
                location = response.headers.get("Location")
                if response.status_code in (301, 302, 303, 307, 308) and location:
                    target = urljoin(href, location)
                    if not self._at_urs(target):
                        return "/vsicurl/" + target
                    self._check_answer("this collection", target, response, at_urs=True)
                if response.status_code == 401 and attempt == 0 and getattr(session, "can_renew", False):
                    headers = session.refresh(headers)
                    continue
                self._check_answer("this collection", href, response)
                eohttp.raise_for_status(response, "The NASA data server")
                return "/vsicurl/" + href   # served without a redirect: a public file
            finally:
                response.close()
        raise errors.AuthenticationError(expired_message(self.connection.name, self.urs_url), url=redact_url(href))

    # ------------------------------------------------------------------ downloads
    def check_download_response(self, scene: Scene, url: str, response: requests.Response) -> None:
        """Stop a download whose answer is not the file (see :meth:`_check_answer`)."""
        self._check_answer(scene.collection or "this collection", url, response, at_urs=self._at_urs(url))

    def _at_urs(self, url: str) -> bool:
        parts, urs = urlsplit(url), urlsplit(self.urs_url)
        return (parts.hostname, parts.port) == (urs.hostname, urs.port) and parts.path.startswith("/oauth/")

    def _check_answer(self, collection: str, url: str, response: requests.Response, at_urs: bool = False) -> None:
        """Raise when the answer is not the file: a redirect that ended at Earthdata Login (no
        token), a refused token that nothing can renew, a web page with HTTP 200 (the EULA or
        the application is not approved: earthaccess #36)."""
        if at_urs:
            if self._auth_source().headers().get("Authorization"):  # the DAAC did not take the token
                raise errors.AuthenticationError(expired_message(self.connection.name, self.urs_url),
                                                 url=redact_url(url), status=response.status_code)
            raise errors.AuthenticationError(missing_login_message(self.connection.name, self.urs_url),
                                             url=redact_url(url), status=response.status_code)
        if response.status_code == 401 and self._token_goes_to(url):
            if not getattr(self._auth_source(), "can_renew", False):
                said = cmr_errors(response)
                raise errors.AuthenticationError(expired_message(self.connection.name, self.urs_url),
                                                 url=redact_url(url), status=401,
                                                 server_message=redact_text(said) or None)
            return  # renewed once by the caller (the download engine), then tried again
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if response.status_code in (200, 206) and content_type in ("text/html", "application/xhtml+xml"):
            if not urlsplit(url).path.lower().endswith((".html", ".htm")):
                raise errors.AuthenticationError(eula_message(collection, self.urs_url),
                                                 url=redact_url(url), status=response.status_code)

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None


def cmr_errors(response: requests.Response) -> str:
    """CMR's ``{"errors": [...]}`` in one line, redacted."""
    try:
        body = response.json()
    except ValueError:
        return eohttp.server_message(response)
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return redact_text("; ".join(str(e) for e in body["errors"]))
    return eohttp.server_message(response)


def _int(value: Any, fallback: Any = None) -> Optional[int]:
    for candidate in (value, fallback):
        try:
            if candidate not in (None, ""):
                return int(candidate)
        except (TypeError, ValueError):
            continue
    return None


def _truthy(value: Optional[str]) -> bool:
    return str(value or "").strip().lower() in ("true", "1", "yes")


def connection_check(connection, session, headers: Dict[str, str], result) -> None:
    """One granule of HLSL30 (and the match count) from ``granules.umm_json``."""
    provider = CmrProvider(connection)
    try:
        response = provider._call("granules.umm_json", [("page_size", "1")])
        hits = response.headers.get("CMR-Hits") or "?"
    finally:
        provider.close()
    result.add(True, f"Reachable: NASA CMR answered ({hits} granules in its catalogue).")


