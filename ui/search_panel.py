"""The search half of the dock: connection, collections, area of interest, dates, filters,
sort and cap, the Search and Cancel buttons and the status line.

:class:`SearchPanel` is a widget: it turns what the user set into a ``SearchRequest`` and
says what the user asked for through signals; loading collections and running searches
belong to the dock and its :class:`~.search_controller.SearchController`.
"""
from __future__ import annotations

import json
from typing import Dict, Iterable, List, Mapping, Optional

from qgis.core import QgsVectorLayer
from qgis.PyQt.QtCore import QDate, QStringListModel, Qt, pyqtSignal
from qgis.PyQt.QtGui import QStandardItem, QStandardItemModel
from qgis.PyQt.QtWidgets import (QCheckBox, QComboBox, QCompleter, QDateEdit, QFormLayout, QGroupBox,
                                 QHBoxLayout, QLabel, QLineEdit, QListView, QMenu, QProgressBar, QPushButton,
                                 QSizePolicy, QSlider, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from ..providers.model import SearchRequest
from .aoi import AoiManager, PolygonAoiTool, RectangleAoiTool
from ..i18n import tr, tr_noop

SORT_CHOICES = (
    (tr_noop("Newest first"), "-datetime"),
    (tr_noop("Oldest first"), "datetime"),
    (tr_noop("Least cloudy first"), "eo:cloud_cover"),
    (tr_noop("Server order"), ""),
)


class SearchPanel(QWidget):
    """What to search: the form at the top of the dock's Search tab."""

    connectionChanged = pyqtSignal(str)        # the connection id now chosen
    alsoSearchChanged = pyqtSignal()           # the other connections searched too changed
    groupingToggled = pyqtSignal(bool)         # "Group same scenes" switched
    manageConnectionsRequested = pyqtSignal()
    collectionsReloadRequested = pyqtSignal()
    collectionsSearchRequested = pyqtSignal(str)  # free text to search collections on the server
    collectionsChecked = pyqtSignal()          # the checked collections changed (queryables differ)
    searchRequested = pyqtSignal()
    cancelRequested = pyqtSignal()
    detailsRequested = pyqtSignal()            # the user wants the last error's details

    def __init__(self, iface, canvas, project, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.iface = iface
        self.canvas = canvas
        self.pending_collections: List[str] = []  # to check once the collections are listed
        self.also_connections: List[str] = []  # other connection ids searched with the current one
        self.aoi = AoiManager(canvas, project, self)
        self.aoi.aoiChanged.connect(self._update_aoi_label)
        self.rect_tool = RectangleAoiTool(canvas)
        self.rect_tool.rectangleDrawn.connect(lambda r: self._aoi_drawn(lambda: self.aoi.set_rectangle(r)))
        self.poly_tool = PolygonAoiTool(canvas)
        self.poly_tool.polygonDrawn.connect(
            lambda g: self._aoi_drawn(lambda: self.aoi.set_geometry(
                g, self.canvas.mapSettings().destinationCrs(), "polygon")))
        self._build_ui()

    def _build_ui(self) -> None:
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)

        conn_row = QHBoxLayout()
        self.connection_combo = QComboBox()
        self.connection_combo.setObjectName("connectionCombo")
        self.connection_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.connection_combo.currentIndexChanged.connect(self._connection_changed)
        self.manage_button = QToolButton()
        self.manage_button.setText("…")
        self.manage_button.setToolTip(tr("Manage connections"))
        self.manage_button.clicked.connect(self.manageConnectionsRequested)
        # the other catalogs to search at the same time, checked in a popup list
        self.also_button = QToolButton()
        self.also_button.setObjectName("alsoSearchButton")
        self.also_button.setText("+")
        self.also_button.setToolTip(tr("Search other catalogs at the same time"))
        self.also_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.also_menu = QMenu(self.also_button)
        self.also_menu.aboutToShow.connect(self._fill_also_menu)
        self.also_button.setMenu(self.also_menu)
        conn_row.addWidget(self.connection_combo)
        conn_row.addWidget(self.also_button)
        conn_row.addWidget(self.manage_button)
        conn_col = QVBoxLayout()
        conn_col.addLayout(conn_row)
        self.also_label = QLabel("")
        self.also_label.setObjectName("alsoSearchLabel")
        self.also_label.setWordWrap(True)
        self.also_label.setVisible(False)
        conn_col.addWidget(self.also_label)
        form.addRow(tr("Connection"), conn_col)

        coll_box = QVBoxLayout()
        coll_top = QHBoxLayout()
        self.collection_filter = QLineEdit()
        self.collection_filter.setObjectName("collectionFilter")
        self.collection_filter.setPlaceholderText(tr("Filter collections (Enter searches the server)"))
        self.collection_filter.textChanged.connect(self._filter_collections_locally)
        self.collection_filter.returnPressed.connect(self._search_collections_on_server)
        self.reload_collections_button = QToolButton()
        self.reload_collections_button.setText("⟳")
        self.reload_collections_button.setToolTip(tr("Reload the collections"))
        self.reload_collections_button.clicked.connect(self.collectionsReloadRequested)
        coll_top.addWidget(self.collection_filter)
        coll_top.addWidget(self.reload_collections_button)
        coll_box.addLayout(coll_top)
        self.collections_model = QStandardItemModel(self)
        self.collections_view = QListView()
        self.collections_view.setObjectName("collectionsView")
        self.collections_view.setModel(self.collections_model)
        self.collections_view.setMaximumHeight(110)
        self.collections_model.itemChanged.connect(lambda _i: self.collectionsChecked.emit())
        coll_box.addWidget(self.collections_view)
        form.addRow(tr("Collections"), coll_box)

        aoi_row = QHBoxLayout()
        self.aoi_buttons = {}
        for key, text, tip, slot in (
                ("rect", "▭", tr("Draw a rectangle on the map"), self._draw_rectangle),
                ("poly", "⬠", tr("Draw a polygon (right-click or double-click to finish)"), self._draw_polygon),
                ("extent", tr("Map"), tr("Use the current map extent"), self.aoi.set_from_map_extent),
                ("layer", tr("Layer"), tr("Use the extent of the active layer"), self._aoi_from_layer),
                ("selection", tr("Selected"), tr("Use the selected features of the active layer (their union)"),
                 self._aoi_from_selection),
                ("clear", "✕", tr("Clear the area of interest (search everywhere)"), self.aoi.clear)):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(tip)
            b.setObjectName(f"aoi_{key}")
            b.clicked.connect(slot)
            aoi_row.addWidget(b)
            self.aoi_buttons[key] = b
        aoi_row.addStretch(1)
        aoi_col = QVBoxLayout()
        aoi_col.addLayout(aoi_row)
        self.aoi_label = QLabel(tr("No area: the whole world"))
        self.aoi_label.setObjectName("aoiLabel")
        aoi_col.addWidget(self.aoi_label)
        form.addRow(tr("Area"), aoi_col)

        date_row = QHBoxLayout()
        self.use_dates = QCheckBox()
        self.use_dates.setToolTip(tr("Filter by acquisition date (end date included)"))
        self.use_dates.setChecked(True)
        self.start_date = QDateEdit()
        self.start_date.setObjectName("startDate")
        self.end_date = QDateEdit()
        self.end_date.setObjectName("endDate")
        for d in (self.start_date, self.end_date):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        today = QDate.currentDate()
        self.start_date.setDate(today.addDays(-30))
        self.end_date.setDate(today)
        self.use_dates.toggled.connect(self.start_date.setEnabled)
        self.use_dates.toggled.connect(self.end_date.setEnabled)
        date_row.addWidget(self.use_dates)
        date_row.addWidget(self.start_date)
        date_row.addWidget(QLabel("→"))
        date_row.addWidget(self.end_date)
        form.addRow(tr("Dates"), date_row)

        cloud_row = QHBoxLayout()
        self.cloud_slider = QSlider(Qt.Orientation.Horizontal)
        self.cloud_slider.setObjectName("cloudSlider")
        self.cloud_slider.setRange(0, 100)
        self.cloud_slider.setValue(100)
        self.cloud_label = QLabel()
        self.cloud_label.setMinimumWidth(70)
        self.cloud_slider.valueChanged.connect(self._update_cloud_label)
        cloud_row.addWidget(self.cloud_slider)
        cloud_row.addWidget(self.cloud_label)
        self._update_cloud_label(100)
        form.addRow(tr("Max cloud"), cloud_row)

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("cql2Edit")
        self.filter_edit.setPlaceholderText(tr("CQL2, e.g. platform = 'landsat-8' AND view:sun_elevation > 30"))
        self.queryables_completer = QCompleter([], self.filter_edit)
        self.queryables_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter_edit.setCompleter(self.queryables_completer)
        form.addRow(tr("Filter"), self.filter_edit)

        # per-collection attribute filters, for catalogs that declare common ones (CDSE)
        self.attributes_box = QGroupBox(tr("Attributes"))
        self.attributes_box.setObjectName("attributesBox")
        self.attributes_form = QFormLayout(self.attributes_box)
        self.attributes_form.setContentsMargins(4, 4, 4, 4)
        self.attribute_widgets: Dict[str, QWidget] = {}
        self.attributes_box.setVisible(False)
        form.addRow(self.attributes_box)

        opt_row = QHBoxLayout()
        self.sort_combo = QComboBox()
        self.sort_combo.setObjectName("sortCombo")
        for label, value in SORT_CHOICES:
            self.sort_combo.addItem(tr(label), value)
        self.limit_spin = QSpinBox()
        self.limit_spin.setObjectName("limitSpin")
        self.limit_spin.setRange(0, 1_000_000)
        self.limit_spin.setValue(500)
        self.limit_spin.setSpecialValueText(tr("all"))
        self.limit_spin.setToolTip(tr("At most this many scenes (0 = all)"))
        opt_row.addWidget(self.sort_combo, 1)
        opt_row.addWidget(QLabel(tr("max")))
        opt_row.addWidget(self.limit_spin)
        form.addRow(tr("Sort"), opt_row)

        btn_row = QHBoxLayout()
        self.search_button = QPushButton(tr("Search"))
        self.search_button.setObjectName("searchButton")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.searchRequested)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.group_button = QToolButton()
        self.group_button.setObjectName("groupScenesButton")
        self.group_button.setText(tr("Group same scenes"))
        self.group_button.setToolTip(tr("One row per scene with the catalogs that hold it; off: one row per catalog"))
        self.group_button.setCheckable(True)
        self.group_button.setChecked(True)
        self.group_button.toggled.connect(self.groupingToggled)
        btn_row.addWidget(self.search_button, 2)
        btn_row.addWidget(self.cancel_button, 1)
        btn_row.addWidget(self.group_button)
        form.addRow(btn_row)

        self.status_label = QLabel("")
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        self.details_button = QToolButton()
        self.details_button.setText(tr("Details…"))
        self.details_button.setVisible(False)
        self.details_button.clicked.connect(self.detailsRequested)
        st_row = QHBoxLayout()
        st_row.addWidget(self.status_label, 1)
        st_row.addWidget(self.details_button)
        form.addRow(st_row)
        # a search over several catalogs: how each one is doing
        self.catalogs_label = QLabel("")
        self.catalogs_label.setObjectName("catalogsLabel")
        self.catalogs_label.setWordWrap(True)
        self.catalogs_label.setVisible(False)
        form.addRow(self.catalogs_label)
        # how far the search is, when that is known (a match count, date slices)
        self.search_progress = QProgressBar()
        self.search_progress.setObjectName("searchProgress")
        self.search_progress.setMaximumHeight(12)
        self.search_progress.setTextVisible(False)
        self.search_progress.setVisible(False)
        form.addRow(self.search_progress)

    # ------------------------------------------------------------------ connections
    def set_connections(self, entries: Iterable[tuple]) -> None:
        """Fill the connection list with ``(id, label, tooltip or None)`` without
        announcing a change."""
        self.connection_combo.blockSignals(True)
        self.connection_combo.clear()
        for cid, label, tooltip in entries:
            self.connection_combo.addItem(label, cid)
            if tooltip:
                self.connection_combo.setItemData(self.connection_combo.count() - 1, tooltip,
                                                  Qt.ItemDataRole.ToolTipRole)
        self.connection_combo.blockSignals(False)

    def current_connection_id(self) -> Optional[str]:
        return self.connection_combo.currentData()

    def select_connection(self, cid: Optional[str]) -> bool:
        """Choose ``cid``; choosing the current one again announces it again (reload)."""
        if cid is None:
            return False
        idx = self.connection_combo.findData(cid)
        if idx < 0:
            return False
        if idx == self.connection_combo.currentIndex():
            self._connection_changed(idx)
        else:
            self.connection_combo.setCurrentIndex(idx)
        return True

    def _connection_changed(self, _index: int) -> None:
        cid = self.current_connection_id()
        if cid is not None:
            self.connectionChanged.emit(cid)
            self.alsoSearchChanged.emit()

    def connection_ids(self) -> List[str]:
        return [self.connection_combo.itemData(i) for i in range(self.connection_combo.count())]

    def checked_connection_ids(self) -> List[str]:
        """The connections a search runs on: the current one first, then the others checked."""
        current = self.current_connection_id()
        if current is None:
            return []
        known = set(self.connection_ids())
        return [current] + [c for c in self.also_connections if c != current and c in known]

    def set_also_connections(self, ids: Iterable[str]) -> None:
        """Search ``ids`` too (besides the current connection)."""
        self.also_connections = list(dict.fromkeys(ids))
        self.alsoSearchChanged.emit()

    def _fill_also_menu(self) -> None:
        self.also_menu.clear()
        title = self.also_menu.addAction(tr("Also search:"))
        title.setEnabled(False)
        current = self.current_connection_id()
        for i in range(self.connection_combo.count()):
            cid = self.connection_combo.itemData(i)
            if cid == current:
                continue
            action = self.also_menu.addAction(self.connection_combo.itemText(i))
            action.setCheckable(True)
            action.setChecked(cid in self.also_connections)
            action.toggled.connect(lambda on, c=cid: self._toggle_also(c, on))

    def _toggle_also(self, cid: str, on: bool) -> None:
        ids = [c for c in self.also_connections if c != cid] + ([cid] if on else [])
        self.set_also_connections(ids)

    def set_also_text(self, text: str, tooltip: str = "") -> None:
        """Say which collections each other catalog will be searched with."""
        self.also_label.setText(text)
        self.also_label.setToolTip(tooltip)
        self.also_label.setVisible(bool(text))
        self.also_button.setText("+" if not text else tr("+{count}").format(
            count=len(self.checked_connection_ids()) - 1))

    def set_catalogs_text(self, text: str) -> None:
        """How each catalog of a multi-catalog search is doing (empty: one catalog)."""
        self.catalogs_label.setText(text)
        self.catalogs_label.setVisible(bool(text))

    # ------------------------------------------------------------------ collections
    def set_collections(self, infos) -> None:
        """List ``infos`` (CollectionInfo), keeping checked what was checked or asked for."""
        checked = set(self.pending_collections) | set(self.selected_collections())
        self.collections_model.clear()
        for info in sorted(infos or [], key=lambda c: (c.title or c.id).lower()):
            item = QStandardItem(f"{info.title} ({info.id})" if info.title and info.title != info.id else info.id)
            item.setData(info.id, Qt.ItemDataRole.UserRole)
            item.setToolTip(info.tooltip())
            item.setCheckable(True)
            item.setEditable(False)
            item.setCheckState(Qt.CheckState.Checked if info.id in checked else Qt.CheckState.Unchecked)
            self.collections_model.appendRow(item)
        self.pending_collections = []
        self._filter_collections_locally(self.collection_filter.text())

    def _search_collections_on_server(self) -> None:
        text = self.collection_filter.text().strip()
        if text:
            self.collectionsSearchRequested.emit(text)

    # ------------------------------------------------------------------ queryables
    def set_queryables(self, queryables: Mapping[str, dict]) -> None:
        """Offer the queryables' names in the filter's completer and their common ones as
        attribute filters."""
        names = sorted(queryables.keys())
        self.queryables_completer.setModel(QStringListModel(names, self.queryables_completer))
        self.filter_edit.setToolTip(tr("Properties you can filter on: {names}").format(names=", ".join(names[:60])))
        self._build_attribute_filters(dict(queryables))

    def clear_attribute_filters(self) -> None:
        self._build_attribute_filters({})

    # ------------------------------------------------------------------ settings
    def save_settings(self, s, prefix: str) -> None:
        """Remember the connection and the form under ``prefix`` in QgsSettings ``s``."""
        s.setValue(prefix + "connection", self.current_connection_id() or "")
        s.setValue(prefix + "also_connections", json.dumps(self.checked_connection_ids()[1:]))
        s.setValue(prefix + "group_scenes", self.group_button.isChecked())
        s.setValue(prefix + "collections", json.dumps(self.selected_collections()))
        s.setValue(prefix + "use_dates", self.use_dates.isChecked())
        s.setValue(prefix + "start", self.start_date.date().toString("yyyy-MM-dd"))
        s.setValue(prefix + "end", self.end_date.date().toString("yyyy-MM-dd"))
        s.setValue(prefix + "max_cloud", self.cloud_slider.value())
        s.setValue(prefix + "sort", self.sort_combo.currentIndex())
        s.setValue(prefix + "limit", self.limit_spin.value())

    def restore_settings(self, s, prefix: str, first_run: bool) -> None:
        """Put the form back as it was saved (the collections are checked once listed).
        On a first run the dates are off, so a newcomer sees the demo catalog's scenes."""
        try:
            self.pending_collections = json.loads(s.value(prefix + "collections", "[]", type=str) or "[]")
        except ValueError:
            self.pending_collections = []
        try:
            self.also_connections = [str(c) for c in json.loads(
                s.value(prefix + "also_connections", "[]", type=str) or "[]")]
        except ValueError:
            self.also_connections = []
        self.group_button.setChecked(s.value(prefix + "group_scenes", True, type=bool))
        if first_run:
            self.use_dates.setChecked(False)
            return
        self.use_dates.setChecked(s.value(prefix + "use_dates", True, type=bool))
        start = QDate.fromString(s.value(prefix + "start", "", type=str), "yyyy-MM-dd")
        end = QDate.fromString(s.value(prefix + "end", "", type=str), "yyyy-MM-dd")
        if start.isValid():
            self.start_date.setDate(start)
        if end.isValid():
            self.end_date.setDate(end)
        self.cloud_slider.setValue(s.value(prefix + "max_cloud", 100, type=int))
        self.sort_combo.setCurrentIndex(max(0, s.value(prefix + "sort", 0, type=int)))
        self.limit_spin.setValue(s.value(prefix + "limit", 500, type=int))

    # ------------------------------------------------------------------ state
    def set_searching(self, searching: bool) -> None:
        """Search disabled and Cancel enabled while a search runs."""
        self.search_button.setEnabled(not searching)
        self.cancel_button.setEnabled(searching)
        if not searching:
            self.search_progress.setVisible(False)

    def set_progress(self, done: float, total: float, tooltip: str = "") -> None:
        """Show ``done`` of ``total`` (total 0: unknown, no bar)."""
        if total <= 0:
            self.search_progress.setVisible(False)
            return
        self.search_progress.setRange(0, 1000)
        self.search_progress.setValue(int(1000 * min(1.0, max(0.0, done / total))))
        self.search_progress.setToolTip(tooltip)
        self.search_progress.setVisible(True)

    def set_status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #b00020;" if error else "")

    def set_details_available(self, available: bool) -> None:
        self.details_button.setVisible(available)

    def remove_from_map(self) -> None:
        """Put the map tools down and remove the AOI drawing (dock unload)."""
        for tool in (self.rect_tool, self.poly_tool):
            if self.canvas.mapTool() is tool:
                self.canvas.unsetMapTool(tool)
        self.aoi.remove()

    # ------------------------------------------------------------------ helpers
    def selected_collections(self) -> List[str]:
        out = []
        for row in range(self.collections_model.rowCount()):
            item = self.collections_model.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def set_selected_collections(self, ids: List[str]) -> None:
        wanted = set(ids)
        self.pending_collections = list(ids)
        for row in range(self.collections_model.rowCount()):
            item = self.collections_model.item(row)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in wanted
                               else Qt.CheckState.Unchecked)

    def _filter_collections_locally(self, text: str) -> None:
        needle = (text or "").lower()
        for row in range(self.collections_model.rowCount()):
            item = self.collections_model.item(row)
            hay = (item.text() + " " + (item.toolTip() or "")).lower()
            self.collections_view.setRowHidden(row, bool(needle) and needle not in hay
                                               and item.checkState() != Qt.CheckState.Checked)

    def _build_attribute_filters(self, queryables: dict) -> None:
        """A combo (declared values) or a text field per common attribute of the collection."""
        previous = self.attribute_filters()
        while self.attributes_form.rowCount():
            self.attributes_form.removeRow(0)
        self.attribute_widgets = {}
        common = [(n, s) for n, s in queryables.items() if isinstance(s, dict) and s.get("x-common")]
        for name, schema in common:
            if schema.get("enum"):
                w = QComboBox()
                w.addItem(tr("any"), None)
                for value in schema["enum"]:
                    w.addItem(str(value), value)
                if name in previous:
                    w.setCurrentIndex(max(0, w.findData(previous[name])))
            else:
                w = QLineEdit()
                w.setPlaceholderText(tr("any") if schema.get("type") != "number" else tr("any (a number)"))
                w.setText(str(previous.get(name, "")))
            w.setObjectName(f"attr_{name}")
            self.attribute_widgets[name] = w
            self.attributes_form.addRow(schema.get("title") or name, w)
        self.attributes_box.setVisible(bool(common))

    def attribute_filters(self) -> dict:
        """The attribute filters the user set (provider-specific, e.g. CDSE productType)."""
        out = {}
        for name, w in self.attribute_widgets.items():
            value = w.currentData() if isinstance(w, QComboBox) else (w.text().strip() or None)
            if value not in (None, ""):
                out[name] = value
        return out

    # ------------------------------------------------------------------ AOI
    def _draw_rectangle(self) -> None:
        self.canvas.setMapTool(self.rect_tool)

    def _draw_polygon(self) -> None:
        self.canvas.setMapTool(self.poly_tool)

    def _aoi_drawn(self, apply) -> None:
        apply()
        self.canvas.unsetMapTool(self.rect_tool)
        self.canvas.unsetMapTool(self.poly_tool)

    def _active_vector_layer(self) -> Optional[QgsVectorLayer]:
        layer = self.iface.activeLayer()
        return layer if layer is not None and layer.isValid() else None

    def _aoi_from_layer(self) -> None:
        layer = self._active_vector_layer()
        if layer is None:
            self.set_status(tr("Select a layer in the Layers panel first."), error=True)
            return
        self.aoi.set_from_layer_extent(layer)

    def _aoi_from_selection(self) -> None:
        layer = self._active_vector_layer()
        if not isinstance(layer, QgsVectorLayer):
            self.set_status(tr("Select a vector layer with selected polygons first."), error=True)
            return
        if not self.aoi.set_from_selected_features(layer):
            self.set_status(tr("“{name}” has no selected polygon features.").format(name=layer.name()), error=True)

    def _update_aoi_label(self) -> None:
        if self.aoi.geometry is None:
            self.aoi_label.setText(tr("No area: the whole world"))
            return
        self.aoi_label.setText(tr("{area} · {km2:,.0f} km²").format(
            area=self.aoi.source or tr("Area"), km2=self.aoi.area_km2()))

    # ------------------------------------------------------------------ search
    def _update_cloud_label(self, value: int) -> None:
        self.cloud_label.setText(tr("any") if value >= 100 else tr("≤ {value} %").format(value=value))

    def build_request(self) -> SearchRequest:
        start = end = None
        if self.use_dates.isChecked():
            start = self.start_date.date().toString("yyyy-MM-dd")
            end = self.end_date.date().toString("yyyy-MM-dd")
        cloud = self.cloud_slider.value()
        return SearchRequest.create(
            aoi=self.aoi.geojson(),
            start=start,
            end=end,
            collections=self.selected_collections(),
            max_cloud=None if cloud >= 100 else cloud,
            cql2=self.filter_edit.text(),
            sortby=self.sort_combo.currentData() or None,
            limit=self.limit_spin.value() or None,
            provider_filters=self.attribute_filters() or None,
        )

