"""Scene footprints in a styled memory layer inside an "EO Scene Finder" layer group.

The layer has the scene layer schema (services/scene_layer.py), so its selected features are
an input of Download, Mosaic and Export. The cheap fields are written when footprints are
drawn; ``assets`` and ``record`` (10-16 KB of JSON a scene) are written for the scenes the
user selects, when they are selected.
"""
from __future__ import annotations

import os
from typing import Callable, Dict, Iterable, List, Optional, Set

from qgis.core import QgsApplication, QgsFeature, QgsFields, QgsFillSymbol, QgsMapLayer, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..providers.model import Scene
from ..providers.net import jsonstream
from ..services.scene_layer import geometry_from_geojson, json_attributes, scene_attributes, scene_fields
from ..i18n import tr, tr_noop

__all__ = ["FootprintLayer", "geometry_from_geojson", "GROUP_NAME", "LAYER_NAME", "LAYER_PROPERTY"]

GROUP_NAME = "EO Scene Finder"
LAYER_NAME = tr_noop("Scene footprints")  # the layer shows tr(LAYER_NAME)
LAYER_PROPERTY = "eo_scene_finder/footprints"
RECORD_CHUNK = 500  # features written per changeAttributeValues when a selection is filled
# outlines graded by cloud cover, no labels; the user's own changes are kept in their profile
BUNDLED_STYLE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "styles", "footprints.qml")
STYLE_CATEGORIES = QgsMapLayer.StyleCategory.Symbology | QgsMapLayer.StyleCategory.Labeling | \
    QgsMapLayer.StyleCategory.Rendering


def user_style_path() -> str:
    """Where the footprint style the user last set is kept (their QGIS profile)."""
    return os.path.join(QgsApplication.qgisSettingsDirPath(), "eo_scene_finder", "footprints.qml")


_FIELDS: List[QgsFields] = []


def _scene_fields() -> QgsFields:
    if not _FIELDS:
        _FIELDS.append(scene_fields())
    return _FIELDS[0]


class FootprintLayer(QObject):
    """Owns the footprint layer; maps result rows to feature ids both ways and writes the
    records of the scenes the user selects."""

    selectionChanged = pyqtSignal(list)  # source rows selected on the map

    def __init__(self, project: Optional[QgsProject] = None, parent=None,
                 connection_text: Optional[Callable[[str], str]] = None, style_path: Optional[str] = None):
        super().__init__(parent)
        self.project = project or QgsProject.instance()
        self.style_path = style_path or user_style_path()
        self._styling = False
        self._subset = ""  # the timeline's period, kept across searches and new layers
        self.layer: Optional[QgsVectorLayer] = None
        self._row_to_fid: Dict[int, int] = {}
        self._fid_to_row: Dict[int, int] = {}
        self._syncing = False
        # how Processing names a connection id (a saved name, a preset id or KIND+URL?options);
        self._connection_text = connection_text
        self._connection_texts: Dict[str, str] = {}
        self._scenes: Dict[int, Scene] = {}  # fid -> scene (the results model holds them anyway)
        self._with_record: Set[int] = set()
        self._unresolved: List[tuple] = []  # (rows, added features) whose ids are not mapped yet

    def _ensure_layer(self) -> QgsVectorLayer:
        if self.layer is not None:
            try:
                self.layer.id()
                if self.project.mapLayer(self.layer.id()) is not None:
                    return self.layer
            except RuntimeError:  # deleted by the user
                pass
        layer = QgsVectorLayer("Polygon?crs=EPSG:4326", tr(LAYER_NAME), "memory")
        layer.dataProvider().addAttributes(scene_fields())
        layer.updateFields()
        layer.setCustomProperty(LAYER_PROPERTY, True)
        self._apply_style(layer)
        if self._subset:
            layer.setSubsetString(self._subset)
        self.project.addMapLayer(layer, False)
        root = self.project.layerTreeRoot()
        group = root.findGroup(GROUP_NAME) or root.insertGroup(0, GROUP_NAME)
        group.insertLayer(0, layer)
        layer.selectionChanged.connect(self._on_layer_selection)
        layer.willBeDeleted.connect(self._forget_layer)
        layer.styleChanged.connect(self._keep_user_style)
        layer.rendererChanged.connect(self._keep_user_style)
        self.layer = layer
        self._forget_features()
        return layer

    def _apply_style(self, layer: QgsVectorLayer) -> None:
        """The user's last footprint style, else the bundled one (graded by cloud cover)."""
        self._styling = True
        try:
            for path in (self.style_path, BUNDLED_STYLE):
                if os.path.exists(path):
                    _message, ok = layer.loadNamedStyle(path, STYLE_CATEGORIES)
                    if ok:
                        break
            else:
                layer.renderer().setSymbol(QgsFillSymbol.createSimple(
                    {"color": "255,170,0,25", "outline_color": "230,120,0,230", "outline_width": "0.4"}))
        finally:
            self._styling = False

    def _keep_user_style(self, *_args) -> None:
        """The user restyled the footprints (Layer Properties, the style dock): keep it for the
        next footprint layer, in this and later sessions."""
        if self._styling or self.layer is None:
            return
        try:
            os.makedirs(os.path.dirname(self.style_path), exist_ok=True)
            self.layer.saveNamedStyle(self.style_path, STYLE_CATEGORIES)
        except (OSError, RuntimeError):
            pass  # a read-only profile: the style just is not remembered

    def _resolve(self) -> None:
        """Map the rows of the features added since the last call to their feature ids."""
        while self._unresolved:
            rows, added = self._unresolved.pop(0)
            for (row, scene), feat in zip(rows, added):
                fid = feat.id()
                self._row_to_fid[row] = fid
                self._fid_to_row[fid] = row
                self._scenes[fid] = scene

    def _forget_features(self):
        self._unresolved.clear()
        self._row_to_fid.clear()
        self._fid_to_row.clear()
        self._scenes.clear()
        self._with_record.clear()
        self._connection_texts.clear()

    def _forget_layer(self):
        self.layer = None
        self._forget_features()

    def clear(self) -> None:
        if self.layer is not None:
            try:
                self.layer.dataProvider().truncate()
                self.layer.triggerRepaint()
            except RuntimeError:
                self.layer = None
        self._forget_features()

    def set_period(self, start: Optional[float], end: Optional[float]) -> None:
        """Draw only the footprints of ``[start, end)`` (UTC timestamps; None: every date)."""
        import datetime as _dt

        if start is None or end is None:
            self._subset = ""
        else:
            def text(ts):
                return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
            # the datetime field holds RFC 3339 UTC text: string order is time order
            self._subset = f"\"datetime\" >= '{text(start)}' AND \"datetime\" < '{text(end)}'"
        if self.layer is not None:
            try:
                self.layer.setSubsetString(self._subset)
                self.layer.triggerRepaint()
            except RuntimeError:
                self.layer = None

    def connection_text(self, cid: Optional[str]) -> str:
        """The connection as Processing resolves it (cached per connection id)."""
        cid = cid or ""
        text = self._connection_texts.get(cid)
        if text is None:
            text = cid
            if cid and self._connection_text is not None:
                try:
                    text = self._connection_text(cid) or cid
                except Exception:  # noqa: BLE001 - an unknown id stays as it is: Processing says so
                    text = cid
            self._connection_texts[cid] = text
        return text

    @staticmethod
    def prepare_features(scenes: Iterable[Scene],
                         connection_texts: Optional[Dict[str, str]] = None) -> List[Optional[QgsFeature]]:
        """The footprint feature of each scene (None: no footprint), built off the GUI thread
        (a search task calls this in its worker; :meth:`add_scenes` only adds them), with the
        ``connection`` field from ``connection_texts`` (connection id -> how Processing names
        it, resolved on the GUI thread with :meth:`connection_text`) or left empty."""
        fields = _scene_fields()
        texts = connection_texts or {}
        out: List[Optional[QgsFeature]] = []
        for scene in scenes:
            jsonstream.breathe()  # in a search task: the GUI thread first (see gui_turn)
            geom = geometry_from_geojson(scene.geometry, scene.bbox)
            if geom.isNull():
                out.append(None)
                continue
            f = QgsFeature(fields)
            f.setGeometry(geom)
            # assets and record stay null until the scene is selected (see fill_records)
            f.setAttributes(scene_attributes(scene, texts.get(scene.connection or "", ""), with_json=False))
            out.append(f)
        return out

    def add_scenes(self, first_row: int, scenes: Iterable[Scene],
                   features: Optional[List[Optional[QgsFeature]]] = None) -> int:
        """Add footprints for result rows ``first_row...`` (``features``: what
        :meth:`prepare_features` made of these scenes); returns how many were drawn."""
        layer = self._ensure_layer()
        scenes = list(scenes)
        if features is None:
            texts = {s.connection or "": self.connection_text(s.connection) for s in scenes}
            features = self.prepare_features(scenes, texts)
        feats: List[QgsFeature] = []
        rows: List[tuple] = []
        for offset, (scene, f) in enumerate(zip(scenes, features)):
            if f is not None:
                feats.append(f)
                rows.append((first_row + offset, scene))
        if not feats:
            return 0
        ok, added = layer.dataProvider().addFeatures(feats)
        # their ids are read when first needed (a selection): a call into QGIS per feature
        # here waited each time for the interpreter the search task was using
        self._unresolved.append((rows, added))
        layer.updateExtents()
        layer.triggerRepaint()
        return len(added)

    def remove_rows(self, rows: Iterable[int]) -> int:
        """Remove the footprints of result rows ``rows`` (those drawn); returns how many."""
        if self.layer is None:
            return 0
        self._resolve()
        fids = [self._row_to_fid.pop(r) for r in rows if r in self._row_to_fid]
        for fid in fids:
            self._fid_to_row.pop(fid, None)
            self._scenes.pop(fid, None)
            self._with_record.discard(fid)
        if fids:
            self.layer.dataProvider().deleteFeatures(fids)
            self.layer.triggerRepaint()
        return len(fids)

    def fid_for_row(self, row: int) -> Optional[int]:
        self._resolve()
        return self._row_to_fid.get(row)

    def fill_records(self, fids: Iterable[int]) -> int:
        """Write ``assets`` and ``record`` (unsigned) of these features if not yet written, by
        chunks on the memory provider (no edit session, no undo); returns how many were written."""
        if self.layer is None:
            return 0
        self._resolve()
        todo = [f for f in fids if f in self._scenes and f not in self._with_record]
        fields = self.layer.fields()
        assets_idx, record_idx = fields.indexOf("assets"), fields.indexOf("record")
        done = 0
        for start in range(0, len(todo), RECORD_CHUNK):  # bounded peak memory for a select-all
            changes = {}
            for fid in todo[start:start + RECORD_CHUNK]:
                assets, record = json_attributes(self._scenes[fid])
                changes[fid] = {assets_idx: assets, record_idx: record}
            if not self.layer.dataProvider().changeAttributeValues(changes):
                break
            self._with_record.update(changes)
            done += len(changes)
        return done

    def release_records(self, keep: Iterable[int]) -> int:
        """Empty ``assets`` and ``record`` of the features not in ``keep``: the layer holds the
        JSON of the current selection only. A Processing run already started keeps its copy."""
        if self.layer is None:
            return 0
        stale = self._with_record.difference(keep)
        if not stale:
            return 0
        fields = self.layer.fields()
        null = {fields.indexOf("assets"): None, fields.indexOf("record"): None}
        if self.layer.dataProvider().changeAttributeValues({fid: dict(null) for fid in stale}):
            self._with_record.difference_update(stale)
        return len(stale)

    def select_rows(self, rows: Iterable[int]) -> None:
        if self.layer is None or self._syncing:
            return
        self._resolve()
        self._syncing = True
        try:
            self.layer.selectByIds([self._row_to_fid[r] for r in rows if r in self._row_to_fid])
        finally:
            self._syncing = False

    def _on_layer_selection(self, _selected, _deselected, _clear):
        if self.layer is None:
            return
        self._resolve()
        # whoever selected (the table, the map, an expression), the selection can feed Processing
        selection = set(self.layer.selectedFeatureIds())
        self.release_records(selection)
        self.fill_records(selection)
        if self._syncing:
            return
        self._syncing = True
        try:
            rows = sorted(self._fid_to_row[f] for f in self.layer.selectedFeatureIds() if f in self._fid_to_row)
            self.selectionChanged.emit(rows)
        finally:
            self._syncing = False

    def remove(self) -> None:
        """Remove the layer (and the group when it becomes empty)."""
        if self.layer is not None:
            try:
                self.project.removeMapLayer(self.layer.id())
            except RuntimeError:
                pass
            self.layer = None
        root = self.project.layerTreeRoot()
        group = root.findGroup(GROUP_NAME)
        if group is not None and not group.children():
            root.removeChildNode(group)
