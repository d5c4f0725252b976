"""URL signing against loopback servers that behave like the DINAMIS signing service, the
Planetary Computer SAS API and their private storage (tests/fixtures/signing_servers.py)."""
from __future__ import annotations

import logging
import time
import uuid

import pytest

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.base import Connection
from eo_scene_finder.providers.connections import open_provider
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.auth.signing import DinamisSigner, PlanetaryComputerSigner, make_signer
from fixtures.signing_servers import pc_like_options

pytestmark = pytest.mark.timeout(120)


def _page(hrefs):
    """A FeatureCollection page (as a STAC API returns it) with one asset per href."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "stac_version": "1.0.0", "id": f"item-{i}", "geometry": None,
         "properties": {"datetime": "2024-01-01T00:00:00Z"},
         "links": [], "assets": {"data": {"href": href, "type": "image/tiff"}}}
        for i, href in enumerate(hrefs)]}


def _hrefs(page):
    return [f["assets"]["data"]["href"] for f in page["features"]]


def _dinamis(server, **kw):
    kw.setdefault("storage_domain", "127.0.0.1")
    return DinamisSigner(server.endpoint, **kw)


def _gdal():
    from osgeo import gdal
    gdal.UseExceptions()
    gdal.SetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")
    gdal.SetConfigOption("GDAL_HTTP_MAX_RETRY", "0")
    gdal.VSICurlClearCache()
    return gdal


# ------------------------------------------------------------------------------- DINAMIS
def test_dinamis_page_of_100_hrefs_is_signed_in_two_batches(dinamis_signing_server, storage_server):
    hrefs = [storage_server.href("bucket", f"scene{i}", "cog.tif") for i in range(100)]
    page = _page(hrefs)
    _dinamis(dinamis_signing_server)(page)

    calls = dinamis_signing_server.sign_calls
    assert [len(c.params("urls")) for c in calls] == [64, 36]
    assert sorted(u for c in calls for u in c.params("urls")) == sorted(hrefs)
    for original, signed in zip(hrefs, _hrefs(page)):
        assert signed.startswith(original + "?") and "X-Amz-Signature=" in signed


def test_dinamis_signed_urls_are_cached_while_more_than_30_minutes_remain(dinamis_signing_server, storage_server):
    hrefs = [storage_server.href("bucket", f"s{i}", "cog.tif") for i in range(10)]
    signer = _dinamis(dinamis_signing_server)
    first = signer.sign_hrefs(hrefs)
    assert len(dinamis_signing_server.sign_calls) == 1

    again = _dinamis(dinamis_signing_server).sign_hrefs(hrefs)  # a new signer of the same service
    assert again == first
    assert len(dinamis_signing_server.sign_calls) == 1  # second search: no signing call


def test_dinamis_resigns_urls_with_less_than_30_minutes_left(dinamis_signing_server, storage_server):
    dinamis_signing_server.ttl_seconds = 20 * 60  # the service hands out 20-minute URLs
    hrefs = [storage_server.href("bucket", "a", "cog.tif")]
    signer = _dinamis(dinamis_signing_server)
    signer.sign_hrefs(hrefs)
    signer.sign_hrefs(hrefs)
    assert len(dinamis_signing_server.sign_calls) == 2


def test_dinamis_signs_only_its_storage_domain_and_leaves_signed_hrefs_alone(dinamis_signing_server,
                                                                          storage_server):
    on_domain = storage_server.href("bucket", "x", "cog.tif")
    elsewhere = f"http://localhost:{storage_server.port}/bucket/x/cog.tif"
    other_scheme = "s3://bucket/x/cog.tif"
    already = on_domain + "?X-Amz-Credential=abc&X-Amz-Signature=def"
    page = _page([on_domain, elsewhere, other_scheme, already])
    _dinamis(dinamis_signing_server)(page)

    signed = _hrefs(page)
    assert "X-Amz-Signature=" in signed[0]
    assert signed[1:] == [elsewhere, other_scheme, already]
    assert [c.params("urls") for c in dinamis_signing_server.sign_calls] == [[on_domain]]


def test_dinamis_default_domain_is_the_meso_storage():
    signer = DinamisSigner("https://signing.example/")
    assert signer.needs_signing("https://s3-data.meso.umontpellier.fr/bucket/key.tif")
    assert not signer.needs_signing("https://example.com/meso.umontpellier.fr/key.tif")
    assert not signer.needs_signing("https://evilmeso.umontpellier.fr.example.com/key.tif")


def test_dinamis_duration_is_sent(dinamis_signing_server, storage_server):
    _dinamis(dinamis_signing_server, duration_seconds=3 * 86400).sign_hrefs(
        [storage_server.href("b", "k", "cog.tif")])
    assert dinamis_signing_server.sign_calls[0].params("duration_seconds") == [str(3 * 86400)]


def test_dinamis_api_key_headers(dinamis_signing_server, storage_server):
    dinamis_signing_server.auth = "api_key"
    href = storage_server.href("b", "k", "cog.tif")
    signer = _dinamis(dinamis_signing_server, api_key=(dinamis_signing_server.access_key,
                                                       dinamis_signing_server.secret_key))
    assert "X-Amz-Signature=" in signer.sign_href(href)
    call = dinamis_signing_server.sign_calls[0]
    assert call.headers["access-key"] == dinamis_signing_server.access_key
    assert call.headers["secret-key"] == dinamis_signing_server.secret_key
    assert "authorization" not in call.headers

    wrong = _dinamis(dinamis_signing_server, api_key={"access_key": "AKWRONG", "secret_key": "wrong-secret-value"})
    wrong.clear_cache()
    with pytest.raises(errors.AuthenticationError) as info:
        wrong.sign_href(href)
    assert "wrong-secret-value" not in str(info.value)


class _TokenProvider:
    """What the credentials code hands the signer: a callable with ``refresh()``."""

    def __init__(self, tokens):
        self.tokens = list(tokens)
        self.refreshes = 0

    def __call__(self):
        return self.tokens[0]

    def refresh(self):
        self.refreshes += 1
        if len(self.tokens) > 1:
            self.tokens.pop(0)


def test_dinamis_bearer_token_is_refreshed_once_on_401(dinamis_signing_server, storage_server):
    dinamis_signing_server.auth = "bearer"
    dinamis_signing_server.tokens = {"fresh-token-222"}
    provider = _TokenProvider(["stale-token-111", "fresh-token-222"])
    signed = _dinamis(dinamis_signing_server, token_provider=provider).sign_href(
        storage_server.href("b", "k", "cog.tif"))

    assert "X-Amz-Signature=" in signed
    assert provider.refreshes == 1
    assert [c.headers["authorization"] for c in dinamis_signing_server.sign_calls] == [
        "Bearer stale-token-111", "Bearer fresh-token-222"]
    assert [c.status for c in dinamis_signing_server.sign_calls] == [401, 200]


def test_dinamis_gives_up_after_one_refresh(dinamis_signing_server, storage_server):
    dinamis_signing_server.auth = "bearer"
    dinamis_signing_server.tokens = {"the-only-good-token"}
    provider = _TokenProvider(["revoked-token-1", "revoked-token-2"])
    with pytest.raises(errors.AuthenticationError) as info:
        _dinamis(dinamis_signing_server, token_provider=provider).sign_href(storage_server.href("b", "k", "cog.tif"))
    assert provider.refreshes == 1
    assert len(dinamis_signing_server.sign_calls) == 2
    assert "revoked-token" not in str(info.value)

    # a plain callable (no refresh) fails at the first 401
    dinamis_signing_server.reset()
    with pytest.raises(errors.AuthenticationError):
        _dinamis(dinamis_signing_server, token_provider=lambda: "revoked-token-3").sign_href(
            storage_server.href("b", "k2", "cog.tif"))
    assert len(dinamis_signing_server.sign_calls) == 1


def test_dinamis_waits_for_retry_after_then_succeeds(dinamis_signing_server, storage_server):
    dinamis_signing_server.rate_limits = ["1"]
    started = time.monotonic()
    signed = _dinamis(dinamis_signing_server).sign_href(storage_server.href("b", "k", "cog.tif"))
    assert time.monotonic() - started >= 1.0  # it honoured Retry-After
    assert "X-Amz-Signature=" in signed
    assert [c.status for c in dinamis_signing_server.sign_calls] == [429, 200]


def test_dinamis_long_retry_after_becomes_rate_limited_error(dinamis_signing_server, storage_server):
    dinamis_signing_server.rate_limits = ["120"]
    started = time.monotonic()
    with pytest.raises(errors.RateLimitedError) as info:
        _dinamis(dinamis_signing_server, max_retry_wait=30).sign_href(storage_server.href("b", "k", "cog.tif"))
    assert time.monotonic() - started < 10  # did not sit out two minutes
    assert info.value.retry_after == pytest.approx(120)
    assert len(dinamis_signing_server.sign_calls) == 1


def test_dinamis_signer_is_a_pystac_client_modifier_for_pystac_objects(dinamis_signing_server, storage_server):
    import pystac

    hrefs = [storage_server.href("b", f"i{i}", "cog.tif") for i in range(3)]
    items = [pystac.Item.from_dict(f) for f in _page(hrefs)["features"]]
    collection = pystac.ItemCollection(items)
    signer = _dinamis(dinamis_signing_server)
    signer(collection)
    assert all("X-Amz-Signature=" in item.assets["data"].href for item in collection)
    assert len(dinamis_signing_server.sign_calls) == 1  # the whole collection in one call

    single = pystac.Item.from_dict(_page([storage_server.href("b", "single", "cog.tif")])["features"][0])
    signer(single)
    assert "X-Amz-Signature=" in single.assets["data"].href


def test_signed_dinamis_href_opens_with_gdal_and_unsigned_does_not(dinamis_signing_server, storage_server):
    gdal = _gdal()
    href = storage_server.href("bucket", "spot", "cog.tif")
    with pytest.raises(RuntimeError):
        gdal.Open("/vsicurl/" + href)
    signed = _dinamis(dinamis_signing_server).sign_href(href)
    ds = gdal.Open("/vsicurl/" + signed)
    assert ds is not None and ds.RasterXSize > 0
    assert ds.GetRasterBand(1).ReadAsArray(0, 0, 16, 16).shape == (16, 16)
    assert any(c.status == 206 for c in storage_server.calls)  # range reads, not a full download


# ---------------------------------------------------------------------- Planetary Computer
def _pc(server, storage=None, **kw):
    if storage is not None:
        kw.setdefault("blob_host_pattern", rf"^http://127\.0\.0\.1:{storage.port}/(?P<account>[^/]+)/(?P<container>[^/?#]+)/")
    return PlanetaryComputerSigner(server.endpoint, **kw)


def test_pc_one_token_per_container_cached(pc_sas_server, storage_server):
    hrefs = ([storage_server.href("acct", "sentinel2-l2", f"t{i}", "cog.tif") for i in range(60)]
             + [storage_server.href("acct", "landsat-c2", f"t{i}", "cog.tif") for i in range(60)])
    page = _page(hrefs)
    _pc(pc_sas_server, storage_server)(page)
    assert sorted(c.path for c in pc_sas_server.token_calls) == [
        "/api/sas/v1/token/acct/landsat-c2", "/api/sas/v1/token/acct/sentinel2-l2"]
    assert all("sig=" in h and "se=" in h for h in _hrefs(page))

    _pc(pc_sas_server, storage_server).sign_hrefs(hrefs)  # second search
    assert len(pc_sas_server.token_calls) == 2


def test_pc_token_refreshed_a_minute_before_expiry(pc_sas_server, storage_server):
    pc_sas_server.ttl_seconds = 50  # already inside the one-minute margin
    href = storage_server.href("acct", "c", "x", "cog.tif")
    signer = _pc(pc_sas_server, storage_server)
    signer.sign_href(href)
    signer.sign_href(href)
    assert len(pc_sas_server.token_calls) == 2


def test_pc_subscription_key_and_skips(pc_sas_server, storage_server):
    pc_sas_server.subscription_key = "sub-key-0123456789"
    href = storage_server.href("acct", "c", "x", "cog.tif")
    with pytest.raises(errors.AuthenticationError) as info:
        _pc(pc_sas_server, storage_server).sign_href(href)
    assert info.value.status == 401
    signer = _pc(pc_sas_server, storage_server, subscription_key="sub-key-0123456789")
    assert "sig=" in signer.sign_href(href)
    assert pc_sas_server.token_calls[-1].headers["ocp-apim-subscription-key"] == "sub-key-0123456789"

    presigned = href + "?st=2024-01-01&se=2099-01-01&sp=r&sig=abc"
    not_blob = "https://example.com/file.tif"
    assert signer.sign_hrefs([presigned, not_blob]) == {presigned: presigned, not_blob: not_blob}


def test_pc_default_pattern_matches_azure_blob_hrefs():
    signer = PlanetaryComputerSigner("http://127.0.0.1:9/api/sas/v1")
    assert signer._account_container(
        "https://sentinel2l2a01.blob.core.windows.net/sentinel2-l2/31/T/FJ/x.tif") == ("sentinel2l2a01", "sentinel2-l2")
    assert not signer.needs_signing("https://example.com/sentinel2-l2/x.tif")


def test_signed_pc_href_opens_with_gdal(pc_sas_server, storage_server):
    gdal = _gdal()
    href = storage_server.href("acct", "cogs", "rgb", "cog_rgb.tif")
    with pytest.raises(RuntimeError):
        gdal.Open("/vsicurl/" + href)
    ds = gdal.Open("/vsicurl/" + _pc(pc_sas_server, storage_server).sign_href(href))
    assert ds.RasterCount == 3


def test_pc_rate_limit_is_waited_out(pc_sas_server, storage_server):
    pc_sas_server.rate_limits = ["1"]
    assert "sig=" in _pc(pc_sas_server, storage_server).sign_href(storage_server.href("a", "c", "cog.tif"))
    assert [c.status for c in pc_sas_server.token_calls] == [429, 200]


# --------------------------------------------------------------------------- no leaks
def test_tokens_and_signatures_never_reach_logs_or_errors(dinamis_signing_server, pc_sas_server, storage_server,
                                                          caplog):
    caplog.set_level(logging.DEBUG)
    dinamis_signing_server.auth = "api_key"
    dinamis_signing_server.secret_key = "dinamis-secret-XYZ987"
    signer = _dinamis(dinamis_signing_server, api_key=(dinamis_signing_server.access_key, "dinamis-secret-XYZ987"))
    signed = signer.sign_href(storage_server.href("b", "k", "cog.tif"))
    signature = signed.split("X-Amz-Signature=")[1]
    pc_signed = _pc(pc_sas_server, storage_server).sign_href(storage_server.href("a", "c", "cog.tif"))
    sas_sig = pc_signed.split("sig=")[1]

    dinamis_signing_server.secret_key = "rotated"
    signer.clear_cache()
    with pytest.raises(errors.AuthenticationError) as info:
        signer.sign_href(storage_server.href("b", "k", "cog.tif"))
    text = caplog.text + str(info.value) + repr(info.value.__dict__)
    for secret in ("dinamis-secret-XYZ987", signature, sas_sig):
        assert secret not in text


# ------------------------------------------------------------------- through a provider
def _connection(url, **options):
    return Connection(name="signed-api", kind="stac-api", url=url, options=options)


def test_make_signer_from_connection_options(dinamis_signing_server, pc_sas_server):
    assert make_signer(_connection("http://x")) is None
    d = make_signer(_connection("http://x", signing="dinamis", signing_url=dinamis_signing_server.endpoint,
                                storage_domain="127.0.0.1"),
                    credentials={"access_key": "AK", "secret_key": "SKSKSK"})
    assert isinstance(d, DinamisSigner) and d.storage_domain == "127.0.0.1"
    p = make_signer(_connection("http://x", signing="planetary-computer", signing_url=pc_sas_server.endpoint),
                    credentials={"subscription_key": "k-123456"})
    assert isinstance(p, PlanetaryComputerSigner) and p.subscription_key == "k-123456"
    with pytest.raises(errors.InvalidRequestError):
        make_signer(_connection("http://x", signing="dinamis"))
    with pytest.raises(errors.InvalidRequestError):
        make_signer(_connection("http://x", signing="kerberos"))


@pytest.fixture
def dinamis_collection(pgstac_api, storage_server):
    """A collection in the real STAC API whose 100 items point at the private storage."""
    cid = "dinamis-like-" + uuid.uuid4().hex[:8]
    pgstac_api.load_collections([{
        "type": "Collection", "stac_version": "1.0.0", "id": cid, "description": "signed test data",
        "license": "proprietary", "links": [],
        "extent": {"spatial": {"bbox": [[3.0, 43.0, 5.0, 45.0]]},
                   "temporal": {"interval": [["2022-01-01T00:00:00Z", None]]}}}])
    items = []
    for i in range(100):
        x = 3.0 + (i % 10) * 0.1
        y = 43.0 + (i // 10) * 0.1
        items.append({
            "type": "Feature", "stac_version": "1.0.0", "id": f"SPOT-{i:03d}", "collection": cid,
            "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + 0.1, y], [x + 0.1, y + 0.1],
                                                             [x, y + 0.1], [x, y]]]},
            "bbox": [x, y, x + 0.1, y + 0.1],
            "properties": {"datetime": f"2022-06-{1 + i % 28:02d}T10:00:00Z", "eo:cloud_cover": i % 50},
            "links": [],
            "assets": {"src_xs": {"href": storage_server.href("spot-bucket", f"SPOT-{i:03d}", "cog.tif"),
                                  "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                                  "roles": ["data"]}}})
    pgstac_api.load_items(items, cid)
    return cid


def test_every_page_of_a_search_is_signed_and_opens_with_gdal(pgstac_api, dinamis_collection,
                                                             dinamis_signing_server, storage_server):
    conn = _connection(pgstac_api.url, signing="dinamis", signing_url=dinamis_signing_server.endpoint,
                       storage_domain="127.0.0.1", page_size=40)
    provider = open_provider(conn)
    pages = list(provider.search(SearchRequest.create(collections=[dinamis_collection])).pages())

    assert [len(p.scenes) for p in pages] == [40, 40, 20]
    hrefs = [s.assets["src_xs"].href for p in pages for s in p.scenes]
    assert len(hrefs) == 100 and all("X-Amz-Signature=" in h for h in hrefs)
    # one batch per page (each page is under 64 hrefs)
    assert [len(c.params("urls")) for c in dinamis_signing_server.sign_calls] == [40, 40, 20]

    # the same search again: every signed URL comes from the cache
    again = provider.search(SearchRequest.create(collections=[dinamis_collection])).all()
    assert len(again) == 100 and len(dinamis_signing_server.sign_calls) == 3

    # GDAL opens what the provider resolves (already-signed hrefs are not signed twice)
    gdal = _gdal()
    scene = pages[0].scenes[0]
    path = provider.gdal_path(scene.assets["src_xs"].href)
    assert path.startswith("/vsicurl/http://127.0.0.1") and path.count("X-Amz-Signature=") == 1
    assert gdal.Open(path).RasterXSize > 0
    raw = scene.record["assets"]["src_xs"]["href"]
    with pytest.raises(RuntimeError):
        gdal.Open("/vsicurl/" + raw.split("?")[0])


def test_planetary_computer_items_from_the_real_api_are_signed_per_container(pgstac_api, pc_sas_server):
    conn = _connection(pgstac_api.url, signing="planetary-computer", signing_url=pc_sas_server.endpoint,
                       page_size=50)
    provider = open_provider(conn)
    scenes = provider.search(SearchRequest.create(collections=["sentinel-2-l2a"], limit=120)).all()
    assert len(scenes) == 120
    blob_hrefs = [a.href for s in scenes for a in s.assets.values() if ".blob.core.windows.net/" in a.href]
    assert blob_hrefs and all("sig=" in h for h in blob_hrefs)
    containers = {c.path for c in pc_sas_server.token_calls}
    assert len(pc_sas_server.token_calls) == len(containers)  # one token per container, reused across pages
    # the records keep the signed hrefs too (what a Processing layer stores)
    assert all("sig=" in a["href"] for a in scenes[0].record["assets"].values()
               if ".blob.core.windows.net/" in a["href"])


def test_dinamis_login_only_when_the_service_asks(dinamis_signing_server, storage_server):
    """With a login-on-demand token provider, an open signing service is used anonymously
    (nobody is asked to log in), and a protected one gets the token after its first 401."""
    class OnDemand:
        login_on_demand = True

        def __init__(self):
            self.calls = 0

        def __call__(self):
            self.calls += 1
            return "the-only-good-token"

        def refresh(self):
            return "the-only-good-token"

    provider = OnDemand()
    _dinamis(dinamis_signing_server, token_provider=provider).sign_href(storage_server.href("b", "open", "cog.tif"))
    assert provider.calls == 0 and "authorization" not in dinamis_signing_server.sign_calls[0].headers

    dinamis_signing_server.reset()
    dinamis_signing_server.auth = "bearer"
    dinamis_signing_server.tokens = {"the-only-good-token"}
    signed = _dinamis(dinamis_signing_server, token_provider=provider).sign_href(
        storage_server.href("b", "closed", "cog.tif"))
    assert "X-Amz-Signature=" in signed
    assert [c.status for c in dinamis_signing_server.sign_calls] == [401, 200]


# ------------------------------------------- Planetary Computer: failing containers, public thumbnails
PUBLIC = "ai4edatasetspublicassets"  # the thumbnail account


def test_pc_page_with_a_failing_container_signs_the_others_and_skips_public_thumbnails(pc_sas_server,
                                                                                      storage_server):
    pc_sas_server.fail("pcacct", "restricted", 404, {"detail": "No SAS token for this container."})
    good = [storage_server.href("pcacct", "open-data", f"t{i}", "cog.tif") for i in range(5)]
    bad = [storage_server.href("pcacct", "restricted", f"t{i}", "cog.tif") for i in range(5)]
    thumb = storage_server.href(PUBLIC, "assets", "pc_thumbnails", "cog.tif")
    page = _page(good + bad + [thumb])
    _pc(pc_sas_server, storage_server)(page)  # the modifier: must not raise

    signed = _hrefs(page)
    assert all("sig=" in h for h in signed[:5])
    assert signed[5:] == bad + [thumb]  # left exactly as published
    # one request per container (not one per href), none for the public account
    assert sorted((c.path, c.status) for c in pc_sas_server.token_calls) == [
        ("/api/sas/v1/token/pcacct/open-data", 200), ("/api/sas/v1/token/pcacct/restricted", 404)]


def test_pc_public_account_is_never_sent_to_the_sas_endpoint():
    signer = PlanetaryComputerSigner("http://127.0.0.1:9/api/sas/v1")  # nothing listens there
    thumb = "https://ai4edatasetspublicassets.blob.core.windows.net/assets/pc_thumbnails/sentinel-2.png"
    assert not signer.needs_signing(thumb)
    assert signer.sign_href(thumb) == thumb
    assert signer.needs_signing("https://sentinel2l2a01.blob.core.windows.net/sentinel2-l2/x.tif")


@pytest.mark.parametrize("status, body, said, error", [
    (403, {"statusCode": 403, "message": "This dataset requires a subscription key."},
     "This dataset requires a subscription key.", errors.AuthenticationError),
    (404, {"detail": "Container not found: pcacct/restricted"}, "Container not found: pcacct/restricted",
     errors.NotFoundError),
    (503, b"<html><body>Service Unavailable</body></html>", "Service Unavailable", errors.ServerError),
    (500, b"", None, errors.ServerError),
])
def test_pc_signing_a_loose_href_says_why_the_container_cannot_be_signed(pc_sas_server, storage_server,
                                                                        status, body, said, error):
    pc_sas_server.fail("pcacct", "restricted", status, body)
    href = storage_server.href("pcacct", "restricted", "t0", "cog.tif")
    with pytest.raises(error) as info:
        _pc(pc_sas_server, storage_server).sign_href(href)
    message = info.value.user_message
    assert info.value.status == status
    assert "cannot be signed" in message and "“pcacct/restricted”" in message
    assert f"HTTP {status}" in message
    if said:
        assert said in message
    assert "<" not in message  # no markup from a gateway's error page
    assert ("subscription key" in message) == (status == 403)
    # the failure is not remembered: once the service gives the token, the same href signs
    pc_sas_server.heal("pcacct", "restricted")
    assert "sig=" in _pc(pc_sas_server, storage_server).sign_href(href)


def test_pc_search_lists_every_scene_when_one_container_cannot_be_signed(pgstac_api, pc_like_collection,
                                                                       pc_sas_server, storage_server, tmp_path):
    from eo_scene_finder.providers.download.jobs import asset_jobs
    from eo_scene_finder.providers.quicklook import fetch_quicklook

    pc_sas_server.fail("pcacct", "restricted", 404, {"detail": "Container not found: pcacct/restricted"})
    conn = _connection(pgstac_api.url, **pc_like_options(pc_sas_server, storage_server), page_size=10)
    provider = open_provider(conn)
    pages = list(provider.search(SearchRequest.create(collections=[pc_like_collection])).pages())

    scenes = [s for p in pages for s in p.scenes]
    assert [len(p.scenes) for p in pages] == [10, 10, 5]
    assert sorted(s.id for s in scenes) == [f"PC-{i:03d}" for i in range(25)]
    assert all("sig=" in s.assets["visual"].href for s in scenes)  # the other container: signed
    assert all("?" not in s.assets["qa"].href for s in scenes)  # the failing one: as published
    assert all("?" not in s.assets["thumbnail"].href for s in scenes)
    calls = pc_sas_server.token_calls
    assert not [c for c in calls if PUBLIC in c.path]
    assert len([c for c in calls if c.path.endswith("/open-data")]) == 1  # cached across pages
    assert len([c for c in calls if c.path.endswith("/restricted")]) <= len(pages)  # at most one per page

    # streaming the signed asset works; the failing one says why, in words
    gdal = _gdal()
    scene = scenes[0]
    assert gdal.Open(provider.gdal_path(scene.assets["visual"].href)).RasterXSize > 0
    with pytest.raises(errors.EoSceneFinderError) as info:
        provider.gdal_path(scene.assets["qa"].href)
    message = info.value.user_message
    assert "cannot be signed" in message and "“pcacct/restricted”" in message
    assert "HTTP 404" in message and "Container not found: pcacct/restricted" in message
    # so does a download of it (the same message, before any file is created)
    with pytest.raises(errors.EoSceneFinderError) as info:
        asset_jobs(scene, ["qa"], str(tmp_path), provider)
    assert info.value.user_message == message
    assert not list(tmp_path.iterdir())

    # thumbnails on the public account: listed collections and quicklooks never ask a token
    collection = next(c for c in provider.list_collections() if c.id == pc_like_collection)
    assert collection is not None
    data = fetch_quicklook(provider, scene.assets["thumbnail"].href)
    assert data[:4] in (b"II*\x00", b"MM\x00*")  # the TIFF itself, served without a signature
    assert not [c for c in pc_sas_server.token_calls if PUBLIC in c.path]

    # when the service signs the container again, the same scene streams without a new search
    pc_sas_server.heal("pcacct", "restricted")
    assert gdal.Open(provider.gdal_path(scene.assets["qa"].href)).RasterXSize > 0
