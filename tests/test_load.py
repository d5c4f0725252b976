"""Load: 10 searches (the panel's search tasks on the real stac-fastapi-pgstac) and 200 downloads
queued at once in the panel's Downloads tab, from two hosts. The downloads stay within the
per-host and total limits, every search and download finishes, and the GUI thread keeps
beating (the longest gap of a 10 ms heartbeat is printed: the README's "longest GUI stall
under load").

QGIS runs two tasks at a time on a 2-core machine, so the searches go two by two and the
downloads' task starts after them."""
from __future__ import annotations

import hashlib
import shutil
import time

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QTimer

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.connections import open_provider
from eo_scene_finder.providers.download.jobs import DONE, DownloadJob
from eo_scene_finder.providers.model import Checksum, SearchRequest
from eo_scene_finder.services.download_queue import DownloadQueue
from eo_scene_finder.tasks.search_task import SearchTask
from eo_scene_finder.ui.downloads_widget import DownloadsWidget
from fixtures.download_servers import FileBehaviour, Gauge, ScriptedFileServer

PER_HOST, TOTAL = 4, 8


def test_ten_searches_and_two_hundred_downloads_at_once(qgis_app, pgstac_api, download_files, tmp_path):
    gauge = Gauge()
    servers = [ScriptedFileServer(download_files, host, gauge=gauge).start() for host in ("127.0.0.1", "127.0.0.2")]
    widget = DownloadsWidget(max_total=TOTAL, per_host=PER_HOST, queue=DownloadQueue(str(tmp_path / "queue.json")))
    beats, longest = [time.monotonic()], [0.0]

    gaps = []

    def beat():
        now = time.monotonic()
        gaps.append((now - beats[-1], now))
        longest[0] = max(longest[0], now - beats[-1])
        beats.append(now)

    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(beat)
    try:
        sources = sorted((download_files / "many").glob("*.bin"))
        digests = {s.name: hashlib.sha256(s.read_bytes()).hexdigest() for s in sources}
        jobs = []
        for i in range(200):
            server, src = servers[i % 2], sources[i % len(sources)]
            server.set_behaviour(f"/many/{src.name}", FileBehaviour(rate=8 * 1024 * 1024))
            jobs.append(DownloadJob(f"{server.url}/many/{src.name}", str(tmp_path / "out" / f"{i:03d}-{src.name}"),
                                    checksum=Checksum("sha256", digests[src.name])))
        searches = []
        request = SearchRequest.create(collections=["sentinel-2-l2a"])
        for n in range(10):
            task = SearchTask(f"load search {n}", lambda: open_provider(
                Connection("load", "stac-api", pgstac_api.url, {"page_size": 50})), request)
            searches.append(task)
        ended = []
        for task in searches:
            task.searchFinished.connect(lambda t: ended.append((t.count, t.error)))
        started = time.monotonic()
        heartbeat.start()
        for task in searches:
            QgsApplication.taskManager().addTask(task)
        widget.enqueue(jobs, "load test")
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            QCoreApplication.processEvents()
            if len(ended) == 10 and widget.model.rows and all(
                    r.state in (DONE, "failed", "cancelled") for r in widget.model.rows):
                break
            time.sleep(0.002)
        elapsed = time.monotonic() - started
        heartbeat.stop()
    finally:
        widget.shutdown()
        for server in servers:
            server.close()
    states = [r.state for r in widget.model.rows]
    worst = sorted(gaps, reverse=True)[:5]
    print("\nworst gaps (ms, at s):", [(round(g * 1000), round(t - started, 2)) for g, t in worst])
    print(f"\nload: 10 searches + 200 downloads in {elapsed:.1f} s; per-host peak "
          f"{max(s.max_active for s in servers)} (limit {PER_HOST}), total peak {gauge.peak} (limit {TOTAL}); "
          f"longest GUI stall {longest[0] * 1000:.0f} ms over {len(beats)} heartbeats")
    assert ended and all(error is None and count == 283 for count, error in ended), ended
    assert len(states) == 200 and set(states) == {DONE}, {s: states.count(s) for s in set(states)}
    assert max(s.max_active for s in servers) <= PER_HOST and gauge.peak <= TOTAL
    # a frozen QGIS fails; the figure itself (0.6-0.9 s on this 2-core machine, at the ends of
    # the searches) is reported in the README, not yet where it should be
    # (4 s: other work on a shared CI machine adds to the figure; a GUI thread waiting on 200
    # downloads or 10 searches would stop far longer)
    assert longest[0] < 4.0, f"the GUI stopped for {longest[0] * 1000:.0f} ms"


def _static_catalog(root, servers, sources, digests, items=40, assets=5):
    """A local static STAC catalog: one collection of ``items`` items, each with ``assets``
    data assets on the two file servers (``file:checksum`` as sha2-256 multihashes)."""
    import json

    root.mkdir(parents=True)
    links = [{"rel": "root", "href": "./catalog.json"}]
    for i in range(items):
        item_id = f"LOAD-{i:03d}"
        data = {}
        for a in range(assets):
            n = i * assets + a
            server, src = servers[n % 2], sources[n % len(sources)]
            data[f"a{a}"] = {"href": f"{server.url}/many/{src.name}", "type": "application/octet-stream",
                             "roles": ["data"], "file:checksum": "1220" + digests[src.name]}
        (root / f"{item_id}.json").write_text(json.dumps({
            "type": "Feature", "stac_version": "1.0.0", "id": item_id, "collection": "load",
            "stac_extensions": ["https://stac-extensions.github.io/file/v2.1.0/schema.json"],
            "geometry": {"type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 1], [i, 0]]]},
            "bbox": [i, 0, i + 1, 1], "properties": {"datetime": f"2023-01-{1 + i % 28:02d}T00:00:00Z"},
            "links": [], "assets": data}))
        links.append({"rel": "item", "href": f"./{item_id}.json"})
    (root / "catalog.json").write_text(json.dumps({"type": "Catalog", "stac_version": "1.0.0", "id": "load",
                                                   "description": "load test", "links": links}))
    return root / "catalog.json"


def test_ten_searches_and_two_hundred_downloads_through_processing_at_once(processing_ready, pgstac_api,
                                                                           download_files, tmp_path):
    """The same load through the Processing algorithms, as a model or a batch runs them: 10
    ``eoscenefinder:search`` and 4 ``eoscenefinder:download`` runs (200 files) queued at once in
    one QGIS. Runs at once share the limits (the per-host peak is measured on each server)."""
    import processing
    from qgis.core import QgsProcessingAlgRunnerTask, QgsProcessingContext, QgsProcessingFeedback, QgsVectorLayer

    from eo_scene_finder.providers.download.engine import shared_limiter

    gauge = Gauge()
    servers = [ScriptedFileServer(download_files, host, gauge=gauge).start() for host in ("127.0.0.1", "127.0.0.2")]
    limiter = shared_limiter()
    beats, gaps = [time.monotonic()], []

    def beat():
        now = time.monotonic()
        gaps.append((now - beats[-1], now))
        beats.append(now)

    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(beat)
    registry = QgsApplication.processingRegistry()
    tasks, done, keep = [], {}, []
    try:
        sources = sorted((download_files / "many").glob("*.bin"))
        digests = {s.name: hashlib.sha256(s.read_bytes()).hexdigest() for s in sources}
        for server in servers:
            for src in sources:
                server.set_behaviour(f"/many/{src.name}", FileBehaviour(rate=2 * 1024 * 1024))
        catalog = _static_catalog(tmp_path / "catalog", servers, sources, digests)
        layer = processing.run("eoscenefinder:search", {"CONNECTION": str(catalog),
                                                        "OUTPUT": str(tmp_path / "load.gpkg")})["OUTPUT"]
        assert QgsVectorLayer(layer, "load", "ogr").featureCount() == 40
        # each download run reads its own copy of the search layer, as a batch over several
        # search outputs does: runs opening one GeoPackage from threads at once have deadlocked
        # inside QGIS's OGR connection pool (parameterAsSource, both threads idle) on this machine
        copies = []
        for n in range(4):
            copies.append(str(tmp_path / f"load{n}.gpkg"))
            shutil.copyfile(layer, copies[-1])
        runs = [("download", {"INPUT": copies[n], "ASSETS": keys, "OUTPUT_FOLDER": str(tmp_path / f"out{n}")})
                for n, keys in enumerate(("a0", "a1", "a2", "a3,a4"))]                     # 40+40+40+80 files
        runs += [("search", {"CONNECTION": pgstac_api.url, "COLLECTIONS": "sentinel-2-l2a",
                             "OUTPUT": str(tmp_path / f"search{n}.gpkg")}) for n in range(10)]
        # two downloads first (QGIS runs two tasks at a time here: they overlap), then the rest mixed
        runs = [runs[i] for i in (0, 1, 4, 5, 2, 6, 7, 3, 8, 9, 10, 11, 12, 13)]
        for n, (alg, params) in enumerate(runs):
            context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
            task = QgsProcessingAlgRunnerTask(registry.algorithmById(f"eoscenefinder:{alg}"), params,
                                              context, feedback)
            task.executed.connect(lambda ok, results, n=n, alg=alg: done.__setitem__(n, (alg, ok, results)))
            keep.append((context, feedback))
            tasks.append(task)
        started = time.monotonic()
        heartbeat.start()
        for task in tasks:
            QgsApplication.taskManager().addTask(task)
        deadline = time.monotonic() + 600
        while len(done) < len(tasks) and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.002)
        elapsed = time.monotonic() - started
        heartbeat.stop()
    finally:
        for server in servers:
            server.close()
    worst = sorted(gaps, reverse=True)[:5]
    longest = worst[0][0] if worst else 0.0
    searches = [r for alg, ok, r in done.values() if alg == "search"]
    downloads = [r for alg, ok, r in done.values() if alg == "download"]
    print("\nworst gaps (ms, at s):", [(round(g * 1000), round(t - started, 2)) for g, t in worst])
    print(f"\nprocessing load: 10 searches + 200 downloads in {elapsed:.1f} s; per-host peak "
          f"{max(s.max_active for s in servers)} (limit {limiter.per_host}), total peak {gauge.peak} "
          f"(limit {limiter.max_total}); longest GUI stall {longest * 1000:.0f} ms over {len(beats)} heartbeats")
    assert len(done) == len(tasks), f"{len(tasks) - len(done)} runs did not finish"
    assert all(ok for _alg, ok, _r in done.values())
    assert [QgsVectorLayer(r["OUTPUT"], "s", "ogr").featureCount() for r in searches] == [283] * 10
    assert sum(r["DOWNLOADED"] for r in downloads) == 200 and sum(r["FAILED"] for r in downloads) == 0
    assert max(s.max_active for s in servers) <= limiter.per_host and gauge.peak <= limiter.max_total
    assert longest < 4.0, f"the GUI stopped for {longest * 1000:.0f} ms"  # (see the test above)
