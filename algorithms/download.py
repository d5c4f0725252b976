"""``eoscenefinder:download``: download the scenes of a search layer with the resumable,
verified engine; a re-run downloads nothing new."""
from __future__ import annotations

import os
import threading

from qgis.core import (QgsFeature, QgsFeatureSink, QgsFields, QgsProcessing, QgsProcessingAlgorithm,
                       QgsProcessingException, QgsProcessingOutputFolder, QgsProcessingOutputNumber,
                       QgsProcessingParameterBoolean, QgsProcessingParameterEnum, QgsProcessingParameterFeatureSink,
                       QgsProcessingParameterFeatureSource, QgsProcessingParameterFolderDestination,
                       QgsProcessingParameterString, QgsWkbTypes)

from ..providers.errors import EoSceneFinderError
from ..qgis_compat import field
from .common import run_reporting_here, scenes_from_source
from ..services.speeds import shared_host_speeds
from ..i18n import tr


class DownloadAlgorithm(QgsProcessingAlgorithm):
    INPUT, ASSETS, OUTPUT_FOLDER, UNPACK, OUTPUT = "INPUT", "ASSETS", "OUTPUT_FOLDER", "UNPACK", "OUTPUT"
    TRANSFER = "TRANSFER"

    @staticmethod
    def transfers():
        """TRANSFER's choices: 0 HTTPS; 1 S3, for the kinds whose spec declares S3 transfers."""
        from ..providers.catalogs import specs

        s3 = [spec.transfer_label for spec in specs().values() if spec.capabilities.s3_transfer]
        return (tr("HTTPS (the catalog's links)"), f"S3 ({'; '.join(s3)})")

    def name(self):
        return "download"

    def displayName(self):  # noqa: N802
        return tr("Download scenes")

    def shortHelpString(self):  # noqa: N802
        return (tr("Downloads the scenes of a layer made by “Search scenes” (the selected features only when "
                "“Selected features only” is ticked) into <folder>/<collection>/<scene id>/. Parallel, resumable "
                "(.part files), checksum-verified; files already downloaded and verified are skipped.\n\n"
                "ASSETS: comma-separated asset keys; empty = the whole product for product catalogs, all data "
                "assets for STAC."))

    def createInstance(self):  # noqa: N802
        return DownloadAlgorithm()

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, tr("Scenes (from Search scenes)"),
                                                              [QgsProcessing.TypeVector]))
        self.addParameter(QgsProcessingParameterString(self.ASSETS, tr("Asset keys (comma-separated)"), optional=True))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, tr("Output folder")))
        self.addParameter(QgsProcessingParameterBoolean(self.UNPACK, tr("Unpack product archives"), defaultValue=False))
        self.addParameter(QgsProcessingParameterEnum(self.TRANSFER, tr("Transfer"), options=list(self.transfers()),
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Download report"),
                                                            QgsProcessing.TypeVector, optional=True))
        self.addOutput(QgsProcessingOutputFolder("FOLDER", tr("Folder")))
        for name in ("DOWNLOADED", "SKIPPED", "FAILED", "UNVERIFIED"):
            self.addOutput(QgsProcessingOutputNumber(name, name.title()))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from ..providers.download.engine import DownloadEngine, shared_limiter
        from ..providers.download.jobs import asset_jobs

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(tr("INPUT is not a readable layer."))
        folder = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context)
        keys_text = self.parameterAsString(parameters, self.ASSETS, context) or ""
        keys = [k.strip() for k in keys_text.split(",") if k.strip()] or None
        unpack = self.parameterAsBool(parameters, self.UNPACK, context)
        scenes, providers = scenes_from_source(source, feedback)
        if not scenes:
            raise QgsProcessingException(tr("The input layer has no scene to download."))
        for provider in providers.values():  # before the first request: who pays (requester-pays buckets)
            notice = getattr(provider, "download_notice", None)
            if callable(notice) and notice():
                feedback.pushWarning(notice())
        if self.parameterAsEnum(parameters, self.TRANSFER, context) == 1:
            rows = self._download_s3(scenes, providers, folder, feedback)
            return self._report(parameters, context, folder, rows, feedback)
        jobs = []
        for conn, scene in scenes:
            provider = providers[conn]
            scene_keys = keys
            if scene_keys is None:
                scene_keys = provider.default_download_assets(scene)
            if scene_keys is not None:
                missing = [k for k in scene_keys if k not in scene.assets]
                if missing:
                    feedback.pushWarning(tr("{id} has no asset {missing}; it has: {assets}").format(
                        id=scene.id, missing=', '.join(missing), assets=', '.join(sorted(scene.assets))))
                    scene_keys = [k for k in scene_keys if k in scene.assets]
                    if not scene_keys:
                        continue
            try:
                jobs.extend(asset_jobs(scene, scene_keys, folder, provider, unpack=unpack))
            except EoSceneFinderError as err:
                feedback.reportError(f"{scene.id}: {err}")
        if not jobs:
            raise QgsProcessingException(tr("Nothing to download: no scene has the requested assets."))
        feedback.pushInfo(tr("{count} file(s) to fetch into {folder}").format(count=len(jobs), folder=folder))

        cancel = threading.Event()
        feedback.canceled.connect(cancel.set)
        last = {"pct": -1}

        def progress(event):
            pct = event.overall_percent
            if pct is None and event.files_total:
                pct = 100.0 * event.files_finished / event.files_total
            if pct is not None and int(pct) != last["pct"]:
                last["pct"] = int(pct)
                feedback.setProgress(pct)
            if event.result is None and event.state == "queued" and event.message \
                    and event.message != last.get("waiting"):
                last["waiting"] = event.message          # e.g. "USGS is preparing 2 files"
                feedback.pushInfo(event.message)
            if event.result is not None:
                r = event.result
                line = f"{r.state}: {event.label}" + (f" — {r.reason}" if r.reason else "")
                if r.state == "failed":
                    feedback.reportError(line)
                else:
                    feedback.pushInfo(line)

        # the engine's threads only queue their events; this thread reports them (issue 11)
        # one limiter for every download run in this QGIS: runs at once keep the per-host limit
        engine = DownloadEngine(limiter=shared_limiter(), speeds=shared_host_speeds())
        results = run_reporting_here(lambda post: engine.run(jobs, post, cancel), progress,
                                     feedback, cancel, name="eosf-download-run")
        rows = []
        for r in results:
            scene_id, asset_key = (r.job.key.split("|") + ["", "", "", ""])[2:4]
            rows.append((scene_id, asset_key, r.path or r.job.dest_path, r.state, r.bytes_transferred, r.reason))
        if feedback.isCanceled():
            feedback.pushInfo(tr("Cancelled: partial files stay as .part and resume on the next run."))
        return self._report(parameters, context, folder, rows, feedback)

    def _download_s3(self, scenes, providers, folder, feedback):
        """Products copied from the S3 ``eodata`` bucket, as SAFE folders, into
        ``<folder>/<collection>/``; several accounts share the work (Copernicus Data Space)."""
        from ..providers.catalogs import specs

        by_target = {}
        for conn, scene in scenes:
            provider = providers[conn]
            if not provider.spec.capabilities.s3_transfer:
                able = [s.title for s in specs().values() if s.capabilities.s3_transfer]
                raise QgsProcessingException(
                    tr("TRANSFER=S3 works with {kinds} connections; {id} comes from “{conn}”.").format(
                        kinds=', '.join(able), id=scene.id, conn=conn))
            by_target.setdefault((conn, scene.collection or "no-collection"), []).append(scene)
        cancel = threading.Event()
        feedback.canceled.connect(cancel.set)
        rows = []
        for (conn, collection), group in by_target.items():
            provider = providers[conn]
            try:
                products = provider.s3_products(group)
                results = provider.s3_downloader().run(products, os.path.join(folder, collection),
                                                       cancel_event=cancel)
            except EoSceneFinderError as err:
                raise QgsProcessingException(str(err)) from err
            for scene, r in zip(group, results):
                line = f"{r.state}: {scene.id}" + (f" — {r.message or (r.error.user_message if r.error else '')}"
                                                   if (r.message or r.error) else "")
                (feedback.reportError if r.state == "failed" else feedback.pushInfo)(line)
                rows.append((scene.id, "S3", r.path or "", r.state, r.bytes_transferred,
                             r.message or (r.error.user_message if r.error else "")))
        return rows

    def _report(self, parameters, context, folder, rows, feedback=None):
        fields = QgsFields()
        for name, kind in (("scene", "string"), ("asset", "string"), ("path", "string"), ("state", "string"),
                           ("bytes", "int64"), ("message", "string")):
            fields.append(field(name, kind))
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.NoGeometry)
        counts = {"done": 0, "skipped": 0, "failed": 0, "unverified": 0}
        for row in rows:
            state = row[3]
            counts[state if state in counts else "failed"] += 1
            if sink is not None:
                f = QgsFeature(fields)
                f.setAttributes(list(row))
                sink.addFeature(f, QgsFeatureSink.FastInsert)
        if feedback is not None:
            feedback.pushInfo(tr("Downloaded {done}, skipped {skipped} (already present), failed {failed}.").format(
                done=counts["done"], skipped=counts["skipped"], failed=counts["failed"]))
            if counts["unverified"]:
                feedback.pushWarning(tr("Not verified: {unverified} (kept as .unverified: the file never matched "
                                        "its published checksum).").format(unverified=counts["unverified"]))
        out = {"FOLDER": folder, "DOWNLOADED": counts["done"], "SKIPPED": counts["skipped"],
               "FAILED": counts["failed"], "UNVERIFIED": counts["unverified"]}
        if sink is not None:
            out[self.OUTPUT] = dest_id
            sink.flushBuffer()
            del sink  # commit the report now (see the search algorithm)
        return out
