"""Searches and downloads through a chaos proxy (tests/servers/chaos_proxy.py) that resets
connections, truncates bodies, answers 5xx, stalls, drips and delays, at a 5-10 % rate, in
front of the real stac-fastapi-pgstac and nginx, and of the loopback protocol servers
(Copernicus OData, USGS M2M, NASA CMR).

What must hold: every search either returns exactly the server's result set or stops with a
clear error; every download ends verified with the right bytes, or failed with its ``.part``
kept; never a corrupt file under a final name. The figures are printed (``-s`` shows them).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Callable, Dict, List
from urllib.parse import urlsplit

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.connections import open_provider, resolve_connection
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


def searches_through_faults(label: str, proxy: ChaosProxy, truth: List[str],
                            search: Callable[[int], List[str]], runs: int = 6) -> Dict[str, int]:
    """Run ``search(run)`` ``runs`` times through ``proxy``: each must give exactly ``truth``
    or stop with a plain-worded :class:`EoSceneFinderError`. Returns the outcome counts and
    prints them with the proxy's figures."""
    outcomes = {"exact": 0, "error": 0}
    for run in range(runs):
        try:
            got = search(run)
        except EoSceneFinderError as err:
            outcomes["error"] += 1
            print(f"\n{label} run {run}: {err.user_message} | {err.details}")
            assert err.user_message and "Traceback" not in err.user_message
            continue
        assert got == truth, f"{label} run {run}: {len(got)} scenes, {len(set(got) ^ set(truth))} differ"
        outcomes["exact"] += 1
    print(f"\nchaos {label} searches: {outcomes}, proxy {dict(proxy.stats)}")
    assert sum(v for k, v in proxy.stats.items() if k.startswith("fault:")) > 0, "no fault was injected"
    return outcomes


def test_searches_through_faults_return_the_exact_result_set_or_a_clear_error(pgstac_api):
    request = SearchRequest.create(collections=["sentinel-2-l2a"], sortby="-datetime")
    truth = [s.id for s in open_provider(Connection("direct", "stac-api", pgstac_api.url)).search(request).all()]
    assert len(truth) == 283
    with ChaosProxy(_upstream(pgstac_api.url), rate=0.08, seed=7) as proxy:
        outcomes = searches_through_faults("stac", proxy, truth, lambda run: [s.id for s in open_provider(
            Connection(f"chaos-{run}", "stac-api", proxy.url, {"page_size": 25})).search(request).all()])
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
    # few, large requests (two per search): a higher rate so that faults land
    with ChaosProxy(_upstream(cdse.odata_url), rate=0.25, seed=11, faults=("reset", "truncate", "error")) as proxy:
        def search(run):
            conn = cdse.connection(f"chaos-odata-{run}")
            conn.url = proxy.url + urlsplit(cdse.odata_url).path
            return sorted(s.id for s in open_provider(conn).search(request).all())
        outcomes = searches_through_faults("odata", proxy, truth, search)
    assert outcomes["exact"] >= 5


def test_usgs_m2m_searches_through_faults(m2m, usgs_env):
    """USGS M2M: ``scene-search`` (a POST) and ``login-token`` are sent again after a reset, a
    cut answer or a gateway error; a refused key is never sent again (the server counts)."""
    request = SearchRequest.create(aoi=[3.5, 50.0, 5.0, 51.0], start="2018-01-01", end="2018-12-31",
                                   collections=["landsat_ot_c2_l2"])
    direct = open_provider(m2m.connection("direct", page_size=10000))
    truth = sorted(s.id for s in direct.search(request).all())
    direct.close()
    assert len(truth) > 50
    with ChaosProxy(("127.0.0.1", m2m.port), rate=0.08, seed=5, stall_seconds=0.3,
                    spare_paths=("/_admin",)) as proxy:
        def search(run):
            conn = m2m.connection(f"chaos-usgs-{run}", page_size=10, rate_limit_pause=0.05)
            conn.url = proxy.url + urlsplit(m2m.api_url).path
            provider = open_provider(conn)
            try:
                return sorted(s.id for s in provider.search(request).all())
            finally:
                provider.close()
        outcomes = searches_through_faults("usgs-m2m", proxy, truth, search)
    stats = m2m.stats()
    print(f"m2m server: logins {stats['logins']}, scene-search {stats['counts'].get('scene-search')}, "
          f"stale keys sent {stats['stale_key_uses']}")
    assert stats["stale_key_uses"] == 0
    assert outcomes["exact"] >= 5


def test_nasa_cmr_searches_through_faults(cmr):
    """NASA CMR: granule pages (``CMR-Search-After``) cut short, reset or refused by a gateway
    are asked again with the same parameters and search-after value."""
    request = SearchRequest.create(collections="HLSL30_2.0", start="2021-01-01", end="2021-12-31")
    truth = [s.id for s in open_provider(resolve_connection(cmr.connection_string(page_size=500)),
                                         credentials=None).search(request).all()]
    assert len(truth) > 2000
    # few, large pages (five per search): a higher rate so that faults land
    with ChaosProxy(_upstream(cmr.cmr_base), rate=0.2, seed=13, stall_seconds=0.3) as proxy:
        def search(run):
            connection = resolve_connection(
                f"nasa-cmr?url={proxy.url}/search/&urs_url={cmr.urs_base}&page_size=500")
            return [s.id for s in open_provider(connection, credentials=None).search(request).all()]
        outcomes = searches_through_faults("nasa-cmr", proxy, truth, search)
    assert outcomes["exact"] >= 5


def test_usgs_m2m_downloads_through_faults(m2m, usgs_env, tmp_path):
    """USGS downloads through faults: ``download-options`` and the ``download-retrieve`` polls
    are retried, ``download-request`` (it changes state) is not; the files themselves (their
    staging URLs routed through the proxy too) resume with Range requests. Each file ends
    with the bytes a fault-free run gets, or failed with a plain reason and no final file."""
    request = SearchRequest.create(aoi=[3.5, 50.0, 5.0, 51.0], start="2018-01-01", end="2018-12-31",
                                   collections=["landsat_ot_c2_l2"], limit=6)
    direct = open_provider(m2m.connection("direct", retrieve_interval=0.05))
    try:
        scenes = direct.search(request).all()
        reference = DownloadEngine().run(direct.download_jobs(scenes, str(tmp_path / "direct"), assets=["SR_B4", "SR_B5"]))
    finally:
        direct.close()
    assert {r.state for r in reference} == {DONE}
    truth = {Path(r.path).relative_to(tmp_path / "direct"): _sha256(r.path) for r in reference}
    with ChaosProxy(("127.0.0.1", m2m.port), rate=0.25, seed=17, stall_seconds=0.3,
                    spare_paths=("/_admin",)) as proxy:
        # the staging URLs M2M hands out go through the proxy as well
        proxy.rewrite = [(re.compile(re.escape(m2m.base.encode()) + rb"(?=/download-staging/)"), proxy.url.encode())]
        conn = m2m.connection("chaos usgs downloads", retrieve_interval=0.05, rate_limit_pause=0.05)
        conn.url = proxy.url + urlsplit(m2m.api_url).path
        provider = open_provider(conn)
        try:
            jobs = provider.download_jobs(scenes, str(tmp_path / "chaos"), assets=["SR_B4", "SR_B5"])
            results = DownloadEngine(backoff=0.05, backoff_max=0.2, retries=8).run(jobs)
        finally:
            provider.close()
        stats = dict(proxy.stats)
    states = {state: sum(1 for r in results if r.state == state) for state in {r.state for r in results}}
    print(f"\nchaos usgs downloads: {states}, proxy {stats}")
    assert sum(v for k, v in stats.items() if k.startswith("fault:")) > 0, "no fault was injected"
    for job, result in zip(jobs, results):
        final = Path(job.dest_path)
        if result.state == DONE:
            assert _sha256(result.path) == truth[Path(result.path).relative_to(tmp_path / "chaos")], result.path
        else:
            assert result.state == FAILED and result.error is not None and result.error.user_message, result
            print(f"failed: {result.error.user_message}")
            assert not final.exists(), f"a failed download left {final}"
    assert len(results) == len(reference)


def test_google_bucket_listings_through_faults(gcs):
    """Google's public buckets: the Cloud Storage listings a search walks (small pages,
    ``nextPageToken``) are asked again after a reset, a cut answer or a gateway error."""
    from shapely.geometry import box

    request = SearchRequest.create(aoi=box(2.25, 48.80, 2.45, 48.92), collections=["sentinel-2-l1c"],
                                   start="2019-06-01", end="2019-06-30")
    truth = sorted(s.id for s in open_provider(resolve_connection(f"google?url={gcs.url}")).search(request).all())
    assert truth
    with ChaosProxy(_upstream(gcs.url), rate=0.15, seed=19, stall_seconds=0.3) as proxy:
        outcomes = searches_through_faults("google-buckets", proxy, truth, lambda run: sorted(
            s.id for s in open_provider(resolve_connection(f"google?url={proxy.url}")).search(request).all()))
    assert outcomes["exact"] >= 5


def test_requester_pays_bucket_downloads_through_faults(aws_s1_catalog, s1_bucket, tmp_path):
    """Sentinel-1 products rebuilt from the requester-pays bucket (listings and objects, signed
    with the account's keys) through faults: each product is complete with the bucket's bytes,
    or failed with a plain reason and no final folder."""
    from eo_scene_finder.providers.download.jobs import asset_jobs
    from fixtures.bucket_servers import REAL_PRODUCT

    stac_url, _items = aws_s1_catalog
    keys = {"access_key": s1_bucket.account["access_key"], "secret_key": s1_bucket.account["secret_key"]}
    direct = open_provider(resolve_connection(f"aws-s1?stac_url={stac_url}&s3_endpoint={s1_bucket.endpoint}"),
                           credentials=keys)
    scene = direct.search(SearchRequest.create(ids=[REAL_PRODUCT])).all()[0]
    assert {r.state for r in DownloadEngine().run(asset_jobs(scene, None, str(tmp_path / "direct"), direct))} == {DONE}
    reference = tmp_path / "direct" / "sentinel-1-grd" / f"{REAL_PRODUCT}.SAFE"
    truth = {p.relative_to(reference): _sha256(p) for p in reference.rglob("*") if p.is_file()}
    assert len(truth) > 5
    with ChaosProxy(_upstream(s1_bucket.endpoint), rate=0.1, seed=23, stall_seconds=0.3,
                    faults=("reset", "truncate", "error", "stall", "latency")) as proxy:
        outcomes = {}
        for run in range(4):
            provider = open_provider(resolve_connection(
                f"aws-s1?stac_url={stac_url}&s3_endpoint={proxy.url}"), credentials=keys)
            scene = provider.search(SearchRequest.create(ids=[REAL_PRODUCT])).all()[0]
            out = tmp_path / f"run{run}"
            results = DownloadEngine().run(asset_jobs(scene, None, str(out), provider))
            safe = out / "sentinel-1-grd" / f"{REAL_PRODUCT}.SAFE"
            for result in results:
                outcomes[result.state] = outcomes.get(result.state, 0) + 1
                if result.state != DONE:
                    assert result.state == FAILED and result.reason, result
                    print(f"\nrun {run}: {result.reason}")
            if all(r.state == DONE for r in results):
                assert {p.relative_to(safe): _sha256(p) for p in safe.rglob("*") if p.is_file()} == truth
            else:
                assert not safe.exists(), "a product that failed left its folder"
        stats = dict(proxy.stats)
    print(f"\nchaos requester-pays downloads: {outcomes}, proxy {stats}")
    assert sum(v for k, v in stats.items() if k.startswith("fault:")) > 0, "no fault was injected"
    assert outcomes.get(DONE, 0) >= 0.9 * sum(outcomes.values())
