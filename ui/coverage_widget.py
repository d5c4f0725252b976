"""Best coverage in the panel: the dialog asking the target and the cap, and the bar that says
what the chosen scenes cover and offers “Add as mosaic” and “Download”."""
from __future__ import annotations

from typing import Optional

from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QFrame, QHBoxLayout, QLabel,
                                 QPushButton, QSpinBox, QToolButton, QVBoxLayout)

from ..i18n import tr

TARGET_SETTING = "eo_scene_finder/panel/coverage_target"
MAX_SCENES_SETTING = "eo_scene_finder/panel/coverage_max_scenes"
DEFAULT_TARGET_PERCENT = 98.0


class BestCoverageDialog(QDialog):
    """Target coverage (% of the area of interest) and the most scenes to use (0: no cap)."""

    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(tr("Best coverage"))
        self.setObjectName("bestCoverageDialog")
        layout = QVBoxLayout(self)
        intro = QLabel(tr("Pick the fewest, least cloudy scenes of the results that cover the area of interest "
                          "(one pass of one date and orbit when it covers enough, for a seamless mosaic)."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.target_spin = QDoubleSpinBox()
        self.target_spin.setObjectName("coverageTarget")
        self.target_spin.setRange(1.0, 100.0)
        self.target_spin.setDecimals(1)
        self.target_spin.setSuffix(" %")
        self.target_spin.setValue(settings.value(TARGET_SETTING, DEFAULT_TARGET_PERCENT, type=float))
        form.addRow(tr("Cover at least"), self.target_spin)
        self.max_spin = QSpinBox()
        self.max_spin.setObjectName("coverageMaxScenes")
        self.max_spin.setRange(0, 10000)
        self.max_spin.setSpecialValueText(tr("no limit"))
        self.max_spin.setValue(settings.value(MAX_SCENES_SETTING, 0, type=int))
        form.addRow(tr("With at most"), self.max_spin)
        layout.addLayout(form)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def accept(self) -> None:
        self.settings.setValue(TARGET_SETTING, self.target_spin.value())
        self.settings.setValue(MAX_SCENES_SETTING, self.max_spin.value())
        super().accept()

    @property
    def target(self) -> float:
        """The target as a fraction (0..1)."""
        return self.target_spin.value() / 100.0

    @property
    def max_scenes(self) -> Optional[int]:
        return self.max_spin.value() or None


class CoverageBar(QFrame):
    """“3 scenes cover 99.2 % of the area (target 98 %)” with Add as mosaic and Download."""

    mosaicRequested = pyqtSignal()
    downloadRequested = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("coverageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 2, 2)
        self.label = QLabel()
        self.label.setObjectName("coverageLabel")
        self.label.setWordWrap(True)
        row.addWidget(self.label, 1)
        self.mosaic_button = QPushButton(tr("Add as mosaic"))
        self.mosaic_button.setObjectName("coverageMosaicButton")
        self.mosaic_button.setToolTip(tr("Stream the chosen scenes as one virtual mosaic (VRT); nothing is downloaded"))
        self.mosaic_button.clicked.connect(self.mosaicRequested)
        self.download_button = QPushButton(tr("Download"))
        self.download_button.setObjectName("coverageDownloadButton")
        self.download_button.clicked.connect(self.downloadRequested)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip(tr("Close"))
        close.clicked.connect(self.hide)
        for w in (self.mosaic_button, self.download_button, close):
            row.addWidget(w)
        self.hide()

    def show_result(self, text: str, scenes: int, error: bool = False) -> None:
        self.label.setText(text)
        self.label.setStyleSheet("color: #b00020;" if error else "")
        self.mosaic_button.setVisible(scenes > 0)
        self.download_button.setVisible(scenes > 0)
        self.show()
