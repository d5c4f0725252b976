"""The QgsTask that runs the download engine inside QGIS.

QGIS's task manager shows the overall progress, and the task's description says how many
files are done, the speed and the time left. ``jobProgress`` carries every job's progress
(a :class:`ProgressEvent`) to the Downloads tab; ``downloadsFinished`` hands the plain
results over on the main thread.
"""
from __future__ import annotations

import queue
import threading
from typing import Callable, Iterable, List, Optional, Tuple

from qgis.core import Qgis, QgsMessageLog, QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from ..providers.download.jobs import CANCELLED, DONE, FAILED, OFFLINE, SKIPPED, UNVERIFIED, DownloadJob, DownloadResult, ProgressEvent, summarize
from ..providers.download.engine import DownloadEngine
from ..providers.download.transfer import size_text
from ..providers.errors import EoSceneFinderError
from ..i18n import tr

LOG_TAG = "EO Scene Finder"



def duration_text(seconds: Optional[float]) -> str:
    """``45 s``, ``3 min``, ``1 h 05 min``; empty when unknown."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s" if seconds < 600 else f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def speed_text(bytes_per_second: float) -> str:
    return f"{size_text(bytes_per_second)}/s" if bytes_per_second > 0 else ""


class DownloadTask(QgsTask):
    """Downloads ``jobs`` with a :class:`DownloadEngine` in the background.

    Network work happens in ``run()`` (engine threads); ``finished()`` emits
    ``downloadsFinished(list of DownloadResult)`` on the main thread. ``cancel()`` stops
    everything (partial files stay for a resume); ``cancel_job(key)`` stops one file.
    """

    jobProgress = pyqtSignal(object)  # ProgressEvent
    jobsProgress = pyqtSignal(list)   # the ProgressEvents that queued up together (one GUI wake-up)
    jobsReady = pyqtSignal(object)  # List[DownloadJob], once built (job_builder)
    downloadsFinished = pyqtSignal(object)  # List[DownloadResult]

    def __init__(self, jobs: Optional[Iterable[DownloadJob]] = None, engine: Optional[DownloadEngine] = None,
                 description: Optional[str] = None,
                 job_builder: Optional[Callable[[], Tuple[List[DownloadJob], List[str]]]] = None):
        """``job_builder`` (instead of ``jobs``) makes the jobs in the background, where
        resolving or signing hrefs may use the network; it returns (jobs, problems)."""
        self.jobs: List[DownloadJob] = list(jobs or [])
        self.job_builder = job_builder
        self.problems: List[str] = []
        count = len(self.jobs)
        if description:
            self.title = description
        elif job_builder is not None or count != 1:
            self.title = tr("Downloading {count} files").format(
                count=count) if job_builder is None else tr("Downloading")
        else:
            self.title = tr("Downloading {label}").format(label=self.jobs[0].label)
        super().__init__(self.title, QgsTask.Flag.CanCancel)
        self.engine = engine or DownloadEngine()
        self.results: List[DownloadResult] = []
        self.error: Optional[BaseException] = None
        self.last_event: Optional[ProgressEvent] = None
        self._cancel_event = threading.Event()

    # ------------------------------------------------------------------ QgsTask
    def run(self) -> bool:  # background thread
        if self.job_builder is not None:
            try:
                self.jobs, self.problems = self.job_builder()
            except Exception as err:  # noqa: BLE001 - reported in finished()
                self.error = err if isinstance(err, EoSceneFinderError) else EoSceneFinderError(
                    tr("Could not prepare the downloads: {err}").format(err=err))
                return False
            self.jobsReady.emit(list(self.jobs))
        events: "queue.SimpleQueue[Optional[ProgressEvent]]" = queue.SimpleQueue()

        def download():
            try:
                self.results = self.engine.run(self.jobs, events.put, self._cancel_event)
            except BaseException as err:  # noqa: BLE001 - reported in finished()
                self.error = err
            finally:
                events.put(None)

        worker = threading.Thread(target=download, name="eosf-download-task", daemon=True)
        worker.start()
        while True:
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                event = False
            if self.isCanceled():
                self._cancel_event.set()
            if event is None:
                break
            if event is False:
                continue
            batch = [event]
            while True:  # coalesce what queued up meanwhile into one task-manager update
                try:
                    more = events.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    events.put(None)
                    break
                batch.append(more)
            self.jobsProgress.emit(batch)
            if self.receivers(self.jobProgress):
                for item in batch:
                    self.jobProgress.emit(item)
            self._show(batch[-1])
        worker.join()
        return self.error is None and not self._cancel_event.is_set()

    def cancel(self) -> None:
        self._cancel_event.set()
        super().cancel()

    def finished(self, result: bool) -> None:  # main thread
        if self.error is not None:
            QgsMessageLog.logMessage(tr("Download task failed: {error}").format(
                error=self.error), LOG_TAG, Qgis.Critical)
        for problem in self.problems:
            QgsMessageLog.logMessage(tr("Not downloaded: {problem}").format(problem=problem), LOG_TAG, Qgis.Warning)
        counts = summarize(self.results)
        if self.results:
            parts = [f"{counts[s]} {s}" for s in (DONE, SKIPPED, UNVERIFIED, FAILED, OFFLINE, CANCELLED)
                     if counts.get(s)]
            QgsMessageLog.logMessage(tr("Downloads finished: {parts}").format(parts=", ".join(parts)), LOG_TAG,
                                     Qgis.Warning if counts.get(FAILED) or counts.get(UNVERIFIED) else Qgis.Info)
            for res in self.results:
                if res.state in (FAILED, UNVERIFIED):
                    QgsMessageLog.logMessage(f"{res.job.label}: {res.reason}", LOG_TAG, Qgis.Warning)
        self.downloadsFinished.emit(list(self.results))

    # ------------------------------------------------------------------ helpers
    def cancel_job(self, key: str) -> None:
        """Stop one file; the others go on."""
        for job in self.jobs:
            if job.key == key:
                job.cancel()

    def _show(self, event: ProgressEvent) -> None:
        self.last_event = event
        percent = event.overall_percent
        if percent is None:
            percent = 100.0 * event.files_finished / max(1, event.files_total)
        self.setProgress(percent)
        parts = [tr("{files_finished} of {files_total} files").format(
            files_finished=event.files_finished, files_total=event.files_total)]
        if event.overall_total:
            parts.append(f"{size_text(event.overall_done)} / {size_text(event.overall_total)}")
        if event.overall_speed > 0:
            parts.append(speed_text(event.overall_speed))
        if event.overall_eta is not None and event.files_finished < event.files_total:
            parts.append(tr("{duration_text} left").format(duration_text=duration_text(event.overall_eta)))
        if event.state not in (DONE, SKIPPED, FAILED, OFFLINE, CANCELLED, UNVERIFIED) and event.total:
            parts.append(f"{event.label} {event.percent:.0f} %")
        self.setDescription(f"{self.title} — " + " · ".join(parts))
