"""The Scene tab of the dock: the selected scene's quicklook, properties and assets, with
Add to map, Download and Copy link for the chosen asset."""
from __future__ import annotations

import json
from typing import Callable, Dict, Optional

from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QGuiApplication, QImage, QPixmap
from qgis.PyQt.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QTreeWidget,
                                 QTreeWidgetItem, QVBoxLayout, QWidget)

from ..providers.model import Scene
from ..providers.net.redact import strip_signature
from ..services.tasks import TaskKeeper
from ..tasks.function_task import FunctionTask
from ..i18n import tr

PREFERRED_VIEW_ASSETS = ("visual", "rendered_preview_cog", "data", "image", "src_xs", "B04", "red", "SR_B4")
QUICKLOOK_CACHE_SIZE = 200


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


class ScenePanel(QWidget):
    """One scene in detail. ``provider_for(scene)`` returns what a worker thread calls to
    get the scene's provider (quicklooks may need signing); quicklooks load in tasks kept
    by ``keeper`` and are cached."""

    addAssetRequested = pyqtSignal(object, object)     # scene, asset
    downloadAssetRequested = pyqtSignal(object, str)   # scene, asset key
    statusMessage = pyqtSignal(str)

    def __init__(self, provider_for: Callable[[Scene], Callable[[], object]], keeper: TaskKeeper,
                 parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.provider_for = provider_for
        self.keeper = keeper
        self.quicklook_cache: Dict[str, QImage] = {}
        self.current_scene: Optional[Scene] = None
        scl = QVBoxLayout(self)
        self.scene_title = QLabel(tr("Select a scene in the results."))
        self.scene_title.setWordWrap(True)
        self.scene_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.scene_title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scl.addWidget(self.scene_title)
        self.source_label = QLabel()
        self.source_label.setObjectName("sceneSourceLabel")
        self.source_label.setWordWrap(True)
        self.source_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.source_label.setVisible(False)
        scl.addWidget(self.source_label)
        self.quicklook = QLabel()
        self.quicklook.setObjectName("quicklookLabel")
        self.quicklook.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.quicklook.setMinimumHeight(160)
        self.quicklook.setMaximumHeight(260)
        self.quicklook.setWordWrap(True)  # a long error must not widen the dock
        self.quicklook.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        scl.addWidget(self.quicklook)
        asset_box = QGroupBox(tr("Assets"))
        al = QVBoxLayout(asset_box)
        self.assets_tree = QTreeWidget()
        self.assets_tree.setObjectName("assetsTree")
        self.assets_tree.setHeaderLabels([tr("Asset"), tr("Type"), tr("Roles")])
        self.assets_tree.setRootIsDecorated(False)
        al.addWidget(self.assets_tree)
        ab = QHBoxLayout()
        self.asset_add_button = QPushButton(tr("Add to map"))
        self.asset_add_button.setObjectName("assetAddButton")
        self.asset_add_button.clicked.connect(self._add_current_asset)
        self.asset_download_button = QPushButton(tr("Download"))
        self.asset_download_button.setObjectName("assetDownloadButton")
        self.asset_download_button.clicked.connect(self._download_current_asset)
        self.asset_copy_button = QPushButton(tr("Copy link"))
        self.asset_copy_button.setObjectName("assetCopyButton")
        self.asset_copy_button.clicked.connect(self._copy_current_asset)
        for b in (self.asset_add_button, self.asset_download_button, self.asset_copy_button):
            ab.addWidget(b)
        al.addLayout(ab)
        scl.addWidget(asset_box, 1)
        prop_box = QGroupBox(tr("Properties"))
        pl = QVBoxLayout(prop_box)
        self.properties_tree = QTreeWidget()
        self.properties_tree.setObjectName("propertiesTree")
        self.properties_tree.setHeaderLabels([tr("Property"), tr("Value"), tr("Source")])
        self.properties_tree.setRootIsDecorated(False)
        pl.addWidget(self.properties_tree)
        scl.addWidget(prop_box, 1)

    def show_scene(self, scene: Optional[Scene], union: Optional[dict] = None,
                   sources: Optional[list] = None) -> None:
        """Show ``scene`` (None: nothing selected) and load its quicklook in the background.
        A scene found in several catalogs: ``union`` (name -> (value, connection)) is shown
        as its properties, each with its source, and ``sources`` names the catalogs."""
        self.current_scene = scene
        self.assets_tree.clear()
        self.properties_tree.clear()
        self.quicklook.clear()
        if scene is None:
            self.scene_title.setText(tr("Select a scene in the results."))
            return
        key = "<br>" + tr("Scene key: {key}").format(key=scene.scene_key) if scene.scene_key else ""
        cloud = "" if scene.cloud_cover is None else " · " + tr("cloud {cloud:.1f} %").format(cloud=scene.cloud_cover)
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
        self.properties_tree.setColumnCount(3 if union else 2)
        if union:
            self.scene_title.setText(self.scene_title.text() + "<br>" + tr("Sources: {names}").format(
                names=", ".join(sources or [])))
            rows = sorted(union.items())
        else:
            rows = [(name, (scene.properties[name], None)) for name in sorted(scene.properties)]
        for name, (value, source) in rows:
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            item = QTreeWidgetItem([name, text[:500]] + ([source or ""] if union else []))
            self.properties_tree.addTopLevelItem(item)
        self.properties_tree.resizeColumnToContents(0)
        self._load_quicklook(scene)

    def set_source_note(self, text: str) -> None:
        """Which of the scene's sources Add to map and Download use, and why (empty: one source)."""
        self.source_label.setText(text)
        self.source_label.setVisible(bool(text))

    def _load_quicklook(self, scene: Scene) -> None:
        href = scene.thumbnail
        if not href:
            self.quicklook.setText(tr("No quicklook"))
            return
        cache_key = f"{scene.connection}|{href}"
        if cache_key in self.quicklook_cache:
            self._set_quicklook(scene, self.quicklook_cache[cache_key])
            return
        self.quicklook.setText(tr("Loading quicklook…"))
        open_provider = self.provider_for(scene)

        def fetch():
            from ..providers.quicklook import fetch_quicklook

            return fetch_quicklook(open_provider(), href)

        task = FunctionTask(tr("EO Scene Finder: quicklook {id}").format(id=scene.id), fetch, hidden=True)
        task.done.connect(lambda t: self._quicklook_loaded(scene, cache_key, t))
        self.keeper.start(task, owner=self)

    def _quicklook_loaded(self, scene: Scene, cache_key: str, task: FunctionTask) -> None:
        if task.error is not None or not task.result:
            if self.current_scene is scene:
                reason = task.error.user_message if task.error else ""
                self.quicklook.setText(tr("Quicklook unavailable: {reason}").format(reason=reason[:160]) if reason
                                       else tr("Quicklook unavailable"))
                self.quicklook.setToolTip(reason)
            return
        image = QImage.fromData(task.result)
        if image.isNull():
            if self.current_scene is scene:
                self.quicklook.setText(tr("Quicklook is not an image"))
            return
        self.quicklook_cache[cache_key] = image
        if len(self.quicklook_cache) > QUICKLOOK_CACHE_SIZE:
            self.quicklook_cache.pop(next(iter(self.quicklook_cache)))
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
            self.addAssetRequested.emit(self.current_scene, asset)

    def _copy_current_asset(self) -> None:
        asset = self._current_asset()
        if asset is not None:
            QGuiApplication.clipboard().setText(strip_signature(asset.href))
            self.statusMessage.emit(tr("Copied the link of {asset} (unsigned; streaming signs it on use).").format(
                asset=asset.key))

    def _download_current_asset(self) -> None:
        asset = self._current_asset()
        if asset is not None:
            self.downloadAssetRequested.emit(self.current_scene, asset.key)
