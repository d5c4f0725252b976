"""Copernicus Data Space products over S3 with several accounts, against moto_server on
loopback with IAM users and SigV4 signatures checked (``/moto-api/reset-auth``)."""
from __future__ import annotations

import os
import random
from urllib.parse import unquote

import pytest
import requests

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.catalogs.odata.provider import CdseODataProvider
from eo_scene_finder.providers.download.s3 import DONE, FAILED, SKIPPED
from eo_scene_finder.providers.download.s3 import S3Account, S3Downloader, S3Product, accounts_from_env
from eo_scene_finder.providers.model import SearchRequest
from fixtures.cdse_servers import CountingS3Proxy

PREFIX = "Sentinel-2/MSI/L2A/2023/01/15"


def safe_files(seed: int) -> dict:
    rnd = random.Random(seed)
    return {
        "manifest.safe": f"<manifest seed='{seed}'/>".encode(),
        "MTD_MSIL2A.xml": rnd.randbytes(3000),
        f"GRANULE/L2A_T31TCJ_{seed}/IMG_DATA/R10m/B02.jp2": rnd.randbytes(300_000),
        f"GRANULE/L2A_T31TCJ_{seed}/IMG_DATA/R10m/B03.jp2": rnd.randbytes(200_000),
    }


def product_name(i: int) -> str:
    return f"S2A_MSIL2A_20230115T103411_N0509_R108_T31TC{chr(65 + i)}_20230115T144105.SAFE"


@pytest.fixture
def s3(moto_s3):
    """moto with two IAM users, products in ``eodata``, auth on; plus a counting proxy."""
    moto_s3.set_auth(False)
    moto_s3.reset()
    keys = [moto_s3.create_account("alice"), moto_s3.create_account("bob")]
    moto_s3.put_product("placeholder", {"": b"x"})  # creates the bucket
    moto_s3.set_auth(True)
    proxy = CountingS3Proxy(moto_s3.port)
    good = [S3Account("alice", keys[0]["access_key"], keys[0]["secret_key"]),
            S3Account("bob", keys[1]["access_key"], keys[1]["secret_key"])]
    yield moto_s3, proxy, good
    proxy.close()
    moto_s3.set_auth(False)


def upload(moto_s3, names, seed0=0):
    moto_s3.set_auth(False)
    try:
        for i, name in enumerate(names):
            moto_s3.put_product(f"{PREFIX}/{name}", safe_files(seed0 + i))
    finally:
        moto_s3.set_auth(True)


def check_safe(folder, seed):
    for rel, data in safe_files(seed).items():
        path = os.path.join(folder, *rel.split("/"))
        assert open(path, "rb").read() == data, rel


def test_signed_requests_pass_and_a_wrong_secret_is_refused(s3):
    from eo_scene_finder.providers.net.s3 import SigV4Signer
    moto, _proxy, good = s3
    url = f"{moto.endpoint}/eodata?list-type=2&prefix=placeholder"
    ok = requests.get(url, headers=SigV4Signer(good[0], "default").headers("GET", url), timeout=30)
    assert ok.status_code == 200 and b"<Key>placeholder</Key>" in ok.content
    wrong = S3Account("alice", good[0].access_key, "not-the-secret")
    refused = requests.get(url, headers=SigV4Signer(wrong, "default").headers("GET", url), timeout=30)
    assert refused.status_code == 403 and b"SignatureDoesNotMatch" in refused.content


def test_several_accounts_share_the_work_and_a_failing_account_is_set_aside(s3, tmp_path):
    moto, proxy, good = s3
    names = [product_name(i) for i in range(12)]
    upload(moto, names)
    moto.set_auth(False)
    mallory = moto.create_account("mallory")
    moto.set_auth(True)
    bad = S3Account("mallory", mallory["access_key"], "not-the-secret")  # refused: SignatureDoesNotMatch
    downloader = S3Downloader(proxy.endpoint, "eodata", "default", accounts=[good[0], bad, good[1]],
                              max_account_errors=3)
    products = [S3Product.from_s3path(f"/eodata/{PREFIX}/{n}") for n in names]
    progress = []
    results = downloader.run(products, str(tmp_path), progress_cb=progress.append)
    assert [r.state for r in results] == [DONE] * 12, [r.message for r in results if not r.ok]
    for i, (name, result) in enumerate(zip(names, results)):
        assert result.path == str(tmp_path / name)
        check_safe(result.path, i)
        assert result.account in ("alice", "bob")
    assert "mallory" in downloader.set_aside
    assert set(downloader.products_by_account) == {"alice", "bob"}
    # at most four sessions per account at any moment, and they did run in parallel
    assert max(downloader.max_active.values()) <= 4
    seen = [proxy.max_inflight[a.access_key] for a in good]
    assert max(seen) <= 4 and max(seen) > 1  # parallel, never more than four per account
    assert proxy.requests[mallory["access_key"]] >= 3
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert progress and progress[-1].products_finished == 12


def test_products_already_present_are_skipped(s3, tmp_path):
    moto, proxy, good = s3
    names = [product_name(i) for i in range(3)]
    upload(moto, names)
    (tmp_path / names[0]).mkdir()
    (tmp_path / names[0] / "manifest.safe").write_bytes(b"already here")
    (tmp_path / (names[1][:-len(".SAFE")] + ".zip")).write_bytes(b"PK already here")
    downloader = S3Downloader(proxy.endpoint, accounts=good)
    results = downloader.run([S3Product.from_s3path(f"/eodata/{PREFIX}/{n}") for n in names], str(tmp_path))
    assert [r.state for r in results] == [SKIPPED, SKIPPED, DONE]
    listed = [unquote(p) for p in proxy.paths if "list-type" in p]
    assert not any(names[0] in p or names[1] in p for p in listed)
    check_safe(str(tmp_path / names[2]), 2)


def test_an_interrupted_product_resumes_with_the_missing_files_only(s3, tmp_path):
    moto, proxy, good = s3
    name = product_name(0)
    upload(moto, [name])
    part = tmp_path / ("." + name + ".part")
    (part / "GRANULE" / "L2A_T31TCJ_0" / "IMG_DATA" / "R10m").mkdir(parents=True)
    files = safe_files(0)
    (part / "manifest.safe").write_bytes(files["manifest.safe"])
    b02 = "GRANULE/L2A_T31TCJ_0/IMG_DATA/R10m/B02.jp2"
    (part / b02).write_bytes(files[b02])
    b03 = "GRANULE/L2A_T31TCJ_0/IMG_DATA/R10m/B03.jp2"
    (part / (b03 + ".part")).write_bytes(files[b03][:50_000])  # half a file
    [result] = S3Downloader(proxy.endpoint, accounts=good[:1]).run(
        [S3Product.from_s3path(f"/eodata/{PREFIX}/{name}")], str(tmp_path))
    assert result.state == DONE
    check_safe(result.path, 0)
    fetched = [unquote(p) for p in proxy.paths if "list-type" not in p]
    assert sorted(p.rsplit("/", 1)[-1] for p in fetched) == ["B03.jp2", "MTD_MSIL2A.xml"]
    assert result.bytes_transferred == len(files["MTD_MSIL2A.xml"]) + len(files[b03]) - 50_000


def test_a_product_stored_as_one_zip_object(s3, tmp_path):
    moto, proxy, good = s3
    key = "Sentinel-1/AUX/AUX_INS/2014/04/06/S1A_AUX_INS_V20140406T010000_G20140409T142540.SAFE.zip"
    data = random.Random(3).randbytes(100_000)
    moto.set_auth(False)
    moto.put_product(key, {"": data})
    moto.set_auth(True)
    [result] = S3Downloader(proxy.endpoint, accounts=good).run([S3Product.from_s3path("/eodata/" + key)],
                                                               str(tmp_path))
    assert result.state == DONE
    assert open(result.path, "rb").read() == data
    assert result.path.endswith(".SAFE.zip")


def test_a_missing_product_fails_without_blaming_the_account(s3, tmp_path):
    _moto, proxy, good = s3
    [result] = S3Downloader(proxy.endpoint, accounts=good[:1]).run(
        [S3Product.from_s3path(f"/eodata/{PREFIX}/{product_name(20)}")], str(tmp_path))
    assert result.state == FAILED and isinstance(result.error, errors.NotFoundError)


def test_when_every_account_fails_the_products_say_so(s3, tmp_path):
    moto, proxy, good = s3
    upload(moto, [product_name(0), product_name(1)])
    bad = [S3Account("eve", good[0].access_key, "nope"), S3Account("oscar", "AKIDONTEXIST0000", "nope")]
    downloader = S3Downloader(proxy.endpoint, accounts=bad, max_account_errors=2)
    results = downloader.run([S3Product.from_s3path(f"/eodata/{PREFIX}/{product_name(i)}") for i in range(2)],
                             str(tmp_path))
    assert [r.state for r in results] == [FAILED, FAILED]
    assert all("set aside" in r.message or "refused the keys" in r.message for r in results)
    assert set(downloader.set_aside) == {"eve", "oscar"}
    assert not any(tmp_path.iterdir()) or all(p.name.startswith(".") for p in tmp_path.iterdir())


def test_search_results_download_over_s3_through_the_provider(s3, cdse, tmp_path):
    moto, proxy, good = s3
    provider = CdseODataProvider(cdse.connection(s3_endpoint=proxy.endpoint))
    scenes = provider.search(SearchRequest.create(collections=["SENTINEL-2"], start="2023-04-01",
                                                  end="2023-04-30", limit=3)).all()
    products = provider.s3_products(scenes)
    assert [p.prefix for p in products] == [s.properties["S3Path"][len("/eodata/"):] for s in scenes]
    moto.set_auth(False)
    for i, p in enumerate(products):
        moto.put_product(p.prefix, safe_files(100 + i))
    moto.set_auth(True)
    results = provider.s3_downloader(good).run(products, str(tmp_path))
    assert [r.state for r in results] == [DONE] * 3
    for i, (scene, result) in enumerate(zip(scenes, results)):
        assert os.path.basename(result.path) == scene.properties["Name"]
        check_safe(result.path, 100 + i)


def test_accounts_from_environment_variables():
    env = {"EOSF_CDSE_S3_ACCESS_KEY": "AK1", "EOSF_CDSE_S3_SECRET_KEY": "SK1",
           "EOSF_CDSE_S3_ACCESS_KEY_2": "AK2", "EOSF_CDSE_S3_SECRET_KEY_2": "SK2",
           "EOSF_CDSE_S3_ACCESS_KEY_3": "AK3"}
    accounts = accounts_from_env(env)
    assert [(a.access_key, a.secret_key) for a in accounts] == [("AK1", "SK1"), ("AK2", "SK2")]
    assert "SK1" not in repr(accounts[0])
    with pytest.raises(errors.InvalidRequestError, match="No S3 keys"):
        S3Downloader("http://127.0.0.1:1", accounts=[])


def test_s3_keys_come_from_the_connection_credentials(cdse):
    provider = CdseODataProvider(cdse.connection(), credentials={
        "s3_accounts": [{"name": "main", "access_key": "AK1", "secret_key": "SK1"}, ("AK2", "SK2")]})
    assert [(a.name, a.access_key) for a in provider.s3_accounts()] == [("main", "AK1"), ("account 2", "AK2")]
    single = CdseODataProvider(cdse.connection(), credentials={"s3_access_key": "AK", "s3_secret_key": "SK"})
    assert [a.access_key for a in single.s3_accounts()] == ["AK"]


def test_processing_download_over_s3_with_keys_from_the_environment(processing_ready, s3, cdse, tmp_path,
                                                                    monkeypatch):
    """``eoscenefinder:download TRANSFER=1`` copies the SAFE folders from the S3 bucket; a
    second run skips them."""
    import processing

    moto, proxy, good = s3
    monkeypatch.setenv("EOSF_CDSE_S3_ACCESS_KEY", good[0].access_key)
    monkeypatch.setenv("EOSF_CDSE_S3_SECRET_KEY", good[0].secret_key)
    found = processing.run("eoscenefinder:search", {
        "CONNECTION": cdse.connection_string(s3_endpoint=proxy.endpoint), "COLLECTIONS": "SENTINEL-2",
        "START": "2023-04-01", "END": "2023-04-30", "LIMIT": 2, "OUTPUT": str(tmp_path / "two.gpkg")})
    provider = CdseODataProvider(cdse.connection(s3_endpoint=proxy.endpoint))
    scenes = provider.search(SearchRequest.create(collections=["SENTINEL-2"], start="2023-04-01",
                                                  end="2023-04-30", limit=2)).all()
    moto.set_auth(False)
    for i, p in enumerate(provider.s3_products(scenes)):
        moto.put_product(p.prefix, safe_files(200 + i))
    moto.set_auth(True)
    params = {"INPUT": found["OUTPUT"], "TRANSFER": 1, "OUTPUT_FOLDER": str(tmp_path / "out"),
              "OUTPUT": str(tmp_path / "report.csv")}
    done = processing.run("eoscenefinder:download", params)
    assert done["DOWNLOADED"] == 2 and done["FAILED"] == 0
    for i, scene in enumerate(scenes):
        check_safe(str(tmp_path / "out" / "SENTINEL-2" / scene.properties["Name"]), 200 + i)
    again = processing.run("eoscenefinder:download", dict(params, OUTPUT=str(tmp_path / "report2.csv")))
    assert again["SKIPPED"] == 2 and again["DOWNLOADED"] == 0


def test_s3_keys_stored_with_the_connection_reach_the_downloader(cdse, monkeypatch):
    """Keys typed in the connection manager (keyring) come first; numbered environment
    variables add further accounts."""
    from eo_scene_finder.providers.connections import open_provider
    from eo_scene_finder.providers.auth.credentials import CredentialStore, MemorySecretStore
    from eo_scene_finder.providers.auth.tokens import TokenManager

    store = CredentialStore(MemorySecretStore(), environ={})
    conn = cdse.connection("stored-s3")
    store.save(conn.name, {"username": "u", "password": "p", "s3_access_key": "AKSTORED", "s3_secret_key": "SK1"})
    monkeypatch.setenv("EOSF_CDSE_S3_ACCESS_KEY_2", "AKENV2")
    monkeypatch.setenv("EOSF_CDSE_S3_SECRET_KEY_2", "SKENV2")
    creds = TokenManager(store).provider_credentials(conn)
    provider = open_provider(conn, credentials=creds)
    assert [a.access_key for a in provider.s3_accounts()] == ["AKSTORED", "AKENV2"]
