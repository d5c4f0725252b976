"""Background search: pages stream to the GUI as they arrive; cancellation between pages."""
from __future__ import annotations

import gc
import threading
import traceback
from typing import Any, Callable, Optional

from qgis.core import QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from ..providers.cancellation import cancel_scope
from ..providers.errors import CancelledError, EoSceneFinderError
from ..providers.model import SearchRequest
from ..i18n import tr
from ..providers.net import jsonstream
from ..providers.net.jsonstream import collections_paused


class SearchTask(QgsTask):
    """Runs ``provider.search(request)`` off the GUI thread.

    ``pageReady(page)`` is emitted for every page (queued to the GUI thread);
    ``searchFinished(task)`` once at the end (success, error or cancel) from ``finished()``.
    """

    pageReady = pyqtSignal(object)
    searchFinished = pyqtSignal(object)

    def __init__(self, description: str, provider_factory: Callable[[], object], request: SearchRequest,
                 prepare: Optional[Callable[[list], Any]] = None):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.provider_factory = provider_factory
        self.request = request
        # run here, in the worker, on each page's scenes; the result rides on the page as
        # ``page.prepared`` (what the GUI thread would otherwise build: footprint features)
        self.prepare = prepare
        self.count = 0
        self.pages = 0
        self.more = False
        self.truncated = False
        self.matched: Optional[int] = None
        self.error: Optional[EoSceneFinderError] = None
        self.warnings = []
        self._cancelled = threading.Event()  # ends the provider's waits inside a page

    def cancel(self) -> None:
        self._cancelled.set()
        super().cancel()

    def run(self) -> bool:  # worker thread: no widgets here
        with collections_paused(), jsonstream.sharing_with_gui(), cancel_scope(self._cancelled):
            return self._run()

    def _run(self) -> bool:
        try:
            provider = self.provider_factory()
            results = provider.search(self.request)
            for page in results.pages():
                if self.isCanceled():
                    return False
                self.pages += 1
                self.count += len(page.scenes)
                if self.prepare is not None:
                    with jsonstream.worker_slot():
                        page.prepared = self.prepare(page.scenes)
                self.more = page.more
                if page.matched is not None:
                    self.matched = page.matched
                self.pageReady.emit(page)
                # Results live until the next search. Moving them out of the collector's
                # reach stops full collections over a growing heap (100-250 ms pauses of
                # every thread, the GUI's included, at 10,000 scenes); they are still freed
                # by reference counting, and the next search unfreezes (release_results()).
                gc.freeze()
                if self.matched:
                    self.setProgress(min(99.0, 100.0 * self.count / max(self.matched, 1)))
                elif self.request.limit:
                    self.setProgress(min(99.0, 100.0 * self.count / self.request.limit))
                if self.isCanceled():
                    return False
            self.truncated = results.truncated
            self.warnings = [str(w) for w in provider.warnings]
            return True
        except CancelledError:
            return False
        except EoSceneFinderError as err:
            self.error = err
            return False
        except Exception as err:  # noqa: BLE001 - never let a traceback reach the user raw
            self.error = EoSceneFinderError(
                tr("The search failed unexpectedly."), details=f"{type(err).__name__}: {err}\n{traceback.format_exc()}")
            return False

    def finished(self, result: bool) -> None:  # GUI thread
        self.searchFinished.emit(self)


def release_results() -> None:
    """Give objects frozen during a search back to the garbage collector."""
    gc.unfreeze()
