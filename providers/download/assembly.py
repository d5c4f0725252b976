"""Products assembled from several downloaded files (a SAFE folder rebuilt from a bucket).

The jobs of one product write into a hidden staging folder ``.<name>.part`` and share one
:class:`FolderAssembly` as their ``group``; after the run the engine hands it their results.
Only when every file arrived does the staging folder become ``<name>`` (or a zip holding the
folder at its root), so a product under its final name is always whole; otherwise the staging
folder stays for the next run to resume.
"""
from __future__ import annotations

import os
import shutil
import threading
import zipfile
from typing import List, Optional

from .. import errors
from .jobs import DownloadResult
from .transfer import durable_replace

# already compressed: stored as they are in a zip
_STORED = (".tiff", ".tif", ".jp2", ".png", ".jpg", ".pdf", ".gz", ".zip")


class FolderAssembly:
    """The files of one product: ``staging`` becomes ``final_dir``, or ``zip_path`` holding the
    ``final_dir`` folder, once every job succeeded (see the module docstring)."""

    _lock = threading.Lock()

    def __init__(self, name: str, staging: str, final_dir: str, zip_path: Optional[str] = None):
        self.name = name
        self.staging = staging
        self.final_dir = final_dir
        self.zip_path = zip_path

    def finish(self, results: List[DownloadResult]) -> None:
        failed = [r for r in results if not r.ok]
        if failed:
            note = (f"{os.path.basename(self.final_dir)} is not assembled: {len(failed)} of its {len(results)} files "
                    "did not arrive (the next run resumes them).")
            for r in results:
                r.message = (r.message + " " + note).strip()
            return
        with self._lock:
            if self.zip_path:
                self._zip()
                for r in results:
                    r.path = self.zip_path
                return
            if os.path.isdir(self.final_dir):
                raise errors.DownloadError(f"{self.final_dir} appeared meanwhile; {self.staging} is kept.")
            os.replace(self.staging, self.final_dir)
            for r in results:
                r.path = os.path.join(self.final_dir, os.path.relpath(r.job.dest_path, self.staging))

    def _zip(self) -> None:
        part = self.zip_path + ".part"
        root = os.path.basename(self.final_dir)
        if self.zip_path.endswith((".tar.gz", ".tgz")):  # Landsat scenes travel as tar.gz
            import tarfile

            with tarfile.open(part, "w:gz") as archive:
                for folder, _dirs, files in os.walk(self.staging):
                    for name in sorted(files):
                        path = os.path.join(folder, name)
                        archive.add(path, root + "/" + os.path.relpath(path, self.staging).replace(os.sep, "/"))
            durable_replace(part, self.zip_path)
            shutil.rmtree(self.staging, ignore_errors=True)
            return
        with zipfile.ZipFile(part, "w", allowZip64=True) as archive:
            for folder, _dirs, files in os.walk(self.staging):
                for name in sorted(files):
                    path = os.path.join(folder, name)
                    arcname = root + "/" + os.path.relpath(path, self.staging).replace(os.sep, "/")
                    method = zipfile.ZIP_STORED if name.lower().endswith(_STORED) else zipfile.ZIP_DEFLATED
                    archive.write(path, arcname, method)
        durable_replace(part, self.zip_path)
        shutil.rmtree(self.staging, ignore_errors=True)
