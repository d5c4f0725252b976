"""The browser login (OAuth2 device code) dialog: link, code, countdown, Cancel.

The token manager polls in its own (task) thread; :class:`DeviceCodePrompt` is what it
calls: it may be called from any thread and shows a :class:`DeviceCodeDialog` in the GUI
thread, which closes by itself when the login is approved, refused or expires.
"""
from __future__ import annotations

import threading
from typing import Optional, Set

from qgis.PyQt.QtCore import QCoreApplication, QObject, Qt, QTimer, QUrl, pyqtSignal
from qgis.PyQt.QtGui import QDesktopServices, QFont, QGuiApplication
from qgis.PyQt.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPushButton,
                                 QVBoxLayout, QWidget)

from ..providers.auth.tokens import DeviceAuthorization
from ..i18n import tr



def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class DeviceCodeDialog(QDialog):
    """Shows a pending browser login and waits (without blocking QGIS) until it ends."""

    login_ended = pyqtSignal(str, str)  # state, message (emitted from the polling thread)

    def __init__(self, auth: DeviceAuthorization, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.auth = auth
        self.setObjectName("EoSceneFinderDeviceCodeDialog")
        self.setWindowTitle(tr("Log in to DINAMIS"))
        layout = QVBoxLayout(self)

        intro = QLabel(tr("To let EO Scene Finder use “{name}”, open this page, check that it shows "
                          "the code below and approve the login:").format(name=auth.connection_name))
        intro.setWordWrap(True)
        layout.addWidget(intro)

        url = auth.verification_uri_complete
        self.link_label = QLabel(f'<a href="{_html_escape(url)}">{_html_escape(url)}</a>')
        self.link_label.setObjectName("verificationLink")
        self.link_label.setOpenExternalLinks(True)
        self.link_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.link_label.setWordWrap(True)
        layout.addWidget(self.link_label)

        self.code_label = QLabel(auth.user_code)
        self.code_label.setObjectName("userCode")
        font = QFont(self.code_label.font())
        font.setPointSize(max(18, font.pointSize() * 2))
        font.setBold(True)
        self.code_label.setFont(font)
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.code_label)

        row = QHBoxLayout()
        self.open_button = QPushButton(tr("Open in browser"))
        self.open_button.setObjectName("openBrowserButton")
        self.open_button.clicked.connect(lambda: QDesktopServices.openUrl(QUrl(url)))
        self.copy_button = QPushButton(tr("Copy code"))
        self.copy_button.setObjectName("copyCodeButton")
        self.copy_button.clicked.connect(lambda: QGuiApplication.clipboard().setText(auth.user_code))
        row.addWidget(self.open_button)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        layout.addLayout(row)

        self.status_label = QLabel()
        self.status_label.setObjectName("loginStatus")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._tick()

        self.login_ended.connect(self._on_login_ended)
        auth.add_done_callback(lambda a: self.login_ended.emit(a.state, a.message))

    def _tick(self) -> None:
        if self.auth.done:
            return
        left = int(self.auth.seconds_left())
        self.status_label.setText(tr("Waiting for you to approve the login… (the code expires in {m}:{s:02d})")
                                  .format(m=left // 60, s=left % 60))

    def _on_login_ended(self, state: str, message: str) -> None:
        self._timer.stop()
        if state == "approved":
            self.status_label.setText(tr("Logged in."))
            self.accept()
            return
        if state == "cancelled":
            super().reject()
            return
        texts = {"expired": tr("The code expired before the login was approved. Start the login again."),
                 "denied": tr("The login was refused in the browser.")}
        self.status_label.setText(texts.get(state, tr("The login failed: {message}").format(message=message)))
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)

    def reject(self) -> None:
        """Cancel (or Escape, or closing the window) cancels the login."""
        if not self.auth.done:
            self.auth.cancel()
        super().reject()


class _GuiPrompt(QObject):
    """A callable living in the GUI thread that workers call to ask the user something."""

    requested = pyqtSignal(object)
    _instance = None

    def __init__(self, parent: Optional[QObject] = None):
        super().__init__(parent)
        self.dialogs: Set[QDialog] = set()
        self.requested.connect(self._show)

    @classmethod
    def instance(cls):
        """The prompt of this kind living in the GUI thread (one per kind)."""
        if cls.__dict__.get("_instance") is None:
            prompt = cls()
            app = QCoreApplication.instance()
            if app is not None:
                prompt.moveToThread(app.thread())
            cls._instance = prompt
        return cls._instance

    @staticmethod
    def _parent_widget() -> Optional[QWidget]:
        from qgis.PyQt.QtWidgets import QApplication
        active = QApplication.activeModalWidget() or QApplication.activeWindow()
        if active is not None:
            return active
        try:
            from qgis.utils import iface
            return iface.mainWindow() if iface is not None else None
        except Exception:  # noqa: BLE001
            return None

    def _keep(self, dialog: QDialog) -> None:
        self.dialogs.add(dialog)
        dialog.finished.connect(lambda _result, d=dialog: self.dialogs.discard(d))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)

    def _show(self, request) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class DeviceCodePrompt(_GuiPrompt):
    """The token manager's ``device_prompt`` for the QGIS GUI (callable from any thread)."""

    def __call__(self, auth: DeviceAuthorization) -> None:
        self.requested.emit(auth)

    def _show(self, auth: DeviceAuthorization) -> None:
        if auth.done:
            return
        dialog = DeviceCodeDialog(auth, self._parent_widget())
        self._keep(dialog)
        dialog.show()
        dialog.raise_()


class TotpCodePrompt(_GuiPrompt):
    """The token manager's ``totp_prompt`` for the QGIS GUI: asks for a new two-factor code
    when a one-time code has been used up. Callable from any thread; the worker waits (at
    most ``timeout`` seconds) while the GUI thread shows the question."""

    def __init__(self, parent: Optional[QObject] = None, timeout: float = 300.0):
        super().__init__(parent)
        self.timeout = timeout

    def __call__(self, connection_name: str) -> Optional[str]:
        request = {"name": connection_name, "code": None, "done": threading.Event()}
        self.requested.emit(request)
        request["done"].wait(self.timeout)
        return request["code"]

    def _show(self, request: dict) -> None:
        dialog = QInputDialog(self._parent_widget())
        dialog.setObjectName("TotpCodeDialog")
        dialog.setWindowTitle(tr("EO Scene Finder — two-factor code"))
        dialog.setLabelText(tr("The session of “{name}” ended.\nEnter the 6-digit code of your authenticator app to "
                               "log in again:").format(name=request['name']))
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)

        def finished(result, d=dialog):
            if result == QDialog.DialogCode.Accepted and d.textValue().strip():
                request["code"] = d.textValue().strip()
            request["done"].set()

        dialog.finished.connect(finished)
        self._keep(dialog)
        dialog.open()
