"""The connection manager and the browser-login dialog, driven with real clicks."""
from __future__ import annotations

import json
import socket
import time

import pytest
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QSettings, Qt, QTimer
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QApplication, QDialogButtonBox, QLabel, QLineEdit, QMessageBox

from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.auth.credentials import CredentialStore, KeyringSecretStore
from eo_scene_finder.services.connection_store import ConnectionStore
from eo_scene_finder.ui.connections_dialog import ConnectionsDialog
from eo_scene_finder.ui.device_code_dialog import DeviceCodeDialog, DeviceCodePrompt
from fixtures import token_servers as ts


def wait_until(condition, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        QTest.qWait(20)
    raise AssertionError(f"timed out waiting for {what}")


def click(widget):
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(edit: QLineEdit, text: str):
    edit.clear()
    QTest.keyClicks(edit, text)


def choose(combo, data):
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


@pytest.fixture
def store(tmp_path, memory_keyring, qgis_app):
    settings = QgsSettings(str(tmp_path / "QGIS3.ini"), QSettings.Format.IniFormat)
    return ConnectionStore(settings=settings, credentials=CredentialStore(KeyringSecretStore(), environ={}))


@pytest.fixture
def dialog(store):
    dlg = ConnectionsDialog(None, store)
    dlg.show()
    yield dlg
    if dlg.editor is not None:
        dlg.editor.close()
    for d in list(DeviceCodePrompt.instance().dialogs):
        d.close()
    dlg.close()
    dlg.deleteLater()


def new_editor(dialog):
    click(dialog.new_button)
    editor = dialog.editor
    assert editor is not None and editor.isVisible()
    return editor


def ok(editor):
    click(editor.buttons.button(QDialogButtonBox.StandardButton.Ok))


def test_new_cdse_connection_is_prefilled_and_its_password_goes_to_the_keyring(dialog, store, memory_keyring, tmp_path):
    editor = new_editor(dialog)
    type_into(editor.name_edit, "My CDSE")
    choose(editor.kind_combo, "cdse")
    assert editor.url_edit.text() == "https://catalogue.dataspace.copernicus.eu/odata/v1"
    assert editor.page_size_spin.value() == 1000
    assert "identity.dataspace.copernicus.eu" in editor.findChild(QLineEdit, "endpoint_token_url").text()
    assert not editor.signing_combo.isVisible()
    choose(editor.kind_combo, "creodias")                   # endpoints follow the kind
    assert "identity.cloudferro.com" in editor.findChild(QLineEdit, "endpoint_token_url").text()
    assert editor.findChild(QLineEdit, "endpoint_client_id").text() == "CLOUDFERRO_PUBLIC"
    choose(editor.kind_combo, "cdse")
    type_into(editor.findChild(QLineEdit, "cred_username"), "ana@example.org")
    password = editor.findChild(QLineEdit, "cred_password")
    assert password.echoMode() == QLineEdit.EchoMode.Password
    type_into(password, "pw-Dialog-4417")
    ok(editor)
    assert not editor.isVisible()
    assert dialog.connection_list.currentItem().text() == "My CDSE"
    saved = store.get("My CDSE")
    assert saved.kind == "cdse" and saved.options["page_size"] == 1000
    assert saved.options["client_id"] == "cdse-public"
    assert store.credentials.stored("My CDSE").to_dict() == {"username": "ana@example.org", "password": "pw-Dialog-4417"}
    store.settings().sync()
    assert "pw-Dialog-4417" not in (tmp_path / "QGIS3.ini").read_text()
    assert "OS keyring" in dialog.details.text()


def test_preset_fills_kind_signing_and_endpoints(dialog):
    editor = new_editor(dialog)
    choose(editor.preset_combo, "dinamis")
    assert editor.kind() == "stac-api" and editor.signing() == "dinamis"
    assert editor.findChild(QLineEdit, "endpoint_signing_url").text().startswith("https://s3-signing")
    assert editor.name_edit.text()
    assert editor.findChild(QLineEdit, "cred_access_key") is not None
    assert editor.login_button.isVisible()
    choose(editor.signing_combo, "planetary-computer")
    assert editor.findChild(QLineEdit, "cred_subscription_key") is not None
    assert "planetarycomputer" in editor.findChild(QLineEdit, "endpoint_signing_url").text()
    assert not editor.login_button.isVisible()


def test_a_secret_in_the_url_is_refused_and_the_editor_stays_open(dialog, store):
    editor = new_editor(dialog)
    type_into(editor.name_edit, "Leaky")
    type_into(editor.url_edit, "https://example.org/stac?token=abc123")
    ok(editor)
    assert editor.isVisible() and "plain text" in editor.error_label.text()
    assert store.names() == []


def _test_and_wait(editor):
    click(editor.test_button)
    wait_until(lambda: editor.test_button.isEnabled() and editor.test_result.text()
               and not editor.test_result.text().startswith("Testing"), what="the test result")
    return editor.test_result.text()


def test_test_connection_answers_in_plain_words(dialog, auth_server):
    auth_server.state.protect_stac = False
    editor = new_editor(dialog)
    type_into(editor.name_edit, "Loopback")
    type_into(editor.url_edit, auth_server.stac_url)
    text = _test_and_wait(editor)
    assert text.startswith("✓ Reachable: STAC API “loopback”")
    assert "item search" in text and "filter" in text


def test_test_connection_says_exactly_what_failed(dialog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    editor = new_editor(dialog)
    type_into(editor.url_edit, f"http://127.0.0.1:{port}/stac")
    text = _test_and_wait(editor)
    assert text.startswith("✗ The STAC API could not be reached")


def test_test_connection_logs_in_to_a_cdse_like_service(dialog, auth_server):
    editor = new_editor(dialog)
    type_into(editor.name_edit, "Loopback CDSE")
    choose(editor.kind_combo, "cdse")
    type_into(editor.url_edit, auth_server.url + "/odata/v1")
    type_into(editor.findChild(QLineEdit, "endpoint_token_url"), auth_server.token_url)
    type_into(editor.findChild(QLineEdit, "cred_username"), ts.USERNAME)
    type_into(editor.findChild(QLineEdit, "cred_password"), "not-the-password")
    text = _test_and_wait(editor)
    assert text.startswith("✗ Credentials rejected for Loopback CDSE")
    type_into(editor.findChild(QLineEdit, "cred_password"), ts.PASSWORD)
    text = _test_and_wait(editor)
    assert "✓ Credentials accepted: logged in to Copernicus Data Space." in text
    assert "✓ Reachable: the OData catalogue answered" in text


def test_duplicate_and_remove_with_clicks(dialog, store, memory_keyring):
    store.save(Connection("Team", "cdse", "https://x.org/odata/v1"), credentials={"username": "u", "password": "pw-dup-1"})
    dialog.refresh(select="Team")
    click(dialog.duplicate_button)
    assert dialog.selected_name() == "Team (copy)"
    assert store.credentials.stored("Team (copy)")["password"] == "pw-dup-1"

    def answer_yes():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            click(box.button(QMessageBox.StandardButton.Yes))
        else:
            QTimer.singleShot(20, answer_yes)

    QTimer.singleShot(20, answer_yes)
    click(dialog.remove_button)
    assert store.names() == ["Team"]
    assert not store.credentials.stored("Team (copy)")


def test_edit_keeps_secrets_and_renames(dialog, store):
    store.save(Connection("Old name", "creodias", "https://datahub.example/odata/v1"),
               credentials={"username": "u", "password": "p-edit-9"})
    dialog.refresh(select="Old name")
    click(dialog.edit_button)
    editor = dialog.editor
    assert editor.findChild(QLineEdit, "cred_password").text() == "p-edit-9"
    type_into(editor.name_edit, "New name")
    ok(editor)
    assert store.names() == ["New name"]
    assert store.credentials.stored("New name").to_dict() == {"username": "u", "password": "p-edit-9"}


def test_export_and_import_from_the_dialog(dialog, store, tmp_path):
    store.save(Connection("A", "stac-api", "https://a.example/stac"), credentials={})
    store.save(Connection("PC", "stac-api", "https://pc.example/stac", {"signing": "planetary-computer"}),
               credentials={"subscription_key": "pc-Export-31"})
    path = str(tmp_path / "c.json")
    assert dialog.export_to(path) == 2
    assert "pc-Export-31" not in open(path).read()
    assert "without credentials" in dialog.details.text()
    assert dialog.import_from(path) == ["A (2)", "PC (2)"]
    assert "Imported 2" in dialog.details.text()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"hello": 1}))
    QTimer.singleShot(50, lambda: QApplication.activeModalWidget() and QApplication.activeModalWidget().close())
    assert dialog.import_from(str(bad)) == []


# ------------------------------------------------------------------ browser login (device code)

def dinamis_editor(dialog, auth_server):
    editor = new_editor(dialog)
    type_into(editor.name_edit, "DINAMIS")
    choose(editor.signing_combo, "dinamis")
    type_into(editor.url_edit, auth_server.stac_url)
    type_into(editor.findChild(QLineEdit, "endpoint_signing_url"), auth_server.signing_url)
    return editor


def device_dialog():
    dialogs = DeviceCodePrompt.instance().dialogs
    return next(iter(dialogs)) if dialogs else None


def test_browser_login_shows_link_and_code_and_keeps_the_login(dialog, store, auth_server):
    editor = dinamis_editor(dialog, auth_server)
    click(editor.login_button)
    wait_until(lambda: device_dialog() is not None, what="the login dialog")
    dlg = device_dialog()
    link = dlg.findChild(QLabel, "verificationLink")
    code = dlg.findChild(QLabel, "userCode").text()
    assert code in auth_server.state.pending_user_codes()
    assert f"user_code={code}" in link.text() and link.openExternalLinks()
    assert "expires in" in dlg.findChild(QLabel, "loginStatus").text()
    auth_server.state.approve_all()
    wait_until(lambda: not dlg.isVisible(), what="the login dialog to close")
    wait_until(lambda: "Logged in" in editor.test_result.text(), what="the login result")
    ok(editor)
    kept = store.credentials.stored("DINAMIS")
    assert kept.get("refresh_token") and "access_key" not in kept
    assert auth_server.counts["device_authorization"] == 1
    # Log out forgets the kept login
    dialog.refresh(select="DINAMIS")
    click(dialog.edit_button)
    editor = dialog.editor
    assert editor.logout_button.isEnabled()
    click(editor.logout_button)
    assert not editor.logout_button.isEnabled() and "Logged out" in editor.test_result.text()
    ok(editor)
    assert not store.credentials.stored("DINAMIS").get("refresh_token")


def test_browser_login_cancel(dialog, auth_server):
    editor = dinamis_editor(dialog, auth_server)
    click(editor.login_button)
    wait_until(lambda: device_dialog() is not None, what="the login dialog")
    dlg = device_dialog()
    click(dlg.buttons.button(QDialogButtonBox.StandardButton.Cancel))
    wait_until(lambda: editor.login_button.isEnabled(), what="the login task to end")
    assert "cancelled" in editor.test_result.text()
    assert not dlg.isVisible()


def test_browser_login_expiry_is_explained(dialog, auth_server):
    auth_server.state.device_script = ["authorization_pending", "expired_token"]
    editor = dinamis_editor(dialog, auth_server)
    click(editor.login_button)
    wait_until(lambda: device_dialog() is not None, what="the login dialog")
    dlg = device_dialog()
    wait_until(lambda: "expired" in dlg.findChild(QLabel, "loginStatus").text(), what="the expiry message")
    assert dlg.buttons.button(QDialogButtonBox.StandardButton.Close) is not None
    wait_until(lambda: editor.login_button.isEnabled())
    assert "expired" in editor.test_result.text()


def test_test_connection_with_dinamis_logs_in_once(dialog, store, auth_server):
    auth_server.state.protect_stac = False
    auth_server.state.device_auto_approve = True
    editor = dinamis_editor(dialog, auth_server)
    click(editor.test_button)
    wait_until(lambda: editor.test_button.isEnabled() and "Reachable" in editor.test_result.text(),
               what="the test result")
    text = editor.test_result.text()
    assert "logged in to DINAMIS and the signing service took the token" in text
    ok(editor)
    assert store.credentials.stored("DINAMIS").get("refresh_token")


def test_cdse_catalogue_cache_setting_and_clear_action(dialog, store, cdse):
    """Off by default; ticked, the connection caches catalogue answers on disk, a repeated
    search costs no request, and Clear cache empties it."""
    from eo_scene_finder.providers.connections import open_provider
    from eo_scene_finder.providers.model import SearchRequest

    editor = new_editor(dialog)
    type_into(editor.name_edit, "Cached CDSE")
    choose(editor.kind_combo, "cdse")
    assert editor.cache_box.isVisible() and not editor.cache_check.isChecked()
    editor.url_edit.setText(cdse.odata_url)
    editor.cache_check.setChecked(True)
    editor.cache_hours.setValue(2)
    ok(editor)
    saved = store.get("Cached CDSE")
    assert saved.options["cache_max_age"] == 7200 and saved.options["cache_dir"].endswith("Cached_CDSE")

    request = SearchRequest.create(collections=["SENTINEL-2"], start="2023-05-01", end="2023-05-03")
    first = open_provider(saved).search(request).all()
    before = cdse.stats()["counts"].get("products", 0)
    again = open_provider(saved).search(request).all()
    assert [s.id for s in again] == [s.id for s in first] and first
    assert cdse.stats()["counts"].get("products", 0) == before  # every answer came from the cache

    dialog.select("Cached CDSE")
    editor = dialog.edit_selected()
    assert editor.cache_check.isChecked() and editor.cache_hours.value() == 2
    assert editor.clear_cache() > 0
    assert editor.clear_cache() == 0
    editor.reject()


def test_the_creodias_editor_says_the_two_factor_code_is_needed(dialog):
    """CREODIAS refuses a login without it: the editor says so before anyone tries."""
    editor = new_editor(dialog)
    choose(editor.kind_combo, "creodias")
    note = editor.credentials_note.text()
    assert "CREODIAS needs the two-factor code or, better, the TOTP secret" in note
    assert "data terms accepted in the CREODIAS account" in note
    assert editor.findChild(QLineEdit, "cred_totp") is not None
    choose(editor.kind_combo, "cdse")
    assert "CREODIAS" not in editor.credentials_note.text()
