"""Saved connections in ``QgsSettings`` (never a secret) and their JSON export/import.

:class:`ConnectionStore` is what the panel, the connection manager, Processing and the
provider cache read; every change is announced by its ``changed`` signal and to the
functions registered with :func:`add_change_listener` (whatever store instance made it).
"""
from __future__ import annotations

import json
import logging
import os
import threading
from typing import Callable, Dict, List, Mapping, Optional
from urllib.parse import parse_qsl, urlsplit

from qgis.core import Qgis, QgsSettings
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..providers import errors
from ..providers.base import Connection
from ..providers.connections import looks_secret, provider_kinds
from ..providers.auth.credentials import CredentialStore, CredentialStoreError
from ..providers.net.redact import SECRET_QUERY_KEYS
from .credentials import credential_store, forget_login
from .log import log_message
from ..i18n import tr

LOG = logging.getLogger(__name__)

SETTINGS_KEY = "eo_scene_finder/connections"
EXPORT_FORMAT = "eo-scene-finder-connections"
EXPORT_VERSION = 1

_listeners_lock = threading.Lock()
_listeners: List[Callable[[], None]] = []


def add_change_listener(callback: Callable[[], None]) -> None:
    """``callback()`` after any saved connection changed (added, edited, renamed, removed)."""
    with _listeners_lock:
        if callback not in _listeners:
            _listeners.append(callback)


def remove_change_listener(callback: Callable[[], None]) -> None:
    with _listeners_lock:
        if callback in _listeners:
            _listeners.remove(callback)


def _announce_change() -> None:
    with _listeners_lock:
        callbacks = list(_listeners)
    for callback in callbacks:
        try:
            callback()
        except Exception:  # noqa: BLE001 - a listener must not break saving
            LOG.exception("connection change listener failed")


def check_no_secrets(connection: Connection) -> None:
    """Refuse a connection whose URL or options carry a secret (they are saved in plain text)."""
    for value in [connection.url] + [v for v in connection.options.values() if isinstance(v, str)]:
        if "://" not in value:
            continue
        parts = urlsplit(value)
        if "@" in parts.netloc or any(k.lower() in SECRET_QUERY_KEYS or looks_secret(k)
                                      for k, _v in parse_qsl(parts.query, keep_blank_values=True)):
            raise errors.InvalidRequestError(
                tr("The connection “{name}” has a password, token or signature in a URL. URLs are saved in plain "
                   "text: put credentials in the credentials fields instead.").format(name=connection.name))
    bad = [k for k in connection.options if looks_secret(k)]
    if bad:
        raise errors.InvalidRequestError(
            tr("The connection option “{bad}” looks like a secret; secrets go to the credentials fields (kept in the "
               "OS keyring), never in the saved connection.").format(bad=bad[0]))


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
            log_message(tr("The saved EO Scene Finder connections could not be read; starting empty."), Qgis.Warning)
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
            raise errors.InvalidRequestError(tr("A connection needs a name."))
        if connection.kind not in provider_kinds():
            raise errors.InvalidRequestError(
                tr("Unknown connection kind “{kind}”; known kinds: {kinds}.").format(
                    kind=connection.kind, kinds=', '.join(provider_kinds())))
        connection = Connection(name=name, kind=connection.kind, url=(connection.url or "").strip(),
                                options={k: v for k, v in connection.options.items() if v not in (None, "")},
                                preset=connection.preset)
        check_no_secrets(connection)
        conns = self._read()
        if name != old_name and any(c.name == name for c in conns):
            raise errors.InvalidRequestError(tr("A connection named “{name}” already exists.").format(name=name))
        replaced = old_name if old_name is not None else name
        index = next((i for i, c in enumerate(conns) if c.name == replaced), None)
        if index is None:
            conns.append(connection)
        else:
            conns[index] = connection
        if old_name is not None and old_name != name:
            self.credentials.rename(old_name, name)
            forget_login(old_name)
        if credentials is not None:
            self.credentials.save(name, credentials)
        self._write(conns)
        self._changed()
        return connection

    def remove(self, name: str) -> None:
        """Forget a connection, its secrets and its login."""
        conns = [c for c in self._read() if c.name != name]
        self._write(conns)
        try:
            self.credentials.delete(name)
        except CredentialStoreError as err:
            log_message(tr("The credentials of “{name}” could not be removed: {error}").format(
                name=name, error=err.user_message), Qgis.Warning)
        forget_login(name)
        self._changed()

    def duplicate(self, name: str, new_name: Optional[str] = None) -> Connection:
        """A copy of ``name`` (with its credentials) under a new, unique name."""
        source = self.get(name)
        if source is None:
            raise errors.InvalidRequestError(tr("There is no connection named “{name}”.").format(name=name))
        target = self.unique_name(new_name or tr("{name} (copy)").format(name=name))
        copy = Connection(name=target, kind=source.kind, url=source.url, options=dict(source.options),
                          preset=source.preset)
        self.save(copy)
        self.credentials.copy(name, target)
        return copy

    def _changed(self) -> None:
        self.changed.emit()
        _announce_change()

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
            raise errors.InvalidRequestError(tr("{file} is not a connections file: {err}").format(
                file=os.path.basename(path), err=err)) from err
        items = data.get("connections") if isinstance(data, dict) else None
        if data.get("format") != EXPORT_FORMAT or not isinstance(items, list):
            raise errors.InvalidRequestError(
                tr("{file} is not an EO Scene Finder connections file.").format(file=os.path.basename(path)))
        conns = []
        for item in items:
            try:
                conn = Connection.from_dict(item)
            except (KeyError, TypeError, AttributeError) as err:
                raise errors.InvalidRequestError(tr("A connection in {file} is incomplete.").format(
                    file=os.path.basename(path))) from err
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
