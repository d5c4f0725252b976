"""STAC: APIs through pystac-client (``stac-api``) and static catalogs (``static``), with
DINAMIS and Planetary Computer URL signing."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Dict, List

from ... import errors
from ...auth.credentials import REFRESH_FIELD, AuthScheme, CredentialField
from ...spec import Capabilities, ConnectionCheck, EndpointField, Preset, ProviderSpec, SigningChoice

PLUGIN_DIR = Path(__file__).resolve().parents[3]
DEMO_CATALOG = PLUGIN_DIR / "demo_catalog" / "catalog.json"

PC_SAS_ENDPOINT = "https://planetarycomputer.microsoft.com/api/sas/v1"
DINAMIS_SIGNING_URL = "https://s3-signing-cdos.apps.okd.crocc.meso.umontpellier.fr/"
DINAMIS_STORAGE_DOMAIN = ".meso.umontpellier.fr"

DINAMIS_SCHEME = AuthScheme(
    "dinamis", "DINAMIS signing (API key, or log in with the browser)", "EOSF_DINAMIS_",
    (CredentialField("access_key", "Access key", env_suffix="ACCESS_KEY"),
     CredentialField("secret_key", "Secret key", env_suffix="SECRET_KEY"),
     REFRESH_FIELD),
    service="DINAMIS", session="device-code", client_id="gdal",
    headers=(("access-key", "{access_key}"), ("secret-key", "{secret_key}")))
PC_SCHEME = AuthScheme(
    "planetary-computer", "Planetary Computer subscription key (optional)", "EOSF_PC_",
    (CredentialField("subscription_key", "Subscription key", env_suffix="SUBSCRIPTION_KEY"),),
    service="Planetary Computer", session="headers",
    headers=(("Ocp-Apim-Subscription-Key", "{subscription_key}"),))

SIGNING = (
    SigningChoice("none", "None"),
    SigningChoice("dinamis", "DINAMIS", (EndpointField("signing_url", "Signing service", DINAMIS_SIGNING_URL),
                                         EndpointField("storage_domain", "Storage domain", DINAMIS_STORAGE_DOMAIN))),
    SigningChoice("planetary-computer", "Planetary Computer",
                  (EndpointField("signing_url", "SAS token endpoint", PC_SAS_ENDPOINT),)),
)


def _signing_scheme(connection) -> str:
    signing = (connection.options or {}).get("signing") or "none"
    return signing if signing in ("dinamis", "planetary-computer") else "none"


# ------------------------------------------------------------------------- Test connection
_CONFORMANCE_WORDS = [("item-search#filter", "filter"), ("item-search#sort", "sort"),
                      ("item-search#query", "query"), ("item-search#fields", "fields"),
                      ("collection-search", "collection search"), ("item-search", "item search")]


def describe_conformance(classes: List[str]) -> str:
    found = []
    for needle, word in _CONFORMANCE_WORDS:
        if any(str(c).rstrip("/").endswith(needle) for c in classes) and word not in found:
            found.append(word)
    return ", ".join(found) if found else "no search conformance declared"


def check_stac_api(connection, session, headers: Dict[str, str], result: ConnectionCheck) -> None:
    """The landing page and what it conforms to (signing credentials never go to the API)."""
    from ...net import http

    url = connection.url
    landing = http.get_json(session, url, what="The STAC API")
    if not isinstance(landing, dict):
        raise errors.MalformedResponseError("The address answered, but not with a STAC landing page.")
    classes = landing.get("conformsTo")
    if classes is None:
        conf_link = next((l.get("href") for l in landing.get("links") or []
                          if isinstance(l, dict) and l.get("rel") == "conformance"), None)
        if conf_link:
            classes = (http.get_json(session, conf_link, what="The STAC API") or {}).get("conformsTo")
    title = landing.get("title") or landing.get("id") or url
    result.add(True, f"Reachable: STAC API “{title}” ({describe_conformance(classes or [])}).")


def check_static(connection, session, headers: Dict[str, str], result: ConnectionCheck) -> None:
    """The root document and how many child and item links it has."""
    from ...net import http

    url = connection.url
    if url.startswith(("http://", "https://")):
        doc = http.get_json(session, url, what="The catalog")
    else:
        try:
            with open(os.path.expanduser(url), encoding="utf-8") as fh:
                doc = json.load(fh)
        except (OSError, ValueError) as err:
            raise errors.InvalidRequestError(f"The catalog file cannot be read: {err}") from err
    if not isinstance(doc, dict):
        raise errors.MalformedResponseError("The catalog is not a STAC document.")
    links = doc.get("links") or []
    children = sum(1 for l in links if isinstance(l, dict) and l.get("rel") == "child")
    items = sum(1 for l in links if isinstance(l, dict) and l.get("rel") == "item")
    result.add(True, f"Reachable: static catalog “{doc.get('id', url)}” with {children} child and "
                     f"{items} item links.")


# ------------------------------------------------------------------------------- specs
SPECS = (
    ProviderSpec(
        kind="stac-api", title="STAC API", factory=".catalogs.stac.api:StacApiProvider",
        url="https://earth-search.aws.element84.com/v1", page_size=100,
        auth=_signing_scheme, schemes=(DINAMIS_SCHEME, PC_SCHEME), signing=SIGNING,
        capabilities=Capabilities(streaming=True, server_cql2=True, collection_search=True, signing=True),
        check=".catalogs.stac:check_stac_api",
        presets=(
            Preset("earth-search", "Earth Search v1 (Element 84, AWS)", "stac-api",
                   "https://earth-search.aws.element84.com/v1",
                   "Sentinel-1/2, Landsat, Copernicus DEM and NAIP on AWS open data; public COGs.", order=10),
            Preset("planetary-computer", "Microsoft Planetary Computer", "stac-api",
                   "https://planetarycomputer.microsoft.com/api/stac/v1",
                   "Sentinel, Landsat, MODIS and more on Azure; asset URLs are signed with SAS tokens.",
                   {"signing": "planetary-computer", "signing_url": PC_SAS_ENDPOINT}, order=11),
            Preset("dinamis", "DINAMIS (THEIA / Data Terra)", "stac-api",
                   "https://stacapi-cdos.apps.okd.crocc.meso.umontpellier.fr",
                   "Very high resolution SPOT 6/7 and Sentinel-2 products for French public research; "
                   "asset URLs are signed by the DINAMIS signing service (API key or device-code login).",
                   {"signing": "dinamis", "signing_url": DINAMIS_SIGNING_URL,
                    "storage_domain": DINAMIS_STORAGE_DOMAIN}, order=12),
            Preset("isdeform", "ISDeform (OPGC)", "stac-api", "http://isdeform.opgc.fr/pgstac/",
                   "InSAR deformation products (interferograms, coherence) of the ISDeform service.", order=13),
            Preset("cdse-stac", "Copernicus Data Space Ecosystem STAC", "stac-api",
                   "https://stac.dataspace.copernicus.eu/v1",
                   "The Copernicus Data Space Ecosystem STAC catalogue (Sentinel missions).", order=14),
        )),
    ProviderSpec(
        kind="static", title="Static STAC catalog", factory=".catalogs.stac.static:StaticCatalogProvider",
        url="", url_label="Catalog file or URL", page_size=100,
        capabilities=Capabilities(streaming=True),
        check=".catalogs.stac:check_static",
        presets=(
            Preset("demo", "Demo catalog (bundled, offline)", "static", str(DEMO_CATALOG),
                   "A small static STAC catalog shipped with the plugin; works without a network.", order=99),
        )),
)
