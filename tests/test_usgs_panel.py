"""USGS M2M in the panel, driven like a user would (real widgets and tasks, the loopback M2M
server): the connection editor's form, Test connection (logs in and out), collections,
the per-collection attribute filters from dataset-filters, search with footprints and
quicklooks, and downloads into the Downloads tab."""
from __future__ import annotations

import tarfile
import uuid

from qgis.PyQt.QtCore import QDate

from eo_scene_finder.providers.auth.tokens import TokenManager
from eo_scene_finder.providers.connections import open_provider
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.ui.connections_dialog import check_connection

from test_connections_dialog import store  # noqa: F401  (fixture)
from test_panel import dock, fresh_settings, run_search, wait_until  # noqa: F401  (fixtures)


def test_test_connection_logs_in_and_out(m2m, usgs_env):
    manager = TokenManager()
    result = check_connection(m2m.connection(), manager)
    assert result.ok, result.text()
    assert "Credentials accepted: logged in to USGS M2M" in result.text()
    assert "landsat_ot_c2_l2" in result.text() and "Logged out" in result.text()
    stats = m2m.stats()
    assert stats["logins"] == 1 and stats["logouts"] == 1 and stats["keys_alive"] == 0
    # the same manager searches next: a new login, never the key logged out
    provider = open_provider(m2m.connection(), credentials=manager)
    try:
        assert provider.search(SearchRequest.create(collections=["landsat_ot_c2_l2"], limit=2)).all()
    finally:
        provider.close()
    stats = m2m.stats()
    assert stats["logins"] == 2 and stats["stale_key_uses"] == 0 and "AUTH_KEY_INVALID" not in stats["errors"]


def test_the_editor_offers_the_usgs_form(store):  # noqa: F811
    from eo_scene_finder.ui.connections_dialog import ConnectionEditor

    editor = ConnectionEditor(store)
    try:
        editor.kind_combo.setCurrentIndex(editor.kind_combo.findData("usgs"))
        assert editor.url_edit.text() == "https://m2m.cr.usgs.gov/api/api/json/stable/"
        # username + M2M application token; the retired password login is not offered
        assert set(editor._credential_edits) == {"username", "token"}
    finally:
        editor.close()


def test_usgs_search_quicklook_and_download_in_the_panel(dock, m2m, usgs_env, tmp_path):  # noqa: F811
    m2m.configure(prepare_polls=2)
    wait_until(lambda: dock.search_task is None, 30, "first-run search")
    name = f"usgs-loopback-{uuid.uuid4().hex[:6]}"
    conn = m2m.connection(name, retrieve_interval=0.05)
    dock._connections[name] = conn
    dock.connection_combo.addItem(name, name)
    dock.select_connection(name)
    wait_until(lambda: dock.collections_model.rowCount() == 6, 30, "the six Landsat C2 datasets")
    dock.set_selected_collections(["landsat_ot_c2_l2"])
    dock._load_queryables()
    wait_until(lambda: "collectionCategory" in dock.attribute_widgets, 30, "the M2M metadata filters")
    assert {"dayNight", "wrsPath", "wrsRow", "collectionCategory"} <= set(dock.attribute_widgets)
    combo = dock.attribute_widgets["collectionCategory"]
    combo.setCurrentIndex(combo.findData("T1"))
    dock.use_dates.setChecked(True)
    dock.start_date.setDate(QDate(2018, 3, 1))
    dock.end_date.setDate(QDate(2018, 6, 30))
    dock.limit_spin.setValue(0)
    run_search(dock)
    n = dock.results_model.rowCount()
    assert n > 0, dock.status_label.text()
    scenes = [dock.results_model.scene(r) for r in range(n)]
    assert all(s.id.endswith("_T1") and "2018-03-01" <= s.date_text[:10] <= "2018-06-30" for s in scenes)
    assert dock.footprints.layer.featureCount() == n
    dock.results_view.selectRow(0)
    wait_until(lambda: dock.quicklook.pixmap() is not None and not dock.quicklook.pixmap().isNull(), 30,
               "the quicklook")
    scene = dock.current_scene
    out = tmp_path / "out"
    dock.download_scenes([scene], ["SR_B4"], str(out))
    dock.download_scenes([scene], None, str(out))                # the bundle
    band = out / "landsat_ot_c2_l2" / scene.id / f"{scene.id}_SR_B4.TIF"
    bundle = out / "landsat_ot_c2_l2" / f"{scene.id}.tar"
    wait_until(lambda: band.exists() and bundle.exists() and not dock.downloads_widget.running(), 60,
               "the band file and the bundle")
    model = dock.downloads_widget.model
    wait_until(lambda: model.rowCount() == 2 and all(r.state == "done" for r in model.rows), 30, "done rows")
    with tarfile.open(bundle) as tar:
        assert f"{scene.id}_SR_B4.TIF" in tar.getnames()
