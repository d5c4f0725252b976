"""Area of interest: map tools to draw it, and a manager that keeps it drawn and in EPSG:4326."""
from __future__ import annotations

import json
from typing import List, Optional

from qgis.core import (QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsDistanceArea, QgsGeometry,
                       QgsPointXY, QgsProject, QgsRectangle, QgsVectorLayer)
from qgis.gui import QgsMapTool, QgsRubberBand
from qgis.PyQt.QtCore import QObject, Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor

from ..qgis_compat import POLYGON_GEOMETRY
from ..i18n import tr

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")


def _polygon_band(canvas, color: QColor, fill_alpha: int = 40) -> QgsRubberBand:
    band = QgsRubberBand(canvas, POLYGON_GEOMETRY)
    band.setStrokeColor(color)
    fill = QColor(color)
    fill.setAlpha(fill_alpha)
    band.setFillColor(fill)
    band.setWidth(2)
    return band


class RectangleAoiTool(QgsMapTool):
    """Press, drag and release to draw a rectangle (in canvas CRS)."""

    rectangleDrawn = pyqtSignal(QgsRectangle)

    def __init__(self, canvas):
        super().__init__(canvas)
        self._start: Optional[QgsPointXY] = None
        self._band = _polygon_band(canvas, QColor(30, 110, 220))
        self.setCursor(Qt.CursorShape.CrossCursor)

    def canvasPressEvent(self, event):  # noqa: N802
        self._start = self.toMapCoordinates(event.pos())
        self._band.reset(POLYGON_GEOMETRY)

    def canvasMoveEvent(self, event):  # noqa: N802
        if self._start is None:
            return
        end = self.toMapCoordinates(event.pos())
        self._band.setToGeometry(QgsGeometry.fromRect(QgsRectangle(self._start, end)), None)

    def canvasReleaseEvent(self, event):  # noqa: N802
        if self._start is None:
            return
        end = self.toMapCoordinates(event.pos())
        rect = QgsRectangle(self._start, end)
        self._start = None
        self._band.reset(POLYGON_GEOMETRY)
        if rect.width() > 0 and rect.height() > 0:
            self.rectangleDrawn.emit(rect)

    def deactivate(self):
        self._band.reset(POLYGON_GEOMETRY)
        super().deactivate()


class PolygonAoiTool(QgsMapTool):
    """Left-click vertices, right-click or double-click to finish, Esc to cancel."""

    polygonDrawn = pyqtSignal(QgsGeometry)

    def __init__(self, canvas):
        super().__init__(canvas)
        self._points: List[QgsPointXY] = []
        self._band = _polygon_band(canvas, QColor(30, 110, 220))
        self.setCursor(Qt.CursorShape.CrossCursor)

    def _redraw(self, moving: Optional[QgsPointXY] = None):
        pts = self._points + ([moving] if moving else [])
        self._band.reset(POLYGON_GEOMETRY)
        for p in pts:
            self._band.addPoint(p, False)
        self._band.show()
        if pts:
            self._band.updatePosition()
            self._band.update()

    def canvasPressEvent(self, event):  # noqa: N802
        if event.button() == Qt.MouseButton.RightButton:
            self._finish()
            return
        self._points.append(self.toMapCoordinates(event.pos()))
        self._redraw()

    def canvasDoubleClickEvent(self, event):  # noqa: N802
        self._finish()

    def canvasMoveEvent(self, event):  # noqa: N802
        if self._points:
            self._redraw(self.toMapCoordinates(event.pos()))

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() == Qt.Key.Key_Escape:
            self._points = []
            self._band.reset(POLYGON_GEOMETRY)
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._finish()

    def _finish(self):
        pts = self._dedupe(self._points)
        self._points = []
        self._band.reset(POLYGON_GEOMETRY)
        if len(pts) >= 3:
            self.polygonDrawn.emit(QgsGeometry.fromPolygonXY([pts + [pts[0]]]))

    @staticmethod
    def _dedupe(points):
        out = []
        for p in points:
            if not out or p != out[-1]:
                out.append(p)
        return out

    def deactivate(self):
        self._points = []
        self._band.reset(POLYGON_GEOMETRY)
        super().deactivate()


def _unwrap_ring(points: List[QgsPointXY]) -> List[QgsPointXY]:
    out: List[QgsPointXY] = []
    offset = 0.0
    for p in points:
        x = p.x() + offset
        if out:
            step = x - out[-1].x()
            if step > 180:
                offset -= 360
                x -= 360
            elif step < -180:
                offset += 360
                x += 360
        out.append(QgsPointXY(x, p.y()))
    return out


def unwrap_longitudes(geom: QgsGeometry) -> QgsGeometry:
    """A polygon reprojected to EPSG:4326 from a map that crosses 180° comes back with its
    longitudes wrapped (170 … 179, -179 … -171): its edges then run the long way round the
    world. Walk each ring and keep consecutive vertices less than 180° apart, so the polygon
    runs past ±180 (170 … 189) as drawn; :func:`split_at_antimeridian` then cuts it."""
    if geom is None or geom.isEmpty() or geom.type() != POLYGON_GEOMETRY:
        return geom
    box = geom.boundingBox()
    if box.xMaximum() - box.xMinimum() <= 180:
        return geom  # no edge can jump across the antimeridian
    polygons = geom.asMultiPolygon() if geom.isMultipart() else [geom.asPolygon()]
    unwrapped = [[_unwrap_ring(ring) for ring in polygon] for polygon in polygons]
    result = QgsGeometry.fromMultiPolygonXY(unwrapped) if geom.isMultipart() else QgsGeometry.fromPolygonXY(unwrapped[0])
    new_box = result.boundingBox()
    if new_box.xMaximum() - new_box.xMinimum() >= box.xMaximum() - box.xMinimum():
        return geom  # it did not cross: keep what was drawn
    return result


def split_at_antimeridian(geom: QgsGeometry) -> QgsGeometry:
    """Longitudes past ±180 folded back into the world as parts on each side of 180°."""
    if geom is None or geom.isEmpty():
        return geom
    box = geom.boundingBox()
    if box.xMinimum() >= -180 and box.xMaximum() <= 180:
        return geom
    world = QgsGeometry.fromRect(QgsRectangle(-180, -90, 180, 90))
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        moved = QgsGeometry(geom)
        moved.translate(shift, 0)
        piece = moved.intersection(world)
        if not piece.isEmpty() and piece.type() == POLYGON_GEOMETRY:
            pieces.append(piece)
    if not pieces:
        return geom
    result = QgsGeometry.unaryUnion(pieces) if len(pieces) > 1 else pieces[0]
    return result


class AoiManager(QObject):
    """The current AOI, kept in EPSG:4326 and drawn on the canvas until cleared."""

    aoiChanged = pyqtSignal()

    def __init__(self, canvas, project: Optional[QgsProject] = None, parent=None):
        super().__init__(parent)
        self.canvas = canvas
        self.project = project or QgsProject.instance()
        self.geometry: Optional[QgsGeometry] = None  # EPSG:4326
        self.source = ""
        self._band = _polygon_band(canvas, QColor(220, 40, 40), 30)
        self._band.setWidth(2)
        canvas.destinationCrsChanged.connect(self._redraw)

    # setting the AOI ----------------------------------------------------------------
    def _to_wgs84(self, geom: QgsGeometry, crs: QgsCoordinateReferenceSystem) -> QgsGeometry:
        g = QgsGeometry(geom)
        if crs.isValid() and crs != WGS84:
            if g.type() == POLYGON_GEOMETRY:
                g = g.densifyByCount(16)  # straight edges in a projected CRS are curves in 4326
            g.transform(QgsCoordinateTransform(crs, WGS84, self.project))
        return g

    def set_geometry(self, geom: QgsGeometry, crs: QgsCoordinateReferenceSystem, source: str = "") -> None:
        g = self._to_wgs84(geom, crs)
        if crs.isValid() and crs != WGS84:
            g = unwrap_longitudes(g)
        g = split_at_antimeridian(g)
        if not g.isGeosValid():
            g = g.makeValid()
        self.geometry = g
        self.source = source
        self._redraw()
        self.aoiChanged.emit()

    def set_rectangle(self, rect: QgsRectangle, crs: Optional[QgsCoordinateReferenceSystem] = None,
                      source: str = "rectangle") -> None:
        self.set_geometry(QgsGeometry.fromRect(rect), crs or self.canvas.mapSettings().destinationCrs(), source)

    def set_from_map_extent(self) -> None:
        self.set_rectangle(self.canvas.extent(), source=tr("map extent"))

    def set_from_layer_extent(self, layer) -> None:
        self.set_rectangle(layer.extent(), layer.crs(), source=tr("extent of {layer}").format(layer=layer.name()))

    def set_from_selected_features(self, layer: QgsVectorLayer) -> int:
        """Union of the selected features (polygons exactly; points/lines buffered slightly
        would change meaning, so they are refused). Returns the number of features used."""
        feats = list(layer.getSelectedFeatures())
        geoms = [f.geometry() for f in feats if f.hasGeometry()]
        geoms = [g for g in geoms if g.type() == POLYGON_GEOMETRY]
        if not geoms:
            return 0
        union = QgsGeometry.unaryUnion(geoms)
        self.set_geometry(union, layer.crs(), source=tr("{count} selected feature(s) of {layer}").format(
            count=len(geoms), layer=layer.name()))
        return len(geoms)

    def clear(self) -> None:
        self.geometry = None
        self.source = ""
        self._band.reset(POLYGON_GEOMETRY)
        self.aoiChanged.emit()

    # reading it ---------------------------------------------------------------------
    def geojson(self) -> Optional[dict]:
        if self.geometry is None or self.geometry.isEmpty():
            return None
        return json.loads(self.geometry.asJson(7))

    def area_km2(self) -> float:
        if self.geometry is None:
            return 0.0
        da = QgsDistanceArea()
        da.setSourceCrs(WGS84, self.project.transformContext())
        da.setEllipsoid("WGS84")
        return da.measureArea(self.geometry) / 1e6

    def _redraw(self, *_args) -> None:
        self._band.reset(POLYGON_GEOMETRY)
        if self.geometry is None:
            return
        g = QgsGeometry(self.geometry)
        dest = self.canvas.mapSettings().destinationCrs()
        if dest.isValid() and dest != WGS84:
            try:
                g.transform(QgsCoordinateTransform(WGS84, dest, self.project))
            except Exception:  # noqa: BLE001 - drawing only
                return
        self._band.setToGeometry(g, None)

    def remove(self) -> None:
        self._band.reset(POLYGON_GEOMETRY)
        try:
            self.canvas.scene().removeItem(self._band)
        except RuntimeError:
            pass
