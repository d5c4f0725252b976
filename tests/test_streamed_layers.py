"""A project with a layer streamed from signed storage: saved without the signature,
signed again (in the background) when it is reopened."""
import time

from qgis.core import QgsApplication, QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import QCoreApplication

from eo_scene_finder.tasks.raster_task import HREF_PROPERTY, OpenRemoteRasterTask, StreamedLayerRefresher


def wait_until(predicate, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        if predicate():
            return
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_saved_project_signs_its_streamed_layers_again(qgis_app, qgis_new_project, dinamis_signing_server,
                                                         storage_server, tmp_path):
    from eo_scene_finder.providers.connections import open_provider, resolve_connection

    conn_text = (f"stac-api+http://127.0.0.1:9/?signing=dinamis&signing_url={dinamis_signing_server.endpoint}"
                 f"&storage_domain=127.0.0.1")
    provider = open_provider(resolve_connection(conn_text))
    href = storage_server.href("dinamis-bucket", "SPOT7_X", "cog.tif")
    project = QgsProject.instance()
    task = OpenRemoteRasterTask("open", lambda: provider.gdal_path(href), "SPOT7_X · src_xs", project,
                                source=(conn_text, href))
    QgsApplication.taskManager().addTask(task)
    wait_until(lambda: project.mapLayersByName("SPOT7_X · src_xs"), what="the streamed layer")
    layer = project.mapLayersByName("SPOT7_X · src_xs")[0]
    assert layer.isValid() and "X-Amz-Signature" in layer.source()
    assert layer.customProperty(HREF_PROPERTY) == href

    path = tmp_path / "project.qgs"
    from eo_scene_finder.services import project as project_redaction

    project_redaction.install_project_redaction()
    try:
        assert project.write(str(path))
    finally:
        project_redaction.remove_project_redaction()
    saved = path.read_text()
    assert "X-Amz-Signature" not in saved and "dinamis-bucket/SPOT7_X/cog.tif" in saved

    refresher = StreamedLayerRefresher(project)
    try:
        provider.signer.clear_cache()  # as in a new QGIS session: the signature must be asked again
        calls = len(dinamis_signing_server.sign_calls)
        project.clear()
        assert project.read(str(path))
        reopened = project.mapLayersByName("SPOT7_X · src_xs")[0]
        assert "X-Amz-Signature" not in reopened.source()  # as saved: it cannot open unsigned
        wait_until(lambda: "X-Amz-Signature" in reopened.source(), what="the layer signed again")
        assert reopened.isValid()
        assert reopened.dataProvider().block(1, reopened.extent(), 8, 8).isValid()
        assert len(dinamis_signing_server.sign_calls) == calls + 1  # signed again by the service
    finally:
        refresher.close()


def test_a_single_band_opens_stretched_on_its_own_pixels_not_flat_grey(qgis_app, qgis_new_project):
    """A Landsat band (UInt16, values 2,752-7,872 in a 0-65,535 type) opens with a 2-98 %
    stretch measured by GDAL from an overview: at most a few % of the pixels saturate."""
    from pathlib import Path

    import numpy as np
    from osgeo import gdal

    path = str(Path(__file__).resolve().parents[1] / "demo_catalog" / "demo-landsat-greenland"
               / "greenland-20230627" / "greenland-20230627.tif")
    task = OpenRemoteRasterTask("open band", lambda: path, "greenland band", add_to_project=False)
    layers = []
    task.layerAdded.connect(layers.append)
    QgsApplication.taskManager().addTask(task)
    wait_until(lambda: layers, 30, "the band to open")
    renderer = layers[0].renderer()
    assert renderer.type() == "singlebandgray"
    low = renderer.contrastEnhancement().minimumValue()
    high = renderer.contrastEnhancement().maximumValue()
    dataset = gdal.Open(path)  # kept: a band outlives its dataset only as a crash
    pixels = dataset.GetRasterBand(1).ReadAsArray()
    valid = pixels[pixels != 1]                       # nodata = 1
    assert valid.min() <= low < high <= valid.max()
    assert (low, high) != (valid.min(), valid.max())  # stretched, not the full min-max
    assert np.mean(valid < low) <= 0.05 and np.mean(valid > high) <= 0.05
