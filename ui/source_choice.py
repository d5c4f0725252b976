"""Which source of a scene the panel's Add to map and Download use.

A scene found in several catalogs has several sources (one per catalog). The
:class:`SourceChooser` ranks them by the user's :class:`~..providers.multi.SourcePreference`
(remembered in the settings, changed in :class:`SourcePreferenceDialog`) with the download
speeds measured per host (``services.speeds``: a file in the QGIS profile folder); a source the user forced for a scene (the results' “Use source” menu) comes
first for the rest of the session.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                                 QPushButton, QVBoxLayout)

from ..providers.download.speeds import HostSpeeds
from ..providers.model import Scene
from ..services.speeds import shared_host_speeds
from ..providers.multi import (CRITERIA, CRITERION_TITLES, SceneSource, SourcePreference, connection_facts,
                               describe_source)
from ..i18n import tr

PREFERENCE_SETTING = "eo_scene_finder/panel/source_preference"
NO_CRITERIA = "-"  # every criterion switched off (an empty text would mean the default rule)


def group_id(sources: Sequence[SceneSource]) -> str:
    """A stable name for one scene's group of sources (its scene key, else its first id)."""
    for source in sources:
        if source.scene.scene_key is not None:
            return str(source.scene.scene_key)
    first = sources[0]
    return f"{first.connection}|{first.scene.id}"


class SourceChooser:
    """Ranks the sources of one scene for the panel.

    ``connection_of(name)`` gives the :class:`Connection` a scene's connection name stands for
    (None when unknown); ``settings`` keeps the preference."""

    def __init__(self, settings, connection_of: Callable[[str], object], speeds: Optional[HostSpeeds] = None):
        self.settings = settings
        self.connection_of = connection_of
        self.speeds = speeds if speeds is not None else shared_host_speeds()
        text = settings.value(PREFERENCE_SETTING, "", type=str)
        try:
            self.preference = SourcePreference(()) if text == NO_CRITERIA else SourcePreference.from_text(text)
        except Exception:  # noqa: BLE001 - a damaged setting: the default rule
            self.preference = SourcePreference()
        self._forced: Dict[str, str] = {}  # group id -> connection, for this session

    def set_preference(self, preference: SourcePreference) -> None:
        self.preference = preference
        self.settings.setValue(PREFERENCE_SETTING, preference.to_text() or NO_CRITERIA)

    def describe(self, connection: str, scene: Scene) -> SceneSource:
        conn = self.connection_of(connection)
        needs, pays = connection_facts(conn) if conn is not None else (False, False)
        return describe_source(connection, scene, needs_credentials=needs, requester_pays=pays)

    # ------------------------------------------------------------------ forcing
    def force(self, sources: Sequence[SceneSource], connection: Optional[str]) -> None:
        """Use ``connection`` for this scene from now on (None: back to the rule)."""
        key = group_id(sources)
        if connection is None:
            self._forced.pop(key, None)
        else:
            self._forced[key] = connection

    def forced(self, sources: Sequence[SceneSource]) -> Optional[str]:
        connection = self._forced.get(group_id(sources)) if sources else None
        return connection if any(s.connection == connection for s in sources) else None

    # ------------------------------------------------------------------ ranking
    def ranked(self, sources: Sequence[SceneSource]) -> List[SceneSource]:
        """The sources to try, in order: the forced one alone, else all by the rule."""
        sources = list(sources)
        if len(sources) <= 1:
            return sources
        forced = self.forced(sources)
        if forced is not None:
            return [s for s in sources if s.connection == forced]
        return list(self.preference.rank(sources, self.speeds))

    def explain(self, sources: Sequence[SceneSource]) -> str:
        """Which source will be used and why, in plain words (empty for a single source)."""
        sources = list(sources)
        if len(sources) <= 1:
            return ""
        forced = self.forced(sources)
        if forced is not None:
            return tr("Source: {connection} (you chose it for this scene)").format(connection=forced)
        ranked = self.ranked(sources)
        return tr("Source: {why}").format(why=self.preference.explain(ranked[0], ranked[1:], self.speeds))


class SourcePreferenceDialog(QDialog):
    """The rule that picks a scene's source: the criteria in order, each can be switched off."""

    def __init__(self, preference: SourcePreference, parent=None):
        super().__init__(parent)
        self.setWindowTitle(tr("Source preference"))
        self.setObjectName("sourcePreferenceDialog")
        layout = QVBoxLayout(self)
        intro = QLabel(tr("When a scene is in several catalogs, Add to map and Download use the source that wins "
                          "on the first criterion below, then the next one… If it fails, the next source is tried."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.criteria_list = QListWidget()
        self.criteria_list.setObjectName("criteriaList")
        used = list(preference.order)
        for criterion in used + [c for c in CRITERIA if c not in used]:
            self._add_criterion(criterion, criterion in used)
        self.criteria_list.setCurrentRow(0)
        row.addWidget(self.criteria_list, 1)
        buttons = QVBoxLayout()
        self.up_button = QPushButton(tr("Up"))
        self.up_button.setObjectName("criterionUp")
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button = QPushButton(tr("Down"))
        self.down_button.setObjectName("criterionDown")
        self.down_button.clicked.connect(lambda: self.move_current(1))
        reset = QPushButton(tr("Default"))
        reset.clicked.connect(self._reset)
        for b in (self.up_button, self.down_button, reset):
            buttons.addWidget(b)
        buttons.addStretch(1)
        row.addLayout(buttons)
        layout.addLayout(row)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        layout.addWidget(box)

    def move_current(self, step: int) -> None:
        row = self.criteria_list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.criteria_list.count():
            return
        item = self.criteria_list.takeItem(row)
        self.criteria_list.insertItem(target, item)
        self.criteria_list.setCurrentRow(target)

    def _reset(self) -> None:
        self.criteria_list.clear()
        for criterion in CRITERIA:
            self._add_criterion(criterion, True)
        self.criteria_list.setCurrentRow(0)

    def _add_criterion(self, criterion: str, checked: bool) -> None:
        item = QListWidgetItem(CRITERION_TITLES.get(criterion, criterion))
        item.setData(Qt.ItemDataRole.UserRole, criterion)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.criteria_list.addItem(item)

    def preference(self) -> SourcePreference:
        """The rule as shown: the ticked criteria, top first."""
        order = []
        for row in range(self.criteria_list.count()):
            item = self.criteria_list.item(row)
            if item.checkState() == Qt.CheckState.Checked:
                order.append(item.data(Qt.ItemDataRole.UserRole))
        return SourcePreference(order=tuple(order))
