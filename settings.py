"""The QGIS side of connections, credentials and network settings.

- :class:`ConnectionStore`: saved connections in ``QgsSettings`` (never a secret), JSON
  export/import for sharing a setup, a ``changed`` signal.
- :class:`QgisAuthSecretStore`: QGIS's encrypted authentication database as the fallback
  secret store when no OS keyring is usable (the user is told once).
- :func:`credential_store`, :func:`token_manager`, :func:`credentials_for`: the one
  credential store and token manager the panel, Processing and downloads share.
- :func:`install_project_redaction`: URL signatures and tokens are stripped from layer
  sources when a project is saved (signed asset URLs expire anyway).
- :func:`apply_network_settings`: QGIS's proxy (Settings → Options → Network) and CA
  certificates mapped onto the plugin's ``requests`` sessions; :func:`watch_network_settings`
  re-applies them when the options change.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import re
import ssl
import threading
from typing import Any, Callable, Dict, List, Mapping, Optional
from urllib.parse import parse_qsl, quote, urlsplit

from qgis.core import (Qgis, QgsApplication, QgsAuthMethodConfig, QgsMessageLog, QgsPathResolver,
                       QgsSettings)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from .providers import errors
from .providers.net import http
from .providers.base import Connection
from .providers.connections import looks_secret
from .providers.auth.credentials import CredentialStore, CredentialStoreError, KeyringSecretStore, SecretStore
from .providers.net.redact import SECRET_QUERY_KEYS, redact_url, register_secret, strip_signature
from .providers.auth.tokens import TokenManager

LOG = logging.getLogger(__name__)
LOG_TAG = "EO Scene Finder"

SETTINGS_KEY = "eo_scene_finder/connections"
FALLBACK_NOTICE_KEY = "eo_scene_finder/notices/keyring_fallback_told"
EXPORT_FORMAT = "eo-scene-finder-connections"
EXPORT_VERSION = 1

KINDS = ("stac-api", "static", "cdse", "usgs", "cmr", "creodias", "google", "aws")

# Option names that would hold a secret. Endpoints (``*_url``) and ids are fine.


def _log(message: str, level=Qgis.Info) -> None:
    QgsMessageLog.logMessage(message, LOG_TAG, level)


def check_no_secrets(connection: Connection) -> None:
    """Refuse a connection whose URL or options carry a secret (they are saved in plain text)."""
    for value in [connection.url] + [v for v in connection.options.values() if isinstance(v, str)]:
        if "://" not in value:
            continue
        parts = urlsplit(value)
        if "@" in parts.netloc or any(k.lower() in SECRET_QUERY_KEYS or looks_secret(k)
                                      for k, _v in parse_qsl(parts.query, keep_blank_values=True)):
            raise errors.InvalidRequestError(
                f"The connection “{connection.name}” has a password, token or signature in a URL. "
                "URLs are saved in plain text: put credentials in the credentials fields instead.")
    bad = [k for k in connection.options if looks_secret(k)]
    if bad:
        raise errors.InvalidRequestError(
            f"The connection option “{bad[0]}” looks like a secret; secrets go to the credentials "
            "fields (kept in the OS keyring), never in the saved connection.")


# --------------------------------------------------------------------------------------
# QGIS authentication database as a secret store


class QgisAuthSecretStore(SecretStore):
    """QGIS's encrypted authentication database: one Basic auth config per connection
    (named ``eo_scene_finder: <connection>``) holding the secrets as encoded JSON.

    It needs the QGIS master password: in the QGIS desktop QGIS asks for it; elsewhere
    (``qgis_process``, tests) it must already be set, else the store counts as unusable.
    """

    label = "QGIS authentication database"
    PREFIX = "eo_scene_finder: "

    def __init__(self, auth_manager=None):
        self._auth_manager = auth_manager
        self._lock = threading.RLock()

    def manager(self):
        return self._auth_manager or QgsApplication.authManager()

    def usable(self) -> bool:
        am = self.manager()
        if am is None or am.isDisabled():
            return False
        if am.masterPasswordIsSet():
            return True
        return QgsApplication.platform() == "desktop"   # QGIS will ask for the master password

    def _config_id(self, name: str) -> Optional[str]:
        am = self.manager()
        for cid, cfg in am.availableAuthMethodConfigs().items():
            if cfg.name() == self.PREFIX + name:
                return cid
        return None

    def _unlock(self) -> None:
        am = self.manager()
        if not am.masterPasswordIsSet() and not am.setMasterPassword(True):
            raise CredentialStoreError("QGIS's authentication database is locked (no master password).")

    def load(self, name: str) -> Optional[Dict[str, str]]:
        with self._lock:
            cid = self._config_id(name)
            if cid is None:
                return None          # nothing stored: no master password prompt
            self._unlock()
            cfg = QgsAuthMethodConfig()
            result = self.manager().loadAuthenticationConfig(cid, cfg, True)
            if isinstance(result, tuple):
                ok, cfg = result[0], result[1]
            else:
                ok = result
            if not ok:
                raise CredentialStoreError("QGIS's authentication database could not be read.")
            blob = cfg.config("password")
        try:
            data = json.loads(base64.b64decode(blob.encode()).decode())
        except ValueError:
            return None
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None

    def save(self, name: str, secrets: Mapping[str, str]) -> None:
        blob = base64.b64encode(json.dumps(dict(secrets), sort_keys=True).encode()).decode()
        with self._lock:
            self._unlock()
            am = self.manager()
            cid = self._config_id(name)
            cfg = QgsAuthMethodConfig("Basic")
            cfg.setName(self.PREFIX + name)
            cfg.setConfig("username", name)
            cfg.setConfig("password", blob)
            if cid is not None:
                cfg.setId(cid)
                ok = am.updateAuthenticationConfig(cfg)
            else:
                ok = am.storeAuthenticationConfig(cfg)
            if isinstance(ok, tuple):
                ok = ok[0]
            if not ok:
                raise CredentialStoreError("QGIS's authentication database refused to save the credentials.")

    def delete(self, name: str) -> None:
        with self._lock:
            cid = self._config_id(name)
            if cid is not None:
                self.manager().removeAuthenticationConfig(cid)


def notify_keyring_fallback(store: SecretStore) -> None:
    """Tell the user once (ever, per profile) that secrets go to QGIS's auth database."""
    settings = QgsSettings()
    if settings.value(FALLBACK_NOTICE_KEY, False, type=bool):
        return
    settings.setValue(FALLBACK_NOTICE_KEY, True)
    text = ("No OS keyring is available, so EO Scene Finder keeps connection credentials in QGIS's "
            "encrypted authentication database (protected by the QGIS master password).")
    _log(text, Qgis.Warning)
    try:
        from qgis.utils import iface
        if iface is not None and hasattr(iface, "messageBar"):
            iface.messageBar().pushMessage(LOG_TAG, text, Qgis.Warning, 10)
    except Exception:  # noqa: BLE001 - no GUI: the log message is enough
        pass


# --------------------------------------------------------------------------------------
# The shared credential store and token manager

_shared_lock = threading.RLock()
_credential_store: Optional[CredentialStore] = None
_token_manager: Optional[TokenManager] = None
_device_prompt: Optional[Callable] = None


def credential_store() -> CredentialStore:
    """The one credential store: OS keyring, else QGIS's auth database; env vars as fallback."""
    global _credential_store
    with _shared_lock:
        if _credential_store is None:
            _credential_store = CredentialStore(KeyringSecretStore(), fallback=QgisAuthSecretStore(),
                                                on_fallback=notify_keyring_fallback)
        return _credential_store


def set_device_prompt(prompt: Optional[Callable]) -> None:
    """Install what shows device-code logins (the GUI's dialog); None for headless."""
    global _device_prompt
    with _shared_lock:
        _device_prompt = prompt
        if _token_manager is not None:
            _token_manager.device_prompt = prompt


def _default_device_prompt() -> Optional[Callable]:
    if _device_prompt is not None:
        return _device_prompt
    if QgsApplication.platform() != "desktop":
        return None
    try:
        from .ui.device_code_dialog import DeviceCodePrompt
        return DeviceCodePrompt.instance()
    except Exception:  # noqa: BLE001 - no GUI available
        return None


def _default_totp_prompt() -> Optional[Callable]:
    """Asks for a new two-factor code in the QGIS desktop; None headless (a clear error)."""
    if QgsApplication.platform() != "desktop":
        return None
    try:
        from .ui.device_code_dialog import TotpCodePrompt
        return TotpCodePrompt.instance()
    except Exception:  # noqa: BLE001 - no GUI available
        return None


def token_manager() -> TokenManager:
    """The token manager shared by searches, signing and downloads."""
    global _token_manager
    with _shared_lock:
        if _token_manager is None:
            _token_manager = TokenManager(credential_store(), device_prompt=_default_device_prompt(),
                                          totp_prompt=_default_totp_prompt())
        return _token_manager


def credentials_for(connection: Connection) -> Optional[Dict[str, Any]]:
    """What ``open_provider(connection, credentials=...)`` takes (no network I/O)."""
    return token_manager().provider_credentials(connection)


def startup() -> None:
    """Plugin start (``initGui``): apply QGIS's network settings and follow their changes,
    and keep URL secrets out of saved projects."""
    watch_network_settings()
    install_project_redaction()


def shutdown() -> None:
    """Plugin unload: cancel pending logins, log out (USGS), stop watching the options."""
    global _token_manager
    with _shared_lock:
        manager, _token_manager = _token_manager, None
    if manager is not None:
        manager.close()
    stop_watching_network_settings()
    remove_project_redaction()


# --------------------------------------------------------------------------------------
# Saved connections


class ConnectionStore(QObject):
    """Saved connections in ``QgsSettings`` (no secrets); their secrets in
    :attr:`credentials`. ``changed`` is emitted after every change."""

    changed = pyqtSignal()

    def __init__(self, settings: Optional[QgsSettings] = None, credentials: Optional[CredentialStore] = None,
                 parent: Optional[QObject] = None):
        super().__init__(parent)
        self._settings = settings
        self.credentials = credentials if credentials is not None else credential_store()

    def settings(self) -> QgsSettings:
        return self._settings if self._settings is not None else QgsSettings()

    # reading ----------------------------------------------------------------------------
    def _read(self) -> List[Connection]:
        raw = self.settings().value(SETTINGS_KEY, "")
        if not raw:
            return []
        try:
            data = json.loads(raw)
        except (TypeError, ValueError):
            _log("The saved EO Scene Finder connections could not be read; starting empty.", Qgis.Warning)
            return []
        out = []
        for item in data.get("connections", []) if isinstance(data, dict) else []:
            try:
                out.append(Connection.from_dict(item))
            except (KeyError, TypeError):
                continue
        return out

    def _write(self, connections: List[Connection]) -> None:
        data = {"version": EXPORT_VERSION, "connections": [c.to_dict() for c in connections]}
        settings = self.settings()
        settings.setValue(SETTINGS_KEY, json.dumps(data, sort_keys=True))
        settings.sync()

    def list(self) -> List[Connection]:
        return sorted(self._read(), key=lambda c: c.name.lower())

    def names(self) -> List[str]:
        return [c.name for c in self.list()]

    def as_mapping(self) -> Dict[str, Connection]:
        """``{name: connection}`` for ``connections.resolve_connection(text, saved)``."""
        return {c.name: c for c in self.list()}

    def get(self, name: str) -> Optional[Connection]:
        for conn in self._read():
            if conn.name == name:
                return conn
        return None

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def unique_name(self, base: str) -> str:
        names = set(self.names())
        if base not in names:
            return base
        n = 2
        while f"{base} ({n})" in names:
            n += 1
        return f"{base} ({n})"

    # writing ----------------------------------------------------------------------------
    def save(self, connection: Connection, old_name: Optional[str] = None,
             credentials: Optional[Mapping[str, str]] = None) -> Connection:
        """Add or replace ``connection`` (renaming ``old_name``); ``credentials``, when
        given, replace its secrets (an empty mapping removes them)."""
        name = (connection.name or "").strip()
        if not name:
            raise errors.InvalidRequestError("A connection needs a name.")
        if connection.kind not in KINDS:
            raise errors.InvalidRequestError(f"Unknown connection kind “{connection.kind}”.")
        connection = Connection(name=name, kind=connection.kind, url=(connection.url or "").strip(),
                                options={k: v for k, v in connection.options.items() if v not in (None, "")},
                                preset=connection.preset)
        check_no_secrets(connection)
        conns = self._read()
        if name != old_name and any(c.name == name for c in conns):
            raise errors.InvalidRequestError(f"A connection named “{name}” already exists.")
        replaced = old_name if old_name is not None else name
        index = next((i for i, c in enumerate(conns) if c.name == replaced), None)
        if index is None:
            conns.append(connection)
        else:
            conns[index] = connection
        if old_name is not None and old_name != name:
            self.credentials.rename(old_name, name)
            token_manager_if_any = _token_manager
            if token_manager_if_any is not None:
                token_manager_if_any.forget(old_name)
        if credentials is not None:
            self.credentials.save(name, credentials)
        self._write(conns)
        self.changed.emit()
        return connection

    def remove(self, name: str) -> None:
        """Forget a connection, its secrets and its login."""
        conns = [c for c in self._read() if c.name != name]
        self._write(conns)
        try:
            self.credentials.delete(name)
        except CredentialStoreError as err:
            _log(f"The credentials of “{name}” could not be removed: {err.user_message}", Qgis.Warning)
        if _token_manager is not None:
            _token_manager.forget(name)
        self.changed.emit()

    def duplicate(self, name: str, new_name: Optional[str] = None) -> Connection:
        """A copy of ``name`` (with its credentials) under a new, unique name."""
        source = self.get(name)
        if source is None:
            raise errors.InvalidRequestError(f"There is no connection named “{name}”.")
        target = self.unique_name(new_name or f"{name} (copy)")
        copy = Connection(name=target, kind=source.kind, url=source.url, options=dict(source.options),
                          preset=source.preset)
        self.save(copy)
        self.credentials.copy(name, target)
        return copy

    # sharing ----------------------------------------------------------------------------
    def export_json(self, path: str, names: Optional[List[str]] = None) -> int:
        """Write connections (all, or ``names``) to a JSON file, without any secret."""
        conns = [c for c in self.list() if names is None or c.name in names]
        for conn in conns:
            check_no_secrets(conn)
        data = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION,
                "connections": [c.to_dict() for c in conns]}
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
        return len(conns)

    def import_json(self, path: str, replace: bool = False) -> List[str]:
        """Add the connections of an exported file; names already in use get a suffix
        unless ``replace``. Returns the names saved."""
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as err:
            raise errors.InvalidRequestError(f"{os.path.basename(path)} is not a connections file: {err}") from err
        items = data.get("connections") if isinstance(data, dict) else None
        if data.get("format") != EXPORT_FORMAT or not isinstance(items, list):
            raise errors.InvalidRequestError(
                f"{os.path.basename(path)} is not an EO Scene Finder connections file.")
        conns = []
        for item in items:
            try:
                conn = Connection.from_dict(item)
            except (KeyError, TypeError, AttributeError) as err:
                raise errors.InvalidRequestError(f"A connection in {os.path.basename(path)} is incomplete.") from err
            check_no_secrets(conn)
            conns.append(conn)
        saved = []
        for conn in conns:
            exists = conn.name in self
            if exists and not replace:
                conn.name = self.unique_name(conn.name)
            self.save(conn, old_name=conn.name if exists and replace else None)
            saved.append(conn.name)
        return saved


# --------------------------------------------------------------------------------------
# Network: QGIS proxy and CA certificates


def _setting_list(value: Any) -> List[str]:
    if value in (None, ""):
        return []
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value]
    else:
        items = str(value).split("|")
    return [i.strip() for i in items if i and i.strip()]


def _proxy_credentials(settings: QgsSettings):
    user = settings.value("proxy/proxyUser", "") or ""
    password = settings.value("proxy/proxyPassword", "") or ""
    authcfg = settings.value("proxy/authcfg", "") or ""
    if authcfg:
        am = QgsApplication.authManager()
        cfg = QgsAuthMethodConfig()
        try:
            result = am.loadAuthenticationConfig(authcfg, cfg, True)
            ok, cfg = (result[0], result[1]) if isinstance(result, tuple) else (result, cfg)
            if ok and cfg.config("username"):
                user, password = cfg.config("username"), cfg.config("password")
        except Exception:  # noqa: BLE001 - a locked auth DB: fall back to the plain settings
            pass
    return str(user), str(password)


def qgis_proxy_settings(settings: Optional[QgsSettings] = None) -> Dict[str, Any]:
    """QGIS's proxy options as ``{"proxies": {...}, "no_proxy": "..."}`` for ``http.configure``.

    ``HttpProxy``/``HttpCachingProxy`` become an ``http://`` proxy for http and https,
    ``Socks5Proxy`` a ``socks5h://`` one (needs PySocks); ``DefaultProxy`` (the system's
    proxy) and a disabled proxy leave the standard environment variables in charge.
    Excluded URLs (``proxy/proxyExcludedUrls``, ``proxy/noProxyUrls``) are URL prefixes.
    """
    settings = settings or QgsSettings()
    if not settings.value("proxy/proxyEnabled", False, type=bool):
        return {"proxies": {}, "no_proxy": ""}
    kind = str(settings.value("proxy/proxyType", "DefaultProxy") or "DefaultProxy")
    host = str(settings.value("proxy/proxyHost", "") or "").strip()
    port = str(settings.value("proxy/proxyPort", "") or "").strip()
    excluded = _setting_list(settings.value("proxy/proxyExcludedUrls", "")) + \
        _setting_list(settings.value("proxy/noProxyUrls", ""))
    no_proxy = ",".join(excluded)
    if kind in ("HttpProxy", "HttpCachingProxy"):
        scheme = "http"
    elif kind == "Socks5Proxy":
        scheme = "socks5h"
        try:
            import socks  # noqa: F401  (PySocks, needed by requests for SOCKS)
        except ImportError:
            _log("QGIS is set to use a SOCKS5 proxy, but the Python package PySocks is missing: "
                 "EO Scene Finder's requests will fail until it is installed.", Qgis.Warning)
    else:
        return {"proxies": {}, "no_proxy": no_proxy}
    if not host:
        return {"proxies": {}, "no_proxy": no_proxy}
    user, password = _proxy_credentials(settings)
    auth = ""
    if user:
        if password:
            register_secret(password)
        auth = quote(user, safe="") + (":" + quote(password, safe="") if password else "") + "@"
        if password:
            register_secret(quote(password, safe=""))
    url = f"{scheme}://{auth}{host}" + (f":{port}" if port and port != "0" else "")
    return {"proxies": {"http": url, "https": url}, "no_proxy": no_proxy}


def system_ca_bundle() -> str:
    """The system CA bundle file, when there is one (else ``requests`` uses certifi's)."""
    for env in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        value = os.environ.get(env)
        if value and os.path.isfile(value):
            return value
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and os.path.isfile(candidate):
            return candidate
    return ""


def qgis_ca_bundle(folder: Optional[str] = None) -> str:
    """A CA bundle that includes the CAs added in QGIS (Settings → Options → Authentication),
    or the system bundle when none were added."""
    am = QgsApplication.authManager()
    try:
        extra = list(am.databaseCAs()) + list(am.extraFileCAs())
    except Exception:  # noqa: BLE001 - auth system unavailable
        extra = []
    if not extra:
        return system_ca_bundle()
    am.rebuildCaCertsCache()
    am.rebuildTrustedCaCertsCache()
    pem = bytes(am.trustedCaCertsPemText())
    system = system_ca_bundle()
    if system:
        with open(system, "rb") as fh:
            pem = fh.read() + b"\n" + pem
    folder = folder or os.path.join(QgsApplication.qgisSettingsDirPath(), "eo_scene_finder")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "ca_bundle.pem")
    with open(path, "wb") as fh:
        fh.write(pem)
    return path


def apply_network_settings(settings: Optional[QgsSettings] = None) -> Dict[str, Any]:
    """Map QGIS's proxy and CA settings onto every new ``requests`` session of the plugin.
    TLS verification stays on. Returns what was applied (proxy URLs redacted)."""
    proxy = qgis_proxy_settings(settings)
    ca_bundle = qgis_ca_bundle()
    http.configure(proxies=proxy["proxies"], no_proxy=proxy["no_proxy"], ca_bundle=ca_bundle)
    summary = {"proxies": {k: redact_url(v) for k, v in proxy["proxies"].items()},
               "no_proxy": proxy["no_proxy"], "ca_bundle": ca_bundle}
    LOG.info("Network settings: %s", summary)
    return summary


_watch_connection = None


def watch_network_settings() -> None:
    """Apply the network settings now and again whenever QGIS's options are saved."""
    global _watch_connection
    apply_network_settings()
    if _watch_connection is not None:
        return
    try:
        from qgis.gui import QgsGui
        gui = QgsGui.instance()
        if gui is not None:
            gui.optionsChanged.connect(_on_options_changed)
            _watch_connection = gui
    except Exception:  # noqa: BLE001 - headless: applying once is all we can do
        pass


def _on_options_changed() -> None:
    try:
        apply_network_settings()
    except Exception as err:  # noqa: BLE001 - never break QGIS's options dialog
        _log(f"The network settings could not be applied: {err}", Qgis.Warning)


def stop_watching_network_settings() -> None:
    global _watch_connection
    if _watch_connection is not None:
        try:
            _watch_connection.optionsChanged.disconnect(_on_options_changed)
        except (TypeError, RuntimeError):
            pass
        _watch_connection = None


# --------------------------------------------------------------------------------------
# Saved projects: no URL signatures or tokens in layer sources

_URL_IN_SOURCE = re.compile(r"(?:https?|s3)://[^\s'\"<>|]+")


def strip_url_secrets(source: str) -> str:
    """A data source as it may be saved: signatures, tokens and user info removed from every
    URL in it (``/vsicurl/https://...?X-Amz-Signature=...`` -> ``/vsicurl/https://...``)."""
    if not source or "://" not in source:
        return source
    return _URL_IN_SOURCE.sub(lambda m: strip_signature(m.group(0)), source)


_path_writer_id: Optional[str] = None


def install_project_redaction() -> None:
    """Strip URL secrets from every path QGIS writes into a project (plugin start)."""
    global _path_writer_id
    if _path_writer_id is None:
        _path_writer_id = QgsPathResolver.setPathWriter(strip_url_secrets)


def remove_project_redaction() -> None:
    global _path_writer_id
    if _path_writer_id is not None:
        QgsPathResolver.removePathWriter(_path_writer_id)
        _path_writer_id = None
