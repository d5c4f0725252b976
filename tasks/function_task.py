"""A QgsTask that runs one function off the GUI thread and reports back on it."""
from __future__ import annotations

import traceback
from typing import Any, Callable, Optional

from qgis.core import QgsTask
from qgis.PyQt.QtCore import pyqtSignal

from ..providers.errors import EoSceneFinderError
from ..i18n import tr


class FunctionTask(QgsTask):
    """``fn()`` runs in a worker thread; ``done(task)`` is emitted on the GUI thread with
    ``task.result`` or ``task.error`` (an :class:`EoSceneFinderError`) set."""

    done = pyqtSignal(object)

    def __init__(self, description: str, fn: Callable[[], Any], hidden: bool = False):
        flags = QgsTask.Flag.CanCancel
        if hidden and hasattr(QgsTask.Flag, "Hidden"):
            flags |= QgsTask.Flag.Hidden
        super().__init__(description, flags)
        self.fn = fn
        self.result: Any = None
        self.error: Optional[EoSceneFinderError] = None

    def run(self) -> bool:
        try:
            self.result = self.fn()
            return not self.isCanceled()
        except EoSceneFinderError as err:
            self.error = err
            return False
        except Exception as err:  # noqa: BLE001
            self.error = EoSceneFinderError(
                tr("{description} failed unexpectedly.").format(description=self.description()),
                details=f"{type(err).__name__}: {err}\n{traceback.format_exc()}")
            return False

    def finished(self, ok: bool) -> None:
        self.done.emit(self)
