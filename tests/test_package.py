"""The release zip: layout, vendored dependencies, import rewriting, isolation.

The zip is built once per session by ``scripts/package.py --offline`` (fixture ``plugin_zip``).
The vendored code is imported in subprocesses: ``/usr/bin/python3 -I -S`` with only the
unpacked zip and Debian's dist-packages (for requests/shapely) on ``sys.path``, where any import
of a global pystac/keyring/... raises; and the dev venv, where pip-installed copies of the same
packages exist, to prove the two never mix.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

import qgis_env

vendor_rewrite = qgis_env.load_script("vendor_rewrite")
package = qgis_env.load_script("package")

PLUGIN = "eo_scene_finder"
SYSTEM_PYTHON = "/usr/bin/python3"
DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"
# vendored top-level names that Debian does not provide (importing them globally must fail)
NOT_ON_SYSTEM = ("pystac", "pystac_client", "keyring", "jaraco", "more_itertools", "importlib_metadata",
                 "zipp", "backports", "jeepney", "secretstorage")
# vendored names Debian also has (python3-dateutil, python3-six): the plugin must still not use them
ALSO_ON_SYSTEM = ("dateutil", "six")


@pytest.fixture(scope="module")
def zip_names(plugin_zip):
    with zipfile.ZipFile(plugin_zip) as zf:
        return zf.namelist()


@pytest.fixture(scope="module")
def unpacked(plugin_zip, tmp_path_factory) -> Path:
    """The zip extracted the way QGIS's "Install from ZIP" does (its own unzip function)."""
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(target)
    return target


def test_zip_name_carries_the_metadata_version(plugin_zip):
    assert plugin_zip.name == f"{PLUGIN}-{package.read_version(qgis_env.REPO)}.zip"


def test_zip_has_one_top_folder_with_the_plugin_and_nothing_from_development(zip_names):
    assert {n.split("/")[0] for n in zip_names} == {PLUGIN}
    inside = {n.split("/", 1)[1] for n in zip_names}
    for required in ("__init__.py", "plugin.py", "metadata.txt", "icons/icon.svg", "providers/model.py",
                     "ui/dock.py", "_vendor/__init__.py", "_vendor/VENDORED.md", "styles/footprints.qml"):
        assert required in inside, required
    for optional in ("LICENSE", "README.md", "CHANGELOG.md", "resources.qrc"):
        if (qgis_env.REPO / optional).exists():
            assert optional in inside, optional
    if (qgis_env.REPO / "demo_catalog" / "catalog.json").exists():
        assert "demo_catalog/catalog.json" in inside
    tops = {n.split("/")[0] for n in inside}
    for excluded in ("tests", "scripts", "docs", "benchmarks", ".venv", ".venv-stac", ".build", "dist",
                     ".git", ".gitignore", ".ci", "Makefile", "pytest.ini", "requirements-dev.txt",
                     "requirements-vendor.txt"):
        assert excluded not in tops, excluded
    assert not [n for n in inside if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    # QGIS's installer takes the alphabetically first */metadata.txt as the plugin folder
    assert [n for n in zip_names if n.endswith("metadata.txt")] == [f"{PLUGIN}/metadata.txt"]


def test_the_zip_ships_every_translation_compiled(plugin_zip, zip_names):
    """The .qm files are built, not committed: the zip must carry one per .ts, loadable by Qt."""
    from qgis.PyQt.QtCore import QTranslator

    languages = sorted(p.stem for p in (qgis_env.REPO / "i18n").glob("*.ts"))
    assert languages, "no i18n/*.ts sources"
    with zipfile.ZipFile(plugin_zip) as zf:
        for stem in languages:
            name = f"{PLUGIN}/i18n/{stem}.qm"
            assert name in zip_names, name
            translator = QTranslator()
            assert translator.loadFromData(zf.read(name)), name
            assert translator.translate("EoSceneFinder", "Search") not in ("", "Search"), name


def test_every_pinned_dependency_is_vendored_with_its_licence(zip_names):
    inside = {n.split("/", 1)[1] for n in zip_names}
    pins = package.read_pins(qgis_env.REPO / "requirements-vendor.txt")
    dist_infos = {n.split("/")[1][: -len(".dist-info")] for n in inside
                  if n.startswith("_vendor/") and ".dist-info/" in n}
    norm = {package._normalise(d.rsplit("-", 1)[0]) + "==" + d.rsplit("-", 1)[1] for d in dist_infos}
    for name, version in pins:
        assert f"{package._normalise(name)}=={version}" in norm, (name, version)
    for top in ("pystac_client/__init__.py", "pystac/__init__.py", "pystac/extensions/eo.py",
                "dateutil/parser/__init__.py", "six.py", "keyring/core.py", "keyring/backends/SecretService.py",
                "jaraco/functools/__init__.py", "jaraco/context/__init__.py", "jaraco/classes/properties.py",
                "more_itertools/__init__.py", "importlib_metadata/__init__.py", "zipp/__init__.py",
                "backports/tarfile/__init__.py"):
        assert f"_vendor/{top}" in inside, top
    assert not [n for n in inside if n.startswith("_vendor/shapely")]  # compiled: never vendored
    assert not [n for n in inside if n.endswith(".dist-info/RECORD")]
    assert not [n for n in inside if "/tests/" in n]
    licence_files = [n for n in inside if ".dist-info/" in n and "LICEN" in n.upper()]
    assert len(licence_files) >= 14  # every project except the licence-less pystac-core/ext wheels


def test_every_vendored_wheel_supports_the_oldest_qgis_python(plugin_zip):
    with zipfile.ZipFile(plugin_zip) as zf:
        metadata = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        needs = {n.split("/")[2]: package.required_python(zf.read(n).decode()) for n in metadata}
    assert package.MIN_PYTHON == (3, 10)  # QGIS on Ubuntu 22.04
    assert {d: v for d, v in needs.items() if v and v > package.MIN_PYTHON} == {}


def test_no_vendored_package_is_imported_by_its_global_name_anywhere_in_the_zip(plugin_zip):
    assert vendor_rewrite.check_zip(plugin_zip) == []


def test_plugin_modules_are_rewritten_in_the_zip_but_not_in_the_working_tree(unpacked):
    names = vendor_rewrite.VendoredNames.from_vendor_dir(unpacked / PLUGIN / "_vendor")
    rewritten = 0
    for source in vendor_rewrite.iter_python_files(qgis_env.REPO):
        rel = source.relative_to(qgis_env.REPO)
        if rel.parts[0] in ("tests", "scripts", "benchmarks", "docs", ".venv", ".venv-stac", ".build", "dist") \
                or rel.parts[0].startswith("."):
            continue
        text = source.read_text(encoding="utf-8")
        assert not _imports_of_vendor(text), f"{rel}: the working tree must import the normal packages"
        if vendor_rewrite.find_unrewritten(text, names, str(rel)):
            shipped = (unpacked / PLUGIN / rel).read_text(encoding="utf-8")
            assert f"{PLUGIN}._vendor" in shipped, rel
            assert vendor_rewrite.find_unrewritten(shipped, names, str(rel)) == [], rel
            rewritten += 1
    assert rewritten >= 1  # the providers use pystac-client/keyring


def _imports_of_vendor(text):
    import ast
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and "_vendor" in (node.module or ""):
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if "_vendor" in a.name]
    return found


ISOLATED_IMPORT = r'''
import importlib.abc, json, os, sys
NOT_ON_SYSTEM, ALSO_ON_SYSTEM, ROOT = json.loads(sys.argv[1])


class GlobalImportTrap(importlib.abc.MetaPathFinder):
    """Fails any global import of a vendored name made from the plugin's code."""

    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in NOT_ON_SYSTEM:
            raise ModuleNotFoundError(f"global import of {name}")
        if top in ALSO_ON_SYSTEM:
            frame = sys._getframe(1)
            while frame is not None and frame.f_globals.get("__name__", "").startswith(("importlib", "_frozen")):
                frame = frame.f_back
            importer = frame.f_globals.get("__name__", "") if frame else ""
            if importer.startswith("eo_scene_finder"):
                raise ModuleNotFoundError(f"{importer} imported the global {name}")
        return None


sys.meta_path.insert(0, GlobalImportTrap())
sys.path[:0] = [ROOT, "/usr/lib/python3/dist-packages"]
os.environ.pop("PYTHON_KEYRING_BACKEND", None)

from eo_scene_finder._vendor import pystac, pystac_client
from eo_scene_finder._vendor.dateutil import parser
from eo_scene_finder._vendor import keyring
from eo_scene_finder._vendor.keyring import backend, core
from eo_scene_finder._vendor.pystac.extensions.eo import EOExtension
import eo_scene_finder.providers  # the plugin's own pure-Python core, rewritten

item = pystac.Item.from_dict({
    "type": "Feature", "stac_version": "1.0.0", "id": "scene", "geometry": None, "links": [], "assets": {},
    "properties": {"datetime": "2023-08-08T10:00:00Z", "eo:cloud_cover": 12.5},
    "stac_extensions": ["https://stac-extensions.github.io/eo/v1.1.0/schema.json"]})
ring = keyring.get_keyring()
vendor_dir = os.path.join(ROOT, "eo_scene_finder", "_vendor") + os.sep
print(json.dumps({
    "pystac_client": pystac_client.__version__,
    "pystac": pystac.__version__,
    "parsed": parser.parse("2023-08-08T10:00:00Z").isoformat(),
    "cloud_cover": EOExtension.ext(item).cloud_cover,
    "keyring_backend": type(ring).__module__,
    "keyring_classes": sorted(c.__module__ for c in backend.KeyringBackend._classes),
    "named_backend": type(core.load_keyring("keyring.backends.null.Keyring")).__module__,
    "global_vendored_names": sorted(n for n in sys.modules if n.split(".")[0] in NOT_ON_SYSTEM),
    "vendor_files_under_global_names": sorted(
        n for n, m in list(sys.modules.items())
        if (getattr(m, "__file__", None) or "").startswith(vendor_dir) and not n.startswith("eo_scene_finder.")),
}))
'''


def _run(python, script, *args, cwd):
    proc = subprocess.run([*python, "-c", script, *args], capture_output=True, text=True, timeout=120, cwd=cwd,
                          env=qgis_env.clean_env({"HOME": str(cwd)}))
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_vendored_packages_work_with_no_pip_installed_copy(unpacked, tmp_path):
    out = _run([SYSTEM_PYTHON, "-I", "-S"], ISOLATED_IMPORT,
               json.dumps([NOT_ON_SYSTEM, ALSO_ON_SYSTEM, str(unpacked)]), cwd=tmp_path)
    assert out["pystac_client"] and out["pystac"]
    assert out["parsed"] == "2023-08-08T10:00:00+00:00"
    assert out["cloud_cover"] == 12.5  # pystac's eo extension found through vendored entry points
    assert out["keyring_backend"].startswith("eo_scene_finder._vendor.keyring.backends.")
    for name in ("SecretService", "kwallet", "libsecret", "macOS", "Windows", "chainer", "fail"):
        assert f"eo_scene_finder._vendor.keyring.backends.{name}" in out["keyring_classes"], name
    assert out["named_backend"] == "eo_scene_finder._vendor.keyring.backends.null"
    assert out["global_vendored_names"] == []
    assert out["vendor_files_under_global_names"] == []


SIDE_BY_SIDE = r'''
import json, os, sys
root = sys.argv[1]
import pystac as global_pystac, keyring as global_keyring  # pip-installed in the dev venv
sys.path.insert(0, root)
from eo_scene_finder._vendor import pystac, keyring
from eo_scene_finder._vendor.keyring import backend
keyring.get_keyring()
print(json.dumps({
    "same_pystac": pystac is global_pystac,
    "global_pystac_file": global_pystac.__file__,
    "vendored_pystac_file": pystac.__file__,
    "vendored_keyring_classes": sorted(c.__module__ for c in backend.KeyringBackend._classes),
    "global_keyring_backend": type(global_keyring.get_keyring()).__module__,
    "vendored_item_is_global_item": issubclass(pystac.Item, global_pystac.Item),
}))
'''


def test_vendored_copies_never_mix_with_installed_copies(unpacked, tmp_path):
    out = _run([sys.executable], SIDE_BY_SIDE, str(unpacked), cwd=tmp_path)
    assert not out["same_pystac"] and not out["vendored_item_is_global_item"]
    assert out["vendored_pystac_file"].startswith(str(unpacked))
    assert not out["global_pystac_file"].startswith(str(unpacked))
    # the vendored keyring ignores entry points of globally installed backends (keyrings.alt)
    assert all(m.startswith("eo_scene_finder._vendor.") for m in out["vendored_keyring_classes"]), out
    assert out["global_keyring_backend"].startswith("keyring")  # the global copy is unaffected


# --- the rewriter itself, on a small vendored tree --------------------------------------------

def _fake_vendor(root: Path) -> Path:
    vendor = root / "plug" / "_vendor"
    (vendor / "alpha" / "sub").mkdir(parents=True)
    (vendor / "alpha" / "__init__.py").write_text("VALUE = 'alpha'\n")
    (vendor / "alpha" / "sub" / "__init__.py").write_text("from alpha import VALUE\nDEEP = VALUE + '.sub'\n")
    (vendor / "alpha" / "sub" / "leaf.py").write_text("import alpha.sub\nLEAF = alpha.sub.DEEP + '.leaf'\n")
    (vendor / "ns" / "beta").mkdir(parents=True)  # a namespace package shared by distributions
    (vendor / "ns" / "beta" / "__init__.py").write_text(
        "import importlib\nmod = importlib.import_module('alpha.sub.leaf')\nBETA = mod.LEAF\n")
    (vendor / "gamma.py").write_text("__lazy_modules__ = {'alpha.sub', 'json'}\nG = 1\n")
    (vendor / "alpha-1.0.dist-info").mkdir()
    (vendor / "alpha-1.0.dist-info" / "entry_points.txt").write_text("[alpha.plugins]\nleaf = alpha.sub.leaf:LEAF\n")
    (root / "plug" / "__init__.py").write_text("")
    (vendor / "__init__.py").write_text((qgis_env.REPO / "scripts" / "vendor_shim.py").read_text().replace(
        "VENDORED_MODULES = ()  # @VENDORED_MODULES@", "VENDORED_MODULES = ('alpha', 'gamma', 'ns.beta')"))
    return vendor


PLUGIN_MODULE = '''\
"""A plugin module using every import form."""
import os, alpha as a1, sys
import alpha.sub.leaf
import alpha.sub as s2
from alpha import (
    VALUE,  # a comment that must survive
)
from alpha.sub.leaf import LEAF
from ns import beta
from ns.beta import BETA
from . import sibling
from os import path
from importlib.metadata import entry_points


def late():
    try:
        import gamma
    except ImportError:
        gamma = None
    return gamma.G


def plugins():
    return [ep.load() for ep in entry_points(group="alpha.plugins")]


RESULT = (a1.VALUE, alpha.sub.leaf.LEAF, s2.DEEP, VALUE, LEAF, beta.BETA, BETA, late(), plugins(),
          sibling.S, path.sep == os.sep, sys.version_info >= (3,))
'''


def test_rewriter_handles_every_import_form_and_the_result_runs(tmp_path):
    vendor = _fake_vendor(tmp_path)
    names = vendor_rewrite.VendoredNames.from_vendor_dir(vendor)
    assert names.modules == {"alpha", "gamma", "ns.beta"} and names.namespaces == {"ns"}
    assert names.entry_point_groups == {"alpha.plugins"}
    (tmp_path / "plug" / "sibling.py").write_text("S = 'sibling'\n")
    result = vendor_rewrite.rewrite_source(PLUGIN_MODULE, names, "plug", "mod.py")
    text = result.text
    assert "import os; from plug._vendor import alpha as a1; import sys" in text
    assert '__import__("plug._vendor.alpha.sub.leaf"); from plug._vendor import alpha' in text
    assert "import plug._vendor.alpha.sub as s2" in text
    assert "from plug._vendor.alpha import (\n    VALUE,  # a comment that must survive\n)" in text
    assert "from plug._vendor.ns import beta" in text and "from plug._vendor.ns.beta import BETA" in text
    assert "from . import sibling" in text and "from os import path" in text
    assert "        from plug._vendor import gamma\n" in text
    assert 'vendored_entry_points(group="alpha.plugins")' in text
    assert len(text.splitlines()) == len(PLUGIN_MODULE.splitlines())  # line numbers kept
    assert vendor_rewrite.find_unrewritten(PLUGIN_MODULE, names)  # the original is flagged ...
    assert vendor_rewrite.find_unrewritten(text, names) == []  # ... the rewrite is clean
    (tmp_path / "plug" / "mod.py").write_text(text)
    for path in vendor_rewrite.iter_python_files(vendor):
        if path.name == "__init__.py" and path.parent == vendor:
            continue
        rel = path.relative_to(vendor).as_posix()
        path.write_text(vendor_rewrite.rewrite_source(path.read_text(), names, "plug", rel, relpath=rel).text)
    assert vendor_rewrite.check_tree(tmp_path / "plug") == []
    assert "'plug._vendor.alpha.sub', 'json'" in (vendor / "gamma.py").read_text()
    assert "importlib.import_module('plug._vendor.alpha.sub.leaf')" in (vendor / "ns" / "beta" / "__init__.py").read_text()
    script = textwrap.dedent(f"""
        import sys, json
        sys.path.insert(0, {str(tmp_path)!r})
        from plug import mod
        print(json.dumps([list(mod.RESULT), sorted(n for n in sys.modules if n.split('.')[0] in ('alpha', 'gamma', 'ns'))]))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    values, global_names = json.loads(proc.stdout)
    assert values == ["alpha", "alpha.sub.leaf", "alpha.sub", "alpha", "alpha.sub.leaf", "alpha.sub.leaf",
                      "alpha.sub.leaf", 1, ["alpha.sub.leaf"], "sibling", True, True]
    assert global_names == []


def test_rewriter_refuses_what_it_cannot_rewrite_safely(tmp_path):
    names = vendor_rewrite.VendoredNames.from_vendor_dir(_fake_vendor(tmp_path))
    with pytest.raises(vendor_rewrite.RewriteError, match="mixes vendored and non-vendored"):
        vendor_rewrite.rewrite_source("from ns import beta, other\n", names, "plug")
    with pytest.raises(vendor_rewrite.RewriteError, match="cannot rewrite module-name string"):
        vendor_rewrite.rewrite_source("import importlib\nimportlib.import_module('alp' 'ha')\n", names, "plug")
