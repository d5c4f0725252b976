"""QGIS's network settings for the plugin's ``requests`` sessions.

:func:`apply_network_settings` maps QGIS's proxy (Settings → Options → Network) and CA
certificates onto every new session (``providers.http``); :func:`watch_network_settings`
re-applies them whenever QGIS's options are saved. GDAL gets them from QGIS itself.
"""
from __future__ import annotations

import logging
import os
import ssl
from typing import Any, Dict, List, Optional
from urllib.parse import quote

from qgis.core import Qgis, QgsApplication, QgsAuthMethodConfig, QgsSettings

from ..providers.net import http
from ..providers.net.redact import redact_url, register_secret
from .log import log_message
from ..i18n import tr

LOG = logging.getLogger(__name__)


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
            log_message(tr("QGIS is set to use a SOCKS5 proxy, but the Python package PySocks is missing: "
                 "EO Scene Finder's requests will fail until it is installed."), Qgis.Warning)
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
        log_message(tr("The network settings could not be applied: {err}").format(err=err), Qgis.Warning)


def stop_watching_network_settings() -> None:
    global _watch_connection
    if _watch_connection is not None:
        try:
            _watch_connection.optionsChanged.disconnect(_on_options_changed)
        except (TypeError, RuntimeError):
            pass
        _watch_connection = None
