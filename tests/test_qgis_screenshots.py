"""The panel in a real QGIS window (qgis.bin under Xvfb, plugin installed from the release zip),
used as a user would: a search on the real Planetary Computer items of the STAC API fixture
with footprints on the map, and a Cloud Optimized GeoTIFF streamed from nginx.

The screenshots land in ``tests/.artifacts/qgis/<run>/``; ``make screenshots`` copies them to
``docs/screenshots/`` for the README.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.qgis_window

REPO = Path(__file__).resolve().parents[1]

COMMON = r'''
import os, time
import qgis.utils
from qgis.core import QgsApplication, QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import Qt

PLUGIN = "eo_scene_finder"


def open_dock():
    plugin = qgis.utils.plugins[PLUGIN]
    return plugin.show_dock()


def use_connection(dock, text):
    from eo_scene_finder.providers.connections import resolve_connection
    conn = resolve_connection(text)
    dock._connections[conn.name] = conn
    dock.connection_combo.addItem(conn.name, conn.name)
    dock.select_connection(conn.name)
    return conn.name
'''

PGSTAC_RESULTS = COMMON + r'''
def scenario():
    R = harness.result
    dock = open_dock()
    yield (lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30000)  # the demo first
    from eo_scene_finder.ui.basemap import COUNTRIES
    R["basemap"] = dock.add_basemap(COUNTRIES) is not None  # what the dock's "Countries" button does
    use_connection(dock, "stac-api+" + os.environ["EOSF_PGSTAC_URL"])
    yield (lambda: dock.collections_model.rowCount() >= 3, 30000)
    dock.set_selected_collections(["landsat-8-c2-l2"])
    dock.use_dates.setChecked(False)
    dock.cloud_slider.setValue(30)
    dock.limit_spin.setValue(0)
    dock.start_search()
    yield (lambda: dock.search_task is None, 60000)
    R["rows"] = dock.results_model.rowCount()
    R["status"] = dock.status_label.text()
    R["search_button"] = dock.search_button.text()
    R["headers"] = [dock.results_model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    layer = dock.footprints.layer
    R["footprints"] = layer.featureCount() if layer is not None else 0
    R["clouds"] = [dock.results_model.scene(r).cloud_cover for r in range(dock.results_model.rowCount())]
    dock.results_view.selectRow(2)
    R["selected_footprints"] = len(layer.selectedFeatureIds())
    # the footprints with the countries around them
    extent = iface.mapCanvas().mapSettings().layerExtentToOutputExtent(layer, layer.extent())
    extent.scale(2.2)
    iface.mapCanvas().setExtent(extent)
    iface.mapCanvas().refresh()
    dock.tabs.setCurrentIndex(0)
    yield (lambda: not iface.mapCanvas().isDrawing(), 20000)
    yield 1500
    R["timeline_bins"] = len(dock.timeline.bins)  # (rebinned shortly after the last page)
    iface.messageBar().clearWidgets()  # QGIS's "Task complete" notice would hide the map's top
    yield 300
    # the whole date and the cloud bar shown at the dock's default width
    view = dock.results_view
    from eo_scene_finder.ui.results_model import CLOUD_COLUMN, DATE_COLUMN
    R["date_fits"] = view.columnWidth(DATE_COLUMN) >= view.fontMetrics().horizontalAdvance(
        dock.results_model.data(dock.results_model.index(0, DATE_COLUMN)))
    R["cloud_visible"] = view.columnViewportPosition(CLOUD_COLUMN) + view.columnWidth(CLOUD_COLUMN) \
        <= view.viewport().width()
    harness.screenshot(os.path.join(harness.workdir, os.environ["EOSF_SHOT"] + ".png"))
    if os.environ.get("EOSF_SCENE_SHOT"):
        dock.tabs.setCurrentIndex(1)
        yield 800
        harness.screenshot(os.path.join(harness.workdir, os.environ["EOSF_SCENE_SHOT"] + ".png"))
'''

NGINX_COG = COMMON + r'''
def scenario():
    R = harness.result
    dock = open_dock()
    yield (lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30000)
    use_connection(dock, "static+" + os.environ["EOSF_DEMO_URL"])
    yield (lambda: dock.collections_model.rowCount() >= 2, 30000)
    dock.set_selected_collections(["demo-landsat-greenland"])
    dock.use_dates.setChecked(False)
    dock.cloud_slider.setValue(100)
    dock.start_search()
    yield (lambda: dock.search_task is None, 60000)
    R["rows"] = dock.results_model.rowCount()
    dock.results_view.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # least cloudy first
    dock.results_view.selectRow(0)
    R["scene"] = dock.current_scene.id
    before = len(QgsProject.instance().mapLayers())
    dock.add_selected_to_map()
    # the open runs in a task: nothing is on the map before the event loop runs again
    R["layers_when_call_returned"] = len(QgsProject.instance().mapLayers()) - before
    yield (lambda: len(QgsProject.instance().mapLayers()) > before, 30000)
    rasters = [l for l in QgsProject.instance().mapLayers().values() if isinstance(l, QgsRasterLayer)]
    R["raster_sources"] = [l.source() for l in rasters]
    R["raster_valid"] = [l.isValid() for l in rasters]
    rasters = [l for l in rasters if l.source().startswith("/vsicurl/")]
    if rasters:
        extent = iface.mapCanvas().mapSettings().layerExtentToOutputExtent(rasters[0], rasters[0].extent())
        extent.scale(1.3)
        iface.mapCanvas().setExtent(extent)
        iface.mapCanvas().refresh()
    yield (lambda: not iface.mapCanvas().isDrawing(), 20000)
    yield 1000
    harness.screenshot(os.path.join(harness.workdir, "panel-cog.png"))
'''

MULTI_CATALOGS = COMMON + r'''
def scenario():
    R = harness.result
    dock = open_dock()
    yield (lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30000)  # the demo first
    from eo_scene_finder.providers.base import Connection
    from eo_scene_finder.ui.basemap import COUNTRIES
    from eo_scene_finder.ui.results_model import CONNECTION_COLUMN
    dock.add_basemap(COUNTRIES)
    names = []
    for name, kind, url in (("Planetary Computer", "stac-api", os.environ["EOSF_PGSTAC_URL"]),
                            ("Static copy", "static", os.environ["EOSF_STATIC_URL"]),
                            ("CDSE", "cdse", os.environ["EOSF_CDSE_URL"])):
        dock._connections[name] = Connection(name=name, kind=kind, url=url)
        dock.connection_combo.addItem(name, name)
        names.append(name)
    dock.set_checked_connections(names)
    yield (lambda: dock.collections_model.rowCount() >= 3, 30000)
    dock.set_selected_collections(["sentinel-2-l2a"])
    from qgis.PyQt.QtCore import QDate
    dock.use_dates.setChecked(True)
    dock.start_date.setDate(QDate(2024, 5, 15))
    dock.end_date.setDate(QDate(2024, 5, 17))
    dock.limit_spin.setValue(0)
    dock.start_search()
    yield (lambda: dock.search_task is None, 90000)
    R["rows"] = dock.results_model.rowCount()
    R["grouped_rows"] = dock.results_proxy.rowCount()
    R["footprints"] = dock.footprints.layer.featureCount()
    R["catalogs"] = dock.catalogs_label.text()
    R["status"] = dock.status_label.text()
    dock.results_view.sortByColumn(CONNECTION_COLUMN, Qt.SortOrder.DescendingOrder)  # most sources first
    R["sources"] = dock.results_proxy.index(0, CONNECTION_COLUMN).data()
    R["also"] = dock.also_label.text()
    layer = dock.footprints.layer
    header = dock.results_view.horizontalHeader()  # the Sources column in view (a user drags it)
    header.moveSection(header.visualIndex(CONNECTION_COLUMN), 2)
    dock.results_view.selectRow(1)
    extent = iface.mapCanvas().mapSettings().layerExtentToOutputExtent(layer, layer.extent())
    extent.scale(1.3)
    iface.mapCanvas().setExtent(extent)
    iface.mapCanvas().refresh()
    dock.tabs.setCurrentIndex(0)
    yield (lambda: not iface.mapCanvas().isDrawing(), 20000)
    yield 1500
    iface.messageBar().clearWidgets()
    yield 300
    harness.screenshot(os.path.join(harness.workdir, "panel-multi.png"))
'''


def _run(run_qgis_window, qgis_profile_factory, body, name, env):
    profile = qgis_profile_factory(name)
    run = run_qgis_window(body, profile.root, name, env=env, timeout=180)
    assert not run.timed_out, run.describe()
    assert run.result.get("finished"), run.describe()
    assert not run.result["errors"] and not run.result["excepthook"], run.describe()
    assert not run.python_errors(), run.describe()
    return run


def _keep(run, name):
    shot = run.workdir / name
    assert shot.is_file() and shot.stat().st_size > 20_000, f"{shot} missing or blank"
    return shot


def _check_results(r):
    assert r["basemap"], r
    assert r["rows"] > 0 and r["footprints"] == r["rows"], r
    assert all(c is None or c <= 30 for c in r["clouds"])
    assert r["selected_footprints"] == 1
    assert r["timeline_bins"] > 1, r
    assert r["date_fits"] and r["cloud_visible"], r


def test_panel_search_on_real_items_with_footprints(qgis_profile_factory, run_qgis_window, pgstac_api):
    run = _run(run_qgis_window, qgis_profile_factory, PGSTAC_RESULTS, "panel-results",
               {"EOSF_PGSTAC_URL": pgstac_api.url, "EOSF_SHOT": "panel-results", "EOSF_SCENE_SHOT": "panel-scene"})
    r = run.result
    _check_results(r)
    assert r["search_button"] == "Search" and r["headers"][0] == "Date", r
    for name in ("panel-results.png", "panel-scene.png"):
        _keep(run, name)


def test_panel_in_french_when_qgis_is_french(qgis_profile_factory, run_qgis_window, pgstac_api):
    """QGIS set to French in its options (locale/userLocale + overrideFlag in the profile's
    QGIS3.ini, as the Settings › Options › General dialog writes them): the panel is French."""
    import sys
    sys.path.insert(0, str(REPO / "scripts"))
    import qgis_profile

    profile = qgis_profile_factory("panel-fr")
    qgis_profile.configure(profile.root, "default", enable=None,
                           extra={"locale/userLocale": "fr_FR", "locale/overrideFlag": True})
    run = run_qgis_window(PGSTAC_RESULTS, profile.root, "panel-fr", timeout=180,
                          env={"EOSF_PGSTAC_URL": pgstac_api.url, "EOSF_SHOT": "panel-fr"})
    assert not run.timed_out, run.describe()
    assert run.result.get("finished"), run.describe()
    assert not run.result["errors"] and not run.result["excepthook"], run.describe()
    r = run.result
    _check_results(r)
    assert r["search_button"] == "Rechercher", r
    assert r["headers"][3] == "Nuages %", r
    assert r["status"].endswith("correspondantes.") or "scènes" in r["status"], r
    _keep(run, "panel-fr.png")


def test_panel_streams_a_cog_from_nginx(qgis_profile_factory, run_qgis_window, nginx_server, tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-www")
    shutil.copytree(REPO / "demo_catalog", root / "demo_catalog")
    server = nginx_server(root)
    run = _run(run_qgis_window, qgis_profile_factory, NGINX_COG, "panel-cog",
               {"EOSF_DEMO_URL": f"{server.url}/demo_catalog/catalog.json"})
    r = run.result
    assert r["rows"] == 6
    streamed = [valid for source, valid in zip(r["raster_sources"], r["raster_valid"])
                if source.startswith(f"/vsicurl/{server.url}/demo_catalog/")]
    assert streamed == [True]  # (the other raster is the bundled demo's welcome scene)
    assert r["layers_when_call_returned"] == 0  # opening waits in a task, not on the GUI thread
    tif_requests = [q for q in server.requests() if q.uri.endswith(".tif")]
    assert tif_requests and all(q.status in (200, 206) for q in tif_requests)
    _keep(run, "panel-cog.png")


def test_panel_searches_three_catalogs_grouped(qgis_profile_factory, run_qgis_window, pgstac_api, nginx_server,
                                               tmp_path_factory):
    """Planetary Computer (pgstac), the same items as a static catalog and the loopback CDSE
    holding some of their products, searched at once: one row per scene with its sources,
    each catalog's count."""
    from test_multi_panel import start_cdse_with_pc_products, write_static_catalog

    root = tmp_path_factory.mktemp("multi-static")
    write_static_catalog(root)
    static = nginx_server(root)
    cdse, shared = start_cdse_with_pc_products(tmp_path_factory.mktemp("multi-cdse"))
    try:
        run = _run(run_qgis_window, qgis_profile_factory, MULTI_CATALOGS, "panel-multi",
                   {"EOSF_PGSTAC_URL": pgstac_api.url, "EOSF_STATIC_URL": f"{static.url}/catalog.json",
                    "EOSF_CDSE_URL": cdse.odata_url})
    finally:
        cdse.proc.stop()
    r = run.result
    assert f"CDSE {len(shared)} ✓" in r["catalogs"], r
    assert r["rows"] > r["grouped_rows"] > 0 and r["footprints"] == r["grouped_rows"], r
    assert "Planetary Computer 250 ✓" in r["catalogs"] and "Static copy 250 ✓" in r["catalogs"], r
    assert "CDSE" in r["catalogs"] and r["status"].endswith("from 3 catalogs."), r
    assert r["sources"] == "3 sources", r
    _keep(run, "panel-multi.png")
