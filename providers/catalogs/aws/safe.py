"""Sentinel-1 products in the ``sentinel-s1-l1c`` bucket: where a product lives and what each
of its files is called in the SAFE product.

The bucket keeps a product under ``GRD/{YYYY}/{M}/{D}/{MODE}/{POL}/{PRODUCT_ID}/`` (month and
day not zero-padded, ``POL`` = characters 14-15 of the id) with short file names
(``measurement/iw-vv.tiff``, ``annotation/calibration/noise-iw-vv.xml``); the SAFE product
names them after the product (``measurement/s1a-iw-grd-vv-<start>-<stop>-<orbit>-<datatake>-001.tiff``).
Sources: aws_imagery_pack ``aws_download.py`` (layout, the ``001`` vv/hh / ``002`` vh/hv
numbering, the calibration-/noise- prefixes) and the ``filenameMap`` of a real
``productInfo.json`` (``shared/data/real/aws-s1/``), which also shows the report renamed to
``<ID>.SAFE-report-*.pdf``. Unlike the seed, every prefix of ``annotation/`` sub-folders is
kept (``rfi/rfi-iw-hh.xml`` → ``rfi/rfi-<name>.xml``), so no file overwrites another.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Iterable, Optional

from ... import errors

PRODUCT_ID = re.compile(
    r"^(?P<mission>S1[A-D])_(?P<mode>[A-Z0-9]{2})_(?P<type>[A-Z]{3})(?P<res>[A-Z_])_(?P<level>\d)"
    r"(?P<cls>[A-Z])(?P<pol>[A-Z]{2})_(?P<start>\d{8}T\d{6})_(?P<stop>\d{8}T\d{6})_(?P<orbit>\d{6})_"
    r"(?P<datatake>[0-9A-F]{6})(?:_(?P<unique>[0-9A-F]{4}))?$")
# measurement/annotation files of the bucket: <swath>-<pol>.<ext>, optionally with a
# <kind>- prefix in annotation sub-folders (calibration-, noise-, rfi-)
_SHORT = re.compile(r"^(?:(?P<kind>[a-z]+)-)?(?P<swath>[a-z0-9]{2,3})-(?P<pol>vv|vh|hh|hv)\.(?P<ext>tiff|xml)$")
_IMAGE_NUMBER = {"vv": "001", "hh": "001", "vh": "002", "hv": "002"}
# files of the bucket that are not part of the SAFE product
NOT_IN_SAFE = ("productInfo.json",)
# the parts a SAFE product cannot do without: missing one, the product is not rebuilt
REQUIRED_PARTS = ("manifest.safe", "measurement/", "annotation/", "annotation/calibration/", "preview/", "support/")


@dataclass(frozen=True)
class ProductName:
    """The fields of a Sentinel-1 product id."""

    product_id: str
    mission: str
    mode: str
    product_type: str
    polarisation: str
    start: str
    stop: str
    orbit: str
    datatake: str
    unique: str

    @classmethod
    def parse(cls, product_id: str) -> "ProductName":
        text = (product_id or "").strip()
        for suffix in (".SAFE", ".zip"):
            if text.endswith(suffix):
                text = text[: -len(suffix)]
        match = PRODUCT_ID.match(text)
        if match is None:
            raise errors.InvalidRequestError(f"“{product_id}” is not a Sentinel-1 product id.")
        g = match.groupdict()
        return cls(text, g["mission"], g["mode"], g["type"], g["pol"], g["start"], g["stop"], g["orbit"],
                   g["datatake"], g["unique"] or "")

    def prefix(self) -> str:
        """The product's folder in the bucket (no trailing slash)."""
        if not self.unique:
            raise errors.InvalidRequestError(
                f"{self.product_id} lacks its four-character unique suffix, which the bucket's folder names carry.")
        day = self.start[:8]
        return (f"{self.product_type}/{int(day[:4])}/{int(day[4:6])}/{int(day[6:8])}/{self.mode}/"
                f"{self.polarisation}/{self.product_id}")

    def image_name(self, swath: str, pol: str) -> str:
        """``s1a-iw-grd-vv-<start>-<stop>-<orbit>-<datatake>-001`` for one swath and polarisation."""
        return "-".join([self.mission.lower(), swath.lower(), self.product_type.lower(), pol.lower(),
                         self.start.lower(), self.stop.lower(), self.orbit, self.datatake.lower(),
                         _IMAGE_NUMBER[pol.lower()]])


def safe_name(product: ProductName, relative_key: str) -> Optional[str]:
    """The SAFE path of the bucket file ``relative_key`` (relative to the product folder);
    None for a file that is not part of the SAFE product."""
    if relative_key in NOT_IN_SAFE:
        return None
    folder, _, name = relative_key.rpartition("/")
    top = folder.split("/", 1)[0] if folder else ""
    if top in ("measurement", "annotation"):
        match = _SHORT.match(name)
        if match is not None and (match.group("kind") is None) == (folder in ("measurement", "annotation")):
            image = product.image_name(match.group("swath"), match.group("pol"))
            kind = match.group("kind")
            return f"{folder}/{kind + '-' if kind else ''}{image}.{match.group('ext')}"
        return relative_key
    if not folder and re.fullmatch(r"report-[0-9T]+\.pdf", name):
        return f"{product.product_id}.SAFE-{name}"
    return relative_key


def safe_names(product: ProductName, relative_keys: Iterable[str],
               filename_map: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """``{bucket key relative to the product: SAFE path}`` for the product's files.

    ``filename_map`` is the product's own ``productInfo.json`` ``filenameMap`` (SAFE name →
    bucket key): it names the files it lists; the others are named by :func:`safe_name`.
    Two files never get the same SAFE name (a product whose files would is refused)."""
    published = {key: safe for safe, key in (filename_map or {}).items() if isinstance(key, str)}
    out: Dict[str, str] = {}
    taken: Dict[str, str] = {}
    for key in relative_keys:
        name = published.get(key) or safe_name(product, key)
        if name is None:
            continue
        if name in taken:
            raise errors.MalformedResponseError(
                f"{product.product_id}: {taken[name]} and {key} would both become {name} in the SAFE product.")
        taken[name] = key
        out[key] = name
    return out
