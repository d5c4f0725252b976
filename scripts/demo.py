#!/usr/bin/env python3
"""``make demo``: QGIS with EO Scene Finder in a dedicated profile, dock open, offline.

1. installs the missing Debian packages (QGIS, its Python bindings, shapely, requests, pip;
   plus xvfb/xauth for ``--screenshot``), with sudo when not root;
2. builds the release zip (``scripts/package.py``);
3. installs it into a dedicated profile (default
   ``~/.local/share/eo_scene_finder/qgis-profiles/profiles/eo-scene-finder-demo``; never the
   user's default QGIS profile) by unpacking the zip, or with ``--dev`` as a symlink to the
   working tree (plain, un-rewritten imports then come from ``.build/vendor-dev``, the same
   pinned wheels unpacked, put on QGIS's PYTHONPATH for this process only);
4. enables it and starts ``qgis --profiles-path ROOT --profile NAME --code <startup script>``;
   the startup script opens the dock (``qgis.utils.plugins["eo_scene_finder"].show_dock()``),
   which selects the bundled demo catalog.

``--screenshot PATH`` does the same under ``xvfb-run``, waits until the dock's background tasks
are done, saves the main window to PATH (``make demo-shot`` -> ``docs/screenshots/demo.png``)
and quits.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import List, Optional, Sequence

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import package  # noqa: E402  (sibling scripts)
import qgis_profile  # noqa: E402

DEMO_PACKAGES = ["qgis", "python3-qgis", "qgis-providers", "python3-shapely", "python3-requests", "python3-pip",
                 "qttools5-dev-tools"]  # lrelease: the zip ships the translations
SCREENSHOT_PACKAGES = ["xvfb", "xauth"]
QGIS_BIN = "/usr/bin/qgis.bin"
DEV_VENDOR = REPO / ".build" / "vendor-dev"


def missing_debian_packages(packages: Sequence[str]) -> List[str]:
    if shutil.which("dpkg-query") is None:
        return []  # not Debian/Ubuntu: the user installs QGIS their way
    missing = []
    for pkg in packages:
        proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True)
        if "install ok installed" not in proc.stdout:
            missing.append(pkg)
    return missing


def ensure_debian_packages(packages: Sequence[str]) -> None:
    missing = missing_debian_packages(packages)
    if not missing:
        return
    print(f"demo: installing Debian packages: {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", *missing], check=True, env=env)


def startup_script(screenshot: Optional[Path], wait_s: float) -> str:
    """The ``--code`` script: open the dock; with a screenshot path, save it and quit."""
    return textwrap.dedent(f"""\
        import os
        import qgis.utils
        from qgis.PyQt.QtCore import QTimer
        from qgis.core import QgsApplication, QgsMessageLog, QgsProject
        from qgis.utils import iface

        SCREENSHOT = {str(screenshot) if screenshot else None!r}
        _timers = []

        def _later(ms, fn):
            timer = QTimer()
            timer.setSingleShot(True)
            timer.timeout.connect(fn)
            timer.start(int(ms))
            _timers.append(timer)

        def _open_dock():
            plugin = qgis.utils.plugins.get("eo_scene_finder")
            if plugin is None:
                QgsMessageLog.logMessage("EO Scene Finder is not loaded in this profile", "EO Scene Finder")
                if SCREENSHOT:
                    print("EO Scene Finder is not loaded: no screenshot", flush=True)
                    os._exit(2)
                return
            plugin.show_dock()
            if SCREENSHOT:
                _later(1000, lambda: _wait_idle({wait_s * 1000:.0f}))

        def _wait_idle(left_ms, idle_ms=0):
            # the dock chains tasks (collections, then the search): wait for 2 s without any
            idle_ms = 0 if QgsApplication.taskManager().countActiveTasks() else idle_ms + 200
            if idle_ms < 2000 and left_ms > 0:
                _later(200, lambda: _wait_idle(left_ms - 200, idle_ms))
            else:
                _later(500, _shoot)

        def _shoot():
            ok = iface.mainWindow().grab().save(SCREENSHOT)
            print(("saved " if ok else "FAILED to save ") + SCREENSHOT, flush=True)
            QgsProject.instance().clear()  # no "lose temporary layers?" question on the way out
            QgsProject.instance().setDirty(False)
            iface.actionExit().trigger()

        if SCREENSHOT:
            iface.mainWindow().resize(1600, 1000)
            iface.mainWindow().move(0, 0)
            _later({wait_s * 1000 + 60000:.0f}, lambda: os._exit(3))  # watchdog: never hang a build
        _later(0, _open_dock)
        """)


def prepare_dev_vendor(build_dir: Path) -> Path:
    """The pinned wheels unpacked as they are (no rewriting), for ``--dev``."""
    wheels = package.download_wheels(REPO / "requirements-vendor.txt", build_dir / "vendor-cache")
    package.unpack_wheels(wheels, DEV_VENDOR)
    return DEV_VENDOR


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=qgis_profile.DEFAULT_ROOT,
                        help=f"profiles root (default {qgis_profile.DEFAULT_ROOT})")
    parser.add_argument("--profile", default=qgis_profile.DEFAULT_PROFILE)
    parser.add_argument("--dev", action="store_true", help="symlink the working tree instead of the zip")
    parser.add_argument("--screenshot", type=Path, help="save a screenshot there (under Xvfb) and quit")
    parser.add_argument("--wait", type=float, default=30, help="max seconds to wait for the dock's tasks")
    parser.add_argument("--no-apt", action="store_true", help="do not install Debian packages")
    args = parser.parse_args(argv)
    args.root = args.root.expanduser().resolve()  # QGIS resolves a relative --profiles-path elsewhere

    if not args.no_apt:
        ensure_debian_packages(DEMO_PACKAGES + (SCREENSHOT_PACKAGES if args.screenshot else []))
    build_dir = REPO / ".build"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV",
                                                            "QT_QPA_PLATFORM", "PYQGIS_STARTUP")}
    if args.dev:
        env["PYTHONPATH"] = str(prepare_dev_vendor(build_dir))
        qgis_profile.setup_profile(args.root, args.profile, dev=True)
        print(f"demo: {qgis_profile.plugins_dir(args.root, args.profile) / 'eo_scene_finder'} -> {REPO}")
    else:
        zip_path = package.build(REPO, log=lambda msg: print(f"package: {msg}"))
        qgis_profile.setup_profile(args.root, args.profile, zip_path=zip_path)
        print(f"demo: installed {zip_path.name} into {qgis_profile.profile_dir(args.root, args.profile)}")

    startup = build_dir / "demo" / "demo_startup.py"
    startup.parent.mkdir(parents=True, exist_ok=True)
    screenshot = args.screenshot.resolve() if args.screenshot else None
    if screenshot:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
    startup.write_text(startup_script(screenshot, args.wait), encoding="utf-8")

    qgis = ["--noversioncheck", "--nologo", "--profiles-path", str(args.root), "--profile", args.profile,
            "--code", str(startup)]
    if screenshot:
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", QGIS_BIN, *qgis]
        print("demo: " + " ".join(cmd))
        screenshot.unlink(missing_ok=True)
        proc = subprocess.Popen(cmd, env=env, start_new_session=True)
        try:
            proc.wait(timeout=args.wait + 120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if not screenshot.exists():
            print(f"demo: no screenshot was written (QGIS exit code {proc.returncode})", file=sys.stderr)
            return 1
        print(f"demo: wrote {screenshot}")
        return 0
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        print("demo: no display (DISPLAY is not set); try `make demo-shot` for a screenshot", file=sys.stderr)
        return 1
    cmd = [QGIS_BIN if os.path.exists(QGIS_BIN) else "qgis", *qgis]
    print("demo: " + " ".join(cmd))
    os.execvpe(cmd[0], cmd, env)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
