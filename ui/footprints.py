"""Scene footprints in a styled memory layer inside an "EO Scene Finder" layer group."""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional

from qgis.core import (QgsFeature, QgsFields, QgsFillSymbol, QgsGeometry, QgsJsonUtils,
                       QgsPointXY, QgsProject, QgsVectorLayer)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..providers.model import Scene
from ..qgis_compat import field

GROUP_NAME = "EO Scene Finder"
LAYER_NAME = "Scene footprints"
LAYER_PROPERTY = "eo_scene_finder/footprints"


def geometry_from_geojson(geom: Optional[dict], bbox=None) -> QgsGeometry:
    """A QgsGeometry from a GeoJSON polygon/multipolygon dict (fast path), else via QGIS."""
    if geom:
        gtype = geom.get("type")
        coords = geom.get("coordinates")
        try:
            if gtype == "Polygon":
                return QgsGeometry.fromPolygonXY([[QgsPointXY(c[0], c[1]) for c in ring] for ring in coords])
            if gtype == "MultiPolygon":
                return QgsGeometry.fromMultiPolygonXY(
                    [[[QgsPointXY(c[0], c[1]) for c in ring] for ring in poly] for poly in coords])
        except (TypeError, IndexError):
            pass
        import json
        g = QgsJsonUtils.geometryFromGeoJson(json.dumps(geom)) if hasattr(QgsJsonUtils, "geometryFromGeoJson") else None
        if g is not None and not g.isNull():
            return g
    if bbox:
        w, s, e, n = bbox[:4]
        return QgsGeometry.fromPolygonXY([[QgsPointXY(w, s), QgsPointXY(e, s), QgsPointXY(e, n),
                                           QgsPointXY(w, n), QgsPointXY(w, s)]])
    return QgsGeometry()


class FootprintLayer(QObject):
    """Owns the footprint layer; maps result rows to feature ids both ways."""

    selectionChanged = pyqtSignal(list)  # source rows selected on the map

    def __init__(self, project: Optional[QgsProject] = None, parent=None):
        super().__init__(parent)
        self.project = project or QgsProject.instance()
        self.layer: Optional[QgsVectorLayer] = None
        self._row_to_fid: Dict[int, int] = {}
        self._fid_to_row: Dict[int, int] = {}
        self._syncing = False

    def _ensure_layer(self) -> QgsVectorLayer:
        if self.layer is not None:
            try:
                self.layer.id()
                if self.project.mapLayer(self.layer.id()) is not None:
                    return self.layer
            except RuntimeError:  # deleted by the user
                pass
        layer = QgsVectorLayer("Polygon?crs=EPSG:4326", LAYER_NAME, "memory")
        fields = QgsFields()
        for name, kind in (("row", "int"), ("id", "string"), ("collection", "string"), ("datetime", "string"),
                           ("cloud_cover", "double"), ("platform", "string"), ("connection", "string")):
            fields.append(field(name, kind))
        layer.dataProvider().addAttributes(fields)
        layer.updateFields()
        layer.setCustomProperty(LAYER_PROPERTY, True)
        symbol = QgsFillSymbol.createSimple({
            "color": "255,170,0,25", "outline_color": "230,120,0,230", "outline_width": "0.4"})
        layer.renderer().setSymbol(symbol)
        self.project.addMapLayer(layer, False)
        root = self.project.layerTreeRoot()
        group = root.findGroup(GROUP_NAME) or root.insertGroup(0, GROUP_NAME)
        group.insertLayer(0, layer)
        layer.selectionChanged.connect(self._on_layer_selection)
        layer.willBeDeleted.connect(self._forget_layer)
        self.layer = layer
        self._row_to_fid.clear()
        self._fid_to_row.clear()
        return layer

    def _forget_layer(self):
        self.layer = None
        self._row_to_fid.clear()
        self._fid_to_row.clear()

    def clear(self) -> None:
        if self.layer is not None:
            try:
                self.layer.dataProvider().truncate()
                self.layer.triggerRepaint()
            except RuntimeError:
                self.layer = None
        self._row_to_fid.clear()
        self._fid_to_row.clear()

    def add_scenes(self, first_row: int, scenes: Iterable[Scene]) -> int:
        """Add footprints for result rows ``first_row...``; returns how many were drawn."""
        layer = self._ensure_layer()
        feats: List[QgsFeature] = []
        rows: List[int] = []
        fields = layer.fields()
        for offset, scene in enumerate(scenes):
            geom = geometry_from_geojson(scene.geometry, scene.bbox)
            if geom.isNull():
                continue
            f = QgsFeature(fields)
            f.setGeometry(geom)
            f.setAttributes([first_row + offset, scene.id, scene.collection or "", scene.date_text,
                             scene.cloud_cover, scene.platform or "", scene.connection or ""])
            feats.append(f)
            rows.append(first_row + offset)
        if not feats:
            return 0
        ok, added = layer.dataProvider().addFeatures(feats)
        for row, feat in zip(rows, added):
            self._row_to_fid[row] = feat.id()
            self._fid_to_row[feat.id()] = row
        layer.updateExtents()
        layer.triggerRepaint()
        return len(added)

    def fid_for_row(self, row: int) -> Optional[int]:
        return self._row_to_fid.get(row)

    def select_rows(self, rows: Iterable[int]) -> None:
        if self.layer is None or self._syncing:
            return
        self._syncing = True
        try:
            self.layer.selectByIds([self._row_to_fid[r] for r in rows if r in self._row_to_fid])
        finally:
            self._syncing = False

    def _on_layer_selection(self, selected, _deselected, _clear):
        if self._syncing or self.layer is None:
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
