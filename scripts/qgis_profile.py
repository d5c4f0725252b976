#!/usr/bin/env python3
"""Create a dedicated QGIS profile with EO Scene Finder installed and enabled.

A profile lives in ``<profiles root>/profiles/<name>/`` and QGIS is started on it with
``qgis --profiles-path <profiles root> --profile <name>``; the user's default profile
(``~/.local/share/QGIS/QGIS3/profiles/default``) is never touched. ``qgis_process`` uses the
same folder with ``QGIS_CUSTOM_CONFIG_PATH=<profiles root>`` and the profile named ``default``.

The plugin is installed the way QGIS's "Install from ZIP" does it (unpacking the release zip
into ``<profile>/python/plugins/``), or, for development, as a symlink to the working tree.
Enabling writes ``[PythonPlugins] eo_scene_finder=true`` to ``<profile>/QGIS/QGIS3.ini``,
plus settings that keep a demo or test profile offline and quiet (no plugin-repository check,
no news feed, no version check).

Usage::

    python3 scripts/qgis_profile.py --root DIR --profile NAME --zip dist/eo_scene_finder-X.zip
    python3 scripts/qgis_profile.py --root DIR --profile NAME --dev   # symlink the working tree
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Dict, Optional, Sequence

PLUGIN = "eo_scene_finder"
REPO = Path(__file__).resolve().parents[1]
DEFAULT_ROOT = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) \
    / "eo_scene_finder" / "qgis-profiles"
DEFAULT_PROFILE = "eo-scene-finder-demo"

# QSettings keys (section/key) written into a dedicated profile.
QUIET_SETTINGS: Dict[str, object] = {
    "app/plugin_installer/checkOnStart": False,      # no plugins.qgis.org request at start-up
    "app/plugin_installer/allowExperimental": True,  # the plugin is flagged experimental
    "core/NewsFeed/httpsfeedqgisorg/disabled": True,  # no feed.qgis.org request
    "qgis/checkVersion": False,                      # no version.qgis.org request
}


def profile_dir(root: os.PathLike, profile: str) -> Path:
    return Path(root) / "profiles" / profile


def plugins_dir(root: os.PathLike, profile: str) -> Path:
    return profile_dir(root, profile) / "python" / "plugins"


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def install_from_zip(zip_path: os.PathLike, root: os.PathLike, profile: str) -> Path:
    """Unpack the release zip into the profile (replacing an older install); return the
    plugin folder."""
    target = plugins_dir(root, profile)
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as zf:
        tops = {name.split("/")[0] for name in zf.namelist()}
        if tops != {PLUGIN}:
            raise SystemExit(f"{zip_path}: expected a single top folder {PLUGIN}/, found {sorted(tops)}")
        _remove(target / PLUGIN)
        for info in zf.infolist():
            if info.is_dir():
                continue
            dest = (target / info.filename).resolve()
            if not str(dest).startswith(str(target.resolve()) + os.sep):
                raise SystemExit(f"{zip_path}: unsafe path {info.filename}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(zf.read(info))
    return target / PLUGIN


def install_dev_symlink(root: os.PathLike, profile: str, source: os.PathLike = REPO) -> Path:
    """Link the working tree as the plugin (edits show up after a plugin reload)."""
    target = plugins_dir(root, profile)
    target.mkdir(parents=True, exist_ok=True)
    link = target / PLUGIN
    _remove(link)
    link.symlink_to(Path(source).resolve(), target_is_directory=True)
    return link


def configure(root: os.PathLike, profile: str, enable: Optional[bool] = True,
              extra: Optional[Dict[str, object]] = None) -> Path:
    """Enable (or disable; ``None``: leave alone) the plugin and apply the quiet settings in
    ``QGIS3.ini``."""
    from qgis.PyQt.QtCore import QSettings  # python3-qgis; no QGIS application is started

    ini = profile_dir(root, profile) / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(ini), QSettings.Format.IniFormat)
    values = dict(QUIET_SETTINGS)
    if enable is not None:
        values[f"PythonPlugins/{PLUGIN}"] = enable
    values.update(extra or {})
    for key, value in values.items():
        settings.setValue(key, value)
    settings.sync()
    if settings.status() != QSettings.Status.NoError:
        raise SystemExit(f"could not write {ini}")
    return ini


def setup_profile(root: os.PathLike = DEFAULT_ROOT, profile: str = DEFAULT_PROFILE, *,
                  zip_path: Optional[os.PathLike] = None, dev: bool = False,
                  enable: bool = True) -> Path:
    """Install (from ``zip_path`` or as a dev symlink) and enable; return the profile folder."""
    if dev:
        install_dev_symlink(root, profile)
    elif zip_path is not None:
        install_from_zip(zip_path, root, profile)
    configure(root, profile, enable=enable)
    return profile_dir(root, profile)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Create a QGIS profile with EO Scene Finder enabled.")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help=f"profiles root (default {DEFAULT_ROOT})")
    parser.add_argument("--profile", default=DEFAULT_PROFILE)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--zip", type=Path, help="release zip to install")
    group.add_argument("--dev", action="store_true", help="symlink the working tree instead")
    parser.add_argument("--disable", action="store_true", help="install but leave the plugin disabled")
    args = parser.parse_args(argv)
    args.root = args.root.expanduser().resolve()  # QGIS wants an absolute --profiles-path
    folder = setup_profile(args.root, args.profile, zip_path=args.zip, dev=args.dev, enable=not args.disable)
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
