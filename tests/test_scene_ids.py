"""Canonical scene keys: the same acquisition from two catalogs gets the same key."""
import json
from pathlib import Path

import pytest

from eo_scene_finder.providers.scene_ids import parse_scene_key
from eo_scene_finder.providers.catalogs.stac.items import item_to_scene

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("scene_id, key", [
    ("S2A_MSIL2A_20230115T103411_N0509_R108_T31TFJ_20230115T144105.SAFE", "S2A_31TFJ_2023-01-15_L2A"),
    ("S2B_31TFJ_20230115_0_L2A", "S2B_31TFJ_2023-01-15_L2A"),  # Earth Search's id for the same kind
    ("S2B_MSIL2A_20240516T162829_R083_T31XDL_20240516T214419", "S2B_31XDL_2024-05-16_L2A"),  # Planetary Computer
    ("S1A_IW_GRDH_1SDV_20200113T225227_20200113T225252_019804_025724_767B", "S1A_IW-019804_2020-01-13_GRDH"),
    ("S1A_IW_SLC__1SDV_20200113T225227_20200113T225252_019804_025724_767B.SAFE", "S1A_IW-019804_2020-01-13_SLC"),
    ("LC08_L2SP_044034_20210508_20210517_02_T1", "LC08_044034_2021-05-08_L2SP"),
    ("LC08_L2SP_197023_20220324_02_T1", "LC08_197023_2022-03-24_L2SP"),  # Planetary Computer's shorter id
    ("MOD13Q1.A2020001.h13v10.061.2020018000000.hdf", "MOD13Q1_h13v10_2020-01-01_13Q1"),
    ("S3A_OL_1_EFR____20230101T100000_20230101T100300_20230102T120000_0179_094_008_2160_PS1_O_NT_003.SEN3",
     "S3A_OL-R008_2023-01-01_L1-EFR"),
])
def test_known_id_patterns(scene_id, key):
    assert str(parse_scene_key(scene_id)) == key


@pytest.mark.parametrize("scene_id", ["", None, "greenland-20230627", "S2A_garbage", "LC08_L2SP_bad"])
def test_unknown_ids_have_no_key(scene_id):
    assert parse_scene_key(scene_id) is None


def test_the_same_sentinel2_scene_from_cdse_and_a_stac_api_groups_together():
    cdse = json.loads((DATA / "cdse" / "cop_dataspace_search.json").read_text())["value"][0]
    key = parse_scene_key(cdse["Name"])
    assert key is not None
    tile, day = key.location, key.sensing_date.replace("-", "")
    e84_style = f"{key.mission}_{tile}_{day}_0_{key.level}"
    assert parse_scene_key(e84_style) == key


def test_stac_items_carry_their_key():
    line = (DATA / "stac" / "items_landsat-8-c2-l2.ndjson").read_text().splitlines()[0]
    scene = item_to_scene(json.loads(line))
    assert scene.scene_key is not None and scene.scene_key.mission == "LC08"
