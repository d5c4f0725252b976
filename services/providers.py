"""The one path from a connection text to a provider, shared by the panel, the raster
tasks, the streamed-layer refresher and the Processing algorithms.

A connection text is what a user or a saved project names a catalog by: a saved
connection's name, a preset id, ``KIND+URL?options``, a URL or a local path
(``providers.connections.resolve_connection``). :func:`open_connection` resolves it against
the saved connections and the presets, gets its credentials and opens the provider once:
later calls, from any thread, get the same provider (it caches conformance, signatures and
sessions). Saving, renaming or removing a connection, or changing stored credentials, drops
the cached providers so the next call opens a fresh one; :func:`close_providers` closes them
all (plugin unload).
"""
from __future__ import annotations

import logging
import threading
import traceback
from typing import Any, Callable, Dict, List, Mapping, Optional

from qgis.core import Qgis

from ..providers.base import Connection
from ..providers.connections import open_provider, resolve_connection
from ..providers.errors import EoSceneFinderError
from .log import log_message
from ..i18n import tr

LOG = logging.getLogger(__name__)

Warn = Callable[[str], None]


def _saved_connections() -> Mapping[str, Connection]:
    from .connection_store import ConnectionStore

    return ConnectionStore().as_mapping()


def _credentials_for(connection: Connection):
    from .credentials import credentials_for

    return credentials_for(connection)


class ProviderCache:
    """Providers by connection text, opened once and shared between threads.

    ``saved`` returns the saved connections (``{name: Connection}``), ``credentials``
    what ``open_provider`` takes for a connection, ``opener`` opens the provider. Opening a
    text that is being opened by another thread waits for it and gets the same provider;
    other texts do not wait. Every error is an :class:`EoSceneFinderError`.
    """

    def __init__(self, saved: Callable[[], Mapping[str, Connection]] = _saved_connections,
                 credentials: Callable[[Connection], Any] = _credentials_for,
                 opener: Callable[..., Any] = open_provider):
        self._saved = saved
        self._credentials = credentials
        self._opener = opener
        self._lock = threading.Lock()
        self._providers: Dict[str, Any] = {}
        self._opening: Dict[str, threading.Lock] = {}
        self._retired: List[Any] = []  # dropped by a change; maybe still in use, closed on close()
        self._generation = 0

    def open(self, text: str, warn: Optional[Warn] = None):
        """The provider for ``text`` (see the module docstring). ``warn(message)`` hears
        what did not stop the opening (credentials that could not be read)."""
        key = (text or "").strip()
        with self._lock:
            provider = self._providers.get(key)
            if provider is not None:
                return provider
            opening = self._opening.setdefault(key, threading.Lock())
        with opening:  # one opening per text at a time; the others wait and reuse it
            while True:
                with self._lock:
                    provider = self._providers.get(key)
                    if provider is not None:
                        return provider
                    generation = self._generation
                provider = self._open_uncached(key, warn)
                with self._lock:
                    if generation == self._generation:
                        self._providers[key] = provider
                        return provider
                    # the connections or credentials changed while opening: open again
                    self._retired.append(provider)

    def _open_uncached(self, text: str, warn: Optional[Warn]):
        try:
            connection = resolve_connection(text, self._saved())
            try:
                credentials = self._credentials(connection)
            except EoSceneFinderError as err:
                message = tr("Credentials for {name} could not be read: {error}").format(
                    name=connection.name, error=err.user_message)
                log_message(message, Qgis.Warning)
                if warn is not None:
                    warn(message)
                credentials = None
            if credentials is None:
                return self._opener(connection)
            return self._opener(connection, credentials=credentials)
        except EoSceneFinderError:
            raise
        except Exception as err:  # noqa: BLE001 - one error type for every caller
            raise EoSceneFinderError(
                tr("The catalog “{text}” could not be opened.").format(text=text),
                details=f"{type(err).__name__}: {err}\n{traceback.format_exc()}") from err

    def invalidate(self, *_args) -> None:
        """Forget every cached provider (the next :meth:`open` opens fresh ones)."""
        with self._lock:
            self._generation += 1
            self._retired.extend(self._providers.values())
            self._providers.clear()

    def close(self) -> None:
        """Close every provider opened so far and forget them."""
        with self._lock:
            self._generation += 1
            providers = list(self._providers.values()) + self._retired
            self._providers.clear()
            self._retired = []
        for provider in providers:
            try:
                provider.close()
            except Exception as err:  # noqa: BLE001 - unloading must go on
                LOG.warning("Closing a provider failed: %s", err)


_shared_lock = threading.Lock()
_shared: Optional[ProviderCache] = None


def provider_cache() -> ProviderCache:
    """The plugin's one :class:`ProviderCache`, following changes of the saved connections
    and of the shared credential store."""
    global _shared
    with _shared_lock:
        if _shared is None:
            from .connection_store import add_change_listener
            from .credentials import credential_store

            cache = ProviderCache()
            add_change_listener(cache.invalidate)
            credential_store().add_listener(cache.invalidate)
            _shared = cache
        return _shared


def open_connection(text: str, warn: Optional[Warn] = None):
    """The shared provider for a connection text (opened on first use; no network I/O
    except telling a STAC API from a static catalog for a bare URL)."""
    return provider_cache().open(text, warn)


def close_providers() -> None:
    """Close the shared providers (plugin unload); later calls open new ones."""
    with _shared_lock:
        cache = _shared
    if cache is not None:
        cache.close()
