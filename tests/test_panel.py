"""The dock panel driven like a user would: real widgets, real tasks, real catalogs
(the bundled demo catalog, the stac-fastapi-pgstac fixture and nginx)."""
import time

import pytest
from qgis.core import (NULL, QgsApplication, QgsCoordinateReferenceSystem, QgsPointXY, QgsProject, QgsRasterLayer,
                       QgsRectangle, QgsSettings)
from qgis.PyQt.QtCore import QCoreApplication, QDate, QPoint, Qt
from qgis.PyQt.QtTest import QTest

from eo_scene_finder.ui.dock import SETTINGS_PREFIX, SceneFinderDock
from fixtures.background_work import describe_background_work
from eo_scene_finder.ui.footprints import LAYER_NAME


def wait_until(predicate, timeout=60.0, what="condition"):
    """Process Qt events until ``predicate()`` is true (tasks report on the GUI thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if predicate():
            return
        QgsApplication.taskManager()  # keep the manager alive
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}\n{describe_background_work()}")


@pytest.fixture()
def fresh_settings():
    s = QgsSettings()
    s.remove("eo_scene_finder")
    yield s
    s.remove("eo_scene_finder")


@pytest.fixture()
def dock(qgis_iface, qgis_new_project, fresh_settings):
    qgis_iface.mapCanvas().setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    d = SceneFinderDock(qgis_iface)
    d.show()
    yield d
    d.shutdown()
    wait_until(lambda: not d._tasks or all(_finished(t) for t in list(d._tasks)), 30, "tasks to stop")
    d.deleteLater()


def _finished(task):
    try:
        return task.status() in (task.Complete, task.Terminated)
    except RuntimeError:
        return True


def run_search(dock, timeout=90):
    task = dock.start_search()
    assert task is not None, dock.status_label.text()
    wait_until(lambda: dock.search_task is None, timeout, "the search to finish")
    return task


def demo_item_count():
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "demo_catalog"
    return sum(1 for p in root.rglob("*.json") if json.loads(p.read_text()).get("type") == "Feature")


def test_first_run_selects_demo_and_shows_its_scenes(dock):
    assert dock.current_connection_id() == "demo"
    bar = []
    dock.search_controller.progressChanged.connect(
        lambda done, total, _t: bar.append((done, total, dock.search_progress.isVisibleTo(dock))))
    wait_until(lambda: dock.collections_model.rowCount() > 0, 30, "demo collections")
    wait_until(lambda: dock.results_model.rowCount() > 0, 30, "demo scenes on first run")
    wait_until(lambda: dock.search_task is None, 30, "the first-run search to finish")
    assert dock.results_model.rowCount() == demo_item_count()
    layers = QgsProject.instance().mapLayersByName(LAYER_NAME)
    assert len(layers) == 1 and layers[0].featureCount() == dock.results_model.rowCount()
    assert "scenes" in dock.status_label.text()
    # a known total (the static catalog counts what it sorted): the panel's bar showed it
    assert bar and bar[-1][:2] == (demo_item_count(), demo_item_count()) and bar[-1][2], bar
    assert not dock.search_progress.isVisibleTo(dock)          # gone when the search ends
    # the welcome: a true-colour scene (the aerial photo) streams onto the map, in colour
    wait_until(lambda: any(isinstance(l, QgsRasterLayer) for l in QgsProject.instance().mapLayers().values()),
               30, "the demo's true-colour scene on the map")
    raster = next(l for l in QgsProject.instance().mapLayers().values() if isinstance(l, QgsRasterLayer))
    photos = [s for s in dock.results_model.scenes() if "visual" in s.assets]
    assert photos and any(raster.name().startswith(s.id) for s in photos), raster.name()
    assert raster.bandCount() == 3 and raster.renderer().type() == "multibandcolor"
    # the map around them: the bundled countries (offline), once, under everything
    from eo_scene_finder.ui.basemap import BASEMAP_PROPERTY
    basemaps = [l for l in QgsProject.instance().mapLayers().values() if l.customProperty(BASEMAP_PROPERTY)]
    assert [b.customProperty(BASEMAP_PROPERTY) for b in basemaps] == ["countries"]
    assert basemaps[0].featureCount() == 177
    tree = QgsProject.instance().layerTreeRoot().findLayers()
    assert tree[-1].layerId() == basemaps[0].id()
    assert not dock.basemap_offer.isVisibleTo(dock)


def test_basemap_is_offered_on_an_empty_map_only_and_added_once(qgis_iface, qgis_new_project, fresh_settings):
    from qgis.core import QgsVectorLayer

    from eo_scene_finder.ui.basemap import BASEMAP_PROPERTY, add_basemap

    project = QgsProject.instance()
    fresh_settings.setValue("eo_scene_finder/panel/connection", "no such connection")  # not a first run
    d = SceneFinderDock(qgis_iface)
    try:
        d.show()
        assert d.basemap_offer.isVisibleTo(d)
        d.basemap_buttons["countries"].click()
        d.basemap_buttons["countries"].click()
        ours = [l for l in project.mapLayers().values() if l.customProperty(BASEMAP_PROPERTY)]
        assert len(ours) == 1 and ours[0].isValid()
        assert not d.basemap_offer.isVisibleTo(d)
        project.removeMapLayer(ours[0].id())
        assert d.basemap_offer.isVisibleTo(d)                  # an empty map again
        user = QgsVectorLayer("Polygon?crs=EPSG:4326", "my parcels", "memory")
        project.addMapLayer(user)
        assert not d.basemap_offer.isVisibleTo(d)              # the user's own map: no offer
        d.add_basemap("countries")                              # unless asked
        assert [l.name() for l in project.mapLayers().values() if l.customProperty(BASEMAP_PROPERTY)] == [
            "Countries (Natural Earth, offline)"]
        # OpenStreetMap in a project no canvas draws (tests never reach the internet)
        offline = QgsProject()
        osm = add_basemap(offline, "osm")
        assert osm.isValid() and "tile.openstreetmap.org" in osm.source()
        assert add_basemap(offline, "osm") is osm and len(offline.mapLayers()) == 1
    finally:
        d.shutdown()
        d.deleteLater()


def test_aoi_polygon_filters_by_true_footprint_and_is_drawn(dock):
    wait_until(lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30, "first-run search")
    everything = dock.results_model.rowCount()
    first = dock.results_model.scene(0)
    w, s, e, n = first.bbox
    # a small box in the middle of one scene's footprint
    cx, cy = (w + e) / 2, (s + n) / 2
    dock.aoi.set_rectangle(QgsRectangle(cx - 0.01, cy - 0.01, cx + 0.01, cy + 0.01),
                           QgsCoordinateReferenceSystem("EPSG:4326"))
    assert "km²" in dock.aoi_label.text()
    run_search(dock)
    ids = [dock.results_model.scene(r).id for r in range(dock.results_model.rowCount())]
    assert first.id in ids
    assert 0 < len(ids) < everything or everything == 1
    dock.aoi.clear()
    assert dock.aoi.geometry is None


def test_rectangle_tool_draws_the_aoi_with_mouse(dock, qgis_iface):
    canvas = qgis_iface.mapCanvas()
    canvas.resize(600, 400)
    canvas.setExtent(QgsRectangle(-50, 60, -40, 70))
    canvas.refresh()
    dock.aoi_buttons["rect"].click()
    assert canvas.mapTool() is dock.rect_tool
    vp = canvas.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(100, 100))
    QTest.mouseMove(vp, QPoint(300, 250))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(300, 250))
    assert dock.aoi.geometry is not None and not dock.aoi.geometry.isEmpty()
    box = dock.aoi.geometry.boundingBox()
    to_map = canvas.getCoordinateTransform()
    p1, p2 = to_map.toMapCoordinates(100, 100), to_map.toMapCoordinates(300, 250)
    assert box.xMinimum() == pytest.approx(min(p1.x(), p2.x()), abs=1e-6)
    assert box.xMaximum() == pytest.approx(max(p1.x(), p2.x()), abs=1e-6)
    assert box.yMinimum() == pytest.approx(min(p1.y(), p2.y()), abs=1e-6)
    assert "km²" in dock.aoi_label.text()
    assert canvas.mapTool() is not dock.rect_tool  # the tool hands back the map after drawing


def test_results_table_is_readable_at_the_default_dock_width(dock, qgis_iface):
    from qgis.PyQt.QtGui import QPixmap

    from eo_scene_finder.ui.results_model import (CLOUD_COLUMN, COLLECTION_COLUMN, DATE_COLUMN, ID_COLUMN,
                                                  THUMBNAIL_COLUMN, CloudBarDelegate)

    wait_until(lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 60, "the demo's scenes")
    view, proxy = dock.results_view, dock.results_proxy
    metrics = view.fontMetrics()
    for row in range(proxy.rowCount()):
        date = proxy.index(row, DATE_COLUMN).data()
        if date:
            assert len(date) == 16, date                                   # YYYY-MM-DD HH:MM
            assert metrics.horizontalAdvance(date) + 8 <= view.columnWidth(DATE_COLUMN), date
    collection = proxy.index(0, COLLECTION_COLUMN)
    scene = dock.results_model.scene(proxy.mapToSource(collection).row())
    assert collection.data(Qt.ItemDataRole.ToolTipRole) == scene.collection
    assert metrics.horizontalAdvance(collection.data()) <= metrics.horizontalAdvance(scene.collection)
    assert isinstance(view.itemDelegateForColumn(CLOUD_COLUMN), CloudBarDelegate)
    assert proxy.index(0, CLOUD_COLUMN).data(Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)
    assert view.isColumnHidden(THUMBNAIL_COLUMN)                       # the user's choice

    header = view.horizontalHeader()
    assert [header.logicalIndex(v) for v in range(3)] == [DATE_COLUMN, CLOUD_COLUMN, COLLECTION_COLUMN]
    # the user hides Platform, moves Cloud first and shows the thumbnails: remembered
    dock.set_results_column_visible(4, False)
    header.moveSection(header.visualIndex(CLOUD_COLUMN), 0)
    dock.set_results_column_visible(THUMBNAIL_COLUMN, True)
    wait_until(lambda: all(isinstance(proxy.index(r, THUMBNAIL_COLUMN).data(Qt.ItemDataRole.DecorationRole), QPixmap)
                           for r in range(proxy.rowCount())), 30, "thumbnails to load in the background")
    assert view.verticalHeader().defaultSectionSize() >= 40
    again = SceneFinderDock(qgis_iface)
    try:
        assert again.results_view.isColumnHidden(4) and not again.results_view.isColumnHidden(THUMBNAIL_COLUMN)
        assert again.results_view.horizontalHeader().visualIndex(CLOUD_COLUMN) == 0
        assert not again.results_view.isColumnHidden(ID_COLUMN)
        again.reset_results_columns()
        assert again.results_view.horizontalHeader().visualIndex(CLOUD_COLUMN) == 1
        assert again.results_view.isColumnHidden(THUMBNAIL_COLUMN) and not again.results_view.isColumnHidden(4)
    finally:
        again.shutdown()
        again.deleteLater()


def test_timeline_shows_the_dates_and_dragging_it_filters_table_and_map(dock):
    wait_until(lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 60, "the demo's scenes")
    timeline = dock.timeline
    wait_until(lambda: sum(sum(c) for _s, _e, c in timeline.bins) == dock.results_model.rowCount(), 10,
               "the timeline to count every scene")
    scenes = dock.results_model.scenes()
    assert timeline.unit == "week"                                  # April to September 2023
    # stacked by cloud class: the clear scenes (cloud < 10 %) are counted as such
    assert sum(c[0] for _s, _e, c in timeline.bins) == sum(1 for s in scenes if s.cloud_cover is not None
                                                           and s.cloud_cover < 10)
    timeline.resize(400, 64)
    timeline.show()
    # drag across June 2023 only
    import datetime as dt
    start = dt.datetime(2023, 6, 1, tzinfo=dt.timezone.utc).timestamp()
    end = dt.datetime(2023, 7, 1, tzinfo=dt.timezone.utc).timestamp()
    y = timeline.height() // 2
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(round(timeline._x_of(start)), y))
    QTest.mouseMove(timeline, QPoint(round(timeline._x_of(end)), y))
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       QPoint(round(timeline._x_of(end)), y))
    lo, hi = timeline.selection
    expected = {s.id for s in scenes if s.datetime and lo <= s.datetime.timestamp() < hi}
    assert expected and len(expected) < len(scenes)
    shown = {dock.results_model.scene(dock.results_proxy.mapToSource(dock.results_proxy.index(r, 0)).row()).id
             for r in range(dock.results_proxy.rowCount())}
    assert shown == expected
    layer = QgsProject.instance().mapLayersByName(LAYER_NAME)[0]
    assert {f["id"] for f in layer.getFeatures()} == expected       # the map shows the same period
    assert f"{len(expected)} of {len(scenes)} scenes" in dock.status_label.text()
    QTest.mouseDClick(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(10, y))
    assert dock.results_proxy.rowCount() == len(scenes) and layer.featureCount() == len(scenes)


def test_collection_ids_are_shortened_readably():
    from eo_scene_finder.ui.results_model import short_collection

    assert short_collection("sentinel-2-l2a") == "S2 L2A"
    assert short_collection("sentinel-2-c1-l2a") == "S2 C1 L2A"
    assert short_collection("SENTINEL-1") == "S1"
    assert short_collection("landsat-c2-l2") == "Landsat C2 L2"
    assert short_collection("landsat-8-c2-l2") == "Landsat 8 C2 L2"
    assert short_collection("demo-landsat-greenland") == "demo-landsat-greenland"  # not a mission id
    assert short_collection(None) == ""


def test_cloud_slider_and_invalid_dates_are_explained(dock):
    wait_until(lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30, "first-run search")
    dock.use_dates.setChecked(True)
    dock.start_date.setDate(dock.end_date.date().addDays(10))
    assert dock.start_search() is None
    assert "before the start date" in dock.status_label.text()
    dock.use_dates.setChecked(False)
    dock.cloud_slider.setValue(0)
    run_search(dock)
    for r in range(dock.results_model.rowCount()):
        cc = dock.results_model.scene(r).cloud_cover
        assert cc is None or cc <= 0


def test_table_and_footprint_selection_follow_each_other(dock):
    wait_until(lambda: dock.search_task is None and dock.results_model.rowCount() > 1, 30, "first-run search")
    dock.results_view.selectRow(0)
    layer = dock.footprints.layer
    assert len(layer.selectedFeatureIds()) == 1
    scene_row0 = dock.results_proxy.mapToSource(dock.results_proxy.index(0, 0)).row()
    assert layer.selectedFeatureIds() == [dock.footprints.fid_for_row(dock.results_model.serial(scene_row0))]
    assert dock.current_scene is dock.results_model.scene(scene_row0)
    # and the reverse: select a footprint on the map
    other_serial = 1 if dock.results_model.serial(scene_row0) != 1 else 0
    other_fid = dock.footprints.fid_for_row(other_serial)
    layer.selectByIds([other_fid])
    selected = dock._selected_source_rows()
    assert [dock.results_model.serial(r) for r in selected] == [other_serial]
    assert dock.current_scene is dock.results_model.scene_by_serial(other_serial)


def test_results_table_sorts_and_filters(dock):
    wait_until(lambda: dock.search_task is None and dock.results_model.rowCount() > 1, 30, "first-run search")
    dock.results_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    dates = [dock.results_proxy.index(r, 0).data() for r in range(dock.results_proxy.rowCount())]
    assert dates == sorted(dates)
    dock.results_view.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    clouds = [dock.results_model.scene(dock.results_proxy.mapToSource(dock.results_proxy.index(r, 0)).row()).cloud_cover
              for r in range(dock.results_proxy.rowCount())]
    known = [c for c in clouds if c is not None]
    assert known == sorted(known, reverse=True) and clouds[:len(known)] == known  # missing values last
    # a row stays selected across a re-sort
    dock.results_view.selectRow(0)
    chosen = dock.current_scene
    dock.results_view.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert dock.selected_scenes() == [chosen]
    target = dock.results_model.scene(0).id
    dock.results_filter.setText(target)
    assert dock.results_proxy.rowCount() == 1
    dock.results_filter.setText("")


def test_add_demo_asset_to_map_without_blocking(dock):
    wait_until(lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30, "first-run search")
    dock.results_view.selectRow(dock.results_model.rowCount() - 1)
    wanted = dock.selected_scenes()[0].id
    tasks = dock.add_selected_to_map()

    def layer():
        return next((lyr for lyr in QgsProject.instance().mapLayers().values()
                     if isinstance(lyr, QgsRasterLayer) and lyr.name().startswith(wanted)), None)
    # the opening waits in a task: a task's result reaches the map only through the event
    # loop, which has not run since the call, so an opening done on the GUI thread shows here
    assert tasks and layer() is None
    wait_until(lambda: layer() is not None, 30, "the raster layer")
    assert layer().isValid() and layer().source().endswith(".tif")


def test_settings_are_remembered(dock, qgis_iface):
    wait_until(lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30, "first-run search")
    wait_until(lambda: dock.collections_model.rowCount() > 0, 30, "collections")
    dock.collections_model.item(0).setCheckState(Qt.CheckState.Checked)
    wanted = dock.selected_collections()
    dock.cloud_slider.setValue(42)
    run_search(dock)
    dock2 = SceneFinderDock(qgis_iface)
    try:
        assert dock2.current_connection_id() == "demo"
        assert dock2.cloud_slider.value() == 42
        wait_until(lambda: dock2.collections_model.rowCount() > 0, 30, "collections")
        assert dock2.selected_collections() == wanted
    finally:
        dock2.shutdown()


def test_stac_api_search_streams_pages_and_cancels(dock, pgstac_api):
    from eo_scene_finder.providers.base import Connection

    conn = Connection(name="pgstac-test", kind="stac-api", url=pgstac_api.url, options={"page_size": 20})
    dock._connections["pgstac-test"] = conn
    dock.connection_combo.addItem("pgstac-test", "pgstac-test")
    wait_until(lambda: dock.search_task is None, 30, "first-run search")
    dock.select_connection("pgstac-test")
    wait_until(lambda: dock.collections_model.rowCount() >= 3, 60, "pgstac collections")
    dock.set_selected_collections(["sentinel-2-l2a"])
    dock.use_dates.setChecked(False)
    dock.limit_spin.setValue(0)
    pages, bar = [], []
    dock.search_controller.progressChanged.connect(
        lambda done, total, _t: bar.append((done, total, dock.search_progress.isVisibleTo(dock))))
    task = dock.start_search()
    task.pageReady.connect(lambda p: pages.append(len(p.scenes)))
    wait_until(lambda: dock.search_task is None, 90, "the pgstac search")
    assert dock.results_model.rowCount() == 283
    assert len(pages) >= 10  # pages of 20 streamed in one by one
    # this server gives no match count (pgstac's context is off, as on Planetary Computer):
    # no progress bar pretends to know how far the search is
    assert bar and all(total == 0 and not visible for _d, total, visible in bar), bar[:3]
    # cancel a second search after its first page
    task = dock.start_search()
    task.pageReady.connect(lambda _p: dock.cancel_search())
    wait_until(lambda: dock.search_task is None, 60, "the cancelled search")
    assert "cancelled" in dock.status_label.text().lower()
    assert dock.results_model.rowCount() < 283


def test_unreachable_server_is_reported_in_plain_words(dock):
    from eo_scene_finder.providers.base import Connection

    wait_until(lambda: dock.search_task is None, 30, "first-run search")
    dock._connections["dead"] = Connection(name="dead", kind="stac-api", url="http://127.0.0.1:9/")
    dock.connection_combo.addItem("dead", "dead")
    dock.select_connection("dead")
    dock.use_dates.setChecked(False)
    run_search(dock)
    text = dock.status_label.text()
    assert "could not be reached" in text or "refused" in text.lower(), text
    assert dock.search_button.isEnabled() and not dock.cancel_button.isEnabled()


def _aoi_parts(request):
    geom = request.aoi
    return sorted((tuple(round(v, 1) for v in part.bounds) for part in getattr(geom, "geoms", [geom])))


@pytest.mark.parametrize("tool", ["rect", "poly"])
def test_drawing_across_the_antimeridian_on_a_mercator_map_gives_the_split_area(dock, qgis_iface, tool):
    """A user in Fiji draws across 180° on a Web Mercator map: the panel must hand the core the
    two small parts on each side of 180°, not a box around the whole world."""
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    canvas.resize(600, 400)
    canvas.setExtent(QgsRectangle(18_500_000, -2_500_000, 21_500_000, -500_000))
    canvas.refresh()
    dock.aoi_buttons[tool].click()
    vp = canvas.viewport()
    to_pixels = canvas.getCoordinateTransform()
    # 19,000 km to 21,000 km east in Web Mercator: about 170.7°E to 188.6°E (171.4°W)
    corners = []
    for x, y in ((19_000_000, -1_000_000), (21_000_000, -1_000_000), (21_000_000, -2_000_000),
                 (19_000_000, -2_000_000)):
        p = to_pixels.transform(QgsPointXY(x, y))
        corners.append(QPoint(round(p.x()), round(p.y())))
    assert all(0 < c.x() < vp.width() and 0 < c.y() < vp.height() for c in corners), corners
    if tool == "rect":
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, corners[0])
        QTest.mouseMove(vp, corners[2])
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, corners[2])
    else:
        for pt in corners:
            QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pt)
        QTest.mouseClick(vp, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, corners[-1])
    assert dock.aoi.geometry is not None
    parts = _aoi_parts(dock.build_request())
    assert len(parts) == 2, parts
    (w1, s1, e1, n1), (w2, s2, e2, n2) = parts
    assert w1 == -180.0 and -179 < e1 < -160     # the part east of 180°
    assert 160 < w2 < 179 and e2 == 180.0         # the part west of 180°
    assert s1 == s2 and n1 == n2 and -25 < s1 < n1 < 0
    # the area shown is the drawn area (about 2 million km²), not a band around the world
    km2 = dock.aoi.area_km2()
    assert 1e6 < km2 < 4e6, km2


def test_polygon_tool_and_selected_features_union(dock, qgis_iface):
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer, QgsWkbTypes

    canvas = qgis_iface.mapCanvas()
    dock.aoi_buttons["poly"].click()
    assert canvas.mapTool() is dock.poly_tool
    vp = canvas.viewport()
    for pt in (QPoint(50, 50), QPoint(200, 60), QPoint(120, 180)):
        QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pt)
    QTest.mouseClick(vp, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, QPoint(120, 180))
    assert dock.aoi.geometry is not None
    assert dock.aoi.geometry.type() == QgsWkbTypes.PolygonGeometry
    assert dock.aoi.source == "polygon"

    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "parcels", "memory")
    feats = []
    for wkt in ("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))", "POLYGON((5 5, 6 5, 6 6, 5 6, 5 5))",
                "POLYGON((20 20, 21 20, 21 21, 20 21, 20 20))"):
        f = QgsFeature()
        f.setGeometry(QgsGeometry.fromWkt(wkt))
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    QgsProject.instance().addMapLayer(layer)
    qgis_iface.setActiveLayer(layer)
    layer.selectByIds([f.id() for f in layer.getFeatures()][:2])
    dock.aoi_buttons["selection"].click()
    geom = dock.aoi.geometry
    assert geom.isMultipart() and geom.area() == pytest.approx(2.0)  # the union, not the bbox (36)
    request = dock.build_request()
    assert request.aoi.geom_type == "MultiPolygon"


def test_cdse_in_the_panel_with_attribute_filters_and_slice_progress(dock, cdse):
    """Copernicus Data Space through the panel: per-collection attribute filters and a
    search past the catalogue limits reporting its progress."""
    wait_until(lambda: dock.search_task is None, 30, "first-run search")
    conn = cdse.connection("cdse-loopback")
    dock._connections["cdse-loopback"] = conn
    dock.connection_combo.addItem("cdse-loopback", "cdse-loopback")
    dock.select_connection("cdse-loopback")
    wait_until(lambda: dock.collections_model.rowCount() > 3, 30, "CDSE collections")
    dock.set_selected_collections(["SENTINEL-2"])
    dock._load_queryables()
    wait_until(lambda: "productType" in dock.attribute_widgets, 30, "SENTINEL-2 attribute filters")
    assert dock.attributes_box.isVisibleTo(dock)
    combo = dock.attribute_widgets["productType"]
    combo.setCurrentIndex(combo.findData("S2MSI2A"))
    dock.use_dates.setChecked(True)
    dock.start_date.setDate(QDate(2023, 6, 1))
    dock.end_date.setDate(QDate(2023, 6, 30))
    dock.limit_spin.setValue(0)
    statuses, bar = [], []
    original = dock._set_status
    dock._set_status = lambda text, error=False: (statuses.append(text), original(text, error))
    dock.search_controller.progressChanged.connect(lambda done, total, text: bar.append((done, total, text)))
    task = dock.start_search()
    wait_until(lambda: dock.search_task is None, 120, "the CDSE search")
    # the bar follows the date slices
    assert bar and all(total >= 1 and "slice" in text for _d, total, text in bar), bar[:3]
    assert bar[-1][0] == bar[-1][1]
    n = dock.results_model.rowCount()
    assert n > 0, dock.status_label.text()
    for r in range(n):
        scene = dock.results_model.scene(r)
        assert scene.properties.get("productType") == "S2MSI2A"
        assert "2023-06-01" <= scene.date_text[:10] <= "2023-06-30"
    assert any("Copernicus Data Space: slice" in s for s in statuses), statuses


def test_quicklook_shows_without_blocking_and_is_cached(dock):
    wait_until(lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30, "first-run search")
    dock.results_view.selectRow(0)
    scene = dock.current_scene
    assert scene.thumbnail
    wait_until(lambda: dock.quicklook.pixmap() is not None and not dock.quicklook.pixmap().isNull(), 30,
               "the quicklook")
    assert f"{scene.connection}|{scene.thumbnail}" in dock._quicklook_cache
    assert scene.id in dock.scene_title.text()
    assert dock.assets_tree.topLevelItemCount() == len(scene.assets)


def test_download_from_the_panel_into_the_downloads_tab(dock, nginx_server, tmp_path):
    import shutil
    from pathlib import Path

    root = tmp_path / "www"
    shutil.copytree(Path(__file__).resolve().parents[1] / "demo_catalog", root / "demo_catalog")
    server = nginx_server(root)
    wait_until(lambda: dock.search_task is None, 30, "first-run search")
    from eo_scene_finder.providers.connections import resolve_connection

    conn = resolve_connection(f"static+{server.url}/demo_catalog/catalog.json")
    dock._connections[conn.name] = conn
    dock.connection_combo.addItem(conn.name, conn.name)
    dock.select_connection(conn.name)
    wait_until(lambda: dock.collections_model.rowCount() == 2, 30, "collections over HTTP")
    dock.set_selected_collections(["demo-aerial-colorado"])
    dock.use_dates.setChecked(False)
    run_search(dock)
    assert dock.results_model.rowCount() == 2
    dock.results_view.selectAll()
    out = tmp_path / "out"
    tasks = dock.download_scenes(dock.selected_scenes(), None, str(out))
    assert tasks and dock.tabs.currentWidget() is dock.downloads_widget
    wait_until(lambda: len(list(out.rglob("*.tif"))) == 2 and not dock.downloads_widget.running(), 60,
               "the downloads")
    model = dock.downloads_widget.model
    wait_until(lambda: all(r.state == "done" for r in model.rows) and model.rowCount() == 2, 30, "done rows")
    assert [model.index(r, model.STATE).data() for r in range(model.rowCount())] == [
        model.rows[0].state_text()] * 2
    assert not list(out.rglob("*.part"))
    files = sorted(out.rglob("*.tif"))
    assert [f.parent.parent.name for f in files] == ["demo-aerial-colorado"] * 2


def test_selected_footprints_feed_the_processing_algorithms(dock, nginx_server, processing_ready, tmp_path):
    """Select scenes in the panel, then run Download / Export from the toolbox on the Scene
    footprints layer with “Selected features only”."""
    import json
    import shutil
    from pathlib import Path

    import processing
    from qgis.core import QgsProcessingException, QgsProcessingFeatureSourceDefinition

    from eo_scene_finder.providers.connections import resolve_connection

    root = tmp_path / "www"
    shutil.copytree(Path(__file__).resolve().parents[1] / "demo_catalog", root / "demo_catalog")
    server = nginx_server(root)
    wait_until(lambda: dock.search_task is None, 30, "first-run search")
    conn = resolve_connection(f"static+{server.url}/demo_catalog/catalog.json")
    dock._connections[conn.name] = conn  # an ad-hoc connection: Processing gets its KIND+URL text
    dock.connection_combo.addItem(conn.name, conn.name)
    dock.select_connection(conn.name)
    wait_until(lambda: dock.collections_model.rowCount() == 2, 30, "collections over HTTP")
    dock.set_selected_collections(["demo-aerial-colorado"])
    dock.use_dates.setChecked(False)
    run_search(dock)
    assert dock.results_model.rowCount() == 2
    layer = dock.footprints.layer
    assert QgsProject.instance().mapLayer(layer.id()) is layer
    assert all(f["record"] is None or f["record"] == NULL for f in layer.getFeatures())  # nothing heavy up front

    dock.results_view.selectRow(0)  # one scene, selected in the table
    wanted = dock.selected_scenes()[0]
    selected = QgsProcessingFeatureSourceDefinition(layer.id(), True)
    out = tmp_path / "out"
    server.clear_log()
    res = processing.run("eoscenefinder:download", {"INPUT": selected, "ASSETS": "visual",
                                                    "OUTPUT_FOLDER": str(out)})
    assert res["DOWNLOADED"] == 1 and res["FAILED"] == 0
    files = list(out.rglob("*.tif"))
    assert [(f.parent.parent.name, f.parent.name) for f in files] == [("demo-aerial-colorado", wanted.id)]
    served = root / "demo_catalog" / Path(wanted.assets["visual"].href.split("/demo_catalog/", 1)[1])
    assert files[0].read_bytes() == served.read_bytes()
    assert [r.uri for r in server.requests() if r.uri.endswith(".tif")]  # fetched from the catalog's server

    items = json.loads(Path(processing.run("eoscenefinder:export", {
        "INPUT": selected, "FORMAT": 0, "OUTPUT": str(tmp_path / "items.json")})["OUTPUT"]).read_text())
    assert [f["id"] for f in items["features"]] == [wanted.id]

    # the whole layer, without selecting the other scene: a message saying what to do
    with pytest.raises(QgsProcessingException, match="Selected features only"):
        processing.run("eoscenefinder:download", {"INPUT": layer, "ASSETS": "visual", "OUTPUT_FOLDER": str(out)})
    # selecting it on the map fills its record too
    layer.selectAll()
    res = processing.run("eoscenefinder:download", {"INPUT": selected, "ASSETS": "visual",
                                                    "OUTPUT_FOLDER": str(out)})
    assert res["DOWNLOADED"] == 1 and res["SKIPPED"] == 1
    # the layer holds the JSON of the current selection only
    layer.selectByIds([layer.selectedFeatureIds()[0]])
    assert [bool(f["record"]) for f in layer.getFeatures()].count(True) == 1


def test_planetary_computer_asset_that_cannot_be_signed_is_explained(dock, pgstac_api, pc_like_collection,
                                                                     pc_sas_server, storage_server):
    """One container of the page gets no SAS token: every scene is still listed, its other
    asset streams, and adding the unsignable one says why in the status line."""
    from eo_scene_finder.providers.base import Connection
    from fixtures.signing_servers import pc_like_options

    pc_sas_server.fail("pcacct", "restricted", 404, {"detail": "Container not found: pcacct/restricted"})
    conn = Connection(name="pc-test", kind="stac-api", url=pgstac_api.url,
                      options={**pc_like_options(pc_sas_server, storage_server), "page_size": 10})
    dock._connections["pc-test"] = conn
    dock.connection_combo.addItem("pc-test", "pc-test")
    wait_until(lambda: dock.search_task is None, 30, "first-run search")
    dock.select_connection("pc-test")

    def listed():
        model = dock.collections_model
        return any(model.item(r).data(Qt.ItemDataRole.UserRole) == pc_like_collection for r in range(model.rowCount()))
    wait_until(listed, 60, "the collection in the list")
    dock.set_selected_collections([pc_like_collection])
    dock.use_dates.setChecked(False)
    dock.limit_spin.setValue(0)
    run_search(dock)
    assert dock.results_model.rowCount() == 25
    assert dock.status_label.text().startswith("25 scenes"), dock.status_label.text()

    dock.results_view.selectRow(0)
    scene = dock.selected_scenes()[0]
    dock.add_asset_to_map(scene, scene.assets["qa"])
    wait_until(lambda: "cannot be signed" in dock.status_label.text(), 30, "the signing error")
    text = dock.status_label.text()
    assert "“pcacct/restricted”" in text and "HTTP 404: Container not found: pcacct/restricted" in text

    dock.add_asset_to_map(scene, scene.assets["visual"])

    def layer():
        return next((lyr for lyr in QgsProject.instance().mapLayers().values()
                     if isinstance(lyr, QgsRasterLayer) and lyr.name() == f"{scene.id} · visual"), None)
    wait_until(lambda: layer() is not None, 30, "the signed asset on the map")
    assert layer().isValid()
    assert not [c for c in pc_sas_server.token_calls if "ai4edatasetspublicassets" in c.path]


def test_nasa_cmr_in_the_panel_keyword_collections_search_stream_and_download(dock, cmr, monkeypatch, tmp_path):
    """NASA CMR through the panel: the curated collections, Enter searching CMR by keyword,
    a month of HLSL30 as the server has it, an HLS band added to the map (token to the DAAC
    only), a download into the Downloads tab."""
    from fixtures.cmr_servers import EARTHDATA_USER
    from eo_scene_finder.providers.connections import resolve_connection

    token = cmr.world.issue_token(EARTHDATA_USER)
    monkeypatch.setenv("EOSF_EARTHDATA_TOKEN", token)
    wait_until(lambda: dock.search_task is None, 30, "first-run search")
    conn = resolve_connection(cmr.connection_string(name="nasa-cmr-loopback"))
    dock._connections[conn.name] = conn
    dock.connection_combo.addItem(conn.name, conn.name)
    dock.select_connection(conn.name)
    wait_until(lambda: dock.collections_model.rowCount() >= 10, 30, "the curated CMR collections")
    dock.collection_filter.setText("surface reflectance")
    QTest.keyClick(dock.collection_filter, Qt.Key.Key_Return)
    wait_until(lambda: any("keyword=" in r["path"] for r in cmr.world.requests("cmr")), 30, "the keyword search")
    wait_until(lambda: dock.collections_model.rowCount() == 3, 30, "the collections CMR found")
    dock.collection_filter.clear()
    dock.set_selected_collections(["HLSL30_2.0"])
    dock.use_dates.setChecked(True)
    dock.start_date.setDate(QDate(2021, 3, 1))
    dock.end_date.setDate(QDate(2021, 3, 31))
    dock.cloud_slider.setValue(100)
    dock.limit_spin.setValue(0)
    cmr.world.time_out = 1                       # CMR sends part of the first page, flagged CMR-Time-Out
    run_search(dock)
    assert "ran out of time" in dock.status_label.text()
    truth = cmr.world.truth(short_name="HLSL30", version="2.0", temporal="2021-03-01T00:00:00Z,2021-03-31T23:59:59.999Z")
    assert sorted(dock.results_model.scene(r).id for r in range(dock.results_model.rowCount())) == sorted(truth)

    dock.results_view.selectRow(0)
    scene = dock.selected_scenes()[0]
    dock.add_asset_to_map(scene, scene.assets["B04"])

    def layer():
        return next((lyr for lyr in QgsProject.instance().mapLayers().values()
                     if isinstance(lyr, QgsRasterLayer) and lyr.name().startswith(scene.id)), None)
    wait_until(lambda: layer() is not None, 60, "the streamed HLS band")
    assert layer().isValid() and token not in layer().source()
    assert all("Authorization" not in r["headers"] for r in cmr.world.requests("s3"))

    out = tmp_path / "out"
    dock.download_scenes([scene], ["B04", "Fmask"], str(out))
    wait_until(lambda: len(list(out.rglob("*.tif"))) == 2 and not dock.downloads_widget.running(), 60, "the downloads")
    model = dock.downloads_widget.model
    wait_until(lambda: model.rowCount() == 2 and all(r.state == "done" for r in model.rows), 30, "done rows")


def test_a_period_inside_days_shows_the_same_whole_days_in_table_and_map(dock):
    wait_until(lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 60, "the demo's scenes")
    import datetime as dt

    scenes = dock.results_model.scenes()
    days = sorted({s.datetime.date() for s in scenes if s.datetime})
    assert len(days) >= 3
    first, last = days[1], days[-2]
    # a selection starting late on the first day and ending early on the last (a timeline drag)
    start = dt.datetime(first.year, first.month, first.day, 23, 59, tzinfo=dt.timezone.utc).timestamp()
    end = dt.datetime(last.year, last.month, last.day, 0, 1, tzinfo=dt.timezone.utc).timestamp()
    dock.set_period(start, end)
    expected = {s.id for s in scenes if s.datetime and first <= s.datetime.astimezone(dt.timezone.utc).date() <= last}
    shown = {dock.results_model.scene(dock.results_proxy.mapToSource(dock.results_proxy.index(r, 0)).row()).id
             for r in range(dock.results_proxy.rowCount())}
    assert shown == expected
    layer = QgsProject.instance().mapLayersByName(LAYER_NAME)[0]
    assert {f["id"] for f in layer.getFeatures()} == expected
    dock.set_period(None, None)
    assert layer.featureCount() == len(scenes)
