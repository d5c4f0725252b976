"""Copernicus Data Space OData search against the loopback CDSE (tests/servers/odata_server.py).

The loopback catalogue replays the recorded CDSE answers exactly and holds a generated year
of Sentinel-2 over France (more than 14,000 products) in the same record shape.
"""
from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from shapely.geometry import Polygon, shape

from eo_scene_finder.providers import errors
from eo_scene_finder.providers.catalogs.odata.provider import CdseODataProvider
from eo_scene_finder.providers.catalogs.odata.sliced import ProgressPage
from eo_scene_finder.providers.catalogs.odata.cql2 import cql2_to_odata
from eo_scene_finder.providers.catalogs.odata.records import listing_csv_rows, write_listing_csv
from eo_scene_finder.providers.connections import open_provider, resolve_connection
from eo_scene_finder.providers.model import SearchRequest
from eo_scene_finder.providers.net.response_cache import ResponseCache
from servers.odata_server import FRANCE

DATA = Path(__file__).parent / "data" / "cdse"
YEAR_FILTER = ("Collection/Name eq 'SENTINEL-2' and ContentDate/Start ge 2023-01-01T00:00:00Z "
               "and ContentDate/Start lt 2024-01-01T00:00:00Z")


def france_request(**kw):
    args = dict(aoi={"type": "Polygon", "coordinates": [FRANCE]}, start="2023-01-01", end="2023-12-31",
                collections=["SENTINEL-2"])
    args.update(kw)
    return SearchRequest.create(**args)


def products_log(server):
    return [e for e in server.stats(log=True)["log"] if e["route"] == "products"]


# --------------------------------------------------------------------------- the test double
def test_loopback_catalogue_replays_the_recorded_cdse_pages_exactly(cdse):
    """The recorded CDSETool requests (page 1 with $count, then $skip pages without it)
    come back equal: values in the same order, @odata.count, the nextLink re-encoding, no
    nextLink on the short last page."""
    query = ("$filter=Collection/Name%20eq%20%27SENTINEL-1%27%20and%20ContentDate/Start%20gt%20"
             "2014-04-05T00%3A00%3A00.000Z%20and%20ContentDate/Start%20lt%202014-04-14T00%3A00%3A00.000Z"
             "&$top=10&{extra}&$expand=Attributes&$orderby=ContentDate/Start%20asc")
    for number in range(1, 6):  # the request URLs of the recording (see CDSETOOL_README.md)
        extra = "$count=true" if number == 1 else f"$skip={10 * (number - 1)}"
        url = cdse.odata_url + "/Products?" + query.format(extra=extra)
        got = requests.get(url, timeout=30).json()
        recorded = json.loads((DATA / f"odata_page_{number}.json").read_text())
        assert got["value"] == recorded["value"]
        assert list(got) == list(recorded)
        if number == 1:
            assert got["@odata.count"] == recorded["@odata.count"] == 47
        if "@odata.nextLink" in recorded:
            ours, theirs = urlsplit(got["@odata.nextLink"]), urlsplit(recorded["@odata.nextLink"])
            assert ours.path == theirs.path
            # same parameters, same order; the recorded filter writes one date as .000000Z
            strip = lambda q: [(k, re.sub(r"\.0+Z", "Z", v)) for k, v in parse_qsl(q)]  # noqa: E731
            assert strip(ours.query) == strip(theirs.query)


def test_loopback_catalogue_answers_the_recorded_eodag_query_with_its_records(cdse):
    recorded = json.loads((DATA / "cop_dataspace_search.json").read_text())
    query = urlsplit(recorded["@odata.nextLink"]).query
    params = [(k, "0" if k == "$skip" else v) for k, v in parse_qsl(query)]
    got = requests.get(cdse.odata_url + "/Products?" + urlencode(params), timeout=30).json()
    assert got["@odata.context"] == recorded["@odata.context"]
    text = json.dumps(got["value"]).replace(cdse.base, "https://catalogue.dataspace.copernicus.eu")
    assert json.loads(text) == recorded["value"]
    assert urlsplit(got["@odata.nextLink"]).query == query


@pytest.mark.parametrize("query, fragment", [
    ("$top=1001", "Input should be less than or equal to 1000"),
    ("$skip=10001", "Input should be less than or equal to 10000"),
])
def test_limits_are_refused_like_the_service_and_reported_in_words(cdse, query, fragment):
    provider = CdseODataProvider(cdse.connection())
    with pytest.raises(errors.BadRequestError) as info:
        provider.fetch_json(cdse.odata_url + "/Products?" + query)
    assert fragment in info.value.user_message
    assert info.value.status == 422
    assert "{" not in info.value.user_message and "less_than_equal" not in info.value.user_message


def test_a_422_through_the_generic_http_mapping_quotes_the_services_msg(cdse):
    """The connection check and other callers of net.http see the service's words too."""
    from eo_scene_finder.providers.net import http as eohttp
    session = eohttp.new_session()
    with pytest.raises(errors.BadRequestError) as info:
        eohttp.get_json(session, cdse.odata_url + "/Products", params={"$skip": 10001}, what="The catalogue")
    assert info.value.user_message == ("The catalogue rejected the request: "
                                       "$skip: Input should be less than or equal to 10000")


def test_expand_is_repeated_never_comma_joined(cdse):
    """The service refuses "$expand=Attributes,Assets" (HTTP 400); the search sends one value
    per parameter and gets attributes and quicklooks."""
    refused = requests.get(cdse.odata_url + "/Products?$top=1&$expand=Attributes,Assets", timeout=30)
    assert refused.status_code == 400
    assert "Expand parameter only accepts following values" in refused.text
    provider = CdseODataProvider(cdse.connection())
    with pytest.raises(errors.BadRequestError) as info:
        provider.fetch_json(cdse.odata_url + "/Products?$top=1&$expand=Attributes,Assets")
    assert "Expand parameter only accepts following values" in info.value.user_message
    scenes = provider.search(france_request(limit=5)).all()
    assert len(scenes) == 5 and all(s.properties.get("productType") for s in scenes)
    assert all("quicklook" in s.assets for s in scenes)
    for entry in products_log(cdse)[2:]:
        expands = [v for k, v in parse_qsl(entry["query"]) if k == "$expand"]
        assert expands == ["Attributes", "Assets"]
        assert entry["status"] == 200


def test_the_services_next_link_keeps_the_repeated_expand(cdse):
    url = cdse.odata_url + "/Products?" + urlencode([("$top", "2"), ("$expand", "Attributes"),
                                                      ("$expand", "Assets")])
    first = requests.get(url, timeout=30).json()
    following = requests.get(first["@odata.nextLink"], timeout=30)
    assert following.status_code == 200
    assert [v for k, v in parse_qsl(urlsplit(first["@odata.nextLink"]).query) if k == "$expand"] == [
        "Attributes", "Assets"]
    assert "Assets" in following.json()["value"][0]


# --------------------------------------------------------------------------- past the limits
def test_a_year_of_sentinel2_over_france_returns_every_product_past_the_limits(cdse):
    expected = cdse.count(YEAR_FILTER)
    assert expected["distinct_names"] > 11000  # more than $top 1000 + $skip 10000 can reach
    provider = CdseODataProvider(cdse.connection())
    progress = []
    results = provider.search(france_request(), progress_callback=progress.append)
    pages = list(results.pages())
    scenes = [s for p in pages for s in p.scenes]
    names = [s.properties["Name"] for s in scenes]
    assert len(names) == len(set(names)) == expected["distinct_names"]
    # every request stayed within the service's limits, at most 5 at a time
    log = products_log(cdse)
    for entry in log:
        params = dict(parse_qsl(entry["query"]))
        assert int(params.get("$top", 20)) <= 1000
        assert int(params.get("$skip", 0)) <= 10000
        assert "$count" not in params
        assert entry["status"] == 200
    assert cdse.stats()["max_inflight"] <= 5
    assert len(log) <= 2 * expected["distinct_names"] / 1000 + 10  # sized slices, not tiny ones
    # pages stream in date order (newest first by default) and carry progress
    assert all(isinstance(p, ProgressPage) and p.progress is not None for p in pages)
    times = [s.datetime for s in scenes]
    assert times == sorted(times, reverse=True)
    assert [p.progress.slices_done for p in pages] == list(range(1, len(pages) + 1))
    assert pages[-1].progress.slices_done == pages[-1].progress.slices_total
    assert progress and progress[-1].products == len(scenes)
    assert pages[-1].more is False and all(p.more for p in pages[:-1])


def test_duplicates_keep_the_newest_modification_date(cdse):
    provider = CdseODataProvider(cdse.connection())
    scenes = provider.search(france_request(start="2023-01-01", end="2023-06-30")).all()
    assert provider.last_progress.duplicates > 0
    by_name = {}
    for entry in cdse.products(collection="SENTINEL-2", limit=100000, generated=1):
        by_name.setdefault(entry["Name"], []).append(entry["Id"])
    duplicated = {n: ids for n, ids in by_name.items() if len(ids) > 1}
    checked = 0
    for scene in scenes:
        ids = duplicated.get(scene.properties["Name"])
        if ids:
            records = [requests.get(f"{cdse.odata_url}/Products({i})", timeout=30).json() for i in ids]
            newest = max(records, key=lambda r: r["ModificationDate"])
            assert scene.properties["Id"] == newest["Id"]
            checked += 1
    assert checked > 0


def test_naive_paging_stops_at_the_skip_limit_but_slicing_does_not(cdse):
    provider = CdseODataProvider(cdse.connection())
    base = [("$filter", YEAR_FILTER), ("$orderby", "ContentDate/Start asc"), ("$top", "1000")]
    got = 0
    skip = 0
    with pytest.raises(errors.BadRequestError):
        while True:
            data = provider.fetch_json(cdse.odata_url + "/Products?" + urlencode(base + [("$skip", str(skip))]))
            got += len(data["value"])
            skip += 1000
    assert got == 11000 < cdse.count(YEAR_FILTER)["count"]


def test_a_slice_that_still_fills_a_page_is_split_again_and_ties_are_not_lost(cdse):
    """With 10-product pages, many instants hold more products than a page (a Sentinel-2
    datatake images up to 30 tiles at the same second): they are paged with $skip."""
    provider = CdseODataProvider(cdse.connection(page_size=10, requests_per_second=200))
    request = france_request(start="2023-03-01", end="2023-03-10", sortby="datetime")
    scenes = provider.search(request).all()
    expected = cdse.count("Collection/Name eq 'SENTINEL-2' and ContentDate/Start ge 2023-03-01T00:00:00Z "
                          "and ContentDate/Start lt 2023-03-11T00:00:00Z")["distinct_names"]
    assert len({s.properties["Name"] for s in scenes}) == len(scenes) == expected
    times = [s.datetime for s in scenes]
    assert times == sorted(times)  # ascending when asked
    assert any("%24skip" in e["query"] or "$skip" in e["query"] for e in products_log(cdse))


def _span_days(query):
    params = dict(parse_qsl(query))
    bounds = re.findall(r"ContentDate/Start (ge|lt) (\S+)", params.get("$filter", ""))
    values = {op: value for op, value in bounds}
    from datetime import datetime
    parse = lambda v: datetime.fromisoformat(v.replace("Z", "+00:00"))  # noqa: E731
    return (parse(values["lt"]) - parse(values["ge"])).total_seconds() / 86400


def test_the_loopback_gateway_times_out_multi_year_queries(cdse):
    """A Products query over more than a year keeps the gateway busy, then answers 504 (strict
    model of the documented advice to split multi-year queries); lookups without dates do not."""
    cdse.configure(gateway_timeout_s=0.3)
    two_years = cdse.odata_url + "/Products?" + urlencode([
        ("$filter", "Collection/Name eq 'SENTINEL-3' and ContentDate/Start ge 2022-01-01T00:00:00Z and "
                    "ContentDate/Start lt 2024-01-01T00:00:00Z"), ("$top", "10")])
    started = time.monotonic()
    response = requests.get(two_years, timeout=30)
    assert response.status_code == 504 and time.monotonic() - started >= 0.3
    assert "Gateway Time-out" in response.text
    one_sided = requests.get(cdse.odata_url + "/Products?" + urlencode([
        ("$filter", "ContentDate/Start ge 2023-01-01T00:00:00Z"), ("$top", "1")]), timeout=30)
    assert one_sided.status_code == 504
    lookup = requests.get(cdse.odata_url + "/Products?" + urlencode([
        ("$filter", "startswith(Name,'S3A_OL_1_EFR')"), ("$top", "1")]), timeout=30)
    assert lookup.status_code == 200
    cdse.configure(gateway_timeout_s=0.02)
    provider = CdseODataProvider(cdse.connection())
    with pytest.raises(errors.ServerError) as info:
        provider.fetch_json(two_years)
    assert "took too long" in info.value.user_message and info.value.status == 504


def test_an_open_ended_search_is_sliced_by_year_and_gets_everything(cdse):
    """No dates: from the collection's first day until now. No request spans more than a
    year, so the gateway never times out (the old single slice over the archive did)."""
    provider = CdseODataProvider(cdse.connection())
    scenes = provider.search(SearchRequest.create(collections=["SENTINEL-3"])).all()
    expected = cdse.count("Collection/Name eq 'SENTINEL-3'")["distinct_names"]
    assert len(scenes) == expected == 365
    log = products_log(cdse)
    assert all(e["status"] == 200 for e in log)
    assert max(_span_days(e["query"]) for e in log) <= 366
    assert len(log) >= 2026 - 2016  # one slice per year at least
    assert provider.last_progress.slices_done == provider.last_progress.slices_total


def test_a_limited_open_ended_search_asks_the_newest_year_first(cdse):
    provider = CdseODataProvider(cdse.connection())
    first = provider.search(SearchRequest.create(collections=["SENTINEL-3"], limit=3)).all()
    assert len(first) == 3 and first[0].datetime.year == 2023
    assert all(e["status"] == 200 for e in products_log(cdse))


def test_empty_slices_and_empty_searches(cdse):
    provider = CdseODataProvider(cdse.connection(page_size=50))
    # Sentinel-3 has one product a day in 2023 and none before: most of the range is empty
    scenes = provider.search(SearchRequest.create(collections=["SENTINEL-3"], start="2021-01-01",
                                                  end="2023-03-31")).all()
    assert len(scenes) == 31 + 28 + 31
    pages = list(provider.search(SearchRequest.create(collections=["SENTINEL-3"], start="2020-01-01",
                                                      end="2020-12-31")).pages())
    assert len(pages) == 1 and pages[0].scenes == [] and pages[0].more is False


def test_a_429_storm_is_waited_out_and_every_product_still_arrives(cdse):
    cdse.configure(storm=6, retry_after=1)
    provider = CdseODataProvider(cdse.connection())
    started = time.monotonic()
    scenes = provider.search(france_request(start="2023-01-01", end="2023-04-30")).all()
    elapsed = time.monotonic() - started
    expected = cdse.count("Collection/Name eq 'SENTINEL-2' and ContentDate/Start ge 2023-01-01T00:00:00Z "
                          "and ContentDate/Start lt 2023-05-01T00:00:00Z")["distinct_names"]
    assert len(scenes) == expected
    assert provider.last_progress.rate_limited == 6
    log = products_log(cdse)
    first_429 = min(e["t0"] for e in log if e["status"] == 429)
    first_ok = min(e["t0"] for e in log if e["status"] == 200)
    assert first_ok - first_429 >= 0.95  # Retry-After: 1 was honoured by every worker
    assert elapsed >= 1.0


def test_the_request_rate_stays_polite_under_a_server_rate_limit(cdse):
    cdse.configure(rate_limit_rps=6, rate_limit_burst=3, retry_after=1)
    provider = CdseODataProvider(cdse.connection(requests_per_second=4, page_size=200))
    scenes = provider.search(france_request(start="2023-02-01", end="2023-03-31")).all()
    expected = cdse.count("Collection/Name eq 'SENTINEL-2' and ContentDate/Start ge 2023-02-01T00:00:00Z "
                          "and ContentDate/Start lt 2023-04-01T00:00:00Z")["distinct_names"]
    assert len(scenes) == expected
    log = products_log(cdse)
    rejected = [e for e in log if e["status"] == 429]
    # (a few: the server stamps arrivals, and a stall of its process on a busy machine bunches
    # them; a client without its own token bucket gets dozens)
    assert len(rejected) <= 5, "the client's own token bucket keeps under the service's rate"
    starts = sorted(e["t0"] for e in log)
    for i, t in enumerate(starts):  # never more than burst + rate x window in any 2 s window
        assert sum(1 for u in starts[i:] if u - t < 2.0) <= 4 + 4 * 2


# --------------------------------------------------------------------------- filters
def test_attribute_filters_from_the_panel(cdse):
    sample = CdseODataProvider(cdse.connection()).search(france_request(start="2023-05-01", end="2023-05-10",
                                                                       limit=1)).all()[0]
    tile, orbit = sample.properties["tileId"], sample.properties["relativeOrbitNumber"]
    cdse.admin("/_admin/reset", {})
    provider = CdseODataProvider(cdse.connection())
    request = france_request(start="2023-05-01", end="2023-07-31", max_cloud=30,
                             provider_filters={"productType": "S2MSI2A", "tile": "T" + tile,
                                               "relativeOrbitNumber": [orbit, 94]})
    scenes = provider.search(request).all()
    assert scenes
    for s in scenes:
        assert s.properties["productType"] == "S2MSI2A"
        assert s.properties["tileId"] == tile
        assert s.properties["relativeOrbitNumber"] in (orbit, 94)
        assert s.cloud_cover <= 30
    query = products_log(cdse)[0]["query"]
    flt = dict(parse_qsl(query))["$filter"]
    assert ("Attributes/OData.CSC.StringAttribute/any(att:att/Name eq 'productType' and "
            "att/OData.CSC.StringAttribute/Value eq 'S2MSI2A')") in flt
    assert "att/OData.CSC.DoubleAttribute/Value le 30.0" in flt
    assert "att/OData.CSC.IntegerAttribute/Value eq 94" in flt


def test_sentinel1_filters_orbit_direction_mode_and_polarisation(cdse):
    provider = CdseODataProvider(cdse.connection())
    request = SearchRequest.create(collections=["SENTINEL-1"], start="2023-01-01", end="2023-03-31",
                                   provider_filters={"orbitDirection": "descending", "sensorMode": "IW",
                                                     "polarisation": "VV+VH"})
    scenes = provider.search(request).all()
    assert scenes
    assert {s.properties["orbitDirection"] for s in scenes} == {"DESCENDING"}
    assert {s.properties["polarisationChannels"] for s in scenes} == {"VV&VH"}
    expected = cdse.count(
        "Collection/Name eq 'SENTINEL-1' and ContentDate/Start ge 2023-01-01T00:00:00Z and "
        "ContentDate/Start lt 2023-04-01T00:00:00Z and Attributes/OData.CSC.StringAttribute/any("
        "att:att/Name eq 'orbitDirection' and att/OData.CSC.StringAttribute/Value eq 'DESCENDING')")
    assert len(scenes) == expected["distinct_names"]


def test_cql2_comparisons_go_to_the_catalogue_and_the_rest_is_filtered_here(cdse):
    provider = CdseODataProvider(cdse.connection())
    cql = "productType = 'S2MSI2A' AND eo:cloud_cover < 10 AND tileId LIKE '31T%'"
    scenes = provider.search(france_request(start="2023-06-01", end="2023-06-30", cql2=cql)).all()
    assert scenes
    assert all(s.properties["productType"] == "S2MSI2A" and s.cloud_cover < 10
               and s.properties["tileId"].startswith("31T") for s in scenes)
    flt = dict(parse_qsl(products_log(cdse)[0]["query"]))["$filter"]
    assert "Value eq 'S2MSI2A'" in flt and "Value lt 10" in flt and "like" not in flt.lower()
    # and the same products as asking for everything and filtering by hand
    everything = CdseODataProvider(cdse.connection()).search(france_request(start="2023-06-01", end="2023-06-30")).all()
    by_hand = {s.id for s in everything if s.properties["productType"] == "S2MSI2A" and s.cloud_cover < 10
               and s.properties["tileId"].startswith("31T")}
    assert {s.id for s in scenes} == by_hand


def test_cql2_translation_splits_server_and_client_parts():
    from eo_scene_finder.providers import cql2
    server, residual = cql2_to_odata(cql2.parse(
        "relativeOrbitNumber IN (8, 51) AND (orbitDirection = 'ASCENDING' OR cloudCover >= 5) "
        "AND platform LIKE 'sentinel%'"), {"relativeOrbitNumber": "Integer", "cloudCover": "Double"})
    assert "att/OData.CSC.IntegerAttribute/Value eq 8" in server
    assert " or " in server and "Value ge 5" in server
    assert residual == {"op": "like", "args": [{"property": "platform"}, "sentinel%"]}


def test_a_detailed_area_is_simplified_to_fit_the_url_then_filtered_exactly(cdse):
    france = Polygon(FRANCE)
    # a very detailed polygon: thousands of vertices along the border
    detailed = france.buffer(0.05, resolution=400).intersection(Polygon(FRANCE).buffer(0.3))
    assert len(detailed.exterior.coords) > 1500
    provider = CdseODataProvider(cdse.connection())
    request = SearchRequest.create(aoi=detailed.__geo_interface__, start="2023-08-01", end="2023-08-20",
                                   collections=["SENTINEL-2"])
    scenes = provider.search(request).all()
    statuses = {e["status"] for e in products_log(cdse)}
    assert statuses == {200}  # never a 414
    from eo_scene_finder.providers.catalogs.odata.query import encoded_length, geometry_wkt, intersects_clause
    assert encoded_length(intersects_clause(geometry_wkt(detailed))) > 7000  # the true polygon does not fit
    longest = max(len(cdse.odata_url + "/Products?" + e["query"]) for e in products_log(cdse))
    assert longest <= 7000
    # exactly the products whose footprint meets the true polygon
    everything = CdseODataProvider(cdse.connection()).search(SearchRequest.create(
        aoi=[-6, 41, 10, 52], start="2023-08-01", end="2023-08-20", collections=["SENTINEL-2"])).all()
    truth = {s.id for s in everything if shape(s.geometry).intersects(detailed)}
    assert {s.id for s in scenes} == truth


def test_inclusive_end_date_and_start_bound(cdse):
    provider = CdseODataProvider(cdse.connection())
    scenes = provider.search(SearchRequest.create(collections=["SENTINEL-3"], start="2023-03-10",
                                                  end="2023-03-10")).all()
    assert len(scenes) == 1 and scenes[0].datetime.date().isoformat() == "2023-03-10"


def test_ids_and_limit(cdse):
    provider = CdseODataProvider(cdse.connection())
    first = provider.search(france_request(limit=50)).all()
    assert len(first) == 50
    assert len(products_log(cdse)) == 1
    wanted = [first[3].id, first[7].properties["Name"]]
    found = CdseODataProvider(cdse.connection()).search(SearchRequest.create(ids=wanted)).all()
    assert sorted(s.id for s in found) == sorted([first[3].id, first[7].id])


def test_sorting_by_cloud_cover_collects_then_sorts(cdse):
    provider = CdseODataProvider(cdse.connection())
    scenes = provider.search(france_request(start="2023-09-01", end="2023-09-15", sortby="eo:cloud_cover")).all()
    clouds = [s.cloud_cover for s in scenes]
    assert clouds == sorted(clouds) and len(clouds) > 100


# --------------------------------------------------------------------------- scenes
def test_scenes_carry_what_downloads_and_grouping_need(cdse):
    provider = CdseODataProvider(cdse.connection())
    scene = provider.search(france_request(start="2023-04-01", end="2023-04-02", limit=1)).all()[0]
    record = requests.get(f"{cdse.odata_url}/Products({scene.properties['Id']})", timeout=30).json()
    product = scene.assets["product"]
    stem = record["Name"][:-len(".SAFE")]
    assert scene.id == stem
    assert product.href == f"{cdse.odata_url}/Products({record['Id']})/$value"
    assert product.title == f"{stem}.zip" and product.extra["file_name"] == f"{stem}.zip"
    assert product.size == record["ContentLength"]
    assert product.checksum.algorithm == "md5" and product.checksum.hexdigest == record["Checksum"][0]["Value"]
    assert scene.properties["S3Path"] == record["S3Path"] == product.extra["s3_path"]
    assert product.extra["alternate"]["s3"]["href"] == "s3://eodata/" + record["S3Path"][len("/eodata/"):]
    assert scene.online is True
    assert scene.thumbnail.startswith(cdse.odata_url + "/Assets(")
    assert requests.get(scene.thumbnail, timeout=30).headers["Content-Type"] == "image/jpeg"
    assert scene.scene_key is not None and str(scene.scene_key).startswith(stem[:3])
    assert scene.collection == "SENTINEL-2" and scene.platform in ("sentinel-2a", "sentinel-2b")
    assert scene.geometry["type"] == "Polygon" and scene.bbox is not None


def test_recorded_records_become_scenes(cdse):
    from eo_scene_finder.providers.catalogs.odata.records import record_to_scene
    for rec in json.loads((DATA / "cop_dataspace_search.json").read_text())["value"]:
        scene = record_to_scene(rec)
        assert scene.id == rec["Name"][:-5]
        assert scene.assets["product"].checksum.hexdigest == rec["Checksum"][0]["Value"]
        assert scene.cloud_cover == pytest.approx(rec["Attributes"][2]["Value"])
        assert str(scene.scene_key).startswith("S2A_")
    aux = json.loads((DATA / "odata_page_1.json").read_text())["value"][0]
    scene = record_to_scene(aux)
    assert scene.geometry is None and scene.collection == "SENTINEL-1" and scene.online is True


def test_listing_export_rows(cdse, tmp_path):
    provider = CdseODataProvider(cdse.connection())
    scenes = provider.search(france_request(limit=5)).all()
    rows = listing_csv_rows(scenes)
    assert [r[1] for r in rows] == [s.properties["Name"] for s in scenes]
    assert all(re.fullmatch(r"[0-9a-f-]{36}", r[0]) for r in rows)
    path = tmp_path / "listing.csv"
    assert write_listing_csv(scenes, str(path)) == 5
    assert list(csv.reader(path.open())) == [list(r) for r in rows]


# --------------------------------------------------------------------------- catalogue info
def test_collections_and_per_collection_queryables(cdse):
    provider = CdseODataProvider(cdse.connection())
    ids = [c.id for c in provider.list_collections()]
    for needed in ("SENTINEL-1", "SENTINEL-2", "SENTINEL-3", "SENTINEL-5P", "SENTINEL-6", "LANDSAT-8",
                   "COP-DEM", "CCM"):
        assert needed in ids
    s1 = provider.queryables(["SENTINEL-1"])
    recorded = {a["Name"] for a in json.loads((DATA / "attributes_SENTINEL-1.json").read_text())}
    assert recorded <= set(s1)
    assert s1["orbitDirection"]["enum"] == ["ASCENDING", "DESCENDING"]
    assert s1["relativeOrbitNumber"]["type"] == "integer"
    assert s1["polarisationChannels"]["x-odata-type"] == "String"
    s2 = provider.queryables(["SENTINEL-2"])
    assert s2["cloudCover"]["type"] == "number" and s2["cloudCover"]["maximum"] == 100
    assert s2["productType"]["enum"] == ["S2MSI1C", "S2MSI2A"]
    assert list(s2)[:3] == ["productType", "cloudCover", "tileId"]


def test_connection_string_opens_the_provider_with_loopback_endpoints(cdse):
    connection = resolve_connection(f"cdse+{cdse.odata_url}?page_size=500")
    provider = open_provider(connection)
    assert isinstance(provider, CdseODataProvider)
    assert connection.options["download_url"] == cdse.odata_url
    assert connection.options["token_url"] == cdse.token_url
    assert connection.options["page_size"] == 500
    assert len(provider.search(france_request(limit=3)).all()) == 3


def test_cdse_and_creodias_presets_point_at_the_real_services():
    cdse_conn = resolve_connection("cdse")
    provider = open_provider(cdse_conn)
    assert isinstance(provider, CdseODataProvider) and provider.kind == "cdse"
    assert cdse_conn.url == "https://catalogue.dataspace.copernicus.eu/odata/v1"
    assert cdse_conn.options["download_url"] == "https://download.dataspace.copernicus.eu/odata/v1"
    assert cdse_conn.options["token_domains"] == "*.dataspace.copernicus.eu"
    assert cdse_conn.options["token_url"].startswith("https://identity.dataspace.copernicus.eu/auth/realms/CDSE/")
    assert cdse_conn.options["s3_endpoint"] == "https://eodata.dataspace.copernicus.eu"
    creo = open_provider(resolve_connection("creodias"))
    assert creo.kind == "creodias" and creo.download_url == "https://zipper.creodias.eu/odata/v1"
    assert creo.connection.options["client_id"] == "CLOUDFERRO_PUBLIC"


def test_the_cache_makes_a_repeated_search_free_and_can_be_cleared(cdse, tmp_path):
    cache_dir = tmp_path / "cache"
    provider = CdseODataProvider(cdse.connection(cache_dir=str(cache_dir), cache_max_age=3600))
    first = provider.search(france_request(start="2023-01-01", end="2023-03-31")).all()
    sent = len(products_log(cdse))
    assert sent > 1
    again = CdseODataProvider(cdse.connection(cache_dir=str(cache_dir), cache_max_age=3600))
    second = again.search(france_request(start="2023-01-01", end="2023-03-31")).all()
    assert [s.id for s in second] == [s.id for s in first]
    assert len(products_log(cdse)) == sent  # nothing sent
    assert again.last_progress.cache_hits == sent and again.last_progress.requests == 0
    cache = ResponseCache(cache_dir)
    assert len(cache) == sent and cache.clear() == sent and len(cache) == 0
    stale = CdseODataProvider(cdse.connection(cache_dir=str(cache_dir), cache_max_age=0.001))
    stale.search(france_request(start="2023-01-01", end="2023-01-31")).all()
    stale.search(france_request(start="2023-01-01", end="2023-01-31")).all()
    assert stale.last_progress.cache_hits == 0


def test_caching_is_off_by_default(cdse):
    provider = CdseODataProvider(cdse.connection())
    assert provider.cache is None


def test_stopping_early_stops_fetching(cdse):
    provider = CdseODataProvider(cdse.connection(max_concurrency=2))
    results = provider.search(france_request())
    pages = results.pages()
    next(pages)
    pages.close()
    from servers._proc import wait_until
    wait_until(lambda: cdse.stats()["inflight"] == 0, 30, "in-flight requests to land")
    assert len(products_log(cdse)) <= 1 + 2 * 2
