"""The catalog kinds: one package or module per protocol, each declaring its
:class:`~..spec.ProviderSpec` objects in a ``SPECS`` tuple.

Adding a kind = one module under ``catalogs/`` with its provider and ``SPECS``, and one line
in :data:`SPEC_MODULES`.
"""
from __future__ import annotations

import importlib
import threading
from typing import Dict, Tuple

from .. import errors
from ..spec import ProviderSpec

# One line per protocol package (the order is the order of kinds in lists).
SPEC_MODULES: Tuple[str, ...] = (
    ".stac",
    ".odata",
    ".usgs",
    ".cmr",
    ".aws",
    ".google",
)

_lock = threading.Lock()
_specs: Dict[str, ProviderSpec] = {}


def specs() -> Dict[str, ProviderSpec]:
    """Every kind that has a working provider: ``{kind: spec}``, in declaration order."""
    with _lock:
        if not _specs:
            loaded: Dict[str, ProviderSpec] = {}
            for name in SPEC_MODULES:
                module = importlib.import_module(name, __name__)
                for spec in module.SPECS:
                    if spec.kind in loaded:
                        raise RuntimeError(f"Two catalog specs declare the kind {spec.kind!r}")
                    loaded[spec.kind] = spec
            _specs.update(loaded)
        return dict(_specs)


def kinds() -> Tuple[str, ...]:
    return tuple(specs())


def spec_for(kind: str) -> ProviderSpec:
    """The spec of ``kind``; a plain error naming the known kinds otherwise."""
    found = specs().get(kind)
    if found is None:
        raise errors.InvalidRequestError(
            f"“{kind}” is not a catalog kind this version can open; the kinds are: {', '.join(kinds())}.")
    return found
