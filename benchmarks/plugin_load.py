"""What EO Scene Finder adds to QGIS's start: real QGIS windows (Xvfb) on two profiles that
differ only in whether the plugin (installed from the release zip) is enabled, started in
alternating rounds.

Printed (medians over the rounds):
- *start to Python ready*: from QGIS's Python start (``PYQGIS_STARTUP``, before plugins load)
  to the ``--code`` script, which QGIS runs once every enabled plugin has started; with minus
  without is the plugin's share of the start;
- *plugin start in a running QGIS*: ``loadPlugin`` + ``startPlugin`` timed inside the profile
  where it is disabled (imports, ``classFactory``, ``initGui`` and what it defers to the next
  turn of the event loop), the figure with the least noise.

Each profile is started once first (not counted): that first start after installing compiles
the plugin's modules (``__pycache__``), as on a user's machine; the figure is printed.

Usage: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/plugin_load.py [--rounds 7]``
(needs ``make deps``; the zip is built offline from ``.build/vendor-cache``). Target: < 150 ms.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import _setup  # noqa: F401 - makes tests/ importable

import qgis_env

BODY_READY = r'''
import sys, time
def scenario():
    early = sys.modules["eosf_qgis_early"]
    harness.result["ready_s"] = time.time() - early.started
    import qgis.utils
    harness.result["plugin_active"] = "eo_scene_finder" in qgis.utils.active_plugins
    yield 0
'''

BODY_START_PLUGIN = r'''
import sys, time
def scenario():
    import qgis.utils
    early = sys.modules["eosf_qgis_early"]
    harness.result["ready_s"] = time.time() - early.started
    assert "eo_scene_finder" not in qgis.utils.active_plugins
    t0 = time.perf_counter()
    assert qgis.utils.loadPlugin("eo_scene_finder")
    assert qgis.utils.startPlugin("eo_scene_finder")
    # what initGui deferred to the next turn of the event loop (network settings, layer refresher)
    from qgis.PyQt.QtCore import QCoreApplication
    QCoreApplication.processEvents()
    harness.result["start_plugin_s"] = time.perf_counter() - t0
    yield 100
    qgis.utils.unloadPlugin("eo_scene_finder")
'''


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    missing = qgis_env.qgis_available()
    if missing:
        print(f"needs {missing}", file=sys.stderr)
        return 2
    # as on a user's machine, Python caches the plugin's compiled modules after the first start
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    work = Path(tempfile.mkdtemp(prefix="eosf-load-"))
    zip_path = qgis_env.build_plugin_zip(work / "dist", build_dir=work / "build")
    with_root, without_root = work / "with", work / "without"
    qgis_env.install_plugin(zip_path, with_root, "default", enable=True)
    qgis_env.install_plugin(zip_path, without_root, "default", enable=False)

    first = qgis_env.run_qgis(BODY_START_PLUGIN, without_root, "default", workdir=work / "first", timeout=120)
    print(f"first start after installing (Python compiles the plugin): plugin start "
          f"{first.result.get('start_plugin_s', float('nan')) * 1000:.0f} ms", flush=True)
    qgis_env.run_qgis(BODY_READY, with_root, "default", workdir=work / "first-with", timeout=120)

    ready_with, ready_without, start_plugin = [], [], []
    for i in range(args.rounds):
        for root, body, name in ((with_root, BODY_READY, "with"), (without_root, BODY_START_PLUGIN, "without")):
            run = qgis_env.run_qgis(body, root, "default", workdir=work / f"{name}-{i}", timeout=120)
            if run.python_errors() or not run.result.get("finished"):
                print(run.describe(), file=sys.stderr)
                return 1
            if name == "with":
                assert run.result["plugin_active"], "the plugin did not start in the enabled profile"
                ready_with.append(run.result["ready_s"])
            else:
                ready_without.append(run.result["ready_s"])
                start_plugin.append(run.result["start_plugin_s"])
        print(f"round {i + 1}: ready with {ready_with[-1] * 1000:.0f} ms, without {ready_without[-1] * 1000:.0f} ms, "
              f"plugin start {start_plugin[-1] * 1000:.0f} ms", flush=True)

    med = statistics.median
    print()
    print(f"QGIS start to Python ready, with the plugin:    {med(ready_with) * 1000:7.0f} ms (median of {args.rounds})")
    print(f"QGIS start to Python ready, without the plugin: {med(ready_without) * 1000:7.0f} ms")
    print(f"difference (the plugin's share of the start):   {(med(ready_with) - med(ready_without)) * 1000:7.0f} ms")
    print(f"plugin start in a running QGIS (load+initGui):  {med(start_plugin) * 1000:7.0f} ms "
          f"(min {min(start_plugin) * 1000:.0f}, max {max(start_plugin) * 1000:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
