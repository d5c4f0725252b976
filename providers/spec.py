"""What a catalog kind declares about itself: :class:`ProviderSpec`.

Each kind (``stac-api``, ``static``, ``cdse``…) declares one spec next to its provider, in
its package under ``providers/catalogs/``. Everything that differs between kinds is read
from the specs: the connection editor's forms and defaults, settings validation, credential
prompts and environment variables, *Test connection*, presets, the Processing transfer
choices. Capabilities are declared here, never probed with ``hasattr``.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from .auth.credentials import AuthScheme
    from .base import Connection, Provider


@dataclass(frozen=True)
class EndpointField:
    """One endpoint option of a kind (``token_url``, ``download_url``…), shown and editable
    in the connection editor, with its default."""

    key: str
    label: str
    default: Any = ""


@dataclass(frozen=True)
class SigningChoice:
    """A URL-signing service a STAC connection can use (DINAMIS, Planetary Computer), with
    its endpoint options."""

    id: str
    title: str
    endpoints: Tuple[EndpointField, ...] = ()


@dataclass(frozen=True)
class Capabilities:
    """What a kind can do, so the panel and the algorithms offer only what works."""

    streaming: bool = False          # assets open as /vsicurl/ (or /vsis3/) raster layers
    downloads: bool = True           # the download engine fetches its assets or products
    s3_transfer: bool = False        # eoscenefinder:download TRANSFER=1 (S3 with several accounts)
    ordering: bool = False           # offline products can be ordered through the API
    server_cql2: bool = False        # CQL2 filters go to the server (else evaluated locally)
    collection_search: bool = False  # free-text collection search on the server
    cache: bool = False              # the connection manager's catalogue cache applies
    signing: bool = False            # STAC URL signing choice (DINAMIS, Planetary Computer)
    attribute_filters: bool = False  # per-collection attribute filters in the panel


@dataclass(frozen=True)
class Preset:
    """A catalog the plugin knows out of the box; every endpoint is an overridable option."""

    id: str
    title: str
    kind: str
    url: str
    description: str = ""
    options: Dict[str, Any] = field(default_factory=dict)
    order: int = 50                  # place in preset lists (lower first)

    def connection(self, name: Optional[str] = None, url: Optional[str] = None, **options: Any) -> "Connection":
        """A connection for this preset; ``url`` and ``options`` override the defaults."""
        from .base import Connection

        merged = dict(self.options)
        merged.update({k: v for k, v in options.items() if v is not None})
        return Connection(name=name or self.id, kind=self.kind, url=url or self.url, options=merged,
                          preset=self.id)


@dataclass
class ConnectionCheck:
    """What *Test connection* found: one plain sentence per step."""

    lines: List[Tuple[bool, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(ok for ok, _ in self.lines)

    def add(self, ok: bool, text: str) -> None:
        self.lines.append((ok, text))

    def text(self) -> str:
        return "\n".join(("✓ " if ok else "✗ ") + text for ok, text in self.lines)


# check(connection, session, headers, result): reach the service and add what it found to result
ServiceCheck = Callable[["Connection", Any, Dict[str, str], ConnectionCheck], None]


def _load(path: str) -> Any:
    """``"module:attribute"`` (module relative to this package) → the attribute."""
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module, __package__), attr)


@dataclass(frozen=True)
class ProviderSpec:
    """A catalog kind: how to build its provider, reach it, log in to it and what it can do.

    ``factory`` and ``check`` are ``"module:attribute"`` paths (relative to ``providers``),
    imported on first use so that listing kinds stays cheap. ``auth`` is the id of the
    :class:`~.auth.credentials.AuthScheme` the kind uses, or a function of the connection
    (STAC: the signing service chosen); ``schemes`` are the schemes the kind brings.
    """

    kind: str
    title: str
    factory: str
    url: str = ""
    url_label: str = "URL"
    page_size: int = 100
    endpoints: Tuple[EndpointField, ...] = ()
    auth: Any = "none"
    schemes: Tuple["AuthScheme", ...] = ()
    presets: Tuple[Preset, ...] = ()
    capabilities: Capabilities = Capabilities()
    check: str = ""
    signing: Tuple[SigningChoice, ...] = ()
    transfer_label: str = ""         # what TRANSFER=1 (S3) means for this kind, when capabilities.s3_transfer

    def provider_class(self) -> Callable[..., "Provider"]:
        return _load(self.factory)

    def open(self, connection: "Connection", credentials: Any = None) -> "Provider":
        """The provider for ``connection`` (which must be of this kind)."""
        return self.provider_class()(connection, credentials=credentials)

    def auth_scheme_id(self, connection: "Connection") -> str:
        return self.auth(connection) if callable(self.auth) else self.auth

    def defaults(self) -> Dict[str, Any]:
        """Default URL, page size and endpoint options (the editor pre-fills them)."""
        out: Dict[str, Any] = {"url": self.url, "page_size": self.page_size}
        out.update({e.key: e.default for e in self.endpoints})
        return out

    def check_service(self, connection: "Connection", session: Any, headers: Dict[str, str],
                      result: ConnectionCheck) -> None:
        """Reach the service (one or two requests) and say what it is, in ``result``."""
        if not self.check:
            raise NotImplementedError(f"The kind {self.kind} declares no connection check.")
        _load(self.check)(connection, session, headers, result)
