"""The connection manager: add, edit, duplicate, remove, import/export, test connections.

:class:`ConnectionsDialog` lists the saved connections (a :class:`services.connection_store.ConnectionStore`);
:class:`ConnectionEditor` edits one: kind (the kinds, their endpoints with defaults, signing
choices, credentials and checks come from the catalog specs, ``providers/catalogs/``), STAC
signing choice, page size, credentials (kept in the OS keyring, never in
the settings), **Test connection** (a QgsTask answering in plain words) and, for DINAMIS,
a browser login. :func:`check_connection` is the test itself (no widgets).
"""
from __future__ import annotations

import os
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                                 QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                                 QListWidgetItem, QMessageBox, QPushButton, QSpinBox, QVBoxLayout,
                                 QWidget)

from ..providers import errors
from ..providers.net import http
from ..providers.base import Connection
from ..providers.auth.credentials import CredentialStore, MemorySecretStore, is_totp_secret, scheme_for
from ..providers.auth.tokens import StaticHeadersSession, TokenManager
from ..providers.spec import ConnectionCheck
from ..i18n import tr



def _specs():
    from ..providers.catalogs import specs
    return specs()


def _spec(kind: Optional[str]):
    return _specs().get(kind) if kind else None


def _signing_choices(kind: Optional[str]):
    spec = _spec(kind)
    return {c.id: c for c in spec.signing} if spec is not None else {}


def _presets() -> Dict[str, Any]:
    from ..providers.connections import PRESETS
    return dict(PRESETS)


# --------------------------------------------------------------------------------------
# The test itself (runs in a task; no widgets)


def check_connection(connection: Connection, manager: TokenManager,
                     is_canceled: Callable[[], bool] = lambda: False) -> ConnectionCheck:
    """Reach the service, read what it is, log in: each step as a plain sentence."""
    result = ConnectionCheck()
    scheme = scheme_for(connection)
    session = http.new_session()
    headers: Dict[str, str] = {}
    try:
        # 1. credentials (logging in gets a token: that is the proof they work)
        if scheme.id != "none":
            service = scheme.service
            session_auth = manager.session_for(connection)
            headers = manager.headers(connection)
            if isinstance(session_auth, StaticHeadersSession):
                if not headers:
                    result.add(True, tr("No key set: public access only."))
                elif scheme.id == "dinamis":
                    _check_dinamis_signing(connection, session, headers)
                    result.add(True, tr("Credentials accepted: the DINAMIS signing service took the API key."))
                else:
                    result.add(True, tr("Key set (the service checks it on first use)."))
            elif scheme.id == "dinamis":
                _check_dinamis_signing(connection, session, headers)
                result.add(True, tr("Credentials accepted: logged in to DINAMIS and the signing service "
                                    "took the token."))
            else:
                result.add(True, tr("Credentials accepted: logged in to {service}.").format(service=service))
        if is_canceled():
            return result
        # 2. the service itself
        _spec(connection.kind).check_service(connection, session, headers, result) if _spec(connection.kind) \
            else result.add(False, tr("“{kind}” is not a catalog kind this version can open.").format(
                kind=connection.kind))
    except errors.EoSceneFinderError as err:
        result.add(False, err.user_message)
    finally:
        session.close()
    return result


def _check_dinamis_signing(connection: Connection, session, headers: Dict[str, str]) -> None:
    endpoint = connection.option("signing_url")
    if not endpoint:
        raise errors.InvalidRequestError(tr("The DINAMIS signing service URL is empty."))
    endpoint = endpoint if endpoint.endswith("/") else endpoint + "/"
    domain = str(connection.option("storage_domain", ".meso.umontpellier.fr")).lstrip(".")
    probe = f"https://eosf-check.{domain}/connection-test"
    http.request(session, "POST", endpoint + "sign_urls", params={"urls": [probe]}, headers=headers,
                 what="The DINAMIS signing service")


# --------------------------------------------------------------------------------------
# The manager dialog


class ConnectionsDialog(QDialog):
    """Saved connections: New…, Edit…, Duplicate, Remove, Import…, Export…."""

    def __init__(self, parent: Optional[QWidget] = None, store=None, token_manager: Optional[TokenManager] = None):
        super().__init__(parent)
        if store is None:
            from ..services.connection_store import ConnectionStore
            store = ConnectionStore()
        self.store = store
        self._token_manager = token_manager
        self.editor: Optional[ConnectionEditor] = None
        self.setObjectName("EoSceneFinderConnectionsDialog")
        self.setWindowTitle(tr("EO Scene Finder connections"))
        self.resize(640, 380)

        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.connection_list = QListWidget()
        self.connection_list.setObjectName("connectionList")
        self.connection_list.currentItemChanged.connect(lambda *_: self._update_details())
        self.connection_list.itemDoubleClicked.connect(lambda *_: self.edit_selected())
        left.addWidget(self.connection_list, 1)
        self.details = QLabel()
        self.details.setObjectName("connectionDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        left.addWidget(self.details)
        layout.addLayout(left, 1)

        buttons = QVBoxLayout()
        self.new_button = self._button(buttons, tr("New…"), "newButton", self.new_connection)
        self.edit_button = self._button(buttons, tr("Edit…"), "editButton", self.edit_selected)
        self.duplicate_button = self._button(buttons, tr("Duplicate"), "duplicateButton", self.duplicate_selected)
        self.remove_button = self._button(buttons, tr("Remove"), "removeButton", self.remove_selected)
        buttons.addSpacing(12)
        self.import_button = self._button(buttons, tr("Import…"), "importButton", self._import_clicked)
        self.export_button = self._button(buttons, tr("Export…"), "exportButton", self._export_clicked)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)
        layout.addLayout(buttons)

        if hasattr(self.store, "changed"):
            self.store.changed.connect(self.refresh)
        self.refresh()

    def _button(self, layout, text: str, name: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.clicked.connect(lambda _checked=False: slot())
        layout.addWidget(button)
        return button

    @property
    def token_manager(self) -> TokenManager:
        if self._token_manager is None:
            from ..services.credentials import token_manager
            self._token_manager = token_manager()
        return self._token_manager

    # list -----------------------------------------------------------------------------
    def refresh(self, select: Optional[str] = None) -> None:
        current = select or self.selected_name()
        self.connection_list.blockSignals(True)
        self.connection_list.clear()
        for conn in self.store.list():
            item = QListWidgetItem(conn.name)
            item.setData(Qt.ItemDataRole.UserRole, conn.name)
            item.setToolTip(f"{(_spec(conn.kind).title if _spec(conn.kind) else conn.kind)} — {conn.url}")
            self.connection_list.addItem(item)
            if conn.name == current:
                self.connection_list.setCurrentItem(item)
        if self.connection_list.currentItem() is None and self.connection_list.count():
            self.connection_list.setCurrentRow(0)
        self.connection_list.blockSignals(False)
        self._update_details()

    def selected_name(self) -> Optional[str]:
        item = self.connection_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select(self, name: str) -> None:
        self.refresh(select=name)

    def _update_details(self) -> None:
        name = self.selected_name()
        conn = self.store.get(name) if name else None
        for button in (self.edit_button, self.duplicate_button, self.remove_button):
            button.setEnabled(conn is not None)
        if conn is None:
            self.details.setText(tr("No connection yet: click New… to add one."))
            return
        if _spec(conn.kind) is None:
            # saved by an earlier version, or a kind whose provider is not in this one: kept as it is
            self.edit_button.setEnabled(False)
            self.details.setText(tr("{name}\n{url}\nThe kind “{kind}” is not available in this version: the "
                                    "connection is kept unchanged for a version that has it.").format(
                name=conn.name, url=conn.url, kind=conn.kind))
            return
        where = _credentials_location(self.store, conn)
        self.details.setText(f"{_spec(conn.kind).title}\n{conn.url}\n{where}")

    # actions -----------------------------------------------------------------------------
    def new_connection(self) -> "ConnectionEditor":
        return self._open_editor(None)

    def edit_selected(self) -> Optional["ConnectionEditor"]:
        name = self.selected_name()
        connection = self.store.get(name) if name else None
        if connection is None or _spec(connection.kind) is None:
            return None       # the editor would turn an unknown kind into another one
        return self._open_editor(connection)

    def _open_editor(self, connection: Optional[Connection]) -> "ConnectionEditor":
        self.editor = ConnectionEditor(self.store, connection, parent=self, token_manager=self._token_manager)
        self.editor.accepted.connect(lambda: self.refresh(select=self.editor.saved_name))
        self.editor.open()
        return self.editor

    def duplicate_selected(self) -> Optional[Connection]:
        name = self.selected_name()
        if not name:
            return None
        copy = self.store.duplicate(name)
        self.refresh(select=copy.name)
        return copy

    def remove_selected(self) -> bool:
        name = self.selected_name()
        if not name:
            return False
        answer = QMessageBox.question(
            self, tr("Remove connection"),
            tr("Remove the connection “{name}” and its saved credentials?").format(name=name),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return False
        if self._token_manager is not None:
            self._token_manager.forget(name)
        self.store.remove(name)
        self.refresh()
        return True

    def _import_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Import connections"), "", tr("JSON files (*.json)"))
        if path:
            self.import_from(path)

    def import_from(self, path: str) -> List[str]:
        try:
            names = self.store.import_json(path)
        except errors.EoSceneFinderError as err:
            QMessageBox.warning(self, tr("Import connections"), err.user_message)
            return []
        self.refresh(select=names[0] if names else None)
        self.details.setText(tr("Imported {count} connection(s). Add their credentials with Edit….").format(
            count=len(names)))
        return names

    def _export_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Export connections"), "eo-scene-finder-connections.json",
                                              tr("JSON files (*.json)"))
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> int:
        count = self.store.export_json(path)
        self.details.setText(tr("Exported {count} connection(s) to {file} (without credentials).")
                             .format(count=count, file=os.path.basename(path)))
        return count


def _credentials_location(store, conn: Connection) -> str:
    scheme = scheme_for(conn)
    if scheme.id == "none":
        return tr("No credentials needed.")
    creds: CredentialStore = store.credentials
    try:
        where = creds.location(conn.name)
    except errors.EoSceneFinderError:
        where = None
    if where is not None:
        return tr("Credentials saved in the {label}.").format(label=tr(where.label))
    env = [n for n in scheme.env_names() if os.environ.get(n)]
    if env:
        return tr("Credentials from environment variables ({env}).").format(env=", ".join(env))
    return tr("No credentials saved.")


# --------------------------------------------------------------------------------------
# One connection


class ConnectionEditor(QDialog):
    """Edits one connection and its credentials; saves on OK."""

    def __init__(self, store, connection: Optional[Connection] = None, parent: Optional[QWidget] = None,
                 token_manager: Optional[TokenManager] = None):
        super().__init__(parent)
        self.store = store
        self.original = connection
        self.saved_name: Optional[str] = None
        self._shared_manager = token_manager
        self._task: Optional[QgsTask] = None
        self._endpoint_edits: Dict[str, QLineEdit] = {}
        self._credential_edits: Dict[str, QLineEdit] = {}
        self._kept_refresh_token: Optional[str] = None   # from the saved credentials
        self._fresh_refresh_token: Optional[str] = None  # from a login in this editor
        self._stored_secrets: Dict[str, str] = {}
        self._extra_options: Dict[str, Any] = {}
        self._preset_id: Optional[str] = None
        self._last_kind: Optional[str] = None
        self._last_signing = "none"
        self.setObjectName("EoSceneFinderConnectionEditor")
        self.setWindowTitle(tr("Edit connection") if connection else tr("New connection"))
        self.resize(580, 640)

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("presetCombo")
        self.preset_combo.addItem(tr("(choose to fill in everything)"), None)
        for pid, preset in _presets().items():
            self.preset_combo.addItem(preset.title, pid)
        self.preset_combo.currentIndexChanged.connect(self._preset_chosen)
        form.addRow(tr("Start from a preset"), self.preset_combo)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("nameEdit")
        form.addRow(tr("Name"), self.name_edit)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("kindCombo")
        for kind, spec in _specs().items():
            self.kind_combo.addItem(tr(spec.title), kind)
        form.addRow(tr("Kind"), self.kind_combo)
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("urlEdit")
        self.url_label = QLabel(tr("URL"))
        form.addRow(self.url_label, self.url_edit)
        self.signing_combo = QComboBox()
        self.signing_combo.setObjectName("signingCombo")
        for spec in _specs().values():
            for choice in spec.signing:
                if self.signing_combo.findData(choice.id) < 0:
                    self.signing_combo.addItem(tr(choice.title), choice.id)
        self.signing_label = QLabel(tr("Asset signing"))
        form.addRow(self.signing_label, self.signing_combo)
        self.page_size_spin = QSpinBox()
        self.page_size_spin.setObjectName("pageSizeSpin")
        self.page_size_spin.setRange(1, 10000)
        self.page_size_spin.setValue(100)
        form.addRow(tr("Results per page"), self.page_size_spin)
        layout.addLayout(form)

        # raw-answer cache of OData catalogues (off by default)
        self.cache_box = QGroupBox(tr("Catalogue cache"))
        cache_row = QHBoxLayout(self.cache_box)
        self.cache_check = QCheckBox(tr("Keep answers on disk for"))
        self.cache_check.setObjectName("cacheCheck")
        self.cache_check.setToolTip(tr("Repeating a large search then costs no request."))
        self.cache_hours = QSpinBox()
        self.cache_hours.setObjectName("cacheHours")
        self.cache_hours.setRange(1, 24 * 30)
        self.cache_hours.setValue(24)
        self.cache_hours.setSuffix(tr(" h"))
        self.clear_cache_button = QPushButton(tr("Clear cache"))
        self.clear_cache_button.setObjectName("clearCacheButton")
        self.clear_cache_button.clicked.connect(lambda _c=False: self.clear_cache())
        cache_row.addWidget(self.cache_check)
        cache_row.addWidget(self.cache_hours)
        cache_row.addStretch(1)
        cache_row.addWidget(self.clear_cache_button)
        layout.addWidget(self.cache_box)

        self.endpoints_box = QGroupBox(tr("Endpoints"))
        self.endpoints_form = QFormLayout(self.endpoints_box)
        layout.addWidget(self.endpoints_box)

        self.credentials_box = QGroupBox(tr("Credentials"))
        cred_layout = QVBoxLayout(self.credentials_box)
        self.credentials_form = QFormLayout()
        cred_layout.addLayout(self.credentials_form)
        self.credentials_note = QLabel()
        self.credentials_note.setObjectName("credentialsNote")
        self.credentials_note.setWordWrap(True)
        cred_layout.addWidget(self.credentials_note)
        login_row = QHBoxLayout()
        self.login_button = QPushButton(tr("Log in with the browser…"))
        self.login_button.setObjectName("loginButton")
        self.login_button.clicked.connect(lambda _c=False: self.start_login())
        self.logout_button = QPushButton(tr("Log out"))
        self.logout_button.setObjectName("logoutButton")
        self.logout_button.clicked.connect(lambda _c=False: self.log_out())
        login_row.addWidget(self.login_button)
        login_row.addWidget(self.logout_button)
        login_row.addStretch(1)
        cred_layout.addLayout(login_row)
        layout.addWidget(self.credentials_box)

        test_row = QHBoxLayout()
        self.test_button = QPushButton(tr("Test connection"))
        self.test_button.setObjectName("testButton")
        self.test_button.clicked.connect(lambda _c=False: self.start_test())
        test_row.addWidget(self.test_button)
        test_row.addStretch(1)
        layout.addLayout(test_row)
        self.test_result = QLabel()
        self.test_result.setObjectName("testResult")
        self.test_result.setWordWrap(True)
        self.test_result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.test_result)
        layout.addStretch(1)

        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020")
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.kind_combo.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.signing_combo.currentIndexChanged.connect(lambda _i: self._signing_changed())
        self._load(connection)
        self._fit()

    def _fit(self) -> None:
        """Grow to show every row at its natural height (rows change with the kind)."""
        hint = self.sizeHint()
        self.resize(max(self.width(), hint.width()), max(self.height(), hint.height()))

    # state <-> widgets -------------------------------------------------------------------
    def _load(self, connection: Optional[Connection]) -> None:
        if connection is None:
            self.kind_combo.setCurrentIndex(0)
            self._kind_changed(force=True)
            return
        self.name_edit.setText(connection.name)
        self._set_kind(connection.kind)
        self._set_signing(str(connection.options.get("signing") or "none"))
        self.url_edit.setText(connection.url)
        self.page_size_spin.setValue(int(connection.options.get("page_size") or
                                         (_spec(connection.kind).page_size if _spec(connection.kind) else 100)))
        for key, edit in self._endpoint_edits.items():
            edit.setText(str(connection.options.get(key) or ""))
        self._extra_options = {k: v for k, v in connection.options.items()
                               if k not in self._endpoint_edits
                               and k not in ("signing", "page_size", "cache_dir", "cache_max_age")}
        self.cache_check.setChecked(bool(connection.options.get("cache_dir")))
        if connection.options.get("cache_max_age"):
            self.cache_hours.setValue(max(1, round(float(connection.options["cache_max_age"]) / 3600)))
        try:
            self._stored_secrets = self.store.credentials.stored(connection.name).to_dict()
        except errors.EoSceneFinderError as err:
            self._stored_secrets = {}
            self.credentials_note.setText(err.user_message)
        self._kept_refresh_token = self._stored_secrets.get("refresh_token")
        for key, edit in self._credential_edits.items():
            edit.setText(self._stored_secrets.get(key, ""))
        self._update_credentials_note()

    def _set_kind(self, kind: str) -> None:
        index = self.kind_combo.findData(kind)
        self.kind_combo.blockSignals(True)
        self.kind_combo.setCurrentIndex(max(0, index))
        self.kind_combo.blockSignals(False)
        self._kind_changed(force=True, prefill=False)

    def _set_signing(self, signing: str) -> None:
        index = self.signing_combo.findData(signing)
        self.signing_combo.blockSignals(True)
        self.signing_combo.setCurrentIndex(max(0, index))
        self.signing_combo.blockSignals(False)
        self._signing_changed(prefill=False)

    def kind(self) -> str:
        return self.kind_combo.currentData()

    def signing(self) -> str:
        return self.signing_combo.currentData() if _signing_choices(self.kind()) else "none"

    def _kind_changed(self, force: bool = False, prefill: bool = True) -> None:
        kind = self.kind()
        previous = self._last_kind
        if kind == previous and not force:
            return
        defaults = _spec(kind).defaults() if _spec(kind) else {}
        old_defaults = _spec(previous).defaults() if _spec(previous) else {}
        previous_endpoints = self._defaults_for(previous, self._last_signing)
        if prefill and (not self.url_edit.text().strip() or self.url_edit.text() == old_defaults.get("url")):
            self.url_edit.setText(defaults.get("url", ""))
        if prefill and self.page_size_spin.value() in (100, old_defaults.get("page_size")):
            self.page_size_spin.setValue(int(defaults.get("page_size", 100)))
        spec = _spec(kind)
        signs = bool(_signing_choices(kind))
        self.cache_box.setVisible(bool(spec and spec.capabilities.cache))
        self.signing_label.setVisible(signs)
        self.signing_combo.setVisible(signs)
        self.url_label.setText(tr(spec.url_label) if spec else tr("URL"))
        self._last_kind = kind
        self._rebuild_endpoints(prefill, previous_endpoints)
        self._rebuild_credentials()

    def _signing_changed(self, prefill: bool = True) -> None:
        self._rebuild_endpoints(prefill, self._defaults_for(self._last_kind, self._last_signing))
        self._rebuild_credentials()
        self._last_signing = self.signing()

    @staticmethod
    def _defaults_for(kind: Optional[str], signing: str) -> Dict[str, Any]:
        spec = _spec(kind)
        defaults = spec.defaults() if spec else {}
        choice = _signing_choices(kind).get(signing)
        defaults.update({e.key: e.default for e in (choice.endpoints if choice else ())})
        return defaults

    def _endpoint_fields(self) -> List[Tuple[str, str]]:
        spec = _spec(self.kind())
        choice = _signing_choices(self.kind()).get(self.signing())
        return [(e.key, e.label) for e in (spec.endpoints if spec else ())] + \
            [(e.key, e.label) for e in (choice.endpoints if choice else ())]

    def _rebuild_endpoints(self, prefill: bool = True, previous: Optional[Dict[str, Any]] = None) -> None:
        old_values = {k: e.text() for k, e in self._endpoint_edits.items()}
        previous = previous or {}
        while self.endpoints_form.rowCount():
            self.endpoints_form.removeRow(0)
        self._endpoint_edits = {}
        defaults = self._defaults_for(self.kind(), self.signing())
        for key, label in self._endpoint_fields():
            edit = QLineEdit()
            edit.setObjectName(f"endpoint_{key}")
            value = old_values.get(key)
            customised = value and value != str(previous.get(key, ""))
            edit.setText(value if customised or (value and not prefill)
                         else (str(defaults.get(key, "")) if prefill else ""))
            if defaults.get(key):
                edit.setPlaceholderText(str(defaults[key]))   # empty = the default
            self.endpoints_form.addRow(tr(label), edit)
            self._endpoint_edits[key] = edit
        self.endpoints_box.setVisible(bool(self._endpoint_edits))

    def _current_scheme(self):
        return scheme_for(Connection("", self.kind(), "", {"signing": self.signing()}))

    def _rebuild_credentials(self) -> None:
        old = {k: e.text() for k, e in self._credential_edits.items()}
        while self.credentials_form.rowCount():
            self.credentials_form.removeRow(0)
        self._credential_edits = {}
        scheme = self._current_scheme()
        for f in scheme.fields:
            if f.key == "refresh_token":
                continue
            edit = QLineEdit()
            edit.setObjectName(f"cred_{f.key}")
            if f.secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            if f.help:
                edit.setToolTip(tr(f.help))
            edit.setText(old.get(f.key) or self._stored_secrets.get(f.key, ""))
            self.credentials_form.addRow(tr(f.label), edit)
            self._credential_edits[f.key] = edit
        self.credentials_box.setVisible(scheme.id != "none")
        device = scheme.session == "device-code"
        self.login_button.setVisible(device)
        self.logout_button.setVisible(device)
        self._update_credentials_note()
        QTimer.singleShot(0, self._fit)

    def _update_credentials_note(self) -> None:
        scheme = self._current_scheme()
        if scheme.id == "none":
            return
        parts = []
        self.logout_button.setEnabled(bool(self._refresh_token_to_keep()))
        if scheme.session == "device-code":
            parts.append(tr("Give an API key, or leave it empty and log in with the browser (the login "
                            "then renews itself for days)."))
            if self._refresh_token_to_keep():
                parts.append(tr("Logged in with the browser."))
        if getattr(scheme, "note", ""):
            parts.append(tr(scheme.note))
        if scheme.field("totp") is not None:
            parts.append(tr("A 6-digit two-factor code is used once: click Test connection to log in "
                            "with it."))
        parts.append(tr("Kept in the OS keyring (or QGIS's authentication database), never in the settings."))
        env = ", ".join(scheme.env_names())
        self.credentials_note.setToolTip(tr("Headless runs (qgis_process, scripts) can set {env}.").format(env=env)
                                         if env else "")
        self.credentials_note.setText(" ".join(parts))

    def connection(self) -> Connection:
        """The connection as the widgets describe it (not saved)."""
        options: Dict[str, Any] = dict(self._extra_options)
        for key, edit in self._endpoint_edits.items():
            if edit.text().strip():
                options[key] = edit.text().strip()
        if self.signing() != "none":
            options["signing"] = self.signing()
        options["page_size"] = self.page_size_spin.value()
        spec = _spec(self.kind())
        if spec is not None and spec.capabilities.cache and self.cache_check.isChecked():
            options["cache_dir"] = self.cache_dir()
            options["cache_max_age"] = self.cache_hours.value() * 3600
        preset = self.original.preset if self.original is not None else self._preset_id
        return Connection(name=self.name_edit.text().strip(), kind=self.kind(), url=self.url_edit.text().strip(),
                          options=options, preset=preset)

    def cache_dir(self) -> str:
        """Where this connection's catalogue answers are kept (the QGIS profile's folder)."""
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in (self.name_edit.text().strip() or "unnamed"))
        return os.path.join(QgsApplication.qgisSettingsDirPath(), "eo_scene_finder", "cache", name)

    def clear_cache(self) -> int:
        """Empty this connection's catalogue cache; returns how many answers were removed."""
        from ..providers.net.response_cache import ResponseCache

        removed = ResponseCache(self.cache_dir()).clear()
        self.test_result.setText(tr("Cache cleared: {removed} stored answers removed.").format(removed=removed))
        return removed

    def secrets(self) -> Dict[str, str]:
        """The credentials typed in (a one-time two-factor code is not kept)."""
        values = {k: e.text().strip() for k, e in self._credential_edits.items() if e.text().strip()}
        if values.get("totp") and not is_totp_secret(values["totp"]):
            values.pop("totp")
        return values

    def _credentials_changed(self) -> bool:
        stored = {k: v for k, v in self._stored_secrets.items() if k in self._credential_edits}
        return self.secrets() != stored

    def _refresh_token_to_keep(self) -> Optional[str]:
        """A login made here, else the saved one while the credentials are unchanged."""
        if self._fresh_refresh_token:
            return self._fresh_refresh_token
        return self._kept_refresh_token if not self._credentials_changed() else None

    # presets ----------------------------------------------------------------------------
    def _preset_chosen(self, _index: int) -> None:
        pid = self.preset_combo.currentData()
        preset = _presets().get(pid) if pid else None
        if preset is None:
            return
        self._preset_id = pid
        if not self.name_edit.text().strip():
            self.name_edit.setText(self.store.unique_name(preset.title))
        self._set_kind(preset.kind)
        options = dict(preset.options)
        self._set_signing(str(options.get("signing") or "none"))
        self.url_edit.setText(preset.url)
        for key, edit in self._endpoint_edits.items():
            if key in options:
                edit.setText(str(options[key]))
        self._extra_options = {k: v for k, v in options.items()
                               if k not in self._endpoint_edits and k not in ("signing", "page_size")}
        if options.get("page_size"):
            self.page_size_spin.setValue(int(options["page_size"]))

    # test / login ------------------------------------------------------------------------
    def _test_manager(self) -> TokenManager:
        """A token manager over the credentials typed in (nothing saved yet)."""
        memory = MemorySecretStore()
        conn = self.connection()
        values = {k: e.text().strip() for k, e in self._credential_edits.items() if e.text().strip()}
        refresh = self._refresh_token_to_keep()
        if refresh:
            values["refresh_token"] = refresh
        if values:
            memory.save(conn.name or "connection", values)
        from .device_code_dialog import DeviceCodePrompt
        return TokenManager(CredentialStore(memory), device_prompt=DeviceCodePrompt.instance(),
                            clock=time.monotonic)

    def start_test(self) -> Optional[QgsTask]:
        """Run Test connection in a QgsTask; the answer appears under the button."""
        conn = self.connection()
        if not conn.name:
            conn.name = "connection"
        if not conn.url:
            self.test_result.setText(tr("✗ The URL is empty."))
            return None
        manager = self._test_manager()
        self.test_button.setEnabled(False)
        self.test_result.setText(tr("Testing {url}…").format(url=conn.url))

        def run(task):
            return check_connection(conn, manager, task.isCanceled), manager, conn

        def finished(exception, value=None):
            self.test_button.setEnabled(True)
            if exception is not None or value is None:
                self.test_result.setText(tr("✗ The test could not run: {exception}").format(exception=exception))
                return
            result, used_manager, used_conn = value
            self.test_result.setText(result.text())
            self._keep_login(used_manager, used_conn)
            used_manager.close()

        self._task = QgsTask.fromFunction(tr("Testing connection {name}").format(
            name=conn.name), run, on_finished=finished)
        QgsApplication.taskManager().addTask(self._task)
        return self._task

    def _keep_login(self, manager: TokenManager, conn: Connection) -> None:
        refresh = manager.credentials.stored(conn.name).get("refresh_token")
        if refresh:
            self._fresh_refresh_token = refresh
            self._update_credentials_note()

    def start_login(self) -> Optional[QgsTask]:
        """Browser login (device code) now, in a task; the dialog shows the code."""
        conn = self.connection()
        if not conn.name:
            conn.name = "connection"
        manager = self._test_manager()
        self.login_button.setEnabled(False)
        self.test_result.setText(tr("Waiting for the browser login…"))

        def run(task):
            manager.login(conn)
            return manager, conn

        def finished(exception, value=None):
            self.login_button.setEnabled(True)
            if exception is not None or value is None:
                text = getattr(exception, "user_message", None) or str(exception)
                self.test_result.setText(tr("✗ {text}").format(text=text))
                return
            used_manager, used_conn = value
            self._keep_login(used_manager, used_conn)
            self.test_result.setText(tr("✓ Logged in. Click OK to keep the login."))
            used_manager.close()

        self._task = QgsTask.fromFunction(tr("Logging in to {name}").format(
            name=conn.name), run, on_finished=finished)
        QgsApplication.taskManager().addTask(self._task)
        return self._task

    def log_out(self) -> None:
        self._kept_refresh_token = None
        self._fresh_refresh_token = None
        if self.original is not None and self._shared_manager is not None:
            self._shared_manager.logout(self.original)
        elif self.original is not None:
            try:
                self.store.credentials.update(self.original.name, refresh_token=None)
            except errors.EoSceneFinderError as err:
                self.error_label.setText(err.user_message)
                return
        self._update_credentials_note()
        self.test_result.setText(tr("Logged out."))

    # saving ------------------------------------------------------------------------------
    def save(self) -> bool:
        """Validate and save; stays open with the reason when that fails."""
        conn = self.connection()
        secrets = self.secrets()
        refresh = self._refresh_token_to_keep()
        if refresh and self._current_scheme().field("refresh_token") is not None:
            secrets["refresh_token"] = refresh
        if self._current_scheme().id == "none":
            secrets = {}
        try:
            self.store.save(conn, old_name=self.original.name if self.original else None, credentials=secrets)
        except errors.EoSceneFinderError as err:
            self.error_label.setText(err.user_message)
            return False
        self.saved_name = conn.name
        self.accept()
        return True

    def reject(self) -> None:
        if self._task is not None:
            try:
                self._task.cancel()
            except RuntimeError:
                pass
        super().reject()
