"""Map context for footprints on an empty map: a bundled offline countries layer (Natural
Earth 1:110m, public domain, 207 KB, see basemap/SOURCES.md) or OpenStreetMap tiles.

A basemap is added only when asked (the dock's offer, the demo's first run), never twice, and
the dock offers it only while the project has no layer of the user's.
"""
from __future__ import annotations

import os
from typing import Optional

from qgis.core import QgsFillSymbol, QgsProject, QgsRasterLayer, QgsVectorLayer
from ..i18n import tr, tr_noop

BASEMAP_PROPERTY = "eo_scene_finder/basemap"
COUNTRIES = "countries"
OSM = "osm"
COUNTRIES_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "basemap", "countries.fgb")
COUNTRIES_NAME = tr_noop("Countries (Natural Earth, offline)")  # shown as tr(COUNTRIES_NAME)
OSM_NAME = "OpenStreetMap"
OSM_URI = "type=xyz&url=https://tile.openstreetmap.org/{z}/{x}/{y}.png&zmax=19&zmin=0"
# the layers the plugin itself puts on the map (footprints, AOI...) do not count as the user's
OWN_LAYER_PROPERTIES = (BASEMAP_PROPERTY, "eo_scene_finder/footprints")


def basemap_layer(project: QgsProject, kind: Optional[str] = None):
    """The basemap of ``kind`` (any kind when None) already in ``project``, or None."""
    for layer in project.mapLayers().values():
        value = layer.customProperty(BASEMAP_PROPERTY)
        if value and (kind is None or value == kind):
            return layer
    return None


def has_user_layers(project: QgsProject) -> bool:
    """True when the project holds a layer the user added (not a footprint layer, a basemap)."""
    return any(not any(layer.customProperty(p) for p in OWN_LAYER_PROPERTIES)
               for layer in project.mapLayers().values())


def should_offer_basemap(project: QgsProject) -> bool:
    return basemap_layer(project) is None and not has_user_layers(project)


def add_basemap(project: QgsProject, kind: str = COUNTRIES):
    """Add the basemap ``kind`` at the bottom of the layer tree (once); return the layer."""
    existing = basemap_layer(project, kind)
    if existing is not None:
        return existing
    if kind == COUNTRIES:
        layer = QgsVectorLayer(COUNTRIES_PATH, tr(COUNTRIES_NAME), "ogr")
        if layer.isValid():
            layer.renderer().setSymbol(QgsFillSymbol.createSimple({
                "color": "242,239,233,255", "outline_color": "150,150,150,255", "outline_width": "0.2"}))
    elif kind == OSM:
        layer = QgsRasterLayer(OSM_URI, OSM_NAME, "wms")
    else:
        raise ValueError(f"unknown basemap {kind!r}")
    if not layer.isValid():
        return None
    layer.setCustomProperty(BASEMAP_PROPERTY, kind)
    project.addMapLayer(layer, False)
    root = project.layerTreeRoot()
    root.insertLayer(len(root.children()), layer)   # below everything, footprints included
    return layer
