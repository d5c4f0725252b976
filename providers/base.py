"""The provider contract every catalog implements (STAC API, static catalog, CDSE OData...)."""
from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Optional, Tuple

from .model import CollectionInfo, Page, Scene, SearchRequest

if TYPE_CHECKING:  # pragma: no cover
    from .spec import ProviderSpec


@dataclass
class Connection:
    """Where and how to reach a catalog. Never holds a secret.

    ``kind`` is one of ``stac-api``, ``static``, ``cdse``, ``usgs``, ``cmr``, ``creodias``,
    ``google``, ``aws``. ``options`` holds endpoint overrides and settings such as
    ``signing`` (``none``/``dinamis``/``planetary-computer``), ``signing_url``,
    ``page_size``.
    """

    name: str
    kind: str
    url: str
    options: Dict[str, Any] = field(default_factory=dict)
    preset: Optional[str] = None

    def option(self, key: str, default: Any = None) -> Any:
        value = self.options.get(key)
        return default if value in (None, "") else value

    def flag(self, key: str, default: bool = False) -> bool:
        """A yes/no option, whether it came as a bool or as text (``zip=true`` in a string)."""
        value = self.option(key, default)
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "url": self.url,
                "options": dict(self.options), "preset": self.preset}

    @classmethod
    def from_dict(cls, data: dict) -> "Connection":
        return cls(name=data["name"], kind=data["kind"], url=data["url"],
                   options=dict(data.get("options") or {}), preset=data.get("preset"))


class SearchResults:
    """Lazy results: pages are fetched only when iterated, each exactly once.

    ``pages()`` yields :class:`Page` objects; ``scenes()`` flattens them and honours
    the request's ``limit``. Stop iterating to stop fetching (that is how a task cancels).
    """

    def __init__(self, page_iter_factory: Callable[[], Iterator[Page]], limit: Optional[int] = None):
        self._factory = page_iter_factory
        self._limit = limit
        self.pages_fetched = 0
        self.matched: Optional[int] = None
        self.truncated = False  # True when the cap stopped us before the server ran out

    def pages(self) -> Iterator[Page]:
        count = 0
        for page in self._factory():
            self.pages_fetched += 1
            if page.matched is not None:
                self.matched = page.matched
            if self._limit is not None and count + len(page.scenes) >= self._limit:
                # stop at the cap; ``page.more`` still says whether the server had more
                self.truncated = page.more or count + len(page.scenes) > self._limit
                page.scenes = page.scenes[: self._limit - count]
                yield page
                return
            count += len(page.scenes)
            yield page
            if not page.more:
                return

    def scenes(self) -> Iterator[Scene]:
        for page in self.pages():
            yield from page.scenes

    def all(self) -> List[Scene]:
        return list(self.scenes())


@dataclass(frozen=True)
class SearchWarning:
    """Something a search skipped without failing (an unreadable document, a date slice that
    could not be read), in plain words; ``href`` says where, without secrets."""

    message: str
    href: str = ""

    def __str__(self) -> str:
        return self.message


class Provider(abc.ABC):
    """A catalog. Subclasses must not import qgis and must raise only
    :class:`~eo_scene_finder.providers.errors.EoSceneFinderError` subclasses.

    ``warnings`` lists what the last search or collection listing skipped."""

    kind: str = ""

    def __init__(self, connection: Connection):
        self.connection = connection
        self.warnings: List[SearchWarning] = []

    @property
    def spec(self) -> "ProviderSpec":
        """The kind's declaration: title, capabilities, endpoints, auth scheme."""
        from .catalogs import spec_for

        return spec_for(self.kind or self.connection.kind)

    @abc.abstractmethod
    def list_collections(self) -> List[CollectionInfo]:
        """Every collection the catalog offers."""

    def search_collections(self, text: str) -> List[CollectionInfo]:
        """Collections matching free text (server-side where supported)."""
        needle = (text or "").lower().strip()
        cols = self.list_collections()
        if not needle:
            return cols
        return [c for c in cols if needle in " ".join(
            [c.id, c.title or "", c.description or "", " ".join(c.keywords)]).lower()]

    def queryables(self, collections: List[str]) -> Dict[str, Dict[str, Any]]:
        """Property names a filter can use (name -> JSON schema), empty if unknown."""
        return {}

    @abc.abstractmethod
    def search(self, request: SearchRequest) -> SearchResults:
        """Lazy results for a validated request."""

    def resolve_href(self, href: str) -> str:
        """An href GDAL or a download can open (absolute, signed, ``s3://`` mapped)."""
        return href

    def reads_local_files(self) -> bool:
        """Whether this catalog may point at files on this computer (a catalog that is itself
        on this computer); a catalog on the network never may."""
        return False

    def gdal_path(self, href: str) -> str:
        """The GDAL path to stream ``href`` (``/vsicurl/...`` or ``/vsis3/...``)."""
        resolved = self.resolve_href(href)
        if not self.reads_local_files():
            from .net.untrusted import refuse_local

            refuse_local(resolved)
        if resolved.startswith("/vsi"):
            return resolved
        if resolved.startswith("s3://"):
            return "/vsis3/" + resolved[len("s3://"):]
        if resolved.startswith(("http://", "https://")):
            return "/vsicurl/" + resolved
        return resolved

    def scene_from_record(self, record: Dict[str, Any]) -> Scene:
        """Rebuild a scene from its stored ``record`` (a Processing layer's ``record`` field).
        STAC providers store the item; other providers override this."""
        from .catalogs.stac.items import item_to_scene

        return item_to_scene(record, self.connection.name)

    def request_headers(self, url: str) -> Dict[str, str]:
        """Headers (auth) to send when downloading ``url``; empty by default."""
        return {}

    def refresh_credentials(self) -> bool:
        """Renew the download credentials after a 401/403; True when new ones were obtained."""
        return False

    def credential_hosts(self) -> Tuple[str, ...]:
        """Hosts or domains (``example.com``, ``*.example.com``) where the download
        credentials may follow a redirect, besides the download's own host; none by default."""
        return ()

    def order_hint(self, scene: Scene) -> Optional[str]:
        """How to get an offline (archived) product, in plain words; None when not applicable."""
        return None

    def default_download_assets(self, scene: Scene) -> Optional[List[str]]:
        """The asset keys a download takes when the user names none; None = every data asset."""
        return None

    def close(self) -> None:
        """Release sessions; optional."""
