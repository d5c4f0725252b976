"""Catalog access without QGIS: the request/scene model, providers and their registry.

Public entry points (imported lazily so that ``providers.errors`` and friends stay cheap):
``open_provider(connection, credentials=None)``, ``resolve_connection(text, saved=None)``,
``PRESETS``, ``Connection``, ``SearchRequest``.
"""
from ._lazy import lazy_exports

_EXPORTS = {
    "open_provider": ".connections",
    "resolve_connection": ".connections",
    "connection_string": ".connections",
    "PRESETS": ".connections",
    "Preset": ".spec",
    "ProviderSpec": ".spec",
    "Connection": ".base",
    "Provider": ".base",
    "SearchResults": ".base",
    "SearchRequest": ".model",
    "Scene": ".model",
    "Page": ".model",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS, globals())
