"""The one keeper of the plugin's running QgsTasks.

QGIS's task manager does not keep the Python side of a task alive: a task object nobody
references is collected while it runs (its signals are lost, or QGIS crashes). Every part
of the plugin hands its tasks to :func:`task_keeper`, which holds them until they end and
cancels them on unload.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import pyqtSignal


class TaskKeeper:
    """Holds a reference to each running task until it completes or terminates.

    ``start(task, owner)`` adds the task to QGIS's task manager; ``owner`` (the dock, the
    Downloads tab…) lets that part list and cancel its own tasks. Used on the GUI thread.
    """

    def __init__(self, task_manager=None):
        self._task_manager = task_manager
        self._tasks: Dict[QgsTask, Any] = {}  # task -> owner

    def task_manager(self):
        return self._task_manager or QgsApplication.taskManager()

    def start(self, task: QgsTask, owner: Any = None) -> QgsTask:
        """Keep ``task`` until it ends and run it."""
        self._tasks[task] = owner
        task.taskCompleted.connect(lambda: self._tasks.pop(task, None))
        task.taskTerminated.connect(lambda: self._tasks.pop(task, None))
        self.task_manager().addTask(task)
        return task

    def running(self, owner: Any = None) -> List[QgsTask]:
        """The tasks kept (of ``owner`` only, when given)."""
        return [t for t, o in list(self._tasks.items()) if owner is None or o is owner]

    def cancel(self, owner: Any = None, silence: bool = False) -> None:
        """Cancel the tasks of ``owner`` (every task when None). With ``silence`` the
        signals their classes add to QgsTask are disconnected first, so nothing answers a
        task that still reports after the cancel (its owner is going away). They stay kept
        until QGIS says they ended."""
        for task in self.running(owner):
            if silence:
                for signal in _own_signals(task):
                    try:
                        signal.disconnect()
                    except (TypeError, RuntimeError):  # nothing connected, or already deleted
                        pass
            try:
                task.cancel()
            except RuntimeError:  # already deleted by the task manager
                self._tasks.pop(task, None)

    def forget(self, owner: Any = None) -> None:
        """Drop the references to the tasks of ``owner`` (every task when None)."""
        for task in self.running(owner):
            self._tasks.pop(task, None)


def _own_signals(task: QgsTask) -> Iterable:
    """The bound signals declared by the task's Python classes (not QgsTask's own)."""
    names = set()
    for cls in type(task).__mro__:
        if cls is QgsTask:
            break
        names.update(name for name, value in vars(cls).items() if isinstance(value, pyqtSignal))
    return [getattr(task, name) for name in sorted(names)]


_keeper: Optional[TaskKeeper] = None


def task_keeper() -> TaskKeeper:
    """The plugin's one :class:`TaskKeeper`."""
    global _keeper
    if _keeper is None:
        _keeper = TaskKeeper()
    return _keeper
