"""A stub of every external service the providers talk to, on one local HTTP port.

It answers in each real service's format from the sample files in `samples/` (all of them marked as
samples), and can be told to misbehave: a test queues canned answers for a path (429, 500, a slow
answer, a malformed body) which are served in order before the normal behaviour resumes. Every
request is logged, so tests count requests instead of timing them.

Paths (the base URL of each provider in `provider_env`):
  /stac/, /stac/conformance, /stac/search (GET, POST)           STAC API
  /firms/api/area/csv/{key}/{source}/{area}/{days}/{date}         NASA FIRMS area API
  /archive/wayback/available, /archive/cdx/search/cdx, /archive/web/{ts}/{url}   Wayback Machine
  /gdelt/api/v2/doc/doc                                           GDELT DOC 2.0
  /factchecktools/v1alpha1/claims:search                         Google Fact Check Tools
  /nominatim/search                                               Nominatim
  /pages/{name}.html                                              web pages
  /thumbnails/{name}, /thumbnails/bad/{kind}                      scene pictures, broken ones
  /status/{code}, /redirect?to=, /slow?seconds=, /big?bytes=      helpers for client tests

Standalone, for the offline demo and the benchmarks:
    python -m tests.stubs.server --port 8765 [--latency-ms 200]
prints its URL and the environment that points every provider at it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import hashlib
import io
import json
import random
import shlex
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

SAMPLES = Path(__file__).parent / "samples"
# The area the samples describe (Novgorod Oblast); searches elsewhere find nothing.
SAMPLE_AREA = (29.5, 57.0, 36.5, 59.5)  # west, south, east, north
# The places the stub geocoder knows (a query containing the name, any case) and their answers;
# they include every place named by the seed claims (seeds/claims.json).
STUB_PLACES = {
    "Valdai": "nominatim_valdai.json",
    "Novgorod": "nominatim_novgorod.json",
    "Moscow": "nominatim_moscow.json",
}
STUB_GEOCODER_HINT = (
    f"The sample geocoder of the offline demo knows only {', '.join(STUB_PLACES)}: "
    "give the claim coordinates or a bounding box, or one of these place names."
)
STUB_MAP_KEY = "stub-map-key"
STUB_API_KEY = "stub-api-key"


def provider_env(base_url: str) -> dict[str, str]:
    """Environment variables that point every provider at a stub server on `base_url`, with
    dummy keys, and let the SSRF guard reach it on loopback (tests and demos only)."""
    base = base_url.rstrip("/")
    return {
        "FACTCHECK_STAC_URL": f"{base}/stac",
        "FACTCHECK_FIRMS_URL": f"{base}/firms",
        "FACTCHECK_FIRMS_MAP_KEY": STUB_MAP_KEY,
        "FACTCHECK_WAYBACK_URL": f"{base}/archive",
        "FACTCHECK_WAYBACK_CDX_URL": f"{base}/archive",
        "FACTCHECK_GDELT_URL": f"{base}/gdelt",
        "FACTCHECK_FACTCHECK_TOOLS_URL": f"{base}/factchecktools",
        "FACTCHECK_FACTCHECK_TOOLS_KEY": STUB_API_KEY,
        "FACTCHECK_NOMINATIM_URL": f"{base}/nominatim",
        "FACTCHECK_NOMINATIM_HINT": STUB_GEOCODER_HINT,
        "FACTCHECK_SSRF_ALLOW_LOOPBACK": "true",
    }


@dataclass
class Canned:
    """One scripted answer. `sample` names a file in samples/ to serve (placeholders filled)."""

    status: int = 200
    body: bytes | str = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    sample: str = ""
    # Send no Content-Length and close the connection after the body (a streamed answer).
    no_length: bool = False
    # Hold the answer until the test sets this event (bounded: at most 30 s), e.g. to change the
    # database while a worker waits for the provider.
    hold: threading.Event | None = None


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str:
        return self.query.get(name, [""])[0]

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class StubState:
    """What the stub remembers; shared by its request threads and the test that drives it."""

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Canned]] = {}
        self._log: list[Seen] = []

    def script(self, path: str, *answers: Canned) -> None:
        """Serve these answers, in order, to the next requests for `path` (exact path, no query)."""
        with self._lock:
            self._scripts.setdefault(path, deque()).extend(answers)

    def next_scripted(self, path: str) -> Canned | None:
        with self._lock:
            queue = self._scripts.get(path)
            return queue.popleft() if queue else None

    def record(self, seen: Seen) -> None:
        with self._lock:
            self._log.append(seen)

    def requests(self, path: str | None = None, *, prefix: str | None = None) -> list[Seen]:
        with self._lock:
            log = list(self._log)
        if path is not None:
            log = [s for s in log if s.path == path]
        if prefix is not None:
            log = [s for s in log if s.path.startswith(prefix)]
        return log

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._log.clear()


# --- Default behaviour of each service --------------------------------------------------------------


def _sample(name: str, **values: str) -> bytes:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"__{key}__", value)
    return text.encode("utf-8")


def _intersects_sample_area(bbox: list[float]) -> bool:
    west, south, east, north = bbox
    a_west, a_south, a_east, a_north = SAMPLE_AREA
    return west <= a_east and east >= a_west and south <= a_north and north >= a_south


def _json(name: str, status: int = 200, **values: str) -> Canned:
    return Canned(status, _sample(name, **values), "application/json")


def _stac_search(seen: Seen, base: str) -> Canned:
    if seen.method == "POST":
        params = seen.json() or {}
        bbox = params.get("bbox")
        token = params.get("token", "")
    else:
        bbox_text = seen.param("bbox")
        bbox = [float(v) for v in bbox_text.split(",")] if bbox_text else None
        token = seen.param("token")
    if token == "page2":
        return Canned(200, _sample("stac_search_page2.json", BASE=base), "application/geo+json")
    if not bbox or not _intersects_sample_area([float(v) for v in bbox[:4]]):
        return Canned(200, _sample("stac_search_empty.json", BASE=base), "application/geo+json")
    if seen.method == "POST":
        next_link = {
            "rel": "next",
            "type": "application/geo+json",
            "href": f"{base}/stac/search",
            "method": "POST",
            "body": {"token": "page2"},
            "merge": True,
        }
    else:
        next_link = {"rel": "next", "href": f"{base}/stac/search?token=page2", "method": "GET"}
    body = _sample("stac_search_page1.json", BASE=base, NEXT_LINK=json.dumps(next_link))
    return Canned(200, body, "application/geo+json")


# FIRMS sources the stub knows: satellite codes in their rows, and the product version.
_FIRMS_SOURCES = {
    "VIIRS_SNPP_NRT": (("N",), "2.0NRT"),
    "VIIRS_SNPP_SP": (("N",), "2"),
    "VIIRS_NOAA20_NRT": (("N20",), "2.0NRT"),
    "VIIRS_NOAA20_SP": (("N20",), "2"),
    "VIIRS_NOAA21_NRT": (("N21",), "2.0NRT"),
    "MODIS_NRT": (("T", "A"), "6.1NRT"),
    "MODIS_SP": (("T", "A"), "6.1"),
}


def _firms_rows(source: str, box: tuple[float, float, float, float], day: dt.date) -> list[str]:
    """The sample detections of one source on one day inside `box`, as CSV rows: drawn from a
    generator seeded by the request, so the same question always gets the same answer and
    different sources or days get different ones. None lie in the future."""
    satellites, version = _FIRMS_SOURCES[source]
    west, south, east, north = box
    seed = hashlib.sha256(f"{source}/{day}/{west:.4f},{south:.4f},{east:.4f},{north:.4f}".encode())
    rng = random.Random(seed.digest())
    modis = source.startswith("MODIS")
    now = dt.datetime.now(dt.UTC)
    rows = []
    for _ in range(rng.randint(0, 2) if modis else rng.randint(1, 3)):
        hour, minute = rng.randrange(24), rng.randrange(60)
        if dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC) > now:
            continue
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        bright, bright2 = rng.uniform(300, 367), rng.uniform(265, 295)
        scan, track = rng.uniform(0.32, 0.8), rng.uniform(0.35, 0.7)
        confidence = str(rng.randint(30, 100)) if modis else rng.choice("lnh")
        satellite = rng.choice(satellites)
        digits = 4 if modis else 5
        rows.append(
            f"{lat:.{digits}f},{lon:.{digits}f},{bright:.1f},{scan:.2f},{track:.2f},{day},"
            f"{hour:02d}{minute:02d},{satellite},{'MODIS' if modis else 'VIIRS'},{confidence},"
            f"{version}-SAMPLE,{bright2:.1f},{rng.uniform(0.5, 30):.2f},"
            f"{'D' if 6 <= hour < 18 else 'N'}"
        )
    return sorted(rows, key=lambda row: row.split(",")[5:7])


def _firms(seen: Seen) -> Canned:
    """The area API: rows of that source only, on DATE..DATE+DAY_RANGE-1, inside the box (and
    inside the sample area: elsewhere nothing burned)."""
    parts = seen.path.split("/")[5:]  # /firms/api/area/csv/{key}/{source}/{area}/{days}/{date}
    if len(parts) != 5:
        return Canned(400, "Invalid API call.")
    key, source, area, days, date = parts
    if not key.startswith("stub"):
        return Canned(200, _sample("firms_invalid_key.txt"))
    try:
        bbox = [float(v) for v in area.split(",")]
        day0 = dt.date.fromisoformat(date)
        assert len(bbox) == 4 and 1 <= int(days) <= 5
    except (ValueError, AssertionError):
        return Canned(200, "Invalid area coordinates or day range.")
    if source not in _FIRMS_SOURCES:
        return Canned(200, f"Invalid source: {source}.")
    family = "modis" if source.startswith("MODIS") else "viirs"
    header = _sample(f"firms_{family}_empty.csv").decode().strip()
    west, south, east, north = bbox
    a_west, a_south, a_east, a_north = SAMPLE_AREA
    box = (max(west, a_west), max(south, a_south), min(east, a_east), min(north, a_north))
    rows: list[str] = []
    if box[0] <= box[2] and box[1] <= box[3]:
        for offset in range(int(days)):
            try:
                day = day0 + dt.timedelta(days=offset)
            except OverflowError:
                break
            rows += _firms_rows(source, box, day)
    return Canned(200, "\n".join([header, *rows]) + "\n", "text/csv")


def _wayback_values(seen: Seen, base: str, stamp_param: str) -> dict[str, str]:
    stamp = (seen.param(stamp_param) or "20251229")[:8]
    day = dt.datetime.strptime(stamp, "%Y%m%d")
    return {
        "BASE": base,
        "URL": seen.param("url"),
        "TS": (day + dt.timedelta(hours=9, minutes=30)).strftime("%Y%m%d%H%M%S"),
        "TS_BEFORE": (day - dt.timedelta(days=3, hours=-6)).strftime("%Y%m%d%H%M%S"),
        "TS_AFTER": (day + dt.timedelta(days=2, hours=17)).strftime("%Y%m%d%H%M%S"),
    }


def _gdelt_datetime(value: str) -> dt.datetime | None:
    if len(value) != 14 or not value.isdigit():
        return None
    try:
        return dt.datetime.strptime(value, "%Y%m%d%H%M%S")
    except ValueError:
        return None


def _gdelt(seen: Seen, base: str) -> Canned:
    query = seen.param("query")
    if seen.param("mode").lower() != "artlist" or seen.param("format").lower() != "json":
        return Canned(200, "Invalid mode or format.", "text/html; charset=utf-8")
    for name in ("startdatetime", "enddatetime"):
        # Like GDELT, a sentence (HTTP 200) for a date it cannot read; the wording is the stub's.
        if seen.param(name) and _gdelt_datetime(seen.param(name)) is None:
            text = f"Invalid {name.upper()}: it must be YYYYMMDDHHMMSS."
            return Canned(200, text, "text/html; charset=utf-8")
    if "(" in query and " OR " not in query:
        return Canned(200, _sample("gdelt_error.txt"), "text/html; charset=utf-8")
    if "nonexistent" in query.lower():
        return _json("gdelt_empty.json")
    return _json("gdelt_artlist.json", BASE=base)


def _factcheck(seen: Seen) -> Canned:
    if not seen.param("key").startswith("stub"):
        return _json("factcheck_bad_key.json", status=400)
    if "nonexistent" in seen.param("query").lower():
        return _json("factcheck_empty.json")
    return _json("factcheck_claims.json")


def _nominatim(seen: Seen) -> Canned:
    agent = seen.headers.get("user-agent", "")
    if not agent or agent.lower().startswith(("python-", "curl/")):
        # Nominatim blocks requests that do not say who is asking.
        return Canned(403, "Access blocked: please identify your application (usage policy).")
    if seen.param("format") != "jsonv2":
        return Canned(400, "Parameter 'format' must be jsonv2 for this stub.")
    query = seen.param("q").lower()
    for name, sample in STUB_PLACES.items():
        if name.lower() in query:
            return _json(sample)
    return _json("nominatim_empty.json")  # Nominatim's answer for "no such place": []


# --- Thumbnails -------------------------------------------------------------------------------------

THUMBNAILS = SAMPLES / "thumbnails"
_IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
# Misbehaving pictures, at /thumbnails/bad/<kind>.<anything>; `too-large` takes ?bytes=N (default
# 6 MB) and ?stream=1 (no Content-Length: the client must stop reading by itself), `pixel-bomb`
# takes ?side=N (default 8000).
BAD_THUMBNAILS = (
    "not-an-image",
    "truncated",
    "wrong-type",
    "too-large",
    "pixel-bomb",
    "exif-rotated",
)


@functools.cache
def _thumbnail_file(name: str) -> tuple[bytes, str]:
    """The sample picture for /thumbnails/<name>: the file with that stem (whatever extension
    the URL says), else one of the generic sample tiles, picked by the name so that each URL
    always gets the same picture and different URLs different ones."""
    files = sorted(f for f in THUMBNAILS.iterdir() if f.suffix in _IMAGE_TYPES)
    stem = name.rsplit(".", 1)[0]
    chosen = next((f for f in files if f.stem == stem), None)
    if chosen is None:
        tiles = [f for f in files if f.stem.startswith("sample-tile")]
        tiles = [f for f in tiles if f.suffix == Path(name).suffix.lower()] or tiles
        chosen = tiles[hashlib.sha256(name.encode()).digest()[0] % len(tiles)]
    return chosen.read_bytes(), _IMAGE_TYPES[chosen.suffix]


@functools.cache
def _pixel_bomb(side: int) -> bytes:
    """A black PNG of side x side pixels that compresses to almost nothing (8000: 64 megapixels in
    10 KB, under Pillow's own limit; 20000: 400 megapixels in 50 KB, over it)."""
    side = max(1, min(side, 50_000))
    squeeze = zlib.compressobj(9)
    row = b"\0" * (1 + side // 8)  # filter byte, then 1 bit a pixel
    data = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    header = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@functools.cache
def _exif_rotated() -> bytes:
    """A 200 x 100 JPEG whose EXIF says "rotate 90 degrees clockwise to show" (orientation 6)."""
    from PIL import Image

    picture = Image.new("RGB", (200, 100), (200, 60, 40))
    picture.paste((40, 60, 200), (0, 0, 100, 100))  # left half blue, right half red
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def _bad_thumbnail(kind: str, seen: Seen) -> Canned:
    jpeg, _ = _thumbnail_file("S2B_36VVK_20251228_0_L2A.jpg")
    if kind == "not-an-image":
        return Canned(200, b"<html><body>[SAMPLE] Not a picture.</body></html>", "image/jpeg")
    if kind == "truncated":
        return Canned(200, jpeg[: len(jpeg) // 2], "image/jpeg")
    if kind == "wrong-type":
        return Canned(200, jpeg, "text/html; charset=utf-8")
    if kind == "too-large":
        size = int(seen.param("bytes") or 6_000_000)
        body = jpeg[:20] + b"\0" * max(0, size - 20)
        return Canned(200, body, "image/jpeg", no_length=bool(seen.param("stream")))
    if kind == "pixel-bomb":
        return Canned(200, _pixel_bomb(int(seen.param("side") or 8000)), "image/png")
    if kind == "exif-rotated":
        return Canned(200, _exif_rotated(), "image/jpeg")
    return Canned(404, f"No misbehaving thumbnail called {kind!r}; see BAD_THUMBNAILS.")


def _thumbnail(seen: Seen) -> Canned:
    name = seen.path.removeprefix("/thumbnails/")
    if name.startswith("bad/"):
        return _bad_thumbnail(name.removeprefix("bad/").rsplit(".", 1)[0], seen)
    if not name or "/" in name:
        return Canned(404, "No such sample picture.")
    body, content_type = _thumbnail_file(name)
    return Canned(200, body, content_type)


def default_answer(seen: Seen, base: str) -> Canned:
    path = seen.path
    if path in ("/stac", "/stac/"):
        return _json("stac_landing.json", BASE=base)
    if path == "/stac/conformance":
        landing = json.loads(_sample("stac_landing.json", BASE=base))
        return Canned(200, json.dumps({"conformsTo": landing["conformsTo"]}), "application/json")
    if path == "/stac/search":
        return _stac_search(seen, base)
    if path.startswith("/firms/api/area/csv/"):
        return _firms(seen)
    if path == "/archive/wayback/available":
        name = (
            "wayback_available_none.json"
            if "no-snapshot" in seen.param("url")
            else "wayback_available.json"
        )
        return _json(name, **_wayback_values(seen, base, "timestamp"))
    if path == "/archive/cdx/search/cdx":
        name = "cdx_empty.json" if "no-snapshot" in seen.param("url") else "cdx.json"
        return _json(name, **_wayback_values(seen, base, "closest"))
    if path.startswith("/archive/web/"):
        stamp, _, url = path.removeprefix("/archive/web/").partition("/")
        body = _sample("snapshot.html", URL=url, TS=stamp)
        return Canned(200, body, "text/html; charset=utf-8")
    if path == "/gdelt/api/v2/doc/doc":
        return _gdelt(seen, base)
    if path == "/factchecktools/v1alpha1/claims:search":
        return _factcheck(seen)
    if path == "/nominatim/search":
        return _nominatim(seen)
    if path.startswith("/pages/"):
        name = "page_" + path.removeprefix("/pages/")
        if "/" in name or not (SAMPLES / name).is_file():
            return Canned(404, "No such sample page.")
        return Canned(200, _sample(name), "text/html; charset=utf-8")
    if path.startswith("/thumbnails/"):
        return _thumbnail(seen)
    return _helper_answer(seen)


def _helper_answer(seen: Seen) -> Canned:
    path = seen.path
    if path.startswith("/status/"):
        code = int(path.removeprefix("/status/") or 500)
        headers = {"Retry-After": seen.param("retry_after")} if seen.param("retry_after") else {}
        return Canned(code, f"Status {code} from the stub.", headers=headers)
    if path == "/redirect":
        return Canned(int(seen.param("code") or 302), b"", headers={"Location": seen.param("to")})
    if path == "/slow":
        return Canned(200, "Slow answer.", delay=float(seen.param("seconds") or 1))
    if path == "/big":
        size = int(seen.param("bytes") or 1024)
        return Canned(
            200, b"x" * size, "application/octet-stream", no_length=bool(seen.param("stream"))
        )
    if path == "/echo":
        return Canned(200, json.dumps({"headers": seen.headers}), "application/json")
    return Canned(404, f"The stub has nothing at {path}.")


# --- The server -----------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FactcheckStub/1.0"
    state: StubState  # set on the subclass made per server
    quiet = True

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = Seen(
            method=self.command,
            path=unquote(parts.path),
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        self.state.record(seen)
        base = f"http://{self.headers.get('Host') or '127.0.0.1'}"
        if seen.path == "/_stub/requests":
            counts: dict[str, int] = {}
            for s in self.state.requests():
                counts[s.path] = counts.get(s.path, 0) + 1
            answer = Canned(200, json.dumps(counts), "application/json")
        else:
            try:
                answer = self.state.next_scripted(seen.path) or default_answer(seen, base)
            except (ValueError, KeyError, TypeError, OverflowError) as error:
                answer = Canned(400, f"The stub could not read this request: {error!r}")
        if answer.sample:
            answer.body = _sample(answer.sample, BASE=base)
        if answer.hold is not None:
            answer.hold.wait(timeout=30)
        delay = self.state.latency + answer.delay
        if delay:
            time.sleep(delay)
        self._send(answer)

    def _send(self, answer: Canned) -> None:
        body = answer.body.encode() if isinstance(answer.body, str) else answer.body
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("X-Stub-Sample", "true")
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.no_length:
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a timeout, or a killed worker)


class StubServer:
    """The stub in a background thread. `with StubServer() as stub: stub.url ...`"""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> None:
        self.state = StubState(latency=latency)
        handler = type("Handler", (_Handler,), {"state": self.state})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> StubServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> StubServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Shortcuts for tests
    def script(self, path: str, *answers: Canned) -> None:
        self.state.script(path, *answers)

    def requests(self, path: str | None = None, *, prefix: str | None = None) -> list[Seen]:
        return self.state.requests(path, prefix=prefix)


@contextmanager
def running_stub(latency: float = 0.0) -> Iterator[StubServer]:
    with StubServer(latency=latency) as stub:
        yield stub


def export_lines(base_url: str) -> list[str]:
    """`export NAME=value` lines for a shell, values quoted (the geocoder hint has spaces)."""
    return [f"export {name}={shlex.quote(value)}" for name, value in provider_env(base_url).items()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Stub of the evidence providers' services.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="added to every answer")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    server = StubServer(args.host, args.port, latency=args.latency_ms / 1000)
    _Handler.quiet = not args.verbose
    print(f"Stub services (SAMPLE data) at {server.url}", flush=True)
    print("Point the providers at it with:", flush=True)
    for line in export_lines(server.url):
        print(f"  {line}", flush=True)
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._server.server_close()


if __name__ == "__main__":
    main()
