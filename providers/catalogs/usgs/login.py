"""USGS M2M logins: ``login-token`` (username + application token) gives an API key of about
2 h, sent as ``X-Auth-Token``, renewed, and ended with ``logout``; the ``usgs`` kind (:mod:`.provider`) logs in with it."""
from __future__ import annotations

import json
import logging
import time
import weakref
from typing import Any, Dict, Optional

import requests

from ... import errors
from ...net import http
from ...net.redact import redact_text, register_secret
from ...auth.credentials import USER_FIELD, AuthScheme, CredentialField, register_scheme
from ...auth.tokens import DEFAULT_MARGIN, AuthSession, CredentialsRejectedError, LoginRequiredError, register_session


LOG = logging.getLogger(__name__)

USGS_KEY_LIFETIME = 2 * 3600.0
LOGIN_ATTEMPTS = 4
LOGIN_PAUSE = 0.5

USGS_SCHEME = AuthScheme(
    "usgs", "USGS M2M account (username + application token)", "EOSF_USGS_",
    (USER_FIELD, CredentialField("token", "M2M application token", env_suffix="TOKEN")),
    required=("username", "token"), service="USGS M2M", session="usgs-m2m")

_sessions: "weakref.WeakSet[UsgsSession]" = weakref.WeakSet()


def forget_api_key(key: str) -> None:
    """An API key was logged out elsewhere (*Test connection*): the sessions holding it log in
    anew next time instead of sending it again."""
    for session in list(_sessions):
        with session.lock:
            if session.api_key == key:
                session.api_key = None


class UsgsSession(AuthSession):
    """USGS M2M: ``login-token`` gives an API key (about 2 h) sent as ``X-Auth-Token``."""

    def __init__(self, manager, connection, credentials, scheme=None):
        super().__init__(manager, connection, credentials, scheme or USGS_SCHEME)
        _sessions.add(self)
        base = connection.url or "https://m2m.cr.usgs.gov/api/api/json/stable/"
        self.api_url = base if base.endswith("/") else base + "/"
        self.lifetime = float((connection.options or {}).get("key_lifetime") or USGS_KEY_LIFETIME)
        self.api_key: Optional[str] = None
        self.expires_at = 0.0

    def _call(self, endpoint: str, payload: dict, headers: Optional[dict] = None) -> Any:
        url = self.api_url + endpoint
        session = self.manager.http_session()
        # login-token is sent again when the connection drops, the answer is cut short or a
        # gateway answers 502/503/504: it carries the application token, never an API key,
        # and a key lost in a cut answer is simply never used. logout is not replayed.
        attempts = LOGIN_ATTEMPTS if endpoint == "login-token" else 1
        for attempt in range(1, attempts + 1):
            try:
                response = session.post(url, data=json.dumps(payload), timeout=http.default_timeout(),
                                        headers=dict({"Content-Type": "application/json"}, **(headers or {})))
            except (requests.exceptions.SSLError, requests.exceptions.ProxyError) as err:
                raise http.map_transport_error(err, url, "USGS M2M") from err
            except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError) as err:
                if attempt >= attempts:
                    raise http.map_transport_error(err, url, "USGS M2M") from err
            except requests.exceptions.RequestException as err:
                raise http.map_transport_error(err, url, "USGS M2M") from err
            else:
                if response.status_code not in (502, 503, 504) or attempt >= attempts:
                    break
            time.sleep(LOGIN_PAUSE * 2 ** (attempt - 1))
        body = None
        try:
            body = response.json()
        except ValueError:
            pass
        if isinstance(body, dict) and body.get("errorCode"):
            code = str(body.get("errorCode"))
            message = redact_text(str(body.get("errorMessage") or code))
            if code.startswith("AUTH") or response.status_code in (401, 403):
                raise CredentialsRejectedError(self.name, f"USGS M2M: {message}",
                                               url=url, status=response.status_code)
            raise errors.BadRequestError(f"USGS M2M rejected the request: {message}",
                                         server_message=message, url=url, status=response.status_code)
        http.raise_for_status(response, "USGS M2M")
        if not isinstance(body, dict):
            raise errors.MalformedResponseError("USGS M2M answered with something that is not JSON.", url=url)
        return body.get("data")

    def _login(self) -> None:
        username = self.credentials.get("username")
        app_token = self.credentials.get("token")
        if not username or not app_token:
            raise LoginRequiredError(
                f"No USGS username and application token for {self.name}: add them in EO Scene "
                f"Finder → Connections…, or set EOSF_USGS_USERNAME and EOSF_USGS_TOKEN.")
        key = self._call("login-token", {"username": username, "token": app_token})
        if not isinstance(key, str) or not key:
            raise errors.MalformedResponseError("USGS M2M did not send an API key.", url=self.api_url)
        register_secret(key)
        self.api_key = key
        self.expires_at = self.manager.clock() + self.lifetime
        self._mark_success()
        LOG.info("Logged in to USGS M2M for %s", self.name)

    def _ensure(self, force: bool, rejected: Optional[str]) -> str:
        now = self.manager.clock()
        if self.api_key is not None:
            if force and rejected is not None and self.api_key != rejected:
                return self.api_key
            if not force and self.expires_at - now > min(DEFAULT_MARGIN, self.lifetime / 2):
                return self.api_key
            if force and rejected is not None:
                # the service refused this key (expired, invalid): never send it again,
                # not even to ``logout``
                self.api_key = None
            else:
                self._logout_quietly()
        self._login()
        return self.api_key

    def headers(self) -> Dict[str, str]:
        return {"X-Auth-Token": self._guarded(lambda: self._ensure(False, None))}

    def refresh(self, rejected=None) -> Dict[str, str]:
        old = dict(rejected or {}).get("X-Auth-Token")
        return {"X-Auth-Token": self._guarded(lambda: self._ensure(True, old))}

    def _logout_quietly(self) -> None:
        key, self.api_key = self.api_key, None
        if not key:
            return
        try:
            self._call("logout", {}, headers={"X-Auth-Token": key})
            LOG.info("Logged out of USGS M2M for %s", self.name)
        except errors.EoSceneFinderError as err:
            LOG.info("USGS M2M logout for %s failed: %s", self.name, err.user_message)

    def close(self) -> None:
        with self.lock:
            self._logout_quietly()


register_session("usgs-m2m", UsgsSession)
register_scheme(USGS_SCHEME)
