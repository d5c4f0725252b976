"""URL signing for catalogs whose assets live in private storage.

A signer is a pystac-client ``modifier`` (it signs, in place, the asset hrefs of an Item,
ItemCollection, Collection or of plain item / page dicts) and also signs loose hrefs with
:meth:`Signer.sign_hrefs` (downloads, quicklooks, GDAL paths). Every page of search results
is signed with one batched call per signing service limit, and signed hrefs are cached while
they stay valid long enough to be used.

- :class:`DinamisSigner`: the DINAMIS / THEIA-MTP URL signing service (S3 pre-signed URLs).
- :class:`PlanetaryComputerSigner`: Microsoft Planetary Computer SAS tokens for Azure blobs.

Tokens, keys and signatures never reach a log or an error message (``redact``).
"""
from __future__ import annotations

import abc
import datetime as _dt
import logging
import re
import threading
import time
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple
from urllib.parse import parse_qsl, urlsplit

from .. import errors
from ..net import http
from ..net.redact import redact_url, register_secret

log = logging.getLogger(__name__)

UTC = _dt.timezone.utc

DINAMIS_STORAGE_DOMAIN = ".meso.umontpellier.fr"
DINAMIS_MAX_URLS = 64
DINAMIS_TTL_MARGIN = 30 * 60  # reuse a signed URL while more than 30 minutes remain
PC_SAS_ENDPOINT = "https://planetarycomputer.microsoft.com/api/sas/v1"
PC_BLOB_HOST_PATTERN = r"^https://(?P<account>[A-Za-z0-9]+)\.blob\.core\.windows\.net/(?P<container>[^/?#]+)/"
PC_REFRESH_MARGIN = 60  # refresh a SAS token when less than a minute remains
# Storage accounts whose blobs are public: never ask a SAS token for them. The official SDK
# skips the thumbnail account the same way (planetary-computer-sdk-for-python,
# planetary_computer/sas.py, sign_url: ``elif parsed_url.netloc ==
# "ai4edatasetspublicassets.blob.core.windows.net": # special case for public assets storing
# thumbnails... return url``); the collections' thumbnails live there.
PC_PUBLIC_ACCOUNTS = ("ai4edatasetspublicassets",)

_S3_SIGNED_KEYS = {"x-amz-signature", "x-amz-credential", "x-amz-security-token"}
_SAS_SIGNED_KEYS = {"st", "se", "sp"}


def _query_keys(href: str) -> set:
    try:
        query = urlsplit(href).query
    except ValueError:
        return set()
    return {k.lower() for k, _v in parse_qsl(query, keep_blank_values=True)}


def parse_expiry(value: Any) -> Optional[_dt.datetime]:
    """An expiry (ISO text, with ``Z``/offset or naive UTC) as an aware UTC datetime."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python < 3.11 cannot read 7-digit fractions (Azure): cut to microseconds
    text = re.sub(r"(\.\d{6})\d+", r"\1", text)
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _now() -> _dt.datetime:
    return _dt.datetime.now(UTC)


# ----------------------------------------------------------------------- walking STAC objects
def _asset_slots(obj: Any) -> List[Tuple[Any, str]]:
    """(container, key) pairs whose ``container[key]`` / ``container.href`` is an asset href.

    Handles item / collection dicts, FeatureCollection pages (dicts) and pystac Item,
    Collection and ItemCollection objects (duck-typed, so pystac is not imported here).
    """
    slots: List[Tuple[Any, str]] = []

    def from_assets_dict(assets: Any) -> None:
        if not isinstance(assets, Mapping):
            return
        for asset in assets.values():
            if isinstance(asset, dict):
                if isinstance(asset.get("href"), str):
                    slots.append((asset, "href"))
                alternate = asset.get("alternate")
                if isinstance(alternate, dict):
                    for alt in alternate.values():
                        if isinstance(alt, dict) and isinstance(alt.get("href"), str):
                            slots.append((alt, "href"))
            elif hasattr(asset, "href") and isinstance(getattr(asset, "href"), str):
                slots.append((asset, ".href"))

    if isinstance(obj, Mapping):
        if isinstance(obj.get("features"), list):
            for feature in obj["features"]:
                if isinstance(feature, Mapping):
                    from_assets_dict(feature.get("assets"))
        else:
            from_assets_dict(obj.get("assets"))
    elif isinstance(getattr(obj, "items", None), list):  # pystac.ItemCollection
        for item in obj.items:
            from_assets_dict(getattr(item, "assets", None))
    elif hasattr(obj, "assets"):  # pystac.Item / pystac.Collection
        from_assets_dict(obj.assets)
    return slots


def _get(slot: Tuple[Any, str]) -> str:
    container, key = slot
    return container.href if key == ".href" else container[key]


def _set(slot: Tuple[Any, str], value: str) -> None:
    container, key = slot
    if key == ".href":
        container.href = value
    else:
        container[key] = value


class Signer(abc.ABC):
    """Signs asset hrefs. Call it on a STAC object (pystac-client ``modifier``) to sign in
    place, or use :meth:`sign_hrefs` for loose hrefs. Subclasses sign only the hrefs
    :meth:`needs_signing` accepts and leave every other href untouched."""

    name = "signer"

    def __call__(self, obj: Any) -> None:
        self.sign_in_place(obj)
        return None

    def sign_in_place(self, obj: Any) -> Dict[str, str]:
        """Sign the asset hrefs of ``obj`` in place; returns original -> signed for the hrefs
        that changed."""
        slots = _asset_slots(obj)
        if not slots:
            return {}
        hrefs = [_get(s) for s in slots]
        signed = self._sign_page(hrefs)
        changed = {}
        for slot, href in zip(slots, hrefs):
            new = signed.get(href, href)
            if new != href:
                _set(slot, new)
                changed[href] = new
        return changed

    def _sign_page(self, hrefs: List[str]) -> Dict[str, str]:
        """Sign the hrefs of a page of results (the ``modifier`` path); by default exactly as
        :meth:`sign_hrefs`, so a signing failure fails the page."""
        return self.sign_hrefs(hrefs)

    def sign_href(self, href: str) -> str:
        return self.sign_hrefs([href]).get(href, href)

    def sign_hrefs(self, hrefs: Iterable[str]) -> Dict[str, str]:
        """Every href mapped to its signed form (unchanged when it needs no signing)."""
        unique = list(dict.fromkeys(h for h in hrefs if isinstance(h, str)))
        result = {h: h for h in unique}
        todo = [h for h in unique if self.needs_signing(h)]
        if todo:
            result.update(self._sign(todo))
        return result

    @abc.abstractmethod
    def needs_signing(self, href: str) -> bool:
        """Whether ``href`` is on this signer's storage and not signed yet."""

    @abc.abstractmethod
    def _sign(self, hrefs: List[str]) -> Dict[str, str]:
        """Sign hrefs that need it (cache first, then the service)."""

    def clear_cache(self) -> None:
        """Forget cached signatures (they are shared by every signer of one endpoint)."""


# ------------------------------------------------------------------------------ transport
class _SigningClient:
    """Calls a signing service with bounded waiting on HTTP 429 and one token refresh on 401."""

    def __init__(self, what: str, session=None, max_retry_wait: float = 30.0, max_attempts: int = 4):
        self.what = what
        self.session = session or http.new_session()
        self.max_retry_wait = max_retry_wait
        self.max_attempts = max_attempts
        self.sleep: Callable[[float], None] = time.sleep

    def call(self, method: str, url: str, *, headers_factory: Callable[[], Dict[str, str]],
             refresh: Optional[Callable[[], Any]] = None, **kwargs: Any):
        waited = 0.0
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                return http.request(self.session, method, url, what=self.what,
                                    headers=headers_factory(), **kwargs)
            except errors.RateLimitedError as err:
                wait = err.retry_after if err.retry_after is not None else 1.0
                if attempt >= self.max_attempts or waited + wait > self.max_retry_wait:
                    raise errors.RateLimitedError(
                        f"{self.what} is rate-limiting requests (HTTP 429)"
                        + (f"; retry in {err.retry_after:.0f} s." if err.retry_after is not None else "."),
                        retry_after=err.retry_after, url=err.url, status=429, details=err.details) from err
                log.info("%s asked to slow down; retrying in %.1f s", self.what, wait)
                self.sleep(wait)
                waited += wait
            except errors.AuthenticationError as err:
                if refresh is not None and not refreshed:
                    refreshed = True
                    log.info("%s refused the token; refreshing it once", self.what)
                    try:
                        refresh()
                    except errors.EoSceneFinderError:
                        raise
                    except Exception as ref_err:  # noqa: BLE001 - a token provider's own failure
                        raise errors.AuthenticationError(
                            f"{self.what} refused the credentials and they could not be renewed.",
                            url=err.url, status=err.status) from ref_err
                    continue
                raise errors.AuthenticationError(
                    f"{self.what} refused the credentials (HTTP {err.status}): check them in the "
                    "connection manager.", url=err.url, status=err.status, details=err.details,
                    server_message=err.server_message) from err


# ----------------------------------------------------------------------------------- caches
class _ExpiringCache:
    """href/key -> (value, expiry) with a lock; shared per signing endpoint."""

    def __init__(self) -> None:
        self._data: Dict[Any, Tuple[str, _dt.datetime]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, margin_seconds: float) -> Optional[str]:
        with self._lock:
            entry = self._data.get(key)
        if entry is None:
            return None
        value, expiry = entry
        if (expiry - _now()).total_seconds() > margin_seconds:
            return value
        return None

    def put(self, key: Any, value: str, expiry: _dt.datetime) -> None:
        with self._lock:
            self._data[key] = (value, expiry)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


_shared_caches: Dict[Tuple[str, str], _ExpiringCache] = {}
_shared_lock = threading.Lock()


def _shared_cache(kind: str, endpoint: str) -> _ExpiringCache:
    with _shared_lock:
        return _shared_caches.setdefault((kind, endpoint), _ExpiringCache())


# ---------------------------------------------------------------------------------- DINAMIS
class DinamisSigner(Signer):
    """Signs hrefs on the DINAMIS storage with its URL signing service.

    ``POST {endpoint}sign_urls?urls=...&urls=...`` (at most 64 per call) answers
    ``{"hrefs": {url: signed}, "expiry": ISO}``. Authentication: ``api_key`` (access key,
    secret key) sent as ``access-key`` / ``secret-key`` headers, else a bearer token from
    ``token_provider()`` (its ``refresh()``, when it has one, is called once on a 401), else
    none. Only hrefs whose host ends with ``storage_domain`` are signed; hrefs that already
    carry ``X-Amz-Signature`` / ``X-Amz-Credential`` / ``X-Amz-Security-Token`` are left alone.
    Signed URLs are cached and reused while more than ``ttl_margin`` seconds (30 min) remain.
    """

    name = "dinamis"

    def __init__(self, endpoint: str, token_provider: Optional[Callable[[], str]] = None,
                 api_key: Any = None, session=None, *, storage_domain: str = DINAMIS_STORAGE_DOMAIN,
                 duration_seconds: Optional[int] = None, ttl_margin: float = DINAMIS_TTL_MARGIN,
                 max_urls: int = DINAMIS_MAX_URLS, max_retry_wait: float = 30.0):
        if not endpoint:
            raise errors.InvalidRequestError("The DINAMIS signing service URL is empty.")
        self.endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
        self.token_provider = token_provider
        # anonymous until the service says 401, when the provider allows it
        self._use_token = not getattr(token_provider, "login_on_demand", False)
        self._api_headers = self._api_key_headers(api_key)
        self.storage_domain = (storage_domain or DINAMIS_STORAGE_DOMAIN).strip().lower()
        self.duration_seconds = int(duration_seconds) if duration_seconds else None
        self.ttl_margin = float(ttl_margin)
        self.max_urls = max(1, min(int(max_urls), DINAMIS_MAX_URLS))
        self._client = _SigningClient("The DINAMIS signing service", session, max_retry_wait)
        self._cache = _shared_cache("dinamis", self.endpoint)

    @staticmethod
    def _api_key_headers(api_key: Any) -> Dict[str, str]:
        if not api_key:
            return {}
        if isinstance(api_key, Mapping):
            access = api_key.get("access_key") or api_key.get("access-key")
            secret = api_key.get("secret_key") or api_key.get("secret-key")
        else:
            access, secret = api_key
        if not access or not secret:
            raise errors.InvalidRequestError("A DINAMIS API key needs both the access key and the secret key.")
        register_secret(str(access))
        register_secret(str(secret))
        return {"access-key": str(access), "secret-key": str(secret)}

    @property
    def session(self):
        return self._client.session

    def clear_cache(self) -> None:
        self._cache.clear()

    def needs_signing(self, href: str) -> bool:
        try:
            parts = urlsplit(href)
        except ValueError:
            return False
        if parts.scheme not in ("http", "https"):
            return False
        host = (parts.hostname or "").lower()
        domain = self.storage_domain
        on_domain = host == domain.lstrip(".") or host.endswith(domain if domain.startswith(".") else "." + domain)
        return on_domain and not (_query_keys(href) & _S3_SIGNED_KEYS)

    def _headers(self) -> Dict[str, str]:
        if self._api_headers:
            return dict(self._api_headers)
        if self.token_provider is not None and self._use_token:
            token = self.token_provider()
            if token:
                register_secret(str(token))
                return {"Authorization": f"Bearer {token}"}
        return {}

    def _on_unauthorized(self) -> Any:
        """A 401: start sending the token (logging in if needed), or renew it."""
        if not self._use_token:
            self._use_token = True
            return True
        refresh = getattr(self.token_provider, "refresh", None)
        return refresh() if refresh is not None else None

    def _sign(self, hrefs: List[str]) -> Dict[str, str]:
        result: Dict[str, str] = {}
        todo: List[str] = []
        for href in hrefs:
            cached = self._cache.get(href, self.ttl_margin)
            if cached is not None:
                result[href] = cached
            else:
                todo.append(href)
        for start in range(0, len(todo), self.max_urls):
            result.update(self._sign_batch(todo[start:start + self.max_urls]))
        return result

    def _sign_batch(self, batch: List[str]) -> Dict[str, str]:
        params: List[Tuple[str, Any]] = [("urls", u) for u in batch]
        if self.duration_seconds:
            params.append(("duration_seconds", self.duration_seconds))
        can_retry = self.token_provider is not None and not self._api_headers and (
            not self._use_token or hasattr(self.token_provider, "refresh"))
        refresh = self._on_unauthorized if can_retry else None
        url = self.endpoint + "sign_urls"
        response = self._client.call("POST", url, params=params, headers_factory=self._headers,
                                      refresh=refresh)
        body = http.response_json(response, "The DINAMIS signing service")
        hrefs = body.get("hrefs") if isinstance(body, dict) else None
        expiry = parse_expiry(body.get("expiry")) if isinstance(body, dict) else None
        if not isinstance(hrefs, dict) or expiry is None or not all(u in hrefs for u in batch):
            raise errors.MalformedResponseError(
                "The DINAMIS signing service answered without the signed URLs or their expiry.",
                url=redact_url(url))
        log.debug("DINAMIS signed %d URLs (valid until %s)", len(batch), expiry.isoformat())
        out = {}
        for href in batch:
            signed = str(hrefs[href])
            out[href] = signed
            self._cache.put(href, signed, expiry)
        return out


# ------------------------------------------------------------------------ Planetary Computer
class PlanetaryComputerSigner(Signer):
    """Signs Azure blob hrefs with Planetary Computer SAS tokens.

    ``GET {sas_endpoint}/token/{account}/{container}`` (optional ``Ocp-Apim-Subscription-Key``
    header) answers ``{"msft:expiry": ISO, "token": "st=...&se=...&sig=..."}``; the signed href
    is ``href?token``. One token per account/container, cached until ``refresh_margin``
    seconds (a minute) before it expires. ``blob_host_pattern`` is the regular expression that
    recognises a blob href, with named groups ``account`` and ``container`` (the default
    matches ``https://<account>.blob.core.windows.net/<container>/...``). Hrefs that already
    carry ``st``/``se``/``sp``, and hrefs on a public account (``public_accounts``, by default
    the thumbnail account ``ai4edatasetspublicassets``), are left alone.

    A page of results (the ``modifier``) asks one token per container; a container whose
    token request fails keeps its hrefs unsigned and the page goes on (its scenes stay
    listed). Signing a loose href (:meth:`sign_hrefs`: streaming, downloads, quicklooks)
    asks again and, if the service still gives no token, raises an error that names the
    container and says what the service answered (HTTP status and message).
    """

    name = "planetary-computer"

    def __init__(self, sas_endpoint: str = PC_SAS_ENDPOINT, subscription_key: Optional[str] = None,
                 session=None, *, blob_host_pattern: Optional[str] = None,
                 refresh_margin: float = PC_REFRESH_MARGIN, max_retry_wait: float = 30.0,
                 public_accounts: Iterable[str] = PC_PUBLIC_ACCOUNTS):
        self.sas_endpoint = (sas_endpoint or PC_SAS_ENDPOINT).rstrip("/")
        self.public_accounts = frozenset(a.strip().lower() for a in public_accounts if a and a.strip())
        self.subscription_key = subscription_key or None
        if self.subscription_key:
            register_secret(self.subscription_key)
        try:
            self.blob_pattern = re.compile(blob_host_pattern or PC_BLOB_HOST_PATTERN)
        except re.error as err:
            raise errors.InvalidRequestError(
                f"The blob host pattern “{blob_host_pattern}” is not a valid regular expression.") from err
        if not {"account", "container"} <= set(self.blob_pattern.groupindex):
            raise errors.InvalidRequestError(
                "The blob host pattern needs the named groups (?P<account>...) and (?P<container>...).")
        self.refresh_margin = float(refresh_margin)
        self._client = _SigningClient("The Planetary Computer token service", session, max_retry_wait)
        self._cache = _shared_cache("planetary-computer", self.sas_endpoint)
        self._locks: Dict[Tuple[str, str], threading.Lock] = {}
        self._locks_lock = threading.Lock()

    @property
    def session(self):
        return self._client.session

    def clear_cache(self) -> None:
        self._cache.clear()

    def _account_container(self, href: str) -> Optional[Tuple[str, str]]:
        match = self.blob_pattern.match(href)
        if not match:
            return None
        return match.group("account"), match.group("container")

    def needs_signing(self, href: str) -> bool:
        ac = self._account_container(href)
        if ac is None or ac[0].lower() in self.public_accounts:
            return False
        return not (_query_keys(href) & _SAS_SIGNED_KEYS)

    def _headers(self) -> Dict[str, str]:
        return {"Ocp-Apim-Subscription-Key": self.subscription_key} if self.subscription_key else {}

    def token(self, account: str, container: str) -> str:
        """The SAS token for one container (cached; one request per container at a time)."""
        key = (account, container)
        cached = self._cache.get(key, self.refresh_margin)
        if cached is not None:
            return cached
        with self._locks_lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            cached = self._cache.get(key, self.refresh_margin)
            if cached is not None:
                return cached
            url = f"{self.sas_endpoint}/token/{account}/{container}"
            response = self._client.call("GET", url, headers_factory=self._headers)
            body = http.response_json(response, "The Planetary Computer token service")
            token = body.get("token") if isinstance(body, dict) else None
            expiry = parse_expiry(body.get("msft:expiry")) if isinstance(body, dict) else None
            if not token or expiry is None:
                raise errors.MalformedResponseError(
                    "The Planetary Computer token service answered without a token or its expiry.",
                    url=redact_url(url))
            token = str(token).lstrip("?")
            register_secret(token)
            for _k, value in parse_qsl(token):
                if _k == "sig":
                    register_secret(value)
            self._cache.put(key, token, expiry)
            log.debug("SAS token for %s/%s valid until %s", account, container, expiry.isoformat())
            return token

    def _sign(self, hrefs: List[str]) -> Dict[str, str]:
        return self._sign_by_container(hrefs, strict=True)

    def _sign_page(self, hrefs: List[str]) -> Dict[str, str]:
        unique = list(dict.fromkeys(h for h in hrefs if isinstance(h, str)))
        result = {h: h for h in unique}
        todo = [h for h in unique if self.needs_signing(h)]
        if todo:
            result.update(self._sign_by_container(todo, strict=False))
        return result

    def _sign_by_container(self, hrefs: List[str], *, strict: bool) -> Dict[str, str]:
        """Sign hrefs with one token request per container. ``strict``: a container without a
        token raises; otherwise its hrefs stay unsigned (logged) and the others are signed."""
        out: Dict[str, str] = {}
        groups: Dict[Tuple[str, str], List[str]] = {}
        for href in hrefs:
            ac = self._account_container(href)
            if ac is None:
                out[href] = href
            else:
                groups.setdefault(ac, []).append(href)
        for (account, container), members in groups.items():
            try:
                token = self.token(account, container)
            except errors.ServiceError as err:
                if strict:
                    raise self._cannot_sign(account, container, err) from err
                log.warning("No SAS token for the storage container %s/%s (%s): %d asset link(s) of this "
                            "page stay unsigned", account, container, _reason(err), len(members))
                for href in members:
                    out[href] = href
                continue
            for href in members:
                out[href] = href + ("&" if "?" in href else "?") + token
        return out

    @staticmethod
    def _cannot_sign(account: str, container: str, err: errors.ServiceError) -> errors.ServiceError:
        """``err`` (same class, status and details) told in words that name the container."""
        message = (f"This asset cannot be signed: the Planetary Computer token service gave no SAS "
                   f"token for the storage container “{account}/{container}” ({_reason(err)}).")
        if err.status in (401, 403):
            message += (" Some datasets need a Planetary Computer subscription key: check the "
                        "connection's key in the connection manager.")
        kwargs: Dict[str, Any] = {"details": err.details, "url": err.url, "status": err.status,
                                  "server_message": err.server_message}
        if isinstance(err, errors.RateLimitedError):
            kwargs["retry_after"] = err.retry_after
        return type(err)(message, **kwargs)


def _reason(err: errors.ServiceError) -> str:
    """What a signing service answered, in a few words (“HTTP 404: message”), else the error."""
    if err.status:
        said = (err.server_message or "").strip()
        return f"HTTP {err.status}" + (f": {said[:300]}" if said else "")
    return err.user_message.rstrip(".")


# --------------------------------------------------------------------------------- factory
SIGNING_CHOICES = ("none", "dinamis", "planetary-computer")


def _credential(credentials: Any, *names: str) -> Any:
    if credentials is None:
        return None
    for name in names:
        if isinstance(credentials, Mapping):
            value = credentials.get(name)
        else:
            value = getattr(credentials, name, None)
        if value not in (None, ""):
            return value
    return None


def make_signer(connection, credentials: Any = None, session=None) -> Optional[Signer]:
    """The signer a connection asks for (option ``signing``), or None.

    Options: ``signing_url`` (signing service / SAS endpoint), ``storage_domain`` (DINAMIS),
    ``duration_seconds`` (DINAMIS), ``blob_host_pattern`` (Planetary Computer).
    Credentials (a mapping or an object): ``access_key`` + ``secret_key`` or ``token_provider``
    for DINAMIS, ``subscription_key`` for Planetary Computer.
    """
    choice = str(connection.option("signing", "none")).strip().lower()
    if choice in ("", "none", "off", "false", "no"):
        return None
    if choice == "dinamis":
        endpoint = connection.option("signing_url")
        if not endpoint:
            raise errors.InvalidRequestError(
                f"The connection “{connection.name}” signs with DINAMIS but has no signing_url.")
        access = _credential(credentials, "access_key", "dinamis_access_key")
        secret = _credential(credentials, "secret_key", "dinamis_secret_key")
        return DinamisSigner(
            endpoint,
            token_provider=_credential(credentials, "token_provider"),
            api_key=(access, secret) if access or secret else None,
            session=session,
            storage_domain=connection.option("storage_domain", DINAMIS_STORAGE_DOMAIN),
            duration_seconds=connection.option("duration_seconds"),
        )
    if choice in ("planetary-computer", "pc", "planetary_computer"):
        return PlanetaryComputerSigner(
            connection.option("signing_url", PC_SAS_ENDPOINT),
            subscription_key=_credential(credentials, "subscription_key", "pc_subscription_key"),
            session=session,
            blob_host_pattern=connection.option("blob_host_pattern"),
        )
    raise errors.InvalidRequestError(
        f"Unknown signing “{choice}” for the connection “{connection.name}”: use one of "
        + ", ".join(SIGNING_CHOICES) + ".")
