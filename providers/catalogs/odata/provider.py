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
scene key and a ``product`` asset: the download URL ``.../Products(<Id>)/$value`` (option
``download_url``, by default ``https://download.dataspace.copernicus.eu/odata/v1``), downloaded
by the shared download engine with bearer tokens from the token manager
(:meth:`CdseODataProvider.download_jobs`); the token follows the service's redirects to the
hosts of option ``token_domains`` only (:meth:`CdseODataProvider.credential_hosts`). S3
downloads: :mod:`...download.s3`.
"""
from __future__ import annotations

import datetime as _dt
import json
import random
import re
import threading
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import requests

from ... import errors
from ...net import http as eohttp
from ...auth.headers import HeadersProvider
from ...auth.tokens import TokenManager
from ...base import Connection, Provider, SearchResults
from ...model import CollectionInfo, Page, Scene, SearchRequest
from ...net import jsonstream
from ...net.jsonstream import collections_paused
from ...net.redact import redact_text, redact_url
from ...net.response_cache import ResponseCache
import logging
from .cql2 import cql2_to_odata
from .query import ATTRIBUTE_TYPES, CDSE_ENDPOINTS, COLLECTIONS, COMMON_FILTERS, CREODIAS_ENDPOINTS, CREODIAS_KNOWN_VALUES, DEFAULT_CONCURRENCY, DEFAULT_MAX_URL, DEFAULT_RPS, DEFAULT_START, KNOWN_VALUES, MAX_CONCURRENCY, REALM_TOKEN_PATH, UTC, WHAT, _ATTR_NAME, _JSON_TYPES, _OPS, _guess_type, _truthy, attribute_clause, attribute_name, encoded_length, fit_aoi, intersects_clause, normalize_value, quote_literal
from .records import product_stem, record_to_scene
from .sliced import SearchProgress, _SlicedSearch
from ...net.ratelimit import _Cancelled
from ...net.ratelimit import RateLimiter

LOG = logging.getLogger(__name__)


# ------------------------------------------------------------------------------ provider
def _answer_json(response: requests.Response) -> Any:
    """The answer's JSON; a product list (``value``) comes with each product's text (a
    :class:`~...net.jsonstream.ElementList`), which the scenes keep instead of its dicts.
    Parsed element by element, handing the interpreter to QGIS's GUI thread meanwhile."""
    try:
        with jsonstream.worker_slot():
            text = jsonstream.decode_utf8(response.content)
            return jsonstream.loads(text, raw_arrays=("value",) if '"value"' in text else ())
    except ValueError:
        return eohttp.response_json(response, WHAT)  # the same error as any other answer


class CdseODataProvider(Provider):
    """The Copernicus Data Space Ecosystem OData catalogue (kind ``cdse``).

    Options (all endpoints overridable): ``download_url``, ``token_url``, ``client_id``,
    ``token_domains`` (hosts or ``*.domain`` the download token may be redirected to),
    ``page_size`` (≤ 1000), ``max_concurrency`` (≤ 5), ``requests_per_second``,
    ``max_url_length``, ``cache_dir`` + ``cache_max_age`` (raw-answer cache, off by default),
    ``s3_endpoint``, ``s3_bucket``, ``s3_region``.
    """

    kind = "cdse"
    ENDPOINTS = CDSE_ENDPOINTS
    SERVICE = "Copernicus Data Space"
    REALM_PATH = REALM_TOKEN_PATH
    # the values the panel offers per collection and attribute (each flavour its own)
    KNOWN_VALUES = KNOWN_VALUES
    # parallel downloads per account the service allows (None: the engine's per-host limit)
    MAX_DOWNLOAD_SESSIONS: Optional[int] = None
    # what an HTTP status of the download host means for the user (no refresh, no retry)
    DOWNLOAD_REFUSALS: Dict[int, str] = {}

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
            # where the token may follow the service's redirects: its own domains; a mirror's
            # (or the loopback server's) own host only, unless the connection says more
            "token_domains": self.ENDPOINTS["token_domains"] if official else "",
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
                # a page cut short raises here (the session's response hook) and is tried again
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
                if failures > 3 and status == 504:
                    raise errors.ServerError(
                        f"{WHAT} gave up on a query that took too long (HTTP 504 from its gateway). "
                        "Narrow the search (a shorter period, a smaller area, a product type).",
                        url=redact_url(url), status=504, details=f"HTTP 504 from {redact_url(url)}")
                if failures > 3:
                    eohttp.raise_for_status(response, WHAT)
                count("retry")
                if cancel.wait(min(8.0, 0.5 * 2 ** failures) * random.uniform(0.7, 1.0)):
                    raise _Cancelled()
                continue
            if status in (400, 414, 422):
                raise self._rejected(response)
            eohttp.raise_for_status(response, WHAT)
            with collections_paused():  # a page's short-lived containers: see collections_paused
                data = _answer_json(response)
            if limiter is not None:
                limiter.success()
            if self.cache is not None:
                self.cache.put("GET", url, data)
            return data

    def _rejected(self, response: requests.Response) -> errors.BadRequestError:
        """The service's refusal in words: pydantic ``detail`` lists are flattened."""
        message = eohttp.server_message(response)
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
            known = self.KNOWN_VALUES.get(coll, {})
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
            from ... import cql2
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
        from ... import cql2
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
    def _auth_source(self) -> HeadersProvider:
        """The download credentials: the token manager's headers for this connection."""
        with self._auth_lock:
            if self._auth is not None:
                return self._auth
            creds = self.credentials
            source = None
            if isinstance(creds, Mapping):
                source = creds.get("headers_provider")
                if source is None and creds.get("token_manager") is not None:
                    source = creds["token_manager"].headers_provider(self.connection)
            elif isinstance(creds, TokenManager):
                source = creds.headers_provider(self.connection)
            if source is None:
                source = TokenManager().headers_provider(self.connection)  # stored or EOSF_CDSE_* credentials
            self._auth = source
            return source

    def _needs_auth(self, url: str) -> bool:
        origin = _origin(url)
        return origin in (_origin(self.download_url), _origin(self.catalogue_url)) and "/Products(" in url

    def _token_query_key(self) -> str:
        """The query key the download token goes under, when the connection's auth scheme
        says so (CREODIAS: ``token``), else "" (an Authorization header)."""
        from ...auth.credentials import scheme_for
        return getattr(scheme_for(self.connection), "token_query", "") or ""

    def request_headers(self, url: str) -> Dict[str, str]:
        if not self._needs_auth(url) or self._token_query_key():
            return {}
        return self._auth_source().headers(url)

    def request_params(self, url: str) -> Dict[str, str]:
        """The token as a query parameter (``?token=``) for a scheme that wants it there."""
        key = self._token_query_key()
        if not key or not self._needs_auth(url):
            return {}
        auth = self._auth_source().headers(url).get("Authorization", "")
        token = auth.split(" ", 1)[1].strip() if " " in auth else ""
        return {key: token} if token else {}

    def max_download_sessions(self) -> Optional[int]:
        """Option ``max_download_sessions``, else the service's own limit."""
        value = self.connection.option("max_download_sessions", self.MAX_DOWNLOAD_SESSIONS)
        try:
            return max(1, int(value)) if value not in (None, "") else None
        except (TypeError, ValueError):
            return self.MAX_DOWNLOAD_SESSIONS

    def download_refusals(self) -> Dict[int, str]:
        return dict(self.DOWNLOAD_REFUSALS)

    def credential_hosts(self) -> Tuple[str, ...]:
        """The ``token_domains`` option (comma-separated hosts or ``*.domain``): the download
        token follows the service's redirects to these hosts and is dropped for any other."""
        from ...download.jobs import split_hosts
        return split_hosts(self.connection.option("token_domains", ""))

    def refresh_credentials(self) -> bool:
        return self._auth_source().refresh()

    def order_hint(self, scene: Scene) -> str:
        """What to do with a product in the long-term archive. The service offers no ordering
        step the plugin could take: the Copernicus Browser restores archived products."""
        browser = self.ENDPOINTS.get("browser", "")
        return (f"Open it in the {self.SERVICE} Browser ({browser}), sign in and request it there; "
                "download it again once it is back online (usually within a day).")

    def download_jobs(self, scenes: Iterable[Scene], output_folder: str, *, unpack: bool = False) -> list:
        """Download jobs (HTTPS, zipper, bearer token, MD5) for the shared download engine:
        ``<output>/<collection>/<product name without .SAFE>.zip``. Offline products become
        offline jobs that the engine reports as "in the long-term archive"."""
        from ...download.jobs import asset_jobs
        jobs = []
        for scene in scenes:
            if "product" not in scene.assets:
                raise errors.InvalidRequestError(f"{scene.id} has no product to download.")
            jobs.extend(asset_jobs(scene, ["product"], output_folder, provider=self, unpack=unpack))
        return jobs

    def s3_products(self, scenes: Iterable[Scene]) -> list:
        """:class:`.cdse_s3.S3Product` entries for scenes with an S3 path."""
        from ...download.s3 import S3Product
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
        from ...download.s3 import S3Account, accounts_from_env
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
        from ...download.s3 import S3Downloader
        return S3Downloader(endpoint=str(self.connection.option("s3_endpoint")),
                            bucket=self.s3_bucket, region=str(self.connection.option("s3_region")),
                            accounts=accounts if accounts is not None else self.s3_accounts(), **kwargs)

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None


class CreodiasODataProvider(CdseODataProvider):
    """CREODIAS speaks the same OData, in its own flavour (its auth scheme, ``CREODIAS_SCHEME``,
    declares the realm ``Creodias-new``, client ``CLOUDFERRO_PUBLIC``, the mandatory two-factor
    code and the ``?token=`` download):

    - downloads from ``zipper.creodias.eu/odata/v1/Products(<Id>)/$value?token=...`` (eodag
      ``creodias.yml``: ``eodag:download_link`` + ``token_provision: qs``);
    - at most ``max_download_sessions`` (default 2) downloads at once: more answer 429
      ``DAT-ZIP-100`` "Max session number exceeded" (eodag #2019), which the engine retries;
    - a 403 on a download means the account has not accepted the data terms (eodag PR #2357);
    - Sentinel-1 ``productType`` values ``GRD``/``SLC``/``OCN``/``RAW``;
    - a client-side ceiling of 60 catalogue requests a minute (the "60 requests/min per source
      IP" of bdc-collectors; unverified for OData, kept as a ceiling), shared by every
      catalogue request of the provider (searches and attribute lookups), option
      ``requests_per_minute`` (lower only).
    """

    kind = "creodias"
    ENDPOINTS = CREODIAS_ENDPOINTS
    SERVICE = "CREODIAS"
    REALM_PATH = "/auth/realms/Creodias-new/protocol/openid-connect/token"
    KNOWN_VALUES = CREODIAS_KNOWN_VALUES
    MAX_DOWNLOAD_SESSIONS = 2
    REQUESTS_PER_MINUTE = 60.0
    DOWNLOAD_REFUSALS = {
        403: "CREODIAS refused the download (HTTP 403): the account has not accepted the data terms. "
             "Sign in to the CREODIAS account (portal.creodias.eu), accept the terms and conditions "
             "of the data, then download again.",
    }

    def __init__(self, *args: Any, clock: Optional[Callable[[], float]] = None,
                 wait: Optional[Callable[[threading.Event, float], bool]] = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        per_minute = float(self.connection.option("requests_per_minute", self.REQUESTS_PER_MINUTE))
        per_minute = min(self.REQUESTS_PER_MINUTE, max(1.0, per_minute))  # a ceiling: never above
        # one bucket for every catalogue request of this provider; burst 1, so no 60-second
        # window ever holds more than ``per_minute`` requests (the AIMD back-off only slows down)
        self._limiter = RateLimiter(per_minute / 60.0, burst=1, min_rate=per_minute / 60.0 / 8.0,
                                    clock=clock, wait=wait)

    def rate_limiter(self) -> RateLimiter:
        return self._limiter

    def fetch_json(self, url: str, limiter: Optional[RateLimiter] = None,
                   cancel: Optional[threading.Event] = None,
                   count: Optional[Callable[[str], None]] = None) -> Any:
        return super().fetch_json(url, limiter or self._limiter, cancel, count)


# ------------------------------------------------------------------------------ helpers
def _origin(url: str) -> Tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _title(name: str) -> str:
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " ")
    return words[:1].upper() + words[1:]
