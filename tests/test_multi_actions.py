"""Scenes found in several catalogs, in the dock: Add to map and Download use the preferred
source and fall back to the next one when it fails (saying so in the log), a source can be
forced per scene, the preference rule can be changed, and Best coverage picks a verified
minimal set of scenes and adds them as one streamed mosaic.

The catalogs are two static STAC catalogs on the loopback nginx holding the same real
Planetary Computer Sentinel-2 items (tests/data/stac): one as the Planetary Computer publishes
them (its ids, its hosts), one as Earth Search names the same acquisitions
(``S2B_30XWR_20240516_0_L2A``). Their ``visual`` assets point at the real COGs of
tests/data/cog on nginx; a broken source points at a file nginx does not have (HTTP 404)."""
import copy
import json
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from qgis.core import (QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsRasterLayer, QgsRectangle,
                       QgsSettings)
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtWidgets import QDialog

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.download.speeds import HostSpeeds
from eo_scene_finder.providers.scene_ids import parse_scene_key
from eo_scene_finder.ui.dock import SceneFinderDock

DATA = Path(__file__).resolve().parent / "data"
WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")
PC, ES = "Planetary Computer", "Earth Search"
# real tiles of one Sentinel-2B pass (orbit 83, 2024-05-16) north of Svalbard, side by side
TILES = ("30XWR", "30XWQ", "30XVR", "30XVQ", "29XNL", "29XNK", "31XDL", "31XDK")


def wait_until(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def real_items():
    items = {}
    for line in (DATA / "stac" / "items_sentinel-2-l2a.ndjson").read_text().splitlines():
        item = json.loads(line)
        tile = item["properties"].get("s2:mgrs_tile")
        if tile in TILES and "20240516T162829" in item["id"]:
            items[tile] = item
    assert sorted(items) == sorted(TILES)
    return [items[t] for t in TILES]


def earth_search_id(item) -> str:
    mission, _level, stamp = item["id"].split("_")[:3]
    return f"{mission}_{item['properties']['s2:mgrs_tile']}_{stamp[:8]}_0_L2A"


def write_static_catalog(root: Path, name: str, items, visual_href, make_id=lambda item: item["id"],
                         archives=()):
    """A static catalog ``root/name/catalog.json`` → collection → the items, their assets cut to
    ``visual`` (``visual_href(item)``) and the real metadata ones; the items of ``archives``
    (ids) have their visual image as JPEG 2000 (as in the SAFE archive) instead of a COG."""
    folder = root / name
    (folder / "items").mkdir(parents=True)
    links = [{"rel": "root", "href": "./catalog.json", "type": "application/json"},
             {"rel": "child", "href": "./collection.json", "type": "application/json"}]
    (folder / "catalog.json").write_text(json.dumps({
        "type": "Catalog", "stac_version": "1.0.0", "id": name.lower().replace(" ", "-"),
        "description": f"{name} copy of real Sentinel-2 items", "links": links}))
    item_links = []
    for item in items:
        item = copy.deepcopy(item)
        original, item["id"] = item["id"], make_id(item)
        visual = dict(item["assets"]["visual"], href=visual_href(item))
        if original in archives:
            visual.update(href=visual["href"].rsplit(".", 1)[0] + ".jp2", type="image/jp2")
        item["assets"] = {"visual": visual, "granule-metadata": item["assets"]["granule-metadata"]}
        item["links"] = [{"rel": "root", "href": "../catalog.json"},
                         {"rel": "collection", "href": "../collection.json"}]
        (folder / "items" / f"{item['id']}.json").write_text(json.dumps(item))
        item_links.append({"rel": "item", "href": f"./items/{item['id']}.json", "type": "application/geo+json"})
    (folder / "collection.json").write_text(json.dumps({
        "type": "Collection", "stac_version": "1.0.0", "id": "sentinel-2-l2a", "description": "Sentinel-2 L2A",
        "license": "proprietary", "extent": {"spatial": {"bbox": [[-180, -90, 180, 90]]},
                                             "temporal": {"interval": [[None, None]]}},
        "links": [{"rel": "root", "href": "./catalog.json"}] + item_links}))
    return folder


@pytest.fixture()
def catalogs(nginx_server, tmp_path):
    """Two catalogs of the same acquisitions: Planetary Computer's copy at http://127.0.0.1
    (every ``visual`` of the first tile is missing: 404) and Earth Search's at http://localhost."""
    root = tmp_path / "www"
    (root / "cog").mkdir(parents=True)
    shutil.copy(DATA / "cog" / "cog_rgb.tif", root / "cog" / "cog_rgb.tif")
    shutil.copy(DATA / "cog" / "cog_rgb.tif", root / "cog" / "es_rgb.tif")
    server = nginx_server(root)
    items = real_items()
    broken = items[0]["id"]
    pc_base = server.url
    es_base = server.url.replace("127.0.0.1", "localhost")
    write_static_catalog(root, "pc", items, lambda item: f"{pc_base}/cog/missing-{item['id']}.tif"
                         if item["id"] == broken else f"{pc_base}/cog/cog_rgb.tif")
    archive = items[2]["id"]
    write_static_catalog(root, "es", items, lambda item: f"{es_base}/cog/es_rgb.tif", earth_search_id,
                         archives={archive})
    return {"server": server, "root": root, "items": items, "broken": broken, "pc_host": urlsplit(pc_base).netloc,
            "es_host": urlsplit(es_base).netloc,
            PC: Connection(name=PC, kind="static", url=f"{server.url}/pc/catalog.json"),
            ES: Connection(name=ES, kind="static", url=f"{server.url}/es/catalog.json")}


@pytest.fixture()
def dock(qgis_iface, qgis_new_project, tmp_path):
    settings = QgsSettings()
    settings.remove("eo_scene_finder")
    qgis_iface.mapCanvas().setDestinationCrs(WGS84)
    d = SceneFinderDock(qgis_iface)
    d.show()
    d._first_run = False  # no welcome search of the bundled demo: these tests fill the results
    wait_until(lambda: d._collections_loaded_for == "demo", 30, "the demo's collections")
    d.scene_actions.chooser.speeds = d.downloads_widget.speeds = HostSpeeds(str(tmp_path / "speeds.json"))
    yield d
    d.shutdown()
    wait_until(lambda: not d._tasks, 30, "tasks to stop")
    d.deleteLater()
    settings.remove("eo_scene_finder")


def load_results(dock, catalogs):
    """Both catalogs searched at once from the panel (the same scene grouped on one row)."""
    for name in (PC, ES):
        dock._connections[name] = catalogs[name]
        dock.connection_combo.addItem(name, name)
    dock.set_checked_connections([PC, ES])
    wait_until(lambda: dock.collections_model.rowCount() >= 1, 30, "the collections")
    dock.set_selected_collections(["sentinel-2-l2a"])
    dock.use_dates.setChecked(False)
    dock.limit_spin.setValue(0)
    assert dock.start_search() is not None
    wait_until(lambda: dock.search_task is None, 60, "the searches")
    scenes = dock.results_model.scenes()
    assert sorted(s.connection for s in scenes) == sorted([PC, ES] * len(TILES))
    assert dock.shown_model is dock.grouped_model and dock.shown_model.rowCount() == len(TILES)
    return scenes


def select_acquisition(dock, item):
    """Select the table row of ``item``'s acquisition; its scene (whichever catalog's the row shows)."""
    key = parse_scene_key(item["id"])
    model = dock.shown_model
    row = next(r for r in range(model.rowCount()) if model.scene(r).scene_key == key)
    dock.results_view.clearSelection()
    dock.results_view.selectRow(dock.results_proxy.mapFromSource(model.index(row, 0)).row())
    scene = dock.selected_scenes()[0]
    assert scene.scene_key == key
    return scene


def streamed_layers():
    return [lyr for lyr in QgsProject.instance().mapLayers().values() if isinstance(lyr, QgsRasterLayer)]


@pytest.fixture()
def plugin_log():
    messages = []

    def received(message, tag, _level):
        if tag == "EO Scene Finder":
            messages.append(message)
    QgsApplication.messageLog().messageReceived.connect(received)
    yield messages
    QgsApplication.messageLog().messageReceived.disconnect(received)


def test_add_to_map_falls_back_to_the_next_source_and_says_so(dock, catalogs, plugin_log):
    load_results(dock, catalogs)
    speeds = dock.scene_actions.chooser.speeds
    speeds.record(catalogs["pc_host"], 50_000_000, 1.0)   # Planetary Computer's host measured faster
    speeds.record(catalogs["es_host"], 1_000_000, 1.0)
    broken = next(i for i in catalogs["items"] if i["id"] == catalogs["broken"])
    scene = select_acquisition(dock, broken)
    assert [s.connection for s in dock.scene_actions.ranked_sources(scene)] == [PC, ES]
    assert dock.scene_panel.source_label.text().startswith(f"Source: {PC}")   # the details say which and why
    assert "faster" in dock.scene_panel.source_label.text() or "slower" in dock.scene_panel.source_label.text()

    catalogs["server"].clear_log()
    tasks = dock.add_selected_to_map()
    assert len(tasks) == 1
    wait_until(lambda: streamed_layers(), 60, "the layer from the second source")
    layer = streamed_layers()[0]
    assert layer.isValid() and layer.name() == f"{earth_search_id(broken)} · visual"
    assert "localhost" in layer.source()
    switch = [m for m in plugin_log if m.startswith(f"{PC} failed (") and m.endswith(f"): trying {ES}")]
    assert switch, plugin_log
    assert f"from {ES}" in dock.status_label.text() and f"{PC} failed" in dock.status_label.text()
    requested = [r.uri for r in catalogs["server"].requests()]
    assert any(u.startswith("/cog/missing-") for u in requested)       # the preferred one was tried first


def test_forcing_a_source_from_the_row_menu_uses_it(dock, catalogs):
    load_results(dock, catalogs)
    dock.scene_actions.chooser.speeds.record(catalogs["pc_host"], 50_000_000, 1.0)
    scene = select_acquisition(dock, catalogs["items"][1])
    assert dock.scene_actions.ranked_sources(scene)[0].connection == PC

    menu = dock.results_menu([scene])
    use = next(a.menu() for a in menu.actions() if a.menu() is not None and a.text() == "Use source")
    entries = {a.text(): a for a in use.actions() if a.text()}
    assert set(entries) == {"Automatic (by preference)", PC, ES} and entries["Automatic (by preference)"].isChecked()
    entries[ES].trigger()
    assert dock.scene_panel.source_label.text() == f"Source: {ES} (you chose it for this scene)"
    # the row says so too
    from eo_scene_finder.ui.results_model import CONNECTION_COLUMN

    row = next(r for r in range(dock.grouped_model.rowCount()) if dock.grouped_model.scene(r) is scene)
    assert dock.grouped_model.index(row, CONNECTION_COLUMN).data() == f"2 sources, {ES} forced"
    menu = dock.results_menu([scene])
    use = next(a.menu() for a in menu.actions() if a.menu() is not None and a.text() == "Use source")
    assert [a.text() for a in use.actions() if a.isChecked()] == [ES]

    dock.add_selected_to_map()
    wait_until(lambda: streamed_layers(), 60, "the layer")
    layer = streamed_layers()[0]
    assert layer.name() == f"{earth_search_id(catalogs['items'][1])} · visual" and "localhost" in layer.source()


def test_changing_the_preference_changes_the_chosen_source(dock, catalogs, monkeypatch):
    """Earth Search's copy of the third tile is a JPEG 2000 archive but its host is faster:
    the default rule (cloud-optimised first) takes Planetary Computer's COG; speed first takes
    Earth Search's."""
    from eo_scene_finder.ui import scene_actions
    from eo_scene_finder.ui.source_choice import PREFERENCE_SETTING, SourcePreferenceDialog

    load_results(dock, catalogs)
    dock.scene_actions.chooser.speeds.record(catalogs["es_host"], 50_000_000, 1.0)
    scene = select_acquisition(dock, catalogs["items"][2])
    assert dock.scene_actions.ranked_sources(scene)[0].connection == PC
    assert dock.scene_panel.source_label.text() == f"Source: {PC}: cloud-optimised, no credentials, free, online " \
                                                   f"({ES} archive only)"

    def speed_first(dialog):
        lst = dialog.criteria_list
        assert [lst.item(r).text() for r in range(lst.count())][0] == "cloud-optimised format over archives"
        lst.setCurrentRow(next(r for r in range(lst.count())
                               if lst.item(r).data(Qt.ItemDataRole.UserRole) == "speed"))
        for _ in range(lst.count()):
            dialog.up_button.click()
        return QDialog.DialogCode.Accepted
    monkeypatch.setattr(scene_actions.SourcePreferenceDialog, "exec", speed_first)
    assert dock.scene_actions.edit_preference()
    assert dock.scene_actions.ranked_sources(scene)[0].connection == ES
    assert dock.scene_panel.source_label.text().startswith(f"Source: {ES}: no credentials")
    saved = QgsSettings().value(PREFERENCE_SETTING, "", type=str)
    assert saved == "speed,cog,no_credentials,free,online"
    # remembered: the dialog opens on it next time
    assert SourcePreferenceDialog(dock.scene_actions.chooser.preference).preference().order == (
        "speed", "cog", "no_credentials", "free", "online")


def test_best_coverage_selects_a_verified_minimal_set_and_adds_it_as_one_mosaic(dock, catalogs, plugin_log):
    import datetime as dt

    from osgeo import gdal

    from eo_scene_finder.providers.coverage import CoverageCandidate, exact_minimum_cover, orbit_of

    load_results(dock, catalogs)
    assert dock.scene_actions.best_coverage(target=0.98) is None     # no area of interest yet
    assert "needs an area of interest" in dock.scene_actions.coverage_bar.label.text()
    assert dock.scene_actions.coverage_bar.mosaic_button.isHidden()

    dock.search_panel.aoi.set_rectangle(QgsRectangle(-7.0, 80.3, -1.5, 81.6), WGS84)
    task = dock.scene_actions.best_coverage(target=0.98)
    assert task is not None
    wait_until(lambda: dock.scene_actions.coverage_task is None, 60, "best coverage")
    result = dock.scene_actions.coverage_result
    chosen = dock.scene_actions.coverage_scenes

    # the known case, solved exactly from the real items' footprints
    candidates = [CoverageCandidate(
        id=item["id"], footprint=item["geometry"], cloud_cover=item["properties"]["eo:cloud_cover"],
        datetime=dt.datetime.fromisoformat(item["properties"]["datetime"].replace("Z", "+00:00")),
        orbit=orbit_of(item["properties"], item["id"])) for item in catalogs["items"]]
    exact = exact_minimum_cover(dock.search_panel.aoi.geojson(), candidates, 0.98)
    assert exact.reached and 1 < len(exact.chosen) < len(TILES)
    assert result.reached and result.coverage >= 0.98
    assert len(chosen) == len(exact.chosen)              # one row per acquisition, not one per catalog
    assert len({s.scene_key for s in chosen}) == len(chosen)

    # selected in the table and on the map; the coverage said in the panel
    assert {s.id for s in dock.selected_scenes()} == {s.id for s in chosen}
    assert dock.footprints.layer.selectedFeatureCount() == len(chosen)
    text = dock.scene_actions.coverage_bar.label.text()
    assert text.startswith(f"{len(chosen)} scenes cover") and "(target 98 %)" in text, text
    assert not dock.scene_actions.coverage_bar.mosaic_button.isHidden()

    # Add as mosaic: one layer, a VRT of the chosen scenes streamed over HTTP; Planetary
    # Computer's files are gone meanwhile, so each scene comes from Earth Search
    (catalogs["root"] / "cog" / "cog_rgb.tif").unlink()
    dock.scene_actions.chooser.speeds.record(catalogs["pc_host"], 50_000_000, 1.0)   # preferred, and broken
    dock.scene_actions.coverage_bar.mosaic_button.click()
    wait_until(lambda: streamed_layers(), 60, "the mosaic")
    layers = streamed_layers()
    assert len(layers) == 1 and layers[0].isValid()
    assert layers[0].name() == f"Mosaic of {len(chosen)} scenes · visual"
    vrt = gdal.Open(layers[0].source())
    text = Path(layers[0].source()).read_text()
    first_band = text.split("</VRTRasterBand>")[0]
    sources = first_band.split("<SourceFilename")[1:]
    assert len(sources) == len(chosen)                   # one streamed source per chosen scene
    es_file = f'relativeToVRT="0">/vsicurl/http://{catalogs["es_host"]}/cog/es_rgb.tif<'
    assert all(es_file in s for s in sources), sources
    assert len([m for m in plugin_log if m.startswith(f"{PC} failed (") and m.endswith(f"): trying {ES}")]) == len(chosen)
    assert vrt.RasterCount == 3


def test_download_falls_back_to_the_next_source_when_a_job_fails(dock, catalogs, plugin_log, tmp_path):
    load_results(dock, catalogs)
    dock.scene_actions.chooser.speeds.record(catalogs["pc_host"], 50_000_000, 1.0)
    broken = next(i for i in catalogs["items"] if i["id"] == catalogs["broken"])
    out = tmp_path / "out"
    tasks = dock.download_scenes([select_acquisition(dock, broken)], None, str(out))
    assert len(tasks) == 1
    es_id = earth_search_id(broken)
    wait_until(lambda: [f for f in out.rglob("*.tif") if f.parent.name == es_id] and not dock.downloads_widget.running(),
               60, "the download from the second source")
    files = list(out.rglob("*.tif"))
    assert [f.parent.name for f in files] == [es_id]
    assert files[0].read_bytes() == (DATA / "cog" / "cog_rgb.tif").read_bytes()
    assert any(m.startswith(f"{PC} failed (") and m.endswith(f"): trying {ES}") for m in plugin_log), plugin_log
    # the panel's downloads measure into the speeds the choice reads (a file this small is not measured)
    widget = dock.downloads_widget
    assert widget.engine_factory(widget.limiter).speeds is dock.scene_actions.chooser.speeds


def test_best_coverage_dialog_caps_the_scenes_and_says_when_the_target_is_out_of_reach(dock, catalogs, monkeypatch):
    from eo_scene_finder.ui import scene_actions
    from eo_scene_finder.ui.coverage_widget import MAX_SCENES_SETTING, TARGET_SETTING

    load_results(dock, catalogs)
    dock.search_panel.aoi.set_rectangle(QgsRectangle(-7.0, 80.3, -1.5, 81.6), WGS84)

    def one_scene(dialog):
        assert dialog.target_spin.value() == 98.0          # the default target
        dialog.max_spin.setValue(1)
        dialog.accept()
        return QDialog.DialogCode.Accepted
    monkeypatch.setattr(scene_actions.BestCoverageDialog, "exec", one_scene)
    menu = dock.results_actions_button.menu()
    next(a for a in menu.actions() if a.objectName() == "bestCoverageAction").trigger()
    wait_until(lambda: dock.scene_actions.coverage_result is not None, 60, "best coverage")
    result = dock.scene_actions.coverage_result
    assert len(result.chosen) == 1 and not result.reached
    assert len(dock.selected_scenes()) == 1
    text = dock.scene_actions.coverage_bar.label.text()
    assert text == (f"Stopped at the limit of 1 scene: it covers {100 * result.coverage:.1f} % of the area, short of "
                    "the target 98 %. Allow more scenes or lower the target."), text
    assert QgsSettings().value(MAX_SCENES_SETTING, 0, type=int) == 1      # remembered for next time
    assert QgsSettings().value(TARGET_SETTING, 0.0, type=float) == 98.0

    dock.results_model.clear()                               # a new search: the choice is gone
    assert dock.scene_actions.coverage_bar.isHidden() and not dock.scene_actions.coverage_scenes


def test_a_rule_without_criteria_is_remembered_as_such(qgis_iface, tmp_path):
    from eo_scene_finder.ui.source_choice import SourceChooser
    from eo_scene_finder.providers.multi import SourcePreference

    settings = QgsSettings()
    settings.remove("eo_scene_finder")
    try:
        chooser = SourceChooser(settings, lambda name: None, HostSpeeds(str(tmp_path / "s.json")))
        assert chooser.preference == SourcePreference()
        chooser.set_preference(SourcePreference(()))
        assert SourceChooser(settings, lambda name: None, chooser.speeds).preference.order == ()
    finally:
        settings.remove("eo_scene_finder")
