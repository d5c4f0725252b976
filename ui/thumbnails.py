"""Small quicklooks for the results table's optional thumbnail column.

Fetched in background tasks, at most a few at a time, only for the rows the view asks about
(the visible ones), newest requests first (the rows just scrolled to); kept in a bounded
in-memory cache. The GUI thread only scales an already decoded image.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Dict, Optional

from qgis.PyQt.QtCore import QObject, Qt, pyqtSignal
from qgis.PyQt.QtGui import QImage, QPixmap

from ..providers.model import Scene
from ..services.tasks import TaskKeeper
from ..tasks.function_task import FunctionTask
from ..i18n import tr

THUMBNAIL_SIZE = (56, 42)
CACHE_SIZE = 600
MAX_RUNNING = 4


class ThumbnailLoader(QObject):
    """``pixmap(scene, serial)`` answers at once (a cached pixmap or None) and, on a miss,
    queues a fetch; ``loaded(serial)`` is emitted when that scene's thumbnail is ready."""

    loaded = pyqtSignal(int)

    def __init__(self, provider_for: Callable[[Scene], Callable[[], object]], keeper: TaskKeeper, parent=None):
        super().__init__(parent)
        self.provider_for = provider_for
        self.keeper = keeper
        self._cache: "OrderedDict[str, QPixmap]" = OrderedDict()
        self._failed: set = set()
        self._queue: "OrderedDict[str, tuple]" = OrderedDict()  # cache key -> (serial, scene), newest last
        self._running: Dict[str, FunctionTask] = {}
        self._generation = 0

    @staticmethod
    def _key(scene: Scene) -> Optional[str]:
        return f"{scene.connection}|{scene.thumbnail}" if scene.thumbnail else None

    def pixmap(self, scene: Scene, serial: int) -> Optional[QPixmap]:
        key = self._key(scene)
        if key is None or key in self._failed:
            return None
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        if key not in self._running and key not in self._queue:
            self._queue[key] = (serial, scene)
            self._pump()
        return None

    def clear(self) -> None:
        """A new search: forget the queue (running fetches finish into the cache)."""
        self._queue.clear()
        self._generation += 1

    def _pump(self) -> None:
        while self._queue and len(self._running) < MAX_RUNNING:
            key, (serial, scene) = self._queue.popitem(last=True)  # the most recent request first
            open_provider = self.provider_for(scene)
            href = scene.thumbnail

            def fetch(open_provider=open_provider, href=href):
                from ..providers.quicklook import fetch_quicklook

                image = QImage.fromData(fetch_quicklook(open_provider(), href))
                if image.isNull():
                    return None
                # scaled in the worker: the GUI thread only wraps it in a pixmap
                return image.scaled(*THUMBNAIL_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                    Qt.TransformationMode.SmoothTransformation)

            task = FunctionTask(tr("EO Scene Finder: thumbnail {id}").format(id=scene.id), fetch, hidden=True)
            generation = self._generation
            task.done.connect(lambda t, key=key, serial=serial, g=generation: self._done(key, serial, g, t))
            self._running[key] = task
            self.keeper.start(task, owner=self)

    def _done(self, key: str, serial: int, generation: int, task: FunctionTask) -> None:
        self._running.pop(key, None)
        if task.error is not None or task.result is None:
            self._failed.add(key)
        else:
            self._cache[key] = QPixmap.fromImage(task.result)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            if generation == self._generation:
                self.loaded.emit(serial)
        self._pump()
