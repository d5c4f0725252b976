"""Translations (French, Brazilian Portuguese): every user-facing string of the QGIS side is
wrapped in ``tr()``, every wrapped string has a finished translation with the same
``{placeholders}``, and the built ``.qm`` really turns the panel and the Processing
algorithms French (``qgis_process`` with a French QGIS profile)."""
from __future__ import annotations

import importlib.util
import shutil
import string
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import qgis_env

REPO = Path(__file__).resolve().parents[1]


def _load_script():
    spec = importlib.util.spec_from_file_location("i18n_script", REPO / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


i18n_script = _load_script()
LANGUAGES = ("fr", "pt_BR")


# --------------------------------------------------------------------------------------------
# (a) nothing shown to the user escapes tr()

UNWRAPPED_SAMPLE = '''
label = QLabel("Collections")                                          # 2
button.setText(f"Search {name}")                                       # 3
edit.setToolTip("Filter " + what)                                      # 4
edit.setPlaceholderText("Type here")                                   # 5
self.setWindowTitle("Connections")                                     # 6
tabs.addTab(widget, "Scene")                                           # 7
tree.setHeaderLabels(["Asset", tr("Type")])                            # 8
combo.addItem("Newest first", "-datetime")                             # 9
QMessageBox.warning(self, "Import", "It failed")                       # 10
iface.messageBar().pushMessage("EO", f"{n} scenes found", Qgis.Info)   # 11
feedback.pushInfo(f"Found {count} scenes.")                            # 12
feedback.reportError("Broken")                                         # 13
feedback.pushWarning("Careful")                                        # 14
QgsProcessingParameterString("NAME", "Connection", defaultValue="demo")  # 15
QAction(icon, "Zoom to scene", parent)                                 # 16
raise QgsProcessingException("Could not create the output layer.")     # 17
self._set_status("Choose a connection first.", error=True)             # 18
task = FunctionTask(f"EO Scene Finder: open {sid}", fetch)             # 19
painter.drawText(rect, 0, "Scenes over time appear here")              # 20
raise SceneLayerError(f"Scene {sid} has no record")                    # 21
log_message("Could not read saved connections", Qgis.Warning)          # 22
self.statusChanged.emit("No scene matches.", False)                    # 23
box.setStatusTip("Hint")                                               # 24
QgsProcessingParameterEnum("FORMAT", tr("Format"), options=["CSV listing", "GeoPackage"])  # 25
def displayName(self):                                                 # 26
    return "Search scenes"                                             # 27
def shortHelpString(self):                                             # 28
    return "Searches a catalog " + "and writes polygons"               # 29
'''

WRAPPED_SAMPLE = '''
label = QLabel(tr("Collections"))
button.setText(tr("Search {name}").format(name=name))
close.setText("✕")
button.setText("…")
QLabel(f'<a href="{url}">{url}</a>')
combo.addItem(tr("Newest first"), "-datetime")
self.setObjectName("searchButton")
settings.setValue("eo_scene_finder/limit", 100)
QgsProcessingParameterString("NAME", tr("Connection"), defaultValue="demo")
raise ValueError(f"unknown basemap {kind!r}")
def displayName(self):
    return tr("Search scenes")
def name(self):
    return "search"
def groupId(self):
    return "scenes"
'''


def test_the_scanner_catches_each_kind_of_unwrapped_string():
    found = i18n_script.unwrapped_in_source(textwrap.dedent(UNWRAPPED_SAMPLE))
    lines = {line for line, _snippet in found}
    assert lines == set(range(2, 26)) | {27, 29}, found
    # title and text of the message box are both reported
    assert sum(1 for line, _s in found if line == 10) == 2


def test_the_scanner_leaves_wrapped_strings_symbols_ids_and_keys_alone():
    assert i18n_script.unwrapped_in_source(textwrap.dedent(WRAPPED_SAMPLE)) == []


def test_every_user_facing_string_is_wrapped_for_translation():
    problems = i18n_script.unwrapped()
    assert not problems, ("wrap these in tr() (i18n.py), then run `python3 scripts/i18n.py update` and "
                          "translate the new entries:\n" + "\n".join(problems))


def test_tr_takes_literals_so_they_can_be_extracted():
    assert i18n_script.non_literal_tr_calls() == [], (
        "tr() must get the literal text; put .format(...) on tr()'s result")


def test_the_shipped_code_has_a_large_body_of_extracted_messages():
    messages = i18n_script.extract()
    # a broken extraction (wrong function name, wrong folders) would find next to nothing
    assert len(messages) > 300
    assert "Search" in messages and "Cloud %" in messages and "Search scenes" in messages
    assert any(path == "ui/dock.py" for path, _line in messages["Search"])


# --------------------------------------------------------------------------------------------
# (b) the .ts files are complete

def _placeholders(text: str):
    return sorted({field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field})


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_finished_translation_with_the_same_placeholders(language):
    path = i18n_script.ts_path(language)
    assert path.is_file(), f"{path} is missing: python3 scripts/i18n.py update {language}"
    entries = i18n_script.read_ts(path)
    missing, unfinished, wrong = [], [], []
    for source in i18n_script.extract():
        if source not in entries:
            missing.append(source)
            continue
        translation, kind = entries[source]
        if kind or not translation.strip():
            unfinished.append(source)
        elif _placeholders(translation) != _placeholders(source):
            wrong.append(f"{source!r} -> {translation!r}")
        elif source.startswith(" ") != translation.startswith(" "):
            wrong.append(f"leading space differs: {source!r} -> {translation!r}")
    assert not missing, f"{path.name} lacks (run scripts/i18n.py update):\n" + "\n".join(missing)
    assert not unfinished, f"{path.name}: unfinished or empty:\n" + "\n".join(unfinished)
    assert not wrong, f"{path.name}: placeholders differ:\n" + "\n".join(wrong)


def test_update_keeps_translations_adds_new_sources_and_marks_vanished_ones(tmp_path):
    repo = tmp_path / "repo"
    (repo / "ui").mkdir(parents=True)
    (repo / "ui" / "panel.py").write_text('QLabel(tr("Search"))\nQLabel(tr("Old text"))\n', encoding="utf-8")
    i18n_dir = tmp_path / "i18n"
    i18n_script.update(["fr"], repo=repo, i18n_dir=i18n_dir)
    ts = i18n_script.ts_path("fr", i18n_dir)
    assert i18n_script.read_ts(ts) == {"Search": ("", "unfinished"), "Old text": ("", "unfinished")}
    text = ts.read_text(encoding="utf-8")
    ts.write_text(text.replace('<translation type="unfinished" />', "<translation>Rechercher</translation>", 1),
                  encoding="utf-8")
    entries = i18n_script.read_ts(ts)
    entries["Old text"] = ("Ancien texte", "")
    i18n_script.write_ts(ts, "fr", i18n_script.extract(repo), entries)
    (repo / "ui" / "panel.py").write_text('QLabel(tr("Search"))\nQLabel(tr("New text"))\n', encoding="utf-8")
    i18n_script.update(["fr"], repo=repo, i18n_dir=i18n_dir)
    assert i18n_script.read_ts(ts) == {"Search": ("Rechercher", ""), "New text": ("", "unfinished"),
                                       "Old text": ("Ancien texte", "vanished")}
    lrelease = shutil.which("lrelease")
    assert lrelease, "lrelease (qttools5-dev-tools) is needed: make deps"
    subprocess.run([lrelease, "-silent", str(ts), "-qm", str(tmp_path / "x.qm")], check=True)
    assert (tmp_path / "x.qm").stat().st_size > 0


# --------------------------------------------------------------------------------------------
# (c) the built .qm makes the panel French

@pytest.fixture(scope="module")
def built_qm(tmp_path_factory):
    lrelease = shutil.which("lrelease")
    assert lrelease, "lrelease (qttools5-dev-tools) is needed: make deps"
    out = tmp_path_factory.mktemp("qm")
    for language in LANGUAGES:
        subprocess.run([lrelease, "-silent", str(i18n_script.ts_path(language)), "-qm",
                        str(out / f"eo_scene_finder_{language}.qm")], check=True)
    return out


def test_locale_picks_the_most_specific_file_then_the_language(built_qm):
    from eo_scene_finder import i18n

    names = [Path(p).name for p in i18n.candidate_files("fr_CA", str(built_qm))]
    assert names == ["eo_scene_finder_fr_CA.qm", "eo_scene_finder_fr.qm"]
    assert [Path(p).name for p in i18n.candidate_files("pt_PT", str(built_qm))][-1] == "eo_scene_finder_pt_BR.qm"


@pytest.mark.parametrize("locale, search, cloud, countries", [
    ("fr_FR", "Rechercher", "Nuages %", "Pays"),
    ("fr_BE", "Rechercher", "Nuages %", "Pays"),
    ("pt_BR", "Buscar", "Nuvens %", "Países"),
    ("pt_PT", "Buscar", "Nuvens %", "Países"),
])
def test_the_panel_speaks_the_qgis_locale(built_qm, qgis_iface, qgis_new_project, locale, search, cloud,
                                          countries):
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtWidgets import QPushButton

    from eo_scene_finder import i18n
    from eo_scene_finder.ui.dock import SceneFinderDock
    from eo_scene_finder.ui.results_model import CLOUD_COLUMN, DATE_COLUMN

    translator = i18n.install_translator(locale, str(built_qm))
    assert translator is not None
    dock = None
    try:
        dock = SceneFinderDock(qgis_iface)
        buttons = {b.objectName(): b.text() for b in dock.findChildren(QPushButton)}
        assert buttons["searchButton"] == search, buttons
        header = dock.results_model.headerData
        assert header(CLOUD_COLUMN, Qt.Orientation.Horizontal) == cloud
        assert header(DATE_COLUMN, Qt.Orientation.Horizontal) == ("Date" if locale.startswith("fr") else "Data")
        assert dock.basemap_buttons["countries"].text() == countries
        assert dock.tabs.tabText(0) == search
    finally:
        if dock is not None:
            dock.shutdown()
            dock.deleteLater()
        i18n.remove_translator(translator)
    # English again once the translator is gone
    from eo_scene_finder.i18n import tr
    assert tr("Search") == "Search"


def test_no_translator_for_english_or_an_unknown_language(built_qm):
    from eo_scene_finder import i18n

    assert i18n.install_translator("en_US", str(built_qm)) is None
    assert i18n.install_translator("ja_JP", str(built_qm)) is None


def test_the_locale_follows_qgis_settings_override_first():
    from qgis.core import QgsSettings
    from qgis.PyQt.QtCore import QLocale

    from eo_scene_finder import i18n

    settings = QgsSettings()
    saved = {k: settings.value(k) for k in ("locale/userLocale", "locale/overrideFlag")}
    try:
        settings.setValue("locale/userLocale", "pt_BR")
        settings.setValue("locale/overrideFlag", True)
        assert i18n.qgis_locale() == "pt_BR"
        settings.setValue("locale/overrideFlag", False)
        assert i18n.qgis_locale() == QLocale().name()
    finally:
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)


def test_the_plugin_installs_the_translator_of_the_qgis_locale_and_removes_it_on_unload(
        built_qm, qgis_iface, monkeypatch):
    from qgis.core import QgsSettings

    from eo_scene_finder import i18n
    from eo_scene_finder.plugin import EoSceneFinderPlugin

    monkeypatch.setattr(i18n, "I18N_DIR", str(built_qm))
    settings = QgsSettings()
    saved = {k: settings.value(k) for k in ("locale/userLocale", "locale/overrideFlag")}
    try:
        settings.setValue("locale/userLocale", "fr_FR")
        settings.setValue("locale/overrideFlag", True)
        plugin = EoSceneFinderPlugin(qgis_iface)
        assert i18n.tr("Search scenes") == "Rechercher des scènes"
        plugin.unload()
        assert i18n.tr("Search scenes") == "Search scenes"
    finally:
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)


# --------------------------------------------------------------------------------------------
# (d) qgis_process in a French QGIS profile: the algorithm is French

def test_qgis_process_shows_the_algorithm_in_french(qgis_profile_factory):
    sys.path.insert(0, str(REPO / "scripts"))
    import qgis_profile

    profile = qgis_profile_factory("qgis-process-fr")
    qgis_profile.configure(profile.root, "default", enable=None,
                           extra={"locale/userLocale": "fr_FR", "locale/overrideFlag": True})
    proc = qgis_env.run_qgis_process(["help", "eoscenefinder:search"], profile.root, timeout=180)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Rechercher des scènes" in out, out
    assert "Couverture nuageuse maximale (%)" in out
    assert "Interroge un ou plusieurs catalogues" in out  # the help text
    # parameter names are the public contract: never translated
    assert "MAX_CLOUD" in out and "CONNECTION" in out
