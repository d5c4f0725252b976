"""Rules of the code base that a change could silently break."""
import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_providers_never_import_qgis():
    offenders = {str(p.relative_to(REPO)): name for p in (REPO / "providers").rglob("*.py")
                 for name in _imports(p) if name == "qgis" or name.startswith("qgis.")}
    assert not offenders


def test_the_core_runs_in_a_python_without_qgis():
    """Import every provider module in a plain interpreter whose path hides QGIS."""
    code = (
        "import importlib, pkgutil, sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'qgis' or name.startswith('qgis.'): raise ImportError('qgis is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import eo_scene_finder.providers as p\n"
        "for m in pkgutil.iter_modules(p.__path__):\n"
        "    importlib.import_module('eo_scene_finder.providers.' + m.name)\n"
        "print('ok')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(REPO / ".build" / "pkgroot"), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_no_package_named_processing():
    """A folder named ``processing`` would shadow QGIS's own Processing module."""
    assert not (REPO / "processing").exists()


def test_qt_is_imported_only_through_qgis_pyqt():
    offenders = {str(p.relative_to(REPO)): name for p in REPO.glob("**/*.py")
                 if ".venv" not in p.parts and ".build" not in p.parts and "tests" not in p.parts
                 for name in _imports(p) if name.split(".")[0] in ("PyQt5", "PyQt6", "PySide2", "PySide6")}
    assert not offenders


def _plugin_sources():
    """Every Python file of the plugin and its scripts (not the tests, not the venvs)."""
    return [p for p in REPO.glob("**/*.py")
            if not {".venv", ".venv-stac", ".build", "tests", "dist"} & set(p.parts)]


def test_tls_verification_is_never_switched_off():
    """No request may skip certificate checks: ``verify=False`` (or a falsy constant) as an
    argument or a session attribute, unverified SSL contexts, GDAL's unsafe SSL switch."""
    offenders = []
    for path in _plugin_sources():
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in ast.walk(tree):
            falsy = None
            if isinstance(node, ast.keyword) and node.arg == "verify":
                falsy = node.value
            elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "verify"
                                                      for t in node.targets):
                falsy = node.value
            if isinstance(falsy, ast.Constant) and not falsy.value:
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno} verify={falsy.value!r}")
        for word in ("_create_unverified_context", "CERT_NONE", "GDAL_HTTP_UNSAFESSL", "check_hostname = False",
                     "disable_warnings"):
            if word in text:
                offenders.append(f"{path.relative_to(REPO)}: {word}")
    assert not offenders


def test_every_session_verifies_tls():
    from eo_scene_finder.providers.net import http

    assert http.new_session().verify not in (False, None, 0, "")
