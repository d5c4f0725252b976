"""NASA CMR (kind ``cmr``): HLS, MODIS and any CMR collection, searched anonymously,
streamed and downloaded with an Earthdata Login token."""
from __future__ import annotations

from ...spec import Capabilities, EndpointField, Preset, ProviderSpec
from .login import DEFAULT_URS, EARTHDATA_SCHEME
from .provider import CMR_URL

SPECS = (
    ProviderSpec(
        kind="cmr", title="NASA CMR (Earthdata)", factory=".catalogs.cmr.provider:CmrProvider",
        url=CMR_URL, url_label="CMR search URL", page_size=2000,
        endpoints=(EndpointField("urs_url", "Earthdata Login (URS)", DEFAULT_URS),),
        auth="earthdata", schemes=(EARTHDATA_SCHEME,),
        capabilities=Capabilities(streaming=True, downloads=True, collection_search=True),
        check=".catalogs.cmr.provider:connection_check",
        presets=(Preset(
            "nasa-cmr", "NASA CMR (HLS, MODIS, Earthdata)", "cmr", CMR_URL,
            "Harmonized Landsat Sentinel-2 (HLS), MODIS and every NASA collection in the Common Metadata "
            "Repository; searching is open, downloads and streaming need a free Earthdata token.",
            {"urs_url": DEFAULT_URS}, order=30),)),
)
