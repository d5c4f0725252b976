"""The EO Scene Finder dock.

It composes the parts of the search workflow: the :class:`~.search_panel.SearchPanel`
(connection, collections, AOI, dates, filters, Search/Cancel), the results table with the
footprints layer, the :class:`~.scene_panel.ScenePanel` (quicklook, properties, assets) and
the Downloads tab; the :class:`~.search_controller.SearchController` runs the searches. The
dock loads connections, collections and queryables, streams and downloads scenes, and keeps
the panel's settings. Providers come from ``services.providers`` (one per connection,
shared with Processing), tasks are kept by ``services.tasks``.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List, Optional

from qgis.core import Qgis, QgsCoordinateTransform, QgsProject, QgsSettings
from qgis.PyQt.QtCore import QItemSelectionModel, Qt, QTimer
from qgis.PyQt.QtGui import QGuiApplication
from qgis.PyQt.QtWidgets import (QAbstractItemView, QDockWidget, QFrame, QHBoxLayout, QHeaderView, QLabel,
                                 QLineEdit, QMenu, QMessageBox, QPushButton, QSplitter, QStyle, QTableView,
                                 QTabWidget, QToolButton, QVBoxLayout, QWidget)

from ..providers import connections as conns
from ..providers.errors import EoSceneFinderError
from ..providers.model import Scene, SearchRequest
from ..services.connection_store import ConnectionStore
from ..services.log import LOG_TAG, log_message
from ..services.providers import open_connection
from ..services.tasks import task_keeper
from ..tasks.function_task import FunctionTask
from ..tasks.raster_task import OpenRemoteRasterTask
from ..tasks.search_task import SearchTask, release_results
from .basemap import COUNTRIES, OSM, add_basemap, should_offer_basemap
from .downloads_widget import DownloadsWidget
from .footprints import FootprintLayer
from .grouped_model import GroupedFootprints, GroupedResultsModel
from .results_model import (CLOUD_COLUMN, COLLECTION_COLUMN, DATE_COLUMN, DEFAULT_HIDDEN_COLUMNS,
                            DEFAULT_VISUAL_ORDER, ID_COLUMN, SCENE_ROLE, THUMBNAIL_COLUMN, CloudBarDelegate, ResultsFilterProxy,
                            ResultsTableModel, whole_days)
from .scene_actions import SceneActions
from .scene_panel import ScenePanel, pick_view_asset
from .search_controller import SearchController
from .search_panel import SearchPanel
from .thumbnails import THUMBNAIL_SIZE, ThumbnailLoader
from .timeline import TimelineWidget
from ..i18n import tr

SETTINGS_PREFIX = "eo_scene_finder/panel/"
DEFAULT_CONNECTION = "demo"

# what the dock shows of its parts, under the names tests, scripts and benchmarks use
SEARCH_PANEL_WIDGETS = (
    "connection_combo", "manage_button", "collection_filter", "reload_collections_button", "collections_model",
    "collections_view", "aoi", "rect_tool", "poly_tool", "aoi_buttons", "aoi_label", "use_dates", "start_date",
    "end_date", "cloud_slider", "cloud_label", "filter_edit", "queryables_completer", "attributes_box",
    "attributes_form", "sort_combo", "limit_spin", "search_button", "cancel_button", "status_label",
    "details_button", "search_progress", "also_button", "also_label", "group_button", "catalogs_label")
SCENE_PANEL_WIDGETS = ("scene_title", "quicklook", "assets_tree", "asset_add_button", "asset_download_button",
                       "asset_copy_button", "properties_tree")


def _log(message: str, level=Qgis.Info) -> None:
    log_message(message, level)


class SceneFinderDock(QDockWidget):
    """Dock widget hosting the whole search workflow (object name ``EoSceneFinderDock``)."""

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
        self._last_error: Optional[EoSceneFinderError] = None
        self._collections_loaded_for: Optional[str] = None
        self._first_run = False
        self._showcase_demo = False
        self._shut_down = False  # after shutdown(): a timer or signal still due starts no task
        self.footprints = FootprintLayer(self.project, self, connection_text=self.connection_text)
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

        # --- Search tab: the search panel above the results ------------------------------
        search_tab = QWidget()
        self.tabs.addTab(search_tab, tr("Search"))
        sl = QVBoxLayout(search_tab)
        sl.setContentsMargins(2, 2, 2, 2)
        sl.addWidget(self._build_basemap_offer())
        splitter = QSplitter(Qt.Orientation.Vertical, search_tab)
        sl.addWidget(splitter)

        self.search_panel = SearchPanel(self.iface, self.canvas, self.project)
        self.search_panel.setObjectName("searchPanel")
        for name in SEARCH_PANEL_WIDGETS:
            setattr(self, name, getattr(self.search_panel, name))
        panel = self.search_panel
        panel.connectionChanged.connect(lambda _cid: self._connection_changed())
        panel.alsoSearchChanged.connect(self._update_also_label)
        panel.groupingToggled.connect(lambda _on: self._apply_grouping())
        panel.manageConnectionsRequested.connect(self._open_connection_manager)
        panel.collectionsReloadRequested.connect(lambda: self._load_collections(force=True))
        panel.collectionsSearchRequested.connect(lambda text: self._load_collections(text=text))
        panel.collectionsChecked.connect(self._queryables_later)
        panel.collectionsChecked.connect(self._update_also_label)
        panel.searchRequested.connect(self.start_search)
        panel.cancelRequested.connect(self.cancel_search)
        panel.detailsRequested.connect(self._show_error_details)
        splitter.addWidget(panel)

        results = QWidget()
        rl = QVBoxLayout(results)
        rl.setContentsMargins(0, 0, 0, 0)
        res_top = QHBoxLayout()
        self.results_filter = QLineEdit()
        self.results_filter.setObjectName("resultsFilter")
        self.results_filter.setPlaceholderText(tr("Filter results by text"))
        self.add_button = QPushButton(tr("Add to map"))
        self.add_button.setObjectName("addToMapButton")
        self.add_button.setToolTip(tr("Stream the selected scenes' imagery (COG) without downloading"))
        self.add_button.clicked.connect(self.add_selected_to_map)
        self.download_button = QPushButton(tr("Download"))
        self.download_button.setObjectName("downloadButton")
        self.download_button.clicked.connect(self.download_selected)
        self.results_actions_button = QToolButton()
        self.results_actions_button.setObjectName("resultsActionsButton")
        self.results_actions_button.setText("⋯")
        self.results_actions_button.setToolTip(tr("Best coverage of the area, source preference"))
        self.results_actions_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        res_top.addWidget(self.results_filter, 1)
        res_top.addWidget(self.add_button)
        res_top.addWidget(self.download_button)
        res_top.addWidget(self.results_actions_button)
        rl.addLayout(res_top)
        self.results_model = ResultsTableModel(self)
        self.results_proxy = ResultsFilterProxy(self)
        self.results_proxy.setSourceModel(self.results_model)
        # several catalogs: one row per scene (its sources grouped) unless the user ungroups
        self.grouped_model = GroupedResultsModel(self.results_model, parent=self)
        self.grouped_footprints = GroupedFootprints(self.footprints, self.grouped_model)
        self._multi_catalog_results = False  # the results come from several connections
        self.scene_actions = SceneActions(self)
        actions_menu = QMenu(self.results_actions_button)
        self._add_results_actions(actions_menu)
        self.results_actions_button.setMenu(actions_menu)
        rl.addWidget(self.scene_actions.coverage_bar)
        self.timeline = TimelineWidget(self.results_model)
        self.timeline.rangeSelected.connect(self.set_period)
        rl.addWidget(self.timeline)
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
        self.results_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # ids differ at their ends
        self.results_view.setWordWrap(False)
        self.results_view.setItemDelegateForColumn(CLOUD_COLUMN, CloudBarDelegate(self.results_view))
        self.thumbnails = ThumbnailLoader(self.provider_for_scene, self.keeper, self)
        self.results_model.thumbnails = self.thumbnails
        self.thumbnails.loaded.connect(self.results_model.thumbnail_loaded)
        self.results_model.modelReset.connect(self.thumbnails.clear)
        header = self.results_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._results_header_menu)
        self._default_column_layout()
        self._restore_results_header()
        header.sectionMoved.connect(lambda *_a: self._save_results_header())
        header.sectionResized.connect(lambda *_a: self._save_results_header())
        self.results_view.doubleClicked.connect(self._zoom_to_index)
        self.results_view.selectionModel().selectionChanged.connect(self._results_selection_changed)
        self.results_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.results_view.customContextMenuRequested.connect(self._results_menu)
        rl.addWidget(self.results_view)
        splitter.addWidget(results)
        splitter.setStretchFactor(1, 1)

        self.search_controller = SearchController(self.results_model, self.grouped_footprints, self.keeper, self)
        ctl = self.search_controller
        ctl.statusChanged.connect(lambda text, error: self._set_status(text, error))
        ctl.failed.connect(lambda err, context: self._show_error(err, context))
        ctl.runningChanged.connect(self.search_panel.set_searching)
        ctl.scenesFound.connect(self._scenes_found)
        ctl.progressChanged.connect(self.search_panel.set_progress)
        ctl.catalogsChanged.connect(self.search_panel.set_catalogs_text)
        ctl.catalogFailed.connect(self._catalog_failed)

        # --- Scene tab -------------------------------------------------------------------
        self.scene_panel = ScenePanel(self.provider_for_scene, self.keeper)
        self.scene_panel.setObjectName("scenePanel")
        self.tabs.addTab(self.scene_panel, tr("Scene"))
        for name in SCENE_PANEL_WIDGETS:
            setattr(self, name, getattr(self.scene_panel, name))
        self.scene_panel.addAssetRequested.connect(self.add_asset_to_map)
        self.scene_panel.downloadAssetRequested.connect(lambda scene, key: self.download_scenes([scene], [key]))
        self.scene_panel.statusMessage.connect(lambda text: self._set_status(text))

        # --- Downloads tab -----------------------------------------------------------------
        self.downloads_widget = DownloadsWidget(self, keeper=self.keeper, speeds=self.scene_actions.chooser.speeds)
        self.tabs.addTab(self.downloads_widget, tr("Downloads"))

    # ------------------------------------------------------------------ the parts' state
    @property
    def search_task(self) -> Optional[SearchTask]:
        """The running search, None when none runs."""
        return self.search_controller.search_task

    @property
    def current_scene(self) -> Optional[Scene]:
        return self.scene_panel.current_scene

    @property
    def attribute_widgets(self) -> dict:
        return self.search_panel.attribute_widgets

    @property
    def _quicklook_cache(self) -> dict:
        return self.scene_panel.quicklook_cache

    @property
    def _tasks(self) -> list:
        """The tasks of the dock and its parts still running (kept by the task keeper)."""
        return [t for owner in (self, self.search_controller, self.scene_panel, self.downloads_widget)
                for t in self.keeper.running(owner=owner)]

    # ------------------------------------------------------------------ connections
    def _load_connections(self) -> None:
        self._connections = {}
        saved = {}
        try:
            saved = self._connection_store().as_mapping()
        except Exception as err:  # noqa: BLE001 - a broken setting must not kill the dock
            _log(tr("Could not read saved connections: {err}").format(err=err), Qgis.Warning)
        entries = []
        for name, conn in saved.items():
            self._connections[name] = conn
            entries.append((name, name, None))
        for pid, preset in conns.PRESETS.items():
            if pid in self._connections:
                continue
            self._connections[pid] = preset.connection()
            entries.append((pid, preset.title, f"{preset.description}\n{preset.url}"))
        self.search_panel.set_connections(entries)

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
        return self.search_panel.current_connection_id()

    def select_connection(self, cid: Optional[str]) -> bool:
        return self.search_panel.select_connection(cid)

    def connection_text(self, cid: str) -> str:
        """How a saved project names this connection (a saved name, a preset id, or the
        ``KIND+URL?options`` string of an ad-hoc one; never a secret)."""
        try:
            saved = self._connection_store().get(cid) is not None
        except Exception as err:  # noqa: BLE001 - a broken setting: name it by its URL
            _log(tr("Could not read saved connections: {err}").format(err=err), Qgis.Warning)
            saved = False
        if saved or cid in conns.PRESETS:
            return cid
        return conns.connection_string(self._connections[cid])

    def provider(self, cid: Optional[str] = None):
        """The shared provider for a connection (opened once, reused: it caches conformance and
        signatures). Opening it does no network I/O."""
        return self.provider_factory(cid or self.current_connection_id())()

    def provider_factory(self, cid: str) -> Callable[[], object]:
        """What a worker thread calls to get the provider of ``cid`` (the connection text is
        taken now, on the GUI thread)."""
        text = self.connection_text(cid)
        return lambda: open_connection(text)

    def _scene_connection_id(self, scene: Scene) -> Optional[str]:
        return scene.connection if scene.connection in self._connections else self.current_connection_id()

    def provider_for_scene(self, scene: Scene) -> Callable[[], object]:
        return self.provider_factory(self._scene_connection_id(scene))

    def _connection_changed(self) -> None:
        if self.current_connection_id() is None:
            return
        self.collections_model.clear()
        self._collections_loaded_for = None
        self.search_panel.clear_attribute_filters()
        self._load_collections()

    # ------------------------------------------------------------------ collections
    def _load_collections(self, force: bool = False, text: Optional[str] = None) -> None:
        cid = self.current_connection_id()
        if cid is None or (self._collections_loaded_for == cid and not force and text is None):
            return
        self._set_status(tr("Loading collections of {cid}…").format(cid=cid))
        open_provider = self.provider_factory(cid)

        def fetch():
            prov = open_provider()
            return prov.search_collections(text) if text else prov.list_collections()

        task = FunctionTask(tr("EO Scene Finder: collections of {cid}").format(cid=cid), fetch)
        task.done.connect(lambda t: self._collections_loaded(cid, t))
        self._run_task(task)

    def _collections_loaded(self, cid: str, task: FunctionTask) -> None:
        if cid != self.current_connection_id():
            return
        if task.error is not None:
            self._show_error(task.error, tr("Loading collections failed"))
            return
        self.search_panel.set_collections(task.result or [])
        self._collections_loaded_for = cid
        self._set_status(tr("{count} collections on {cid}.").format(count=self.collections_model.rowCount(), cid=cid))
        self._queryables_later()
        self.search_demo_on_first_run()

    def selected_collections(self) -> List[str]:
        return self.search_panel.selected_collections()

    def set_selected_collections(self, ids: List[str]) -> None:
        self.search_panel.set_selected_collections(ids)

    def _queryables_later(self) -> None:
        QTimer.singleShot(300, self._load_queryables)

    def _load_queryables(self) -> None:
        cid = self.current_connection_id()
        cols = self.selected_collections()
        if cid is None:
            return
        open_provider = self.provider_factory(cid)
        task = FunctionTask(tr("EO Scene Finder: queryables of {cid}").format(cid=cid),
                            lambda: open_provider().queryables(cols), hidden=True)
        task.done.connect(self._queryables_loaded)
        self._run_task(task)

    def _queryables_loaded(self, task: FunctionTask) -> None:
        if task.error is not None or not task.result:
            return
        self.search_panel.set_queryables(task.result)

    def attribute_filters(self) -> dict:
        """The attribute filters the user set (provider-specific, e.g. CDSE productType)."""
        return self.search_panel.attribute_filters()

    # ------------------------------------------------------------------ search
    def build_request(self) -> SearchRequest:
        return self.search_panel.build_request()

    def start_search(self) -> Optional[SearchTask]:
        """Search the current connection and the others checked (each in its own task);
        returns the current connection's task."""
        cid = self.current_connection_id()
        if cid is None:
            self._set_status(tr("Choose a connection first."), error=True)
            return None
        try:
            request = self.build_request()
        except EoSceneFinderError as err:
            self._show_error(err)
            return None
        self._save_settings()
        self._clear_error()
        searches = [(cid, self.provider_factory(cid), request)]
        for other, collections, filters in self._other_catalogs(request.collections):
            searches.append((other, self.provider_factory(other), dataclasses.replace(
                request, collections=tuple(collections), provider_filters=tuple(sorted(filters.items())))))
        tasks = self.search_controller.start_many(searches)  # clears the results first
        self._multi_catalog_results = len(searches) > 1
        self._apply_grouping()
        return tasks[0]

    # ------------------------------------------------------------------ several catalogs
    def checked_connection_ids(self) -> List[str]:
        """The connections a search runs on (the current one first)."""
        return self.search_panel.checked_connection_ids()

    def set_checked_connections(self, ids: List[str]) -> None:
        """Search ``ids`` at once: the first becomes the current connection."""
        if ids and self.select_connection(ids[0]):
            self.search_panel.set_also_connections(ids[1:])

    def _other_catalogs(self, collections) -> List[tuple]:
        """``(connection id, its collections, its provider filters)`` for each other connection
        checked: the user's collections mapped to that catalog's equivalents (CDSE: SENTINEL-2
        narrowed by productType), ids without a known equivalent kept as they are."""
        from ..providers.multi import equivalent_collections, equivalent_filters

        out = []
        for other in self.checked_connection_ids()[1:]:
            conn = self._connections.get(other)
            if conn is None:
                continue
            out.append((other, equivalent_collections(list(collections), conn.kind, None),
                        equivalent_filters(list(collections), conn.kind) if collections else {}))
        return out

    def _update_also_label(self) -> None:
        """Under the connection box: the other catalogs and the collections each is searched with."""
        others = self._other_catalogs(self.selected_collections())
        if not others:
            self.search_panel.set_also_text("")
            self._update_group_button()
            return
        parts = []
        for cid, cols, filters in others:
            narrowed = "".join(f" {k}={v}" for k, v in sorted(filters.items()))
            parts.append(f"{cid} ({', '.join(cols) or tr('all collections')}{narrowed})")
        self.search_panel.set_also_text(tr("Also searching: {catalogs}").format(catalogs="; ".join(parts)),
                                        tr("Each other catalog is searched with the equivalent of the collections "
                                           "checked here (an id it has no equivalent for is searched as it is)."))
        self._update_group_button()

    def _update_group_button(self) -> None:
        several = len(self.checked_connection_ids()) > 1 or self._multi_catalog_results
        self.group_button.setEnabled(several)
        self.group_button.setToolTip(
            tr("One row per scene with the catalogs that hold it; off: one row per catalog") if several
            else tr("Check other catalogs (+) to search several at once: the same scene is then grouped"))

    def _apply_grouping(self) -> None:
        """Show the grouped or the per-source view (grouping applies to multi-catalog results)."""
        grouped = self.group_button.isChecked() and self._multi_catalog_results
        model = self.grouped_model if grouped else self.results_model
        self.grouped_footprints.set_grouped(grouped)
        self._update_group_button()
        if self.results_proxy.sourceModel() is model:
            return
        self.results_proxy.setSourceModel(model)
        if grouped:  # the timeline counts what the table lists
            self.timeline.set_model(model, model.group_count, model.group_scene)
        else:
            self.timeline.set_model(model, model.serial_count, model.scene_by_serial)
        header = self.results_view.horizontalHeader()
        if header.sortIndicatorSection() >= 0 and header.sortIndicatorSection() < model.columnCount():
            model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self._results_selection_changed()

    def _catalog_failed(self, err: EoSceneFinderError, label: str) -> None:
        """One catalog of several failed: its error is kept for Details…, the others go on."""
        self._last_error = err
        self.search_panel.set_details_available(bool(err.details))
        self.iface.messageBar().pushMessage(LOG_TAG, tr("{label}: {message}").format(
            label=label, message=err.user_message), Qgis.Warning, 8)
        _log(f"{label}: {err}", Qgis.Warning)

    def cancel_search(self) -> None:
        self.search_controller.cancel()

    def _scenes_found(self, _count: int) -> None:
        self._show_results_on_map()
        if self._showcase_demo:
            self._showcase_demo = False
            self._stream_clearest_scene()

    def _stream_clearest_scene(self) -> None:
        """The demo's welcome: stream a true-colour scene (else the least cloudy one) and zoom
        to it, so the first image a newcomer sees looks like a photograph."""
        scenes = [s for s in self.results_model.scenes() if pick_view_asset(s) is not None]
        if not scenes:
            return
        true_colour = [s for s in scenes if "visual" in s.assets and s.assets["visual"].is_cog]
        scene = min(true_colour or scenes, key=lambda s: s.cloud_cover if s.cloud_cover is not None else 101)
        count = self.results_model.rowCount()
        task = self.add_asset_to_map(scene, pick_view_asset(scene))
        if task is None:
            return
        task.layerAdded.connect(self._zoom_to_layer)
        # keep the search's summary: the welcome must not replace "N scenes" by "Added …"
        task.layerAdded.connect(lambda layer: self._set_status(
            tr("{count} scenes; {name} is on the map.").format(count=count, name=layer.name()))
            if self.search_task is None and self.results_model.rowCount() == count else None)

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
    @property
    def shown_model(self):
        """The model the table shows: the results (one row per source) or their groups."""
        return self.results_proxy.sourceModel()

    @property
    def scene_groups(self):
        """The SceneGrouper of the current results (every source, whichever view is shown)."""
        return self.grouped_model.grouper

    def _selected_source_rows(self) -> List[int]:
        rows = {self.results_proxy.mapToSource(i).row() for i in self.results_view.selectionModel().selectedRows()}
        return sorted(rows)

    def selected_scenes(self) -> List[Scene]:
        return [self.shown_model.scene(r) for r in self._selected_source_rows()]

    def _results_selection_changed(self, *_args) -> None:
        rows = self._selected_source_rows()
        model = self.shown_model
        self.footprints.select_rows([model.serial(r) for r in rows])
        if len(rows) >= 1:
            self.show_scene(model.scene(rows[-1]))

    def _select_rows_from_map(self, serials: List[int]) -> None:
        model = self.shown_model
        rows = sorted({model.row_of(s) for s in serials})
        sel = self.results_view.selectionModel()
        sel.blockSignals(True)
        try:
            sel.clearSelection()
            for r in rows:
                proxy_index = self.results_proxy.mapFromSource(model.index(r, 0))
                if proxy_index.isValid():
                    sel.select(proxy_index, QItemSelectionModel.SelectionFlag.Select
                               | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            sel.blockSignals(False)
        self.results_view.viewport().update()
        if rows:
            self.show_scene(model.scene(rows[-1]))

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
        menu = self.results_menu(scenes)
        menu.exec(self.results_view.viewport().mapToGlobal(pos))

    def results_menu(self, scenes: List[Scene]) -> QMenu:
        """The right-click menu of the selected results."""
        menu = QMenu(self)
        menu.addAction(tr("Zoom to scene"), lambda: self.zoom_to_scene(scenes[-1]))
        menu.addAction(tr("Add {scenes} scene(s) to map").format(scenes=len(scenes)), self.add_selected_to_map)
        menu.addAction(tr("Download {scenes} scene(s)").format(scenes=len(scenes)), self.download_selected)
        menu.addAction(tr("Copy scene id(s)"), lambda: QGuiApplication.clipboard().setText(
            "\n".join(s.id for s in scenes)))
        if len(scenes) == 1:
            self.scene_actions.add_source_menu(menu, scenes[0])
        menu.addSeparator()
        self._add_results_actions(menu)
        return menu

    def _add_results_actions(self, menu: QMenu) -> None:
        menu.addAction(tr("Best coverage…"), lambda: self.scene_actions.best_coverage()).setObjectName(
            "bestCoverageAction")
        menu.addAction(tr("Source preference…"), self.scene_actions.edit_preference).setObjectName(
            "sourcePreferenceAction")

    # ------------------------------------------------------------------ scene details
    def show_scene(self, scene: Optional[Scene]) -> None:
        group = self.scene_groups.group_of(scene) if scene is not None and self.shown_model is self.grouped_model \
            else None
        if group is not None and len(group.sources) > 1:
            self.scene_panel.show_scene(scene, union=group.union_properties(),
                                        sources=[s.connection for s in group.sources])
        else:
            self.scene_panel.show_scene(scene)
        self.scene_panel.set_source_note(self.scene_actions.explain(scene))

    def add_selected_to_map(self) -> List[OpenRemoteRasterTask]:
        """Stream each selected scene's view asset from its preferred source (next on failure)."""
        tasks = [self.scene_actions.add_to_map(scene) for scene in self.selected_scenes()]
        return [t for t in tasks if t is not None]

    def add_asset_to_map(self, scene: Scene, asset) -> Optional[OpenRemoteRasterTask]:
        return self.scene_actions.add_to_map(scene, asset)

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
            folder = QFileDialog.getExistingDirectory(self, tr("Download to folder"), folder)
            if not folder:
                return None
        self.settings.setValue(SETTINGS_PREFIX + "download_folder", folder)
        tasks = self.scene_actions.download(scenes, asset_keys, folder)  # preferred sources, next on failure
        self.tabs.setCurrentWidget(self.downloads_widget)
        return tasks

    # ------------------------------------------------------------------ messages
    def _set_status(self, text: str, error: bool = False) -> None:
        self.search_panel.set_status(text, error)

    def _clear_error(self) -> None:
        self._last_error = None
        self.search_panel.set_details_available(False)
        self._set_status("")

    def _show_error(self, err: EoSceneFinderError, context: str = "") -> None:
        self._last_error = err
        text = f"{context}: {err.user_message}" if context else err.user_message
        self._set_status(text, error=True)
        self.search_panel.set_details_available(bool(err.details))
        level = Qgis.Warning if getattr(err, "level", "critical") == "warning" else Qgis.Critical
        self.iface.messageBar().pushMessage(LOG_TAG, text, level, 8)
        _log(str(err), level)

    def _show_error_details(self) -> None:
        if self._last_error is not None:
            box = QMessageBox(QMessageBox.Icon.Warning, tr("EO Scene Finder"), self._last_error.user_message,
                              QMessageBox.StandardButton.Close, self)
            box.setDetailedText(self._last_error.details or "")
            box.exec()

    # ------------------------------------------------------------------ tasks
    def _run_task(self, task):
        if self._shut_down:  # (a timer or a late signal of a dock going away)
            return None
        return self.keeper.start(task, owner=self)  # held until it ends, cancelled on unload

    def set_period(self, start: Optional[float], end: Optional[float]) -> None:
        """Keep the scenes of one period in the table and on the map (the timeline's choice),
        rounded once to whole UTC days so the table and the footprints show the same scenes."""
        if start is not None and end is not None:
            start, end = whole_days(start, end)
        self.results_proxy.set_period(start, end)
        self.footprints.set_period(start, end)
        if start is None:
            self._set_status(tr("{count} scenes.").format(count=self.results_model.rowCount()))
        else:
            import datetime as _dt

            def day(ts):
                return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).strftime("%Y-%m-%d")
            self._set_status(tr("{shown} of {count} scenes, {first} to {last} (double-click the timeline for every "
                                "date).").format(
                shown=self.results_proxy.rowCount(), count=self.results_model.rowCount(), first=day(start),
                last=day(end - 1)))

    # ------------------------------------------------------------------ results table columns
    def _default_column_layout(self) -> None:
        """Widths that show a whole date (YYYY-MM-DD HH:MM) and the cloud bar at the dock's
        default width; the ID takes what is left (elided in the middle)."""
        metrics = self.results_view.fontMetrics()
        pad = 2 * self.results_view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 14
        view = self.results_view
        view.setColumnWidth(DATE_COLUMN, metrics.horizontalAdvance("0000-00-00 00:00") + pad)
        view.setColumnWidth(COLLECTION_COLUMN, metrics.horizontalAdvance("Landsat 8 C2 L2") + pad)
        view.setColumnWidth(ID_COLUMN, metrics.horizontalAdvance("S2B_MSIL2A_20230115T10341") + pad)
        view.setColumnWidth(CLOUD_COLUMN, metrics.horizontalAdvance(tr("Cloud %")) + pad)
        view.setColumnWidth(THUMBNAIL_COLUMN, THUMBNAIL_SIZE[0] + 8)
        # what decides between scenes first: date, cloud, collection, then the id
        header = view.horizontalHeader()
        for visual, column in enumerate(DEFAULT_VISUAL_ORDER):
            header.moveSection(header.visualIndex(column), visual)
        for column in DEFAULT_HIDDEN_COLUMNS:
            view.setColumnHidden(column, True)
        self._thumbnail_rows(not view.isColumnHidden(THUMBNAIL_COLUMN))

    def _thumbnail_rows(self, shown: bool) -> None:
        self.results_view.verticalHeader().setDefaultSectionSize(THUMBNAIL_SIZE[1] + 4 if shown else 20)

    def _results_header_menu(self, pos) -> None:
        """Right-click on the table header: show or hide each column (drag a header to move it)."""
        menu = QMenu(self)
        for column, title in enumerate(self.results_model.COLUMNS):
            action = menu.addAction(tr(title))
            action.setCheckable(True)
            action.setChecked(not self.results_view.isColumnHidden(column))
            action.setEnabled(column != ID_COLUMN)  # a row always says which scene it is
            action.toggled.connect(lambda on, c=column: self.set_results_column_visible(c, on))
        menu.addSeparator()
        menu.addAction(tr("Reset columns")).triggered.connect(self.reset_results_columns)
        menu.exec(self.results_view.horizontalHeader().mapToGlobal(pos))

    def set_results_column_visible(self, column: int, visible: bool) -> None:
        self.results_view.setColumnHidden(column, not visible)
        if column == THUMBNAIL_COLUMN:
            self._thumbnail_rows(visible)
        self._save_results_header()

    def reset_results_columns(self) -> None:
        header = self.results_view.horizontalHeader()
        for column in range(header.count()):
            self.results_view.setColumnHidden(column, False)
        self._default_column_layout()
        self._save_results_header()

    def _save_results_header(self) -> None:
        self.settings.setValue(SETTINGS_PREFIX + "results_header",
                               self.results_view.horizontalHeader().saveState())

    def _restore_results_header(self) -> None:
        state = self.settings.value(SETTINGS_PREFIX + "results_header", None)
        if state is not None and self.results_view.horizontalHeader().restoreState(state):
            self._thumbnail_rows(not self.results_view.isColumnHidden(THUMBNAIL_COLUMN))

    # ------------------------------------------------------------------ basemap
    def _build_basemap_offer(self) -> QWidget:
        """A one-line offer shown while the map is empty: footprints need a map around them."""
        self.basemap_offer = QFrame()
        self.basemap_offer.setObjectName("basemapOffer")
        self.basemap_offer.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self.basemap_offer)
        row.setContentsMargins(6, 2, 2, 2)
        label = QLabel(tr("The map is empty: add a basemap?"))
        label.setWordWrap(True)
        row.addWidget(label, 1)
        self.basemap_buttons = {}
        for kind, text, tip in ((COUNTRIES, tr("Countries"), tr("Natural Earth country borders, bundled: works offline")),
                                (OSM, "OpenStreetMap", tr("OpenStreetMap tiles (needs the internet)"))):
            button = QPushButton(text)
            button.setObjectName(f"basemap_{kind}")
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, k=kind: self.add_basemap(k))
            row.addWidget(button)
            self.basemap_buttons[kind] = button
        close = QToolButton()
        close.setText("✕")
        close.setToolTip(tr("Not now"))
        close.setAutoRaise(True)
        close.clicked.connect(self._dismiss_basemap_offer)
        row.addWidget(close)
        self._basemap_offer_dismissed = False
        self.project.layersAdded.connect(self._update_basemap_offer)
        self.project.layersRemoved.connect(self._update_basemap_offer)
        self._update_basemap_offer()
        return self.basemap_offer

    def _update_basemap_offer(self, *_args) -> None:
        try:
            self.basemap_offer.setVisible(not self._basemap_offer_dismissed and should_offer_basemap(self.project))
        except RuntimeError:  # the dock is being deleted
            pass

    def _dismiss_basemap_offer(self) -> None:
        self._basemap_offer_dismissed = True
        self._update_basemap_offer()

    def add_basemap(self, kind: str = COUNTRIES):
        """Put a basemap under the footprints (once per project)."""
        layer = add_basemap(self.project, kind)
        if layer is None:
            self._set_status(tr("The basemap could not be opened."), error=True)
        self._update_basemap_offer()
        return layer

    # ------------------------------------------------------------------ settings
    def _save_settings(self) -> None:
        self.search_panel.save_settings(self.settings, SETTINGS_PREFIX)

    def _restore_settings(self) -> None:
        cid = self.settings.value(SETTINGS_PREFIX + "connection", "", type=str)
        first_run = not cid
        self.search_panel.restore_settings(self.settings, SETTINGS_PREFIX, first_run)
        if not self.select_connection(cid or DEFAULT_CONNECTION):
            self.select_connection(DEFAULT_CONNECTION)
        if self.connection_combo.currentIndex() < 0 and self.connection_combo.count():
            self.connection_combo.setCurrentIndex(0)
        self._update_also_label()
        # search the demo at once when the dock opens on it (first run, or demo last used)
        self._first_run = first_run or self.current_connection_id() == DEFAULT_CONNECTION

    def search_demo_on_first_run(self) -> None:
        """When the dock opens on the bundled demo catalog (a newcomer's first run, or
        ``make demo``), search it straight away: it is local, so scenes show at once."""
        if self._first_run and self.checked_connection_ids() == [DEFAULT_CONNECTION] and self.search_task is None:
            self._first_run = False
            self._showcase_demo = self.start_search() is not None
            if self._showcase_demo and should_offer_basemap(self.project):
                self.add_basemap(COUNTRIES)  # the demo works offline: the bundled countries

    # ------------------------------------------------------------------ lifecycle
    def shutdown(self) -> None:
        """Cancel running work and remove what the dock drew (called on unload)."""
        self._shut_down = True
        self.search_controller.shutdown()  # the search stops, nothing more is reported
        self.downloads_widget.shutdown()  # cancels downloads; .part files stay for a resume
        # a cancelled task still reports when it ends: nothing of this dock may answer
        self.keeper.cancel(owner=self, silence=True)
        self.keeper.cancel(owner=self.scene_panel, silence=True)
        self.keeper.cancel(owner=self.thumbnails, silence=True)
        self.search_panel.remove_from_map()
        for signal in (self.project.layersAdded, self.project.layersRemoved):
            try:
                signal.disconnect(self._update_basemap_offer)
            except (TypeError, RuntimeError):
                pass
        self.footprints.remove()
        self.results_model.clear()
        release_results()  # the shared providers are closed with the plugin's services
