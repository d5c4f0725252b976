"""What the dock does with scenes that may sit in several catalogs: Add to map and Download
through the preferred source, falling back to the next one when it fails; the per-scene
“Use source” choice; Best coverage of the area of interest and its mosaic."""
from __future__ import annotations

import os
import tempfile
from pathlib import PurePath
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from qgis.core import Qgis
from qgis.PyQt.QtCore import QItemSelection, QItemSelectionModel, QObject
from qgis.PyQt.QtWidgets import QDialog, QMenu

from ..providers.download.jobs import FAILED, OFFLINE
from ..providers.errors import InvalidRequestError
from ..providers.model import Scene
from ..providers.multi import SceneSource
from ..services.log import log_message
from ..tasks.function_task import FunctionTask
from ..tasks.raster_task import OpenFirstWorkingSourceTask, OpenRemoteRasterTask, SourceAttempt
from .coverage_widget import BestCoverageDialog, CoverageBar
from .scene_panel import pick_view_asset
from .source_choice import SourceChooser, SourcePreferenceDialog
from ..i18n import tr

# what a failed download of one source lets us try on the next one (not a cancel, not a skip)
_RETRY_STATES = (FAILED, OFFLINE)


def _job_of_scene(job, scene: Scene) -> bool:
    """Whether a download job writes a file of ``scene`` (``<folder>/<collection>/<id>/…``)."""
    return scene.id in PurePath(job.dest_path).parts


class SceneActions(QObject):
    """The dock's actions on scenes with several sources (see the module's docstring).

    ``dock`` gives the results, the connections (``provider_factory``, ``connection_text``,
    ``_connections``), the status line and the task keeper."""

    def __init__(self, dock):
        super().__init__(dock)
        self.dock = dock
        self.chooser = SourceChooser(dock.settings, lambda name: dock._connections.get(name))
        self.coverage_bar = CoverageBar()
        self.coverage_bar.mosaicRequested.connect(self.add_coverage_mosaic)
        self.coverage_bar.downloadRequested.connect(self.download_coverage)
        self.coverage_scenes: List[Scene] = []   # the scenes Best coverage chose (table rows)
        self.coverage_result = None
        self.coverage_task: Optional[FunctionTask] = None
        dock.results_model.modelReset.connect(self._results_cleared)
        dock.grouped_model.forced_source = self._forced_connection

    def _results_cleared(self) -> None:
        """A new search: the last choice no longer applies."""
        self.coverage_task = None
        self.coverage_scenes = []
        self.coverage_result = None
        self.coverage_bar.hide()

    # ------------------------------------------------------------------ sources
    def sources_of(self, scene: Scene) -> List[SceneSource]:
        """Every source of ``scene``'s acquisition among the results (one per connection),
        ``scene``'s own first."""
        dock = self.dock
        pairs: List[Tuple[str, Scene]] = [(dock._scene_connection_id(scene), scene)]
        grouper = getattr(dock, "scene_groups", None)
        group = grouper.group_of(scene) if grouper is not None else None
        if group is not None:
            pairs += [(s.connection, s.scene) for s in group.sources]
        elif scene.scene_key is not None:
            pairs += [(dock._scene_connection_id(other), other) for other in dock.results_model.scenes()
                      if other is not scene and other.scene_key == scene.scene_key]
        seen, sources = set(), []
        for connection, member in pairs:
            if connection in seen:
                continue
            seen.add(connection)
            sources.append(self.chooser.describe(connection, member))
        return sources

    def ranked_sources(self, scene: Scene) -> List[SceneSource]:
        return self.chooser.ranked(self.sources_of(scene))

    def explain(self, scene: Optional[Scene]) -> str:
        return self.chooser.explain(self.sources_of(scene)) if scene is not None else ""

    def _forced_connection(self, scene: Optional[Scene]) -> Optional[str]:
        return self.chooser.forced(self.sources_of(scene)) if scene is not None else None

    def force_source(self, scene: Scene, connection: Optional[str]) -> None:
        """Use ``connection`` for ``scene`` for the rest of the session (None: the rule)."""
        self.chooser.force(self.sources_of(scene), connection)
        self.dock.grouped_model.refresh_sources_of(scene)
        self.dock._set_status(self.explain(scene) or tr("Source: by your preference."))
        if self.dock.current_scene is scene:
            self.dock.show_scene(scene)

    def add_source_menu(self, menu: QMenu, scene: Scene) -> Optional[QMenu]:
        """“Use source ▸ Automatic / <connection>…” for a scene with several sources."""
        sources = self.sources_of(scene)
        if len(sources) < 2:
            return None
        forced = self.chooser.forced(sources)
        sub = menu.addMenu(tr("Use source"))
        sub.setObjectName("useSourceMenu")
        auto = sub.addAction(tr("Automatic (by preference)"))
        auto.setCheckable(True)
        auto.setChecked(forced is None)
        auto.triggered.connect(lambda _=False: self.force_source(scene, None))
        sub.addSeparator()
        for source in sources:
            action = sub.addAction(source.connection)
            action.setCheckable(True)
            action.setChecked(source.connection == forced)
            action.triggered.connect(lambda _=False, c=source.connection: self.force_source(scene, c))
        return sub

    def edit_preference(self) -> bool:
        """The “Source preference…” dialog; True when the user changed the rule."""
        dialog = SourcePreferenceDialog(self.chooser.preference, self.dock)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.chooser.set_preference(dialog.preference())
        self.dock._set_status(tr("Sources are chosen by: {rule}.").format(rule=self.chooser.preference.describe()))
        if self.dock.current_scene is not None:
            self.dock.show_scene(self.dock.current_scene)
        return True

    # ------------------------------------------------------------------ add to map
    def _attempts(self, scene: Scene, asset_for: Callable[[Scene], object]) -> List[SourceAttempt]:
        dock = self.dock
        attempts = []
        for source in self.ranked_sources(scene):
            asset = asset_for(source.scene)
            if asset is None:
                continue
            open_provider = dock.provider_factory(source.connection)
            href = asset.href
            attempts.append(SourceAttempt(source, lambda op=open_provider, h=href: op().gdal_path(h),
                                          f"{source.scene.id} · {asset.key}",
                                          (dock.connection_text(source.connection), href)))
        return attempts

    def add_to_map(self, scene: Scene, asset=None) -> Optional[OpenRemoteRasterTask]:
        """Stream ``asset`` (None: the scene's view asset) from the scene's best source; the
        task tries the next source when one cannot be opened."""
        dock = self.dock
        if asset is None:
            asset_for = pick_view_asset
        else:
            key = asset.key
            asset_for = lambda s: asset if s is scene else s.assets.get(key)  # noqa: E731
        attempts = self._attempts(scene, asset_for)
        if not attempts:
            dock._set_status(tr("{id} has no Cloud Optimized GeoTIFF asset to stream.").format(id=scene.id)
                             if asset is None else tr("The chosen source of {id} has no asset “{key}”.").format(
                id=scene.id, key=asset.key), error=True)
            return None
        first = attempts[0]
        what = first.layer_name.split(" · ", 1)[1]
        description = tr("EO Scene Finder: open {id} {key}").format(id=scene.id, key=what)
        if len(attempts) == 1:
            task = OpenRemoteRasterTask(description, first.resolve, first.layer_name, dock.project, source=first.source)
        else:
            task = OpenFirstWorkingSourceTask(description, attempts, dock.project)
            task.switched.connect(lambda text: dock._set_status(text, error=True))
        task.layerAdded.connect(lambda layer: self._layer_added(task, first, layer))
        task.failed.connect(lambda err: dock._show_error(err, tr("Could not add {id} {key}").format(
            id=scene.id, key=what)))
        dock._run_task(task)
        return task

    def _layer_added(self, task, first: SourceAttempt, layer) -> None:
        used = getattr(task, "used", None)
        if used is not None and used is not first:
            self.dock._set_status(tr("Added {name} to the map from {source} ({first} failed).").format(
                name=layer.name(), source=used.choice.connection, first=first.choice.connection))
        else:
            self.dock._set_status(tr("Added {name} to the map.").format(name=layer.name()))

    # ------------------------------------------------------------------ downloads
    def download(self, scenes: Sequence[Scene], asset_keys: Optional[List[str]], folder: str) -> list:
        """Download each scene from its best source; the scenes a source fails are downloaded
        from their next source when the first batch ends."""
        by_connection: Dict[str, list] = {}
        for scene in scenes:
            ranked = self.ranked_sources(scene)
            by_connection.setdefault(ranked[0].connection, []).append((ranked[0], ranked[1:]))
        return [self._download_from(cid, entries, asset_keys, folder) for cid, entries in by_connection.items()]

    def _download_from(self, cid: str, entries: list, asset_keys, folder: str):
        dock = self.dock
        task = dock.downloads_widget.download_scenes(dock.provider(cid), [s.scene for s, _ in entries], asset_keys,
                                                     folder, connection_text=dock.connection_text(cid))
        if any(rest for _, rest in entries):
            task.downloadsFinished.connect(
                lambda results, t=task: self._downloads_finished(t, entries, results, asset_keys, folder))
        return task

    def _downloads_finished(self, task, entries: list, results: list, asset_keys, folder: str) -> None:
        if task.isCanceled():
            return
        problems = list(getattr(task, "problems", []) or [])
        again: Dict[str, list] = {}
        for source, rest in entries:
            if not rest:
                continue
            mine = [r for r in results if _job_of_scene(r.job, source.scene)]
            failed = [r for r in mine if r.state in _RETRY_STATES]
            if mine and not failed:
                continue
            if failed:
                reason = failed[0].reason
            else:
                reason = next((p for p in problems if source.scene.id in p), tr("nothing could be downloaded"))
            text = tr("{source} failed ({reason}): trying {next}").format(
                source=source.connection, reason=reason, next=rest[0].connection)
            log_message(text, Qgis.Warning)
            self.dock._set_status(text, error=True)
            again.setdefault(rest[0].connection, []).append((rest[0], rest[1:]))
        for cid, retry in again.items():
            self._download_from(cid, retry, asset_keys, folder)

    # ------------------------------------------------------------------ best coverage
    def _shown_model(self):
        return getattr(self.dock, "shown_model", None) or self.dock.results_model

    def _groups(self) -> List[List[Scene]]:
        """The results as acquisitions: each a list of its scenes, the one the table shows first."""
        dock = self.dock
        grouper = getattr(dock, "scene_groups", None)

        def key(scene):
            group = grouper.group_of(scene) if grouper is not None else None
            return id(group) if group is not None else (scene.scene_key or id(scene))
        groups: Dict[object, List[Scene]] = {}
        shown = self._shown_model()
        for row in range(shown.rowCount()):
            scene = shown.scene(row)
            groups.setdefault(key(scene), [scene])
        for scene in dock.results_model.scenes():
            members = groups.get(key(scene))
            if members is not None and scene is not members[0]:
                members.append(scene)
        return list(groups.values())

    def best_coverage(self, target: Optional[float] = None, max_scenes: Optional[int] = None
                      ) -> Optional[FunctionTask]:
        """Choose the fewest, least cloudy scenes covering ``target`` (0..1) of the area of
        interest (asks with a dialog when ``target`` is None), in a background task."""
        dock = self.dock
        aoi = dock.search_panel.aoi.geojson()
        if aoi is None:
            self._coverage_message(tr("Best coverage needs an area of interest: draw one (or take the map extent) "
                                      "and search, then try again."))
            return None
        groups = [g for g in self._groups() if g[0].geometry]
        if not groups:
            self._coverage_message(tr("Best coverage needs search results with footprints: search first."))
            return None
        if target is None:
            dialog = BestCoverageDialog(dock.settings, dock)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            target, max_scenes = dialog.target, dialog.max_scenes
        holder: list = []

        def choose():
            from ..providers.coverage import CoverageCandidate, best_coverage, orbit_of

            candidates = []
            for n, group in enumerate(groups):
                scene = group[0]
                clouds = [s.cloud_cover for s in group if s.cloud_cover is not None]
                candidates.append(CoverageCandidate(id=str(n), footprint=scene.geometry,
                                                    cloud_cover=min(clouds) if clouds else None,
                                                    datetime=scene.datetime,
                                                    orbit=orbit_of(scene.properties, scene.id)))
            return best_coverage(aoi, candidates, target, max_scenes,
                                 cancel=lambda: bool(holder) and holder[0].isCanceled())

        task = FunctionTask(tr("EO Scene Finder: best coverage"), choose)
        holder.append(task)
        task.done.connect(lambda t: self._coverage_done(t, groups))
        self.coverage_task = task
        dock._set_status(tr("Choosing the scenes that cover the area…"))
        dock._run_task(task)
        return task

    def _coverage_message(self, text: str, error: bool = True) -> None:
        self.coverage_scenes = []
        self.coverage_bar.show_result(text, 0, error)
        self.dock._set_status(text, error)

    def _coverage_done(self, task: FunctionTask, groups: List[List[Scene]]) -> None:
        if task is not self.coverage_task:
            return
        self.coverage_task = None
        if task.error is not None:
            self._coverage_message(task.error.user_message)
            return
        if task.result is None:  # cancelled
            return
        result = task.result
        self.coverage_result = result
        self.coverage_scenes = [groups[int(cid)][0] for cid in result.chosen]
        self.select_scenes(self.coverage_scenes)
        self.coverage_bar.show_result(result.message, len(self.coverage_scenes), error=not result.reached)
        # the bar below says how much is covered; the status line only what happened
        self.dock._set_status(tr("Best coverage: {count} scenes selected.").format(count=len(self.coverage_scenes)),
                              error=not result.reached)
        log_message(result.message)

    def select_scenes(self, scenes: Sequence[Scene]) -> None:
        """Select these scenes' rows in the table (their footprints follow on the map)."""
        dock = self.dock
        wanted = {id(s) for s in scenes}
        shown = self._shown_model()
        selection = QItemSelection()
        for row in range(shown.rowCount()):
            if id(shown.scene(row)) in wanted:
                index = dock.results_proxy.mapFromSource(shown.index(row, 0))
                if index.isValid():
                    selection.select(index, index)
        model = dock.results_view.selectionModel()
        model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect
                     | QItemSelectionModel.SelectionFlag.Rows)

    def download_coverage(self) -> None:
        if self.coverage_scenes:
            self.dock.download_scenes(list(self.coverage_scenes), None)

    def add_coverage_mosaic(self) -> Optional[OpenRemoteRasterTask]:
        """One streamed VRT of the chosen scenes' view asset (each from its best working source)."""
        dock = self.dock
        plans = [(scene, self._attempts(scene, pick_view_asset)) for scene in self.coverage_scenes]
        missing = [scene.id for scene, attempts in plans if not attempts]
        if not plans or missing:
            dock._set_status(tr("No mosaic: {ids} has no Cloud Optimized GeoTIFF to stream.").format(
                ids=", ".join(missing)) if missing else tr("Run Best coverage first."), error=True)
            return None
        keys = sorted({a.layer_name.split(" · ", 1)[1] for _, attempts in plans for a in attempts[:1]})
        name = tr("Mosaic of {count} scenes · {asset}").format(count=len(plans), asset="/".join(keys))
        folder = tempfile.mkdtemp(prefix="eosf-mosaic-")
        holder: list = []

        def build() -> str:
            from ..providers.multi import try_sources
            from ..services.mosaic import build_streamed_vrt
            from ..tasks.raster_task import open_remote

            task = holder[0]
            paths = []
            for scene, attempts in plans:
                by_choice = {id(a.choice): a for a in attempts}

                def attempt(choice, by_choice=by_choice):
                    chosen = by_choice[id(choice)]
                    path = chosen.resolve()
                    open_remote(path, stretch=False)
                    return chosen.layer_name, path
                paths.append(try_sources([a.choice for a in attempts], attempt, task.say))
                if task.isCanceled():
                    raise InvalidRequestError(tr("Cancelled."))
            built = build_streamed_vrt(paths, os.path.join(folder, "mosaic.vrt"), cancelled=task.isCanceled)
            if built is None:
                raise InvalidRequestError(tr("Cancelled."))
            return built

        task = OpenRemoteRasterTask(tr("EO Scene Finder: mosaic of {count} scenes").format(count=len(plans)),
                                    build, name, dock.project)
        holder.append(task)
        task.switched.connect(lambda text: dock._set_status(text, error=True))
        task.layerAdded.connect(lambda layer: dock._set_status(tr("Added {name} to the map (streamed).").format(
            name=layer.name())))
        task.failed.connect(lambda err: dock._show_error(err, tr("Could not build the mosaic")))
        dock._run_task(task)
        return task
