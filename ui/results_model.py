"""Search results as a Qt model: rows are appended page by page, never one widget per row.

Sorting happens in the model, with Python's sort on precomputed keys (a few ms for 10,000
rows), instead of in ``QSortFilterProxyModel``, whose per-comparison calls into Python made
the GUI stall while pages streamed in. Each scene keeps a stable *serial* (its arrival
order) that the footprint layer uses, whatever the display order.
"""
from __future__ import annotations

import math
from typing import Iterable, List, Optional

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt

from ..providers.model import Scene

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SCENE_ROLE = Qt.ItemDataRole.UserRole + 2
SERIAL_ROLE = Qt.ItemDataRole.UserRole + 3
FILTER_ROLE = Qt.ItemDataRole.UserRole + 4


def _date_key(s: Scene):
    return s.datetime.timestamp() if s.datetime else -math.inf


def _cloud_key(s: Scene):
    return s.cloud_cover if s.cloud_cover is not None else math.inf


_KEYS = (
    _date_key,
    lambda s: (s.collection or "").lower(),
    lambda s: s.id.lower(),
    _cloud_key,
    lambda s: (s.platform or "").lower(),
    lambda s: (s.connection or "").lower(),
)


class ResultsTableModel(QAbstractTableModel):
    """Scenes of the current search: date, collection, id, cloud, platform, connection."""

    COLUMNS = ("Date", "Collection", "ID", "Cloud %", "Platform", "Connection")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._scenes: List[Scene] = []  # by serial (arrival order)
        self._order: List[int] = []  # display row -> serial
        self._row_of: List[int] = []  # serial -> display row
        self._text: List[str] = []  # by serial, for the text filter
        self._sort: Optional[tuple] = None  # (column, descending)

    # Qt API ---------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        serial = self._order[index.row()]
        scene = self._scenes[serial]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return scene.datetime.strftime("%Y-%m-%d %H:%M") if scene.datetime else ""
            if col == 1:
                return scene.collection or ""
            if col == 2:
                return scene.id
            if col == 3:
                return "" if scene.cloud_cover is None else f"{scene.cloud_cover:.1f}"
            if col == 4:
                return scene.platform or ""
            if col == 5:
                return scene.connection or ""
        elif role == SCENE_ROLE:
            return scene
        elif role == SERIAL_ROLE:
            return serial
        elif role == SORT_ROLE:
            return _KEYS[col](scene)
        elif role == FILTER_ROLE:
            return self._filter_text(serial)
        elif role == Qt.ItemDataRole.ToolTipRole:
            key = f"\nScene key: {scene.scene_key}" if scene.scene_key else ""
            return f"{scene.id}\n{scene.date_text}{key}"
        elif role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if column < 0 or column >= len(self.COLUMNS):
            self._sort = None
            new_order = list(range(len(self._scenes)))
        else:
            self._sort = (column, order == Qt.SortOrder.DescendingOrder)
            new_order = self._sorted(list(range(len(self._scenes))))
        self._relayout(new_order)

    # our API --------------------------------------------------------------------------
    def _sorted(self, serials: List[int]) -> List[int]:
        column, desc = self._sort
        key = _KEYS[column]
        scenes = self._scenes
        # missing values stay last in both directions
        missing = [s for s in serials if key(scenes[s]) in (math.inf, -math.inf, "")]
        present = [s for s in serials if key(scenes[s]) not in (math.inf, -math.inf, "")]
        present.sort(key=lambda s: key(scenes[s]), reverse=desc)
        return present + missing

    def _relayout(self, new_order: List[int]) -> None:
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_serials = [self._order[i.row()] for i in old_persistent]
        self._order = new_order
        self._row_of = [0] * len(self._scenes)
        for row, serial in enumerate(new_order):
            self._row_of[serial] = row
        self.changePersistentIndexList(
            old_persistent, [self.index(self._row_of[s], i.column()) for s, i in zip(old_serials, old_persistent)])
        self.layoutChanged.emit()

    def append_scenes(self, scenes: Iterable[Scene]) -> range:
        """Append a page; returns the serials of the new scenes."""
        new = list(scenes)
        first = len(self._scenes)
        if not new:
            return range(first, first)
        self.beginInsertRows(QModelIndex(), len(self._order), len(self._order) + len(new) - 1)
        for offset, scene in enumerate(new):
            self._scenes.append(scene)
            self._order.append(first + offset)
            self._row_of.append(len(self._order) - 1)
            self._text.append(None)  # made when a filter first reads it
        self.endInsertRows()
        if self._sort is not None:
            self._relayout(self._sorted(self._order))
        return range(first, first + len(new))

    def clear(self) -> None:
        self.beginResetModel()
        self._scenes, self._order, self._row_of, self._text = [], [], [], []
        self.endResetModel()

    def scene(self, row: int) -> Optional[Scene]:
        """The scene shown at display ``row``."""
        return self._scenes[self._order[row]] if 0 <= row < len(self._order) else None

    def serial(self, row: int) -> int:
        return self._order[row]

    def row_of(self, serial: int) -> int:
        return self._row_of[serial]

    def scene_by_serial(self, serial: int) -> Optional[Scene]:
        return self._scenes[serial] if 0 <= serial < len(self._scenes) else None

    def _filter_text(self, serial: int) -> str:
        text = self._text[serial]
        if text is None:
            scene = self._scenes[serial]
            text = " ".join((scene.id, scene.collection or "", scene.platform or "",
                             scene.connection or "", scene.date_text)).lower()
            self._text[serial] = text
        return text

    def matches(self, row: int, needle: str) -> bool:
        return needle in self._filter_text(self._order[row])

    def scenes(self) -> List[Scene]:
        """Every scene in arrival order."""
        return list(self._scenes)


class ResultsFilterProxy(QSortFilterProxyModel):
    """Filters on the scenes' text; sorting is delegated to the model (see module doc).

    Filtering is Qt's own (a fixed string in the model's FILTER_ROLE text), not a Python
    ``filterAcceptsRow``: with no filter text, rows pouring in during a search cost no call
    back into Python each (each one waited for the interpreter the search task was using)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setDynamicSortFilter(False)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def setFilterFixedString(self, text: str) -> None:  # noqa: N802
        super().setFilterFixedString((text or "").strip().lower())

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        self.sourceModel().sort(column, order)
