"""Catalog access without QGIS: the request/scene model, providers and their registry.

Public entry points (imported lazily so that ``providers.errors`` and friends stay cheap):
``open_provider(connection, credentials=None)``, ``resolve_connection(text, saved=None)``,
``PRESETS``, ``Connection``, ``SearchRequest``.
"""
from typing import Any

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
