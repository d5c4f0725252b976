"""The results grouped by scene: one row per acquisition (its canonical scene key), whatever
the number of catalogs that returned it.

:class:`GroupedResultsModel` sits on the :class:`~.results_model.ResultsTableModel` (one row
per *source*, in arrival order): it follows the rows the search appends, feeds each scene to a
:class:`~..providers.multi.SceneGrouper` and keeps one row per group, shown through its first
source. Its columns are the results model's, the connection column saying "3 sources" (their
names in the tooltip), so the table's header layout is the same in both views.
:class:`GroupedFootprints` draws one footprint per group while the grouped view is shown.
"""
from __future__ import annotations

import math
from typing import Callable, Dict, List, Optional

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer

from ..providers.model import Scene
from ..providers.multi import SceneGrouper, describe_source
from .results_model import _KEYS, CONNECTION_COLUMN, SERIAL_ROLE, SORT_ROLE, _date_key
from ..i18n import tr, tr_noop

SOURCES_ROLE = Qt.ItemDataRole.UserRole + 20  # the group's connection names


class GroupedResultsModel(QAbstractTableModel):
    """One row per scene group of ``source`` (a ResultsTableModel); same API for the dock:
    ``scene(row)``, ``serial(row)`` (the first source's serial: its footprint), ``row_of(serial)``
    (any source's serial), ``group(row)``, ``sort``."""

    def __init__(self, source, describe: Optional[Callable[[Scene], object]] = None, parent=None):
        super().__init__(parent)
        self.source = source
        self.grouper = SceneGrouper()
        self._describe = describe or (lambda scene: describe_source(scene.connection or "", scene))
        self._members: List[List[int]] = []  # group index -> serials of its sources (arrival order)
        self._group_of_serial: List[int] = []  # serial -> group index
        self._index_of: Dict[int, int] = {}  # id(SceneGroup) -> group index
        self._order: List[int] = []  # display row -> group index
        self._row_of: List[int] = []  # group index -> display row
        self._sort: Optional[tuple] = None
        # the catalog the user forced for a scene ("Use source"), shown in its Sources cell
        self.forced_source: Callable[[Scene], Optional[str]] = lambda scene: None
        source.rowsInserted.connect(self._rows_inserted)
        source.modelReset.connect(self._source_reset)
        source.dataChanged.connect(self._source_data_changed)

    @property
    def COLUMNS(self):  # noqa: N802 - the results model's attribute name
        return self.source.COLUMNS

    # Qt API ---------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else self.source.columnCount()

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and section == CONNECTION_COLUMN:
            return tr(tr_noop("Sources"))
        return self.source.headerData(section, orientation, role)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        members = self._members[self._order[index.row()]]
        col = index.column()
        if col == CONNECTION_COLUMN and len(members) > 1:
            if role == Qt.ItemDataRole.DisplayRole:
                forced = self.forced_source(self.source.scene_by_serial(members[0]))
                if forced:
                    return tr("{count} sources, {name} forced").format(count=len(members), name=forced)
                return tr("{count} sources").format(count=len(members))
            if role == Qt.ItemDataRole.ToolTipRole:
                return "\n".join(self._source_lines(members))
            if role == SORT_ROLE:
                return -len(members)
        if role == SOURCES_ROLE:
            return [self.source.scene_by_serial(s).connection or "" for s in members]
        if role == SERIAL_ROLE:
            return members[0]
        return self.source.data(self.source.index(self.source.row_of(members[0]), col), role)

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if column < 0 or column >= self.columnCount():
            self._sort = None
            new_order = list(range(len(self._members)))
        else:
            self._sort = (column, order == Qt.SortOrder.DescendingOrder)
            new_order = self._sorted(list(range(len(self._members))))
        self._relayout(new_order)

    # the dock's API -------------------------------------------------------------------
    def scene(self, row: int) -> Optional[Scene]:
        """The scene shown at display ``row`` (the group's first source)."""
        if not 0 <= row < len(self._order):
            return None
        return self.source.scene_by_serial(self._members[self._order[row]][0])

    def serial(self, row: int) -> int:
        return self._members[self._order[row]][0]

    def row_of(self, serial: int) -> int:
        return self._row_of[self._group_of_serial[serial]]

    def refresh_sources_of(self, scene: Scene) -> None:
        """Redraw the Sources cell of ``scene``'s row (its forced source changed)."""
        group = self.grouper.group_of(scene)
        index = self._index_of.get(id(group)) if group is not None else None
        if index is None:
            return
        cell = self.index(self._row_of[index], CONNECTION_COLUMN)
        self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole])

    def group(self, row: int):
        """The SceneGroup at display ``row``."""
        scene = self.scene(row)
        return self.grouper.group_of(scene) if scene is not None else None

    def source_serials(self, row: int) -> List[int]:
        """The serials of every source of the group at ``row`` (first: the one shown)."""
        return list(self._members[self._order[row]])

    def is_first_source(self, serial: int) -> bool:
        """Whether ``serial`` is the source its group is shown (and drawn) by."""
        return 0 <= serial < len(self._group_of_serial) and \
            self._members[self._group_of_serial[serial]][0] == serial

    def group_count(self) -> int:
        return len(self._members)

    def group_scene(self, index: int) -> Optional[Scene]:
        """The scene shown for the ``index``-th group to arrive."""
        return self.source.scene_by_serial(self._members[index][0]) if 0 <= index < len(self._members) else None

    def scenes(self) -> List[Scene]:
        """The scene of each group, in arrival order."""
        return [self.source.scene_by_serial(m[0]) for m in self._members]

    def timestamp(self, row: int) -> float:
        return _date_key(self.scene(row))

    # following the source -------------------------------------------------------------
    def _rows_inserted(self, _parent, _first, _last) -> None:
        """Group the scenes appended since the last call (the source appends in serial order)."""
        start = len(self._group_of_serial)
        stop = self.source.serial_count()
        new_groups: List[int] = []
        grown: Dict[int, None] = {}
        for serial in range(start, stop):
            scene = self.source.scene_by_serial(serial)
            group, is_new = self.grouper.add(self._describe(scene))
            if is_new:
                gidx = len(self._members)
                self._index_of[id(group)] = gidx
                self._members.append([serial])
                new_groups.append(gidx)
            else:
                gidx = self._index_of[id(group)]
                self._members[gidx].append(serial)
                grown[gidx] = None
            self._group_of_serial.append(gidx)
        if new_groups:
            first = len(self._order)
            self.beginInsertRows(QModelIndex(), first, first + len(new_groups) - 1)
            self._order.extend(new_groups)
            self._row_of.extend(range(first, first + len(new_groups)))
            self.endInsertRows()
        for gidx in grown:  # "N sources" changed
            index = self.index(self._row_of[gidx], CONNECTION_COLUMN)
            self.dataChanged.emit(index, index)
        if self._sort is not None and (new_groups or grown):
            self._relayout(self._sorted(self._order))

    def _source_reset(self) -> None:
        self.beginResetModel()
        self.grouper.clear()
        self._members, self._group_of_serial, self._order, self._row_of = [], [], [], []
        self._index_of = {}
        self.endResetModel()
        if self.source.serial_count():  # a reset with rows (not a search's clear)
            self._rows_inserted(QModelIndex(), 0, 0)

    def _source_data_changed(self, top_left, bottom_right, roles=()) -> None:
        for row in range(top_left.row(), bottom_right.row() + 1):
            serial = self.source.serial(row)
            if self.is_first_source(serial):
                row_here = self.row_of(serial)
                self.dataChanged.emit(self.index(row_here, top_left.column()),
                                      self.index(row_here, bottom_right.column()), roles)

    # ------------------------------------------------------------------ helpers
    def _source_lines(self, members: List[int]) -> List[str]:
        out = []
        for serial in members:
            scene = self.source.scene_by_serial(serial)
            out.append(f"{scene.connection or ''}: {scene.id}")
        return out

    def _sorted(self, groups: List[int]) -> List[int]:
        column, desc = self._sort
        if column == CONNECTION_COLUMN:
            def key(g):
                return len(self._members[g])
        else:
            scene_key = _KEYS[column]

            def key(g):
                return scene_key(self.source.scene_by_serial(self._members[g][0]))
        missing = [g for g in groups if key(g) in (math.inf, -math.inf, "")]
        present = [g for g in groups if key(g) not in (math.inf, -math.inf, "")]
        present.sort(key=key, reverse=desc)
        return present + missing

    def _relayout(self, new_order: List[int]) -> None:
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_groups = [self._order[i.row()] for i in old_persistent]
        self._order = new_order
        self._row_of = [0] * len(self._members)
        for row, gidx in enumerate(new_order):
            self._row_of[gidx] = row
        self.changePersistentIndexList(
            old_persistent, [self.index(self._row_of[g], i.column()) for g, i in zip(old_groups, old_persistent)])
        self.layoutChanged.emit()


class GroupedFootprints:
    """The footprint layer as the search controller sees it: while ``grouped`` is on, only
    the first source of each scene group is drawn; switching hides the others at once or
    draws them back, a chunk per event-loop turn (20,000 footprints take seconds to build).
    Everything else is the wrapped :class:`~.footprints.FootprintLayer`'s."""

    CHUNK = 500  # footprints drawn back per event-loop turn

    def __init__(self, footprints, model: GroupedResultsModel):
        self._footprints = footprints
        self._model = model
        self.grouped = False
        self._to_draw: List[int] = []  # serials still to draw back (ungrouped view)
        self._generation = 0  # a newer switch or search drops the older drawing

    @property
    def drawing(self) -> bool:
        """Whether footprints are still being drawn back after ungrouping."""
        return bool(self._to_draw)

    def clear(self) -> None:
        self._to_draw = []
        self._generation += 1
        self._footprints.clear()

    def __getattr__(self, name):
        return getattr(self._footprints, name)

    def add_scenes(self, first_row: int, scenes, features=None) -> int:
        scenes = list(scenes)
        if self.grouped:
            keep = [i for i in range(len(scenes)) if self._model.is_first_source(first_row + i)]
            if len(keep) < len(scenes):
                # serials stay those of the results model: one call per run of kept rows
                drawn = 0
                for start, stop in _runs(keep):
                    drawn += self._footprints.add_scenes(
                        first_row + start, scenes[start:stop],
                        features=None if features is None else features[start:stop])
                return drawn
        return self._footprints.add_scenes(first_row, scenes, features=features)

    def set_grouped(self, grouped: bool) -> None:
        """Hide the footprints of the other sources (grouped) or draw them (ungrouped)."""
        if grouped == self.grouped:
            return
        self.grouped = grouped
        self._generation += 1
        source = self._model.source
        others = [s for s in range(source.serial_count()) if not self._model.is_first_source(s)]
        if grouped:
            self._to_draw = []
            self._footprints.remove_rows(others)
            return
        self._to_draw = others
        self._draw_chunk(self._generation)

    def _draw_chunk(self, generation: int) -> None:
        if generation != self._generation or not self._to_draw:
            return
        chunk, self._to_draw = self._to_draw[:self.CHUNK], self._to_draw[self.CHUNK:]
        source = self._model.source
        for start, stop in _runs(chunk):
            self._footprints.add_scenes(start, [source.scene_by_serial(s) for s in range(start, stop)])
        if self._to_draw:
            QTimer.singleShot(0, lambda: self._draw_chunk(generation))


def _runs(values: List[int]):
    """Consecutive runs of sorted integers as (start, stop) pairs."""
    out = []
    for v in values:
        if out and out[-1][1] == v:
            out[-1][1] = v + 1
        else:
            out.append([v, v + 1])
    return [(a, b) for a, b in out]
