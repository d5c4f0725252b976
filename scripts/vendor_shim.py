"""Pure-Python dependencies bundled with EO Scene Finder (release zip only).

The packages in this folder are ordinary wheels unpacked here, with their imports rewritten to
``<plugin>._vendor.<name>`` by ``scripts/package.py``: they never go on ``sys.path`` and never
replace another plugin's or the user's copies. See ``VENDORED.md`` for versions and licences.

Two things a vendored copy loses are provided here:

* entry points: ``importlib.metadata`` only sees distributions on ``sys.path``, so pystac's
  extension hooks (group ``pystac.extensions``) and keyring's built-in backends (group
  ``keyring.backends``: SecretService, KWallet, libsecret, macOS, Windows, chainer) would not
  be found. The rewritten code calls ``vendored_entry_points(group=...)`` instead, which reads
  the ``entry_points.txt`` files of the vendored ``*.dist-info`` folders next to this file.
  Entry points of packages installed elsewhere (e.g. a global keyrings.alt) are deliberately
  not loaded: they would import the global copies.
* dotted names chosen at run time (``PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring``,
  keyringrc.cfg): ``vendored_module_name`` maps them onto the vendored copy.
"""
import configparser
import importlib
import os
from typing import List

_HERE = os.path.dirname(os.path.abspath(__file__))
_PREFIX = __name__ + "."

# Filled in by scripts/package.py when the zip is built.
VENDORED_MODULES = ()  # @VENDORED_MODULES@


def is_vendored(name: str) -> bool:
    """True when ``name`` (a dotted module path) belongs to a vendored package."""
    return any(name == m or name.startswith(m + ".") for m in VENDORED_MODULES)


def vendored_module_name(name: str) -> str:
    """``keyring.backends.null.Keyring`` -> ``<plugin>._vendor.keyring.backends.null.Keyring``."""
    if name.startswith(_PREFIX) or not is_vendored(name):
        return name
    return _PREFIX + name


class VendoredEntryPoint:
    """The part of ``importlib.metadata.EntryPoint`` that pystac and keyring use."""

    def __init__(self, name: str, group: str, value: str):
        self.name = name
        self.group = group
        self.value = value

    @property
    def module(self) -> str:
        return self.value.split(":", 1)[0].strip()

    @property
    def attr(self) -> str:
        rest = self.value.split(":", 1)[1] if ":" in self.value else ""
        return rest.split("[", 1)[0].strip()

    def load(self):
        obj = importlib.import_module(self.module)
        for part in filter(None, self.attr.split(".")):
            obj = getattr(obj, part)
        return obj

    def __repr__(self):
        return f"VendoredEntryPoint(name={self.name!r}, group={self.group!r}, value={self.value!r})"


def vendored_entry_points(*, group: str) -> List[VendoredEntryPoint]:
    """Entry points of ``group`` declared by the vendored distributions."""
    found = []
    for entry in sorted(os.listdir(_HERE)):
        path = os.path.join(_HERE, entry, "entry_points.txt")
        if not entry.endswith(".dist-info") or not os.path.isfile(path):
            continue
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # entry point names are case-sensitive
        parser.read(path, encoding="utf-8")
        if parser.has_section(group):
            for name, value in parser.items(group):
                module, sep, attr = value.partition(":")
                value = vendored_module_name(module.strip()) + (sep + attr if sep else "")
                found.append(VendoredEntryPoint(name, group, value))
    return found
