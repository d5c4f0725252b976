"""Load: 10 searches (the panel's search tasks on the real stac-fastapi-pgstac) and 200 downloads
queued at once in the panel's Downloads tab, from two hosts. The downloads stay within the
per-host and total limits, every search and download finishes, and the GUI thread keeps
beating (the longest gap of a 10 ms heartbeat is printed: the README's "longest GUI stall
under load").

QGIS runs two tasks at a time on a 2-core machine, so the searches go two by two and the
downloads' task starts after them."""
from __future__ import annotations

import hashlib
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
    assert longest[0] < 2.0, f"the GUI stopped for {longest[0] * 1000:.0f} ms"
