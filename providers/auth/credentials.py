"""Where a connection's secrets live: the OS keyring, a fallback store, environment variables.

Secrets never go into :class:`~.base.Connection` (that is saved in plain settings); they are
kept per connection name in a :class:`SecretStore`:

- :class:`KeyringSecretStore` - the OS keyring through ``keyring`` (service
  ``eo_scene_finder``, one entry per connection: username = connection name, password = a
  JSON blob of that connection's secrets). Backends that are not a real keyring (the "fail"
  and "null" backends, an empty chainer, the plain-text file of ``keyrings.alt``) count as
  unusable.
- a fallback store, plugged in by the QGIS side (QGIS's encrypted authentication database,
  see ``settings.QgisAuthSecretStore``), used when no usable keyring exists;
- :func:`credentials_from_env` - ``EOSF_<KIND>_<FIELD>`` variables for headless runs.

:class:`CredentialStore` combines them. Stored credentials come first and environment
variables fill in what is missing, except in ``qgis_process`` (or with
``EOSF_CREDENTIALS_FROM_ENV=1``), where environment variables win.
"""
from __future__ import annotations

import abc
import json
import logging
import os
import re
import sys
import threading
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Mapping, Optional, Tuple

from .. import errors
from ..net.redact import MASK, register_secret

LOG = logging.getLogger(__name__)

SERVICE = "eo_scene_finder"
PREFER_ENV_VARIABLE = "EOSF_CREDENTIALS_FROM_ENV"


@dataclass(frozen=True)
class CredentialField:
    """One credential a scheme uses: its key, label, whether it is secret, its env suffix."""

    key: str
    label: str
    secret: bool = True
    env_suffix: str = ""
    help: str = ""


@dataclass(frozen=True)
class AuthScheme:
    """How a kind of service authenticates: its fields, their env variables and how the
    token manager turns them into request headers.

    ``session``: ``none``; ``headers`` (``headers`` templates such as
    ``("Authorization", "Bearer {token}")``, built when every field they name is set);
    ``password-grant`` (OAuth2 password grant with refresh and TOTP, at ``token_url`` with
    ``client_id`` unless the connection's options say otherwise); ``device-code`` (API-key
    headers when set, else an OAuth2 device-code login); or a session kind registered with
    :func:`~.tokens.register_session`. ``service`` names the service in messages.
    """

    id: str
    title: str
    env_prefix: str
    fields: Tuple[CredentialField, ...]
    required: Tuple[str, ...] = ()
    service: str = "the service"
    session: str = "none"
    headers: Tuple[Tuple[str, str], ...] = ()
    token_url: str = ""
    client_id: str = ""
    # the service refuses a password grant without the two-factor code (CREODIAS)
    totp_required: bool = False
    # the access token goes in the download URL's query under this key, not in an
    # Authorization header (CREODIAS: ``?token=``)
    token_query: str = ""
    # what the connection editor says about these credentials, besides the usual
    note: str = ""

    def field(self, key: str) -> Optional[CredentialField]:
        for f in self.fields:
            if f.key == key:
                return f
        return None

    def env_names(self) -> List[str]:
        return [self.env_prefix + f.env_suffix for f in self.fields if f.env_suffix]

    def build_headers(self, creds: Mapping[str, str]) -> Dict[str, str]:
        """The ``headers`` templates filled from ``creds``; empty when a field is missing."""
        out: Dict[str, str] = {}
        for name, template in self.headers:
            keys = re.findall(r"{(\w+)}", template)
            if not all(creds.get(k) for k in keys):
                return {}
            out[name] = template.format(**{k: creds[k] for k in keys})
        return out


USER_FIELD = CredentialField("username", "Username", secret=False, env_suffix="USERNAME")
PASSWORD_FIELD = CredentialField("password", "Password", env_suffix="PASSWORD")
TOTP_FIELD = CredentialField(
    "totp", "Two-factor code or TOTP secret", env_suffix="TOTP",
    help="Only for accounts with two-factor authentication. A 6-digit code is used once "
         "and not stored; a TOTP secret (the base32 text behind the QR code) lets the "
         "plugin log in again by itself.")
REFRESH_FIELD = CredentialField("refresh_token", "Refresh token (kept after logging in)")

NO_AUTH = AuthScheme("none", "No credentials", "", ())
_registered: Dict[str, AuthScheme] = {}


def register_scheme(scheme: AuthScheme) -> None:
    """Make a scheme known before a catalog kind declares it (a connection may name it with
    the ``auth_scheme`` option)."""
    _registered[scheme.id] = scheme


def schemes() -> Dict[str, AuthScheme]:
    """Every auth scheme: ``none``, those the catalog kinds declare and registered ones."""
    from ..catalogs import specs

    out = {"none": NO_AUTH, **_registered}
    for spec in specs().values():
        for scheme in spec.schemes:
            out.setdefault(scheme.id, scheme)
    return out


def scheme_for(connection) -> AuthScheme:
    """The auth scheme a connection uses: an explicit ``auth_scheme`` option, else what its kind's
    spec says (for STAC, the signing service chosen)."""
    from ..catalogs import specs

    known = schemes()
    explicit = (connection.options or {}).get("auth_scheme")
    if explicit in known:
        return known[explicit]
    spec = specs().get(connection.kind)
    if spec is None:   # a saved connection of a kind this version cannot open: nothing to log in to
        return NO_AUTH
    return known.get(spec.auth_scheme_id(connection), NO_AUTH)


def environment_variables() -> List[str]:
    """Every environment variable the plugin reads credentials from."""
    names: List[str] = []
    for scheme in schemes().values():
        names.extend(scheme.env_names())
    return names


class Credentials(Mapping[str, str]):
    """A connection's secrets (read-only mapping). Its ``repr`` never shows a value."""

    def __init__(self, values: Optional[Mapping[str, str]] = None, source: str = ""):
        self._values = {k: str(v) for k, v in (values or {}).items() if v not in (None, "")}
        self.source = source

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Credentials({', '.join(f'{k}={MASK}' for k in sorted(self._values))})"

    __str__ = __repr__

    def to_dict(self) -> Dict[str, str]:
        return dict(self._values)

    def merged(self, other: Mapping[str, str]) -> "Credentials":
        """These credentials with ``other``'s values filling the gaps."""
        values = dict(other)
        values.update(self._values)
        return Credentials(values, self.source or getattr(other, "source", ""))

    def complete_for(self, scheme: AuthScheme) -> bool:
        return all(self._values.get(k) for k in scheme.required)


def register_values(values: Mapping[str, str], scheme: Optional[AuthScheme] = None) -> None:
    """Tell the redactor about every secret value (not usernames) so logs never show them."""
    for key, value in values.items():
        field = scheme.field(key) if scheme else None
        if field is not None and not field.secret:
            continue
        if key == "username":
            continue
        register_secret(str(value))


# --------------------------------------------------------------------------------------
# Stores


class CredentialStoreError(errors.EoSceneFinderError):
    """A secure store could not be read or written (locked keyring, no master password...)."""

    level = "warning"
    default_message = "The credentials could not be read or saved."


class SecretStore(abc.ABC):
    """Secure storage for connection secrets, one JSON-able dict per connection name."""

    label = "secret store"

    @abc.abstractmethod
    def usable(self) -> bool:
        """True when secrets can be kept here securely."""

    @abc.abstractmethod
    def load(self, name: str) -> Optional[Dict[str, str]]:
        """The secrets saved for ``name``, or None."""

    @abc.abstractmethod
    def save(self, name: str, secrets: Mapping[str, str]) -> None:
        """Replace the secrets saved for ``name``."""

    @abc.abstractmethod
    def delete(self, name: str) -> None:
        """Forget ``name``'s secrets (no error when there are none)."""


class MemorySecretStore(SecretStore):
    """Secrets kept in this process only (headless tools, tests)."""

    label = "memory of this session"

    def __init__(self):
        self._data: Dict[str, Dict[str, str]] = {}
        self._lock = threading.Lock()

    def usable(self) -> bool:
        return True

    def load(self, name: str) -> Optional[Dict[str, str]]:
        with self._lock:
            value = self._data.get(name)
            return dict(value) if value is not None else None

    def save(self, name: str, secrets: Mapping[str, str]) -> None:
        with self._lock:
            self._data[name] = dict(secrets)

    def delete(self, name: str) -> None:
        with self._lock:
            self._data.pop(name, None)


# Backends that exist but do not keep secrets securely.
_INSECURE_BACKENDS = {"keyrings.alt.file.PlaintextKeyring", "keyring.backends.null.Keyring",
                      "keyring.backends.fail.Keyring"}


def _import_keyring():
    try:
        import keyring  # the release zip rewrites this to its vendored copy
        return keyring
    except Exception:  # noqa: BLE001 - any import failure means "no keyring"
        return None


class KeyringSecretStore(SecretStore):
    """The OS keyring (Secret Service, macOS Keychain, Windows Credential Locker...).

    ``backend`` pins a keyring backend instance (tests); otherwise the one ``keyring``
    selects at call time is used.
    """

    label = "OS keyring"

    def __init__(self, backend=None, service: str = SERVICE):
        self._backend = backend
        self.service = service

    def backend(self):
        if self._backend is not None:
            return self._backend
        module = _import_keyring()
        if module is None:
            return None
        try:
            backend = module.get_keyring()
        except Exception:  # noqa: BLE001 - a broken backend configuration is "no keyring"
            return None
        # KEYRING_PROPERTY_<NAME> variables configure the backend as the keyring command
        # does (e.g. the encrypted file keyring's FILE_PATH and KEYRING_KEY headless).
        if not getattr(backend, "_eosf_env_properties", False):
            try:
                backend.set_properties_from_env()
                backend._eosf_env_properties = True
            except Exception:  # noqa: BLE001 - old keyring or a read-only backend
                pass
        return backend

    @staticmethod
    def _class_path(obj) -> str:
        """``module.Class`` of a backend, without the release zip's ``…_vendor.`` prefix."""
        cls = type(obj)
        path = f"{cls.__module__}.{cls.__qualname__}"
        return path.split("._vendor.", 1)[-1]

    def usable(self) -> bool:
        backend = self.backend()
        if backend is None:
            return False
        cls = type(backend)
        if self._class_path(backend) in _INSECURE_BACKENDS:
            return False
        if cls.__name__ == "ChainerBackend":
            try:
                chained = list(backend.backends)
            except Exception:  # noqa: BLE001
                return False
            return any(self._class_path(b) not in _INSECURE_BACKENDS for b in chained)
        try:
            return float(backend.priority) > 0
        except Exception:  # noqa: BLE001 - priority may raise when the backend is not viable
            return False

    def describe(self) -> str:
        backend = self.backend()
        return type(backend).__name__ if backend is not None else "none"

    def load(self, name: str) -> Optional[Dict[str, str]]:
        backend = self.backend()
        if backend is None:
            return None
        try:
            blob = backend.get_password(self.service, name)
        except Exception as err:  # noqa: BLE001 - keyring errors vary per backend
            raise CredentialStoreError(
                "The OS keyring could not be read (is it locked?).", details=type(err).__name__) from err
        return _decode(blob)

    def save(self, name: str, secrets: Mapping[str, str]) -> None:
        backend = self.backend()
        if backend is None:
            raise CredentialStoreError("No OS keyring is available.")
        try:
            backend.set_password(self.service, name, json.dumps(dict(secrets), sort_keys=True))
        except Exception as err:  # noqa: BLE001
            raise CredentialStoreError(
                "The OS keyring refused to save the credentials (is it locked?).",
                details=type(err).__name__) from err

    def delete(self, name: str) -> None:
        backend = self.backend()
        if backend is None:
            return
        try:
            if backend.get_password(self.service, name) is not None:
                backend.delete_password(self.service, name)
        except Exception as err:  # noqa: BLE001 - PasswordDeleteError and friends
            LOG.debug("keyring delete for a connection failed: %s", type(err).__name__)


def _decode(blob: Optional[str]) -> Optional[Dict[str, str]]:
    if blob in (None, ""):
        return None
    try:
        data = json.loads(blob)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return {str(k): str(v) for k, v in data.items() if v not in (None, "")}


# --------------------------------------------------------------------------------------
# Environment


def running_in_qgis_process(argv: Optional[List[str]] = None) -> bool:
    argv = sys.argv if argv is None else argv
    return bool(argv) and os.path.basename(str(argv[0])).startswith("qgis_process")


def credentials_from_env(scheme: AuthScheme, environ: Optional[Mapping[str, str]] = None) -> Credentials:
    """``EOSF_<PREFIX>_<FIELD>`` variables for ``scheme`` (e.g. ``EOSF_CDSE_PASSWORD``)."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in scheme.fields:
        if f.env_suffix:
            value = environ.get(scheme.env_prefix + f.env_suffix)
            if value:
                values[f.key] = value
    return Credentials(values, "environment" if values else "")


# --------------------------------------------------------------------------------------
# Combination


class CredentialStore:
    """Credentials of every connection: secure store first, environment variables as
    fallback (or first in ``qgis_process`` / with ``EOSF_CREDENTIALS_FROM_ENV=1``).

    ``fallback`` is the store used when ``primary`` (the OS keyring) is unusable;
    ``on_fallback`` is called (with the fallback store) the first time that happens in
    this process, so the QGIS side can tell the user once. A keyring that exists but
    refuses a write (locked, its unlock prompt dismissed) also sends the secrets to the
    fallback; ``on_keyring_refused`` gets the plain sentence to show, once per process.
    """

    def __init__(self, primary: Optional[SecretStore] = None, fallback: Optional[SecretStore] = None,
                 on_fallback: Optional[Callable[[SecretStore], None]] = None,
                 environ: Optional[Mapping[str, str]] = None, prefer_env: Optional[bool] = None,
                 on_keyring_refused: Optional[Callable[[str], None]] = None):
        self.primary = primary if primary is not None else KeyringSecretStore()
        self.fallback = fallback
        self.on_fallback = on_fallback
        self.on_keyring_refused = on_keyring_refused
        self._refusal_announced = False
        self._environ = environ
        self._prefer_env = prefer_env
        self._fallback_announced = False
        self._lock = threading.RLock()
        self._listeners: List[Callable[[str], None]] = []

    # configuration ---------------------------------------------------------------
    @property
    def environ(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    def prefers_env(self) -> bool:
        if self._prefer_env is not None:
            return self._prefer_env
        return self.environ.get(PREFER_ENV_VARIABLE) == "1" or running_in_qgis_process()

    def set_fallback(self, store: Optional[SecretStore],
                     on_fallback: Optional[Callable[[SecretStore], None]] = None) -> None:
        with self._lock:
            self.fallback = store
            if on_fallback is not None:
                self.on_fallback = on_fallback

    def add_listener(self, callback: Callable[[str], None]) -> None:
        """``callback(connection_name)`` after that connection's secrets changed."""
        self._listeners.append(callback)

    def _changed(self, name: str) -> None:
        for callback in list(self._listeners):
            try:
                callback(name)
            except Exception:  # noqa: BLE001 - a listener must not break saving
                LOG.exception("credential listener failed")

    # stores --------------------------------------------------------------------------
    def writable_store(self) -> SecretStore:
        """Where new secrets go: the keyring, else the fallback (announced once)."""
        if self.primary.usable():
            return self.primary
        if self.fallback is not None and self.fallback.usable():
            self._announce_fallback()
            return self.fallback
        raise CredentialStoreError(
            "No secure place to keep credentials: no OS keyring is available and QGIS's "
            "authentication database is not usable. Set environment variables instead "
            "(see the README) or install a keyring service.")

    def _announce_fallback(self) -> None:
        with self._lock:
            if self._fallback_announced:
                return
            self._fallback_announced = True
        if self.on_fallback is not None:
            try:
                self.on_fallback(self.fallback)
            except Exception:  # noqa: BLE001
                LOG.exception("fallback notice failed")

    def _announce_refusal(self, err: CredentialStoreError) -> None:
        with self._lock:
            if self._refusal_announced:
                return
            self._refusal_announced = True
        text = (f"{err.user_message} The credentials were kept in the {self.fallback.label} instead; "
                "unlock the keyring and save the connection again to move them there.")
        LOG.warning("%s", text)
        if self.on_keyring_refused is not None:
            try:
                self.on_keyring_refused(text)
            except Exception:  # noqa: BLE001
                LOG.exception("keyring refusal notice failed")

    def _readable_stores(self) -> List[SecretStore]:
        stores = []
        if self.primary.usable():
            stores.append(self.primary)
        if self.fallback is not None and self.fallback.usable():
            stores.append(self.fallback)
        return stores

    def location(self, name: str) -> Optional[SecretStore]:
        """The store holding ``name``'s secrets, or None."""
        for store in self._readable_stores():
            try:
                if store.load(name):
                    return store
            except CredentialStoreError:
                continue
        return None

    # reading -------------------------------------------------------------------------
    def stored(self, name: str) -> Credentials:
        """What the secure stores hold for ``name`` (no environment)."""
        last_error: Optional[CredentialStoreError] = None
        for store in self._readable_stores():
            try:
                values = store.load(name)
            except CredentialStoreError as err:
                last_error = err
                continue
            if values:
                return Credentials(values, store.label)
        if last_error is not None:
            LOG.warning("Credentials for a connection could not be read: %s", last_error.user_message)
        return Credentials()

    def get(self, connection) -> Credentials:
        """The credentials ``connection`` should use now (stored + environment)."""
        scheme = scheme_for(connection)
        if scheme.id == "none":
            return Credentials()
        stored = self.stored(connection.name)
        env = credentials_from_env(scheme, self.environ)
        result = env.merged(stored) if self.prefers_env() else stored.merged(env)
        register_values(result, scheme)
        return result

    # writing -------------------------------------------------------------------------
    def save(self, name: str, values: Mapping[str, str]) -> SecretStore:
        """Replace ``name``'s secrets (empty values dropped; nothing left = delete)."""
        clean = {k: str(v) for k, v in values.items() if v not in (None, "")}
        with self._lock:
            if not clean:
                self.delete(name)
                return self.primary
            store = self.writable_store()
            try:
                store.save(name, clean)
            except CredentialStoreError as err:
                if store is not self.primary or self.fallback is None or not self.fallback.usable():
                    raise
                store = self.fallback
                store.save(name, clean)
                self._announce_refusal(err)
            for other in (self.primary, self.fallback):
                if other is not None and other is not store and other.usable():
                    other.delete(name)
        register_values(clean)
        self._changed(name)
        return store

    def update(self, name: str, **values: Optional[str]) -> None:
        """Change some fields of ``name``'s secrets (None removes a field)."""
        with self._lock:
            current = self.stored(name).to_dict()
            for key, value in values.items():
                if value in (None, ""):
                    current.pop(key, None)
                else:
                    current[key] = value
            self.save(name, current)

    def delete(self, name: str) -> None:
        with self._lock:
            for store in (self.primary, self.fallback):
                if store is not None and store.usable():
                    store.delete(name)
        self._changed(name)

    def rename(self, old: str, new: str) -> None:
        with self._lock:
            values = self.stored(old).to_dict()
            if values:
                self.save(new, values)
            self.delete(old)

    def copy(self, source: str, target: str) -> None:
        with self._lock:
            values = self.stored(source).to_dict()
            if values:
                self.save(target, values)


# --------------------------------------------------------------------------------------
# TOTP (RFC 6238), for accounts with two-factor authentication

_BASE32_RE = re.compile(r"^[A-Z2-7]+=*$")


def is_totp_secret(value: str) -> bool:
    """True for a base32 TOTP secret, False for a one-time code such as ``123456``."""
    text = (value or "").replace(" ", "").upper()
    return len(text) >= 16 and bool(_BASE32_RE.match(text))


def totp_code(secret: str, when: float, digits: int = 6, period: int = 30) -> str:
    """The TOTP code for ``secret`` (base32) at Unix time ``when``."""
    import base64
    import hashlib
    import hmac
    import struct

    text = secret.replace(" ", "").upper()
    key = base64.b32decode(text + "=" * (-len(text) % 8))
    counter = struct.pack(">Q", int(when // period))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(number % (10 ** digits)).zfill(digits)
