"""The download task in QGIS's task manager and the Downloads tab, against nginx on loopback.
Waiting is done with a QEventLoop that quits on the task's own signals."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import QEventLoop, QItemSelectionModel, QTimer

from eo_scene_finder.providers.download.jobs import CANCELLED, DONE, DOWNLOADING, FAILED, OFFLINE, SKIPPED, UNVERIFIED, DownloadJob
from eo_scene_finder.providers.download.engine import DownloadEngine
from eo_scene_finder.providers.model import Asset, Checksum, Scene
from eo_scene_finder.tasks.download_task import DownloadTask
from eo_scene_finder.ui.downloads_widget import DownloadsModel, DownloadsWidget

MiB = 1024 * 1024


def sha256(path: Path) -> Checksum:
    return Checksum("sha256", hashlib.sha256(Path(path).read_bytes()).hexdigest())


def wait_for(signal, timeout_ms: int = 30000) -> None:
    """Run the event loop until ``signal`` fires; fail after ``timeout_ms``."""
    loop = QEventLoop()
    fired = []
    signal.connect(lambda *args: (fired.append(args), loop.quit()))
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(loop.quit)
    timer.start(timeout_ms)
    loop.exec()
    timer.stop()
    assert fired, "timed out waiting for the task"


@pytest.fixture
def task_manager(qgis_app):
    manager = QgsApplication.taskManager()
    yield manager
    manager.cancelAll()


def test_task_downloads_through_the_task_manager_and_reports_progress(task_manager, nginx_downloads,
                                                                     download_files, tmp_path):
    srcs = [download_files / "medium.bin", download_files / "small.bin"]
    jobs = [DownloadJob(f"{nginx_downloads.url}/slow/{s.name}", str(tmp_path / s.name), checksum=sha256(s))
            for s in srcs]
    task = DownloadTask(jobs, DownloadEngine())
    progress, events, descriptions = [], [], []
    task.progressChanged.connect(progress.append)
    task.progressChanged.connect(lambda _p: descriptions.append(task.description()))
    task.jobProgress.connect(events.append)
    finished = []
    task.downloadsFinished.connect(finished.append)

    task_manager.addTask(task)
    wait_for(task.taskCompleted)

    assert [r.state for r in finished[0]] == [DONE, DONE]
    assert all((tmp_path / s.name).read_bytes() == s.read_bytes() for s in srcs)
    assert any(0 < p < 100 for p in progress) and progress[-1] == pytest.approx(100)
    assert any(e.state == DOWNLOADING and e.speed > 0 for e in events)
    assert any("/s" in d and "left" in d for d in descriptions), descriptions[-3:]


def test_cancelling_the_task_stops_it_and_keeps_the_partial_file(task_manager, nginx_downloads, tmp_path):
    job = DownloadJob(f"{nginx_downloads.url}/crawl/large.bin", str(tmp_path / "large.bin"))
    task = DownloadTask([job], DownloadEngine())
    task.jobProgress.connect(lambda e: task.cancel() if e.done >= 256 * 1024 else None)
    finished = []
    task.downloadsFinished.connect(finished.append)

    task_manager.addTask(task)
    wait_for(task.taskTerminated)

    assert [r.state for r in finished[0]] == [CANCELLED]
    assert Path(job.part_path).stat().st_size >= 256 * 1024
    assert not Path(job.dest_path).exists()


def test_downloads_tab_shows_each_state_and_cancels_one(task_manager, qgis_app, nginx_downloads, download_files,
                                                        tmp_path):
    widget = DownloadsWidget()
    widget.resize(900, 300)
    widget.show()
    good = DownloadJob(f"{nginx_downloads.url}/small.bin", str(tmp_path / "small.bin"),
                       checksum=sha256(download_files / "small.bin"), label="good")
    missing = DownloadJob(f"{nginx_downloads.url}/no-such-file.bin", str(tmp_path / "missing.bin"), label="missing")
    archived = DownloadJob(f"{nginx_downloads.url}/small.bin", str(tmp_path / "archived.zip"), offline=True,
                           label="archived", order_hint="Order it from the CDSE browser.")
    slow = DownloadJob(f"{nginx_downloads.url}/crawl/large.bin", str(tmp_path / "large.bin"), label="slow")
    wrong = DownloadJob(f"{nginx_downloads.url}/small.bin", str(tmp_path / "wrong.bin"),
                        checksum=sha256(download_files / "medium.bin"), label="wrong")  # never matches
    plain = DownloadJob(f"{nginx_downloads.url}/small.bin", str(tmp_path / "plain.bin"), label="plain")

    def cancel_slow_via_the_table(event):
        if event.key == slow.key and event.state == DOWNLOADING and event.done > 0:
            row = [r.job.key for r in widget.model.rows].index(slow.key)
            widget.view.selectionModel().select(
                widget.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            widget.cancel_selected_button.click()

    task = widget.enqueue([good, missing, archived, slow, wrong, plain])
    task.jobProgress.connect(cancel_slow_via_the_table)
    assert widget.model.rowCount() == 6
    wait_for(widget.downloadsFinished)

    states = {row.job.label: row.state for row in widget.model.rows}
    assert states == {"good": DONE, "missing": FAILED, "archived": OFFLINE, "slow": CANCELLED,
                      "wrong": UNVERIFIED, "plain": DONE}
    texts = {row.job.label: widget.model.index(i, DownloadsModel.STATE).data()
             for i, row in enumerate(widget.model.rows)}
    assert texts["good"] == "done"
    assert texts["missing"].startswith("failed:") and "does not exist" in texts["missing"]
    assert texts["archived"].startswith("offline:") and "CDSE browser" in texts["archived"]
    assert texts["slow"] == "cancelled (partial file kept)"
    assert texts["wrong"].startswith("not verified:") and "wrong.bin.unverified" in texts["wrong"]
    assert texts["plain"] == "done, not verified (no checksum published)"
    summary = widget.summary.text()
    assert "2 done" in summary and "1 failed" in summary and "1 not verified" in summary

    # the same files again: the verified one is skipped at no cost
    widget.enqueue([DownloadJob(good.url, good.dest_path, checksum=good.checksum, label="good")])
    wait_for(widget.downloadsFinished)
    row = widget.model.row_for_key(good.key)
    assert row.state == SKIPPED and widget.model.rowCount() == 6
    widget.model.remove_finished()
    assert widget.model.rowCount() == 0
    widget.close()


def test_downloads_tab_downloads_scenes_from_a_provider(task_manager, nginx_downloads, download_files, tmp_path):
    class Provider:  # the provider API the tab uses (resolving is done in the task)
        def resolve_href(self, href):
            return href.replace("catalog://", nginx_downloads.url + "/")

        def request_headers(self, url):
            return {}

    small, medium = download_files / "small.bin", download_files / "medium.bin"
    scene = Scene(id="S2B_T31TFJ_20230115T103411_L2A", collection="sentinel-2-c1-l2a", datetime=None,
                  geometry=None, bbox=None, assets={
                      "red": Asset("red", "catalog://small.bin", roles=("data",), checksum=sha256(small)),
                      "nir": Asset("nir", "catalog://medium.bin", roles=("data",), checksum=sha256(medium)),
                      "thumbnail": Asset("thumbnail", "catalog://small.bin", roles=("thumbnail",))})
    other = Scene(id="S2B_T31TFK_20230115T103411_L2A", collection="sentinel-2-c1-l2a", datetime=None,
                  geometry=None, bbox=None, assets={})
    widget = DownloadsWidget()

    widget.download_scenes(Provider(), [scene, other], None, str(tmp_path))
    wait_for(widget.downloadsFinished)

    assert {row.job.label: row.state for row in widget.model.rows} == {
        f"{scene.id} · red": DONE, f"{scene.id} · nir": DONE}
    folder = tmp_path / "sentinel-2-c1-l2a" / scene.id
    assert sorted(p.name for p in folder.iterdir()) == ["medium.bin", "small.bin"]
    assert widget.problems == [] and "2 done" in widget.summary.text()

    widget.download_scenes(Provider(), [other], ["red"], str(tmp_path))
    wait_for(widget.downloadsFinished)
    assert len(widget.problems) == 1 and "has no asset" in widget.problems[0]
    assert "Not downloaded" in widget.summary.text()
    widget.close()


def test_task_flags_allow_cancelling(qgis_app, tmp_path):
    task = DownloadTask([DownloadJob("http://127.0.0.1:9/x", str(tmp_path / "x"))])
    assert task.canCancel() and task.flags() & QgsTask.Flag.CanCancel
