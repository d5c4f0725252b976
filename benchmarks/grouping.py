#!/usr/bin/env python3
"""Grouping the same scene found in three catalogs: 30,000 rows (10,000 Sentinel-2 scenes as
the Planetary Computer, Earth Search and the Copernicus Data Space name them), streamed into
a :class:`SceneGrouper` as lazy scenes that must not be decoded. Core time only (the panel's
GUI stall is measured by the panel's benchmark). Not a test:

    .venv/bin/python benchmarks/grouping.py [--scenes 10000] [--rounds 5]
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

from _setup import REPO  # noqa: F401,E402 - puts eo_scene_finder on sys.path

from eo_scene_finder.providers.model import LazyScene  # noqa: E402
from eo_scene_finder.providers.multi import SceneGrouper, describe_source  # noqa: E402
from eo_scene_finder.providers.scene_ids import parse_scene_key  # noqa: E402


class RefusingCodec:
    def decode(self, scene):
        raise AssertionError("grouping decoded a scene")

    assets = decode


def rows(n: int):
    """``3 n`` lazy scenes, catalogs interleaved as pages would stream in."""
    codec = RefusingCodec()
    out = []
    start = dt.date(2024, 1, 1)
    for i in range(n):
        day = (start + dt.timedelta(days=i // 200)).strftime("%Y%m%d")
        tile = f"{30 + (i % 200) // 26:02d}T{chr(65 + (i % 26))}{chr(65 + (i // 26) % 26)}"
        names = (("Planetary Computer", f"S2B_MSIL2A_{day}T103619_R008_T{tile}_{day}T140000"),
                 ("Earth Search", f"S2B_{tile}_{day}_0_L2A"),
                 ("CDSE", f"S2B_MSIL2A_{day}T103619_N0510_R008_T{tile}_{day}T140000.SAFE"))
        for conn, sid in names:
            out.append(LazyScene(sid, "sentinel-2-l2a", None, None, None, cloud_cover=float(i % 100),
                                 connection=conn, scene_key=parse_scene_key(sid), raw="{}", codec=codec))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenes", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    scenes = rows(args.scenes)
    times, groups = [], 0
    for _ in range(args.rounds):
        grouper = SceneGrouper()
        start = time.perf_counter()
        for scene in scenes:
            grouper.add(describe_source(scene.connection, scene))
        times.append(time.perf_counter() - start)
        groups = len(grouper)
    assert groups == args.scenes, groups
    med = statistics.median(times)
    print(f"{len(scenes)} rows from 3 catalogs -> {groups} scenes: median {med * 1000:.0f} ms "
          f"({med / len(scenes) * 1e6:.1f} µs a row), min {min(times) * 1000:.0f} ms")
    # looking a row's group up (the panel does it for a selected row) and the cloud of every group
    start = time.perf_counter()
    for scene in scenes:
        grouper.group_of(scene)
    lookup = time.perf_counter() - start
    start = time.perf_counter()
    for group in grouper.groups():
        group.cloud_cover  # noqa: B018 - the union value the table shows
    clouds = time.perf_counter() - start
    print(f"group_of for every row: {lookup * 1000:.0f} ms; cloud cover of every group: {clouds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
