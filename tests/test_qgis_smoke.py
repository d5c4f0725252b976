"""A real QGIS window (qgis.bin under Xvfb) with the plugin installed from the release zip.

Three QGIS runs, each in a fresh temporary profile:
* ``smoke``: the zip unpacked into the profile and enabled, as after "Install from ZIP" and a
  restart: the plugin loads at start-up, the dock opens, vendored dependencies work inside
  QGIS, unloading and loading again leaves no duplicate button, menu entry or dock;
* ``install``: an empty profile where QGIS's own installer (``pyplugin_installer``, the code
  behind Plugins > Install from ZIP) installs and starts the zip;
* ``no_shapely``: shapely made unimportable before QGIS loads any plugin: the plugin says in
  the message bar which package is missing and how to install it, and QGIS keeps working.
Screenshots and logs land in ``tests/.artifacts/qgis/<run>/``.
"""
from __future__ import annotations

import struct
from pathlib import Path

import pytest

pytestmark = pytest.mark.qgis_window

PLUGIN = "eo_scene_finder"

# Runs inside QGIS (see qgis_env: `harness`, `iface`, `scenario()` generator).
COMMON = r'''
import os, sys
import qgis.utils
from qgis.PyQt.QtWidgets import QAction, QDockWidget
from qgis.core import QgsApplication

PLUGIN = "eo_scene_finder"


def docks():
    return [d for d in iface.mainWindow().findChildren(QDockWidget) if d.objectName() == "EoSceneFinderDock"]


def ui_state():
    web_entries = 0
    for action in iface.webMenu().actions():
        menu = action.menu()
        if menu is not None:
            web_entries += sum(1 for a in menu.actions() if a.objectName() == "EoSceneFinderAction")
    return {
        "docks": len(docks()),
        "visible_docks": sum(1 for d in docks() if d.isVisible()),
        "toolbar_buttons": sum(1 for a in iface.pluginToolBar().actions() if a.objectName() == "EoSceneFinderAction"),
        "web_menu_entries": web_entries,
        "live_actions": sum(1 for a in iface.mainWindow().findChildren(QAction)
                            if a.objectName() == "EoSceneFinderAction"),
    }


def tasks_idle(quiet_ms=1500):
    """A predicate true once no QgsTask has run for ``quiet_ms`` (the dock chains tasks)."""
    state = {"since": None}

    def idle():
        import time
        if QgsApplication.taskManager().countActiveTasks():
            state["since"] = None
            return False
        state["since"] = state["since"] or time.monotonic()
        return (time.monotonic() - state["since"]) * 1000 >= quiet_ms
    return idle


def dock_visible():
    return any(d.isVisible() for d in docks())
'''

SMOKE = COMMON + r'''
def vendoring_report():
    plugin_dir = os.path.dirname(sys.modules[PLUGIN].__file__)
    vendor_dir = os.path.join(plugin_dir, "_vendor") + os.sep
    wrong_names = sorted(name for name, mod in list(sys.modules.items())
                         if (getattr(mod, "__file__", None) or "").startswith(vendor_dir)
                         and not name.startswith(PLUGIN + "._vendor"))
    from eo_scene_finder._vendor import keyring, pystac, pystac_client
    from eo_scene_finder._vendor.keyring import backend as keyring_backend, core as keyring_core
    ring = keyring.get_keyring()
    named = keyring_core.load_keyring("keyring.backends.null.Keyring")
    pystac.EXTENSION_HOOKS._discover()
    hooks = pystac.EXTENSION_HOOKS.hooks
    return {
        "plugin_dir": plugin_dir,
        "modules_from_vendor_with_global_names": wrong_names,
        "vendored_loaded": sorted(n for n in sys.modules if n.startswith(PLUGIN + "._vendor.")
                                  and n.count(".") == 2),
        "pystac_client_version": pystac_client.__version__,
        "keyring_backend": type(ring).__module__ + "." + type(ring).__name__,
        "keyring_backend_classes": sorted(c.__module__ for c in keyring_backend.KeyringBackend._classes),
        "keyring_named_backend": type(named).__module__,
        "pystac_hook_modules": sorted({type(h).__module__ for h in hooks.values()}),
        "pystac_hooks": sorted(hooks),
    }


def scenario():
    R = harness.result
    R["active_at_start"] = PLUGIN in qgis.utils.active_plugins
    R["plugin_file"] = sys.modules[PLUGIN].__file__
    R["ui_before_dock"] = ui_state()
    plugin = qgis.utils.plugins[PLUGIN]
    plugin.show_dock()
    yield (dock_visible, 10000)
    yield (tasks_idle(), 30000)
    R["ui_with_dock"] = ui_state()
    R["dock_title"] = docks()[0].windowTitle() if docks() else None
    harness.screenshot(os.path.join(harness.workdir, "smoke-dock.png"))
    R["vendoring"] = vendoring_report()

    R["cycles"] = []
    for cycle in range(2):
        step = {"unloaded": qgis.utils.unloadPlugin(PLUGIN)}
        yield (lambda: ui_state()["docks"] == 0 and ui_state()["live_actions"] == 0, 5000)
        step["ui_after_unload"] = ui_state()
        step["module_after_unload"] = PLUGIN in sys.modules
        step["loaded"] = qgis.utils.loadPlugin(PLUGIN)
        step["started"] = qgis.utils.startPlugin(PLUGIN)
        step["ui_after_load"] = ui_state()
        qgis.utils.plugins[PLUGIN].show_dock()
        yield (dock_visible, 10000)
        yield (tasks_idle(), 30000)
        step["ui_with_dock"] = ui_state()
        R["cycles"].append(step)
'''

INSTALL_FROM_ZIP = COMMON + r'''
def scenario():
    import pyplugin_installer
    from qgis.core import QgsSettings
    R = harness.result
    R["available_before"] = PLUGIN in qgis.utils.available_plugins
    pyplugin_installer.instance().installFromZipFile(os.environ["EOSF_TEST_ZIP"])
    yield (lambda: PLUGIN in qgis.utils.active_plugins, 15000)
    R["active"] = PLUGIN in qgis.utils.active_plugins
    R["plugin_file"] = sys.modules[PLUGIN].__file__ if PLUGIN in sys.modules else None
    R["enabled_setting"] = QgsSettings().value("PythonPlugins/" + PLUGIN, False, type=bool)
    R["ui_after_install"] = ui_state()
    qgis.utils.plugins[PLUGIN].show_dock()
    yield (dock_visible, 10000)
    yield (tasks_idle(), 30000)
    R["ui_with_dock"] = ui_state()
'''

NO_SHAPELY = COMMON + r'''
def scenario():
    from qgis.core import QgsProject, QgsVectorLayer, QgsFeature, QgsGeometry, QgsPointXY
    R = harness.result
    try:
        import shapely  # noqa: F401
        R["shapely_importable"] = True
    except ImportError:
        R["shapely_importable"] = False
    R["active"] = PLUGIN in qgis.utils.active_plugins
    plugin = qgis.utils.plugins[PLUGIN]
    plugin.show_dock()
    bar = iface.messageBar()
    yield (lambda: any("shapely" in (i.text() + i.title()) for i in bar.items()), 10000)
    R["message_bar"] = [{"title": i.title(), "text": i.text(), "level": int(i.level())} for i in bar.items()]
    R["ui_after_attempt"] = ui_state()
    R["action_checked"] = bool(plugin.action is not None and plugin.action.isChecked())
    harness.screenshot(os.path.join(harness.workdir, "missing-shapely.png"))
    # QGIS keeps working: a layer can be added, edited and drawn
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "still working", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(10, 50)))
    layer.dataProvider().addFeatures([feature])
    QgsProject.instance().addMapLayer(layer)
    iface.mapCanvas().setExtent(layer.extent().buffered(1))
    iface.mapCanvas().refresh()
    yield (lambda: not iface.mapCanvas().isDrawing(), 10000)
    R["layers"] = [l.name() for l in QgsProject.instance().mapLayers().values()]
    R["feature_count"] = layer.featureCount()
    R["main_window_visible"] = iface.mainWindow().isVisible()
'''


def _png_size(path: Path):
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def _plugin_tracebacks(run):
    """Unexpected exceptions the plugin caught and logged itself (its own log tag)."""
    return [m["message"] for m in run.messages
            if m["tag"] == "EO Scene Finder" and "Traceback" in m["message"]]


@pytest.fixture(scope="module")
def smoke_run(qgis_profile_factory, run_qgis_window):
    profile = qgis_profile_factory("smoke")
    run = run_qgis_window(SMOKE, profile.root, "smoke")
    run.profile = profile
    return run


@pytest.fixture(scope="module")
def install_run(qgis_profile_factory, run_qgis_window, plugin_zip):
    profile = qgis_profile_factory("install", install=False)
    run = run_qgis_window(INSTALL_FROM_ZIP, profile.root, "install", env={"EOSF_TEST_ZIP": str(plugin_zip)})
    run.profile = profile
    return run


@pytest.fixture(scope="module")
def no_shapely_run(qgis_profile_factory, run_qgis_window):
    profile = qgis_profile_factory("no-shapely")
    run = run_qgis_window(NO_SHAPELY, profile.root, "no_shapely", block_imports=["shapely"])
    run.profile = profile
    return run


def test_plugin_from_zip_loads_at_startup_without_python_error(smoke_run):
    run = smoke_run
    assert run.result.get("finished") and not run.timed_out, run.describe()
    assert run.result["active_at_start"], run.describe()
    # the code QGIS runs is the unpacked zip in the temporary profile, not the working tree
    assert run.result["plugin_file"].startswith(str(run.profile.plugin_dir)), run.result["plugin_file"]
    assert run.python_errors() == [], run.describe()
    assert _plugin_tracebacks(run) == [], run.describe()
    assert run.returncode == 0, run.describe()


def test_dock_opens_visible_with_one_button_and_one_menu_entry(smoke_run):
    result = smoke_run.result
    assert result["ui_before_dock"] == {"docks": 0, "visible_docks": 0, "toolbar_buttons": 1,
                                        "web_menu_entries": 1, "live_actions": 1}, smoke_run.describe()
    assert result["ui_with_dock"] == {"docks": 1, "visible_docks": 1, "toolbar_buttons": 1,
                                      "web_menu_entries": 1, "live_actions": 1}, smoke_run.describe()
    assert result["dock_title"] == "EO Scene Finder"
    shot = smoke_run.workdir / "smoke-dock.png"
    assert shot.exists(), smoke_run.describe()
    assert _png_size(shot) == (1600, 1000)
    assert shot.stat().st_size > 30_000  # a real, painted window, not a blank image


def test_unload_and_reload_leave_no_duplicates(smoke_run):
    cycles = smoke_run.result["cycles"]
    assert len(cycles) == 2, smoke_run.describe()
    for step in cycles:
        assert step["unloaded"] and step["loaded"] and step["started"], step
        assert step["ui_after_unload"] == {"docks": 0, "visible_docks": 0, "toolbar_buttons": 0,
                                           "web_menu_entries": 0, "live_actions": 0}, step
        assert not step["module_after_unload"], step
        assert step["ui_after_load"]["toolbar_buttons"] == 1 and step["ui_after_load"]["docks"] == 0, step
        assert step["ui_after_load"]["web_menu_entries"] == 1, step
        assert step["ui_with_dock"] == {"docks": 1, "visible_docks": 1, "toolbar_buttons": 1,
                                        "web_menu_entries": 1, "live_actions": 1}, step


def test_vendored_dependencies_work_inside_qgis_under_their_own_names(smoke_run):
    report = smoke_run.result["vendoring"]
    prefix = "eo_scene_finder._vendor."
    # nothing from _vendor was ever imported under a global name (no shadowing)
    assert report["modules_from_vendor_with_global_names"] == []
    assert report["pystac_client_version"]
    # keyring found its built-in backends through the vendored entry points and picked one
    # (no D-Bus session under Xvfb: the chainer/fail backend) without crashing
    assert report["keyring_backend"].startswith(prefix + "keyring.backends."), report
    classes = report["keyring_backend_classes"]
    for backend in ("SecretService", "kwallet", "libsecret", "chainer", "fail"):
        assert prefix + "keyring.backends." + backend in classes, classes
    assert all(c.startswith(prefix) for c in classes), classes
    # a backend named the usual way (PYTHON_KEYRING_BACKEND / keyringrc.cfg) is the vendored one
    assert report["keyring_named_backend"] == prefix + "keyring.backends.null"
    # pystac's extension hooks (entry points of the pystac-ext-* wheels) are found, vendored
    assert "https://stac-extensions.github.io/eo/v1.1.0/schema.json" in report["pystac_hooks"]
    assert report["pystac_hook_modules"] and all(m.startswith(prefix + "pystac.extensions.")
                                                 for m in report["pystac_hook_modules"]), report


def test_qgis_install_from_zip_into_empty_profile(install_run):
    run = install_run
    assert run.result.get("finished") and not run.timed_out, run.describe()
    assert run.result["available_before"] is False
    assert run.result["active"] and run.result["enabled_setting"], run.describe()
    assert run.result["plugin_file"].startswith(str(run.profile.plugin_dir)), run.result["plugin_file"]
    assert run.result["ui_with_dock"]["visible_docks"] == 1, run.describe()
    assert run.result["ui_with_dock"]["toolbar_buttons"] == 1, run.describe()
    assert run.python_errors() == [], run.describe()
    assert _plugin_tracebacks(run) == [], run.describe()


def test_missing_shapely_is_named_in_the_message_bar_and_qgis_keeps_working(no_shapely_run):
    run = no_shapely_run
    result = run.result
    assert result.get("finished") and not run.timed_out, run.describe()
    assert result["shapely_importable"] is False
    assert result["active"], run.describe()  # the plugin itself still loads
    texts = [m["title"] + " " + m["text"] for m in result["message_bar"]]
    missing = [t for t in texts if "shapely" in t]
    assert missing, texts
    assert "python3-shapely" in missing[0], missing  # how to install it
    assert result["ui_after_attempt"]["docks"] == 0 and not result["action_checked"], result
    assert result["layers"] == ["still working"] and result["feature_count"] == 1, result
    assert result["main_window_visible"]
    assert run.python_errors() == [], run.describe()
