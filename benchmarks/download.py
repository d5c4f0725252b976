#!/usr/bin/env python3
"""Download benchmark: our engine against curl, same nginx, same files, same run.

    .venv/bin/python benchmarks/download.py [--repeat 3] [--dest DIR] [--ram]

Creates one 1 GiB file and eight 128 MiB files of random data, serves them with nginx on
127.0.0.1 (the test suite's nginx helper), and downloads them:

- the 1 GiB file: ``curl -o`` vs one engine job (no checksum, like curl);
- the 1 GiB file verified: ``curl`` then ``sha256sum`` vs the engine with a sha256 checksum
  (it hashes while writing);
- the eight 128 MiB files: ``curl --parallel --parallel-max 4`` vs the engine (4 per host).

Each case runs ``--repeat`` times, alternating which tool goes first; the table gives the
median throughput, the ratio engine/curl (target >= 0.95) and the median CPU time per GiB
(user + system, all threads; less sensitive to other load on the machine than wall time). ``--dest`` is where
downloads are written (default: next to the source files); ``--ram`` writes to a tmpfs
instead (needs root), which takes the disk out of the comparison.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _setup  # noqa: E402,F401 - puts eo_scene_finder and the test servers on sys.path

from eo_scene_finder.providers.download.engine import DownloadEngine
from eo_scene_finder.providers.download.jobs import DownloadJob  # noqa: E402
from eo_scene_finder.providers.model import Checksum  # noqa: E402
from servers.nginx_server import NginxServer  # noqa: E402

MiB = 1024 * 1024


def make_file(path: Path, size: int) -> str:
    """Write ``size`` random bytes (really written, not sparse); return the sha256."""
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        left = size
        while left:
            block = os.urandom(min(left, 8 * MiB))
            fh.write(block)
            digest.update(block)
            left -= len(block)
    return digest.hexdigest()


def clean(dest: Path) -> None:
    for child in dest.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    os.sync()  # start each run with no dirty pages left by the previous one


def timed(fn):
    """(wall seconds, CPU seconds) of ``fn()``, which returns the CPU seconds of the child
    processes it ran (the engine's own CPU is measured here, with all its threads)."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    child_cpu = fn() or 0.0
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_SELF)
    own = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, own + child_cpu


def run_child(cmd) -> float:
    """Run ``cmd``; return its CPU seconds (user + system)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
    return usage.ru_utime + usage.ru_stime


def curl(urls, dests, parallel: int = 0) -> float:
    cmd = ["curl", "-sS", "--no-progress-meter", "--fail"]
    if parallel:
        cmd += ["--parallel", "--parallel-max", str(parallel)]
    for url, dest in zip(urls, dests):
        cmd += ["-o", str(dest), url]
    return run_child(cmd)


def engine_run(urls, dests, checksums=None) -> float:
    jobs = [DownloadJob(u, str(d), checksum=(checksums[i] if checksums else None))
            for i, (u, d) in enumerate(zip(urls, dests))]
    results = DownloadEngine().run(jobs)
    bad = [r for r in results if r.state != "done"]
    if bad:
        raise SystemExit(f"engine failed: {bad[0].state}: {bad[0].reason}")
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--small-mib", type=int, default=128)
    parser.add_argument("--count", type=int, default=8)
    parser.add_argument("--workdir", help="where the served files go (default: a temp dir)")
    parser.add_argument("--dest", help="where downloads are written (default: <workdir>/dest)")
    parser.add_argument("--ram", action="store_true", help="write downloads to a tmpfs (root)")
    args = parser.parse_args()
    if not shutil.which("curl"):
        raise SystemExit("curl is missing: apt-get install -y curl")

    work = Path(args.workdir or tempfile.mkdtemp(prefix="eosf-bench-"))
    served = work / "served"
    served.mkdir(parents=True, exist_ok=True)
    mounted = None
    if args.ram:
        mounted = work / "ram"
        mounted.mkdir(exist_ok=True)
        need = max(args.big_mib, args.small_mib * args.count) + 256
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={need}m", "tmpfs", str(mounted)], check=True)
        dest = mounted
    else:
        dest = Path(args.dest) if args.dest else work / "dest"
        dest.mkdir(parents=True, exist_ok=True)

    print(f"creating test files in {served} ...", flush=True)
    big = served / "big.bin"
    big_sum = make_file(big, args.big_mib * MiB)
    smalls = [served / f"part-{i}.bin" for i in range(args.count)]
    for path in smalls:
        make_file(path, args.small_mib * MiB)

    server = NginxServer(served).start()
    cases = []
    try:
        big_url = [f"{server.url}/big.bin"]
        small_urls = [f"{server.url}/{p.name}" for p in smalls]
        size_big = args.big_mib * MiB
        size_small = args.small_mib * MiB * args.count

        def verified_curl():
            cpu = curl(big_url, [dest / "c-big.bin"])
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            out = subprocess.run(["sha256sum", str(dest / "c-big.bin")], check=True, capture_output=True, text=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            assert out.stdout.split()[0] == big_sum
            return cpu + (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

        plan = [
            (f"1 file of {args.big_mib} MiB", size_big,
             lambda: curl(big_url, [dest / "c-big.bin"]),
             lambda: engine_run(big_url, [dest / "e-big.bin"])),
            (f"1 file of {args.big_mib} MiB, sha256 verified", size_big,
             verified_curl,
             lambda: engine_run(big_url, [dest / "e-big.bin"], [Checksum("sha256", big_sum)])),
            (f"{args.count} files of {args.small_mib} MiB, 4 at a time", size_small,
             lambda: curl(small_urls, [dest / f"c-{p.name}" for p in smalls], parallel=4),
             lambda: engine_run(small_urls, [dest / f"e-{p.name}" for p in smalls])),
        ]
        for name, size, curl_fn, engine_fn in plan:
            curl_runs, engine_runs = [], []
            for i in range(args.repeat):
                order = [(curl_fn, curl_runs), (engine_fn, engine_runs)]
                if i % 2:
                    order.reverse()
                for fn, runs in order:
                    clean(dest)
                    runs.append(timed(fn))
            gib = size / (1024 * MiB)
            c = size / statistics.median(w for w, _ in curl_runs) / MiB
            e = size / statistics.median(w for w, _ in engine_runs) / MiB
            c_cpu = statistics.median(cpu for _, cpu in curl_runs) / gib
            e_cpu = statistics.median(cpu for _, cpu in engine_runs) / gib
            cases.append((name, c, e, c_cpu, e_cpu))
            print(f"  {name}: curl {c:.0f} MiB/s, engine {e:.0f} MiB/s "
                  f"(runs: curl {[round(size / w / MiB) for w, _ in curl_runs]}, "
                  f"engine {[round(size / w / MiB) for w, _ in engine_runs]})", flush=True)
    finally:
        server.close()
        clean(dest)
        if mounted is not None:
            subprocess.run(["umount", str(mounted)], check=False)
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)

    curl_version = subprocess.run(["curl", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    where = "tmpfs (RAM)" if args.ram else "disk"
    print()
    print(f"Loopback nginx, downloads written to {where}; median of {args.repeat} runs; "
          f"{os.cpu_count()} CPUs; {curl_version.split(' (')[0]}.")
    print()
    print("| case | curl (MiB/s) | engine (MiB/s) | engine / curl | CPU s per GiB: curl | engine |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, c, e, c_cpu, e_cpu in cases:
        print(f"| {name} | {c:.0f} | {e:.0f} | {e / c:.2f} | {c_cpu:.2f} | {e_cpu:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
