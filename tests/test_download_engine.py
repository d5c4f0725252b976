"""The download engine against real servers on loopback: nginx for the plain, throttled,
Range-ignoring, failing and redirecting cases; a scripted ThreadingHTTPServer where the
server needs state (503 twice then success, a token that expires mid-transfer)."""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from eo_scene_finder.providers.download import checksums
from eo_scene_finder.providers.download.jobs import CANCELLED, DONE, DOWNLOADING, FAILED, MANIFEST_NAME, OFFLINE, SKIPPED, UNVERIFIED, DownloadJob, asset_jobs
from eo_scene_finder.providers.download.engine import DownloadEngine, HostLimiter
from eo_scene_finder.providers.auth.headers import StaticHeaders
from eo_scene_finder.providers.errors import (AuthenticationError, ChecksumMismatchError,
                                              DiskFullError, OfflineProductError,
                                              RateLimitedError, ServerError)
from eo_scene_finder.providers.model import Asset, Checksum, Scene
from eo_scene_finder.providers.catalogs.stac.items import item_to_scene
from fixtures.download_servers import (FileBehaviour, Gauge, ScriptedFileServer, download_locations,
                                       write_random_file)

DATA = Path(__file__).resolve().parent / "data" / "download"
PKGROOT = Path(__file__).resolve().parents[1] / ".build" / "pkgroot"
CHUNK = 256 * 1024
MiB = 1024 * 1024


def sha256(path: Path) -> Checksum:
    return Checksum("sha256", hashlib.sha256(Path(path).read_bytes()).hexdigest())


def engine(**kwargs) -> DownloadEngine:
    """An engine with short backoffs so fault tests stay quick."""
    kwargs.setdefault("backoff", 0.05)
    kwargs.setdefault("backoff_max", 0.2)
    kwargs.setdefault("timeout", (5, 10))
    return DownloadEngine(**kwargs)


def same_bytes(a: Path, b: Path) -> bool:
    return sha256(a) == sha256(b)


# ---------------------------------------------------------------------------- checksums
def test_stac_multihash_of_a_real_earth_search_item_becomes_a_sha256_checksum():
    item = json.loads((DATA / "earth-search-s2-c1-l2a-item.json").read_text())
    scene = item_to_scene(item)
    assert scene.assets["red"].checksum == Checksum(
        "sha256", "788b8545c5fd72b4ee34271d43182b74aa423a4e3880bbe9ed7a4ec141e9a5ec")
    md5 = hashlib.md5(b"x").hexdigest()
    assert checksums.parse_multihash("d50110" + md5) == Checksum("md5", md5)
    assert checksums.parse_multihash("1220abcd") is None  # digest shorter than announced


def test_odata_checksum_uses_md5_because_blake3_is_not_in_hashlib():
    product = json.loads((DATA / "cdse-odata-product.json").read_text())
    assert checksums.from_odata(product["Checksum"]) == Checksum("md5", "23383d85c5231487ce13d1c10aeb8e7b")


def test_sidecar_checksum_files_in_gnu_and_bsd_formats():
    digest = hashlib.sha256(b"data").hexdigest()
    gnu = f"{'0' * 64}  other.tif\n{digest} *B04.tif\n"
    assert checksums.from_sidecar(gnu, "out/B04.tif") == Checksum("sha256", digest)
    assert checksums.from_sidecar(f"SHA256 (B04.tif) = {digest}", "B04.tif") == Checksum("sha256", digest)
    assert checksums.from_sidecar(hashlib.md5(b"d").hexdigest() + "\n").algorithm == "md5"


# ------------------------------------------------------------------------- plain path
def test_download_is_verified_placed_atomically_and_reported(nginx_downloads, download_files, tmp_path):
    src = download_files / "medium.bin"
    events = []
    job = DownloadJob(f"{nginx_downloads.url}/medium.bin", str(tmp_path / "out" / "medium.bin"),
                      size=src.stat().st_size, checksum=sha256(src))
    [result] = engine().run([job], progress_cb=events.append)

    assert result.state == DONE, result.reason
    assert result.verified_by == "sha256"
    assert same_bytes(tmp_path / "out" / "medium.bin", src)
    assert not (tmp_path / "out" / "medium.bin.part").exists()
    manifest = json.loads((tmp_path / "out" / MANIFEST_NAME).read_text())
    assert manifest["files"]["medium.bin"]["checksum"] == "sha256:" + sha256(src).hexdigest
    assert any(e.state == DOWNLOADING for e in events)
    assert events[-1].state == DONE and events[-1].overall_done == src.stat().st_size
    assert events[-1].overall_total == src.stat().st_size and events[-1].files_finished == 1


def test_sidecar_checksum_file_is_fetched_and_used(nginx_downloads, download_files, tmp_path):
    src = download_files / "small.bin"
    (download_files / "small.bin.sha256").write_text(f"{sha256(src).hexdigest}  small.bin\n")
    job = DownloadJob(f"{nginx_downloads.url}/small.bin", str(tmp_path / "small.bin"),
                      checksum_url=f"{nginx_downloads.url}/small.bin.sha256")
    [result] = engine().run([job])
    assert result.state == DONE and result.verified_by == "sha256"


def test_rerun_skips_verified_files_without_any_request(nginx_downloads, download_files, tmp_path):
    out = tmp_path / "out"
    def jobs():
        return [DownloadJob(f"{nginx_downloads.url}/many/part-{i}.bin", str(out / f"part-{i}.bin"),
                            checksum=sha256(download_files / "many" / f"part-{i}.bin"), manifest_dir=str(out))
                for i in range(8)]
    first = engine().run(jobs())
    assert [r.state for r in first] == [DONE] * 8

    nginx_downloads.clear_log()
    second = engine().run(jobs())
    assert [r.state for r in second] == [SKIPPED] * 8
    assert all(r.bytes_transferred == 0 for r in second)
    assert nginx_downloads.requests() == []

    # without the manifest the files are hashed locally, still nothing is transferred
    (out / MANIFEST_NAME).unlink()
    third = engine().run(jobs())
    assert [r.state for r in third] == [SKIPPED] * 8
    assert nginx_downloads.requests() == []

    # a file changed on disk is fetched again and ends up correct
    (out / "part-3.bin").write_bytes(b"changed")
    fourth = engine().run(jobs())
    assert fourth[3].state == DONE and [r.state for i, r in enumerate(fourth) if i != 3] == [SKIPPED] * 7
    assert same_bytes(out / "part-3.bin", download_files / "many" / "part-3.bin")


# --------------------------------------------------------------------------- resume
_KILLABLE = """
import sys
sys.path.insert(0, {pkgroot!r})
from eo_scene_finder.providers.download import DownloadEngine, DownloadJob
def report(event):
    print(event.done, flush=True)
DownloadEngine(chunk_size={chunk}, progress_interval=0).run(
    [DownloadJob({url!r}, {dest!r})], progress_cb=report)
"""


def test_killed_process_resumes_from_every_byte_it_reported(nginx_downloads, download_files, tmp_path):
    src = download_files / "large.bin"
    size = src.stat().st_size
    dest = tmp_path / "large.bin"
    url = f"{nginx_downloads.url}/slow/large.bin"
    nginx_downloads.clear_log()
    code = _KILLABLE.format(pkgroot=str(PKGROOT), chunk=CHUNK, url=url, dest=str(dest))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    reported = 0
    try:
        for line in proc.stdout:
            reported = int(line)
            if reported >= 3 * MiB:
                break
        os.kill(proc.pid, signal.SIGKILL)  # like QGIS crashing: no clean-up at all
        reported = max([reported] + [int(line) for line in proc.stdout])  # said before it died
    finally:
        proc.wait(10)
        proc.stdout.close()
    part = Path(str(dest) + ".part")
    kept = part.stat().st_size
    assert 3 * MiB <= kept < size and not dest.exists()
    assert kept >= reported  # every byte reported done was on disk: the resume starts there

    [result] = engine(chunk_size=CHUNK).run([DownloadJob(url, str(dest), checksum=sha256(src))])

    assert result.state == DONE, result.reason
    assert same_bytes(dest, src)
    logged = [r for r in nginx_downloads.requests() if r.uri == "/slow/large.bin"]
    assert [r.status for r in logged] == [200, 206]
    assert logged[1].range == f"bytes={kept}-"
    # nginx's count also holds what sat unread in the killed process's socket when it died,
    # which grows with how late the kill came on a busy machine: one chunk plus that margin
    # (a resume from an earlier point, or from 0, sends 3 MiB or more again)
    retransferred = logged[0].body_bytes_sent + logged[1].body_bytes_sent - size
    assert retransferred <= CHUNK + MiB, f"{retransferred} bytes sent twice"


def test_server_restart_mid_transfer_resumes(nginx_server, download_files, tmp_path):
    import signal as _signal
    server = nginx_server(download_files, download_locations(download_files, "http://127.0.0.2:9/"))
    src = download_files / "large.bin"
    dest = tmp_path / "large.bin"
    halfway = threading.Event()
    outcome = []

    def progress(event):
        if event.done >= 2 * MiB:
            halfway.set()

    worker = threading.Thread(target=lambda: outcome.extend(engine(retries=30).run(
        [DownloadJob(f"{server.url}/slow/large.bin", str(dest), checksum=sha256(src))], progress)))
    worker.start()
    assert halfway.wait(30)
    server.process.stop_signal = _signal.SIGTERM  # fast shutdown: connections are cut
    server.restart()
    worker.join(60)

    [result] = outcome
    assert result.state == DONE, result.reason
    assert same_bytes(dest, src)
    # nginx does not log the request its fast shutdown cut; the one after the restart
    # asks for the rest of the file only
    [resumed] = [r for r in server.requests() if r.uri == "/slow/large.bin"]
    start = int(resumed.range[len("bytes="):-1])
    assert resumed.status == 206 and start >= 2 * MiB
    assert resumed.body_bytes_sent == src.stat().st_size - start


def test_server_ignoring_range_makes_the_download_start_over(nginx_downloads, download_files, tmp_path):
    src = download_files / "medium.bin"
    dest = tmp_path / "medium.bin"
    Path(str(dest) + ".part").write_bytes(src.read_bytes()[:MiB])
    nginx_downloads.clear_log()

    [result] = engine().run([DownloadJob(f"{nginx_downloads.url}/noranges/medium.bin", str(dest),
                                         checksum=sha256(src))])

    assert result.state == DONE, result.reason
    assert same_bytes(dest, src)
    [logged] = nginx_downloads.requests()
    assert (logged.range, logged.status, logged.body_bytes_sent) == (f"bytes={MiB}-", 200, src.stat().st_size)


# ------------------------------------------------------------------------- checksums
def test_checksum_mismatch_is_retried_once_then_kept_under_a_marked_name_never_the_final_one(
        nginx_downloads, download_files, tmp_path):
    dest = tmp_path / "medium.bin"
    wrong = sha256(download_files / "small.bin")  # what the catalog claims
    nginx_downloads.clear_log()

    [result] = engine().run([DownloadJob(f"{nginx_downloads.url}/medium.bin", str(dest), checksum=wrong)])

    assert result.state == UNVERIFIED and not result.ok
    assert "checksum" in result.reason and "medium.bin.unverified" in result.reason
    assert not dest.exists() and not Path(str(dest) + ".part").exists()
    assert result.path == str(dest) + ".unverified" and same_bytes(Path(result.path), download_files / "medium.bin")
    assert [(r.status, r.range) for r in nginx_downloads.requests()] == [(200, ""), (200, "")]
    # a later run whose catalog checksum is right stores the final file and drops the marked one
    [again] = engine().run([DownloadJob(f"{nginx_downloads.url}/medium.bin", str(dest),
                                        checksum=sha256(download_files / "medium.bin"))])
    assert again.state == DONE and dest.exists() and not Path(str(dest) + ".unverified").exists()


def test_corrupt_part_from_an_earlier_run_is_caught_and_downloaded_again(nginx_downloads, download_files,
                                                                          tmp_path):
    src = download_files / "medium.bin"
    dest = tmp_path / "medium.bin"
    Path(str(dest) + ".part").write_bytes(os.urandom(MiB))  # not the file's first MiB
    nginx_downloads.clear_log()

    [result] = engine().run([DownloadJob(f"{nginx_downloads.url}/medium.bin", str(dest), checksum=sha256(src))])

    assert result.state == DONE, result.reason
    assert same_bytes(dest, src)
    assert [(r.status, r.range) for r in nginx_downloads.requests()] == [(206, f"bytes={MiB}-"), (200, "")]


# ------------------------------------------------------------------------ rate limits
@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured_then_the_download_succeeds(scripted_server, download_files, tmp_path, status):
    src = download_files / "small.bin"
    scripted_server.set_behaviour("/small.bin", FileBehaviour(
        before=[(status, {"Retry-After": "1"}), (status, {"Retry-After": "1"})]))

    [result] = engine().run([DownloadJob(f"{scripted_server.url}/small.bin", str(tmp_path / "small.bin"),
                                         checksum=sha256(src))])

    assert result.state == DONE, result.reason
    records = scripted_server.requests_for("/small.bin")
    assert [r.status for r in records] == [status, status, 200]
    assert records[1].started - records[0].started >= 1.0  # Retry-After: 1
    assert records[2].started - records[1].started >= 1.0


@pytest.mark.parametrize("status, error", [(429, RateLimitedError), (503, ServerError)])
def test_persistent_429_or_503_fails_after_the_retries(nginx_downloads, tmp_path, status, error):
    nginx_downloads.clear_log()
    began = time.monotonic()
    [result] = engine(retries=2).run([DownloadJob(f"{nginx_downloads.url}/always{status}/x.bin",
                                                  str(tmp_path / "x.bin"))])
    assert result.state == FAILED and isinstance(result.error, error)
    assert str(status) in result.reason
    assert len([r for r in nginx_downloads.requests() if r.uri.startswith(f"/always{status}/")]) == 3
    assert time.monotonic() - began >= 2.0  # waited Retry-After: 1 twice
    assert not (tmp_path / "x.bin").exists()


# ----------------------------------------------------------------------------- auth
def test_401_mid_download_refreshes_the_token_and_resumes(scripted_server, download_files, tmp_path):
    src = download_files / "medium.bin"
    scripted_server.set_behaviour("/medium.bin", FileBehaviour(tokens={"first", "second"},
                                                               cut_after={"first": MiB}))
    refreshes = []

    def refresh():
        refreshes.append(1)
        return {"Authorization": "Bearer second"}

    auth = StaticHeaders({"Authorization": "Bearer first"}, refresh=refresh)
    [result] = engine().run([DownloadJob(f"{scripted_server.url}/medium.bin", str(tmp_path / "m.bin"),
                                         checksum=sha256(src), headers_provider=auth)])

    assert result.state == DONE, result.reason
    assert same_bytes(tmp_path / "m.bin", src)
    assert len(refreshes) == 1
    records = scripted_server.requests_for("/medium.bin")
    assert [(r.status, r.headers.get("authorization")) for r in records] == [
        (200, "Bearer first"), (401, "Bearer first"), (206, "Bearer second")]
    assert records[2].headers["range"] == f"bytes={MiB}-"
    assert records[0].body_bytes + records[2].body_bytes == src.stat().st_size


def test_401_again_after_refresh_fails_with_credentials_rejected(scripted_server, download_files, tmp_path):
    scripted_server.set_behaviour("/medium.bin", FileBehaviour(tokens={"first"}, cut_after={"first": MiB}))
    refreshes = []
    auth = StaticHeaders({"Authorization": "Bearer first"},
                         refresh=lambda: refreshes.append(1) or {"Authorization": "Bearer revoked"})
    dest = tmp_path / "m.bin"

    [result] = engine().run([DownloadJob(f"{scripted_server.url}/medium.bin", str(dest), headers_provider=auth)])

    assert result.state == FAILED and isinstance(result.error, AuthenticationError)
    assert "credentials rejected" in result.reason
    assert len(refreshes) == 1
    assert Path(str(dest) + ".part").stat().st_size == MiB and not dest.exists()


def test_provider_credentials_are_refreshed_once_for_all_parallel_downloads(scripted_server, download_files,
                                                                            tmp_path):
    class TokenProvider:  # what the panel passes: a provider with expiring tokens
        token = "first"
        refreshes = 0

        def resolve_href(self, href):
            return href

        def request_headers(self, url):
            return {"Authorization": f"Bearer {self.token}"}

        def refresh_credentials(self):
            self.refreshes += 1
            self.token = "second"
            return True

    assets = {}
    for i in range(4):
        path = f"/many/part-{i}.bin"
        scripted_server.set_behaviour(path, FileBehaviour(tokens={"first", "second"}, cut_after={"first": 128 * 1024},
                                                          rate=2 * MiB))
        src = download_files / "many" / f"part-{i}.bin"
        assets[f"b{i}"] = Asset(f"b{i}", scripted_server.url + path, roles=("data",), size=src.stat().st_size,
                                checksum=sha256(src))
    scene = Scene(id="S2B_T31TFJ_20230115T103411_L2A", collection="sentinel-2-c1-l2a", datetime=None,
                  geometry=None, bbox=None, assets=assets)
    provider = TokenProvider()

    results = engine(per_host=4).run(asset_jobs(scene, None, str(tmp_path), provider))

    assert [r.state for r in results] == [DONE] * 4, [r.reason for r in results]
    assert provider.refreshes == 1
    assert all(r.headers["authorization"] == "Bearer second"
               for r in scripted_server.records if r.status == 206)


# ------------------------------------------------------------------------ full disk
def test_not_enough_free_space_is_reported_before_any_transfer(small_disk, nginx_downloads, download_files):
    disk = small_disk("4m")
    nginx_downloads.clear_log()
    src = download_files / "large.bin"
    [known] = engine().run([DownloadJob(f"{nginx_downloads.url}/large.bin", str(disk / "a.bin"),
                                        size=src.stat().st_size)])
    assert known.state == FAILED and isinstance(known.error, DiskFullError)
    assert "free" in known.reason
    assert nginx_downloads.requests() == []

    # size unknown to the catalog: the server's Content-Length is checked before writing
    [unknown] = engine().run([DownloadJob(f"{nginx_downloads.url}/large.bin", str(disk / "b.bin"))])
    assert unknown.state == FAILED and isinstance(unknown.error, DiskFullError)
    assert not (disk / "b.bin").exists() and not (disk / "b.bin.part").exists()


def test_disk_filling_up_stops_cleanly_keeps_the_part_and_resumes(small_disk, nginx_downloads, download_files):
    disk = small_disk("8m")
    src = download_files / "medium.bin"
    dest = disk / "out" / "medium.bin"
    filler = disk / "filler"
    filled = threading.Event()

    def fill_disk(event):  # another program fills the disk during the download
        if event.done >= MiB and not filled.is_set():
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
            try:
                while True:
                    os.write(fd, b"\0" * 65536)
            except OSError:
                pass
            finally:
                os.close(fd)
                filled.set()

    url = f"{nginx_downloads.url}/slow/medium.bin"
    [result] = engine().run([DownloadJob(url, str(dest), checksum=sha256(src))], progress_cb=fill_disk)

    assert filled.is_set()
    assert result.state == FAILED and isinstance(result.error, DiskFullError)
    assert "disk is full" in result.reason
    part = Path(str(dest) + ".part")
    kept = part.stat().st_size
    assert kept >= MiB and not dest.exists()

    filler.unlink()
    nginx_downloads.clear_log()
    [again] = engine().run([DownloadJob(url, str(dest), checksum=sha256(src))])
    assert again.state == DONE, again.reason
    assert same_bytes(dest, src)
    assert nginx_downloads.requests()[0].range == f"bytes={kept}-"


# ------------------------------------------------------------------------- redirects
def test_redirect_to_another_host_does_not_forward_credentials(nginx_downloads, second_host_server,
                                                               download_files, tmp_path):
    src = download_files / "small.bin"
    second_host_server.reset()
    auth = StaticHeaders({"Authorization": "Bearer secret-token", "X-Api-Key": "k-123"})
    [result] = engine().run([DownloadJob(f"{nginx_downloads.url}/redirect/small.bin", str(tmp_path / "s.bin"),
                                         checksum=sha256(src), headers_provider=auth)])
    assert result.state == DONE, result.reason
    [received] = second_host_server.requests_for("/small.bin")
    assert "authorization" not in received.headers and "x-api-key" not in received.headers


def test_credentials_follow_redirects_to_the_hosts_the_job_lists_and_no_further(scripted_server,
                                                                                 second_host_server,
                                                                                 download_files, tmp_path):
    """127.0.0.1 -> localhost (listed: gets the token) -> 127.0.0.2 (not listed: does not)."""
    src = download_files / "small.bin"
    second_host_server.reset()
    port = scripted_server.url.rsplit(":", 1)[1]
    scripted_server.set_behaviour("/product", FileBehaviour(
        before=[(302, {"Location": f"http://localhost:{port}/hop"})]))
    scripted_server.set_behaviour("/hop", FileBehaviour(
        before=[(307, {"Location": f"{second_host_server.url}/small.bin"})]))
    auth = StaticHeaders({"Authorization": "Bearer secret-token"})
    [result] = engine().run([DownloadJob(f"{scripted_server.url}/product", str(tmp_path / "p.bin"),
                                         checksum=sha256(src), headers_provider=auth,
                                         credential_hosts=("localhost",))])
    assert result.state == DONE, result.reason
    [hop] = scripted_server.requests_for("/hop")
    [target] = second_host_server.requests_for("/small.bin")
    assert hop.headers["authorization"] == "Bearer secret-token"
    assert "authorization" not in target.headers


def test_which_hosts_credentials_may_follow():
    from eo_scene_finder.providers.download.jobs import credentials_may_follow, split_hosts
    cdse = split_hosts("*.dataspace.copernicus.eu")
    start = "https://download.dataspace.copernicus.eu/odata/v1/Products(1)/$value"
    assert credentials_may_follow(start, "https://zipper.dataspace.copernicus.eu/x", cdse)
    assert credentials_may_follow(start, "https://dataspace.copernicus.eu/x", cdse)
    assert not credentials_may_follow(start, "https://evil-dataspace.copernicus.eu/x", cdse)
    assert not credentials_may_follow(start, "https://dataspace.copernicus.eu.evil.example/x", cdse)
    assert not credentials_may_follow(start, "https://s3.example.com/bucket/x?X-Amz-Signature=1", cdse)
    assert not credentials_may_follow(start, "http://zipper.dataspace.copernicus.eu/x", cdse)  # no downgrade
    assert not credentials_may_follow(start, "https://zipper.dataspace.copernicus.eu/x")  # default: same host
    assert credentials_may_follow(start, "https://download.dataspace.copernicus.eu/other")
    assert not credentials_may_follow(start, "https://download.dataspace.copernicus.eu:8443/other")
    assert split_hosts("*.creodias.eu, *.cloudferro.com") == ("*.creodias.eu", "*.cloudferro.com")


def test_credentials_go_to_the_origin_only(scripted_server, second_host_server, download_files, tmp_path):
    src = download_files / "small.bin"
    second_host_server.reset()
    scripted_server.set_behaviour("/product", FileBehaviour(
        before=[(302, {"Location": f"{second_host_server.url}/small.bin"})]))
    auth = StaticHeaders({"Authorization": "Bearer secret-token"})
    [result] = engine().run([DownloadJob(f"{scripted_server.url}/product", str(tmp_path / "p.bin"),
                                         checksum=sha256(src), headers_provider=auth)])
    assert result.state == DONE, result.reason
    [origin] = scripted_server.requests_for("/product")
    [target] = second_host_server.requests_for("/small.bin")
    assert origin.headers["authorization"] == "Bearer secret-token"
    assert "authorization" not in target.headers


# ----------------------------------------------------------------------- parallelism
def test_per_host_limit_is_respected_and_used(scripted_server, download_files, tmp_path):
    for i in range(8):
        scripted_server.set_behaviour(f"/many/part-{i}.bin", FileBehaviour(rate=2 * MiB))
    jobs = [DownloadJob(f"{scripted_server.url}/many/part-{i}.bin", str(tmp_path / f"{i}.bin"),
                        checksum=sha256(download_files / "many" / f"part-{i}.bin")) for i in range(8)]
    results = engine(max_workers=8, per_host=2).run(jobs)
    assert [r.state for r in results] == [DONE] * 8
    assert scripted_server.max_active == 2


def test_global_limit_spans_hosts(download_files, tmp_path):
    gauge = Gauge()
    servers = [ScriptedFileServer(download_files, host, gauge=gauge).start() for host in ("127.0.0.1", "127.0.0.2")]
    try:
        jobs = []
        for s, server in enumerate(servers):
            for i in range(4):
                server.set_behaviour(f"/many/part-{i}.bin", FileBehaviour(rate=2 * MiB))
                jobs.append(DownloadJob(f"{server.url}/many/part-{i}.bin", str(tmp_path / f"{s}-{i}.bin")))
        results = engine(limiter=HostLimiter(max_total=3, per_host=4), max_workers=8).run(jobs)
    finally:
        for server in servers:
            server.close()
    assert [r.state for r in results] == [DONE] * 8
    assert gauge.peak == 3


def test_one_worker_fetches_many_files_over_one_kept_alive_connection(nginx_downloads, download_files, tmp_path):
    nginx_downloads.clear_log()
    jobs = [DownloadJob(f"{nginx_downloads.url}/many/part-{i}.bin", str(tmp_path / f"{i}.bin"),
                        checksum=sha256(download_files / "many" / f"part-{i}.bin")) for i in range(8)]
    results = engine(max_workers=1).run(jobs)
    assert [r.state for r in results] == [DONE] * 8
    logged = [r for r in nginx_downloads.requests() if r.uri.startswith("/many/")]
    assert len(logged) == 8 and len({r.connection for r in logged}) == 1


# ------------------------------------------------------------------------- cancelling
def test_cancel_all_stops_quickly_and_keeps_the_part(nginx_downloads, download_files, tmp_path):
    cancel = threading.Event()
    dest = tmp_path / "large.bin"

    cancelled_at = []

    def progress(event):
        if event.done >= MiB and not cancel.is_set():
            cancelled_at.append(time.monotonic())
            cancel.set()

    results = engine().run([DownloadJob(f"{nginx_downloads.url}/slow/large.bin", str(dest)),
                            DownloadJob(f"{nginx_downloads.url}/slow/medium.bin", str(tmp_path / "m.bin"))],
                           progress_cb=progress, cancel_event=cancel)
    assert time.monotonic() - cancelled_at[0] < 3  # the rest of the file would take 5 s
    assert [r.state for r in results] == [CANCELLED, CANCELLED]
    part = Path(str(dest) + ".part").stat().st_size
    assert MiB <= part < (download_files / "large.bin").stat().st_size and not dest.exists()


def test_cancel_one_job_lets_the_others_finish(nginx_downloads, download_files, tmp_path):
    slow = DownloadJob(f"{nginx_downloads.url}/slow/large.bin", str(tmp_path / "large.bin"))
    quick = DownloadJob(f"{nginx_downloads.url}/medium.bin", str(tmp_path / "medium.bin"),
                        checksum=sha256(download_files / "medium.bin"))

    def progress(event):
        if event.key == slow.key and event.done >= 512 * 1024:
            slow.cancel()

    results = engine().run([slow, quick], progress_cb=progress)
    assert [r.state for r in results] == [CANCELLED, DONE]


# ---------------------------------------------------------------------------- offline
def test_offline_product_is_reported_as_offline_with_the_ordering_step(scripted_server, tmp_path):
    class Archive:  # a provider with an ordering step
        def resolve_href(self, href):
            return href

        def request_headers(self, url):
            return {}

        def order_hint(self, scene):
            return "Order it with “Order offline products”; CDSE restores it within 24 h."

    scene = Scene(id="S1A_IW_GRDH_1SDV_20200101T000000_20200101T000029_030000_036000_ABCD.SAFE",
                  collection="SENTINEL-1", datetime=None, geometry=None, bbox=None, online=False,
                  assets={"product": Asset("product", f"{scripted_server.url}/odata/Products(1)/$value",
                                           media_type="application/zip")})
    [result] = engine().run(asset_jobs(scene, ["product"], str(tmp_path), Archive()))
    assert result.state == OFFLINE and isinstance(result.error, OfflineProductError)
    assert "long-term archive" in result.reason and "Order offline products" in result.reason
    assert scripted_server.records == []

    # a server answering 202 Accepted is restoring it: offline too, not a failure
    scripted_server.set_behaviour("/small.bin", FileBehaviour(before=[(202, {})]))
    [restoring] = engine().run([DownloadJob(f"{scripted_server.url}/small.bin", str(tmp_path / "s.bin"))])
    assert restoring.state == OFFLINE


# ----------------------------------------------------------------------------- layout
def test_assets_of_a_real_item_land_in_collection_and_scene_folders(nginx_downloads, download_files, tmp_path):
    item = json.loads((DATA / "earth-search-s2-c1-l2a-item.json").read_text())
    prefix = "https://e84-earth-search-sentinel-data.s3.us-west-2.amazonaws.com/"
    for key in ("red", "scl", "product_metadata"):
        asset = item["assets"][key]
        rel = asset["href"][len(prefix):]
        served = write_random_file(download_files / "mirror" / rel, asset["file:size"], seed=len(key))
        asset["href"] = f"{nginx_downloads.url}/mirror/{rel}"
        asset["file:checksum"] = "1220" + sha256(served).hexdigest
    scene = item_to_scene(item)

    jobs = asset_jobs(scene, ["red", "scl", "product_metadata"], str(tmp_path))
    results = engine().run(jobs)

    assert [r.state for r in results] == [DONE] * 3
    assert {r.verified_by for r in results} == {"sha256"}
    folder = tmp_path / "sentinel-2-c1-l2a" / "S2B_T20EPT_20250731T131905_L2A"
    assert sorted(p.name for p in folder.iterdir()) == ["B04.tif", "SCL.tif", "product_metadata.xml"]
    assert (tmp_path / MANIFEST_NAME).exists()
    # by default only data assets are fetched (no thumbnails, previews or metadata)
    default_keys = {j.key.rsplit("|", 1)[-1] for j in asset_jobs(scene, None, str(tmp_path))}
    assert "red" in default_keys and not default_keys & {"thumbnail", "preview", "product_metadata"}


def test_product_archive_keeps_its_name_and_can_be_unpacked(nginx_downloads, download_files, tmp_path):
    record = json.loads((DATA / "cdse-odata-product.json").read_text())
    name = record["Name"]  # S1A_AUX_INS_V20140406T010000_G20140409T142540.SAFE
    served = download_files / "odata" / f"Products({record['Id']})" / "$value"
    served.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(served, "w") as zf:
        zf.writestr(f"{name}/manifest.safe", "<xfdu/>")
        zf.writestr(f"{name}/data/s1a-aux-ins.xml", "<auxInstrument/>")
    record["Checksum"][0]["Value"] = hashlib.md5(served.read_bytes()).hexdigest()
    scene = Scene(id=name, collection="SENTINEL-1", datetime=None, geometry=None, bbox=None, online=True,
                  assets={"product": Asset("product", f"{nginx_downloads.url}/odata/Products({record['Id']})/$value",
                                           media_type="application/zip", size=served.stat().st_size,
                                           checksum=checksums.from_odata(record["Checksum"]))})

    [result] = engine().run(asset_jobs(scene, ["product"], str(tmp_path), unpack=True))

    assert result.state == DONE and result.verified_by == "md5", result.reason
    assert result.path == str(tmp_path / "SENTINEL-1" / f"{name}.zip")
    assert (tmp_path / "SENTINEL-1" / name / "manifest.safe").read_text() == "<xfdu/>"
    assert result.unpacked_path == str(tmp_path / "SENTINEL-1" / name)


def test_progress_reports_speed_and_time_left(nginx_downloads, download_files, tmp_path):
    events = []
    srcs = [download_files / "medium.bin", download_files / "small.bin"]
    jobs = [DownloadJob(f"{nginx_downloads.url}/slow/{s.name}", str(tmp_path / s.name), size=s.stat().st_size)
            for s in srcs]
    engine().run(jobs, progress_cb=events.append)
    moving = [e for e in events if e.state == DOWNLOADING and e.speed > 0]
    assert moving and all(e.eta is not None and e.overall_eta is not None for e in moving)
    assert 1e6 < max(e.overall_speed for e in moving) < 6e6  # two files, each at 2 MB/s
    assert {e.overall_total for e in events} == {sum(s.stat().st_size for s in srcs)}
    assert events[-1].files_finished == 2


# ------------------------------------------------------------------------ measured speeds
def test_finished_transfers_are_measured_per_host_and_remembered(nginx_downloads, download_files, tmp_path):
    from eo_scene_finder.providers.download.speeds import HostSpeeds

    path = tmp_path / "speeds.json"
    speeds = HostSpeeds(str(path))
    crawl = DownloadJob(f"{nginx_downloads.url}/crawl/small.bin", str(tmp_path / "crawl" / "small.bin"))
    began = time.monotonic()
    [result] = engine(speeds=speeds).run([crawl])
    elapsed = time.monotonic() - began
    assert result.state == DONE
    host = crawl.host
    slow = speeds.speed(host)
    # the throttled location (512 KiB/s after nginx's head start) measures near what it took
    assert slow is not None and slow >= 256 * 1024 / elapsed * 0.9
    assert slow < 4 * MiB
    assert HostSpeeds(str(path)).speed(host) == pytest.approx(slow)  # saved after the batch

    # the location throttled to 2 MiB/s, with a file long enough (~2 s) that a stall of the
    # machine does not decide the comparison
    faster = HostSpeeds()
    [result] = engine(speeds=faster).run([DownloadJob(f"{nginx_downloads.url}/slow/medium.bin",
                                                      str(tmp_path / "fast" / "medium.bin"))])
    assert result.state == DONE and faster.speed(host) > 1.5 * slow

    # a file already there transfers nothing: no measurement
    untouched = HostSpeeds()
    [again] = engine(speeds=untouched).run([DownloadJob(f"{nginx_downloads.url}/slow/medium.bin",
                                                        str(tmp_path / "fast" / "medium.bin"))])
    assert again.state == SKIPPED and untouched.speed(host) is None
