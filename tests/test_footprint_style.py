"""Footprints styled with meaning: outlines graded by cloud cover, no labels, and the style the
user sets kept for the next footprint layer (this session and the next)."""
from __future__ import annotations

from qgis.core import (QgsExpressionContext, QgsExpressionContextUtils, QgsFillSymbol, QgsProject, QgsRenderContext,
                       QgsSingleSymbolRenderer)

from eo_scene_finder.providers.model import Scene
from eo_scene_finder.ui.footprints import BUNDLED_STYLE, FootprintLayer


def _scene(name, cloud, x):
    box = [x, 43.0, x + 1.0, 44.0]
    geometry = {"type": "Polygon", "coordinates": [[[box[0], box[1]], [box[2], box[1]], [box[2], box[3]],
                                                    [box[0], box[3]], [box[0], box[1]]]]}
    return Scene(id=name, collection="sentinel-2-l2a", datetime=None, geometry=geometry, bbox=tuple(box),
                 cloud_cover=cloud)


def _outline_colours(layer):
    """The outline colour QGIS draws each scene with, by scene id."""
    context = QgsRenderContext()
    context.setExpressionContext(QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer)))
    renderer = layer.renderer().clone()
    renderer.startRender(context, layer.fields())
    colours = {}
    try:
        for feature in layer.getFeatures():
            context.expressionContext().setFeature(feature)
            symbols = renderer.symbolsForFeature(feature, context)
            assert len(symbols) == 1, feature["id"]
            colours[feature["id"]] = symbols[0].symbolLayer(0).strokeColor().name()
    finally:
        renderer.stopRender(context)
    return colours


def test_outlines_are_graded_by_cloud_cover_and_labels_are_off(tmp_path):
    project = QgsProject()
    footprints = FootprintLayer(project, style_path=str(tmp_path / "footprints.qml"))
    scenes = [_scene("clear", 3.0, 0), _scene("some", 22.0, 1), _scene("half", 45.0, 2),
              _scene("cloudy", 85.0, 3), _scene("radar", None, 4)]
    assert footprints.add_scenes(0, scenes) == 5
    layer = footprints.layer
    assert not layer.labelsEnabled()
    colours = _outline_colours(layer)
    assert len(set(colours.values())) == 5, colours              # five classes, five outlines
    assert colours["clear"] == "#1a9641" and colours["cloudy"] == "#d7191c"   # green … red
    assert not (tmp_path / "footprints.qml").exists()            # the plugin's own style is not "the user's"


def test_the_style_the_user_sets_is_kept_for_the_next_footprint_layer(tmp_path):
    kept = tmp_path / "profile" / "eo_scene_finder" / "footprints.qml"
    first = FootprintLayer(QgsProject(), style_path=str(kept))
    first.add_scenes(0, [_scene("a", 10.0, 0)])
    # the user picks a single blue outline in the layer's properties
    symbol = QgsFillSymbol.createSimple({"color": "0,0,255,10", "outline_color": "0,0,255,255"})
    first.layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    first.layer.triggerRepaint()
    assert kept.exists()

    later = FootprintLayer(QgsProject(), style_path=str(kept))     # a later session
    later.add_scenes(0, [_scene("b", 80.0, 0)])
    assert later.layer.renderer().type() == "singleSymbol"
    assert later.layer.renderer().symbol().symbolLayer(0).strokeColor().name() == "#0000ff"


def test_the_bundled_style_ships_with_the_plugin():
    text = open(BUNDLED_STYLE, encoding="utf-8").read()
    assert 'labelsEnabled="0"' in text and "&quot;cloud_cover&quot; >= 60" in text
