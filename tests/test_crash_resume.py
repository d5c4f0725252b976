"""A QGIS killed (SIGKILL) in the middle of a panel download: at the next start the Downloads
tab offers the interrupted downloads, resumes them on request from their ``.part``, and the
bytes sent twice stay within one read buffer (real qgis.bin under Xvfb, the plugin from the
release zip, nginx throttled so the kill lands mid-transfer)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.qgis_window

READ_BUFFER = 1 << 20  # the download engine's read size (DownloadEngine.chunk_size)

COMMON = r'''
import glob, os, signal, time
import qgis.utils


def open_dock():
    return qgis.utils.plugins["eo_scene_finder"].show_dock()
'''

DOWNLOAD_THEN_DIE = COMMON + r'''
def scenario():
    R = harness.result
    dock = open_dock()
    yield (lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30000)  # the demo first
    from eo_scene_finder.providers.connections import resolve_connection
    conn = resolve_connection("static+" + os.environ["EOSF_CATALOG_URL"])
    dock._connections[conn.name] = conn
    dock.connection_combo.addItem(conn.name, conn.name)
    dock.select_connection(conn.name)
    dock.use_dates.setChecked(False)
    dock.start_search()
    yield (lambda: dock.search_task is None and dock.results_model.rowCount() == 1, 30000)
    folder = os.environ["EOSF_DOWNLOADS"]
    dock.download_scenes(dock.results_model.scenes(), ["data"], folder)
    part = lambda: glob.glob(os.path.join(folder, "**", "*.part"), recursive=True)
    yield (lambda: part() and os.path.getsize(part()[0]) > 2 * 1024 * 1024, 60000)
    R["part_before_kill"] = os.path.getsize(part()[0])
    harness.write()
    os.kill(os.getpid(), signal.SIGKILL)  # no unload, no clean-up: a crash
'''

RESUME = COMMON + r'''
def scenario():
    R = harness.result
    dock = open_dock()
    widget = dock.downloads_widget
    R["offered"] = widget.interrupted_bar.isVisibleTo(widget)
    R["interrupted"] = len(widget.interrupted)
    R["label"] = widget.interrupted_label.text()
    widget.resume_interrupted()
    # the rows show "done" from the progress events; the batch leaves the on-disk queue when its
    # task ends, a moment later: wait for both (a timeout leaves the batch counted below)
    done = lambda: widget.model.rows and all(r.state in ("done", "failed", "cancelled") for r in widget.model.rows) \
        and not widget.queue.batches()
    yield (done, 90000)
    R["states"] = [r.state for r in widget.model.rows]
    R["left_in_queue"] = len(widget.queue.batches())
'''


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def throttled_catalog(tmp_path, nginx_server, download_files):
    """A one-item static catalog on nginx whose asset is 12 MiB served at 512 kB/s."""
    from fixtures.download_servers import download_locations

    root = tmp_path / "www"
    root.mkdir()
    for name in ("large.bin",):
        (root / name).write_bytes((download_files / name).read_bytes())
    server = nginx_server(root, download_locations(root, "http://127.0.0.1:9/"))
    item = {"type": "Feature", "stac_version": "1.0.0", "id": "CRASH-TEST-SCENE", "collection": "crash",
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]},
            "bbox": [0, 0, 1, 1], "properties": {"datetime": "2023-05-01T10:00:00Z"}, "links": [],
            "assets": {"data": {"href": f"{server.url}/crawl/large.bin", "type": "application/octet-stream",
                                "roles": ["data"], "file:size": (root / "large.bin").stat().st_size}}}
    (root / "item.json").write_text(json.dumps(item))
    (root / "catalog.json").write_text(json.dumps({
        "type": "Catalog", "stac_version": "1.0.0", "id": "crash", "description": "crash test",
        "links": [{"rel": "item", "href": "./item.json"}]}))
    return server, root / "large.bin"


def test_a_killed_qgis_resumes_its_downloads_at_the_next_start(qgis_profile_factory, run_qgis_window,
                                                               throttled_catalog, tmp_path):
    server, source = throttled_catalog
    downloads = tmp_path / "downloads"
    profile = qgis_profile_factory("crash-resume")
    env = {"EOSF_CATALOG_URL": f"{server.url}/catalog.json", "EOSF_DOWNLOADS": str(downloads)}
    server.clear_log()
    first = run_qgis_window(DOWNLOAD_THEN_DIE, profile.root, "crash-resume-1", env=env, timeout=150)
    assert first.returncode == -9 or first.returncode == 137, first.describe()
    assert first.result.get("part_before_kill", 0) > 2 * 1024 * 1024, first.describe()
    final = downloads / "crash" / "CRASH-TEST-SCENE" / "large.bin"
    assert not final.exists()                                  # nothing under the final name yet

    second = run_qgis_window(RESUME, profile.root, "crash-resume-2", env=env, timeout=150)
    r = second.result
    assert r.get("finished") and not second.python_errors(), second.describe()
    assert r["offered"] and r["interrupted"] == 1 and "interrupted" in r["label"], r
    assert r["states"] == ["done"] and r["left_in_queue"] == 0, r
    assert _sha256(final) == _sha256(source)
    logged = [q for q in server.requests() if q.uri == "/crawl/large.bin"]
    assert len(logged) == 2 and logged[1].range.startswith("bytes="), [(q.status, q.range) for q in logged]
    resent = sum(q.body_bytes_sent for q in logged) - source.stat().st_size
    print(f"\ncrash resume: killed at {first.result['part_before_kill']:,} bytes on disk, "
          f"{resent:,} bytes sent twice (read buffer {READ_BUFFER:,})")
    assert resent <= READ_BUFFER, f"{resent} bytes sent twice"
