"""STAC API catalogs through pystac-client (kind ``stac-api``).

Every request goes through the plugin's HTTP seam (``http.new_session()``: proxy, CA bundle,
timeouts, error mapping). What a request asks is sent to the server when the server's
conformance says it can answer it, and checked client-side otherwise:

=================  ===========================================  ==============================
request            server side                                  client side (fallback)
=================  ===========================================  ==============================
AOI polygon        ``intersects`` (true footprint intersection) ``bbox`` + ``intersects_aoi``
dates              ``datetime`` (inclusive whole days, UTC)      —
collections, ids   ``collections``, ``ids``                      —
max cloud          ``query`` ``eo:cloud_cover lte`` or CQL2     ``cloud_ok``
CQL2 text          converted to cql2-json, ``filter`` (POST)     ``cql2_ok``
sort               ``sortby``                                    ``sort_scenes`` (reads all)
=================  ===========================================  ==============================

Pages follow ``next`` links (never re-fetching one), are signed once each by the
connection's signer and are yielded lazily as :class:`~.model.Page` objects.
"""
from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence
from urllib.parse import urljoin, urlsplit

import requests

from ... import errors
from ...net import http
from ...net.untrusted import MAX_PAGE_BYTES, LoopGuard
from ...net import jsonstream
from ...base import Connection, Provider, SearchResults
from ...model import CollectionInfo, Page, Scene, SearchRequest
from ...net.redact import redact_text, redact_url
from ...auth.signing import Signer, make_signer
from .items import (collection_to_info, item_to_lazy_scene, item_to_scene, scene_properties,
                    signed_hrefs_of)

log = logging.getLogger(__name__)

FIRST_PAGE_SIZE = 100  # rows on screen fast; later pages use page_size
DEFAULT_PAGE_SIZE = 1000
FALLBACK_PAGE_SIZE = 100
MAX_PAGE_SIZE = 10000  # pystac-client's bound

_BODY_METHODS = ("POST", "PUT", "PATCH")

# STAC API conformance URIs, any 1.x version (pgstac advertises the 1.1 sort class, which
# pystac-client's ``v1.0.*`` patterns do not recognise)
_STAC_URI = r"^https?://api\.stacspec\.org/v1\.[^/]+/"


def _stac_uri(uris: Sequence[str], suffix: str) -> bool:
    pattern = re.compile(_STAC_URI + re.escape(suffix) + r"/?$")
    return any(pattern.match(u or "") for u in uris)


def _ogc_uri(uris: Sequence[str], fragment: str) -> bool:
    return any("opengis.net/spec/" in (u or "") and (u or "").rstrip("/").endswith(fragment) for u in uris)


@dataclass(frozen=True)
class Conformance:
    """What a STAC API says it can do (from its ``conformsTo`` list)."""

    uris: tuple = ()

    @property
    def item_search(self) -> bool:
        return _stac_uri(self.uris, "item-search")

    @property
    def collections(self) -> bool:
        return _stac_uri(self.uris, "collections") or _stac_uri(self.uris, "ogcapi-features")

    @property
    def query(self) -> bool:
        return _stac_uri(self.uris, "item-search#query")

    @property
    def filter(self) -> bool:
        return _stac_uri(self.uris, "item-search#filter") or (
            self.item_search and _ogc_uri(self.uris, "/conf/filter") and _ogc_uri(self.uris, "/conf/cql2-json"))

    @property
    def sort(self) -> bool:
        return _stac_uri(self.uris, "item-search#sort")

    @property
    def collection_search(self) -> bool:
        return _stac_uri(self.uris, "collection-search")

    @property
    def free_text(self) -> bool:
        return _stac_uri(self.uris, "collection-search#free-text")

    def summary(self) -> Dict[str, bool]:
        return {name: getattr(self, name) for name in (
            "item_search", "collections", "query", "filter", "sort", "collection_search", "free_text")}


# ------------------------------------------------------------------------------ transport
def _pystac_client():
    try:
        from pystac_client import Client
        from pystac_client.exceptions import APIError
        from pystac_client.stac_api_io import StacApiIO
    except ImportError as err:  # pragma: no cover - depends on the installation
        raise errors.MissingDependencyError(
            "EO Scene Finder needs the Python package “pystac-client” to search STAC APIs.") from err
    return Client, APIError, StacApiIO


def _plugin_api_error(plugin_error: errors.EoSceneFinderError):
    """A pystac-client ``APIError`` carrying our error (pystac-client code checks
    ``status_code``, e.g. 404 -> None in ``get_collection``)."""
    _Client, APIError, _IO = _pystac_client()
    api = APIError(plugin_error.user_message)
    api.status_code = getattr(plugin_error, "status", None)
    api.plugin_error = plugin_error
    return api


def _make_stac_io(session: requests.Session, what: str):
    _Client, _APIError, StacApiIO = _pystac_client()

    class PluginStacIO(StacApiIO):
        """pystac-client I/O over the plugin's session and error mapping."""

        def __init__(self) -> None:
            super().__init__(max_retries=None)
            self.session = session
            self.what = what
            # read_json asks request (through pystac-client's read_text, which resolves
            # links, methods and bodies) for the body in pieces instead of as text
            self._pieces = threading.local()

        def request(self, href: str, method: Optional[str] = None, headers: Optional[Dict[str, str]] = None,
                    parameters: Optional[Dict[str, Any]] = None) -> str:
            method = (method or "GET").upper()
            if method in _BODY_METHODS:
                req = requests.Request(method, href, headers=headers, json=parameters)
            else:
                req = requests.Request(method, href, headers=headers, params=dict(parameters or {}))
            if self._req_modifier:
                req = self._req_modifier(req) or req
            if log.isEnabledFor(logging.DEBUG):
                body = f" {redact_text(json.dumps(req.json))[:2000]}" if req.json is not None else ""
                log.debug("%s %s%s", req.method, redact_url(req.url), body)
            try:
                # every STAC API request is a read (a search sent as POST too): retried, its
                # size capped and its body checked whole
                wanted = getattr(self._pieces, "wanted", False)
                self._pieces.wanted = False
                response = http.request_retrying(self.session, req.method, req.url, what=self.what,
                                                 headers=req.headers or None, params=req.params or None,
                                                 json=req.json, data=req.data or None, max_bytes=MAX_PAGE_BYTES,
                                                 keep_chunks=wanted)
                chunks = getattr(response, "body_chunks", None)
                if chunks is not None:
                    self._pieces.got = (chunks, response.url)
                    return ""
                body = response.content
            except errors.EoSceneFinderError as err:
                raise _plugin_api_error(err) from err
            try:
                return jsonstream.decode_utf8(body)
            except UnicodeDecodeError as err:
                raise _plugin_api_error(errors.MalformedResponseError(
                    f"{self.what} answered with text that is not UTF-8.", url=redact_url(response.url))) from err

        def read_json(self, source: Any, *args: Any, **kwargs: Any) -> Dict[str, Any]:
            self._pieces.wanted, self._pieces.got = True, None
            try:
                text = self.read_text(source, *args, **kwargs)
            finally:
                self._pieces.wanted = False
            got, self._pieces.got = self._pieces.got, None
            try:
                if got is not None:  # a body read in pieces: parsed without ever being one text
                    with jsonstream.worker_slot():
                        data = jsonstream.loads_pieces(got[0], raw_arrays=("features",))
                else:
                    # search pages keep each item's text: scenes hold it instead of the decoded item
                    data = jsonstream.loads(text, raw_arrays=("features",) if '"features"' in text else ())
            except UnicodeDecodeError as err:  # pieces only: a whole text was decoded in request
                raise _plugin_api_error(errors.MalformedResponseError(
                    f"{self.what} answered with text that is not UTF-8.", url=redact_url(got[1]))) from err
            except ValueError as err:
                if got is not None:
                    text = bytes(got[0][0][:1200]).decode("utf-8", "replace") if got[0] else ""
                raise _plugin_api_error(errors.MalformedResponseError(
                    f"{self.what} answered with something that is not JSON.", url=self._href(source),
                    details=redact_text(text[:300]))) from err
            if not isinstance(data, dict):
                raise _plugin_api_error(errors.MalformedResponseError(
                    f"{self.what} answered with JSON that is not a STAC document.", url=self._href(source)))
            return data

        @staticmethod
        def _href(source: Any) -> str:
            return redact_url(str(getattr(source, "href", source)))

    return PluginStacIO()


def map_error(err: BaseException, what: str, url: str = "") -> errors.EoSceneFinderError:
    """Any exception raised while talking to a STAC API as one of the plugin's errors."""
    if isinstance(err, errors.EoSceneFinderError):
        return err
    plugin_error = getattr(err, "plugin_error", None)
    if isinstance(plugin_error, errors.EoSceneFinderError):
        return plugin_error
    if isinstance(err, requests.exceptions.RequestException):
        return http.map_transport_error(err, url, what)
    status = getattr(err, "status_code", None)
    text = redact_text(str(err))[:500]
    safe = redact_url(url)
    if status:
        if status in (401, 403):
            return errors.AuthenticationError(f"{what} refused access (HTTP {status}).", url=safe, status=status,
                                              details=text)
        if status == 404:
            return errors.NotFoundError(f"{what} says this does not exist (HTTP 404).", url=safe, status=status)
        if status == 429:
            return errors.RateLimitedError(f"{what} is rate-limiting requests (HTTP 429).", url=safe, status=status)
        if 400 <= status < 500:
            return errors.BadRequestError(f"{what} rejected the request: {text}", server_message=text, url=safe,
                                          status=status)
        return errors.ServerError(f"{what} had an internal error (HTTP {status}).", url=safe, status=status,
                                  details=text)
    return errors.MalformedResponseError(
        f"{what} answered with something that is not a STAC API document.", url=safe, details=text)


# ------------------------------------------------------------------------------ planning
@dataclass
class _Plan:
    """What a search sends, and what is left to check client-side."""

    method: str
    params: Dict[str, Any]
    check_aoi: bool = False
    check_cloud: bool = False
    check_cql2: bool = False
    sort_locally: bool = False
    notes: List[str] = field(default_factory=list)
    page_size: int = 0  # from the second page on (the first is smaller)

    @property
    def filters_locally(self) -> bool:
        return self.check_aoi or self.check_cloud or self.check_cql2


def _sort_field(name: str) -> str:
    """The name a STAC API sorts by: core item fields as they are, properties prefixed."""
    if name in ("id", "collection", "geometry", "bbox") or name.startswith("properties."):
        return name
    return "properties." + name


class StacApiProvider(Provider):
    """A STAC API (``/search``, ``/collections``) searched with pystac-client.

    Options: ``page_size`` (default 1000: the largest page most APIs accept; a rejected size
    falls back once to 100), ``signing`` + ``signing_url`` (see :mod:`.signing`),
    ``intersects`` (``false`` forces ``bbox`` + client-side intersection), ``method``
    (``GET``/``POST`` to force one).
    """

    kind = "stac-api"

    def __init__(self, connection: Connection, credentials: Any = None, *, signer: Optional[Signer] = None,
                 session: Optional[requests.Session] = None):
        super().__init__(connection)
        self.session = session or http.new_session()
        self.signer = signer if signer is not None else make_signer(connection, credentials, session=self.session)
        self.what = f"The STAC API “{connection.name}”"
        self._client = None
        self._conformance: Optional[Conformance] = None
        self._lock = threading.Lock()
        self._page_size = self._configured_page_size()
        self._use_intersects = str(connection.option("intersects", "true")).lower() not in ("false", "0", "no")
        self._alternates: "OrderedDict[str, str]" = OrderedDict()
        self._alt_lock = threading.Lock()
        self._page_signatures: Dict[int, Dict[str, str]] = {}

    # ------------------------------------------------------------------ opening
    def _configured_page_size(self) -> int:
        value = self.connection.option("page_size", DEFAULT_PAGE_SIZE)
        try:
            size = int(value)
        except (TypeError, ValueError) as err:
            raise errors.InvalidRequestError(f"The page size “{value}” of “{self.connection.name}” is not a number.") from err
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise errors.InvalidRequestError(f"The page size must be between 1 and {MAX_PAGE_SIZE}, not {size}.")
        return size

    def _first_page_size(self) -> int:
        try:
            return max(1, int(self.connection.option("first_page_size", FIRST_PAGE_SIZE)))
        except (TypeError, ValueError):
            return FIRST_PAGE_SIZE

    @contextlib.contextmanager
    def _errors(self, url: str = ""):
        try:
            yield
        except errors.EoSceneFinderError:
            raise
        except Exception as err:  # noqa: BLE001 - every failure becomes one of our errors
            mapped = map_error(err, self.what, url or self.connection.url)
            if mapped is getattr(err, "plugin_error", None):
                raise mapped  # keeps its own cause (the transport error)
            raise mapped from err

    @property
    def client(self):
        """The pystac-client ``Client`` (opened on first use: one landing-page request)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._open()
        return self._client

    def _open(self):
        Client, _APIError, _IO = _pystac_client()
        url = self.connection.url
        if not url.startswith(("http://", "https://")):
            raise errors.InvalidRequestError(f"“{url}” is not an http(s) URL of a STAC API.")
        stac_io = _make_stac_io(self.session, self.what)
        with self._errors(url), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            client = Client.open(url, modifier=self._sign if self.signer is not None else None, stac_io=stac_io)
        # the landing page is its own root: without this pystac re-reads it to resolve links
        root_link = client.get_single_link("root")
        if root_link is None or not root_link.is_resolved():
            client.set_root(client)
        uris = client.get_conforms_to()
        if not uris:
            uris = self._conformance_endpoint(client)
            if uris:
                client.set_conforms_to(list(uris))
        conformance = Conformance(tuple(uris))
        if not conformance.item_search:
            raise errors.InvalidRequestError(
                f"“{url}” does not offer STAC item search (no item-search conformance); if it is a "
                "static catalog, add it as a static catalog instead.")
        # pystac-client only knows the v1.0.* URIs: add the classes we recognised so it
        # neither warns nor drops anything (sortby with pgstac's 1.1 sort class)
        for name, ok in (("ITEM_SEARCH", conformance.item_search), ("QUERY", conformance.query),
                         ("FILTER", conformance.filter), ("SORT", conformance.sort),
                         ("COLLECTIONS", conformance.collections),
                         ("COLLECTION_SEARCH", conformance.collection_search),
                         ("COLLECTION_SEARCH_FREE_TEXT", conformance.free_text)):
            if ok:
                client.add_conforms_to(name)
        self._conformance = conformance
        log.debug("%s conforms to %s", self.what, conformance.summary())
        return client

    def _sign(self, obj: Any) -> None:
        """The pystac-client ``modifier``: sign in place, and remember what a page's signing
        changed so its scenes (which keep the items' text as published) decode signed."""
        changed = self.signer.sign_in_place(obj)
        if changed and isinstance(obj, dict) and isinstance(obj.get("features"), list):
            with self._alt_lock:
                if len(self._page_signatures) > 16:  # pages signed but never converted
                    self._page_signatures.clear()
                self._page_signatures[id(obj)] = changed

    def _conformance_endpoint(self, client) -> List[str]:
        link = client.get_single_link("conformance")
        href = link.absolute_href if link else urljoin(self.connection.url.rstrip("/") + "/", "conformance")
        try:
            with self._errors(href):
                doc = client._stac_io.read_json(href)
        except errors.ServiceError:
            return []
        return [str(u) for u in doc.get("conformsTo") or []]

    @property
    def conformance(self) -> Conformance:
        self.client  # noqa: B018 - opens the API
        assert self._conformance is not None
        return self._conformance

    # ------------------------------------------------------------------ collections
    def _collections_href(self) -> str:
        link = self.client.get_single_link("data")
        return link.absolute_href if link else self.connection.url.rstrip("/") + "/collections"

    def _collection_pages(self, parameters: Optional[Dict[str, Any]] = None) -> Iterator[Dict[str, Any]]:
        href = self._collections_href()
        with self._errors(href):
            pages = self.client._stac_io.get_pages(href, parameters=parameters)
        while True:
            with self._errors(href):
                page = next(pages, None)
            if page is None:
                return
            if "collections" not in page:
                raise errors.MalformedResponseError(f"{self.what} answered /collections without a collection list.",
                                                    url=redact_url(href))
            yield page

    def list_collections(self) -> List[CollectionInfo]:
        params = {"limit": self._page_size} if self.conformance.collection_search else None
        out: List[CollectionInfo] = []
        seen = set()
        for page in self._collection_pages(params):
            for doc in page.get("collections") or []:
                if isinstance(doc, dict) and doc.get("id") and doc["id"] not in seen:
                    seen.add(doc["id"])
                    out.append(collection_to_info(doc))
        return out

    def search_collections(self, text: str) -> List[CollectionInfo]:
        needle = (text or "").strip()
        if not needle or not self.conformance.free_text:
            return super().search_collections(needle)
        params = {"q": needle, "limit": min(self._page_size, 1000)}
        out = []
        for page in self._collection_pages(params):
            out.extend(collection_to_info(d) for d in page.get("collections") or [] if isinstance(d, dict))
        return out

    def get_collection(self, collection_id: str) -> CollectionInfo:
        """One collection's description; NotFoundError when the API does not have it."""
        href = self._collections_href().rstrip("/") + "/" + collection_id
        try:
            with self._errors(href):
                doc = self.client._stac_io.read_json(href)
        except errors.NotFoundError as err:
            raise errors.NotFoundError(f"{self.what} has no collection “{collection_id}”.",
                                       url=err.url, status=404) from err
        return collection_to_info(doc)

    def queryables(self, collections: List[str]) -> Dict[str, Dict[str, Any]]:
        """Filterable properties (name -> JSON schema) of the collections (or the whole API)."""
        hrefs: List[str] = []
        if collections:
            base = self._collections_href().rstrip("/")
            hrefs = [f"{base}/{c}/queryables" for c in collections]
        else:
            link = self.client.get_single_link("http://www.opengis.net/def/rel/ogc/1.0/queryables")
            hrefs = [link.absolute_href if link else self.connection.url.rstrip("/") + "/queryables"]
        merged: Dict[str, Dict[str, Any]] = {}
        for href in hrefs:
            try:
                with self._errors(href):
                    doc = self.client._stac_io.read_json(href)
            except errors.NotFoundError:
                continue
            props = doc.get("properties")
            if isinstance(props, dict):
                for name, schema in props.items():
                    merged.setdefault(name, schema if isinstance(schema, dict) else {})
        return merged

    # ------------------------------------------------------------------ search
    def _search_method(self) -> str:
        forced = str(self.connection.option("method", "")).upper()
        if forced in ("GET", "POST"):
            return forced
        methods = set()
        for link in self.client.links:
            if link.rel == "search":
                methods.add(str(link.extra_fields.get("method") or "GET").upper())
        return "POST" if not methods or "POST" in methods else "GET"

    def _plan(self, request: SearchRequest) -> _Plan:
        conf = self.conformance
        page_size = self._page_size
        if request.limit:
            page_size = max(1, min(page_size, request.limit))
        # A small first page shows rows at once (servers spend time per item); later pages
        # are as large as the server accepts.
        first = min(page_size, self._first_page_size())
        plan = _Plan(method=self._search_method(), params={"limit": first})
        plan.page_size = page_size
        if request.collections:
            plan.params["collections"] = list(request.collections)
        if request.ids:
            plan.params["ids"] = list(request.ids)
        if request.datetime_interval:
            plan.params["datetime"] = request.datetime_interval
        if request.aoi is not None:
            if self._use_intersects:
                plan.params["intersects"] = request.aoi_geojson
            else:
                plan.params["bbox"] = list(request.bbox)
                plan.check_aoi = True
                plan.notes.append("AOI: bbox on the server, true intersection checked here")
        filter_args: List[Dict[str, Any]] = []
        if request.cql2:
            if conf.filter:
                from ...cql2 import parse
                filter_args.append(parse(request.cql2))
            else:
                plan.check_cql2 = True
                plan.notes.append("CQL2 filter checked here (the API has no filter extension)")
        if request.max_cloud is not None:
            cloud_expr = {"op": "<=", "args": [{"property": "eo:cloud_cover"}, request.max_cloud]}
            if conf.filter and filter_args:
                filter_args.append(cloud_expr)
            elif conf.query:
                plan.params["query"] = {"eo:cloud_cover": {"lte": request.max_cloud}}
            elif conf.filter:
                filter_args.append(cloud_expr)
            else:
                plan.check_cloud = True
                plan.notes.append("cloud cover checked here (the API has neither query nor filter)")
        if filter_args:
            plan.params["filter"] = filter_args[0] if len(filter_args) == 1 else {"op": "and", "args": filter_args}
            plan.params["filter_lang"] = "cql2-json"
        if request.sortby:
            if conf.sort:
                plan.params["sortby"] = [{"field": _sort_field(s.field), "direction": "desc" if s.descending else "asc"}
                                         for s in request.sortby]
            else:
                plan.sort_locally = True
                plan.notes.append("sorted here after reading every page (the API has no sort extension)")
        return plan

    def plan(self, request: SearchRequest) -> Dict[str, Any]:
        """What a search would send and check client-side (for the panel's “details” and tests)."""
        p = self._plan(request)
        return {"method": p.method, "params": p.params, "check_aoi": p.check_aoi, "check_cloud": p.check_cloud,
                "check_cql2": p.check_cql2, "sort_locally": p.sort_locally, "notes": list(p.notes)}

    def search(self, request: SearchRequest) -> SearchResults:
        return SearchResults(lambda: self._pages(request), limit=request.limit)

    def count(self, request: SearchRequest) -> Optional[int]:
        """The server's count of matches (an extra request, only when asked); None if unknown."""
        plan = self._plan(request)
        search_href = self._search_href()
        params = {k: v for k, v in plan.params.items() if k != "limit"}
        with self._errors(search_href):
            item_search = self.client.search(method=plan.method, limit=1, **params)
            page = self.client._stac_io.read_json(item_search.url, method=item_search.method,
                                                  parameters=item_search.get_parameters())
        matched = page.get("numberMatched")
        if matched is None and isinstance(page.get("context"), dict):
            matched = page["context"].get("matched")
        return matched if isinstance(matched, int) else None

    def _search_href(self) -> str:
        link = self.client.get_search_link()
        return link.absolute_href if link else self.connection.url.rstrip("/") + "/search"

    def _first_page(self, plan: _Plan):
        """Start the search; on a rejected page size or geometry, adapt once and retry."""
        search_href = self._search_href()
        adapted = set()
        while True:
            with self._errors(search_href):
                item_search = self.client.search(method=plan.method, **plan.params)
                pages = item_search.pages_as_dicts()
            try:
                with self._errors(search_href), jsonstream.collections_paused():
                    first = next(pages, None)
                return first, item_search
            except errors.BadRequestError as err:
                message = (err.server_message or err.user_message or "").lower()
                if "limit" in message and "limit" not in adapted and plan.params["limit"] > FALLBACK_PAGE_SIZE:
                    adapted.add("limit")
                    log.info("%s refused a page of %d; using %d", self.what, plan.params["limit"], FALLBACK_PAGE_SIZE)
                    plan.params["limit"] = FALLBACK_PAGE_SIZE
                    plan.page_size = min(plan.page_size, FALLBACK_PAGE_SIZE)
                    self._page_size = FALLBACK_PAGE_SIZE
                    continue
                if ("intersects" in plan.params and "intersects" not in adapted
                        and ("intersects" in message or "geometry" in message or "geojson" in message)):
                    adapted.add("intersects")
                    log.info("%s refused the AOI geometry; searching its bbox and checking here", self.what)
                    geom = plan.params.pop("intersects")
                    from ...model import normalize_aoi
                    plan.params["bbox"] = list(normalize_aoi(geom).bounds)
                    plan.check_aoi = True
                    self._use_intersects = False
                    continue
                raise
            except errors.ServiceError as err:
                if err.status == 405 and plan.method == "POST" and "method" not in adapted:
                    adapted.add("method")
                    plan.method = "GET"
                    continue
                raise

    def _pages(self, request: SearchRequest) -> Iterator[Page]:
        plan = self._plan(request)
        search_href = self._search_href()
        first, item_search = self._first_page(plan)
        if first is None:
            yield Page([], more=False, matched=0 if not plan.filters_locally else None, number=1)
            return
        keep = self._local_check(plan, request)

        def converted() -> Iterator[Page]:
            number = 0
            page = first
            while page is not None:
                number += 1
                grow = number == 1 and plan.page_size > plan.params["limit"]
                if grow:
                    _set_next_limit(page, plan.page_size)
                with jsonstream.collections_paused(), jsonstream.worker_slot():
                    converted_page = self._to_page(page, number, keep, plan.filters_locally)
                yield converted_page
                try:
                    with jsonstream.collections_paused():  # see collections_paused: a third of the time
                        page = self._next_page(page, item_search, search_href)
                except errors.BadRequestError as err:
                    message = (err.server_message or err.user_message or "").lower()
                    if not (grow and "limit" in message):
                        raise
                    # the server refuses the larger page: keep the first page's size
                    log.info("%s refused a page of %d; using %d", self.what, plan.page_size,
                             plan.params["limit"])
                    self._page_size = plan.page_size = plan.params["limit"]
                    _set_next_limit(page, plan.page_size)
                    with jsonstream.collections_paused():
                        page = self._next_page(page, item_search, search_href)

        if not plan.sort_locally:
            yield from converted()
            return
        from ...filtering import sort_scenes
        everything: List[Scene] = []
        for page in converted():
            everything.extend(page.scenes)
        ordered = sort_scenes(everything, request.sortby)
        size = max(plan.page_size, plan.params["limit"])
        chunks = [ordered[i:i + size] for i in range(0, len(ordered), size)] or [[]]
        for number, chunk in enumerate(chunks, start=1):
            yield Page(chunk, more=number < len(chunks), matched=len(ordered), number=number)

    def _next_page(self, page: Dict[str, Any], item_search, search_href: str) -> Optional[Dict[str, Any]]:
        """Follow the page's ``next`` link once (GET, or POST with its body), as pystac-client
        does; None at the end."""
        link = next((lk for lk in page.get("links") or [] if isinstance(lk, dict) and lk.get("rel") == "next"), None)
        if link is None:
            return None
        from pystac import Link

        guard = getattr(item_search, "_eosf_loop_guard", None)
        if guard is None:
            guard = item_search._eosf_loop_guard = LoopGuard(self.what)
        guard.check(f"{link.get('href')} {json.dumps(link.get('body'), sort_keys=True, default=str)}")
        with self._errors(search_href):
            nxt = self.client._stac_io.read_json(Link.from_dict(link), parameters=item_search.get_parameters())
            if not nxt.get("features"):
                return None
            if item_search.modifier is not None:  # sign every page, as pages_as_dicts does
                item_search.modifier(nxt)
        return nxt

    def _local_check(self, plan: _Plan, request: SearchRequest) -> Optional[Callable[[Scene], bool]]:
        if not plan.filters_locally:
            return None
        from ... import filtering
        checks: List[Callable[[Scene], bool]] = []
        if plan.check_aoi:
            checks.append(lambda s: filtering.intersects_aoi(s, request.aoi))
        if plan.check_cloud:
            checks.append(lambda s: filtering.cloud_ok(s, request.max_cloud))
        if plan.check_cql2:
            checks.append(lambda s: filtering.cql2_ok(s, request.cql2))
        return lambda scene: all(check(scene) for check in checks)

    def _to_page(self, page: Dict[str, Any], number: int, keep: Optional[Callable[[Scene], bool]],
                 filtered: bool) -> Page:
        scenes: List[Scene] = []
        features = page.get("features") or []
        # Scenes keep each item's text and decode it when read (details, streaming, downloads,
        # exports): what the table needs is read once here, no asset object is built.
        # Each scene keeps its item's own text (a page read in pieces) or points into the
        # page's text (no copy); then, when scenes are filtered out here, the kept ones copy
        # their piece instead, so the page is not held for a few of them.
        elements = features if isinstance(features, jsonstream.ElementList) else None
        copy = keep is not None
        # one look over a page's text instead of one per item (items with their own text: per item)
        any_s3 = elements is not None and (elements.raws is not None or "s3://" in elements.text)
        with self._alt_lock:
            signed = self._page_signatures.pop(id(page), None)
        original_of = {new: old for old, new in signed.items()} if signed else None
        name, base = self.connection.name, self.connection.url
        for n, feature in enumerate(features):
            jsonstream.breathe()  # let the GUI thread run between items
            # each decoded item is freed once converted: freed all at once with the page, its
            # ~1.5 million objects held the interpreter lock (and the GUI thread) for 50-100 ms
            features[n] = None
            if not isinstance(feature, dict):
                continue
            try:
                if elements is not None:
                    text, start, end = elements.span(n)
                    if elements.raws is not None:  # the item's own text: kept as it is
                        raw = text
                        elements.raws[n] = None
                    else:
                        raw = text[start:end] if copy else (text, start, end)
                    scene = item_to_lazy_scene(feature, raw, name, base,
                                               signed_hrefs_of(feature, original_of) if original_of else None)
                else:
                    scene = item_to_scene(feature, name, base_href=base)
            except Exception as err:  # noqa: BLE001 - one broken item must not break a search
                log.warning("%s returned an item that cannot be read (%s); skipped", self.what,
                            redact_text(str(err))[:200])
                continue
            if keep is not None:
                if elements is not None:  # the checks read the decoded item, not a second decoding
                    scene._decoded = [feature, scene_properties(feature), None]
                ok = keep(scene)
                if elements is not None:
                    scene.forget_decoded()
                if not ok:
                    continue
            if elements is None or (any_s3 and text.find("s3://", start, end) >= 0):
                self._remember_alternates(scene)
            scenes.append(scene)
        more = any(isinstance(link, dict) and link.get("rel") == "next" for link in page.get("links") or [])
        matched = None
        if not filtered:
            matched = page.get("numberMatched")
            if matched is None and isinstance(page.get("context"), dict):
                matched = page["context"].get("matched")
        return Page(scenes, more=more, matched=matched if isinstance(matched, int) else None, number=number)

    # ------------------------------------------------------------------ hrefs
    def _remember_alternates(self, scene: Scene) -> None:
        for asset in scene.assets.values():
            if asset.href.startswith("s3://"):
                alt = self._https_alternate(asset.extra.get("alternate"))
                if alt:
                    with self._alt_lock:
                        self._alternates[asset.href] = alt
                        while len(self._alternates) > 50000:
                            self._alternates.popitem(last=False)

    @staticmethod
    def _https_alternate(alternates: Any) -> Optional[str]:
        if isinstance(alternates, dict):
            for value in alternates.values():
                href = value.get("href") if isinstance(value, dict) else value
                if isinstance(href, str) and href.startswith(("https://", "http://")):
                    return href
        return None

    def resolve_href(self, href: str, asset: Any = None) -> str:
        """An href GDAL or a download can open: relative hrefs made absolute against the API,
        ``s3://`` mapped to the asset's https ``alternate`` when there is one (else
        ``/vsis3/bucket/key``), and storage hrefs signed by the connection's signer."""
        if not href:
            return href
        if href.startswith("s3://"):
            alt = self._https_alternate(getattr(asset, "extra", {}).get("alternate") if asset is not None else None)
            if alt is None:
                with self._alt_lock:
                    alt = self._alternates.get(href)
            if alt is None:
                return "/vsis3/" + href[len("s3://"):]
            href = alt
        elif not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", href) and not href.startswith("/vsi"):
            href = urljoin(self.connection.url.rstrip("/") + "/", href)
        if self.signer is not None and urlsplit(href).scheme in ("http", "https"):
            href = self.signer.sign_href(href)
        return href

    def close(self) -> None:
        self.session.close()


def _set_next_limit(page: Dict[str, Any], size: int) -> None:
    """Ask for ``size`` items per page from the next page on, by editing the page's ``next``
    link before pystac-client follows it (POST body ``limit``, or the GET ``limit`` parameter)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    for link in page.get("links") or []:
        if not isinstance(link, dict) or link.get("rel") != "next":
            continue
        if str(link.get("method", "GET")).upper() == "POST":
            body = link.get("body")
            if isinstance(body, dict):
                body["limit"] = size
            elif link.get("merge"):
                link["body"] = {"limit": size}
        else:
            parts = urlsplit(link.get("href", ""))
            query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "limit"]
            query.append(("limit", str(size)))
            link["href"] = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
