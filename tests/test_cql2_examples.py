"""The OGC CQL2 1.0 example expressions (tests/data/cql2-examples/, copied from the `cql2`
package's sources, themselves from opengeospatial/ogcapi-features tag cql2-1.0.0; OGC
licence in its NOTICE): each CQL2-text example parses to the CQL2-JSON the standard gives.
Timestamps may be written differently as long as they name the same instant."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from eo_scene_finder.providers import cql2

EXAMPLES = Path(__file__).parent / "data" / "cql2-examples"
TEXTS = sorted((EXAMPLES / "text").glob("*.txt"))


def _same_instants(value):
    """Timestamps as datetimes (``...05:30:00Z`` and ``...05:30:00.000000Z`` are one instant)."""
    if isinstance(value, dict):
        if set(value) == {"timestamp"}:
            return {"timestamp": dt.datetime.fromisoformat(value["timestamp"].replace("Z", "+00:00"))}
        return {k: _same_instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_same_instants(v) for v in value]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", value):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def test_the_whole_suite_is_there():
    assert len(TEXTS) == 120 and (EXAMPLES / "NOTICE").exists()


@pytest.mark.parametrize("text_path", TEXTS, ids=lambda p: p.stem)
def test_cql2_text_example_parses_to_the_standards_json(text_path):
    expected = json.loads((EXAMPLES / "json" / (re.sub(r"-alt\d+$", "", text_path.stem) + ".json")).read_text())
    got = cql2.parse(text_path.read_text())
    assert _same_instants(got) == _same_instants(expected)


@pytest.mark.parametrize("op", ["t_finishedBy", "t_metBy", "t_overlappedBy", "t_startedBy", "a_containedBy"])
def test_camel_case_operators_keep_their_spelling_whatever_the_user_typed(op):
    right = "('a', 'b')" if op.startswith("a_") else "INTERVAL('2020-01-01', '2020-12-31')"
    left = "tags" if op.startswith("a_") else "INTERVAL(start_datetime, end_datetime)"
    for spelling in (op, op.lower(), op.upper()):
        assert cql2.parse(f"{spelling}({left}, {right})")["op"] == op
