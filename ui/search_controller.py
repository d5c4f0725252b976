"""The life of a search in the dock: the background task, pages streaming into the results
table and the footprints layer, progress, cancel, the final report, and the garbage
collector's pause while scenes pour in."""
from __future__ import annotations

import functools
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, List, Optional

from qgis.core import Qgis
from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

from ..providers.errors import EoSceneFinderError
from ..providers.model import SearchRequest
from ..providers.net import jsonstream
from ..services.log import log_message
from ..services.tasks import TaskKeeper
from ..tasks.search_task import SearchTask, release_results
from ..i18n import tr

_BUILD_HERE = object()  # a page without prepared footprints (built on the GUI thread)
# GUI-thread work per event-loop turn while rows pour in (a frame at 60 Hz is 16 ms): batches
# are sized from what the last ones cost per row, so a turn stays within it whatever a row
# costs here (a slow machine, a sorted table, many footprints) and fills fast where rows are cheap
TURN_SECONDS = 0.004
ROWS_PER_BATCH = 100  # at most, rows added to the table at once
MIN_ROWS_PER_BATCH = 5


@dataclass
class SearchOutcome:
    """How a search ended, copied off its task (which the task manager deletes)."""

    error: Optional[EoSceneFinderError]
    cancelled: bool
    more: bool
    truncated: bool
    matched: Optional[int]
    limit: Optional[int]
    warnings: List[str]


class SearchController(QObject):
    """Runs one search at a time for the dock (a new one replaces the running one).

    Pages go into ``results_model`` and ``footprints`` by slices, one per event-loop turn,
    so a page of 1,000 scenes never freezes QGIS; the search is reported once every row is
    in. ``statusChanged(text, is_error)`` and ``failed(error, context)`` say what to tell
    the user, ``runningChanged(running)`` when the Search/Cancel buttons change,
    ``scenesFound(count)`` when a search ended with scenes (before its status)."""

    statusChanged = pyqtSignal(str, bool)
    failed = pyqtSignal(object, str)
    runningChanged = pyqtSignal(bool)
    scenesFound = pyqtSignal(int)
    progressChanged = pyqtSignal(float, float, str)  # done, total (0: unknown), what it counts

    def __init__(self, results_model, footprints, keeper: TaskKeeper, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.results_model = results_model
        self.footprints = footprints
        self.keeper = keeper
        self.search_task: Optional[SearchTask] = None
        self._pending_scenes = deque()
        self._pending_features = deque()  # the footprint of each pending scene, built in the task
        self._pending_more = False
        self._progress_text = ""
        self._finish_after_rows: Optional[SearchOutcome] = None
        self._row_cost = 0.0  # seconds per row of the last batches (0: not measured yet)
        self._row_pump = QTimer(self)
        self._row_pump.setInterval(0)
        self._row_pump.timeout.connect(self._pump_rows)

    # ------------------------------------------------------------------ public
    def start(self, label: str, open_provider: Callable[[], object], request: SearchRequest) -> SearchTask:
        """Search ``request`` with the provider ``open_provider()`` gives (called in the task);
        the previous results are cleared and a running search is cancelled."""
        self.cancel()
        self._drop_pending_rows()
        self._progress_text = ""
        self.results_model.clear()
        self.footprints.clear()
        release_results()  # after the old scenes are gone: see release_results
        # footprints are built in the task; the connection's name for Processing is read here
        texts = {label: self.footprints.connection_text(label)}
        task = SearchTask(tr("EO Scene Finder: search {label}").format(label=label), open_provider, request,
                          prepare=functools.partial(self.footprints.prepare_features, connection_texts=texts))
        task.pageReady.connect(self._page_arrived)
        task.searchFinished.connect(self._search_finished)
        self.search_task = task
        self.runningChanged.emit(True)
        self.statusChanged.emit(tr("Searching {label}…").format(label=label), False)
        self.keeper.start(task, owner=self)
        return task

    def cancel(self) -> None:
        """Ask the running search to stop (it reports “cancelled” with what it found)."""
        task = self.search_task
        if task is not None:
            try:
                task.cancel()
            except RuntimeError:  # already deleted by the task manager
                pass

    def shutdown(self) -> None:
        """Stop everything without reporting (the dock is going away)."""
        self._drop_pending_rows()
        self.keeper.cancel(owner=self, silence=True)
        self.search_task = None

    # ------------------------------------------------------------------ streaming
    def _page_arrived(self, page) -> None:
        if self.sender() is not self.search_task:
            return  # a page from a search that was replaced
        self._pending_scenes.extend(page.scenes)
        prepared = getattr(page, "prepared", None)
        self._pending_features.extend(prepared if prepared is not None else [_BUILD_HERE] * len(page.scenes))
        self._pending_more = page.more
        progress = page.progress  # e.g. CDSE date slices
        self._progress_text = progress.text() if progress is not None else ""
        self._announce_progress(page)
        if not self._row_pump.isActive():
            self._row_pump.start(0)

    def _pump_rows(self) -> None:
        # batches while the turn stays within TURN_SECONDS; the search task holds back
        # meanwhile (gui_turn), so calls into QGIS do not wait for the interpreter lock
        started = time.perf_counter()
        with jsonstream.gui_turn():
            first = True
            while self._pending_scenes:
                n = min(self._batch_rows(), len(self._pending_scenes))
                if not first and time.perf_counter() - started + n * self._row_cost > TURN_SECONDS:
                    break
                first = False
                t = time.perf_counter()
                batch = [self._pending_scenes.popleft() for _ in range(n)]
                features = [self._pending_features.popleft() for _ in range(n)]
                rows = self.results_model.append_scenes(batch)
                if any(f is _BUILD_HERE for f in features):
                    self.footprints.add_scenes(rows.start, batch)
                else:
                    self.footprints.add_scenes(rows.start, batch, features=features)
                cost = (time.perf_counter() - t) / n
                # a smoothed cost: one batch stalled by the machine does not shrink the next ones to nothing
                self._row_cost = cost if not self._row_cost else 0.5 * (self._row_cost + cost)
        if self._pending_scenes:
            return
        self._row_pump.stop()
        if self._finish_after_rows is not None:
            outcome, self._finish_after_rows = self._finish_after_rows, None
            self._report(outcome)
            return
        more = tr(" — more are loading…") if self._pending_more else ""
        progress = f" ({self._progress_text})" if self._progress_text else ""
        self.statusChanged.emit(tr("{count} scenes{details}").format(count=self.results_model.rowCount(),
                                                                      details=more + progress), False)

    def _batch_rows(self) -> int:
        """Rows of the next batch: half a turn's worth at the measured cost per row."""
        if not self._row_cost:
            return MIN_ROWS_PER_BATCH * 4  # the first batch of a search also makes the layer
        return max(MIN_ROWS_PER_BATCH, min(ROWS_PER_BATCH, int(TURN_SECONDS / 2 / self._row_cost)))

    def _announce_progress(self, page) -> None:
        """The bar: date slices done (sliced searches), else scenes received of the match
        count (capped by the user's limit); nothing when neither is known."""
        progress = page.progress
        fraction = getattr(progress, "fraction", None)
        if fraction is not None and getattr(progress, "slices_total", 0):
            self.progressChanged.emit(float(progress.slices_done), float(progress.slices_total),
                                      self._progress_text)
            return
        task = self.search_task
        matched = task.matched if task is not None else None
        if matched:
            limit = task.request.limit
            total = min(matched, limit) if limit else matched
            received = self.results_model.rowCount() + len(self._pending_scenes)
            self.progressChanged.emit(float(received), float(total), tr("{received} of {total} scenes").format(
                received=received, total=total))
        else:
            self.progressChanged.emit(0.0, 0.0, "")

    def _drop_pending_rows(self) -> None:
        self._row_pump.stop()
        self._pending_scenes.clear()
        self._pending_features.clear()
        self._finish_after_rows = None

    # ------------------------------------------------------------------ the end
    def _search_finished(self, task: SearchTask) -> None:
        if task is not self.search_task:
            return
        # the task manager deletes the task soon: keep what the report needs as plain data
        outcome = SearchOutcome(error=task.error, cancelled=task.isCanceled(), more=task.more,
                                truncated=task.truncated, matched=task.matched, limit=task.request.limit,
                                warnings=list(task.warnings))
        if self._pending_scenes:
            self._finish_after_rows = outcome  # report once every row is in the table
            return
        self._report(outcome)

    def _report(self, outcome: SearchOutcome) -> None:
        self.search_task = None
        self.runningChanged.emit(False)
        n = self.results_model.rowCount()
        if outcome.error is not None:
            self.failed.emit(outcome.error, tr("Search failed after {count} scenes").format(count=n) if n
                             else tr("Search failed"))
            return
        if outcome.cancelled:
            self.statusChanged.emit(
                tr("Search cancelled: {count} scenes (more exist on the server)").format(count=n) if outcome.more
                else tr("Search cancelled: {count} scenes").format(count=n), False)
            return
        tail = ""
        if outcome.truncated or (outcome.more and outcome.limit):
            tail = tr(" (stopped at your cap of {limit}; more exist on the server)").format(limit=outcome.limit)
        elif outcome.matched is not None:
            tail = tr(" of {matched} matching").format(matched=outcome.matched)
        if n:
            self.scenesFound.emit(n)
        distinct = list(dict.fromkeys(outcome.warnings))
        warn = ""
        if len(distinct) == 1 and "could not be read" not in distinct[0]:
            warn = " — " + distinct[0].rstrip(".")      # one thing to say (a catalog's partial answer)
        elif outcome.warnings:
            warn = tr(" — {count} document(s) could not be read").format(count=len(outcome.warnings))
        progress = f" ({self._progress_text})" if self._progress_text else ""
        self.statusChanged.emit(tr("{count} scenes{details}.").format(count=n, details=tail + warn + progress) if n
                                else tr("No scene matches these filters.") + warn, False)
        if outcome.warnings:
            log_message("\n".join(outcome.warnings[:50]), Qgis.Warning)
