#!/usr/bin/env python3
"""Benchmark: retrieve ~12,000 Sentinel-2 products over France from the loopback Copernicus
Data Space catalogue (tests/servers/odata_server.py), three ways:

1. EO Scene Finder's sliced search (``CdseODataProvider``): date slices sized from the
   answers, up to 4 concurrent requests, deduplicated;
2. naive paging, ``$top=1000`` + ``$skip`` until the service's ``$skip`` ≤ 10000 limit stops it;
3. cdsodatacli's defaults: one-week slices, ``$top=1000``, one query after another
   (``querymode='seq'``), and the same with 5 threads (``querymode='multi'``).

Then the search a user starts without dates (the collection's first day to today), sliced
by EO Scene Finder and naive.

Prints requests, seconds, products retrieved and whether every product was found. The
service's response time is simulated: ``--latency-ms`` per request (the real catalogue takes
roughly 0.2-2 s) plus ``--latency-ms-per-year`` per year of date range a query covers, and a
query over more than a year outlives the gateway: HTTP 504 after ``--gateway-timeout-s``
(the documentation advises splitting multi-year queries; the real budget is not published).
Run with ``--latency-ms 0 --latency-ms-per-year 0`` to measure client and server code only.
Not a test:

    .venv/bin/python benchmarks/cdse_search.py [--latency-ms 200] [--latency-ms-per-year 400]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import _setup  # noqa: E402,F401 - puts eo_scene_finder and the test servers on sys.path

import requests  # noqa: E402

from eo_scene_finder.providers.catalogs.odata.provider import CdseODataProvider
from eo_scene_finder.providers.catalogs.odata.query import intersects_clause, geometry_wkt  # noqa: E402
from eo_scene_finder.providers.model import SearchRequest  # noqa: E402
from fixtures.cdse_servers import start_cdse_server  # noqa: E402
from servers.odata_server import FRANCE  # noqa: E402

START = dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc)


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def base_filter() -> str:
    from shapely.geometry import Polygon
    return ("Collection/Name eq 'SENTINEL-2' and " + intersects_clause(geometry_wkt(Polygon(FRANCE))))


def end_for(server, target: int) -> dt.datetime:
    """The first day whose end brings the search to ``target`` distinct products."""
    lo, hi = 1, 365
    while lo < hi:
        mid = (lo + hi) // 2
        end = START + dt.timedelta(days=mid)
        n = server.count(f"{base_filter()} and ContentDate/Start ge {iso(START)} and ContentDate/Start lt {iso(end)}")
        if n["distinct_names"] >= target:
            hi = mid
        else:
            lo = mid + 1
    return START + dt.timedelta(days=lo)


def requests_sent(server) -> int:
    return server.stats()["counts"].get("products", 0)


def run_sliced(server, end: dt.datetime) -> dict:
    provider = CdseODataProvider(server.connection())
    request = SearchRequest.create(aoi={"type": "Polygon", "coordinates": [FRANCE]}, start=START,
                                   end=end - dt.timedelta(microseconds=1), collections=["SENTINEL-2"])
    t0 = time.perf_counter()
    scenes = provider.search(request).all()
    return {"seconds": time.perf_counter() - t0, "names": {s.properties["Name"] for s in scenes}}


def run_sliced_open(server) -> dict:
    provider = CdseODataProvider(server.connection())
    request = SearchRequest.create(aoi={"type": "Polygon", "coordinates": [FRANCE]}, collections=["SENTINEL-2"])
    t0 = time.perf_counter()
    scenes = provider.search(request).all()
    return {"seconds": time.perf_counter() - t0, "names": {s.properties["Name"] for s in scenes}}


def run_naive_open(server) -> dict:
    first = dt.datetime(2015, 6, 23, tzinfo=dt.timezone.utc)
    return run_naive(server, dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1), start=first)


def query(session, url: str) -> dict:
    response = session.get(url, timeout=120)
    if response.status_code != 200:
        return {"error": f"HTTP {response.status_code}: {response.text[:120]}"}
    return response.json()


def run_naive(server, end: dt.datetime, start: dt.datetime = START) -> dict:
    session = requests.Session()
    flt = f"{base_filter()} and ContentDate/Start ge {iso(start)} and ContentDate/Start lt {iso(end)}"
    names, skip, note = set(), 0, ""
    t0 = time.perf_counter()
    while True:
        data = query(session, server.odata_url + "/Products?" + urlencode(
            [("$filter", flt), ("$orderby", "ContentDate/Start asc"), ("$top", "1000"), ("$skip", str(skip)),
             ("$expand", "Attributes"), ("$expand", "Assets")]))
        if "error" in data:
            status = data["error"].split(":")[0]
            note = "stopped: " + status + (" ($skip > 10000)" if "422" in status else " (gateway timeout)")
            break
        names.update(v["Name"] for v in data["value"])
        if len(data["value"]) < 1000:
            break
        skip += 1000
    return {"seconds": time.perf_counter() - t0, "names": names, "note": note}


def run_weekly(server, end: dt.datetime, threads: int) -> dict:
    slices = []
    lo = START
    while lo < end:
        hi = min(end, lo + dt.timedelta(days=7))
        slices.append((lo, hi))
        lo = hi
    names, truncated = set(), 0

    def one(bounds):
        session = requests.Session()
        flt = (f"{base_filter()} and ContentDate/Start ge {iso(bounds[0])} and "
               f"ContentDate/Start lt {iso(bounds[1])}")
        return query(session, server.odata_url + "/Products?" + urlencode(
            [("$filter", flt), ("$top", "1000"), ("$expand", "Attributes")]))
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for data in pool.map(one, slices):
            values = data.get("value", [])
            names.update(v["Name"] for v in values)
            truncated += len(values) == 1000
    note = f"{truncated} weeks cut at 1000" if truncated else ""
    return {"seconds": time.perf_counter() - t0, "names": names, "note": note}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=int, default=200, help="simulated service response time")
    parser.add_argument("--latency-ms-per-year", type=int, default=400,
                        help="simulated extra time per year of date range a query covers")
    parser.add_argument("--gateway-timeout-s", type=float, default=10.0,
                        help="how long a query over more than a year runs before its HTTP 504")
    parser.add_argument("--target", type=int, default=12000, help="products to retrieve")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_cdse_server(Path(tmp))
        try:
            end = end_for(server, args.target)
            expected = server.count(f"{base_filter()} and ContentDate/Start ge {iso(START)} and "
                                    f"ContentDate/Start lt {iso(end)}")["distinct_names"]
            # warm the server's record cache so every method pays the same
            run_naive(server, end)
            server.configure(latency_ms=args.latency_ms, latency_ms_per_year=args.latency_ms_per_year,
                             gateway_timeout_s=args.gateway_timeout_s)
            everything = server.count(base_filter())["distinct_names"]
            rows = []
            for label, runner in (("EO Scene Finder sliced search", lambda: run_sliced(server, end)),
                                  ("naive $top=1000 + $skip", lambda: run_naive(server, end)),
                                  ("cdsodatacli weekly slices (seq)", lambda: run_weekly(server, end, 1)),
                                  ("cdsodatacli weekly slices (multi, 5 threads)", lambda: run_weekly(server, end, 5))):
                server.admin("/_admin/reset", {})
                result = runner()
                rows.append((label, requests_sent(server), result["seconds"], len(result["names"]),
                             len(result["names"]) == expected, result.get("note", "")))
            for label, runner in (("EO Scene Finder sliced search, no dates", lambda: run_sliced_open(server)),
                                  ("naive $top=1000 + $skip, no dates", lambda: run_naive_open(server))):
                server.admin("/_admin/reset", {})
                result = runner()
                rows.append((label, requests_sent(server), result["seconds"], len(result["names"]),
                             len(result["names"]) == everything,
                             (result.get("note", "") + f" (of {everything:,})").strip()))
        finally:
            server.proc.stop()
    print(f"\n{expected:,} Sentinel-2 products over France, {START:%Y-%m-%d} to {end - dt.timedelta(days=1):%Y-%m-%d}; "
          f"simulated service latency {args.latency_ms} ms per request + {args.latency_ms_per_year} ms per year "
          f"of range, 504 after {args.gateway_timeout_s:g} s over a year; {os.cpu_count()} CPU cores\n")
    header = f"| {'method':<46} | {'requests':>8} | {'seconds':>7} | {'products':>8} | {'all found':<9} | note"
    print(header)
    print("|" + "-" * 48 + "|" + "-" * 10 + "|" + "-" * 9 + "|" + "-" * 10 + "|" + "-" * 11 + "|------")
    for label, n, secs, got, complete, note in rows:
        print(f"| {label:<46} | {n:>8} | {secs:>7.1f} | {got:>8,} | {'yes' if complete else 'NO':<9} | {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
