"""The EO Scene Finder dock: connection, collections, AOI, filters, background search,
results table with footprints, scene details with quicklook and assets, downloads."""
from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional

from qgis.core import (Qgis, QgsCoordinateTransform, QgsMessageLog, QgsProject, QgsSettings,
                       QgsVectorLayer)
from qgis.PyQt.QtCore import QDate, QItemSelectionModel, Qt, QTimer
from qgis.PyQt.QtGui import QGuiApplication, QImage, QPixmap, QStandardItem, QStandardItemModel
from qgis.PyQt.QtWidgets import (QAbstractItemView, QComboBox, QCompleter, QDateEdit, QDockWidget, QFormLayout,
                                 QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListView, QMenu,
                                 QMessageBox, QPushButton, QSizePolicy, QSlider, QSpinBox, QSplitter,
                                 QTableView, QTabWidget, QToolButton, QTreeWidget, QTreeWidgetItem,
                                 QVBoxLayout, QWidget, QCheckBox)

from ..providers.errors import EoSceneFinderError, InvalidRequestError
from ..providers.model import Scene, SearchRequest
from ..providers.redact import strip_signature
from ..services.connection_store import ConnectionStore
from ..services.providers import open_connection
from ..services.tasks import task_keeper
from ..tasks.function_task import FunctionTask
from ..tasks.raster_task import OpenRemoteRasterTask
from ..tasks.search_task import SearchTask, release_results
from .downloads_widget import DownloadsWidget
from .aoi import AoiManager, PolygonAoiTool, RectangleAoiTool
from .footprints import FootprintLayer
from .results_model import SCENE_ROLE, ResultsFilterProxy, ResultsTableModel

LOG_TAG = "EO Scene Finder"
SETTINGS_PREFIX = "eo_scene_finder/panel/"
DEFAULT_CONNECTION = "demo"
ROWS_PER_SLICE = 200  # rows added to the table per event-loop turn

SORT_CHOICES = (
    ("Newest first", "-datetime"),
    ("Oldest first", "datetime"),
    ("Least cloudy first", "eo:cloud_cover"),
    ("Server order", ""),
)
PREFERRED_VIEW_ASSETS = ("visual", "rendered_preview_cog", "data", "image", "src_xs", "B04", "red", "SR_B4")


def _log(message: str, level=Qgis.Info) -> None:
    QgsMessageLog.logMessage(message, LOG_TAG, level)


def pick_view_asset(scene: Scene):
    """The asset to stream when a user adds a whole scene to the map."""
    for key in PREFERRED_VIEW_ASSETS:
        asset = scene.assets.get(key)
        if asset is not None and asset.is_cog:
            return asset
    for asset in scene.assets.values():
        if asset.is_cog and asset.is_data:
            return asset
    for asset in scene.assets.values():
        if asset.is_cog:
            return asset
    return None


@dataclass
class SearchOutcome:
    """How a search ended, copied off its task (which the task manager deletes)."""

    error: Optional[EoSceneFinderError]
    cancelled: bool
    more: bool
    truncated: bool
    matched: Optional[int]
    limit: Optional[int]
    warnings: List[str]


class SceneFinderDock(QDockWidget):
    """Dock widget hosting the whole search workflow."""

    def __init__(self, iface, plugin=None, parent=None):
        super().__init__("EO Scene Finder", parent or iface.mainWindow())
        self.setObjectName("EoSceneFinderDock")
        self.iface = iface
        self.plugin = plugin
        self.canvas = iface.mapCanvas()
        self.project = QgsProject.instance()
        self.settings = QgsSettings()
        self._connections: Dict[str, object] = {}
        self.keeper = task_keeper()
        self.search_task: Optional[SearchTask] = None
        self._quicklook_cache: Dict[str, QImage] = {}
        self._last_error: Optional[EoSceneFinderError] = None
        self._collections_loaded_for: Optional[str] = None
        self._pending_collections: List[str] = []
        self._first_run = False
        self._showcase_demo = False
        self._pending_scenes = deque()
        self._pending_more = False
        self._progress_text = ""
        self._finish_after_rows: Optional[SearchOutcome] = None
        self._row_pump = QTimer(self)
        self._row_pump.setInterval(0)
        self._row_pump.timeout.connect(self._pump_rows)

        self.aoi = AoiManager(self.canvas, self.project, self)
        self.aoi.aoiChanged.connect(self._update_aoi_label)
        self.rect_tool = RectangleAoiTool(self.canvas)
        self.rect_tool.rectangleDrawn.connect(lambda r: self._aoi_drawn(lambda: self.aoi.set_rectangle(r)))
        self.poly_tool = PolygonAoiTool(self.canvas)
        self.poly_tool.polygonDrawn.connect(
            lambda g: self._aoi_drawn(lambda: self.aoi.set_geometry(
                g, self.canvas.mapSettings().destinationCrs(), "polygon")))
        self.footprints = FootprintLayer(self.project, self)
        self.footprints.selectionChanged.connect(self._select_rows_from_map)

        self._build_ui()
        self._load_connections()
        self._restore_settings()

    # ------------------------------------------------------------------ UI building
    def _build_ui(self) -> None:
        body = QWidget(self)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(4, 4, 4, 4)
        self.tabs = QTabWidget(body)
        outer.addWidget(self.tabs)
        self.setWidget(body)

        # --- Search tab -------------------------------------------------------------
        search_tab = QWidget()
        self.tabs.addTab(search_tab, "Search")
        sl = QVBoxLayout(search_tab)
        sl.setContentsMargins(2, 2, 2, 2)
        splitter = QSplitter(Qt.Orientation.Vertical, search_tab)
        sl.addWidget(splitter)

        params = QWidget()
        form = QFormLayout(params)
        form.setContentsMargins(0, 0, 0, 0)

        conn_row = QHBoxLayout()
        self.connection_combo = QComboBox()
        self.connection_combo.setObjectName("connectionCombo")
        self.connection_combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.connection_combo.currentIndexChanged.connect(self._connection_changed)
        self.manage_button = QToolButton()
        self.manage_button.setText("…")
        self.manage_button.setToolTip("Manage connections")
        self.manage_button.clicked.connect(self._open_connection_manager)
        conn_row.addWidget(self.connection_combo)
        conn_row.addWidget(self.manage_button)
        form.addRow("Connection", conn_row)

        coll_box = QVBoxLayout()
        coll_top = QHBoxLayout()
        self.collection_filter = QLineEdit()
        self.collection_filter.setObjectName("collectionFilter")
        self.collection_filter.setPlaceholderText("Filter collections (Enter searches the server)")
        self.collection_filter.textChanged.connect(self._filter_collections_locally)
        self.collection_filter.returnPressed.connect(self._search_collections_on_server)
        self.reload_collections_button = QToolButton()
        self.reload_collections_button.setText("⟳")
        self.reload_collections_button.setToolTip("Reload the collections")
        self.reload_collections_button.clicked.connect(lambda: self._load_collections(force=True))
        coll_top.addWidget(self.collection_filter)
        coll_top.addWidget(self.reload_collections_button)
        coll_box.addLayout(coll_top)
        self.collections_model = QStandardItemModel(self)
        self.collections_view = QListView()
        self.collections_view.setObjectName("collectionsView")
        self.collections_view.setModel(self.collections_model)
        self.collections_view.setMaximumHeight(110)
        self.collections_model.itemChanged.connect(lambda _i: self._queryables_later())
        coll_box.addWidget(self.collections_view)
        form.addRow("Collections", coll_box)

        aoi_row = QHBoxLayout()
        self.aoi_buttons = {}
        for key, text, tip, slot in (
                ("rect", "▭", "Draw a rectangle on the map", self._draw_rectangle),
                ("poly", "⬠", "Draw a polygon (right-click or double-click to finish)", self._draw_polygon),
                ("extent", "Map", "Use the current map extent", self.aoi.set_from_map_extent),
                ("layer", "Layer", "Use the extent of the active layer", self._aoi_from_layer),
                ("selection", "Selected", "Use the selected features of the active layer (their union)",
                 self._aoi_from_selection),
                ("clear", "✕", "Clear the area of interest (search everywhere)", self.aoi.clear)):
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
        self.aoi_label = QLabel("No area: the whole world")
        self.aoi_label.setObjectName("aoiLabel")
        aoi_col.addWidget(self.aoi_label)
        form.addRow("Area", aoi_col)

        date_row = QHBoxLayout()
        self.use_dates = QCheckBox()
        self.use_dates.setToolTip("Filter by acquisition date (end date included)")
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
        form.addRow("Dates", date_row)

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
        form.addRow("Max cloud", cloud_row)

        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("cql2Edit")
        self.filter_edit.setPlaceholderText("CQL2, e.g. platform = 'landsat-8' AND view:sun_elevation > 30")
        self.queryables_completer = QCompleter([], self.filter_edit)
        self.queryables_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter_edit.setCompleter(self.queryables_completer)
        form.addRow("Filter", self.filter_edit)

        # per-collection attribute filters, for catalogs that declare common ones (CDSE)
        self.attributes_box = QGroupBox("Attributes")
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
            self.sort_combo.addItem(label, value)
        self.limit_spin = QSpinBox()
        self.limit_spin.setObjectName("limitSpin")
        self.limit_spin.setRange(0, 1_000_000)
        self.limit_spin.setValue(500)
        self.limit_spin.setSpecialValueText("all")
        self.limit_spin.setToolTip("At most this many scenes (0 = all)")
        opt_row.addWidget(self.sort_combo, 1)
        opt_row.addWidget(QLabel("max"))
        opt_row.addWidget(self.limit_spin)
        form.addRow("Sort", opt_row)

        btn_row = QHBoxLayout()
        self.search_button = QPushButton("Search")
        self.search_button.setObjectName("searchButton")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.start_search)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_search)
        btn_row.addWidget(self.search_button, 2)
        btn_row.addWidget(self.cancel_button, 1)
        form.addRow(btn_row)

        self.status_label = QLabel("")
        self.status_label.setObjectName("statusLabel")
        self.status_label.setWordWrap(True)
        self.details_button = QToolButton()
        self.details_button.setText("Details…")
        self.details_button.setVisible(False)
        self.details_button.clicked.connect(self._show_error_details)
        st_row = QHBoxLayout()
        st_row.addWidget(self.status_label, 1)
        st_row.addWidget(self.details_button)
        form.addRow(st_row)
        splitter.addWidget(params)

        results = QWidget()
        rl = QVBoxLayout(results)
        rl.setContentsMargins(0, 0, 0, 0)
        res_top = QHBoxLayout()
        self.results_filter = QLineEdit()
        self.results_filter.setObjectName("resultsFilter")
        self.results_filter.setPlaceholderText("Filter results by text")
        self.add_button = QPushButton("Add to map")
        self.add_button.setObjectName("addToMapButton")
        self.add_button.setToolTip("Stream the selected scenes' imagery (COG) without downloading")
        self.add_button.clicked.connect(self.add_selected_to_map)
        self.download_button = QPushButton("Download")
        self.download_button.setObjectName("downloadButton")
        self.download_button.clicked.connect(self.download_selected)
        res_top.addWidget(self.results_filter, 1)
        res_top.addWidget(self.add_button)
        res_top.addWidget(self.download_button)
        rl.addLayout(res_top)
        self.results_model = ResultsTableModel(self)
        self.results_proxy = ResultsFilterProxy(self)
        self.results_proxy.setSourceModel(self.results_model)
        self.results_filter.textChanged.connect(self.results_proxy.setFilterFixedString)
        self.results_view = QTableView()
        self.results_view.setObjectName("resultsView")
        self.results_view.setModel(self.results_proxy)
        # server order until the user clicks a header (the server already sorted)
        self.results_view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.results_view.setSortingEnabled(True)
        self.results_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.results_view.verticalHeader().setVisible(False)
        self.results_view.verticalHeader().setDefaultSectionSize(20)
        self.results_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.results_view.horizontalHeader().setStretchLastSection(True)
        self.results_view.setColumnWidth(0, 115)
        self.results_view.setColumnWidth(2, 260)
        self.results_view.setColumnWidth(3, 60)
        self.results_view.doubleClicked.connect(self._zoom_to_index)
        self.results_view.selectionModel().selectionChanged.connect(self._results_selection_changed)
        self.results_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.results_view.customContextMenuRequested.connect(self._results_menu)
        rl.addWidget(self.results_view)
        splitter.addWidget(results)
        splitter.setStretchFactor(1, 1)

        # --- Scene tab ---------------------------------------------------------------
        scene_tab = QWidget()
        self.tabs.addTab(scene_tab, "Scene")
        scl = QVBoxLayout(scene_tab)
        self.scene_title = QLabel("Select a scene in the results.")
        self.scene_title.setWordWrap(True)
        self.scene_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.scene_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scl.addWidget(self.scene_title)
        self.quicklook = QLabel()
        self.quicklook.setObjectName("quicklookLabel")
        self.quicklook.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.quicklook.setMinimumHeight(160)
        self.quicklook.setMaximumHeight(260)
        self.quicklook.setWordWrap(True)  # a long error must not widen the dock
        self.quicklook.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        scl.addWidget(self.quicklook)
        asset_box = QGroupBox("Assets")
        al = QVBoxLayout(asset_box)
        self.assets_tree = QTreeWidget()
        self.assets_tree.setObjectName("assetsTree")
        self.assets_tree.setHeaderLabels(["Asset", "Type", "Roles"])
        self.assets_tree.setRootIsDecorated(False)
        al.addWidget(self.assets_tree)
        ab = QHBoxLayout()
        self.asset_add_button = QPushButton("Add to map")
        self.asset_add_button.setObjectName("assetAddButton")
        self.asset_add_button.clicked.connect(self._add_current_asset)
        self.asset_download_button = QPushButton("Download")
        self.asset_download_button.setObjectName("assetDownloadButton")
        self.asset_download_button.clicked.connect(self._download_current_asset)
        self.asset_copy_button = QPushButton("Copy link")
        self.asset_copy_button.setObjectName("assetCopyButton")
        self.asset_copy_button.clicked.connect(self._copy_current_asset)
        for b in (self.asset_add_button, self.asset_download_button, self.asset_copy_button):
            ab.addWidget(b)
        al.addLayout(ab)
        scl.addWidget(asset_box, 1)
        prop_box = QGroupBox("Properties")
        pl = QVBoxLayout(prop_box)
        self.properties_tree = QTreeWidget()
        self.properties_tree.setObjectName("propertiesTree")
        self.properties_tree.setHeaderLabels(["Property", "Value"])
        self.properties_tree.setRootIsDecorated(False)
        pl.addWidget(self.properties_tree)
        scl.addWidget(prop_box, 1)
        self.current_scene: Optional[Scene] = None

        # --- Downloads tab -------------------------------------------------------------
        self.downloads_widget = DownloadsWidget(self, keeper=self.keeper)
        self.tabs.addTab(self.downloads_widget, "Downloads")

    # ------------------------------------------------------------------ connections
    def _load_connections(self) -> None:
        from ..providers import connections as conns

        self._connections = {}
        self.connection_combo.blockSignals(True)
        self.connection_combo.clear()
        saved = {}
        try:
            saved = self._connection_store().as_mapping()
        except Exception as err:  # noqa: BLE001 - a broken setting must not kill the dock
            _log(f"Could not read saved connections: {err}", Qgis.Warning)
        for name, conn in saved.items():
            self._connections[name] = conn
            self.connection_combo.addItem(name, name)
        for pid, preset in conns.PRESETS.items():
            if pid in self._connections:
                continue
            self._connections[pid] = preset.connection()
            self.connection_combo.addItem(preset.title, pid)
            self.connection_combo.setItemData(self.connection_combo.count() - 1,
                                              f"{preset.description}\n{preset.url}", Qt.ItemDataRole.ToolTipRole)
        self.connection_combo.blockSignals(False)

    def _connection_store(self) -> ConnectionStore:
        return ConnectionStore()

    def _open_connection_manager(self) -> None:
        from .connections_dialog import ConnectionsDialog

        current = self.current_connection_id()
        dlg = ConnectionsDialog(self, self._connection_store())
        dlg.exec()  # what it saves drops the shared providers of the changed connections
        self._load_connections()
        self.select_connection(current)

    def current_connection_id(self) -> Optional[str]:
        return self.connection_combo.currentData()

    def select_connection(self, cid: Optional[str]) -> bool:
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

    def connection_text(self, cid: str) -> str:
        """How a saved project names this connection (a saved name, a preset id, or the
        ``KIND+URL?options`` string of an ad-hoc one; never a secret)."""
        from ..providers.connections import PRESETS, connection_string

        try:
            saved = self._connection_store().get(cid) is not None
        except Exception as err:  # noqa: BLE001 - a broken setting: name it by its URL
            _log(f"Could not read saved connections: {err}", Qgis.Warning)
            saved = False
        if saved or cid in PRESETS:
            return cid
        return connection_string(self._connections[cid])

    def provider(self, cid: Optional[str] = None):
        """The shared provider for a connection (opened once, reused: it caches conformance and
        signatures). Opening it does no network I/O."""
        return self.provider_factory(cid or self.current_connection_id())()

    def provider_factory(self, cid: str) -> Callable[[], object]:
        """What a worker thread calls to get the provider of ``cid`` (the connection text is
        taken now, on the GUI thread)."""
        text = self.connection_text(cid)
        return lambda: open_connection(text)

    def _connection_changed(self, _index: int) -> None:
        cid = self.current_connection_id()
        if cid is None:
            return
        self.collections_model.clear()
        self._collections_loaded_for = None
        self._build_attribute_filters({})
        self._load_collections()

    # ------------------------------------------------------------------ collections
    def _load_collections(self, force: bool = False, text: Optional[str] = None) -> None:
        cid = self.current_connection_id()
        if cid is None or (self._collections_loaded_for == cid and not force and text is None):
            return
        self._set_status(f"Loading collections of {cid}…")
        open_provider = self.provider_factory(cid)

        def fetch():
            prov = open_provider()
            return prov.search_collections(text) if text else prov.list_collections()

        task = FunctionTask(f"EO Scene Finder: collections of {cid}", fetch)
        task.done.connect(lambda t: self._collections_loaded(cid, t))
        self._run_task(task)

    def _collections_loaded(self, cid: str, task: FunctionTask) -> None:
        if cid != self.current_connection_id():
            return
        if task.error is not None:
            self._show_error(task.error, "Loading collections failed")
            return
        checked = set(self._pending_collections) | set(self.selected_collections())
        self.collections_model.clear()
        for info in sorted(task.result or [], key=lambda c: (c.title or c.id).lower()):
            item = QStandardItem(f"{info.title} ({info.id})" if info.title and info.title != info.id else info.id)
            item.setData(info.id, Qt.ItemDataRole.UserRole)
            item.setToolTip(info.tooltip())
            item.setCheckable(True)
            item.setEditable(False)
            item.setCheckState(Qt.CheckState.Checked if info.id in checked else Qt.CheckState.Unchecked)
            self.collections_model.appendRow(item)
        self._pending_collections = []
        self._collections_loaded_for = cid
        self._filter_collections_locally(self.collection_filter.text())
        self._set_status(f"{self.collections_model.rowCount()} collections on {cid}.")
        self._queryables_later()
        self.search_demo_on_first_run()

    def selected_collections(self) -> List[str]:
        out = []
        for row in range(self.collections_model.rowCount()):
            item = self.collections_model.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def set_selected_collections(self, ids: List[str]) -> None:
        wanted = set(ids)
        self._pending_collections = list(ids)
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

    def _search_collections_on_server(self) -> None:
        text = self.collection_filter.text().strip()
        if text:
            self._load_collections(text=text)

    def _queryables_later(self) -> None:
        QTimer.singleShot(300, self._load_queryables)

    def _load_queryables(self) -> None:
        cid = self.current_connection_id()
        cols = self.selected_collections()
        if cid is None:
            return
        open_provider = self.provider_factory(cid)
        task = FunctionTask(f"EO Scene Finder: queryables of {cid}",
                            lambda: open_provider().queryables(cols), hidden=True)
        task.done.connect(self._queryables_loaded)
        self._run_task(task)

    def _queryables_loaded(self, task: FunctionTask) -> None:
        if task.error is not None or not task.result:
            return
        from qgis.PyQt.QtCore import QStringListModel

        names = sorted(task.result.keys())
        self.queryables_completer.setModel(QStringListModel(names, self.queryables_completer))
        self.filter_edit.setToolTip("Properties you can filter on: " + ", ".join(names[:60]))
        self._build_attribute_filters(task.result)

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
                w.addItem("any", None)
                for value in schema["enum"]:
                    w.addItem(str(value), value)
                if name in previous:
                    w.setCurrentIndex(max(0, w.findData(previous[name])))
            else:
                w = QLineEdit()
                w.setPlaceholderText("any" if schema.get("type") != "number" else "any (a number)")
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
            self._set_status("Select a layer in the Layers panel first.", error=True)
            return
        self.aoi.set_from_layer_extent(layer)

    def _aoi_from_selection(self) -> None:
        layer = self._active_vector_layer()
        if not isinstance(layer, QgsVectorLayer):
            self._set_status("Select a vector layer with selected polygons first.", error=True)
            return
        if not self.aoi.set_from_selected_features(layer):
            self._set_status(f"“{layer.name()}” has no selected polygon features.", error=True)

    def _update_aoi_label(self) -> None:
        if self.aoi.geometry is None:
            self.aoi_label.setText("No area: the whole world")
            return
        self.aoi_label.setText(f"{self.aoi.source or 'Area'} · {self.aoi.area_km2():,.0f} km²")

    # ------------------------------------------------------------------ search
    def _update_cloud_label(self, value: int) -> None:
        self.cloud_label.setText("any" if value >= 100 else f"≤ {value} %")

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

    def start_search(self) -> Optional[SearchTask]:
        cid = self.current_connection_id()
        if cid is None:
            self._set_status("Choose a connection first.", error=True)
            return None
        try:
            request = self.build_request()
        except InvalidRequestError as err:
            self._show_error(err)
            return None
        except EoSceneFinderError as err:
            self._show_error(err)
            return None
        self.cancel_search()
        self._drop_pending_rows()
        self._progress_text = ""
        self._save_settings()
        self.results_model.clear()
        release_results()
        self.footprints.clear()
        self._clear_error()
        open_provider = self.provider_factory(cid)
        task = SearchTask(f"EO Scene Finder: search {cid}", open_provider, request)
        task.pageReady.connect(self._page_arrived)
        task.searchFinished.connect(self._search_finished)
        self.search_task = task
        self.search_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._set_status(f"Searching {cid}…")
        self._run_task(task)
        return task

    def cancel_search(self) -> None:
        task = self.search_task
        if task is not None:
            try:
                task.cancel()
            except RuntimeError:
                pass

    def _page_arrived(self, page) -> None:
        if self.sender() is not self.search_task:
            return  # a page from a search that was replaced
        # rows go in by slices, one per event-loop turn, so a page of 1,000 never freezes QGIS
        self._pending_scenes.extend(page.scenes)
        self._pending_more = page.more
        progress = getattr(page, "progress", None)  # e.g. CDSE date slices
        self._progress_text = progress.text() if progress is not None else ""
        if not self._row_pump.isActive():
            self._row_pump.start(0)

    def _pump_rows(self) -> None:
        batch = [self._pending_scenes.popleft()
                 for _ in range(min(ROWS_PER_SLICE, len(self._pending_scenes)))]
        if batch:
            rows = self.results_model.append_scenes(batch)
            self.footprints.add_scenes(rows.start, batch)
        if self._pending_scenes:
            return
        self._row_pump.stop()
        if self._finish_after_rows is not None:
            outcome, self._finish_after_rows = self._finish_after_rows, None
            self._report_search(outcome)
            return
        more = " — more are loading…" if self._pending_more else ""
        progress = f" ({self._progress_text})" if self._progress_text else ""
        self._set_status(f"{self.results_model.rowCount()} scenes{more}{progress}")

    def _drop_pending_rows(self) -> None:
        self._row_pump.stop()
        self._pending_scenes.clear()
        self._finish_after_rows = None

    def _search_finished(self, task: SearchTask) -> None:
        if task is not self.search_task:
            return
        # the task manager deletes the task soon: keep what the report needs as plain data
        outcome = SearchOutcome(error=task.error, cancelled=task.isCanceled(), more=task.more,
                                truncated=task.truncated, matched=task.matched, limit=task.request.limit,
                                warnings=list(task.warnings))
        if self._pending_scenes:
            self._finish_after_rows = outcome  # report once every row is in the table
            return
        self._report_search(outcome)

    def _report_search(self, outcome: "SearchOutcome") -> None:
        self.search_task = None
        self.search_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        n = self.results_model.rowCount()
        if outcome.error is not None:
            self._show_error(outcome.error, f"Search failed after {n} scenes" if n else "Search failed")
            return
        if outcome.cancelled:
            self._set_status(f"Search cancelled: {n} scenes" + (" (more exist on the server)" if outcome.more else ""))
            return
        tail = ""
        if outcome.truncated or (outcome.more and outcome.limit):
            tail = f" (stopped at your cap of {outcome.limit}; more exist on the server)"
        elif outcome.matched is not None:
            tail = f" of {outcome.matched} matching"
        if n:
            self._show_results_on_map()
            if self._showcase_demo:
                self._showcase_demo = False
                self._stream_clearest_scene()
        warn = f" — {len(outcome.warnings)} document(s) could not be read" if outcome.warnings else ""
        progress = f" ({self._progress_text})" if self._progress_text else ""
        self._set_status(f"{n} scenes{tail}{warn}{progress}." if n else "No scene matches these filters." + warn)
        if outcome.warnings:
            _log("\n".join(outcome.warnings[:50]), Qgis.Warning)

    def _stream_clearest_scene(self) -> None:
        """The demo's welcome: stream its least cloudy scene and zoom to it."""
        scenes = [s for s in self.results_model.scenes() if pick_view_asset(s) is not None]
        if not scenes:
            return
        scene = min(scenes, key=lambda s: s.cloud_cover if s.cloud_cover is not None else 101)
        task = self.add_asset_to_map(scene, pick_view_asset(scene))
        task.layerAdded.connect(self._zoom_to_layer)

    def _zoom_to_layer(self, layer) -> None:
        extent = self.canvas.mapSettings().layerExtentToOutputExtent(layer, layer.extent())
        extent.scale(1.5)
        self.canvas.setExtent(extent)
        self.canvas.refresh()

    def _show_results_on_map(self) -> None:
        """Zoom to the footprints when none of them is in view (never when one already is)."""
        layer = self.footprints.layer
        if layer is None or layer.featureCount() == 0:
            return
        from .aoi import WGS84

        extent = layer.extent()
        dest = self.canvas.mapSettings().destinationCrs()
        try:
            if dest.isValid() and dest != WGS84:
                extent = QgsCoordinateTransform(WGS84, dest, self.project).transformBoundingBox(extent)
        except Exception:  # noqa: BLE001 - a footprint outside the map's CRS domain
            return
        if self.canvas.extent().intersects(extent) and self.project.count() > 1:
            return
        extent.scale(1.1)
        self.canvas.setExtent(extent)
        self.canvas.refresh()

    # ------------------------------------------------------------------ results
    def _selected_source_rows(self) -> List[int]:
        rows = {self.results_proxy.mapToSource(i).row() for i in self.results_view.selectionModel().selectedRows()}
        return sorted(rows)

    def selected_scenes(self) -> List[Scene]:
        return [self.results_model.scene(r) for r in self._selected_source_rows()]

    def _results_selection_changed(self, *_args) -> None:
        rows = self._selected_source_rows()
        self.footprints.select_rows([self.results_model.serial(r) for r in rows])
        if len(rows) >= 1:
            self.show_scene(self.results_model.scene(rows[-1]))

    def _select_rows_from_map(self, serials: List[int]) -> None:
        rows = [self.results_model.row_of(s) for s in serials]
        sel = self.results_view.selectionModel()
        sel.blockSignals(True)
        try:
            sel.clearSelection()
            for r in rows:
                proxy_index = self.results_proxy.mapFromSource(self.results_model.index(r, 0))
                if proxy_index.isValid():
                    sel.select(proxy_index, QItemSelectionModel.SelectionFlag.Select
                               | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            sel.blockSignals(False)
        self.results_view.viewport().update()
        if rows:
            self.show_scene(self.results_model.scene(rows[-1]))

    def _zoom_to_index(self, proxy_index) -> None:
        scene = self.results_proxy.data(proxy_index, SCENE_ROLE)
        if scene is not None:
            self.zoom_to_scene(scene)

    def zoom_to_scene(self, scene: Scene) -> None:
        from .aoi import WGS84
        from .footprints import geometry_from_geojson

        geom = geometry_from_geojson(scene.geometry, scene.bbox)
        if geom.isNull():
            return
        dest = self.canvas.mapSettings().destinationCrs()
        if dest.isValid() and dest != WGS84:
            geom.transform(QgsCoordinateTransform(WGS84, dest, self.project))
        rect = geom.boundingBox()
        rect.scale(1.1)
        self.canvas.setExtent(rect)
        self.canvas.refresh()

    def _results_menu(self, pos) -> None:
        scenes = self.selected_scenes()
        if not scenes:
            return
        menu = QMenu(self)
        menu.addAction("Zoom to scene", lambda: self.zoom_to_scene(scenes[-1]))
        menu.addAction(f"Add {len(scenes)} scene(s) to map", self.add_selected_to_map)
        menu.addAction(f"Download {len(scenes)} scene(s)", self.download_selected)
        menu.addAction("Copy scene id(s)", lambda: QGuiApplication.clipboard().setText(
            "\n".join(s.id for s in scenes)))
        menu.exec(self.results_view.viewport().mapToGlobal(pos))

    # ------------------------------------------------------------------ scene details
    def show_scene(self, scene: Optional[Scene]) -> None:
        self.current_scene = scene
        self.assets_tree.clear()
        self.properties_tree.clear()
        self.quicklook.clear()
        if scene is None:
            self.scene_title.setText("Select a scene in the results.")
            return
        key = f"<br>Scene key: {scene.scene_key}" if scene.scene_key else ""
        cloud = "" if scene.cloud_cover is None else f" · cloud {scene.cloud_cover:.1f} %"
        self.scene_title.setText(f"<b>{scene.id}</b><br>{scene.collection or ''} · {scene.date_text}{cloud}{key}")
        for asset in scene.assets.values():
            item = QTreeWidgetItem([asset.title or asset.key, asset.media_type or "", ", ".join(asset.roles)])
            item.setData(0, Qt.ItemDataRole.UserRole, asset.key)
            item.setToolTip(0, asset.key)
            self.assets_tree.addTopLevelItem(item)
        if self.assets_tree.topLevelItemCount():
            view = pick_view_asset(scene)
            for i in range(self.assets_tree.topLevelItemCount()):
                it = self.assets_tree.topLevelItem(i)
                if view is not None and it.data(0, Qt.ItemDataRole.UserRole) == view.key:
                    self.assets_tree.setCurrentItem(it)
                    break
            else:
                self.assets_tree.setCurrentItem(self.assets_tree.topLevelItem(0))
        self.assets_tree.resizeColumnToContents(0)
        for name in sorted(scene.properties):
            value = scene.properties[name]
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            self.properties_tree.addTopLevelItem(QTreeWidgetItem([name, text[:500]]))
        self.properties_tree.resizeColumnToContents(0)
        self._load_quicklook(scene)

    def _load_quicklook(self, scene: Scene) -> None:
        href = scene.thumbnail
        if not href:
            self.quicklook.setText("No quicklook")
            return
        cache_key = f"{scene.connection}|{href}"
        if cache_key in self._quicklook_cache:
            self._set_quicklook(scene, self._quicklook_cache[cache_key])
            return
        self.quicklook.setText("Loading quicklook…")
        cid = scene.connection if scene.connection in self._connections else self.current_connection_id()
        open_provider = self.provider_factory(cid)

        def fetch():
            from ..providers.quicklook import fetch_quicklook

            return fetch_quicklook(open_provider(), href)

        task = FunctionTask(f"EO Scene Finder: quicklook {scene.id}", fetch, hidden=True)
        task.done.connect(lambda t: self._quicklook_loaded(scene, cache_key, t))
        self._run_task(task)

    def _quicklook_loaded(self, scene: Scene, cache_key: str, task: FunctionTask) -> None:
        if task.error is not None or not task.result:
            if self.current_scene is scene:
                reason = task.error.user_message if task.error else ""
                self.quicklook.setText("Quicklook unavailable" + (f": {reason[:160]}" if reason else ""))
                self.quicklook.setToolTip(reason)
            return
        image = QImage.fromData(task.result)
        if image.isNull():
            if self.current_scene is scene:
                self.quicklook.setText("Quicklook is not an image")
            return
        self._quicklook_cache[cache_key] = image
        if len(self._quicklook_cache) > 200:
            self._quicklook_cache.pop(next(iter(self._quicklook_cache)))
        self._set_quicklook(scene, image)

    def _set_quicklook(self, scene: Scene, image: QImage) -> None:
        if self.current_scene is not scene:
            return
        pix = QPixmap.fromImage(image).scaled(320, 240, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation)
        self.quicklook.setPixmap(pix)

    def _current_asset(self):
        item = self.assets_tree.currentItem()
        if item is None or self.current_scene is None:
            return None
        return self.current_scene.assets.get(item.data(0, Qt.ItemDataRole.UserRole))

    def _add_current_asset(self) -> None:
        asset = self._current_asset()
        if asset is not None:
            self.add_asset_to_map(self.current_scene, asset)

    def _copy_current_asset(self) -> None:
        asset = self._current_asset()
        if asset is not None:
            QGuiApplication.clipboard().setText(strip_signature(asset.href))
            self._set_status(f"Copied the link of {asset.key} (unsigned; streaming signs it on use).")

    def _download_current_asset(self) -> None:
        asset = self._current_asset()
        if asset is not None:
            self.download_scenes([self.current_scene], [asset.key])

    # ------------------------------------------------------------------ streaming
    def add_selected_to_map(self) -> List[OpenRemoteRasterTask]:
        tasks = []
        for scene in self.selected_scenes():
            asset = pick_view_asset(scene)
            if asset is None:
                self._set_status(f"{scene.id} has no Cloud Optimized GeoTIFF asset to stream.", error=True)
                continue
            tasks.append(self.add_asset_to_map(scene, asset))
        return tasks

    def add_asset_to_map(self, scene: Scene, asset) -> OpenRemoteRasterTask:
        cid = scene.connection if scene.connection in self._connections else self.current_connection_id()
        open_provider = self.provider_factory(cid)
        href = asset.href
        task = OpenRemoteRasterTask(f"EO Scene Finder: open {scene.id} {asset.key}",
                                    lambda: open_provider().gdal_path(href),
                                    f"{scene.id} · {asset.key}", self.project,
                                    source=(self.connection_text(cid), href))
        task.layerAdded.connect(lambda layer: self._set_status(f"Added {layer.name()} to the map."))
        task.failed.connect(lambda err: self._show_error(err, f"Could not add {scene.id} {asset.key}"))
        self._run_task(task)
        return task

    # ------------------------------------------------------------------ downloads
    def download_selected(self) -> None:
        scenes = self.selected_scenes()
        if scenes:
            self.download_scenes(scenes, None)

    def download_scenes(self, scenes: List[Scene], asset_keys: Optional[List[str]], folder: Optional[str] = None):
        """Queue downloads in the Downloads tab (asks for the folder when none is given)."""
        if folder is None:
            from qgis.PyQt.QtWidgets import QFileDialog

            folder = self.settings.value(SETTINGS_PREFIX + "download_folder", "", type=str)
            folder = QFileDialog.getExistingDirectory(self, "Download to folder", folder)
            if not folder:
                return None
        self.settings.setValue(SETTINGS_PREFIX + "download_folder", folder)
        tasks = []
        by_connection: Dict[str, List[Scene]] = {}
        for scene in scenes:
            cid = scene.connection if scene.connection in self._connections else self.current_connection_id()
            by_connection.setdefault(cid, []).append(scene)
        for cid, group in by_connection.items():
            tasks.append(self.downloads_widget.download_scenes(self.provider(cid), group, asset_keys, folder))
        self.tabs.setCurrentWidget(self.downloads_widget)
        return tasks

    # ------------------------------------------------------------------ messages
    def _set_status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setStyleSheet("color: #b00020;" if error else "")

    def _clear_error(self) -> None:
        self._last_error = None
        self.details_button.setVisible(False)
        self._set_status("")

    def _show_error(self, err: EoSceneFinderError, context: str = "") -> None:
        self._last_error = err
        text = f"{context}: {err.user_message}" if context else err.user_message
        self._set_status(text, error=True)
        self.details_button.setVisible(bool(err.details))
        level = Qgis.Warning if getattr(err, "level", "critical") == "warning" else Qgis.Critical
        self.iface.messageBar().pushMessage(LOG_TAG, text, level, 8)
        _log(str(err), level)

    def _show_error_details(self) -> None:
        if self._last_error is not None:
            box = QMessageBox(QMessageBox.Icon.Warning, "EO Scene Finder", self._last_error.user_message,
                              QMessageBox.StandardButton.Close, self)
            box.setDetailedText(self._last_error.details or "")
            box.exec()

    # ------------------------------------------------------------------ tasks
    def _run_task(self, task):
        return self.keeper.start(task, owner=self)  # held until it ends, cancelled on unload

    @property
    def _tasks(self) -> list:
        """The dock's tasks still running (kept by the task keeper)."""
        return self.keeper.running(owner=self)

    # ------------------------------------------------------------------ settings
    def _save_settings(self) -> None:
        s = self.settings
        s.setValue(SETTINGS_PREFIX + "connection", self.current_connection_id() or "")
        s.setValue(SETTINGS_PREFIX + "collections", json.dumps(self.selected_collections()))
        s.setValue(SETTINGS_PREFIX + "use_dates", self.use_dates.isChecked())
        s.setValue(SETTINGS_PREFIX + "start", self.start_date.date().toString("yyyy-MM-dd"))
        s.setValue(SETTINGS_PREFIX + "end", self.end_date.date().toString("yyyy-MM-dd"))
        s.setValue(SETTINGS_PREFIX + "max_cloud", self.cloud_slider.value())
        s.setValue(SETTINGS_PREFIX + "sort", self.sort_combo.currentIndex())
        s.setValue(SETTINGS_PREFIX + "limit", self.limit_spin.value())

    def _restore_settings(self) -> None:
        s = self.settings
        cid = s.value(SETTINGS_PREFIX + "connection", "", type=str)
        first_run = not cid
        try:
            cols = json.loads(s.value(SETTINGS_PREFIX + "collections", "[]", type=str) or "[]")
        except ValueError:
            cols = []
        self._pending_collections = cols
        if first_run:
            # a newcomer sees the bundled demo catalog's scenes at once
            self.use_dates.setChecked(False)
        else:
            self.use_dates.setChecked(s.value(SETTINGS_PREFIX + "use_dates", True, type=bool))
            start = QDate.fromString(s.value(SETTINGS_PREFIX + "start", "", type=str), "yyyy-MM-dd")
            end = QDate.fromString(s.value(SETTINGS_PREFIX + "end", "", type=str), "yyyy-MM-dd")
            if start.isValid():
                self.start_date.setDate(start)
            if end.isValid():
                self.end_date.setDate(end)
            self.cloud_slider.setValue(s.value(SETTINGS_PREFIX + "max_cloud", 100, type=int))
            self.sort_combo.setCurrentIndex(max(0, s.value(SETTINGS_PREFIX + "sort", 0, type=int)))
            self.limit_spin.setValue(s.value(SETTINGS_PREFIX + "limit", 500, type=int))
        if not self.select_connection(cid or DEFAULT_CONNECTION):
            self.select_connection(DEFAULT_CONNECTION)
        if self.connection_combo.currentIndex() < 0 and self.connection_combo.count():
            self.connection_combo.setCurrentIndex(0)
        # search the demo at once when the dock opens on it (first run, or demo last used)
        self._first_run = first_run or self.current_connection_id() == DEFAULT_CONNECTION

    def search_demo_on_first_run(self) -> None:
        """When the dock opens on the bundled demo catalog (a newcomer's first run, or
        ``make demo``), search it straight away: it is local, so scenes show at once."""
        if self._first_run and self.current_connection_id() == DEFAULT_CONNECTION and self.search_task is None:
            self._first_run = False
            self._showcase_demo = self.start_search() is not None

    # ------------------------------------------------------------------ lifecycle
    def shutdown(self) -> None:
        """Cancel running work and remove what the dock drew (called on unload)."""
        self._drop_pending_rows()
        self.downloads_widget.shutdown()  # cancels downloads; .part files stay for a resume
        # a cancelled task still reports when it ends: nothing of this dock may answer
        self.keeper.cancel(owner=self, silence=True)
        self.search_task = None
        for tool in (self.rect_tool, self.poly_tool):
            if self.canvas.mapTool() is tool:
                self.canvas.unsetMapTool(tool)
        self.aoi.remove()
        self.footprints.remove()
        self.results_model.clear()
        release_results()  # the shared providers are closed with the plugin's services
