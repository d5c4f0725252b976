"""The USGS M2M JSON API as the service wants to be used.

- Every answer is an envelope ``{data, errorCode, errorMessage}``; ``errorCode`` is checked
  even on HTTP 200 (a failed login answers 200 with ``AUTH_INVALID``: recorded
  ``usgs-m2m/landsatxplore/login_error.json``).
- One request at a time per API key: M2M answers ``RATE_LIMIT`` ("User attempted to run
  multiple requests at a time") to parallel requests, so calls are serialised per account and
  endpoint; if it still happens the call is retried once after a pause (3 s, as landsatxplore
  and usgsxplore do).
- ``AUTH_EXPIRED`` / ``AUTH_KEY_INVALID``: log in again once (the stale key is dropped, never
  sent again, not even to ``logout``), then "Credentials rejected for <connection>".
- A dropped connection, a cut answer or a gateway's 502/503/504 on a read-only call
  (:data:`READ_ONLY`, ``scene-search`` included) is tried again, up to
  :data:`TRANSIENT_ATTEMPTS` times, with the key the manager holds *now* (another task may
  have logged in meanwhile); calls that change state are not replayed.
- ``RATE_LIMIT_USER_DL`` ("an user/IP address can request 15,000 maximum downloads within a
  15 minutes period", M2M docs quoted in ernstste/landsatlinks #3): :class:`DownloadLimitError`
  saying when to try again.
- ``DATASET_AUTH`` on a Collection 1 dataset: Collection 1 is retired (since 2022-12-31,
  landsatxplore #93); the message names the Collection 2 dataset.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import re
import threading
from typing import Any, Callable, Dict, Mapping, Optional

import requests

from ... import errors
from ...cancellation import pause
from ...auth.tokens import CredentialsRejectedError, TokenManager
from ...net import http
from ...net.redact import redact_text, redact_url

LOG = logging.getLogger(__name__)

WHAT = "USGS M2M"
DEFAULT_URL = "https://m2m.cr.usgs.gov/api/api/json/stable/"
RATE_LIMIT_PAUSE = 3.0              # landsatxplore / usgsxplore: one retry after 3 s
DOWNLOAD_LIMIT_WINDOW = 15 * 60.0   # "15,000 maximum downloads within a 15 minutes period"
# calls that only read: sent again when the connection drops, the answer is cut short or a
# gateway answers 502/503/504 (download-request and logout change state: never replayed)
READ_ONLY = frozenset({"scene-search", "scene-metadata", "dataset-search", "dataset-filters", "dataset",
                       "download-options", "download-retrieve", "permissions", "grid2ll"})
TRANSIENT_ATTEMPTS = 4
TRANSIENT_PAUSE = 0.5               # doubled after each failure
_AUTH_RENEW = frozenset({"AUTH_EXPIRED", "AUTH_KEY_INVALID", "AUTH_UNAUTHORIZED", "AUTH_UNAUTHROIZED"})

# Collection 1 dataset -> its Collection 2 successor (eodag usgs.yml names the C2 datasets)
_C1_TO_C2 = {
    "landsat_8_c1": "landsat_ot_c2_l1", "lsr_landsat_8_c1": "landsat_ot_c2_l2",
    "landsat_etm_c1": "landsat_etm_c2_l1", "lsr_landsat_etm_c1": "landsat_etm_c2_l2",
    "landsat_tm_c1": "landsat_tm_c2_l1", "lsr_landsat_tm_c1": "landsat_tm_c2_l2",
    "landsat_mss_c1": "landsat_mss_c2_l1",
}


def collection2_of(dataset: str) -> Optional[str]:
    """The Collection 2 dataset replacing a Collection 1 dataset name, or None."""
    name = (dataset or "").lower()
    if name in _C1_TO_C2:
        return _C1_TO_C2[name]
    if re.search(r"_c1$", name):
        return re.sub(r"^lsr_", "", name)[:-3] + ("_c2_l2" if name.startswith("lsr_") else "_c2_l1")
    return None


class DownloadLimitError(errors.RateLimitedError):
    """M2M's download quota is used up (``RATE_LIMIT_USER_DL``); ``retry_at`` is when to try again."""

    def __init__(self, message: str, retry_at: _dt.datetime, **kwargs: Any):
        super().__init__(message, retry_after=DOWNLOAD_LIMIT_WINDOW, **kwargs)
        self.retry_at = retry_at


_locks: Dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def key_lock(api_url: str, username: str) -> threading.Lock:
    """The lock that keeps requests with one API key one at a time (per account and endpoint)."""
    name = f"{api_url}|{username}"
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


class _Transient(Exception):
    """A failure of the transport or of a gateway (not M2M's own answer): ``error`` is the
    plugin error to raise when no more attempts are left."""

    def __init__(self, error: errors.EoSceneFinderError):
        super().__init__(error.user_message)
        self.error = error


class M2MClient:
    """Calls on one connection's API key, one at a time; see the module docstring.

    ``manager`` is the :class:`TokenManager` holding the connection's ``UsgsSession``;
    ``wait(seconds)`` pauses (returns True when cancelled)."""

    def __init__(self, connection, manager: TokenManager, *,
                 wait: Optional[Callable[[float], bool]] = None,
                 session_factory: Callable[[], requests.Session] = http.new_session):
        self.connection = connection
        base = connection.url or DEFAULT_URL
        self.api_url = base if base.endswith("/") else base + "/"
        self.manager = manager
        self.rate_limit_pause = float(connection.option("rate_limit_pause", RATE_LIMIT_PAUSE))
        self._wait = wait or pause
        self._session_factory = session_factory
        self._local = threading.local()
        username = str(manager.credentials_for(connection).get("username") or "")
        self.lock = key_lock(self.api_url, username)

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._session_factory()
        return session

    def call(self, endpoint: str, payload: Mapping[str, Any]) -> Any:
        """``data`` of the answer to ``endpoint``; a plain error for any ``errorCode``."""
        with self.lock:
            headers = self.manager.headers(self.connection)
            renewed = rate_retried = False
            failures = 0
            while True:
                try:
                    body, status = self._post(endpoint, payload, headers)
                except _Transient as transient:
                    failures += 1
                    if endpoint not in READ_ONLY or failures >= TRANSIENT_ATTEMPTS:
                        raise transient.error from transient.error.__cause__
                    LOG.info("USGS M2M %s failed (%s); trying again", endpoint, transient.error.user_message)
                    if self._wait(TRANSIENT_PAUSE * 2 ** (failures - 1)):
                        raise transient.error from transient.error.__cause__
                    headers = self.manager.headers(self.connection)  # the current key, never a refused one
                    continue
                code = body.get("errorCode")
                if not code:
                    if status >= 400:
                        http.raise_for_status(self._last_response, WHAT)
                    return body.get("data")
                code = str(code)
                message = redact_text(str(body.get("errorMessage") or code))
                if code == "RATE_LIMIT" and not rate_retried:
                    rate_retried = True
                    LOG.info("USGS M2M answered RATE_LIMIT (%s); retrying once in %.0f s", message,
                             self.rate_limit_pause)
                    self._wait(self.rate_limit_pause)
                    continue
                if code in _AUTH_RENEW and not renewed:
                    renewed = True
                    LOG.info("USGS M2M refused the API key of %s (%s): logging in again", self.connection.name, code)
                    headers = self.manager.refresh(self.connection, rejected=headers)
                    continue
                raise self._error(endpoint, payload, code, message, status)

    def _post(self, endpoint: str, payload: Mapping[str, Any], headers: Mapping[str, str]):
        url = self.api_url + endpoint
        try:
            response = self._session().post(url, data=json.dumps(payload), timeout=http.default_timeout(),
                                            headers={"Content-Type": "application/json", **headers})
        except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError) as err:
            mapped = http.map_transport_error(err, url, WHAT)
            if isinstance(err, (requests.exceptions.SSLError, requests.exceptions.ProxyError)):
                raise mapped from err
            mapped.__cause__ = err
            raise _Transient(mapped) from err
        except requests.exceptions.RequestException as err:
            raise http.map_transport_error(err, url, WHAT) from err
        self._last_response = response
        try:
            body = response.json()
        except ValueError:
            if response.status_code in (502, 503, 504):  # a gateway's page, not M2M's envelope
                try:
                    http.raise_for_status(response, WHAT)
                except errors.EoSceneFinderError as err:
                    raise _Transient(err) from None
            http.raise_for_status(response, WHAT)
            raise errors.MalformedResponseError(f"{WHAT} answered {endpoint} with something that is not JSON.",
                                                url=redact_url(url), status=response.status_code)
        if not isinstance(body, dict):
            raise errors.MalformedResponseError(f"{WHAT} answered {endpoint} with an unexpected document.",
                                                url=redact_url(url))
        return body, response.status_code

    def _error(self, endpoint: str, payload: Mapping[str, Any], code: str, message: str,
               status: int) -> errors.EoSceneFinderError:
        url = redact_url(self.api_url + endpoint)
        kw = dict(url=url, status=status, server_message=message, details=f"{code}: {message}")
        if code in _AUTH_RENEW or code in ("AUTH_INVALID", "AUTH_UNAUTHORIZED"):
            return CredentialsRejectedError(self.connection.name, f"USGS M2M: {message}", url=url, status=status)
        if code == "RATE_LIMIT":
            return errors.RateLimitedError(
                f"{WHAT} refused a request again because another one with the same API key was running "
                f"({message}). Wait a moment and try again; do not run several USGS tasks at once.",
                retry_after=self.rate_limit_pause, **kw)
        if code == "RATE_LIMIT_USER_DL":
            retry_at = _dt.datetime.now(_dt.timezone.utc) + _dt.timedelta(seconds=DOWNLOAD_LIMIT_WINDOW)
            return DownloadLimitError(
                f"USGS download limit reached ({message}): no more downloads are requested now. "
                f"Try again after {retry_at:%H:%M} UTC (USGS counts downloads over 15 minutes).", retry_at, **kw)
        dataset = str(payload.get("datasetName") or "")
        successor = collection2_of(dataset)
        if code == "DATASET_AUTH" and successor:
            return errors.InvalidRequestError(
                f"{dataset} is a Landsat Collection 1 dataset: USGS retired Collection 1 at the end of "
                f"2022 and no longer serves it. Use the Collection 2 dataset {successor} instead.")
        if code.startswith("DATASET"):
            return errors.BadRequestError(f"{WHAT} refused the dataset {dataset or '?'}: {message}", **kw)
        if code.startswith(("INPUT", "SEARCH")):
            return errors.BadRequestError(f"{WHAT} rejected the {endpoint} request: {message}", **kw)
        if code in ("SERVER_ERROR", "ENDPOINT_UNAVAILABLE", "UNKNOWN"):
            return errors.ServerError(f"{WHAT} failed on {endpoint}: {message}", **kw)
        return errors.ServiceError(f"{WHAT} refused {endpoint}: {message} ({code})", **kw)

    def logout(self) -> None:
        """End the API key (``logout``), after any request in flight."""
        with self.lock:
            self.manager.logout(self.connection)

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()
            self._local.session = None
