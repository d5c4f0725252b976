"""One token manager shared by search, signing and downloads.

For each connection the manager keeps an :class:`AuthSession` that knows how to turn the
connection's credentials into request headers, and keeps them valid:

- :class:`PasswordGrantSession` - OAuth2 password grant with refresh token (CDSE
  ``cdse-public``, CREODIAS), with a two-factor code or TOTP secret when the account needs it;
- :class:`DeviceCodeSession` - OAuth2 device-code flow (DINAMIS ``client_id=gdal``): a
  prompt (the QGIS dialog) shows the link and code while this thread polls; the refresh
  token is kept in the credential store so later sessions renew silently;
- :class:`StaticHeadersSession` - API keys sent as headers (DINAMIS ``access-key`` /
  ``secret-key``, Planetary Computer ``Ocp-Apim-Subscription-Key``) and Earthdata bearer
  tokens;
- :class:`UsgsSession` - USGS M2M ``login-token`` API keys (about 2 h) with ``logout``.

Tokens are renewed before they expire (under 60 s left, 30 s for DINAMIS, or half the
lifetime of short-lived tokens); when the refresh token is gone or refused the session logs
in again. One lock per connection makes concurrent tasks share one token request.
A 401 during a search or download gets one refresh and retry (:meth:`TokenManager.call_with_auth`,
:class:`~.headers.ConnectionHeaders`); a second 401 raises :class:`CredentialsRejectedError`.

Nothing here imports qgis.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional

import requests

from .. import errors
from ..net import http
from .credentials import AuthScheme, CredentialStore, Credentials, MemorySecretStore, is_totp_secret, register_values, scheme_for, totp_code
from ..net.redact import MASK, redact_text, register_secret
from .headers import ConnectionHeaders

LOG = logging.getLogger(__name__)

DEFAULT_MARGIN = 60.0      # renew OAuth tokens when fewer seconds remain
DINAMIS_MARGIN = 30.0
MANAGER_HINT = "open EO Scene Finder → Connections… to check them"


# --------------------------------------------------------------------------------------
# Errors


class CredentialsRejectedError(errors.AuthenticationError):
    """The service refused this connection's credentials, even after a refresh."""

    def __init__(self, connection_name: str, reason: Optional[str] = None, **kwargs: Any):
        self.connection_name = connection_name
        text = f"Credentials rejected for {connection_name}"
        if reason:
            text += f" ({redact_text(reason)})"
        text += f": {MANAGER_HINT}."
        super().__init__(text, **kwargs)


class LoginRequiredError(errors.AuthenticationError):
    """A login needs the user (a browser login, a new two-factor code) and none can be asked."""


class LoginCancelledError(errors.AuthenticationError):
    level = "warning"
    default_message = "The login was cancelled."


class LoginExpiredError(errors.AuthenticationError):
    default_message = "The login code expired before it was approved: start the login again."


class _OAuthError(Exception):
    """An OAuth2 error answer (``{"error": ..., "error_description": ...}``)."""

    def __init__(self, error: str, description: str, status: int, url: str):
        self.error = error
        self.description = description
        self.status = status
        self.url = url
        super().__init__(f"{error}: {description}")


# --------------------------------------------------------------------------------------
# Tokens


@dataclass
class Token:
    """An access token and what is needed to renew it. Its ``repr`` hides the values."""

    access_token: str
    expires_at: float
    issued_at: float
    refresh_token: Optional[str] = None
    refresh_expires_at: Optional[float] = None  # None: no known expiry
    token_type: str = "Bearer"

    def __repr__(self) -> str:
        return (f"Token(access_token={MASK}, expires_at={self.expires_at:.0f}, "
                f"refresh_token={MASK if self.refresh_token else None})")

    @property
    def lifetime(self) -> float:
        return max(0.0, self.expires_at - self.issued_at)

    def remaining(self, now: float) -> float:
        return self.expires_at - now

    def refresh_usable(self, now: float) -> bool:
        if not self.refresh_token:
            return False
        return self.refresh_expires_at is None or self.refresh_expires_at - now > 1.0


def token_from_response(data: Any, now: float, url: str = "") -> Token:
    """A :class:`Token` from an OAuth2 token answer."""
    if not isinstance(data, dict) or not isinstance(data.get("access_token"), str):
        raise errors.MalformedResponseError(
            "The login service answered without an access token.", url=url)
    try:
        expires_in = float(data.get("expires_in") or 300)
    except (TypeError, ValueError):
        expires_in = 300.0
    refresh = data.get("refresh_token") if isinstance(data.get("refresh_token"), str) else None
    refresh_expires_at = None
    raw = data.get("refresh_expires_in")
    try:
        if raw not in (None, "") and float(raw) > 0:  # 0 = offline token without expiry
            refresh_expires_at = now + float(raw)
    except (TypeError, ValueError):
        pass
    token = Token(access_token=data["access_token"], expires_at=now + expires_in, issued_at=now,
                  refresh_token=refresh, refresh_expires_at=refresh_expires_at,
                  token_type=str(data.get("token_type") or "Bearer"))
    register_secret(token.access_token)
    if token.refresh_token:
        register_secret(token.refresh_token)
    if isinstance(data.get("id_token"), str):
        register_secret(data["id_token"])
    return token


# --------------------------------------------------------------------------------------
# Device-code authorization (what the dialog shows)


class DeviceAuthorization:
    """A pending device-code login: what the user must open, and a way to cancel it.

    ``state`` goes from ``pending`` to ``approved``, ``cancelled``, ``expired``, ``denied``
    or ``failed``; callbacks added with :meth:`add_done_callback` run (in the polling
    thread) when it leaves ``pending``.
    """

    def __init__(self, connection_name: str, user_code: str, verification_uri: str,
                 verification_uri_complete: Optional[str], expires_in: float, interval: float):
        self.connection_name = connection_name
        self.user_code = user_code
        self.verification_uri = verification_uri
        self.verification_uri_complete = verification_uri_complete or verification_uri
        self.expires_in = expires_in
        self.interval = interval
        self.started = time.monotonic()
        self.state = "pending"
        self.message = ""
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._callbacks: List[Callable[["DeviceAuthorization"], None]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DeviceAuthorization({self.connection_name!r}, state={self.state})"

    def seconds_left(self) -> float:
        return max(0.0, self.expires_in - (time.monotonic() - self.started))

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def wait_for_cancel(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True when cancelled meanwhile."""
        return self._cancel.wait(timeout)

    def wait_done(self, timeout: Optional[float] = None) -> bool:
        return self._done.wait(timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def add_done_callback(self, callback: Callable[["DeviceAuthorization"], None]) -> None:
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback(self)

    def finish(self, state: str, message: str = "") -> None:
        with self._lock:
            if self._done.is_set():
                return
            self.state = state
            self.message = message
            self._done.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(self)
            except Exception:  # noqa: BLE001 - a UI callback must not break the login
                LOG.exception("device login callback failed")


DevicePrompt = Callable[[DeviceAuthorization], None]
TotpPrompt = Callable[[str], Optional[str]]


# --------------------------------------------------------------------------------------
# Sessions


class AuthSession:
    """The auth state of one connection. Thread-safe: one lock per connection."""

    def __init__(self, manager: "TokenManager", connection, credentials: Credentials,
                 scheme: Optional[AuthScheme] = None):
        self.manager = manager
        self.connection = connection
        self.credentials = credentials
        self.scheme = scheme or scheme_for(connection)
        self.lock = threading.RLock()
        self._attempts = 0                 # completed login/refresh attempts
        self._last_error: Optional[BaseException] = None

    @property
    def name(self) -> str:
        return self.connection.name

    @property
    def service(self) -> str:
        return self.scheme.service

    def headers(self) -> Dict[str, str]:
        """Auth headers valid now (logging in or refreshing first when needed)."""
        return {}

    def refresh(self, rejected: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        """New headers after ``rejected`` got a 401 (unless another thread already renewed)."""
        raise CredentialsRejectedError(self.name)

    def close(self) -> None:
        """Log out / release what the session holds."""

    # one attempt at a time, and no stampede after a failure ---------------------------
    def _guarded(self, work: Callable[[], Any]) -> Any:
        seen = self._attempts
        with self.lock:
            if self._attempts != seen and self._last_error is not None:
                # another thread tried while we waited for the lock, and failed: do not
                # hammer the service with the same credentials
                raise self._last_error
            try:
                result = work()
            except BaseException as err:
                self._attempts += 1
                self._last_error = err
                raise
            self._last_error = None
            return result

    def _mark_success(self) -> None:
        self._attempts += 1
        self._last_error = None


class NoAuthSession(AuthSession):
    """A connection without credentials: no headers; a 401 means credentials are needed."""

    def refresh(self, rejected=None):
        raise CredentialsRejectedError(self.name, "the service asks for credentials, none are set")


class StaticHeadersSession(AuthSession):
    """API keys and bearer tokens that do not expire on our side."""

    def __init__(self, manager, connection, credentials, scheme: Optional[AuthScheme] = None):
        super().__init__(manager, connection, credentials, scheme)
        self._headers = self._build(credentials)

    def _build(self, creds: Mapping[str, str]) -> Dict[str, str]:
        return self.scheme.build_headers(creds)

    def headers(self) -> Dict[str, str]:
        with self.lock:
            return dict(self._headers)

    def refresh(self, rejected=None):
        with self.lock:
            # The user may have fixed the key in the manager meanwhile: read it again.
            fresh = self._build(self.manager.credentials_for(self.connection))
            if fresh and fresh != dict(rejected or self._headers):
                self._headers = fresh
                return dict(fresh)
        raise CredentialsRejectedError(self.name, f"{self.service} refused the key")


class OAuthSession(AuthSession):
    """Common OAuth2 token endpoint logic: refresh before expiry, re-login when needed."""

    margin = DEFAULT_MARGIN

    def __init__(self, manager, connection, credentials, token_url: str, client_id: str,
                 client_secret: Optional[str] = None, scheme: Optional[AuthScheme] = None):
        super().__init__(manager, connection, credentials, scheme)
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.token: Optional[Token] = None
        self._stored_refresh = credentials.get("refresh_token")

    # public -----------------------------------------------------------------------
    def access_token(self) -> str:
        return self._guarded(lambda: self._valid_token(force=False, rejected=None)).access_token

    def headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token()}"}

    def refresh(self, rejected=None) -> Dict[str, str]:
        rejected_token = None
        if rejected:
            value = dict(rejected).get("Authorization", "")
            rejected_token = value.split(" ", 1)[1] if " " in value else value or None
        token = self._guarded(lambda: self._valid_token(force=True, rejected=rejected_token))
        return {"Authorization": f"Bearer {token.access_token}"}

    def refresh_token_value(self, rejected_token: Optional[str] = None) -> str:
        return self._guarded(lambda: self._valid_token(force=True, rejected=rejected_token)).access_token

    def login(self) -> Token:
        """Log in now, ignoring any token or refresh token (the manager's Log in button)."""
        def work():
            self.token = None
            self._stored_refresh = None
            self._install(self._login())
            return self.token
        return self._guarded(work)

    def forget(self) -> None:
        with self.lock:
            self.token = None
            self._stored_refresh = None
        self.manager.persist_refresh_token(self.connection, None)

    # internals --------------------------------------------------------------------
    def _margin_for(self, token: Token) -> float:
        return min(self.margin, token.lifetime / 2.0)

    def _valid_token(self, force: bool, rejected: Optional[str]) -> Token:
        now = self.manager.clock()
        token = self.token
        if token is not None:
            if force and rejected is not None and token.access_token != rejected:
                return token          # another thread renewed it after the 401
            if not force and token.remaining(now) > self._margin_for(token):
                return token
        refresh = None
        if token is not None and token.refresh_usable(now):
            refresh = token.refresh_token
        elif token is None and self._stored_refresh:
            refresh = self._stored_refresh
        if refresh:
            try:
                self._install(self._refresh_grant(refresh))
                return self.token
            except _OAuthError as err:
                LOG.info("%s refused to renew the session of %s (%s); logging in again",
                         self.service, self.name, err.error)
                self.token = None
                self._stored_refresh = None
        self._install(self._login())
        return self.token

    def _install(self, token: Token) -> None:
        self.token = token
        self._mark_success()
        if token.refresh_token and token.refresh_token != self._stored_refresh:
            self._stored_refresh = token.refresh_token
            self.manager.persist_refresh_token(self.connection, token.refresh_token)

    def _client_form(self) -> Dict[str, str]:
        form = {"client_id": self.client_id}
        if self.client_secret:
            form["client_secret"] = self.client_secret
        return form

    def _refresh_grant(self, refresh_token: str) -> Token:
        form = self._client_form()
        form.update(grant_type="refresh_token", refresh_token=refresh_token)
        data = self._post(form)
        LOG.info("Renewed the %s session of %s", self.service, self.name)
        return token_from_response(data, self.manager.clock(), self.token_url)

    def _login(self) -> Token:
        raise NotImplementedError

    def _post(self, form: Dict[str, str], url: Optional[str] = None) -> Any:
        url = url or self.token_url
        session = self.manager.http_session()
        try:
            response = session.post(url, data=form, headers={"Accept": "application/json"},
                                    timeout=http.default_timeout())
        except requests.exceptions.RequestException as err:
            raise http.map_transport_error(err, url, f"The {self.service} login service") from err
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            if isinstance(body, dict) and isinstance(body.get("error"), str):
                raise _OAuthError(body["error"], redact_text(str(body.get("error_description") or "")),
                                  response.status_code, url)
            http.raise_for_status(response, f"The {self.service} login service")
        return http.response_json(response, f"The {self.service} login service")


class PasswordGrantSession(OAuthSession):
    """OAuth2 password grant (CDSE, CREODIAS), with two-factor codes when needed."""

    def __init__(self, manager, connection, credentials, scheme: Optional[AuthScheme] = None):
        options = connection.options or {}
        scheme = scheme or scheme_for(connection)
        super().__init__(manager, connection, credentials,
                         token_url=options.get("token_url") or scheme.token_url,
                         client_id=options.get("client_id") or scheme.client_id,
                         client_secret=options.get("client_secret"), scheme=scheme)
        self._used_code: Optional[str] = None

    def _totp(self) -> Optional[str]:
        value = (self.credentials.get("totp") or "").strip()
        if value and is_totp_secret(value):
            return totp_code(value, self.manager.wall_clock())
        if value and value != self._used_code:
            self._used_code = value          # a one-time code works once
            return value
        if value:  # the one-time code was used: ask for a new one
            prompt = self.manager.totp_prompt
            code = prompt(self.name) if prompt is not None else None
            if code:
                register_secret(code)
                return code
            raise LoginRequiredError(
                f"The {self.service} session of {self.name} ended and the account needs a new "
                f"two-factor code: {MANAGER_HINT.replace('check them', 'log in again')}, or store the "
                f"TOTP secret instead of a one-time code.")
        return None

    def _login(self) -> Token:
        username = self.credentials.get("username")
        password = self.credentials.get("password")
        if not username or not password:
            raise LoginRequiredError(
                f"No username and password for {self.name}: add them in EO Scene Finder → "
                f"Connections…, or set {scheme_for(self.connection).env_prefix}USERNAME and "
                f"{scheme_for(self.connection).env_prefix}PASSWORD.")
        form = self._client_form()
        form.update(grant_type="password", username=username, password=password)
        code = self._totp()
        required = bool(getattr(self.scheme, "totp_required", False))
        if required and not code and self.manager.totp_prompt is not None:
            code = self.manager.totp_prompt(self.name) or None
            if code:
                register_secret(code)
        if required and not code:
            # the service refuses a password grant without the code: do not even ask
            raise LoginRequiredError(
                f"{self.service} needs the two-factor code or TOTP secret of {self.name}: add it in "
                f"EO Scene Finder → Connections… (the TOTP secret lets the plugin log in again by "
                f"itself), or set {scheme_for(self.connection).env_prefix}TOTP.")
        if code:
            form["totp"] = code
        try:
            data = self._post(form)
        except _OAuthError as err:
            reason = err.description or err.error
            if required:
                reason += f"; {self.service} needs the two-factor code or TOTP secret: check that it is current"
            elif not code:
                reason += "; if the account uses two-factor authentication, add the code or TOTP secret"
            raise CredentialsRejectedError(self.name, f"{self.service}: {reason}",
                                           url=err.url, status=err.status) from None
        LOG.info("Logged in to %s for %s", self.service, self.name)
        return token_from_response(data, self.manager.clock(), self.token_url)


class DeviceCodeSession(OAuthSession):
    """OAuth2 device-code flow (DINAMIS): the user approves in a browser, once."""

    margin = DINAMIS_MARGIN

    def __init__(self, manager, connection, credentials, slow_down_step: float = 5.0,
                 scheme: Optional[AuthScheme] = None):
        options = connection.options or {}
        scheme = scheme or scheme_for(connection)
        super().__init__(manager, connection, credentials, token_url=options.get("token_url") or scheme.token_url,
                         client_id=options.get("client_id") or scheme.client_id, scheme=scheme)
        self.device_url = options.get("device_url") or ""
        self.scope = options.get("scope") or "openid offline_access"
        self.slow_down_step = slow_down_step

    def _endpoints(self) -> None:
        if not self.token_url:
            signing = self.connection.options.get("signing_url") or ""
            if not signing:
                raise errors.InvalidRequestError(
                    f"The connection {self.name} has no DINAMIS signing URL to log in with.")
            self.token_url = self.manager.discover_token_url(signing)
        if not self.device_url:
            self.device_url = self.token_url.rstrip("/").rsplit("/", 1)[0] + "/auth/device"

    def _refresh_grant(self, refresh_token: str) -> Token:
        self._endpoints()
        return super()._refresh_grant(refresh_token)

    def _login(self) -> Token:
        self._endpoints()
        prompt = self.manager.device_prompt
        if prompt is None:
            raise LoginRequiredError(
                f"DINAMIS needs a browser login for {self.name}: in QGIS open EO Scene Finder → "
                f"Connections…, select it and click “Log in…” (the login then lasts days), or set "
                f"EOSF_DINAMIS_ACCESS_KEY and EOSF_DINAMIS_SECRET_KEY.")
        try:
            data = self._post(dict(self._client_form(), scope=self.scope), url=self.device_url)
        except _OAuthError as err:
            raise errors.AuthenticationError(
                f"DINAMIS refused to start a login for {self.name}: {err.description or err.error}",
                url=err.url, status=err.status) from None
        if not isinstance(data, dict) or not data.get("device_code") or not data.get("user_code"):
            raise errors.MalformedResponseError("The DINAMIS login service did not send a login code.",
                                                url=self.device_url)
        register_secret(str(data["device_code"]))
        try:
            interval = max(0.01, float(data.get("interval") or 5))
            expires_in = float(data.get("expires_in") or 600)
        except (TypeError, ValueError):
            interval, expires_in = 5.0, 600.0
        auth = DeviceAuthorization(self.name, str(data["user_code"]),
                                   str(data.get("verification_uri") or ""),
                                   data.get("verification_uri_complete"), expires_in, interval)
        self.manager._register_device_authorization(auth)
        try:
            prompt(auth)
            return self._poll(auth, str(data["device_code"]))
        except BaseException as err:
            if not auth.done:
                auth.finish("failed", getattr(err, "user_message", None) or str(err))
            raise
        finally:
            self.manager._unregister_device_authorization(auth)

    def _poll(self, auth: DeviceAuthorization, device_code: str) -> Token:
        interval = auth.interval
        form = dict(self._client_form(), grant_type="urn:ietf:params:oauth:grant-type:device_code",
                    device_code=device_code)
        while True:
            if auth.wait_for_cancel(interval):
                auth.finish("cancelled", "Login cancelled.")
                raise LoginCancelledError(f"The DINAMIS login for {self.name} was cancelled.")
            if auth.seconds_left() <= 0:
                auth.finish("expired", "The code expired.")
                raise LoginExpiredError(f"The DINAMIS login code for {self.name} expired before it "
                                        f"was approved: start the login again.")
            try:
                data = self._post(form)
            except _OAuthError as err:
                if err.error == "authorization_pending":
                    continue
                if err.error == "slow_down":
                    interval += self.slow_down_step
                    continue
                if err.error == "expired_token":
                    auth.finish("expired", "The code expired.")
                    raise LoginExpiredError(f"The DINAMIS login code for {self.name} expired before "
                                            f"it was approved: start the login again.") from None
                if err.error == "access_denied":
                    auth.finish("denied", "The login was refused.")
                    raise CredentialsRejectedError(self.name, "the login was refused in the browser") from None
                auth.finish("failed", err.description or err.error)
                raise errors.AuthenticationError(
                    f"The DINAMIS login for {self.name} failed: {err.description or err.error}",
                    url=err.url, status=err.status) from None
            token = token_from_response(data, self.manager.clock(), self.token_url)
            auth.finish("approved", "Logged in.")
            LOG.info("Logged in to DINAMIS for %s", self.name)
            return token


class TokenProvider:
    """The bearer token of one connection: ``provider()`` -> token, ``provider.refresh()``
    -> a renewed token (after a 401). For signers that want a bare token.

    ``login_on_demand``: a service that works anonymously (a DINAMIS signing service with
    authentication disabled) is called without a token until it answers 401, so nobody is
    asked to log in for nothing."""

    login_on_demand = True

    def __init__(self, manager: "TokenManager", connection):
        self.manager = manager
        self.connection = connection
        self._local = threading.local()

    def __call__(self) -> str:
        token = self.manager.bearer_token(self.connection)
        self._local.last = token
        return token

    def refresh(self) -> str:
        last = getattr(self._local, "last", None)
        headers = self.manager.refresh(self.connection,
                                       rejected={"Authorization": f"Bearer {last}"} if last else None)
        token = headers.get("Authorization", "").split(" ", 1)[-1]
        self._local.last = token
        return token


# --------------------------------------------------------------------------------------
# Manager


class TokenManager:
    """Keeps one :class:`AuthSession` per connection, shared by every task.

    ``credentials``: where secrets come from (and where refresh tokens are kept).
    ``device_prompt``: called with a :class:`DeviceAuthorization` when a browser login is
    needed (the QGIS dialog); None means headless (a clear error instead).
    ``totp_prompt``: asked for a new two-factor code when a one-time code is used up.
    ``clock``: a monotonic clock in seconds (tests share a fake one with their servers).
    """

    def __init__(self, credentials: Optional[CredentialStore] = None, *,
                 device_prompt: Optional[DevicePrompt] = None, totp_prompt: Optional[TotpPrompt] = None,
                 clock: Callable[[], float] = time.monotonic, wall_clock: Callable[[], float] = time.time,
                 session_factory: Callable[[], requests.Session] = http.new_session,
                 slow_down_step: float = 5.0):
        self.credentials = credentials if credentials is not None else CredentialStore(MemorySecretStore())
        self.device_prompt = device_prompt
        self.totp_prompt = totp_prompt
        self.clock = clock
        self.wall_clock = wall_clock
        self.session_factory = session_factory
        self.slow_down_step = slow_down_step
        self._sessions: Dict[str, AuthSession] = {}
        self._fingerprints: Dict[str, str] = {}
        self._lock = threading.RLock()
        self._local = threading.local()
        self._token_urls: Dict[str, str] = {}
        self._device_auths: List[DeviceAuthorization] = []
        self._persisting = threading.local()
        if hasattr(self.credentials, "add_listener"):
            self.credentials.add_listener(self._credentials_changed)

    # plumbing ---------------------------------------------------------------------
    def http_session(self) -> requests.Session:
        """A requests session for this thread (proxy/TLS settings from ``http``)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = self.session_factory()
            self._local.session = session
        return session

    def credentials_for(self, connection) -> Credentials:
        return self.credentials.get(connection)

    def persist_refresh_token(self, connection, refresh_token: Optional[str]) -> None:
        """Keep the refresh token with the connection's secrets (best effort)."""
        if "refresh_token" not in {f.key for f in scheme_for(connection).fields}:
            return
        self._persisting.active = True
        try:
            self.credentials.update(connection.name, refresh_token=refresh_token)
        except errors.EoSceneFinderError as err:
            LOG.warning("Could not keep the login of %s for next time: %s", connection.name,
                        err.user_message)
        finally:
            self._persisting.active = False

    def _credentials_changed(self, name: str) -> None:
        if getattr(self._persisting, "active", False):
            return
        self.forget(name)

    def discover_token_url(self, signing_url: str) -> str:
        """The token URL of a DINAMIS-like signing service, from its ``openapi.json``."""
        with self._lock:
            if signing_url in self._token_urls:
                return self._token_urls[signing_url]
        url = signing_url.rstrip("/") + "/openapi.json"
        spec = http.get_json(self.http_session(), url, what="The signing service")
        token_url = _find_token_url(spec)
        if not token_url:
            raise errors.MalformedResponseError(
                "The signing service does not say where to log in (no tokenUrl in openapi.json).", url=url)
        if token_url.startswith("/"):
            from urllib.parse import urljoin
            token_url = urljoin(signing_url, token_url)
        with self._lock:
            self._token_urls[signing_url] = token_url
        return token_url

    def _register_device_authorization(self, auth: DeviceAuthorization) -> None:
        with self._lock:
            self._device_auths.append(auth)

    def _unregister_device_authorization(self, auth: DeviceAuthorization) -> None:
        with self._lock:
            if auth in self._device_auths:
                self._device_auths.remove(auth)

    # sessions ---------------------------------------------------------------------
    def session_for(self, connection) -> AuthSession:
        fingerprint = json.dumps(connection.to_dict(), sort_keys=True, default=str)
        with self._lock:
            session = self._sessions.get(connection.name)
            if session is not None and self._fingerprints.get(connection.name) == fingerprint:
                return session
            if session is not None:
                session.close()
            session = self._new_session(connection)
            self._sessions[connection.name] = session
            self._fingerprints[connection.name] = fingerprint
            return session

    def _new_session(self, connection) -> AuthSession:
        scheme = scheme_for(connection)
        creds = self.credentials_for(connection)
        register_values(creds, scheme)
        factory = _SESSION_KINDS.get(scheme.session)
        if factory is None:
            raise errors.InvalidRequestError(
                f"The connection {connection.name} needs a “{scheme.session}” login, which this version cannot do.")
        return factory(self, connection, creds, scheme)

    def forget(self, name: str) -> None:
        """Drop the session of ``name`` (its credentials or settings changed)."""
        with self._lock:
            session = self._sessions.pop(name, None)
            self._fingerprints.pop(name, None)
        if session is not None:
            session.close()

    # the hooks ----------------------------------------------------------------------
    def headers(self, connection) -> Dict[str, str]:
        """Auth headers to send to ``connection``'s services now."""
        return self.session_for(connection).headers()

    def refresh(self, connection, rejected: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
        """New headers after ``rejected`` got a 401 (one refresh, shared by all threads)."""
        return self.session_for(connection).refresh(rejected)

    def bearer_token(self, connection) -> str:
        session = self.session_for(connection)
        if isinstance(session, OAuthSession):
            return session.access_token()
        value = session.headers().get("Authorization", "")
        if not value:
            raise LoginRequiredError(f"The connection {connection.name} has no bearer token.")
        return value.split(" ", 1)[-1]

    def headers_provider(self, connection) -> ConnectionHeaders:
        return ConnectionHeaders(self, connection)

    def token_provider(self, connection) -> TokenProvider:
        return TokenProvider(self, connection)

    def provider_credentials(self, connection) -> Optional[Dict[str, Any]]:
        """What ``connections.open_provider(connection, credentials=...)`` takes: API keys
        (``access_key``/``secret_key``, ``subscription_key``), a ``token_provider`` for bearer
        logins, a ``headers_provider`` for downloads and this manager. None when the
        connection needs no credentials."""
        scheme = scheme_for(connection)
        if scheme.id == "none":
            return None
        creds = self.credentials_for(connection)
        out: Dict[str, Any] = {"headers_provider": self.headers_provider(connection), "token_manager": self}
        for key in ("access_key", "secret_key", "subscription_key", "s3_access_key", "s3_secret_key"):
            if creds.get(key):
                out[key] = creds[key]
        if isinstance(self.session_for(connection), OAuthSession):
            out["token_provider"] = self.token_provider(connection)
        return out

    def call_with_auth(self, connection, func: Callable[[Dict[str, str]], Any]) -> Any:
        """``func(headers)``; on a 401, one refresh and retry; a second 401 raises
        :class:`CredentialsRejectedError`."""
        headers = self.headers(connection)
        try:
            return func(dict(headers))
        except errors.AuthenticationError as err:
            if isinstance(err, CredentialsRejectedError) or err.status != 401:
                raise
            LOG.info("%s answered 401 for %s: renewing the credentials once",
                     redact_text(err.url or "The service"), connection.name)
        fresh = self.refresh(connection, rejected=headers)
        try:
            return func(dict(fresh))
        except errors.AuthenticationError as err:
            if isinstance(err, CredentialsRejectedError):
                raise
            raise CredentialsRejectedError(connection.name, f"HTTP {err.status or 401} again after a renewal",
                                           url=err.url, status=err.status) from err

    # explicit actions (the manager dialog) -----------------------------------------------
    def login(self, connection) -> Dict[str, str]:
        """Log in now (forgetting any stored session); returns the new headers."""
        self.forget(connection.name)
        session = self.session_for(connection)
        if isinstance(session, OAuthSession):
            session.login()
        return session.headers()

    def logout(self, connection) -> None:
        """End the session of ``connection`` and forget its kept login."""
        with self._lock:
            session = self._sessions.pop(connection.name, None)
            self._fingerprints.pop(connection.name, None)
        if isinstance(session, OAuthSession):
            session.forget()
        elif session is not None:
            session.close()
        elif "refresh_token" in {f.key for f in scheme_for(connection).fields}:
            self.persist_refresh_token(connection, None)

    def cancel_logins(self) -> None:
        """Cancel every pending browser login (plugin unload)."""
        with self._lock:
            pending = list(self._device_auths)
        for auth in pending:
            auth.cancel()

    def close(self) -> None:
        """Cancel pending logins and log out of everything (USGS ``logout``)."""
        self.cancel_logins()
        with self._lock:
            sessions = list(self._sessions.values())
            self._sessions.clear()
            self._fingerprints.clear()
        for session in sessions:
            session.close()


SessionFactory = Callable[["TokenManager", Any, Credentials, AuthScheme], AuthSession]


def _device_code_or_keys(manager: "TokenManager", connection, creds: Credentials, scheme: AuthScheme) -> AuthSession:
    if scheme.build_headers(creds):
        return StaticHeadersSession(manager, connection, creds, scheme)
    return DeviceCodeSession(manager, connection, creds, slow_down_step=manager.slow_down_step, scheme=scheme)


_SESSION_KINDS: Dict[str, SessionFactory] = {
    "none": lambda manager, connection, creds, scheme: NoAuthSession(manager, connection, creds, scheme),
    "headers": lambda manager, connection, creds, scheme: StaticHeadersSession(manager, connection, creds, scheme),
    "password-grant": lambda manager, connection, creds, scheme: PasswordGrantSession(manager, connection, creds,
                                                                                      scheme),
    "device-code": _device_code_or_keys,
}


def register_session(kind: str, factory: SessionFactory) -> None:
    """Teach the token manager a login kind (``AuthScheme.session``), e.g. USGS M2M's."""
    _SESSION_KINDS[kind] = factory


def _find_token_url(spec: Any) -> Optional[str]:
    try:
        schemes = spec["components"]["securitySchemes"]
    except (KeyError, TypeError):
        return None
    preferred = schemes.get("OAuth2PasswordBearer") if isinstance(schemes, dict) else None
    candidates = [preferred] + (list(schemes.values()) if isinstance(schemes, dict) else [])
    for scheme in candidates:
        flows = (scheme or {}).get("flows") if isinstance(scheme, dict) else None
        if not isinstance(flows, dict):
            continue
        for name in ("password", "deviceCode", "authorizationCode", "clientCredentials"):
            flow = flows.get(name)
            if isinstance(flow, dict) and isinstance(flow.get("tokenUrl"), str):
                return flow["tokenUrl"]
    return None
