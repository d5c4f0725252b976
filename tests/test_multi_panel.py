"""Several catalogs searched at once from the panel: three loopback catalogs holding the same
real scenes (the Planetary Computer records in the pgstac fixture, the same items as a static
catalog served by nginx, and the loopback CDSE), rows grouped by scene with their sources,
one catalog's failure reported on its own, and the ungrouped view."""
import json
from pathlib import Path

import pytest
from qgis.PyQt.QtCore import QDate, Qt

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.ui.grouped_model import SOURCES_ROLE
from eo_scene_finder.ui.results_model import CONNECTION_COLUMN
from test_panel import dock, fresh_settings, wait_until  # noqa: F401,F811 - fixtures
from fixtures.background_work import settle

STAC = Path(__file__).resolve().parent / "data" / "stac"
FIRST, LAST = "2024-05-15", "2024-05-17"


def _pc_items():
    return [json.loads(line) for line in (STAC / "items_sentinel-2-l2a.ndjson").read_text().splitlines() if line]


def _in_dates(item):
    return FIRST <= item["properties"]["datetime"][:10] <= LAST


def write_static_catalog(root: Path) -> None:
    """The pgstac fixture's Sentinel-2 items as a static catalog (catalog -> collection -> items)."""
    collection = next(json.loads(line) for line in (STAC / "collections.ndjson").read_text().splitlines()
                      if json.loads(line)["id"] == "sentinel-2-l2a")
    items = _pc_items()
    folder = root / "sentinel-2-l2a"
    (folder / "items").mkdir(parents=True)
    collection = dict(collection, links=[{"rel": "root", "href": "../catalog.json"},
                                         {"rel": "parent", "href": "../catalog.json"}]
                      + [{"rel": "item", "href": f"items/{i['id']}.json", "type": "application/geo+json"}
                         for i in items])
    (folder / "collection.json").write_text(json.dumps(collection))
    for item in items:
        item = dict(item, links=[{"rel": "root", "href": "../../catalog.json"},
                                 {"rel": "collection", "href": "../collection.json"}])
        (folder / "items" / f"{item['id']}.json").write_text(json.dumps(item))
    (root / "catalog.json").write_text(json.dumps({
        "type": "Catalog", "stac_version": "1.0.0", "id": "pc-copy", "description": "PC items, static",
        "links": [{"rel": "root", "href": "catalog.json"},
                  {"rel": "child", "href": "sentinel-2-l2a/collection.json", "type": "application/json"}]}))


CDSE_SHARE = 3  # one Planetary Computer scene in three is in the CDSE too


def start_cdse_with_pc_products(workdir: Path):
    """The loopback CDSE serving, besides its usual catalogue, the products of some of the
    Planetary Computer items (records built on a recorded real one, see test_qgis_process)."""
    from fixtures.cdse_servers import start_cdse_server
    from test_qgis_process import CDSE_TEMPLATE, cdse_record_for

    template = json.loads(CDSE_TEMPLATE.read_text())["value"][0]
    shared = [i for i in _pc_items() if _in_dates(i)][::CDSE_SHARE]
    workdir.mkdir(parents=True, exist_ok=True)
    records = workdir / "cdse_records.json"
    records.write_text(json.dumps([cdse_record_for(i, template) for i in shared]))
    return start_cdse_server(workdir / "cdse", records=records), shared


@pytest.fixture(scope="module")
def cdse_pc(tmp_path_factory):
    server, shared = start_cdse_with_pc_products(tmp_path_factory.mktemp("cdse-pc"))
    server.shared = shared
    yield server
    server.proc.stop()


@pytest.fixture(scope="module")
def static_copy(tmp_path_factory, nginx_server):
    root = tmp_path_factory.mktemp("pc-static")
    write_static_catalog(root)
    server = nginx_server(root)
    yield server
    server.stop()


def _add(dock, conn):
    dock._connections[conn.name] = conn
    dock.connection_combo.addItem(conn.name, conn.name)


def _three_catalogs(dock, pgstac_api, static_url, cdse):
    wait_until(lambda: dock.search_task is None, 30, "first-run search")
    _add(dock, Connection(name="pc-pgstac", kind="stac-api", url=pgstac_api.url, options={"page_size": 50}))
    _add(dock, Connection(name="pc-static", kind="static", url=static_url + "/catalog.json"))
    _add(dock, cdse.connection("cdse-loopback"))
    dock.set_checked_connections(["pc-pgstac", "pc-static", "cdse-loopback"])
    wait_until(lambda: dock.collections_model.rowCount() >= 3, 60, "pgstac collections")
    dock.set_selected_collections(["sentinel-2-l2a"])
    dock.use_dates.setChecked(True)
    dock.start_date.setDate(QDate.fromString(FIRST, "yyyy-MM-dd"))
    dock.end_date.setDate(QDate.fromString(LAST, "yyyy-MM-dd"))
    dock.limit_spin.setValue(0)


def _day_span(day):
    import datetime as dt
    start = dt.datetime.fromisoformat(day).replace(tzinfo=dt.timezone.utc).timestamp()
    return start, start + 86400


def _view_rows(dock):
    proxy = dock.results_proxy
    return [(proxy.index(r, CONNECTION_COLUMN).data(), proxy.index(r, CONNECTION_COLUMN).data(SOURCES_ROLE),
             proxy.index(r, CONNECTION_COLUMN).data(Qt.ItemDataRole.ToolTipRole)) for r in range(proxy.rowCount())]


def test_three_catalogs_grouped_by_scene_with_their_sources(dock, pgstac_api, static_copy, cdse_pc):
    _three_catalogs(dock, pgstac_api, static_copy.url, cdse_pc)
    # the line under the connection box says what each other catalog is searched with
    assert dock.also_label.isVisibleTo(dock)
    also = dock.also_label.text()
    assert "pc-static (sentinel-2-l2a)" in also and "cdse-loopback (SENTINEL-2 productType=S2MSI2A)" in also, also

    tasks = []
    dock.search_controller.catalogsChanged.connect(lambda text: tasks.append(text))
    first = dock.start_search()
    assert first is not None and len(dock.search_controller.runs) == 3
    wait_until(lambda: dock.search_task is None, 120, "the three searches")

    expected = [i for i in _pc_items() if _in_dates(i)]
    by_connection = {}
    for scene in dock.results_model.scenes():
        by_connection.setdefault(scene.connection, []).append(scene)
    assert len(by_connection["pc-pgstac"]) == len(by_connection["pc-static"]) == len(expected)
    cdse_scenes = by_connection.get("cdse-loopback", [])
    # each catalog's part, then the summary
    line = dock.catalogs_label.text()
    assert dock.catalogs_label.isVisibleTo(dock)
    assert f"pc-pgstac {len(expected)} ✓" in line and f"pc-static {len(expected)} ✓" in line, line
    assert f"cdse-loopback {len(cdse_scenes)} ✓" in line, line
    assert any("…" in t for t in tasks), tasks  # per-catalog progress while they ran
    total = dock.results_model.rowCount()
    assert dock.status_label.text() == f"{total} scenes from 3 catalogs.", dock.status_label.text()

    # grouped: one row per scene, its sources named
    rows = _view_rows(dock)
    assert dock.shown_model is dock.grouped_model and dock.group_button.isChecked()
    assert len(rows) == len(dock.scene_groups)
    # every Planetary Computer scene is there once, from pgstac and from the static copy
    # (two orbits over one tile the same day stay two scenes)
    pc_rows = [r for r in rows if "pc-pgstac" in r[1]]
    assert len(pc_rows) == len(expected)
    for text, sources, tip in pc_rows:
        assert sorted(s for s in sources if s != "cdse-loopback") == ["pc-pgstac", "pc-static"], sources
        assert text == f"{len(sources)} sources", (text, sources)
        assert "pc-pgstac: S2" in tip and "pc-static: S2" in tip, tip
    # the CDSE's products of the same acquisitions join their groups: three sources
    assert len(cdse_scenes) == len(cdse_pc.shared) > 50
    three = [(text, tip) for text, sources, tip in pc_rows if "cdse-loopback" in sources]
    assert len(three) == len(cdse_pc.shared)
    assert all(text == "3 sources" and "cdse-loopback: S2" in tip for text, tip in three), three[:2]
    assert sum(len(sources) for _t, sources, _tip in rows) == total
    groups = len(rows)
    assert dock.results_model.headerData(CONNECTION_COLUMN, Qt.Orientation.Horizontal) == "Connection"
    assert dock.results_proxy.headerData(CONNECTION_COLUMN, Qt.Orientation.Horizontal) == "Sources"
    # footprints once per scene
    assert dock.footprints.layer.featureCount() == groups
    # the timeline counts scenes, not sources; dragging it filters the grouped rows
    dock.timeline.rebin()
    assert sum(sum(counts) for _s, _e, counts in dock.timeline.bins) == groups
    dock.set_period(*_day_span("2019-01-01"))
    assert dock.results_proxy.rowCount() == 0
    dock.set_period(*_day_span("2024-05-16"))
    assert dock.results_proxy.rowCount() == len([r for r in range(groups) if dock.grouped_model.scene(r)
                                                 .date_text.startswith("2024-05-16")]) > 0
    dock.set_period(None, None)

    # a grouped row selected: its footprint on the map, the union of its properties with their source
    row = next(r for r in range(len(rows)) if "pc-static" in rows[r][1])
    dock.results_view.selectRow(row)
    assert len(dock.footprints.layer.selectedFeatureIds()) == 1
    tree = dock.properties_tree
    assert tree.columnCount() == 3
    shown = {tree.topLevelItem(i).text(0): tree.topLevelItem(i).text(2) for i in range(tree.topLevelItemCount())}
    group = dock.scene_groups.group_of(dock.selected_scenes()[0])
    names = [s.connection for s in group.sources]
    assert set(shown) == {n for s in group.sources for n, v in s.scene.properties.items() if v is not None}
    assert set(shown.values()) <= set(names) and shown["datetime"] == names[0]
    assert "Sources: " + ", ".join(names) in dock.scene_title.text()
    # and the other way: a footprint selected on the map selects its group's row
    fid = dock.footprints.layer.selectedFeatureIds()[0]
    dock.footprints.layer.removeSelection()
    dock.footprints.layer.selectByIds([fid])
    assert [i.row() for i in dock.results_view.selectionModel().selectedRows()] == [row]

    # ungrouped: one row per source, the connection in its column; every footprint drawn
    dock.group_button.setChecked(False)
    assert dock.shown_model is dock.results_model
    dock.timeline.rebin()
    assert sum(sum(counts) for _s, _e, counts in dock.timeline.bins) == dock.results_model.rowCount()
    assert dock.results_proxy.rowCount() == total == 2 * len(expected) + len(cdse_scenes)
    assert {dock.results_proxy.index(r, CONNECTION_COLUMN).data() for r in range(total)} == set(by_connection)
    wait_until(lambda: not dock.grouped_footprints.drawing, 30, "every catalog's footprint")
    assert dock.footprints.layer.featureCount() == total
    dock.results_view.selectRow(0)
    assert len(dock.footprints.layer.selectedFeatureIds()) == 1
    # and back: duplicates hidden again, the choice remembered
    dock.group_button.setChecked(True)
    assert dock.results_proxy.rowCount() == groups and dock.footprints.layer.featureCount() == groups
    dock._save_settings()
    assert json.loads(dock.settings.value("eo_scene_finder/panel/also_connections")) == ["pc-static",
                                                                                         "cdse-loopback"]


def test_a_dead_catalog_fails_alone_and_says_why(dock, pgstac_api, nginx_server, tmp_path, cdse_pc):
    write_static_catalog(tmp_path)
    doomed = nginx_server(tmp_path)
    _three_catalogs(dock, pgstac_api, doomed.url, cdse_pc)
    doomed.stop()  # the static catalog's server is gone before the search
    run = dock.start_search()
    assert run is not None
    wait_until(lambda: dock.search_task is None, 120, "the searches")
    expected = [i for i in _pc_items() if _in_dates(i)]
    scenes = dock.results_model.scenes()
    assert sum(s.connection == "pc-pgstac" for s in scenes) == len(expected)
    assert not [s for s in scenes if s.connection == "pc-static"]
    line = dock.catalogs_label.text()
    assert f"pc-pgstac {len(expected)} ✓" in line, line
    failed = line.split("pc-static failed: ", 1)[1].split(" · ")[0]
    assert "could not be reached" in failed or "refused" in failed.lower(), failed
    assert "Traceback" not in failed and "Error(" not in failed
    status = dock.status_label.text()
    assert status.endswith("(1 failed: pc-static)."), status
    assert dock.details_button.isVisibleTo(dock) == bool(dock._last_error.details)
    assert dock.search_button.isEnabled() and not dock.cancel_button.isEnabled()
    # the rows that came in are grouped with the sources that answered
    rows = _view_rows(dock)
    assert len(rows) == len(expected)
    assert sorted(len(sources) for _t, sources, _tip in rows) == \
        [1] * (len(expected) - len(cdse_pc.shared)) + [2] * len(cdse_pc.shared)
    assert all(sources[0] in ("pc-pgstac", "cdse-loopback") and "pc-static" not in sources
               for _t, sources, _tip in rows)


def test_cancel_stops_every_catalog(dock, pgstac_api, static_copy, cdse_pc):
    _three_catalogs(dock, pgstac_api, static_copy.url, cdse_pc)
    dock.use_dates.setChecked(False)  # a long search everywhere
    dock.start_search()
    tasks = [r.task for r in dock.search_controller.runs]
    tasks[0].pageReady.connect(lambda _p: dock.cancel_search())
    wait_until(lambda: dock.search_task is None, 120, "the cancelled searches")
    assert dock.status_label.text().startswith("Search cancelled:"), dock.status_label.text()
    assert "cancelled" in dock.catalogs_label.text()


def test_one_connection_keeps_the_single_catalog_view(dock):
    wait_until(lambda: dock.search_task is None, 30, "first-run search")
    assert dock.checked_connection_ids() == ["demo"]
    assert not dock.group_button.isEnabled()  # grouping is for several catalogs
    assert dock.shown_model is dock.results_model
    assert not dock.catalogs_label.isVisibleTo(dock) and not dock.also_label.isVisibleTo(dock)


def test_the_checked_catalogs_and_grouping_are_remembered(qgis_iface, qgis_new_project, fresh_settings):
    from eo_scene_finder.ui.dock import SceneFinderDock

    first = SceneFinderDock(qgis_iface)
    wait_until(lambda: first.search_task is None, 30, "first-run search")
    # (only the demo's collections are loaded: nothing leaves the machine)
    first.set_checked_connections(["demo", "cdse", "earth-search"])
    first.group_button.setChecked(False)
    first._save_settings()
    first.shutdown()
    settle()  # what the first dock started has ended: the second one's tasks do not queue behind it
    first.deleteLater()
    again = SceneFinderDock(qgis_iface)
    try:
        assert again.checked_connection_ids() == ["demo", "cdse", "earth-search"]
        assert not again.group_button.isChecked() and again.group_button.isEnabled()
        try:
            wait_until(lambda: again.collections_model.rowCount() > 0, 30, "the demo's collections")
        except AssertionError as err:
            raise AssertionError(f"{err}\npanel status: {again.status_label.text()!r}") from None
        assert again.also_label.text().startswith("Also searching: cdse (")
        # the demo is not searched on opening when other catalogs are ticked with it
        assert again.search_task is None and again.results_model.rowCount() == 0
    finally:
        again.shutdown()
