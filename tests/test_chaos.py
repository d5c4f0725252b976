"""Searches and downloads through a chaos proxy (tests/servers/chaos_proxy.py) that resets
connections, truncates bodies, answers 5xx, stalls, drips and delays, at a 5-10 % rate, in
front of the real stac-fastapi-pgstac and nginx.

What must hold: every search either returns exactly the server's result set or stops with a
clear error; every download ends verified with the right bytes, or failed with its ``.part``
kept; never a corrupt file under a final name. The figures are printed (``-s`` shows them).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.connections import open_provider
from eo_scene_finder.providers.download.engine import DownloadEngine
from eo_scene_finder.providers.download.jobs import DONE, FAILED, DownloadJob
from eo_scene_finder.providers.errors import EoSceneFinderError
from eo_scene_finder.providers.model import Checksum, SearchRequest
from servers.chaos_proxy import ChaosProxy


def _upstream(url: str):
    parts = urlsplit(url)
    return parts.hostname, parts.port


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_searches_through_faults_return_the_exact_result_set_or_a_clear_error(pgstac_api):
    request = SearchRequest.create(collections=["sentinel-2-l2a"], sortby="-datetime")
    truth = [s.id for s in open_provider(Connection("direct", "stac-api", pgstac_api.url)).search(request).all()]
    assert len(truth) == 283
    outcomes = {"exact": 0, "error": 0}
    with ChaosProxy(_upstream(pgstac_api.url), rate=0.08, seed=7) as proxy:
        for run in range(6):
            provider = open_provider(Connection(f"chaos-{run}", "stac-api", proxy.url, {"page_size": 25}))
            try:
                got = [s.id for s in provider.search(request).all()]
            except EoSceneFinderError as err:
                outcomes["error"] += 1
                print(f"\nrun {run}: {err.user_message} | {err.details}")
                assert err.user_message and "Traceback" not in err.user_message
                continue
            assert got == truth, f"run {run}: {len(got)} scenes, {len(set(got) ^ set(truth))} differ"
            outcomes["exact"] += 1
        print(f"\nchaos searches: {outcomes}, proxy {dict(proxy.stats)}")
        assert sum(v for k, v in proxy.stats.items() if k.startswith("fault:")) > 0, "no fault was injected"
    assert outcomes["exact"] >= 5  # retries absorb the faults: an error needs three in a row on one request


def test_downloads_through_faults_are_verified_or_failed_with_their_part_kept(nginx_downloads, download_files,
                                                                              tmp_path):
    sources = sorted((download_files / "many").glob("*.bin")) + [download_files / "medium.bin"]
    with ChaosProxy(_upstream(nginx_downloads.url), rate=0.1, seed=3, stall_seconds=0.5) as proxy:
        jobs = []
        for round_ in range(4):
            for src in sources:
                rel = src.relative_to(download_files).as_posix()
                jobs.append(DownloadJob(f"{proxy.url}/{rel}", str(tmp_path / f"r{round_}" / rel),
                                        checksum=Checksum("sha256", _sha256(src))))
        engine = DownloadEngine(backoff=0.05, backoff_max=0.2, timeout=(5, 10), retries=8, per_host=4)
        results = engine.run(jobs)
        stats = dict(proxy.stats)
    sent = sum(r.bytes_transferred for r in results)
    payload = sum(Path(s).stat().st_size for s in sources) * 4
    states = {state: sum(1 for r in results if r.state == state) for state in {r.state for r in results}}
    print(f"\nchaos downloads: {states}, proxy {stats}, bytes received {sent:,} for {payload:,} "
          f"({(sent - payload) / payload:.1%} re-sent)")
    assert sum(v for k, v in stats.items() if k.startswith("fault:")) > 0, "no fault was injected"
    for job, result in zip(jobs, results):
        final = Path(job.dest_path)
        src = download_files / urlsplit(job.url).path.lstrip("/")
        if result.state == DONE:
            assert result.verified_by and _sha256(final) == _sha256(src), job.url
        else:
            assert result.state == FAILED and result.error is not None and result.error.user_message, result
            assert not final.exists(), f"a failed download left {final}"
    assert states.get(DONE, 0) >= len(jobs) * 0.9


def test_copernicus_odata_searches_through_faults(cdse):
    """The same property on the loopback Copernicus Data Space catalogue (its own retries)."""
    request = SearchRequest.create(collections=["SENTINEL-2"], start="2023-06-01", end="2023-06-30")
    truth = sorted(s.id for s in open_provider(cdse.connection("direct")).search(request).all())
    assert len(truth) > 100
    outcomes = {"exact": 0, "error": 0}
    # few, large requests (two per search): a higher rate so that faults land
    with ChaosProxy(_upstream(cdse.odata_url), rate=0.25, seed=11, faults=("reset", "truncate", "error")) as proxy:
        for run in range(6):
            conn = cdse.connection(f"chaos-odata-{run}")
            conn.url = proxy.url + urlsplit(cdse.odata_url).path
            try:
                got = sorted(s.id for s in open_provider(conn).search(request).all())
            except EoSceneFinderError as err:
                outcomes["error"] += 1
                print(f"\nodata run {run}: {err.user_message}")
                assert err.user_message and "Traceback" not in err.user_message
                continue
            assert got == truth, f"run {run}: {len(got)} scenes, {len(set(got) ^ set(truth))} differ"
            outcomes["exact"] += 1
        print(f"\nchaos odata searches: {outcomes}, proxy {dict(proxy.stats)}")
        assert sum(v for k, v in proxy.stats.items() if k.startswith("fault:")) > 0, "no fault was injected"
    assert outcomes["exact"] >= 5
