"""The one HTTP transport seam: sessions with the plugin's proxy/TLS settings, and the
mapping of transport failures and HTTP statuses to the plugin's errors."""
from __future__ import annotations

import email.utils
import json
import logging
import re
import threading
import time
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

import requests

from .jsonstream import PIECE_BYTES, breathe
import urllib3

from .. import errors
from ..cancellation import pause
from .redact import install_logging_redaction, redact_text, redact_url

log = logging.getLogger(__name__)

USER_AGENT = "eo-scene-finder/0.1 (QGIS plugin)"
DEFAULT_TIMEOUT = (10, 60)  # connect, read (seconds)

_settings_lock = threading.Lock()
_settings: Dict[str, Any] = {"proxies": {}, "verify": True, "timeout": DEFAULT_TIMEOUT}


def configure(*, proxies: Optional[Dict[str, str]] = None, no_proxy: Optional[str] = None,
              ca_bundle: Optional[str] = None, timeout: Optional[tuple] = None) -> None:
    """Set process-wide network settings (the QGIS side maps its proxy settings here)."""
    with _settings_lock:
        if proxies is not None:
            p = dict(proxies)
            if no_proxy:
                p["no_proxy"] = no_proxy
            _settings["proxies"] = p
        if ca_bundle is not None:
            _settings["verify"] = ca_bundle or True
        if timeout is not None:
            _settings["timeout"] = timeout


def default_timeout() -> tuple:
    return _settings["timeout"]


def bypasses_proxy(url: str, no_proxy: str) -> bool:
    """Whether ``url`` skips the proxy. Entries (comma or ``|`` separated) are URL prefixes
    when they contain ``://`` (QGIS's "excluded URLs": ``url.startswith(entry)``), else a host,
    ``host:port``, ``.domain`` or ``*``."""
    if not no_proxy:
        return False
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        port = None
    for entry in no_proxy.replace("|", ",").split(","):
        entry = entry.strip()
        if not entry:
            continue
        if entry == "*":
            return True
        if "://" in entry:
            if url.startswith(entry):
                return True
            continue
        name, _, entry_port = entry.lower().rpartition(":") if entry.count(":") == 1 else (entry.lower(), "", "")
        if entry_port and str(port) != entry_port:
            continue
        name = name.lstrip("*")
        if host == name.lstrip(".") or host.endswith("." + name.lstrip(".")):
            return True
    return False


class _ProxySession(requests.Session):
    """A session whose configured proxy is skipped for the excluded URLs (requests itself
    ignores ``no_proxy`` once ``trust_env`` is off), redirects included."""

    no_proxy = ""

    def merge_environment_settings(self, url, proxies, stream, verify, cert):
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if bypasses_proxy(url, self.no_proxy):
            merged["proxies"] = {}
        return merged

    def rebuild_proxies(self, prepared_request, proxies):
        if bypasses_proxy(prepared_request.url, self.no_proxy):
            prepared_request.headers.pop("Proxy-Authorization", None)
            return {}
        return super().rebuild_proxies(prepared_request, self.proxies)


def new_session() -> requests.Session:
    """A session honouring the configured proxy and CA bundle. TLS is always verified."""
    install_logging_redaction()
    with _settings_lock:
        proxies = dict(_settings["proxies"])
        verify = _settings["verify"]
    no_proxy = proxies.pop("no_proxy", None)
    session = _ProxySession() if proxies else requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    session.verify = verify
    if proxies:
        session.proxies.update(proxies)
        session.trust_env = False  # QGIS's settings win over the environment
        session.no_proxy = no_proxy or ""
    adapter = requests.adapters.HTTPAdapter(pool_connections=8, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.hooks["response"].append(enforce_content_length)
    return session


def enforce_content_length(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
    """Response hook: a body that ends before its ``Content-Length`` raises while it is read
    (requests' ``ChunkedEncodingError``, retried as a cut answer) instead of looking whole.
    urllib3 2 does this by default; urllib3 1.26 (Debian's, some QGIS installers') does not.
    Every session of :func:`new_session` has it, so every kind's reads are checked."""
    raw = getattr(response, "raw", None)
    if raw is not None and hasattr(raw, "enforce_content_length"):
        raw.enforce_content_length = True
    return response


def parse_retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _validation_text(detail: Any) -> str:
    """The words of a FastAPI/pydantic ``detail``: a list of ``{"loc", "msg"}`` (the CDSE
    catalogue's 422 for ``$skip``/``$top``) becomes ``$skip: Input should be ...``; a
    ``{"message": ...}`` object its message. Empty when ``detail`` has neither shape."""
    if isinstance(detail, dict):
        return str(detail.get("message") or detail.get("msg") or "")
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict) and item.get("msg"):
                loc = [str(x) for x in (item.get("loc") or []) if x not in ("query", "body", "path")]
                parts.append((("/".join(loc) + ": ") if loc else "") + str(item["msg"]))
        return "; ".join(parts)
    return ""


def server_message(response: requests.Response) -> str:
    """What the server said about an error, short and redacted."""
    text = ""
    try:
        body = response.json()
        if isinstance(body, dict):
            for key in ("description", "detail", "message", "errorMessage", "error_description", "error"):
                if body.get(key):
                    val = body[key]
                    text = val if isinstance(val, str) else (_validation_text(val) or json.dumps(val))
                    break
            else:
                text = json.dumps(body)[:500]
    except ValueError:
        text = response.text or ""
        if text.lstrip().startswith("<"):  # a gateway's HTML or XML page: its words only
            text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
            text = re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", text))
        text = text[:500]
    return redact_text(text.strip())


def raise_for_status(response: requests.Response, what: str = "The service") -> requests.Response:
    """Raise the plugin error matching an HTTP error status; return the response otherwise."""
    status = response.status_code
    if status < 400:
        return response
    url = redact_url(response.url)
    msg = server_message(response)
    kw = {"url": url, "status": status, "details": f"HTTP {status} from {url}" + (f": {msg}" if msg else ""),
          "server_message": msg or None}
    if status == 407:
        raise errors.AuthenticationError(
            "The proxy asks for a user name and password (HTTP 407): check them in QGIS Settings → "
            "Options → Network.", **kw)
    if status in (401, 403):
        raise errors.AuthenticationError(f"{what} refused access (HTTP {status}): check the credentials.", **kw)
    if status == 404:
        raise errors.NotFoundError(f"{what} says this does not exist (HTTP 404).", **kw)
    if status == 429:
        ra = parse_retry_after(response.headers.get("Retry-After"))
        raise errors.RateLimitedError(
            f"{what} is rate-limiting requests (HTTP 429)" + (f"; retry in {ra:.0f} s." if ra is not None else "."),
            retry_after=ra, **kw)
    if 400 <= status < 500:
        raise errors.BadRequestError(f"{what} rejected the request: {msg or 'HTTP %d' % status}", **kw)
    raise errors.ServerError(f"{what} had an internal error (HTTP {status}).", **kw)


def map_transport_error(err: Exception, url: str, what: str = "The service") -> errors.ServiceError:
    """A requests exception as the plugin error that tells the user what happened."""
    safe = redact_url(url)
    if isinstance(err, requests.exceptions.Timeout):
        return errors.ServiceTimeoutError(f"{what} did not answer in time ({safe}).", url=safe,
                                          details=redact_text(str(err)))
    if isinstance(err, requests.exceptions.SSLError):
        return errors.UnreachableError(f"The secure connection to {safe} failed (TLS certificate).",
                                       url=safe, details=redact_text(str(err)))
    if isinstance(err, requests.exceptions.ProxyError):
        return errors.UnreachableError(f"The proxy refused or failed the connection to {safe}.",
                                       url=safe, details=redact_text(str(err)))
    if isinstance(err, requests.exceptions.ChunkedEncodingError):  # TruncatedBodyError included
        return errors.ServiceError(f"{what}'s answer was cut short ({safe}); try again.", url=safe,
                                   details=redact_text(str(err)))
    if isinstance(err, (requests.exceptions.ConnectionError,)):
        return errors.UnreachableError(f"{what} could not be reached ({safe}).", url=safe,
                                       details=redact_text(str(err)))
    return errors.ServiceError(f"{what} request failed ({safe}).", url=safe, details=redact_text(str(err)))


class TruncatedBodyError(requests.exceptions.ChunkedEncodingError):
    """The body ended before the length the server announced (urllib3 1.26, which Debian's
    and some QGIS installers' Python ship, does not check it: a cut answer looked whole)."""


def check_body_complete(response: requests.Response) -> requests.Response:
    """Raise :class:`TruncatedBodyError` when a read body is shorter than its Content-Length."""
    announced = response.headers.get("Content-Length")
    if announced is None or response.request is None or response.request.method == "HEAD" \
            or response.status_code in (204, 304) or getattr(response, "_content_consumed", False) is False:
        return response
    try:
        expected = int(announced)
    except ValueError:
        return response
    encoding = (response.headers.get("Content-Encoding") or "identity").lower()
    chunks = getattr(response, "body_chunks", None)
    if encoding == "identity":
        received = sum(map(len, chunks)) if chunks is not None else len(response.content or b"")
    else:  # the announced length is of the encoded body: what came off the wire
        tell = getattr(response.raw, "tell", None)
        received = tell() if callable(tell) else expected
    if received < expected:
        raise TruncatedBodyError(f"the answer was cut short ({received} of {expected} bytes)")
    return response


def request(session: requests.Session, method: str, url: str, *, what: str = "The service",
            timeout: Optional[tuple] = None, **kwargs: Any) -> requests.Response:
    """Send a request and return a successful response, or raise a plugin error."""
    try:
        response = session.request(method, url, timeout=timeout or default_timeout(), **kwargs)
        if not kwargs.get("stream"):
            check_body_complete(response)
    except requests.exceptions.RequestException as err:
        raise map_transport_error(err, url, what) from err
    return raise_for_status(response, what)


# What a read is retried on: the connection dropped or the body came short (a proxy or a
# load balancer cut it), or a gateway answered 502/503/504 or 429 (Retry-After honoured).
RETRY_STATUSES = (429, 502, 503, 504)
RETRY_AFTER_CAP = 30.0


def _read_capped(response: requests.Response, max_bytes: int, what: str, keep_chunks: bool = False) -> None:
    """Read a streamed body into ``response.content``, refusing one over ``max_bytes``
    (a page of results is megabytes; gigabytes would exhaust QGIS's memory). With
    ``keep_chunks`` the body is left in pieces, as ``response.body_chunks`` (joined, a page
    of 16 MB holds the interpreter lock 4-15 ms), and ``response.content`` is not set."""
    announced = response.headers.get("Content-Length")
    too_big = errors.MalformedResponseError(
        f"{what} sent an answer larger than {max_bytes // (1024 * 1024)} MiB; it was not read.",
        url=redact_url(response.url))
    if announced and announced.isdigit() and int(announced) > max_bytes:
        response.close()
        raise too_big
    chunks, total = [], 0
    # pieces: each is fresh memory touched while holding the interpreter lock (1 MiB ~1 ms)
    for chunk in response.iter_content(PIECE_BYTES if keep_chunks else 1 << 20):
        breathe()  # a search task reading a page: QGIS's GUI thread first (see jsonstream.gui_turn)
        total += len(chunk)
        if total > max_bytes:
            response.close()
            raise too_big
        chunks.append(chunk)
    if keep_chunks:
        response.body_chunks = chunks
    else:
        response._content = b"".join(chunks)
    response._content_consumed = True


def request_retrying(session: requests.Session, method: str, url: str, *, what: str = "The service",
                     attempts: int = 3, backoff: float = 0.5, timeout: Optional[tuple] = None,
                     sleep: Any = pause, max_bytes: Optional[int] = None, keep_chunks: bool = False,
                     **kwargs: Any) -> requests.Response:
    """:func:`request` for reads (GET, or a search sent as POST): a dropped connection, a
    truncated body or a transient gateway status is tried again, ``attempts`` times in all
    with doubling pauses; what still fails is raised as :func:`request` does. ``max_bytes``
    caps the body's size; with it, ``keep_chunks`` leaves a successful body in pieces
    (``response.body_chunks``, see :func:`_read_capped`)."""
    attempt = 0
    while True:
        attempt += 1
        try:
            response = session.request(method, url, timeout=timeout or default_timeout(),
                                       stream=bool(max_bytes) or kwargs.pop("stream", False), **kwargs)
            if max_bytes and response.status_code < 300:
                _read_capped(response, max_bytes, what, keep_chunks)
            if response._content_consumed:
                check_body_complete(response)
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as err:
            if attempt >= attempts or isinstance(err, (requests.exceptions.SSLError,
                                                       requests.exceptions.ProxyError)):
                raise map_transport_error(err, url, what) from err
            log.debug("retrying %s %s after %s", method, redact_url(url), type(err).__name__)
            sleep(backoff * 2 ** (attempt - 1))
            continue
        except requests.exceptions.RequestException as err:
            raise map_transport_error(err, url, what) from err
        if response.status_code in RETRY_STATUSES and attempt < attempts:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is None or wait <= RETRY_AFTER_CAP:
                log.debug("retrying %s %s after HTTP %d", method, redact_url(url), response.status_code)
                response.close()
                sleep(wait if wait is not None else backoff * 2 ** (attempt - 1))
                continue
        return raise_for_status(response, what)


def read_body(response: requests.Response) -> bytes:
    """The whole body of a response requested with ``stream=True`` (what ``response.content``
    gives), read in one call: ``content`` reads 10 kB at a time, ~30 ms of CPU for a 16 MB
    page of search results instead of ~9. Transfer errors are raised as requests' own."""
    if response._content is not False:  # already read (an error message, a second call)
        return response.content
    try:
        body = response.raw.read(decode_content=True)
    except urllib3.exceptions.ReadTimeoutError as err:
        raise requests.exceptions.ReadTimeout(err, request=response.request) from err
    except (urllib3.exceptions.HTTPError, OSError) as err:
        raise requests.exceptions.ConnectionError(err, request=response.request) from err
    response._content = body or b""
    response._content_consumed = True
    return response._content


def get_json(session: requests.Session, url: str, *, what: str = "The service", **kwargs: Any) -> Any:
    response = request(session, "GET", url, what=what, **kwargs)
    return response_json(response, what)


def response_json(response: requests.Response, what: str = "The service") -> Any:
    try:
        return response.json()
    except ValueError as err:
        ctype = response.headers.get("Content-Type", "?")
        raise errors.MalformedResponseError(
            f"{what} answered with something that is not JSON ({ctype}).",
            url=redact_url(response.url), details=redact_text(response.text[:300])) from err
