"""Saved projects keep no URL signature or token: :func:`install_project_redaction` makes
QGIS write every layer source through :func:`strip_url_secrets` (signed asset URLs expire
anyway; streamed layers are signed again when the project is reopened)."""
from __future__ import annotations

import re
from typing import Optional

from qgis.core import QgsPathResolver

from ..providers.net.redact import strip_signature

_URL_IN_SOURCE = re.compile(r"(?:https?|s3)://[^\s'\"<>|]+")


def strip_url_secrets(source: str) -> str:
    """A data source as it may be saved: signatures, tokens and user info removed from every
    URL in it (``/vsicurl/https://...?X-Amz-Signature=...`` -> ``/vsicurl/https://...``)."""
    if not source or "://" not in source:
        return source
    return _URL_IN_SOURCE.sub(lambda m: strip_signature(m.group(0)), source)


_path_writer_id: Optional[str] = None


def install_project_redaction() -> None:
    """Strip URL secrets from every path QGIS writes into a project (plugin start)."""
    global _path_writer_id
    if _path_writer_id is None:
        _path_writer_id = QgsPathResolver.setPathWriter(strip_url_secrets)


def remove_project_redaction() -> None:
    global _path_writer_id
    if _path_writer_id is not None:
        QgsPathResolver.removePathWriter(_path_writer_id)
        _path_writer_id = None
