#!/usr/bin/env python3
"""Build the release zip ``dist/eo_scene_finder-<version>.zip``.

Steps:
1. download the pinned, hash-checked pure-Python wheels of ``requirements-vendor.txt`` into
   ``.build/vendor-cache/`` (skipped when they are all there already: rebuilds work offline);
2. stage the plugin files into ``.build/package/eo_scene_finder/`` (code, icons, demo catalog,
   translations, metadata, LICENSE, README, CHANGELOG; never tests, scripts, docs, venvs);
3. unpack the wheels into ``eo_scene_finder/_vendor/`` (keeping their ``*.dist-info`` licence
   files and entry points; dropping RECORD/INSTALLER and test folders), add the ``_vendor``
   shim (``scripts/vendor_shim.py``) and ``_vendor/VENDORED.md``;
4. rewrite the imports of the vendored packages, in the vendored code and in the plugin's own
   modules, to ``eo_scene_finder._vendor.<name>`` (``scripts/vendor_rewrite.py``);
5. compile ``i18n/*.ts`` to ``.qm`` with ``lrelease`` (required: the zip ships the ``.qm``);
6. check the staged tree (no unrewritten vendored import, one ``metadata.txt``) and write a
   reproducible zip (sorted entries, fixed timestamps) with one top folder.

Usage: ``python3 scripts/package.py [--dist DIR] [--vendor-only]``; ``make package``.
"""
from __future__ import annotations

import argparse
import configparser
import email.parser
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import vendor_rewrite  # noqa: E402  (sibling script)

PACKAGE = "eo_scene_finder"

# What goes into the zip from the repository root.
TOP_LEVEL_FILES = ("metadata.txt", "LICENSE", "README.md", "CHANGELOG.md", "resources.qrc", "resources.py")
DATA_DIRS = ("icons", "demo_catalog", "i18n", "help", "styles", "basemap")
EXCLUDED_DIRS = ("tests", "benchmarks", "scripts", "docs", "dist", "_vendor", "build")
EXCLUDED_FILE_SUFFIXES = (".pyc", ".pyo", ".part", "~", ".orig", ".rej", ".swp")
EXCLUDED_NAMES = ("__pycache__", ".DS_Store", "Thumbs.db")

# Oldest Python a QGIS that should run the zip has (Ubuntu 22.04: 3.10; Debian 12: 3.11).
MIN_PYTHON = (3, 10)

# Dropped from the unpacked wheels.
WHEEL_DROPPED_FILES = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")
WHEEL_DROPPED_DIRS = ("tests", "test")


class PackagingError(Exception):
    """The zip cannot be built (the message says why)."""


# --------------------------------------------------------------------------------------------
# inputs

def read_version(repo: Path = REPO) -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(repo / "metadata.txt", encoding="utf-8")
    version = parser.get("general", "version", fallback="").strip()
    if not version:
        raise PackagingError("metadata.txt has no [general] version")
    return version


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(requirements: Path) -> List[Tuple[str, str]]:
    """``[(name, version), ...]`` from a ``name==version`` requirements file."""
    pins = []
    text = requirements.read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;]+)", line)
        if not match:
            raise PackagingError(f"{requirements.name}: pin every requirement as name==version: {line!r}")
        pins.append((match.group(1), match.group(2)))
    return pins


def find_wheels(cache: Path, pins: Sequence[Tuple[str, str]]) -> Dict[Tuple[str, str], Path]:
    found = {}
    for wheel in cache.glob("*.whl"):
        parts = wheel.name[:-4].split("-")
        if len(parts) >= 5:
            found[(_normalise(parts[0]), parts[1])] = wheel
    return {pin: found[(_normalise(pin[0]), pin[1])] for pin in pins
            if (_normalise(pin[0]), pin[1]) in found}


def download_wheels(requirements: Path, cache: Path, offline: bool = False, log=print) -> List[Path]:
    """The pinned wheels, downloaded with pip only when some are missing from ``cache``
    (``offline``: never download, fail instead)."""
    pins = read_pins(requirements)
    cache.mkdir(parents=True, exist_ok=True)
    wheels = find_wheels(cache, pins)
    if len(wheels) < len(pins) and not offline:
        missing = [f"{n}=={v}" for n, v in pins if (n, v) not in wheels]
        log(f"downloading {len(missing)} wheel(s) into {cache}: {', '.join(missing)}")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "-q", "-r", str(requirements), "-d", str(cache)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            hint = " (Debian: sudo apt install python3-pip)" if "No module named pip" in proc.stderr else ""
            raise PackagingError(f"pip download failed{hint} ({' '.join(cmd)}):\n{proc.stdout}\n{proc.stderr}")
        wheels = find_wheels(cache, pins)
    missing = [f"{n}=={v}" for n, v in pins if (n, v) not in wheels]
    if missing:
        raise PackagingError(f"wheels not found in {cache}: {', '.join(missing)}"
                             + (" (offline build: run `make vendor-wheels` first)" if offline else ""))
    for wheel in wheels.values():
        if not wheel.name.endswith("-none-any.whl"):
            raise PackagingError(f"{wheel.name} is not a pure-Python wheel; it cannot be vendored")
    return [wheels[pin] for pin in pins]


# --------------------------------------------------------------------------------------------
# staging

def _excluded(name: str) -> bool:
    return name.startswith(".") or name in EXCLUDED_NAMES or name.endswith(EXCLUDED_FILE_SUFFIXES)


def _copy_tree(src: Path, dst: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if not _excluded(d))
        rel = Path(dirpath).relative_to(src)
        for name in sorted(filenames):
            if _excluded(name):
                continue
            target = dst / rel / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(dirpath) / name, target)


def stage_plugin(repo: Path, stage: Path, log=print) -> List[str]:
    """Copy the plugin's own files to ``stage`` (the future ``eo_scene_finder/`` folder)."""
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    copied, skipped = [], []
    for entry in sorted(repo.iterdir()):
        name = entry.name
        if entry.is_file():
            if (name.endswith(".py") or name in TOP_LEVEL_FILES) and not _excluded(name):
                shutil.copy2(entry, stage / name)
                copied.append(name)
            else:
                skipped.append(name)
        elif entry.is_dir():
            if _excluded(name) or name in EXCLUDED_DIRS or name.startswith(".venv"):
                skipped.append(name + "/")
            elif (entry / "__init__.py").exists() or name in DATA_DIRS:
                _copy_tree(entry, stage / name)
                copied.append(name + "/")
            else:
                skipped.append(name + "/")
    for required in ("metadata.txt", "__init__.py"):
        if required not in copied:
            raise PackagingError(f"{required} is missing from {repo}")
    for wanted in ("LICENSE", "README.md", "CHANGELOG.md"):
        if wanted not in copied:
            log(f"warning: {wanted} is missing; the QGIS plugin repository needs it")
    log(f"plugin files: {' '.join(copied)}")
    log(f"left out: {' '.join(skipped)}")
    return copied


def unpack_wheels(wheels: Sequence[Path], vendor_dir: Path) -> None:
    """Unzip the wheels into ``vendor_dir``, without RECORD files or test folders."""
    if vendor_dir.exists():
        shutil.rmtree(vendor_dir)
    vendor_dir.mkdir(parents=True)
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            for info in zf.infolist():
                parts = info.filename.split("/")
                if info.is_dir() or any(p in ("", ".", "..") for p in parts):
                    continue
                if parts[0].endswith(".data"):
                    raise PackagingError(f"{wheel.name} installs files outside site-packages ({parts[0]})")
                if parts[0].endswith(".dist-info") and parts[-1] in WHEEL_DROPPED_FILES:
                    continue
                if any(p in WHEEL_DROPPED_DIRS for p in parts[1:-1]) or "__pycache__" in parts:
                    continue
                target = vendor_dir.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(info))


def required_python(metadata_text: str) -> Optional[Tuple[int, int]]:
    """The lower bound of a ``Requires-Python: >=3.N`` header (None when there is none)."""
    meta = email.parser.Parser().parsestr(metadata_text)
    match = re.search(r">=\s*(\d+)\.(\d+)", meta.get("Requires-Python") or "")
    return (int(match.group(1)), int(match.group(2))) if match else None


def check_python_support(vendor_dir: Path, oldest: Tuple[int, int] = MIN_PYTHON) -> None:
    too_new = []
    for metadata in sorted(vendor_dir.glob("*.dist-info/METADATA")):
        needed = required_python(metadata.read_text(encoding="utf-8"))
        if needed and needed > oldest:
            too_new.append(f"{metadata.parent.name} needs Python {needed[0]}.{needed[1]}")
    if too_new:
        raise PackagingError(f"the zip must run on Python {oldest[0]}.{oldest[1]}: " + "; ".join(too_new)
                             + " (pin an older version in requirements-vendor.txt)")


def write_shim(vendor_dir: Path, names: vendor_rewrite.VendoredNames) -> None:
    template = (HERE / "vendor_shim.py").read_text(encoding="utf-8")
    marker = "VENDORED_MODULES = ()  # @VENDORED_MODULES@"
    if marker not in template:
        raise PackagingError("scripts/vendor_shim.py lost its VENDORED_MODULES marker")
    modules = "VENDORED_MODULES = (\n" + "".join(f"    {m!r},\n" for m in sorted(names.modules)) + ")"
    (vendor_dir / "__init__.py").write_text(template.replace(marker, modules), encoding="utf-8")


def _licence_of(meta: email.message.Message) -> str:
    for key in ("License-Expression", "License"):
        value = (meta.get(key) or "").strip()
        if value and "\n" not in value and len(value) < 80:
            return value
    classifiers = [c.split("::")[-1].strip() for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return ", ".join(classifiers) or "see the licence files"


def write_vendored_md(vendor_dir: Path) -> None:
    rows = []
    for dist in sorted(vendor_dir.glob("*.dist-info")):
        meta = email.parser.Parser().parsestr((dist / "METADATA").read_text(encoding="utf-8"))
        files = sorted(str(p.relative_to(vendor_dir)) for p in dist.rglob("*")
                       if p.is_file() and re.match(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", p.name, re.I))
        rows.append(f"| {meta['Name']} | {meta['Version']} | {_licence_of(meta)} | "
                    f"{'<br>'.join(files) or 'no licence file in the wheel'} |")
    text = ("# Vendored packages\n\n"
            "Pure-Python dependencies bundled with EO Scene Finder so that the plugin works "
            "without a pip step. Their imports were rewritten to `eo_scene_finder._vendor.<name>` "
            "by `scripts/package.py`; nothing else was changed. Pins: `requirements-vendor.txt`.\n\n"
            "| Distribution | Version | Licence | Licence files |\n|---|---|---|---|\n"
            + "\n".join(rows) + "\n\n"
            "The pystac-core and pystac-ext-* wheels are parts of the PySTAC project; its licence "
            "is `pystac-*.dist-info/licenses/LICENSE`.\n")
    (vendor_dir / "VENDORED.md").write_text(text, encoding="utf-8")


def rewrite_imports(plugin_dir: Path, names: vendor_rewrite.VendoredNames, log=print) -> int:
    """Rewrite every module of the staged plugin (its own code and ``_vendor``)."""
    vendor_dir = plugin_dir / "_vendor"
    changed = 0
    for path in vendor_rewrite.iter_python_files(plugin_dir):
        if path == vendor_dir / "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        try:
            relpath = path.relative_to(vendor_dir).as_posix()
        except ValueError:
            relpath = None
        result = vendor_rewrite.rewrite_source(text, names, PACKAGE, str(path.relative_to(plugin_dir.parent)),
                                               relpath=relpath)
        if result.changes:
            path.write_text(result.text, encoding="utf-8")
            changed += 1
    log(f"rewrote vendored imports in {changed} module(s)")
    return changed


def compile_translations(plugin_dir: Path, log=print) -> None:
    sources = sorted((plugin_dir / "i18n").glob("*.ts")) if (plugin_dir / "i18n").is_dir() else []
    if not sources:
        return
    lrelease = shutil.which("lrelease") or shutil.which("lrelease-qt5")
    if lrelease is None:
        # a zip without .qm would silently speak English to every user
        raise PackagingError("lrelease not found: install qttools5-dev-tools (make deps) to build the translations")
    for ts in sources:
        subprocess.run([lrelease, "-silent", str(ts), "-qm", str(ts.with_suffix(".qm"))], check=True)
    log(f"compiled {len(sources)} translation(s)")


def check_staged(plugin_dir: Path) -> None:
    problems = vendor_rewrite.check_tree(plugin_dir)
    metadata_files = sorted(str(p.relative_to(plugin_dir)) for p in plugin_dir.rglob("*metadata.txt"))
    if metadata_files != ["metadata.txt"]:
        # QGIS's "Install from ZIP" takes the alphabetically first */metadata.txt as the plugin root
        problems.append(f"files named *metadata.txt besides the plugin's own: {metadata_files}")
    if problems:
        raise PackagingError("the staged plugin is not clean:\n  " + "\n  ".join(problems))


def write_zip(plugin_dir: Path, zip_path: Path) -> None:
    """A reproducible zip: sorted entries, fixed time (SOURCE_DATE_EPOCH or 2020-01-01)."""
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "1577836800"))
    date_time = time.gmtime(max(epoch, 315532800))[:6]
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = zip_path.with_suffix(".zip.part")
    files = sorted(p for p in plugin_dir.rglob("*") if p.is_file())
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in files:
            arcname = f"{plugin_dir.name}/{path.relative_to(plugin_dir).as_posix()}"
            info = zipfile.ZipInfo(arcname, date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    os.replace(tmp, zip_path)


# --------------------------------------------------------------------------------------------

def build(repo: Path = REPO, dist: Optional[Path] = None, build_dir: Optional[Path] = None,
          vendor_only: bool = False, offline: bool = False, vendor_cache: Optional[Path] = None,
          log=print) -> Path:
    """Build the zip (or only the staged tree with ``vendor_only``); return its path."""
    build_dir = build_dir or repo / ".build"
    dist = dist or repo / "dist"
    version = read_version(repo)
    wheels = download_wheels(repo / "requirements-vendor.txt", vendor_cache or build_dir / "vendor-cache",
                             offline=offline, log=log)
    plugin_dir = build_dir / "package" / PACKAGE
    stage_plugin(repo, plugin_dir, log=log)
    vendor_dir = plugin_dir / "_vendor"
    unpack_wheels(wheels, vendor_dir)
    check_python_support(vendor_dir)
    names = vendor_rewrite.VendoredNames.from_vendor_dir(vendor_dir)
    log(f"vendored {len(wheels)} wheels: {', '.join(sorted(names.modules))}")
    write_shim(vendor_dir, names)
    write_vendored_md(vendor_dir)
    rewrite_imports(plugin_dir, names, log=log)
    compile_translations(plugin_dir, log=log)
    check_staged(plugin_dir)
    if vendor_only:
        log(f"staged {plugin_dir}")
        return plugin_dir
    zip_path = dist / f"{PACKAGE}-{version}.zip"
    write_zip(plugin_dir, zip_path)
    log(f"wrote {zip_path} ({zip_path.stat().st_size // 1024} KiB)")
    return zip_path


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, help="output folder (default: dist/)")
    parser.add_argument("--build-dir", type=Path, help="work folder (default: .build/)")
    parser.add_argument("--vendor-cache", type=Path, help="wheel cache (default: <build dir>/vendor-cache)")
    parser.add_argument("--vendor-only", action="store_true",
                        help="stop after staging .build/package/eo_scene_finder (no zip)")
    parser.add_argument("--download-only", action="store_true",
                        help="only fill .build/vendor-cache with the pinned wheels")
    parser.add_argument("--offline", action="store_true",
                        help="never run pip; fail if a pinned wheel is not in .build/vendor-cache")
    args = parser.parse_args(argv)
    try:
        if args.download_only:
            build_dir = args.build_dir or REPO / ".build"
            download_wheels(REPO / "requirements-vendor.txt", args.vendor_cache or build_dir / "vendor-cache")
            return 0
        build(dist=args.dist, build_dir=args.build_dir, vendor_only=args.vendor_only, offline=args.offline,
              vendor_cache=args.vendor_cache)
    except PackagingError as err:
        print(f"package: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
