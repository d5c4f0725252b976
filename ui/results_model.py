"""Search results as a Qt model: rows are appended page by page, never one widget per row."""
from __future__ import annotations

from typing import Iterable, List, Optional

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt

from ..providers.model import Scene

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SCENE_ROLE = Qt.ItemDataRole.UserRole + 2


class ResultsTableModel(QAbstractTableModel):
    """Scenes of the current search: date, collection, id, cloud, platform, connection."""

    COLUMNS = ("Date", "Collection", "ID", "Cloud %", "Platform", "Connection")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._scenes: List[Scene] = []

    # Qt API ---------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self._scenes)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        scene = self._scenes[index.row()]
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
        if role == SORT_ROLE:
            if col == 0:
                return scene.datetime.timestamp() if scene.datetime else float("-inf")
            if col == 3:
                return scene.cloud_cover if scene.cloud_cover is not None else float("inf")
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        if role == Qt.ItemDataRole.ToolTipRole:
            key = f"\nScene key: {scene.scene_key}" if scene.scene_key else ""
            return f"{scene.id}\n{scene.date_text}{key}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == SCENE_ROLE:
            return scene
        return None

    # our API --------------------------------------------------------------------------
    def append_scenes(self, scenes: Iterable[Scene]) -> range:
        """Append a page; returns the range of new source rows."""
        new = list(scenes)
        if not new:
            return range(len(self._scenes), len(self._scenes))
        first = len(self._scenes)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._scenes.extend(new)
        self.endInsertRows()
        return range(first, first + len(new))

    def clear(self) -> None:
        self.beginResetModel()
        self._scenes = []
        self.endResetModel()

    def scene(self, row: int) -> Optional[Scene]:
        return self._scenes[row] if 0 <= row < len(self._scenes) else None

    def scenes(self) -> List[Scene]:
        return list(self._scenes)


class ResultsFilterProxy(QSortFilterProxyModel):
    """Sorts on raw values (dates, numbers) and filters on any column's text."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(-1)
