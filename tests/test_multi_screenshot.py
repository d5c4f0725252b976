"""Best coverage in a real QGIS window (qgis.bin under Xvfb, plugin installed from the release
zip): real Sentinel-2 tiles of one pass (the Planetary Computer items of tests/data/stac, as
two static catalogs on nginx: Planetary Computer's ids and Earth Search's), searched at once and
grouped, an area of interest, Best coverage → the chosen scenes selected in
the table and on the map, the coverage said in the panel. The screenshot lands in
``tests/.artifacts/qgis/multi-coverage/``; ``make screenshots`` copies it to docs/screenshots/."""
from __future__ import annotations

import shutil

import pytest

from test_multi_actions import DATA, TILES, earth_search_id, real_items, write_static_catalog
from test_qgis_screenshots import COMMON, _keep, _run

pytestmark = pytest.mark.qgis_window

BEST_COVERAGE = COMMON + r'''
def scenario():
    R = harness.result
    from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle
    dock = open_dock()
    yield (lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30000)  # the demo first
    from eo_scene_finder.ui.basemap import COUNTRIES
    dock.add_basemap(COUNTRIES)
    from eo_scene_finder.providers.base import Connection
    for name, url in (("Planetary Computer", os.environ["EOSF_PC_URL"]), ("Earth Search", os.environ["EOSF_ES_URL"])):
        dock._connections[name] = Connection(name=name, kind="static", url=url)
        dock.connection_combo.addItem(name, name)
    dock.set_checked_connections(["Planetary Computer", "Earth Search"])
    yield (lambda: dock.collections_model.rowCount() >= 1, 30000)
    dock.set_selected_collections(["sentinel-2-l2a"])
    dock.use_dates.setChecked(False)
    dock.cloud_slider.setValue(100)
    dock.search_panel.aoi.set_rectangle(QgsRectangle(-7.0, 80.3, -1.5, 81.6), QgsCoordinateReferenceSystem("EPSG:4326"))
    dock.start_search()
    yield (lambda: dock.search_task is None, 60000)
    R["rows"] = dock.results_model.rowCount()
    R["shown_rows"] = dock.shown_model.rowCount()
    dock.scene_actions.best_coverage(target=0.98)
    yield (lambda: dock.scene_actions.coverage_task is None, 60000)
    R["chosen"] = [s.id for s in dock.scene_actions.coverage_scenes]
    R["selected_rows"] = [s.id for s in dock.selected_scenes()]
    R["selected_footprints"] = dock.footprints.layer.selectedFeatureCount()
    R["bar"] = dock.scene_actions.coverage_bar.label.text()
    R["bar_visible"] = dock.scene_actions.coverage_bar.isVisible()
    # the bundled demo's welcome scene is elsewhere; the Arctic reads best in a polar projection
    QgsProject.instance().removeMapLayers([l.id() for l in QgsProject.instance().mapLayers().values()
                                           if isinstance(l, QgsRasterLayer)])
    iface.mapCanvas().setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3413"))
    layer = dock.footprints.layer
    extent = iface.mapCanvas().mapSettings().layerExtentToOutputExtent(layer, layer.extent())
    extent.scale(1.6)
    iface.mapCanvas().setExtent(extent)
    iface.mapCanvas().refresh()
    dock.tabs.setCurrentIndex(0)
    yield (lambda: not iface.mapCanvas().isDrawing(), 20000)
    yield 1500
    iface.messageBar().clearWidgets()
    yield 300
    harness.screenshot(os.path.join(harness.workdir, "panel-coverage.png"))
'''


def test_best_coverage_in_a_real_qgis_window(qgis_profile_factory, run_qgis_window, nginx_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("coverage-www")
    (root / "cog").mkdir()
    shutil.copy(DATA / "cog" / "cog_rgb.tif", root / "cog" / "cog_rgb.tif")
    server = nginx_server(root)
    write_static_catalog(root, "pc", real_items(), lambda item: f"{server.url}/cog/cog_rgb.tif")
    write_static_catalog(root, "es", real_items(), lambda item: f"{server.url}/cog/cog_rgb.tif", earth_search_id)
    run = _run(run_qgis_window, qgis_profile_factory, BEST_COVERAGE, "multi-coverage",
               {"EOSF_PC_URL": f"{server.url}/pc/catalog.json", "EOSF_ES_URL": f"{server.url}/es/catalog.json"})
    r = run.result
    assert r["rows"] == 2 * r["shown_rows"] and 1 < r["shown_rows"] <= len(TILES), r   # grouped: one row per tile
    assert 1 < len(r["chosen"]) < r["shown_rows"], r
    assert sorted(r["selected_rows"]) == sorted(r["chosen"]) and r["selected_footprints"] == len(r["chosen"]), r
    assert r["bar_visible"] and r["bar"].startswith(f"{len(r['chosen'])} scenes cover"), r
    _keep(run, "panel-coverage.png")
