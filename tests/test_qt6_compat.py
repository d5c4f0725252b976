"""QGIS 4 (Qt 6) readiness of the shipped code: the checks of QGIS's ``pyqt5_to_pyqt6.py``
migration script (scripts/pyqt5_to_pyqt6/ in the QGIS repository), done here without it.

- every Qt enum is reached through its enum class (``Qt.AlignmentFlag.AlignLeft``, not
  ``Qt.AlignLeft``): PyQt6 has only scoped enums. Found by resolving each ``Name.attr`` chain
  against the names imported from ``qgis.PyQt`` and asking sip whether the value is an enum
  member. QGIS's own enums are not checked: QGIS generates unscoped aliases for them in its
  PyQt6 build too (``python/PyQt6/core/auto_additions/*.py``, e.g. ``Qgis.Warning =
  Qgis.MessageLevel.Warning``);
- none of the names and calls that Qt 6 / PyQt6 removed (``exec_``, ``qApp``, ``QRegExp``,
  ``QDesktopWidget``, ``QFontMetrics.width``, ``activated[str]``, compiled ``resources_rc``,
  ``QVariant()`` as NULL, ``QVariant.Type`` field types, direct ``PyQt5`` imports).

A line that handles both versions on purpose (``qgis_compat.py``) carries ``# qt5-only``.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Dict, List

import pytest

REPO = Path(__file__).resolve().parents[1]
NOT_SHIPPED = {"tests", "benchmarks", "scripts", "_vendor", ".build", ".venv", ".venv-stac", "docs", "dist"}
QT_MODULE_PREFIXES = ("qgis.PyQt",)
REMOVED_NAMES = {
    "qApp": "qApp is gone in Qt 6: use QApplication.instance()",
    "QRegExp": "QRegExp is gone in Qt 6: use QRegularExpression",
    "QDesktopWidget": "QDesktopWidget is gone in Qt 6: use QScreen (QGuiApplication.screens())",
}


def shipped_sources() -> List[Path]:
    out = []
    for path in sorted(REPO.rglob("*.py")):
        rel = path.relative_to(REPO)
        if rel.parts[0] in NOT_SHIPPED or any(p.startswith(".") for p in rel.parts):
            continue
        out.append(path)
    return out


def _sip_enumtype():
    from qgis.PyQt import sip  # noqa: F401 - the sip that PyQt uses

    from qgis.PyQt.QtCore import Qt
    return type(type(Qt.AlignmentFlag.AlignLeft))


def _imported_objects(tree: ast.Module) -> Dict[str, object]:
    """Names bound by ``from qgis.PyQt.X import ...`` anywhere in the module."""
    names: Dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(QT_MODULE_PREFIXES):
            try:
                module = importlib.import_module(node.module)
            except ImportError:
                continue
            for alias in node.names:
                if hasattr(module, alias.name):
                    names[alias.asname or alias.name] = getattr(module, alias.name)
    return names


def _chain(node: ast.Attribute):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return list(reversed(parts))
    return None


def problems_in(path: Path) -> List[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text, str(path))
    enumtype = _sip_enumtype()
    objects = _imported_objects(tree)
    found = []

    def report(node, message):
        line = lines[node.lineno - 1] if node.lineno - 1 < len(lines) else ""
        if "# qt5-only" not in line:
            shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
            found.append(f"{shown}:{node.lineno}: {message}")

    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(m.split(".")[0] == "PyQt5" for m in modules):
                report(node, "import PyQt5 directly: use qgis.PyQt (QGIS maps it to PyQt6 in QGIS 4)")
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name in REMOVED_NAMES:
                        report(node, REMOVED_NAMES[alias.name])
                    if alias.name == "resources_rc":
                        report(node, "compiled resources are gone in Qt 6: load icons by file path")
        elif isinstance(node, ast.Name) and node.id in REMOVED_NAMES and isinstance(node.ctx, ast.Load):
            report(node, REMOVED_NAMES[node.id])
        elif isinstance(node, ast.Attribute):
            if node.attr == "exec_":
                report(node, "exec_() is gone in PyQt6: use exec()")
            chain = _chain(node)
            if chain and chain[0] == "QVariant" and len(chain) >= 2 and chain[1] != "Type":
                report(node, f"{'.'.join(chain)}: QVariant types are QMetaType.Type in Qt 6 (see qgis_compat.field)")
            if chain and chain[0] in objects:
                obj = objects[chain[0]]
                parent = obj
                for name in chain[1:]:
                    parent, obj = obj, getattr(obj, name, None)
                    if obj is None:
                        break
                if obj is not None and isinstance(type(obj), enumtype) and parent is not type(obj):
                    report(node, f"{'.'.join(chain)} is an unscoped enum: write "
                                 f"{'.'.join(chain[:-1])}.{type(obj).__name__}.{chain[-1]}")
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "QVariant" and not node.args:
                report(node, "QVariant() as NULL is gone in Qt 6: use qgis.core.NULL")
            if (isinstance(func, ast.Attribute) and func.attr == "width" and isinstance(func.value, ast.Call)
                    and getattr(func.value.func, "attr", getattr(func.value.func, "id", "")) in
                    ("fontMetrics", "QFontMetrics", "QFontMetricsF")):
                report(node, "QFontMetrics.width() is gone in Qt 6: use horizontalAdvance()")
        elif isinstance(node, ast.Subscript):
            if (isinstance(node.value, ast.Attribute) and node.value.attr == "activated"
                    and isinstance(node.slice, ast.Name) and node.slice.id == "str"):
                report(node, "activated[str] is gone in Qt 6: use textActivated")
    return found


def test_the_scanner_finds_what_qt6_removed(tmp_path, qgis_app):
    """The checks must be able to fail: a file with each problem gives each report."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from qgis.PyQt.QtCore import Qt, QVariant\n"
        "from qgis.PyQt.QtWidgets import QDialog, qApp\n"
        "from qgis.PyQt.QtWidgets import QSizePolicy\n"
        "from PyQt5.QtGui import QFont\n"
        "a = Qt.AlignLeft\n"
        "b = Qt.AlignmentFlag.AlignLeft\n"
        "c = QSizePolicy.Expanding\n"
        "QDialog().exec_()\n"
        "v = QVariant()\n"
        "t = QVariant.Int\n"
        "w = QDialog().fontMetrics().width('x')\n", encoding="utf-8")
    found = "\n".join(problems_in(sample))
    assert ":5: Qt.AlignLeft is an unscoped enum: write Qt.AlignmentFlag.AlignLeft" in found
    assert ":6:" not in found
    assert ":7: QSizePolicy.Expanding is an unscoped enum: write QSizePolicy.Policy.Expanding" in found
    for line, words in ((2, "qApp"), (4, "PyQt5"), (8, "exec_"), (9, "NULL"), (10, "QMetaType"),
                        (11, "horizontalAdvance")):
        assert f":{line}: " in found and words in found, (line, found)


@pytest.mark.parametrize("path", shipped_sources(), ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_code_is_ready_for_qt6(path, qgis_app):
    assert problems_in(path) == []
