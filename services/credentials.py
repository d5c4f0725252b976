"""The one credential store and token manager that the panel, Processing and downloads
share, and the start/stop of the QGIS-side services.

- :func:`credential_store`: OS keyring, else QGIS's auth database; environment variables
  as fallback.
- :func:`token_manager`: logins and tokens (device-code and two-factor prompts in the
  desktop, none headless).
- :func:`credentials_for`: what ``open_provider(connection, credentials=...)`` takes.
- :func:`startup` / :func:`shutdown`: plugin start and unload.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional

from qgis.core import Qgis, QgsApplication

from ..providers.base import Connection
from ..providers.auth.credentials import CredentialStore, KeyringSecretStore
from ..providers.auth.tokens import TokenManager
from .auth_db import QgisAuthSecretStore, notify_keyring_fallback, notify_keyring_refused
from .log import log_message
from .network import stop_watching_network_settings, watch_network_settings
from .project import install_project_redaction, remove_project_redaction
from ..i18n import tr

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
                                                on_fallback=notify_keyring_fallback,
                                                on_keyring_refused=notify_keyring_refused)
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
    from ..ui.device_code_dialog import DeviceCodePrompt

    try:
        return DeviceCodePrompt.instance()
    except Exception as err:  # noqa: BLE001 - no usable GUI: logins fail with a clear error
        log_message(tr("Device-code logins cannot be shown: {err}").format(err=err), Qgis.Warning)
        return None


def _default_totp_prompt() -> Optional[Callable]:
    """Asks for a new two-factor code in the QGIS desktop; None headless (a clear error)."""
    if QgsApplication.platform() != "desktop":
        return None
    from ..ui.device_code_dialog import TotpCodePrompt

    try:
        return TotpCodePrompt.instance()
    except Exception as err:  # noqa: BLE001 - no usable GUI: a clear error when a code is needed
        log_message(tr("Two-factor code prompts cannot be shown: {err}").format(err=err), Qgis.Warning)
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


def forget_login(name: str) -> None:
    """Drop the login (tokens) of connection ``name``, if the token manager has one."""
    with _shared_lock:
        manager = _token_manager
    if manager is not None:
        manager.forget(name)


def shutdown() -> None:
    """Plugin unload: close the shared providers, cancel pending logins, log out (USGS),
    stop watching the options."""
    global _token_manager
    from .providers import close_providers  # imports this module: not at the top

    close_providers()
    with _shared_lock:
        manager, _token_manager = _token_manager, None
    if manager is not None:
        manager.close()
    stop_watching_network_settings()
    remove_project_redaction()
