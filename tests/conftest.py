"""Test set-up: make the repository importable as ``eo_scene_finder`` and load the
fixture modules (each server fixture lives in its own module under tests/fixtures/)."""
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKGROOT = REPO / ".build" / "pkgroot"
PKGROOT.mkdir(parents=True, exist_ok=True)
_link = PKGROOT / "eo_scene_finder"
if not _link.exists():
    try:
        _link.symlink_to(REPO, target_is_directory=True)
    except FileExistsError:  # another worker made it
        pass
if str(PKGROOT) not in sys.path:
    sys.path.insert(0, str(PKGROOT))
if str(REPO / "tests") not in sys.path:
    sys.path.insert(0, str(REPO / "tests"))

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")

# Each module registers fixtures; a missing one is a bug, not something to skip.
pytest_plugins = [
    "fixtures.token_servers",
    "fixtures.signing_servers",
    "fixtures.servers",
    "fixtures.download_servers",
    "fixtures.cdse_servers",
    "fixtures.bucket_servers",
    "fixtures.cmr_servers",
    "fixtures.m2m_servers",
    "fixtures.qgis_real",
    "fixtures.qgis_auth",
    "fixtures.secret_service",
    "fixtures.fuzz_report",
    "fixtures.background_work",
    "fixtures.processing_algs",
]
