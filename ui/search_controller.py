"""The life of a search in the dock: the background task, pages streaming into the results
table and the footprints layer, progress, cancel, the final report, and the garbage
collector's pause while scenes pour in."""
from __future__ import annotations

import functools
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, List, Optional, Tuple

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


@dataclass
class CatalogRun:
    """One connection's part of a search over several catalogs."""

    label: str
    task: SearchTask
    count: int = 0  # scenes received
    outcome: Optional[SearchOutcome] = None  # set when its task ended


class SearchController(QObject):
    """Runs one search at a time for the dock (a new one replaces the running one).

    Pages go into ``results_model`` and ``footprints`` by slices, one per event-loop turn,
    so a page of 1,000 scenes never freezes QGIS; the search is reported once every row is
    in. ``statusChanged(text, is_error)`` and ``failed(error, context)`` say what to tell
    the user, ``runningChanged(running)`` when the Search/Cancel buttons change,
    ``scenesFound(count)`` when a search ended with scenes (before its status).

    :meth:`start_many` searches several connections at once, one task each: their rows stream
    into the same table; ``catalogsChanged(text)`` says how each catalog is doing and
    ``catalogFailed(error, label)`` reports one that failed (the others go on)."""

    statusChanged = pyqtSignal(str, bool)
    failed = pyqtSignal(object, str)
    runningChanged = pyqtSignal(bool)
    scenesFound = pyqtSignal(int)
    progressChanged = pyqtSignal(float, float, str)  # done, total (0: unknown), what it counts
    catalogsChanged = pyqtSignal(str)  # each catalog's count or error ("" for one catalog)
    catalogFailed = pyqtSignal(object, str)  # error, connection label (several catalogs)

    def __init__(self, results_model, footprints, keeper: TaskKeeper, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.results_model = results_model
        self.footprints = footprints
        self.keeper = keeper
        self.search_task: Optional[SearchTask] = None  # the first (or only) running task
        self.runs: List[CatalogRun] = []  # every task of the running search
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
        return self.start_many([(label, open_provider, request)])[0]

    def start_many(self, searches: List[Tuple[str, Callable[[], object], SearchRequest]]) -> List[SearchTask]:
        """Search each ``(label, open_provider, request)`` in its own task, all at once."""
        self.cancel()
        self._drop_pending_rows()
        self._progress_text = ""
        self.results_model.clear()
        self.footprints.clear()
        release_results()  # after the old scenes are gone: see release_results
        self.runs = []
        for label, open_provider, request in searches:
            # footprints are built in the task; the connection's name for Processing is read here
            texts = {label: self.footprints.connection_text(label)}
            task = SearchTask(tr("EO Scene Finder: search {label}").format(label=label), open_provider, request,
                              prepare=functools.partial(self.footprints.prepare_features, connection_texts=texts))
            task.pageReady.connect(self._page_arrived)
            task.searchFinished.connect(self._search_finished)
            self.runs.append(CatalogRun(label, task))
        self.search_task = self.runs[0].task
        self.runningChanged.emit(True)
        self.statusChanged.emit(tr("Searching {label}…").format(label=", ".join(r.label for r in self.runs)), False)
        self._announce_catalogs()
        for run in self.runs:
            self.keeper.start(run.task, owner=self)
        return [run.task for run in self.runs]

    def cancel(self) -> None:
        """Ask the running search to stop (it reports “cancelled” with what it found)."""
        for run in self.runs:
            if run.outcome is None:
                try:
                    run.task.cancel()
                except RuntimeError:  # already deleted by the task manager
                    pass

    def shutdown(self) -> None:
        """Stop everything without reporting (the dock is going away)."""
        self._drop_pending_rows()
        self.keeper.cancel(owner=self, silence=True)
        self.search_task = None
        self.runs = []

    # ------------------------------------------------------------------ streaming
    @jsonstream.gui_turn()  # the search's workers hold back meanwhile (see gui_turn)
    def _page_arrived(self, page) -> None:
        run = self._run_of(self.sender())
        if run is None:
            return  # a page from a search that was replaced
        run.count += len(page.scenes)
        self._pending_scenes.extend(page.scenes)
        prepared = getattr(page, "prepared", None)
        self._pending_features.extend(prepared if prepared is not None else [_BUILD_HERE] * len(page.scenes))
        self._pending_more = page.more
        progress = page.progress  # e.g. CDSE date slices
        self._progress_text = progress.text() if progress is not None else ""
        self._announce_progress(page)
        if len(self.runs) > 1:
            self._announce_catalogs()
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
        totals = [(run.task.matched, run.task.request.limit) for run in self.runs if run.outcome is None
                  or run.outcome.error is None]
        if totals and all(matched for matched, _limit in totals):
            total = sum(min(matched, limit) if limit else matched for matched, limit in totals)
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
    @jsonstream.gui_turn()
    def _search_finished(self, task: SearchTask) -> None:
        run = self._run_of(task)
        if run is None:
            return
        # the task manager deletes the task soon: keep what the report needs as plain data
        outcome = SearchOutcome(error=task.error, cancelled=task.isCanceled(), more=task.more,
                                truncated=task.truncated, matched=task.matched, limit=task.request.limit,
                                warnings=list(task.warnings))
        run.outcome = outcome
        if len(self.runs) > 1:
            if outcome.error is not None:
                self.catalogFailed.emit(outcome.error, run.label)
            self._announce_catalogs()
            if any(r.outcome is None for r in self.runs):
                return  # the others still search
        if self._pending_scenes:
            self._finish_after_rows = outcome  # report once every row is in the table
            return
        self._report(outcome)

    def _report(self, outcome: SearchOutcome) -> None:
        if len(self.runs) > 1:
            self._report_catalogs()
            return
        self.search_task = None
        self.runs = []
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

    # ------------------------------------------------------------------ several catalogs
    def _run_of(self, task) -> Optional[CatalogRun]:
        return next((run for run in self.runs if run.task is task), None)

    def catalogs_text(self) -> str:
        """Each catalog of the search: “Earth Search 312 ✓ · CDSE failed: <message>”."""
        parts = []
        for run in self.runs:
            outcome = run.outcome
            if outcome is None:
                parts.append(tr("{label} {count}…").format(label=run.label, count=run.count))
            elif outcome.error is not None:
                parts.append(tr("{label} failed: {message}").format(label=run.label,
                                                                     message=outcome.error.user_message))
            elif outcome.cancelled:
                parts.append(tr("{label} {count} (cancelled)").format(label=run.label, count=run.count))
            else:
                parts.append(tr("{label} {count} ✓").format(label=run.label, count=run.count))
        return " · ".join(parts)

    def _announce_catalogs(self) -> None:
        self.catalogsChanged.emit(self.catalogs_text() if len(self.runs) > 1 else "")

    def _report_catalogs(self) -> None:
        """The end of a search over several catalogs: one summary, each catalog's part in
        ``catalogsChanged``; a failed catalog was reported by ``catalogFailed`` already."""
        runs, self.runs = self.runs, []
        self.search_task = None
        self.runningChanged.emit(False)
        n = self.results_model.rowCount()
        failed = [r for r in runs if r.outcome.error is not None]
        cancelled = any(r.outcome.cancelled and r.outcome.error is None for r in runs)
        self.catalogsChanged.emit(" · ".join(self._final_part(r) for r in runs))
        if n:
            self.scenesFound.emit(n)
        if cancelled:
            text = tr("Search cancelled: {count} scenes from {catalogs} catalogs").format(count=n, catalogs=len(runs))
        else:
            text = tr("{count} scenes from {catalogs} catalogs").format(count=n, catalogs=len(runs))
        if failed:
            text += tr(" ({failed} failed: {names})").format(failed=len(failed),
                                                             names=", ".join(r.label for r in failed))
        self.statusChanged.emit(text + ".", len(failed) == len(runs))
        warnings = [w for r in runs for w in r.outcome.warnings]
        if warnings:
            log_message("\n".join(warnings[:50]), Qgis.Warning)

    @staticmethod
    def _final_part(run: CatalogRun) -> str:
        outcome = run.outcome
        if outcome.error is not None:
            return tr("{label} failed: {message}").format(label=run.label, message=outcome.error.user_message)
        tail = tr(" (cancelled)") if outcome.cancelled else ""
        if outcome.truncated or (outcome.more and outcome.limit and not outcome.cancelled):
            tail = tr(" (capped)")
        return tr("{label} {count} ✓{tail}").format(label=run.label, count=run.count, tail=tail)
