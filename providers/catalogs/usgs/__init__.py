"""USGS Machine-to-Machine (M2M): Landsat Collection 2 search and download (kind ``usgs``),
logged in with a username and an M2M application token (``login-token``, :mod:`.login`)."""
from __future__ import annotations

import json
from typing import Dict

from ...spec import Capabilities, ConnectionCheck, Preset, ProviderSpec
from .api import DEFAULT_URL
from .login import USGS_SCHEME


def check_usgs(connection, session, headers: Dict[str, str], result: ConnectionCheck) -> None:
    """``dataset-search`` with the API key the login gave, then ``logout``."""
    from ...net import http
    from .api import WHAT

    base = connection.url if connection.url.endswith("/") else connection.url + "/"

    def post(endpoint: str, payload: dict):
        response = http.request(session, "POST", base + endpoint, what=WHAT, data=json.dumps(payload),
                                headers={"Content-Type": "application/json", **headers})
        body = http.response_json(response, WHAT)
        if isinstance(body, dict) and body.get("errorCode"):
            from ... import errors
            raise errors.ServiceError(f"{WHAT} refused {endpoint}: {body.get('errorMessage') or body['errorCode']}")
        return body.get("data") if isinstance(body, dict) else None

    data = post("dataset-search", {"datasetName": "landsat_ot_c2"}) or []
    names = sorted(str(d.get("datasetAlias")) for d in data if isinstance(d, dict))
    result.add(True, f"Reachable: USGS M2M lists {', '.join(names) or 'no Landsat Collection 2 dataset'}.")
    key = headers.get("X-Auth-Token")
    if key:
        from .login import forget_api_key

        post("logout", {})
        forget_api_key(key)
        result.add(True, "Logged out of USGS M2M again.")


SPECS = (
    ProviderSpec(
        kind="usgs", title="USGS M2M (Landsat Collection 2)", factory=".catalogs.usgs.provider:UsgsM2MProvider",
        url=DEFAULT_URL, url_label="M2M API URL", page_size=100, auth="usgs", schemes=(USGS_SCHEME,),
        capabilities=Capabilities(downloads=True, attribute_filters=True),
        check=".catalogs.usgs:check_usgs",
        presets=(Preset(
            "usgs", "USGS M2M (Landsat Collection 2)", "usgs", DEFAULT_URL,
            "Landsat 4-9 Collection 2 Level-1 and Level-2 from USGS EarthExplorer's M2M API: bundles and "
            "single band files; needs a USGS account with M2M access and an application token.", order=30),)),
)
