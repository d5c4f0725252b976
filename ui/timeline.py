"""How the scenes spread over time: a small bar chart above the results table, drawn with
QPainter (no plotting library), updated as pages stream in; drag across it to keep only the
scenes of that period in the table and on the map, double-click (or right-click) to clear.

Bars count scenes per day, week or month (chosen from the span of the dates) and are stacked
by cloud cover with the footprints' colours.
"""
from __future__ import annotations

import datetime as _dt
import math
from typing import List, Optional, Tuple

from qgis.PyQt.QtCore import QModelIndex, QRectF, Qt, QTimer, pyqtSignal
from qgis.PyQt.QtGui import QColor, QPainter, QPen
from qgis.PyQt.QtWidgets import QSizePolicy, QWidget
from ..i18n import tr
from ..providers.net import jsonstream

UTC = _dt.timezone.utc
# the footprint style's classes: 0-10, 10-30, 30-60, 60-100 %, no cloud figure
CLASS_COLOURS = (QColor(26, 150, 65), QColor(166, 217, 106), QColor(253, 174, 97), QColor(215, 25, 28),
                 QColor(150, 150, 150))
CLASS_LIMITS = (10.0, 30.0, 60.0)
DAY = 86400.0


def cloud_class(cloud: Optional[float]) -> int:
    if cloud is None:
        return 4
    for i, limit in enumerate(CLASS_LIMITS):
        if cloud < limit:
            return i
    return 3


def bin_unit(span_seconds: float) -> str:
    """Days for up to two months, weeks up to two years, months beyond."""
    if span_seconds <= 62 * DAY:
        return "day"
    if span_seconds <= 2 * 366 * DAY:
        return "week"
    return "month"


def bin_start(ts: float, unit: str) -> float:
    day = _dt.datetime.fromtimestamp(ts, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "week":
        day -= _dt.timedelta(days=day.weekday())
    elif unit == "month":
        day = day.replace(day=1)
    return day.timestamp()


def next_bin(start: float, unit: str) -> float:
    day = _dt.datetime.fromtimestamp(start, UTC)
    if unit == "day":
        return (day + _dt.timedelta(days=1)).timestamp()
    if unit == "week":
        return (day + _dt.timedelta(days=7)).timestamp()
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(year=year, month=month).timestamp()


class TimelineWidget(QWidget):
    """Scenes per day/week/month of a :class:`~.results_model.ResultsTableModel`.

    ``rangeSelected(start, end)`` gives the chosen period as UTC timestamps (end exclusive),
    or ``(None, None)`` when the choice is cleared."""

    rangeSelected = pyqtSignal(object, object)

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.setObjectName("timeline")
        self.model = model
        self._count = model.serial_count  # how many scenes; the scene of each, in arrival order
        self._scene_at = model.scene_by_serial
        self.setMinimumHeight(48 + self.fontMetrics().height())
        self.setMaximumHeight(64 + self.fontMetrics().height())
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self._points: List[Tuple[float, int]] = []  # (timestamp, cloud class) by serial
        self.unit = "day"
        self.bins: List[Tuple[float, float, List[int]]] = []  # (start, end, counts per class)
        self.selection: Optional[Tuple[float, float]] = None
        self._drag: Optional[Tuple[float, float]] = None  # pixels
        self._dirty = False
        self._forget_counts()
        self._rebin_timer = QTimer(self)
        self._rebin_timer.setSingleShot(True)
        self._rebin_timer.setInterval(120)  # coalesce the slices of a streaming search
        self._rebin_timer.timeout.connect(self.rebin)
        model.rowsInserted.connect(self._rows_inserted)
        model.modelReset.connect(self._reset)
        self.setToolTip(tr("Scenes over time. Drag to keep one period in the table and on the map; "
                        "double-click to show every date again."))

    # ------------------------------------------------------------------ data
    def _reset(self) -> None:
        self._points = []
        self.bins = []
        self._forget_counts()
        if self.selection is not None:
            self.clear_selection()
        self.update()

    def set_model(self, model, count, scene_at) -> None:
        """Count the scenes of ``model`` from now on (``count()`` of them, ``scene_at(i)`` in
        arrival order: the results, or one scene per group); the chosen period stays."""
        if model is self.model:
            return
        self.model.rowsInserted.disconnect(self._rows_inserted)
        self.model.modelReset.disconnect(self._reset)
        self.model, self._count, self._scene_at = model, count, scene_at
        model.rowsInserted.connect(self._rows_inserted)
        model.modelReset.connect(self._reset)
        self._points = []
        self._rows_inserted(QModelIndex(), 0, 0)
        self._rebin_timer.stop()
        self.rebin()

    def _rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        for serial in range(len(self._points), self._count()):
            scene = self._scene_at(serial)
            ts = scene.datetime.timestamp() if scene is not None and scene.datetime else math.nan
            self._points.append((ts, cloud_class(scene.cloud_cover if scene is not None else None)))
        if not self._rebin_timer.isActive():
            self._rebin_timer.start()

    @jsonstream.gui_turn()  # while a search computes: its workers hold back (see gui_turn)
    def rebin(self, full: bool = False) -> None:
        """Count the scenes per bin. Only the scenes added since the last count are counted
        while the bins stay the same (a streaming search): a whole pass takes ~10 ms per
        10,000 scenes on the GUI thread, 30 ms for 30,000 rows — more than a frame.
        ``full``: count everything again."""
        points = self._points
        if full or self._counted > len(points):
            self._forget_counts()
        fresh = [ts for ts, _c in points[self._counted:] if not math.isnan(ts)]
        if fresh:
            self._low = min(self._low, min(fresh))
            self._high = max(self._high, max(fresh))
        if self._low > self._high:  # no dated scene
            self.bins = []
            self.update()
            return
        low, high = self._low, self._high
        unit = bin_unit(high - low)
        first = bin_start(low, unit)
        edges, counts = self._edges, self._counts
        if unit == self.unit and edges and first < edges[0]:
            # earlier scenes (a search sorted newest first): bins before the first one,
            # the scenes counted so far stay counted
            before = [first]
            while next_bin(before[-1], unit) < edges[0]:
                before.append(next_bin(before[-1], unit))
            if next_bin(before[-1], unit) == edges[0]:
                edges[:0] = before
                counts[:0] = [[0] * len(CLASS_COLOURS) for _ in before]
        if unit != self.unit or not edges or edges[0] != first:
            self.unit = unit
            edges[:] = [first]
            counts.clear()
            self._counted = 0
        while edges[-1] <= high:
            edges.append(next_bin(edges[-1], unit))
            counts.append([0] * len(CLASS_COLOURS))
        todo = points[self._counted:]
        if unit == "day":
            for ts, cls in todo:
                if not math.isnan(ts):
                    counts[int((ts - first) // DAY)][cls] += 1
        else:
            import bisect
            for ts, cls in todo:
                if not math.isnan(ts):
                    counts[bisect.bisect_right(edges, ts) - 1][cls] += 1
        self._counted = len(points)
        self.bins = [(edges[i], edges[i + 1], counts[i]) for i in range(len(counts))]
        self.update()

    def _forget_counts(self) -> None:
        self._counted = 0  # points counted into _counts
        self._edges: List[float] = []
        self._counts: List[List[int]] = []
        self._low, self._high = math.inf, -math.inf

    # ------------------------------------------------------------------ geometry
    def _label_height(self) -> int:
        return self.fontMetrics().height()

    def _plot_rect(self) -> QRectF:
        return QRectF(4, 4, max(1, self.width() - 8), max(1, self.height() - 8 - self._label_height()))

    def _x_of(self, ts: float) -> float:
        rect = self._plot_rect()
        if not self.bins:
            return rect.left()
        start, end = self.bins[0][0], self.bins[-1][1]
        return rect.left() + rect.width() * (ts - start) / max(end - start, 1.0)

    def _ts_of(self, x: float) -> float:
        rect = self._plot_rect()
        start, end = self.bins[0][0], self.bins[-1][1]
        fraction = min(1.0, max(0.0, (x - rect.left()) / rect.width()))
        return start + fraction * (end - start)

    # ------------------------------------------------------------------ painting
    def paintEvent(self, _event):  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        rect = self._plot_rect()
        if not self.bins:
            painter.setPen(self.palette().color(self.foregroundRole()))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, tr("Scenes over time appear here"))
            return
        peak = max(sum(c) for _s, _e, c in self.bins) or 1
        for start, end, counts in self.bins:
            x0, x1 = self._x_of(start), self._x_of(end)
            width = max(1.0, x1 - x0 - (1 if x1 - x0 > 3 else 0))
            y = rect.bottom()
            for cls, count in enumerate(counts):
                if count:
                    h = rect.height() * count / peak
                    painter.fillRect(QRectF(x0, y - h, width, h), CLASS_COLOURS[cls])
                    y -= h
        if self.selection is not None or self._drag is not None:
            if self._drag is not None:
                a, b = sorted(self._drag)
            else:
                a, b = self._x_of(self.selection[0]), self._x_of(self.selection[1])
            shade = QColor(self.palette().color(self.palette().ColorRole.Highlight))
            shade.setAlpha(60)
            painter.fillRect(QRectF(a, rect.top(), max(1.0, b - a), rect.height()), shade)
        painter.setPen(QPen(self.palette().color(self.foregroundRole())))
        text_y = int(rect.bottom()) + 2
        line = self._label_height() + 2
        first = _dt.datetime.fromtimestamp(self.bins[0][0], UTC).strftime("%Y-%m-%d")
        last = _dt.datetime.fromtimestamp(self.bins[-1][1] - 1, UTC).strftime("%Y-%m-%d")
        painter.drawText(QRectF(rect.left(), text_y, rect.width(), line), Qt.AlignmentFlag.AlignLeft, first)
        painter.drawText(QRectF(rect.left(), text_y, rect.width(), line), Qt.AlignmentFlag.AlignHCenter,
                         self._summary(sum(sum(c) for _s, _e, c in self.bins)))
        painter.drawText(QRectF(rect.left(), text_y, rect.width(), line), Qt.AlignmentFlag.AlignRight, last)

    def _summary(self, count: int) -> str:
        if self.unit == "month":
            return tr("{count} scenes per month").format(count=count)
        if self.unit == "week":
            return tr("{count} scenes per week").format(count=count)
        return tr("{count} scenes per day").format(count=count)

    # ------------------------------------------------------------------ choosing a period
    def mousePressEvent(self, event):  # noqa: N802
        if event.button() == Qt.MouseButton.RightButton:
            self.clear_selection()
        elif event.button() == Qt.MouseButton.LeftButton and self.bins:
            x = event.pos().x()
            self._drag = (x, x)
            self.update()

    def mouseMoveEvent(self, event):  # noqa: N802
        if self._drag is not None:
            self._drag = (self._drag[0], event.pos().x())
            self.update()

    def mouseReleaseEvent(self, event):  # noqa: N802
        if self._drag is None:
            return
        a, b = sorted((self._drag[0], event.pos().x()))
        self._drag = None
        if b - a < 3:  # a click: the bin under the pointer
            ts = self._ts_of(a)
            for start, end, _c in self.bins:
                if start <= ts < end:
                    self.set_selection(start, end)
                    return
            self.update()
            return
        self.set_selection(self._ts_of(a), self._ts_of(b))

    def mouseDoubleClickEvent(self, _event):  # noqa: N802
        self.clear_selection()

    def set_selection(self, start: float, end: float) -> None:
        self.selection = (start, end)
        self.update()
        self.rangeSelected.emit(start, end)

    def clear_selection(self) -> None:
        had = self.selection is not None
        self.selection = None
        self._drag = None
        self.update()
        if had:
            self.rangeSelected.emit(None, None)
