"""Make the working tree importable as ``eo_scene_finder`` (and the test servers as
``servers``) for the benchmark scripts, as tests/conftest.py does for the tests."""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PKGROOT = REPO / ".build" / "pkgroot"
PKGROOT.mkdir(parents=True, exist_ok=True)
if not (PKGROOT / "eo_scene_finder").exists():
    (PKGROOT / "eo_scene_finder").symlink_to(REPO, target_is_directory=True)
for path in (str(REPO / "tests"), str(PKGROOT)):
    if path not in sys.path:
        sys.path.insert(0, path)
