"""``qgis_process`` on the ``usgs`` kind (the plugin installed from the release zip), against
the loopback M2M server: ``eoscenefinder:search`` on ``usgs?url=…`` and
``eoscenefinder:download`` of band files and of bundles (empty ASSETS), headless with
``EOSF_USGS_USERNAME`` / ``EOSF_USGS_TOKEN``; the API key appears in no output."""
from __future__ import annotations

import csv
import tarfile

import qgis_env
from test_qgis_process import read_features

from fixtures.m2m_servers import USGS_TOKEN, USGS_USERNAME


def run(args, profile, cwd):
    env = {"EOSF_USGS_USERNAME": USGS_USERNAME, "EOSF_USGS_TOKEN": USGS_TOKEN}
    proc = qgis_env.run_qgis_process(args, profile.root, timeout=300, cwd=cwd, env=env)
    assert proc.returncode == 0, f"{args}\n--- stdout ---\n{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-3000:]}"
    return proc


def test_usgs_search_then_download_bands_and_bundles(qgis_profile_factory, m2m, tmp_path):
    m2m.configure(prepare_polls=2)
    profile = qgis_profile_factory("qgis-process-usgs")
    conn = f"usgs?url={m2m.api_url}&retrieve_interval=0.1"
    out = run(["run", "eoscenefinder:search", "--", f"CONNECTION={conn}", "COLLECTIONS=landsat_ot_c2_l2",
               "EXTENT=3.5,5.0,50.0,51.0 [EPSG:4326]", "START=2018-03-01", "END=2018-04-30", "MAX_CLOUD=60",
               "LIMIT=2", "OUTPUT=scenes.gpkg"], profile, tmp_path)
    feats = read_features(tmp_path / "scenes.gpkg")
    ids = [f.GetField("id") for f in feats]
    assert len(ids) == 2 and all(i.startswith("LC08_L2SP_") for i in ids)
    assert all("2018-03" <= f.GetField("datetime")[:7] <= "2018-04" and f.GetField("cloud_cover") <= 60
               for f in feats)

    run(["run", "eoscenefinder:download", "--", "INPUT=scenes.gpkg", "ASSETS=SR_B4,QA_PIXEL",
         "OUTPUT_FOLDER=downloads", "OUTPUT=bands.csv"], profile, tmp_path)
    rows = list(csv.DictReader((tmp_path / "bands.csv").open()))
    assert sorted((r["scene"], r["asset"], r["state"]) for r in rows) == sorted(
        (i, a, "done") for i in ids for a in ("SR_B4", "QA_PIXEL"))
    for i in ids:
        assert (tmp_path / "downloads" / "landsat_ot_c2_l2" / i / f"{i}_SR_B4.TIF").stat().st_size > 2000

    proc = run(["run", "eoscenefinder:download", "--", "INPUT=scenes.gpkg", "OUTPUT_FOLDER=downloads",
                "OUTPUT=bundles.csv"], profile, tmp_path)
    assert "USGS is preparing 2 files" in proc.stdout, proc.stdout[-3000:]
    rows = list(csv.DictReader((tmp_path / "bundles.csv").open()))
    assert sorted((r["scene"], r["asset"], r["state"]) for r in rows) == sorted((i, "bundle", "done") for i in ids)
    for i in ids:
        with tarfile.open(tmp_path / "downloads" / "landsat_ot_c2_l2" / f"{i}.tar") as tar:
            assert f"{i}_QA_PIXEL.TIF" in tar.getnames()
    assert not list((tmp_path / "downloads").rglob("*.part"))
    stats = m2m.stats()
    assert stats["counts"]["download-request"] == 2 and stats["logouts"] >= 3 and stats["keys_alive"] == 0
    outputs = proc.stdout + proc.stderr + (tmp_path / "scenes.gpkg").read_bytes().decode("latin-1")
    assert USGS_TOKEN not in outputs and not any(key in outputs for key in stats["keys_issued"])
