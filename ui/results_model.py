"""Search results as a Qt model: rows are appended page by page, never one widget per row.

Sorting happens in the model, with Python's sort on precomputed keys (a few ms for 10,000
rows), instead of in ``QSortFilterProxyModel``, whose per-comparison calls into Python made
the GUI stall while pages streamed in. Each scene keeps a stable *serial* (its arrival
order) that the footprint layer uses, whatever the display order.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Iterable, List, Optional, Tuple

from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, QRect, QRegularExpression, QSortFilterProxyModel, Qt
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import QStyle, QStyledItemDelegate

from ..providers.model import Scene
from ..i18n import tr, tr_noop

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
SCENE_ROLE = Qt.ItemDataRole.UserRole + 2
SERIAL_ROLE = Qt.ItemDataRole.UserRole + 3
FILTER_ROLE = Qt.ItemDataRole.UserRole + 4
CLOUD_ROLE = Qt.ItemDataRole.UserRole + 5


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
    lambda s: "" if s.thumbnail else "~",  # with a thumbnail first
)

DATE_COLUMN, COLLECTION_COLUMN, ID_COLUMN, CLOUD_COLUMN, PLATFORM_COLUMN, CONNECTION_COLUMN, THUMBNAIL_COLUMN = range(7)
# shown unless the user hides them (the thumbnail column is the user's choice)
DEFAULT_HIDDEN_COLUMNS = (THUMBNAIL_COLUMN,)
DEFAULT_VISUAL_ORDER = (DATE_COLUMN, CLOUD_COLUMN, COLLECTION_COLUMN, ID_COLUMN, PLATFORM_COLUMN, CONNECTION_COLUMN,
                        THUMBNAIL_COLUMN)


class ResultsTableModel(QAbstractTableModel):
    """Scenes of the current search: date, collection, id, cloud, platform, connection and an
    optional thumbnail (loaded lazily by ``thumbnails``, a :class:`~.thumbnails.ThumbnailLoader`)."""

    COLUMNS = (tr_noop("Date"), tr_noop("Collection"), tr_noop("ID"), tr_noop("Cloud %"), tr_noop("Platform"),
               tr_noop("Connection"), tr_noop("Thumbnail"))

    def __init__(self, parent=None):
        super().__init__(parent)
        self._scenes: List[Scene] = []  # by serial (arrival order)
        self._order: List[int] = []  # display row -> serial
        self._row_of: List[int] = []  # serial -> display row
        self._text: List[str] = []  # by serial, for the text filter
        self._sort: Optional[tuple] = None  # (column, descending)
        self.thumbnails = None  # set by the dock: ThumbnailLoader

    def thumbnail_loaded(self, serial: int) -> None:
        if 0 <= serial < len(self._row_of):
            index = self.index(self._row_of[serial], THUMBNAIL_COLUMN)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    # Qt API ---------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self._order)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(self.COLUMNS[section])
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
                return short_collection(scene.collection)
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
        elif role == Qt.ItemDataRole.DecorationRole and col == THUMBNAIL_COLUMN:
            return self.thumbnails.pixmap(scene, serial) if self.thumbnails is not None else None
        elif role == CLOUD_ROLE and col == CLOUD_COLUMN:
            return scene.cloud_cover
        elif role == Qt.ItemDataRole.ToolTipRole:
            if col == COLLECTION_COLUMN:
                return scene.collection or ""
            key = "\n" + tr("Scene key: {key}").format(key=scene.scene_key) if scene.scene_key else ""
            return f"{scene.id}\n{scene.date_text}{key}"
        elif role == Qt.ItemDataRole.TextAlignmentRole and col == CLOUD_COLUMN:
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
            day = scene.datetime.astimezone(_dt.timezone.utc).strftime("%Y%m%d") if scene.datetime else "--------"
            text = day + "|" + " ".join((scene.id, scene.collection or "", scene.platform or "",
                                         scene.connection or "", scene.date_text)).lower()
            self._text[serial] = text
        return text

    def matches(self, row: int, needle: str) -> bool:
        return needle in self._filter_text(self._order[row]).split("|", 1)[1]

    def scenes(self) -> List[Scene]:
        """Every scene in arrival order."""
        return list(self._scenes)

    def serial_count(self) -> int:
        return len(self._scenes)

    def timestamp(self, row: int) -> float:
        """The scene's instant at ``row`` as a UTC timestamp (-inf without a date)."""
        return _date_key(self._scenes[self._order[row]])


_MISSIONS = {"sentinel": "S", "landsat": "Landsat ", "modis": "MODIS ", "spot": "SPOT ", "pleiades": "Pléiades "}
_LEVEL = re.compile(r"^(l[0-4][a-c]?|c[0-9]|grd|slc|ocn|raw|toa|sr|st)$", re.IGNORECASE)


def short_collection(collection: Optional[str]) -> str:
    """A satellite collection id short enough for a narrow column (the tooltip has the full
    id): ``sentinel-2-l2a`` -> ``S2 L2A``, ``landsat-c2-l2`` -> ``Landsat C2 L2``,
    ``SENTINEL-1`` -> ``S1``. Other ids are shown as they are (elided in the middle)."""
    if not collection:
        return ""
    words = collection.replace("_", "-").split("-")
    mission = _MISSIONS.get(words[0].lower())
    if mission is None or not all(_LEVEL.match(w) or w.isdigit() for w in words[1:]):
        return collection
    rest = words[1:]
    head = mission.strip()
    if rest and rest[0].isdigit():  # the satellite number: S2, Landsat 8
        head, rest = mission + rest[0], rest[1:]
    return " ".join([head] + [w.upper() for w in rest])


class CloudBarDelegate(QStyledItemDelegate):
    """Cloud cover as a right-aligned number over a small bar (0-100 %)."""

    BAR = QColor(120, 150, 200, 110)

    def paint(self, painter, option, index):
        cloud = index.data(CLOUD_ROLE)
        if cloud is not None and not option.state & QStyle.StateFlag.State_Selected:
            try:
                fraction = max(0.0, min(1.0, float(cloud) / 100.0))
            except (TypeError, ValueError):
                fraction = 0.0
            rect = option.rect.adjusted(2, option.rect.height() - 5, -2, -2)
            painter.save()
            painter.fillRect(QRect(rect.left(), rect.top(), int(rect.width() * fraction), rect.height()), self.BAR)
            painter.restore()
        super().paint(painter, option, index)


def days_pattern(first: _dt.date, stop: _dt.date) -> str:
    """A regular expression matching the ``YYYYMMDD`` of every day from ``first`` to the day
    before ``stop``: whole years and months as prefixes, the other days one by one."""
    parts = []
    day = first
    while day < stop:
        year_end = _dt.date(day.year + 1, 1, 1)
        next_month = _dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        if day.month == 1 and day.day == 1 and year_end <= stop:
            parts.append(f"{day.year:04d}" + r"\d{4}")
            day = year_end
        elif day.day == 1 and next_month <= stop:
            parts.append(f"{day:%Y%m}" + r"\d\d")
            day = next_month
        else:
            parts.append(f"{day:%Y%m%d}")
            day += _dt.timedelta(days=1)
    return "|".join(parts) or "(?!)"


class ResultsFilterProxy(QSortFilterProxyModel):
    """Filters on the scenes' text; sorting is delegated to the model (see module doc).

    Filtering is Qt's own (a fixed string in the model's FILTER_ROLE text), not a Python
    ``filterAcceptsRow``: with no filter text, rows pouring in during a search cost no call
    back into Python each (each one waited for the interpreter the search task was using)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._needle = ""
        self._period: Optional[tuple] = None  # (first day, day after the last) as dates
        self.setDynamicSortFilter(False)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterKeyColumn(0)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

    def setFilterFixedString(self, text: str) -> None:  # noqa: N802
        self._needle = (text or "").strip().lower()
        self._apply()

    def set_period(self, start: Optional[float], end: Optional[float]) -> None:
        """Keep the scenes of the days from ``start`` to ``end`` (UTC timestamps, end
        exclusive; None: every date)."""
        if start is None or end is None:
            self._period = None
        else:
            self._period = _day_span(start, end)
        self._apply()

    def _apply(self) -> None:
        """One regular expression on the FILTER_ROLE text (``YYYYMMDD|text``), matched by Qt:
        no call into Python per row while no filter is set."""
        if self._period is None and not self._needle:
            super().setFilterFixedString("")
            return
        pattern = ""
        if self._period is not None:
            pattern = "^(?:" + days_pattern(*self._period) + r")\|"
            if self._needle:
                pattern += ".*"
        if self._needle:
            pattern += QRegularExpression.escape(self._needle)
        self.setFilterRegularExpression(QRegularExpression(
            pattern, QRegularExpression.PatternOption.CaseInsensitiveOption))

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        self.sourceModel().sort(column, order)


def _day_span(start: float, end: float) -> Tuple[_dt.date, _dt.date]:
    first = _dt.datetime.fromtimestamp(start, _dt.timezone.utc).date()
    last = _dt.datetime.fromtimestamp(max(start, end - 1), _dt.timezone.utc).date()
    return first, last + _dt.timedelta(days=1)


def whole_days(start: float, end: float) -> Tuple[float, float]:
    """``[start, end)`` widened to whole UTC days (the table filters by day, so the map must too)."""
    first, after = _day_span(start, end)

    def stamp(day):
        return _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.timezone.utc).timestamp()
    return stamp(first), stamp(after)
