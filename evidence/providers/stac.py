"""Satellite scenes from a STAC API (Element 84 Earth Search by default) through pystac-client.

pystac-client does the STAC API work (landing page, conformance, item search, paging through
`next` links); its I/O goes through our HTTP client (`HttpStacIO`), so timeouts, retries, the
rate limit and the size cap apply to every page. The search: the claim's area (point with a buffer,
bounding box, or geocoded place name), the event window widened by FACTCHECK_STAC_WINDOW_DAYS on
both sides, the configured collections, and `eo:cloud_cover` at most FACTCHECK_STAC_MAX_CLOUD_COVER
(the query extension)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from pystac.errors import STACError, STACTypeError
from pystac_client import Client
from pystac_client.exceptions import APIError
from pystac_client.stac_api_io import StacApiIO

from evidence.models import Kind, Provider
from evidence.providers._applicability import needs_place
from evidence.providers._claim import claim_bbox, claim_window
from evidence.providers._text import whole_words
from evidence.providers.base import Candidate, parse_timestamp, provider_settings
from evidence.providers.errors import ProviderError

if TYPE_CHECKING:
    from claims.models import Claim
    from workers.http import HttpClient

_BODY_METHODS = ("POST", "PUT", "PATCH")
_KEPT_PROPERTIES = (
    "datetime",
    "platform",
    "constellation",
    "instruments",
    "eo:cloud_cover",
    "gsd",
    "view:off_nadir",
    "view:sun_elevation",
    "s2:mgrs_tile",
    "landsat:wrs_path",
    "landsat:wrs_row",
    "sample",
)


class HttpStacIO(StacApiIO):
    """pystac-client I/O that sends every request through our HttpClient."""

    def __init__(self, http: HttpClient) -> None:
        super().__init__(max_retries=None)
        self._http = http

    def request(
        self,
        href: str,
        method: str | None = None,
        headers: dict[str, str] | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> str:
        method = (method or "GET").upper()
        if method in _BODY_METHODS:
            response = self._http.request(method, href, json=parameters or {}, headers=headers)
        else:
            response = self._http.request(method, href, params=parameters, headers=headers)
        return response.text


def _http_href(value: Any) -> str:
    return value if isinstance(value, str) and value.startswith(("http://", "https://")) else ""


def item_candidate(item: dict[str, Any], *, api_url: str) -> Candidate:
    """One STAC item as evidence; raises ProviderError for an item without an id."""
    item_id = item.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise ProviderError("A STAC item has no id.", permanent=True)
    collection = str(item.get("collection") or "")
    props = item.get("properties") or {}
    links = item.get("links") or []
    self_link = next(
        (_http_href(link.get("href")) for link in links if link.get("rel") == "self"), ""
    ) or (f"{api_url}/collections/{collection}/items/{item_id}" if collection else "")
    assets = item.get("assets") or {}
    thumbnail = ""
    for name in ("thumbnail", "rendered_preview", "preview"):
        thumbnail = _http_href((assets.get(name) or {}).get("href"))
        if thumbnail:
            break
    bbox = item.get("bbox")
    box: tuple[float, float, float, float] | None = None
    if isinstance(bbox, list) and len(bbox) in (4, 6):
        values = bbox if len(bbox) == 4 else [bbox[0], bbox[1], bbox[3], bbox[4]]
        box = tuple(float(v) for v in values)  # type: ignore[assignment]
    cloud = props.get("eo:cloud_cover")
    platform = props.get("platform") or collection
    acquired = parse_timestamp(props.get("datetime") or props.get("start_datetime"))
    # STAC common metadata may carry a title; otherwise say what and how cloudy.
    title = str(props.get("title") or f"{platform} scene {item_id}")
    if isinstance(cloud, int | float):
        title += f", {cloud:.0f}% cloud"
    summary_when = (
        f"acquired {acquired:%Y-%m-%d %H:%M} UTC" if acquired else "acquisition time unknown"
    )
    return Candidate(
        kind=Kind.SATELLITE_SCENE,
        external_id=f"{collection}/{item_id}" if collection else item_id,
        url=self_link,
        title=whole_words(title),
        summary=f"{collection or 'STAC'} scene {summary_when}.",
        observed_at=acquired,
        bbox=box,
        thumbnail_url=thumbnail,
        metadata={
            "collection": collection,
            "stac_api": api_url,
            **{key: props[key] for key in _KEPT_PROPERTIES if key in props},
            "geometry": item.get("geometry"),
        },
    )


class StacProvider:
    name = Provider.SATELLITE_SCENES
    searches_by_place = True  # claim_bbox: the runner records the geocoded place

    def applies_to(self, claim: Claim) -> str:
        return needs_place(claim)

    def fetch(self, claim: Claim, *, http: HttpClient, extra_urls: list[str]) -> list[Candidate]:
        conf = provider_settings(self.name)
        api_url = conf["base_url"].rstrip("/")
        bbox, area_source = claim_bbox(claim, http=http)
        start, end = claim_window(
            claim, days_before=conf["window_days"], days_after=conf["window_days"]
        )
        try:
            with warnings.catch_warnings():
                # pystac-client warns about optional conformance classes; the answer shows anyway.
                warnings.simplefilter("ignore")
                client = Client.open(api_url, stac_io=HttpStacIO(http))
                search = client.search(
                    collections=conf["collections"],
                    bbox=bbox,
                    datetime=[start, end],
                    query={"eo:cloud_cover": {"lte": conf["max_cloud_cover"]}},
                    max_items=conf["max_items"],
                    limit=min(conf["max_items"], 100),
                )
                items = list(search.items_as_dicts())
        except ProviderError:
            raise
        except (
            APIError,
            STACError,
            STACTypeError,
            NotImplementedError,
            KeyError,
            TypeError,
            ValueError,
        ) as error:
            raise ProviderError(
                f"The STAC API at {api_url} gave an unusable answer: {error}", permanent=True
            ) from error
        candidates = [item_candidate(item, api_url=api_url) for item in items]
        for candidate in candidates:
            candidate.metadata["search_area"] = {"bbox": list(bbox), "from": area_source}
        return candidates


PROVIDER = StacProvider()
