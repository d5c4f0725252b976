"""The panel on a USGS M2M connection in a real QGIS window (qgis.bin under Xvfb, plugin from
the release zip), against the loopback M2M server: Landsat Collection 2 scenes with their
footprints, the M2M metadata filters as attributes, a quicklook. The screenshot
(``panel-usgs.png``) is the README's."""
from __future__ import annotations

import pytest

from fixtures.m2m_servers import USGS_TOKEN, USGS_USERNAME
from test_qgis_screenshots import COMMON, _keep, _run

pytestmark = pytest.mark.qgis_window

USGS_PANEL = COMMON + r'''
def scenario():
    R = harness.result
    dock = open_dock()
    yield (lambda: dock.search_task is None and dock.results_model.rowCount() > 0, 30000)  # the demo first
    use_connection(dock, "usgs+" + os.environ["EOSF_M2M_URL"])
    yield (lambda: dock.collections_model.rowCount() == 6, 30000)
    dock.set_selected_collections(["landsat_ot_c2_l2"])
    dock._load_queryables()
    yield (lambda: "collectionCategory" in dock.attribute_widgets, 30000)
    combo = dock.attribute_widgets["collectionCategory"]
    combo.setCurrentIndex(combo.findData("T1"))
    from qgis.PyQt.QtCore import QDate
    dock.use_dates.setChecked(True)
    dock.start_date.setDate(QDate(2018, 4, 1))
    dock.end_date.setDate(QDate(2018, 6, 30))
    dock.cloud_slider.setValue(40)
    dock.limit_spin.setValue(0)
    dock.start_search()
    yield (lambda: dock.search_task is None, 60000)
    R["rows"] = dock.results_model.rowCount()
    R["ids"] = [dock.results_model.scene(r).id for r in range(dock.results_model.rowCount())]
    R["status"] = dock.status_label.text()
    layer = dock.footprints.layer
    R["footprints"] = layer.featureCount() if layer is not None else 0
    iface.mapCanvas().setExtent(layer.extent())
    iface.mapCanvas().refresh()
    dock.results_view.selectRow(0)
    yield (lambda: dock.quicklook.pixmap() is not None and not dock.quicklook.pixmap().isNull(), 30000)
    dock.tabs.setCurrentIndex(0)
    yield (lambda: not iface.mapCanvas().isDrawing(), 20000)
    yield 1500
    harness.screenshot(os.path.join(harness.workdir, "panel-usgs.png"))
'''


def test_panel_on_a_usgs_connection(qgis_profile_factory, run_qgis_window, m2m):
    run = _run(run_qgis_window, qgis_profile_factory, USGS_PANEL, "panel-usgs",
               {"EOSF_M2M_URL": m2m.api_url, "EOSF_USGS_USERNAME": USGS_USERNAME, "EOSF_USGS_TOKEN": USGS_TOKEN})
    r = run.result
    assert r["rows"] > 0 and r["footprints"] == r["rows"], r
    assert all(i.endswith("_T1") for i in r["ids"]), r
    _keep(run, "panel-usgs.png")
