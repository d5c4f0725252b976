"""Lazy public names for a package: ``__getattr__ = lazy_exports(__name__, {name: ".module"}, globals())``
imports a module only when one of its names is first used (so that light modules stay cheap)."""
import importlib
from typing import Any, Callable, Dict


def lazy_exports(package: str, exports: Dict[str, str], namespace: Dict[str, Any]) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value
    return __getattr__
