#!/usr/bin/env python3
"""Best coverage: time of the greedy cover on 5,000 candidate footprints, and its quality
against the exact optimum (brute force) on many small random cases. Not a test:

    .venv/bin/python benchmarks/coverage.py [--candidates 5000] [--cases 200] [--seed 17]

Candidates are Sentinel-2-like tiles (1.2° × 0.9°, 10 % overlap) on a grid over a 6° × 4°
AOI, with many dates and orbits, random cloud cover and jittered positions; the small cases
are 8-12 random boxes (0.3-0.9 wide, centred inside) over a unit AOI. Quality: chosen/optimal number of scenes, and the
difference of their area-weighted cloud cover, over the cases where the target is reachable.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

from _setup import REPO  # noqa: F401,E402 - puts eo_scene_finder on sys.path

from shapely.geometry import box, mapping  # noqa: E402

from eo_scene_finder.providers.coverage import (CoverageCandidate, _prepare, _summary, best_coverage,  # noqa: E402
                                                exact_minimum_cover)
from eo_scene_finder.providers.model import normalize_aoi  # noqa: E402

DAY = dt.datetime(2024, 5, 1, 10, 30, tzinfo=dt.timezone.utc)


def big_case(n: int, rng: random.Random):
    aoi = box(0, 0, 6, 4)
    cands = []
    i = 0
    while len(cands) < n:
        day = DAY + dt.timedelta(days=i // 60)
        orbit = str(8 + (i // 20) % 3)
        x = rng.uniform(-1, 6.5)
        y = rng.uniform(-0.8, 4.2)
        cands.append(CoverageCandidate(f"c{i}", mapping(box(x, y, x + 1.2, y + 0.9)),
                                       rng.choice([0, 0, 2, 5, 10, 30, 60, 95]), day, orbit))
        i += 1
    return mapping(aoi), cands


def small_case(rng: random.Random):
    cands = []
    for i in range(rng.randint(8, 12)):
        w, h = rng.uniform(0.3, 0.9), rng.uniform(0.3, 0.9)
        x, y = rng.uniform(-w / 2, 1 - w / 2), rng.uniform(-h / 2, 1 - h / 2)
        cands.append(CoverageCandidate(f"c{i}", mapping(box(x, y, x + w, y + h)), rng.choice([0, 5, 20, 50, 90]),
                                       DAY + dt.timedelta(days=i), None))
    return mapping(box(0, 0, 1, 1)), cands


def cloud_of(aoi, cands, chosen):
    pieces, _area = _prepare(normalize_aoi(aoi), [c for c in cands if c.id in set(chosen)])
    return _summary(pieces)[1] if pieces else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    aoi, cands = big_case(args.candidates, rng)
    times = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        result = best_coverage(aoi, cands, target=0.98)
        times.append(time.perf_counter() - start)
    print(f"{args.candidates} candidates: median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f} s) -> {result.message}")

    ratios, cloud_diffs, reachable, same = [], [], 0, 0
    for _ in range(args.cases):
        aoi, cands = small_case(rng)
        for target in (0.9, 0.98):
            exact = exact_minimum_cover(aoi, cands, target)
            greedy = best_coverage(aoi, cands, target)
            if not exact.reached:
                assert not greedy.reached
                continue
            reachable += 1
            ratios.append(len(greedy.chosen) / len(exact.chosen))
            same += len(greedy.chosen) == len(exact.chosen)
            cloud_diffs.append(cloud_of(aoi, cands, greedy.chosen) - cloud_of(aoi, cands, exact.chosen))
    print(f"quality on {reachable} reachable small cases (8-12 candidates, targets 90 % and 98 %):")
    print(f"  chosen/optimal scenes: mean {statistics.mean(ratios):.3f}, worst {max(ratios):.2f}; "
          f"optimal count in {same / reachable * 100:.0f} % of the cases")
    print(f"  cloud cover (area-weighted) chosen minus optimal: mean {statistics.mean(cloud_diffs):+.1f} points, "
          f"median {statistics.median(cloud_diffs):+.1f}")


if __name__ == "__main__":
    main()
