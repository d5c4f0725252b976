#!/usr/bin/env python3
"""Run README's ``eoscenefinder:search`` then ``eoscenefinder:download`` with ``qgis_process.bin``
N times in a row against the loopback servers, to catch crashes that happen once in a while
(issue 11: ``double free or corruption`` and SIGABRT at the end of a download). Not a test::

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/qgis_process_loop.py [--runs 50]

The set-up is the one of ``tests/test_qgis_process.py`` (same helpers): stac-fastapi-pgstac with
real Sentinel-2 items in a new collection whose ``visual`` COG nginx serves, a parcels layer,
the plugin installed from the release zip into a temporary profile. Every run downloads into a
fresh folder (so files are really fetched) and checks the report. Prints one line per run and
``N passed, M failed``; exits 1 when a run failed (a crash, a non-zero exit or a wrong result).
``--env NAME=VALUE`` (repeatable) adds variables to qgis_process's environment, e.g.
``--env MALLOC_CHECK_=3`` or ``--env PYTHONFAULTHANDLER=1``; ``--zip FILE`` installs that plugin
zip instead of building one from the working tree; ``--download-wrapper "valgrind --tool=helgrind"``
runs the download under that command.
"""
from __future__ import annotations

import argparse
import csv
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKGROOT = REPO / ".build" / "pkgroot"


def _paths() -> None:
    """The working tree as ``eo_scene_finder`` and tests/ importable, as tests/conftest.py does."""
    PKGROOT.mkdir(parents=True, exist_ok=True)
    link = PKGROOT / "eo_scene_finder"
    if not link.exists():
        try:
            link.symlink_to(REPO, target_is_directory=True)
        except FileExistsError:
            pass
    for path in (str(REPO / "tests"), str(PKGROOT)):
        if path not in sys.path:
            sys.path.insert(0, path)


def describe(code: int) -> str:
    if code < 0:
        try:
            return f"exit {code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"exit {code}"
    return f"exit {code}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="how many search+download runs (default 50)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment variable for qgis_process.bin (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and every run's logs")
    parser.add_argument("--limit", type=int, help="LIMIT of the search, i.e. files per download (README: 20)")
    parser.add_argument("--download-wrapper", metavar="CMD",
                        help='command put in front of qgis_process.bin for the download, e.g. "valgrind --tool=helgrind"')
    parser.add_argument("--timeout", type=float, default=300, help="seconds per qgis_process run (default 300)")
    parser.add_argument("--zip", type=Path, help="install this plugin zip instead of building one from the working tree")
    args = parser.parse_args(argv)
    extra_env = dict(item.split("=", 1) for item in args.env)

    _paths()
    import qgis_env
    import test_qgis_process as tqp
    from servers.nginx_server import NginxServer
    from servers.pgstac_server import PgstacServer

    work = Path(tempfile.mkdtemp(prefix="eosf-qgis-process-loop-"))
    print(f"work folder: {work}", flush=True)
    api = nginx = None
    passed = failed = 0
    try:
        if args.zip:
            zip_path = args.zip.resolve()
        else:
            print("building the release zip…", flush=True)
            zip_path = qgis_env.build_plugin_zip(work / "dist", build_dir=work / "package-build")
        root = work / "profiles-root"
        qgis_env.install_plugin(zip_path, root, "default")
        print("starting the loopback servers…", flush=True)
        api = PgstacServer().start()
        nginx = NginxServer(tqp.cog_root(work / "s2-cogs")).start()
        cid, items = tqp.load_earth_search_like(api, nginx.url)
        replacements = tqp.earth_search_replacements(api.url, cid)
        if args.limit:
            replacements.append(("LIMIT=20", f"LIMIT={args.limit}"))
        search, download = tqp.readme_commands()[:2]
        search_args = tqp.readme_command_args(search, replacements)
        download_args = tqp.readme_command_args(download, replacements)
        assert search_args[1] == "eoscenefinder:search" and download_args[1] == "eoscenefinder:download"
        cog = tqp.COG.read_bytes()

        for n in range(1, args.runs + 1):
            run_dir = work / f"run-{n:03d}"
            run_dir.mkdir()
            tqp.make_parcels(run_dir / "parcels.gpkg", items)
            problems = []
            codes = []
            started = time.monotonic()
            for name, cmd in (("search", search_args), ("download", download_args)):
                if name == "download" and args.download_wrapper:
                    # e.g. gdb or valgrind in front of qgis_process.bin (their logs go to run_dir)
                    proc = subprocess.run([*shlex.split(args.download_wrapper), qgis_env.QGIS_PROCESS_BIN, *cmd],
                                          capture_output=True, text=True, timeout=args.timeout, cwd=run_dir,
                                          env=qgis_env.qgis_process_env(root, extra_env))
                else:
                    proc = qgis_env.run_qgis_process(cmd, root, timeout=args.timeout, env=extra_env, cwd=run_dir)
                codes.append(f"{name} {describe(proc.returncode)}")
                (run_dir / f"{name}.stdout").write_text(proc.stdout)
                (run_dir / f"{name}.stderr").write_text(proc.stderr)
                if proc.returncode != 0:
                    tail = (proc.stderr.strip().splitlines() or [""])[-1]
                    problems.append(f"{name}: {describe(proc.returncode)}: {tail[:200]}")
                    break
            if not problems:
                rows = list(csv.DictReader((run_dir / "report.csv").open()))
                tifs = sorted((run_dir / "downloads" / cid).glob("*/visual.tif"))
                if not rows or {r["state"] for r in rows} != {"done"}:
                    problems.append(f"report states {sorted({r['state'] for r in rows})}")
                elif len(tifs) != len(rows) or any(t.read_bytes() != cog for t in tifs):
                    problems.append("downloaded files do not match the report or the COG")
            status = "ok" if not problems else "FAILED"
            print(f"run {n:3d}/{args.runs}: {', '.join(codes)} ({time.monotonic() - started:.1f} s) {status}"
                  + ("" if not problems else " — " + "; ".join(problems)
                     + f" (logs in {run_dir})"), flush=True)
            if problems:
                failed += 1
            else:
                passed += 1
                if not args.keep:
                    shutil.rmtree(run_dir, ignore_errors=True)
    finally:
        if nginx is not None:
            nginx.close()
        if api is not None:
            api.stop()
        if not failed and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed", flush=True)
    return 1 if failed or passed != args.runs else 0


if __name__ == "__main__":
    sys.exit(main())
