"""Google Cloud's public buckets: Sentinel-2 L1C/L2A SAFE products and Landsat Collection 1
scenes, found by scene id or by area (tiles / path-rows) and dates (kind ``google``)."""
from __future__ import annotations

from typing import Dict

from ...spec import Capabilities, ConnectionCheck, EndpointField, Preset, ProviderSpec
from .provider import GOOGLE_STORAGE, S2_BUCKET


def check_google(connection, session, headers: Dict[str, str], result: ConnectionCheck) -> None:
    """One listing of the Sentinel-2 bucket's top folders."""
    from ...net import http

    base = str(connection.option("url") or connection.url or GOOGLE_STORAGE).rstrip("/")
    page = http.get_json(session, f"{base}/storage/v1/b/{S2_BUCKET}/o", params={"prefix": "", "delimiter": "/"},
                         what="Google Cloud Storage")
    folders = len(page.get("prefixes") or []) if isinstance(page, dict) else 0
    result.add(True, f"Reachable: the {S2_BUCKET} bucket lists {folders} top folders (anonymous access).")


SPECS = (
    ProviderSpec(
        kind="google", title="Google Cloud public buckets (Sentinel-2, Landsat C1)",
        factory=".catalogs.google.provider:GoogleBucketsProvider", url=GOOGLE_STORAGE,
        url_label="Cloud Storage URL", page_size=10,
        endpoints=(EndpointField("zip", "Zip each product (true/false)", "false"),),
        capabilities=Capabilities(streaming=True, downloads=True),
        check=".catalogs.google:check_google",
        presets=(Preset(
            "google", "Google Cloud public buckets (Sentinel-2, Landsat C1)", "google", GOOGLE_STORAGE,
            "Sentinel-2 L1C/L2A SAFE products and Landsat Collection 1 scenes (frozen) from Google's public "
            "buckets, anonymously; found by scene id or by area (tiles / path-rows) and dates; no cloud cover.",
            order=31),)),
)
