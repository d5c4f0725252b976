"""NASA Earthdata Login: a bearer token given by the user, or one obtained from username +
password at URS ``POST /api/users/find_or_create_token`` (HTTP Basic), as earthaccess does
(``earthaccess/auth.py``). The answer is ``{access_token, token_type, expiration_date}``;
tokens last about two months and a user has at most two (``max_token_limit``)."""
from __future__ import annotations

import logging
from typing import Dict, Optional

import requests

from ... import errors
from ...auth.credentials import PASSWORD_FIELD, USER_FIELD, AuthScheme, CredentialField
from ...auth.tokens import AuthSession, CredentialsRejectedError, register_session
from ...net import http
from ...net.redact import redact_text, register_secret

LOG = logging.getLogger(__name__)

DEFAULT_URS = "https://urs.earthdata.nasa.gov"
TOKEN_PATH = "/api/users/find_or_create_token"

EARTHDATA_SCHEME = AuthScheme(
    "earthdata", "NASA Earthdata Login (token, or username + password)", "EOSF_EARTHDATA_",
    (CredentialField("token", "Earthdata token", env_suffix="TOKEN",
                     help="Generate one at urs.earthdata.nasa.gov → Generate Token (valid about 60 days)."),
     USER_FIELD, PASSWORD_FIELD),
    service="NASA Earthdata Login", session="earthdata",
    note="Searching needs no login. Downloads and streaming need an Earthdata token, or the "
         "username and password from which the plugin obtains one (and a new one when it expires).")


def token_page(urs_url: str) -> str:
    return urs_url.rstrip("/") + "/profile"


class TokenExpiredError(errors.AuthenticationError):
    """The Earthdata token was refused (expired or revoked) and no password can renew it."""


class EarthdataSession(AuthSession):
    """``Authorization: Bearer <token>``: the token given, else one obtained with the password;
    after a 401, a new one from URS when a password is stored."""

    def __init__(self, manager, connection, credentials, scheme=None):
        super().__init__(manager, connection, credentials, scheme or EARTHDATA_SCHEME)
        self.urs_url = str(connection.option("urs_url", DEFAULT_URS)).rstrip("/")
        self.token: Optional[str] = credentials.get("token")
        if self.token:
            register_secret(self.token)

    @property
    def can_renew(self) -> bool:
        return bool(self.credentials.get("username") and self.credentials.get("password"))

    def headers(self) -> Dict[str, str]:
        with self.lock:
            if not self.token and self.can_renew:
                self.token = self._guarded(self._obtain)
            return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def refresh(self, rejected=None) -> Dict[str, str]:
        with self.lock:
            old = dict(rejected or {}).get("Authorization", "").split(" ", 1)[-1] or None
            if self.token and old and self.token != old:
                return {"Authorization": f"Bearer {self.token}"}  # another thread renewed it
            if not self.can_renew:
                raise TokenExpiredError(expired_message(self.name, self.urs_url))
            fresh = self._guarded(self._obtain)
            if fresh == old:
                raise CredentialsRejectedError(self.name, "Earthdata Login gave back the token that was refused")
            self.token = fresh
            return {"Authorization": f"Bearer {fresh}"}

    def _obtain(self) -> str:
        url = self.urs_url + TOKEN_PATH
        session = self.manager.http_session()
        try:
            response = session.post(url, auth=(self.credentials["username"], self.credentials["password"]),
                                    headers={"Accept": "application/json"}, timeout=http.default_timeout())
        except requests.exceptions.RequestException as err:
            raise http.map_transport_error(err, url, "Earthdata Login") from err
        body = None
        try:
            body = response.json()
        except ValueError:
            pass
        if response.status_code in (401, 403):
            raise CredentialsRejectedError(self.name, "Earthdata Login refused the username or password",
                                           url=url, status=response.status_code)
        if isinstance(body, dict) and body.get("error"):
            message = redact_text(str(body.get("error_description") or body["error"]))
            if body["error"] == "max_token_limit":
                message = ("the account already has the most tokens Earthdata Login allows (2); revoke one at "
                           f"{token_page(self.urs_url)}")
            raise errors.AuthenticationError(f"Earthdata Login gave no token for {self.name}: {message}.",
                                             url=url, status=response.status_code)
        http.raise_for_status(response, "Earthdata Login")
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise errors.MalformedResponseError("Earthdata Login answered without a token.", url=url)
        register_secret(token)
        LOG.info("Obtained an Earthdata token for %s", self.name)
        self._mark_success()
        return token


def expired_message(connection_name: str, urs_url: str) -> str:
    return (f"The Earthdata token of {connection_name} has expired or was revoked. Generate a new one at "
            f"{token_page(urs_url)} (Generate Token) and put it in EO Scene Finder → Connections… or in "
            "EOSF_EARTHDATA_TOKEN; with the username and password stored instead, the plugin renews it by itself.")


def missing_login_message(connection_name: str, urs_url: str) -> str:
    return (f"NASA Earthdata asks for a login to download this file, and {connection_name} has none. Generate "
            f"a token at {token_page(urs_url)} (Generate Token; a free Earthdata account) and add it in "
            "EO Scene Finder → Connections… (or set EOSF_EARTHDATA_TOKEN, or EOSF_EARTHDATA_USERNAME and "
            "EOSF_EARTHDATA_PASSWORD).")


def eula_message(collection: str, urs_url: str) -> str:
    return (f"NASA Earthdata answered with a web page instead of the file: accept the EULA for {collection} at "
            f"URS ({urs_url.rstrip('/')}/profile → EULAs, or open the file's link once in a browser and "
            "approve the application), then download again.")


register_session("earthdata", lambda manager, connection, creds, scheme: EarthdataSession(
    manager, connection, creds, scheme))
