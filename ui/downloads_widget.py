"""The Downloads tab: every product or asset queued for download with its state (queued,
downloading n %, verifying, done, skipped as already present, failed with the reason,
offline), speed and time left; Cancel selected / Cancel all.

``DownloadsWidget.enqueue(jobs)`` starts a :class:`DownloadTask` in QGIS's task manager;
``download_scenes(provider, scenes, asset_keys, folder)`` builds the jobs in the task.
All tasks started from one widget share one :class:`HostLimiter`, so the global and
per-host limits hold across batches.
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, QUrl, pyqtSignal
from qgis.PyQt.QtGui import QColor, QDesktopServices
from qgis.PyQt.QtWidgets import (QAbstractItemView, QApplication, QCheckBox, QHBoxLayout, QHeaderView, QLabel,
                                 QPushButton, QStyle, QStyledItemDelegate, QStyleOptionProgressBar,
                                 QTableView, QVBoxLayout, QWidget)

from ..providers.download.jobs import CANCELLED, DONE, DOWNLOADING, FAILED, FINAL_STATES, OFFLINE, QUEUED, SKIPPED, UNVERIFIED, VERIFYING, DownloadJob, DownloadResult, ProgressEvent, asset_jobs
from ..providers.download.engine import DownloadEngine, HostLimiter
from ..providers.download.transfer import size_text
from ..providers.errors import EoSceneFinderError
from ..providers.model import Scene
from ..services.download_queue import DownloadQueue
from ..services.scene_layer import json_attributes
from ..services.tasks import TaskKeeper, task_keeper
from ..tasks.download_task import DownloadTask, duration_text, speed_text
from ..i18n import tr, tr_noop



PERCENT_ROLE = Qt.ItemDataRole.UserRole + 1
STATE_ROLE = Qt.ItemDataRole.UserRole + 2


@dataclass
class DownloadRow:
    """What the table shows for one job."""

    job: DownloadJob
    state: str = QUEUED
    done: int = 0
    total: Optional[int] = None
    speed: float = 0.0
    eta: Optional[float] = None
    message: str = ""
    path: Optional[str] = None
    verified_by: Optional[str] = None

    @property
    def percent(self) -> Optional[float]:
        if self.state in (DONE, SKIPPED):
            return 100.0
        if not self.total:
            return None
        return min(100.0, 100.0 * self.done / self.total)

    def state_text(self) -> str:
        """``downloading 42 %``, ``failed: <reason>``..."""
        if self.state == DOWNLOADING:
            pct = self.percent
            text = tr("downloading {pct} %").format(pct=int(pct)) if pct is not None else tr("downloading")
            return text + (f" — {self.message}" if self.message else "")
        if self.state == VERIFYING:
            return tr("verifying")
        if self.state == DONE:
            if self.verified_by in (None, "size"):
                return tr("done, not verified (no checksum published)")
            return tr("done")
        if self.state == SKIPPED:
            return tr("skipped: already present")
        if self.state == FAILED:
            return tr("failed: {message}").format(message=self.message)
        if self.state == OFFLINE:
            return tr("offline: {message}").format(
                message=self.message) if self.message else tr("offline (in the long-term archive)")
        if self.state == UNVERIFIED:
            return tr("not verified: {message}").format(message=self.message)
        if self.state == CANCELLED:
            return tr("cancelled (partial file kept)") if self.done else tr("cancelled")
        return tr("queued")


class DownloadsModel(QAbstractTableModel):
    """Rows of :class:`DownloadRow`, updated from :class:`ProgressEvent` s by job key."""

    NAME, STATE, PROGRESS, SIZE, SPEED, ETA, FILE = range(7)
    HEADERS = (tr_noop("Name"), tr_noop("State"), tr_noop("Progress"), tr_noop("Size"), tr_noop("Speed"),
               tr_noop("Time left"), tr_noop("File"))

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: List[DownloadRow] = []
        self._index: Dict[str, int] = {}

    # Qt API ------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return tr(self.HEADERS[section])
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.NAME:
                return row.job.label
            if col == self.STATE:
                return row.state_text()
            if col == self.PROGRESS:
                pct = row.percent
                return f"{pct:.0f} %" if pct is not None else ""
            if col == self.SIZE:
                return size_text(row.total) if row.total is not None else ""
            if col == self.SPEED:
                return speed_text(row.speed) if row.state == DOWNLOADING else ""
            if col == self.ETA:
                return duration_text(row.eta) if row.state == DOWNLOADING else ""
            if col == self.FILE:
                return row.path or row.job.dest_path
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [row.job.label, row.state_text(), row.path or row.job.dest_path]
            return "\n".join(x for x in lines if x)
        if role == Qt.ItemDataRole.ForegroundRole and col == self.STATE:
            if row.state == FAILED:
                return QColor("#b00020")
            if row.state in (OFFLINE, UNVERIFIED):
                return QColor("#a15c00")
        if role == PERCENT_ROLE:
            return row.percent
        if role == STATE_ROLE:
            return row.state
        return None

    # updates ------------------------------------------------------------------
    def add_jobs(self, jobs: Iterable[DownloadJob]) -> None:
        new = []
        for job in jobs:
            if job.key in self._index:  # the same file queued again: reuse its row
                r = self._index[job.key]
                self.rows[r] = DownloadRow(job, total=job.size)
                self._changed(r)
            else:
                new.append(job)
        if new:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for job in new:
                self._index[job.key] = len(self.rows)
                self.rows.append(DownloadRow(job, total=job.size))
            self.endInsertRows()

    def apply_many(self, events: List[ProgressEvent]) -> None:
        """Apply a batch of events with one ``dataChanged`` for the rows they touched."""
        touched = []
        for event in events:
            r = self._apply_event(event)
            if r is not None:
                touched.append(r)
        if touched:
            self.dataChanged.emit(self.index(min(touched), 0), self.index(max(touched), len(self.HEADERS) - 1))

    def apply(self, event: ProgressEvent) -> None:
        r = self._apply_event(event)
        if r is not None:
            self._changed(r)

    def _apply_event(self, event: ProgressEvent) -> Optional[int]:
        r = self._index.get(event.key)
        if r is None:
            return None
        row = self.rows[r]
        row.state = event.state
        row.done = event.done
        row.total = event.total if event.total is not None else row.total
        row.speed = event.speed
        row.eta = event.eta
        row.message = event.message
        if event.result is not None:
            self._apply_result(row, event.result)
        return r

    def apply_result(self, result: DownloadResult) -> None:
        r = self._index.get(result.job.key)
        if r is not None:
            self._apply_result(self.rows[r], result)
            self._changed(r)

    @staticmethod
    def _apply_result(row: DownloadRow, result: DownloadResult) -> None:
        row.state = result.state
        row.message = result.reason
        row.path = result.path or row.path
        row.verified_by = result.verified_by
        if result.size is not None:
            row.total = result.size
            row.done = result.size if (result.ok or result.state == UNVERIFIED) else row.done
        row.speed, row.eta = 0.0, None

    def remove_finished(self) -> None:
        keep = [row for row in self.rows if row.state not in FINAL_STATES]
        if len(keep) == len(self.rows):
            return
        self.beginResetModel()
        self.rows = keep
        self._index = {row.job.key: i for i, row in enumerate(self.rows)}
        self.endResetModel()

    def row_for_key(self, key: str) -> Optional[DownloadRow]:
        r = self._index.get(key)
        return self.rows[r] if r is not None else None

    def _changed(self, r: int) -> None:
        self.dataChanged.emit(self.index(r, 0), self.index(r, self.columnCount() - 1))


class ProgressBarDelegate(QStyledItemDelegate):
    """Draws the Progress column as a progress bar."""

    def paint(self, painter, option, index):
        pct = index.data(PERCENT_ROLE)
        if pct is None:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(2, 3, -2, -3)
        bar.minimum, bar.maximum = 0, 100
        bar.progress = int(pct)
        bar.text = f"{pct:.0f} %"
        bar.textVisible = True
        style = option.widget.style() if option.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


def _scene_jobs(provider, scenes: Iterable[Scene], keys: Optional[List[str]], folder: str,
                unpack: bool) -> "tuple[List[DownloadJob], List[str]]":
    """The download jobs of ``scenes`` and, for the scenes that cannot be downloaded, why."""
    jobs, problems = [], []
    for scene in scenes:
        try:
            jobs.extend(asset_jobs(scene, keys, folder, provider, unpack=unpack))
        except EoSceneFinderError as err:
            problems.append(f"{scene.id}: {err.user_message}")
    return jobs, problems


class DownloadsWidget(QWidget):
    """The Downloads tab. ``enqueue(jobs)`` starts a download task and lists its jobs.

    Its tasks are kept by ``keeper`` (default: the plugin's one task keeper, which cancels
    them on unload).
    ``downloadsFinished(list of DownloadResult)`` is emitted when a task ends.
    """

    downloadsFinished = pyqtSignal(object)

    def __init__(self, parent=None, *, max_total: int = 8, per_host: int = 4,
                 engine_factory: Optional[Callable[[HostLimiter], DownloadEngine]] = None,
                 keeper: Optional[TaskKeeper] = None, queue: Optional[DownloadQueue] = None,
                 open_connection: Optional[Callable[[str], object]] = None, speeds=None):
        """``speeds`` (a :class:`HostSpeeds`) records each transfer's throughput per host: the
        panel ranks a scene's sources by it."""
        super().__init__(parent)
        # batches on disk until they end, so a killed QGIS can resume them (services/download_queue)
        self.queue = queue if queue is not None else DownloadQueue()
        self.open_connection = open_connection
        self._batch_of: Dict[int, str] = {}  # id(task) -> batch id in the queue
        self._shutting_down = False
        self.limiter = HostLimiter(max_total, per_host)
        self.speeds = speeds
        self.engine_factory = engine_factory or (lambda limiter: DownloadEngine(
            max_workers=limiter.max_total, limiter=limiter, speeds=self.speeds))
        self.keeper = keeper or task_keeper()
        self.problems: List[str] = []  # scenes the last task could not download, and why

        self.model = DownloadsModel(self)
        self.view = QTableView(self)
        self.view.setObjectName("downloadsTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # ids differ at the end
        self.view.verticalHeader().setVisible(False)
        self.view.setItemDelegateForColumn(DownloadsModel.PROGRESS, ProgressBarDelegate(self.view))
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(DownloadsModel.NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DownloadsModel.STATE, QHeaderView.ResizeMode.Stretch)
        for col in (DownloadsModel.PROGRESS, DownloadsModel.SIZE, DownloadsModel.SPEED, DownloadsModel.ETA):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.view.setColumnHidden(DownloadsModel.FILE, True)
        self.view.doubleClicked.connect(self._open_folder_of)

        self.summary = QLabel(tr("No downloads yet."), self)
        self.summary.setObjectName("downloadsSummary")
        self.summary.setWordWrap(True)
        self.cancel_selected_button = QPushButton(tr("Cancel selected"), self)
        self.cancel_all_button = QPushButton(tr("Cancel all"), self)
        self.clear_button = QPushButton(tr("Clear finished"), self)
        self.open_button = QPushButton(tr("Open folder"), self)
        self.unpack_check = QCheckBox(tr("Unpack archives"), self)
        self.unpack_check.setObjectName("downloadsUnpack")
        self.unpack_check.setToolTip(tr("Extract product archives (.zip) next to them once verified"))
        self.cancel_selected_button.setToolTip(tr("Stop the selected downloads; partial files are kept "
                                                  "and resume next time"))
        self.cancel_all_button.setToolTip(tr("Stop every running download; partial files are kept"))
        self.cancel_selected_button.clicked.connect(self.cancel_selected)
        self.cancel_all_button.clicked.connect(self.cancel_all)
        self.clear_button.clicked.connect(self.model.remove_finished)
        self.open_button.clicked.connect(lambda: self._open_folder_of(self.view.currentIndex()))

        buttons = QHBoxLayout()
        for b in (self.cancel_selected_button, self.cancel_all_button, self.clear_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.unpack_check)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # what a service says before its downloads start (requester-pays buckets: who pays)
        self.notice = QLabel("", self)
        self.notice.setObjectName("downloadsNotice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        layout.addWidget(self._build_interrupted_bar())
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        # the summary counts every row: recomputed at most every 150 ms, not per progress event
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(150)
        self._summary_timer.timeout.connect(self._update_summary)
        for signal in (self.model.dataChanged, self.model.rowsInserted, self.model.modelReset):
            signal.connect(lambda *_a: self._summary_timer.isActive() or self._summary_timer.start())

    # ------------------------------------------------------------------ public
    def enqueue(self, jobs: Iterable[DownloadJob], description: Optional[str] = None) -> Optional[DownloadTask]:
        """Start downloading ``jobs`` (in a new task); return the task (None if no jobs)."""
        jobs = list(jobs)
        if not jobs:
            return None
        self.model.add_jobs(jobs)
        return self._start(DownloadTask(jobs, self.engine_factory(self.limiter), description))

    def _start(self, task: DownloadTask) -> DownloadTask:
        task.jobsProgress.connect(self.model.apply_many)
        task.downloadsFinished.connect(lambda results, t=task: self._task_finished(t, results))
        self.keeper.start(task, owner=self)
        return task

    # ------------------------------------------------------------------ interrupted downloads
    def _build_interrupted_bar(self) -> QWidget:
        self.interrupted = self.queue.batches()
        self.interrupted_bar = QWidget(self)
        self.interrupted_bar.setObjectName("downloadsInterrupted")
        row = QHBoxLayout(self.interrupted_bar)
        row.setContentsMargins(0, 0, 0, 0)
        self.interrupted_label = QLabel(self.interrupted_bar)
        self.interrupted_label.setWordWrap(True)
        self.resume_button = QPushButton(tr("Resume"), self.interrupted_bar)
        self.resume_button.setObjectName("downloadsResume")
        self.resume_button.clicked.connect(self.resume_interrupted)
        forget = QPushButton(tr("Forget"), self.interrupted_bar)
        forget.setObjectName("downloadsForget")
        forget.setToolTip(tr("Do not resume them (their partial files stay in the folder)"))
        forget.clicked.connect(self.forget_interrupted)
        row.addWidget(self.interrupted_label, 1)
        row.addWidget(self.resume_button)
        row.addWidget(forget)
        count = sum(len(b.get("records") or []) for b in self.interrupted)
        self.interrupted_label.setText(tr("Downloads of {count} scene(s) were interrupted when QGIS last closed; "
                                          "they resume where they stopped.").format(count=count))
        self.interrupted_bar.setVisible(bool(self.interrupted))
        return self.interrupted_bar

    def forget_interrupted(self) -> None:
        for batch in self.interrupted:
            self.queue.remove(batch["id"])
        self.interrupted = []
        self.interrupted_bar.setVisible(False)

    def resume_interrupted(self) -> List[DownloadTask]:
        """Queue the interrupted batches again (each file resumes from its ``.part``)."""
        from ..services.providers import open_connection

        opener = self.open_connection or open_connection
        tasks = []
        for batch in self.interrupted:
            def build(batch=batch):
                provider = opener(batch["connection"])
                scenes, problems = [], []
                for record in batch["records"]:
                    try:
                        scenes.append(provider.scene_from_record(record))
                    except EoSceneFinderError as err:
                        problems.append(err.user_message)
                jobs, failed = _scene_jobs(provider, scenes, batch.get("keys"), batch["folder"],
                                           bool(batch.get("unpack")))
                return jobs, problems + failed

            description = tr("Resuming {label}").format(label=batch.get("label") or batch["connection"])
            task = DownloadTask(None, self.engine_factory(self.limiter), description, job_builder=build)
            task.jobsReady.connect(self.model.add_jobs)
            self._batch_of[id(task)] = batch["id"]
            tasks.append(self._start(task))
        self.interrupted = []
        self.interrupted_bar.setVisible(False)
        return tasks

    def download_scenes(self, provider, scenes: Iterable[Scene], asset_keys: Optional[Iterable[str]],
                        folder: str, unpack: Optional[bool] = None,
                        connection_text: Optional[str] = None) -> DownloadTask:
        """Download ``asset_keys`` (None: the data assets) of ``scenes`` into
        ``<folder>/<collection>/<scene id>/``. Jobs are built in the task (resolving or
        signing hrefs may use the network); scenes that cannot be downloaded are reported."""
        scenes = list(scenes)
        keys = list(asset_keys) if asset_keys is not None else None
        unpack = self.unpack_check.isChecked() if unpack is None else unpack
        notice = getattr(provider, "download_notice", None)
        if callable(notice) and notice():
            self.notice.setText("⚠ " + notice())
            self.notice.setVisible(True)

        batch_id = uuid.uuid4().hex if connection_text else None

        def build():
            if batch_id is not None:  # on disk before the first byte; the records are read here, off the GUI thread
                records = [json.loads(json_attributes(scene)[1]) for scene in scenes]  # unsigned
                self.queue.add(connection_text, records, keys, folder, unpack, description, batch_id=batch_id)
            return _scene_jobs(provider, scenes, keys, folder, unpack)

        count = len(scenes)
        description = (tr("Downloading {count} scenes").format(count=count) if count != 1
                       else tr("Downloading {scene}").format(scene=scenes[0].id if scenes else ""))
        task = DownloadTask(None, self.engine_factory(self.limiter), description, job_builder=build)
        task.jobsReady.connect(self.model.add_jobs)
        if batch_id is not None:
            self._batch_of[id(task)] = batch_id
        return self._start(task)

    def set_limits(self, max_total: int, per_host: int) -> None:
        """Limits for downloads started from now on."""
        self.limiter = HostLimiter(max_total, per_host)

    def cancel_selected(self) -> None:
        rows = {index.row() for index in self.view.selectionModel().selectedRows()}
        for r in rows:
            self.model.rows[r].job.cancel()

    def cancel_all(self) -> None:
        for row in self.model.rows:
            if row.state not in FINAL_STATES:
                row.job.cancel()
        self.keeper.cancel(owner=self)

    def shutdown(self) -> None:
        """Cancel everything (plugin unload); the unfinished batches stay queued on disk and
        are offered again at the next start."""
        self._shutting_down = True
        self.cancel_all()

    @property
    def tasks(self) -> List[DownloadTask]:
        """The download tasks still running."""
        return self.keeper.running(owner=self)

    def running(self) -> bool:
        return bool(self.tasks)

    # ------------------------------------------------------------------ internals
    def _task_finished(self, task: DownloadTask, results: List[DownloadResult]) -> None:
        batch_id = self._batch_of.pop(id(task), None)
        if batch_id is not None and not self._shutting_down:
            self.queue.remove(batch_id)  # ended (done, failed or cancelled by the user)
        for result in results:
            self.model.apply_result(result)
        self.problems = list(task.problems) + ([str(task.error)] if task.error is not None else [])
        self._update_summary()
        self.downloadsFinished.emit(results)

    def _update_summary(self, *args) -> None:
        rows = self.model.rows
        problems = ""
        if self.problems:
            problems = "\n" + tr("Not downloaded: {problems}").format(problems="; ".join(self.problems))
        if not rows:
            self.summary.setText(tr("No downloads yet.") + problems)
            return
        counts: Dict[str, int] = {}
        for row in rows:
            counts[row.state] = counts.get(row.state, 0) + 1
        active = counts.get(DOWNLOADING, 0) + counts.get(VERIFYING, 0)
        parts = []
        labels = ((DOWNLOADING, tr("downloading")), (QUEUED, tr("queued")), (DONE, tr("done")),
                  (SKIPPED, tr("already present")), (UNVERIFIED, tr("not verified")), (FAILED, tr("failed")),
                  (OFFLINE, tr("offline")),
                  (CANCELLED, tr("cancelled")))
        for state, label in labels:
            n = counts.get(state, 0) + (counts.get(VERIFYING, 0) if state == DOWNLOADING else 0)
            if n:
                parts.append(f"{n} {label}")
        text = " · ".join(parts)
        if active:
            speed = sum(row.speed for row in rows if row.state == DOWNLOADING)
            left = [row for row in rows if row.state not in FINAL_STATES]
            remaining = sum(max(0, (row.total or 0) - row.done) for row in left)
            if speed > 0:
                text += f" — {speed_text(speed)}"
                if all(row.total is not None for row in left):
                    eta = max([remaining / speed] + [row.eta for row in left if row.eta is not None])
                    text += " · " + tr("{duration_text} left").format(duration_text=duration_text(eta))
        self.summary.setText(text + problems)
        self.cancel_all_button.setEnabled(any(row.state not in FINAL_STATES for row in rows))

    def _open_folder_of(self, index) -> None:
        if not index.isValid():
            return
        row = self.model.rows[index.row()]
        target = row.path or row.job.dest_path
        folder = target if os.path.isdir(target) else os.path.dirname(target)
        if os.path.isdir(folder):
            QDesktopServices.openUrl(QUrl.fromLocalFile(folder))
