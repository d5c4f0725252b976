"""QGIS's encrypted authentication database as the fallback secret store.

:class:`QgisAuthSecretStore` keeps a connection's secrets when no OS keyring is usable;
:func:`notify_keyring_fallback` tells the user once (per profile) that this happens.
"""
from __future__ import annotations

import base64
import json
import threading
from typing import Dict, Mapping, Optional

from qgis.core import Qgis, QgsApplication, QgsAuthMethodConfig, QgsSettings

from ..providers.auth.credentials import CredentialStoreError, SecretStore
from .log import LOG_TAG, log_message
from ..i18n import tr, tr_noop

FALLBACK_NOTICE_KEY = "eo_scene_finder/notices/keyring_fallback_told"


class QgisAuthSecretStore(SecretStore):
    """QGIS's encrypted authentication database: one Basic auth config per connection
    (named ``eo_scene_finder: <connection>``) holding the secrets as encoded JSON.

    It needs the QGIS master password: in the QGIS desktop QGIS asks for it; elsewhere
    (``qgis_process``, tests) it must already be set, else the store counts as unusable.
    """

    label = tr_noop("QGIS authentication database")  # shown as tr(label)
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
            raise CredentialStoreError(tr("QGIS's authentication database is locked (no master password)."))

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
                raise CredentialStoreError(tr("QGIS's authentication database could not be read."))
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
                raise CredentialStoreError(tr("QGIS's authentication database refused to save the credentials."))

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
    text = tr("No OS keyring is available, so EO Scene Finder keeps connection credentials in QGIS's "
              "encrypted authentication database (protected by the QGIS master password).")
    log_message(text, Qgis.Warning)
    try:
        from qgis.utils import iface
        if iface is not None and hasattr(iface, "messageBar"):
            iface.messageBar().pushMessage(LOG_TAG, text, Qgis.Warning, 10)
    except Exception:  # noqa: BLE001 - no GUI: the log message is enough
        pass


def notify_keyring_refused(text: str) -> None:
    """Tell the user that a locked OS keyring sent credentials to QGIS's auth database."""
    log_message(text, Qgis.Warning)
    try:
        from qgis.utils import iface
        if iface is not None and hasattr(iface, "messageBar"):
            iface.messageBar().pushMessage(LOG_TAG, text, Qgis.Warning, 15)
    except Exception:  # noqa: BLE001 - no GUI: the log message is enough
        pass
