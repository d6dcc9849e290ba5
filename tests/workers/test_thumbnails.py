"""Scene thumbnails kept, not linked: a satellite fetch downloads each scene's picture through the
HTTP client (SSRF guard, size cap), decodes and re-encodes it, and stores it under its hash; a
picture that fails any check is a warning on the job, never a failed fetch."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import httpx
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from claims.models import EventAction
from claims.workflow import State
from evidence.models import Evidence, FetchJob, FetchStatus, Kind, Provider
from evidence.providers.base import Candidate
from evidence.thumbnails import ORIGINAL_KEY, STORED_KEY, thumbnail_name
from tests.factories import ClaimFactory, TicketFactory
from tests.stubs.server import Canned, StubServer, _thumbnail_file
from workers import http as http_module
from workers.runner import fetch_job_run
from workers.thumbnails import thumbnails_keep

SAMPLE_SCENES = 7  # the stub's STAC search answer (tests/stubs/samples/stac_search_page*.json)

pytestmark = pytest.mark.django_db

FIRST_SCENE = "sentinel-2-l2a/S2B_36VVK_20251228_0_L2A"
FIRST_PICTURE = "/thumbnails/S2B_36VVK_20251228_0_L2A.jpg"


def satellite_job(stub: StubServer) -> FetchJob:
    claim = ClaimFactory(latitude=57.98, longitude=33.25)
    return FetchJob.objects.create(
        ticket=TicketFactory(claim=claim, state=State.RESEARCHING),
        provider=Provider.SATELLITE_SCENES,
    )


def scene(url: str, external_id: str = "sentinel-2-l2a/S2X_TEST") -> Candidate:
    return Candidate(kind=Kind.SATELLITE_SCENE, external_id=external_id, thumbnail_url=url)


def keep(*candidates: Candidate) -> list[str]:
    ticket = TicketFactory()
    return thumbnails_keep(
        ticket_id=ticket.pk, provider=Provider.SATELLITE_SCENES, candidates=list(candidates)
    )


def stored_picture(sha256: str) -> bytes:
    with default_storage.open(thumbnail_name(sha256), "rb") as stored:
        return stored.read()


# --- The happy path ----------------------------------------------------------------------------------


def test_a_satellite_fetch_stores_each_scene_picture_decoded_under_its_hash(
    stub_settings: StubServer, media: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_THUMBNAIL_SIZE = 100
    job = satellite_job(stub_settings)

    outcome = fetch_job_run(job.pk, task_id="t1")

    job.refresh_from_db()
    assert outcome.status == "succeeded", job.last_error
    assert job.warnings == []
    scenes = list(Evidence.objects.filter(ticket_id=job.ticket_id).order_by("observed_at"))
    assert len(scenes) == SAMPLE_SCENES
    for item in scenes:
        content = stored_picture(item.thumbnail_sha256)
        assert hashlib.sha256(content).hexdigest() == item.thumbnail_sha256
        picture = Image.open(io.BytesIO(content))
        assert (picture.format, picture.mode) == ("JPEG", "RGB")
        assert max(picture.size) == 100  # the 256-pixel samples, bounded
        assert "exif" not in picture.info and "icc_profile" not in picture.info
        original = item.metadata[ORIGINAL_KEY]
        served, _ = _thumbnail_file(Path(item.thumbnail_url).name)
        assert original["sha256"] == hashlib.sha256(served).hexdigest()
        assert original["bytes"] == len(served)
        assert (original["width"], original["height"]) == (256, 256)
        assert item.metadata[STORED_KEY] == {"width": 100, "height": 100, "bytes": len(content)}
    assert {s.metadata[ORIGINAL_KEY]["content_type"] for s in scenes} == {"image/jpeg", "image/png"}
    assert len(stub_settings.requests(prefix="/thumbnails/")) == SAMPLE_SCENES
    # Scenes without a sample picture of their own share a generic tile: stored once.
    assert sorted(p.name for p in media.rglob("*.jpg")) == sorted(
        {f"{s.thumbnail_sha256}.jpg" for s in scenes}
    )


def test_the_same_picture_is_stored_once_and_never_overwritten(
    stub_settings: StubServer, media: Path
) -> None:
    first = satellite_job(stub_settings)
    fetch_job_run(first.pk, task_id="t1")
    files = {p: p.stat().st_mtime_ns for p in media.rglob("*.jpg")}

    second = satellite_job(stub_settings)  # another ticket finds the same scenes
    fetch_job_run(second.pk, task_id="t2")

    assert {p: p.stat().st_mtime_ns for p in media.rglob("*.jpg")} == files
    distinct = set(
        Evidence.objects.filter(ticket_id=first.ticket_id).values_list(
            "thumbnail_sha256", flat=True
        )
    )
    assert len(files) == len(distinct) > 1
    assert set(
        Evidence.objects.filter(ticket_id=second.ticket_id).values_list(
            "thumbnail_sha256", flat=True
        )
    ) == set(
        Evidence.objects.filter(ticket_id=first.ticket_id).values_list(
            "thumbnail_sha256", flat=True
        )
    )


def test_a_refetch_keeps_the_stored_pictures_without_downloading_them_again(
    stub_settings: StubServer, media: Path
) -> None:
    job = satellite_job(stub_settings)
    fetch_job_run(job.pk, task_id="t1")
    before = dict(
        Evidence.objects.filter(ticket_id=job.ticket_id).values_list(
            "external_id", "thumbnail_sha256"
        )
    )

    again = FetchJob.objects.create(ticket=job.ticket, provider=Provider.SATELLITE_SCENES)
    assert fetch_job_run(again.pk, task_id="t2").status == "succeeded"

    # From the first run only.
    assert len(stub_settings.requests(prefix="/thumbnails/")) == SAMPLE_SCENES
    items = Evidence.objects.filter(ticket_id=job.ticket_id)
    assert {i.external_id: i.thumbnail_sha256 for i in items} == before
    assert all(i.metadata[ORIGINAL_KEY]["sha256"] for i in items)


def test_the_picture_is_turned_upright_by_its_exif_orientation(
    stub_settings: StubServer, media: Path
) -> None:
    candidate = scene(f"{stub_settings.url}/thumbnails/bad/exif-rotated.jpg")

    assert keep(candidate) == []

    picture = Image.open(io.BytesIO(stored_picture(candidate.thumbnail_sha256)))
    assert picture.size == (100, 200)  # 200 x 100, turned a quarter clockwise
    red, _green, blue = picture.getpixel((50, 20))  # the blue left half is now on top
    assert blue > 150 and red < 100
    assert not picture.getexif()
    assert candidate.metadata[ORIGINAL_KEY]["width"] == 200


def test_transparent_parts_of_a_png_become_white(stub_settings: StubServer, media: Path) -> None:
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(out, "PNG")
    stub_settings.script("/thumbnails/clear.png", Canned(200, out.getvalue(), "image/png"))
    candidate = scene(f"{stub_settings.url}/thumbnails/clear.png")

    assert keep(candidate) == []

    picture = Image.open(io.BytesIO(stored_picture(candidate.thumbnail_sha256)))
    assert all(channel > 245 for channel in picture.getpixel((20, 20)))


def test_only_satellite_scenes_have_their_pictures_downloaded(
    stub_settings: StubServer, media: Path
) -> None:
    article = Candidate(
        kind=Kind.NEWS_COVERAGE,
        external_id="https://news.example.org/a",
        thumbnail_url=f"{stub_settings.url}/thumbnails/news-1.png",
    )

    assert keep(article) == []

    assert article.thumbnail_sha256 == ""
    assert stub_settings.requests(prefix="/thumbnails/") == []


# --- Switched off, and another storage -------------------------------------------------------------


def test_with_storing_switched_off_no_picture_is_downloaded(
    stub_settings: StubServer, media: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_STORE_THUMBNAILS = False
    job = satellite_job(stub_settings)

    assert fetch_job_run(job.pk, task_id="t1").status == "succeeded"

    assert stub_settings.requests(prefix="/thumbnails/") == []
    items = Evidence.objects.filter(ticket_id=job.ticket_id)
    assert items.count() == SAMPLE_SCENES
    assert {i.thumbnail_sha256 for i in items} == {""}
    assert all(i.thumbnail_url for i in items)  # the link is still kept
    assert not media.exists()


def test_pictures_go_to_whatever_storage_the_settings_name(
    stub_settings: StubServer, settings, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    settings.MEDIA_ROOT = str(tmp_path / "unused")
    job = satellite_job(stub_settings)

    fetch_job_run(job.pk, task_id="t1")

    assert type(default_storage._wrapped).__name__ == "InMemoryStorage"
    hashes = Evidence.objects.filter(ticket_id=job.ticket_id).values_list(
        "thumbnail_sha256", flat=True
    )
    assert len(hashes) == SAMPLE_SCENES
    for sha256 in hashes:
        assert hashlib.sha256(stored_picture(sha256)).hexdigest() == sha256
    assert not (tmp_path / "unused").exists()


# --- Failures are warnings ---------------------------------------------------------------------------


def test_a_broken_picture_is_a_warning_and_the_fetch_still_succeeds(
    stub_settings: StubServer, media: Path
) -> None:
    stub_settings.script(FIRST_PICTURE, Canned(200, b"\xff\xd8 not really", "image/jpeg"))
    job = satellite_job(stub_settings)

    outcome = fetch_job_run(job.pk, task_id="t1")

    job.refresh_from_db()
    assert outcome.status == "succeeded"
    assert (job.status, job.items_found) == (FetchStatus.SUCCEEDED, SAMPLE_SCENES)
    assert len(job.warnings) == 1
    assert job.warnings[0].startswith(f"Thumbnail of {FIRST_SCENE}: ")
    items = {i.external_id: i for i in Evidence.objects.filter(ticket_id=job.ticket_id)}
    assert items[FIRST_SCENE].thumbnail_sha256 == ""
    assert items[FIRST_SCENE].thumbnail_url.endswith(FIRST_PICTURE)
    assert ORIGINAL_KEY not in items[FIRST_SCENE].metadata
    assert all(i.thumbnail_sha256 for key, i in items.items() if key != FIRST_SCENE)
    event = job.ticket.events.get(action=EventAction.FETCH_COMPLETED)
    assert "1 warning." in event.note


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("not-an-image", "not a JPEG, PNG or WebP picture"),
        ("truncated", "cannot be decoded (OSError"),
        ("wrong-type", "content type text/html, not JPEG, PNG or WebP"),
        ("too-large", "larger than 5000000 bytes"),
        ("pixel-bomb", "8000 x 8000 pixels, more than the 25000000 allowed"),
    ],
)
def test_each_kind_of_bad_picture_is_refused_with_its_reason(
    stub_settings: StubServer, media: Path, kind: str, reason: str
) -> None:
    candidate = scene(f"{stub_settings.url}/thumbnails/bad/{kind}.jpg")

    (warning,) = keep(candidate)

    assert warning.startswith(f"Thumbnail of {candidate.external_id}: {reason}")
    assert candidate.thumbnail_sha256 == ""
    assert ORIGINAL_KEY not in candidate.metadata
    assert not media.exists()


def test_a_picture_bigger_than_pillows_own_limit_is_refused_too(
    stub_settings: StubServer, media: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_THUMBNAIL_MAX_PIXELS = 10**12  # only Pillow's guard is left
    candidate = scene(f"{stub_settings.url}/thumbnails/bad/pixel-bomb.png?side=20000")

    (warning,) = keep(candidate)

    assert "decompression bomb" in warning


def test_an_http_error_is_a_warning(stub_settings: StubServer, media: Path) -> None:
    candidate = scene(f"{stub_settings.url}/status/404")

    (warning,) = keep(candidate)

    assert "HTTP 404" in warning


def test_a_timeout_is_a_warning_after_one_retry(
    stub_settings: StubServer, media: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_THUMBNAIL_TIMEOUT = 0.2
    stub_settings.script("/thumbnails/slow.jpg", Canned(delay=1.0), Canned(delay=1.0))
    candidate = scene(f"{stub_settings.url}/thumbnails/slow.jpg")

    (warning,) = keep(candidate)

    assert "Timed out" in warning
    assert len(stub_settings.requests("/thumbnails/slow.jpg")) == 2


def test_pictures_past_the_jobs_time_budget_are_not_downloaded(
    stub_settings: StubServer, media: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_THUMBNAIL_BUDGET_SECONDS = 1e-9
    candidates = [
        scene(f"{stub_settings.url}/thumbnails/a{n}.jpg", external_id=f"s/{n}") for n in range(3)
    ]

    warnings = keep(*candidates)

    assert len(warnings) == 3
    assert all("not downloaded" in w for w in warnings)
    assert stub_settings.requests(prefix="/thumbnails/") == []


# --- The SSRF guard and the size cap -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/thumb.jpg", "a cloud metadata address"),
        ("http://169.254.10.20/thumb.jpg", "link-local"),
        ("http://10.0.0.7/thumb.jpg", "private"),
        ("http://[fe80::1]/thumb.jpg", "link-local"),
    ],
)
def test_a_picture_on_a_private_or_link_local_address_is_refused_without_connecting(
    stub_settings: StubServer, media: Path, connections: list[str], url: str, reason: str
) -> None:
    (warning,) = keep(scene(url))

    assert reason in warning
    assert connections == []


def test_a_picture_host_resolving_to_a_private_address_is_refused(
    stub_settings: StubServer, media: Path, connections: list[str], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(http_module, "resolve_host", lambda host, port: ["192.168.4.4"])

    (warning,) = keep(scene("https://pictures.example.org/scene.jpg"))

    assert "resolves to 192.168.4.4, private" in warning
    assert connections == []


def test_a_picture_url_redirecting_to_a_private_address_is_refused_at_the_redirect(
    stub_settings: StubServer, media: Path, connections: list[str]
) -> None:
    url = f"{stub_settings.url}/redirect?to=http://10.1.2.3/thumb.jpg"

    (warning,) = keep(scene(url))

    assert "10.1.2.3, private" in warning
    assert connections == ["127.0.0.1"]  # the stub's redirect, and nothing after it


def test_with_production_rules_a_loopback_picture_is_refused(
    stub_settings: StubServer, media: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_SSRF_ALLOW_LOOPBACK = False

    (warning,) = keep(scene(f"{stub_settings.url}{FIRST_PICTURE}"))

    assert "loopback" in warning
    assert stub_settings.requests(prefix="/thumbnails/") == []


@pytest.fixture
def bytes_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many body bytes the HTTP client took from httpx, per response."""
    counts: list[int] = []
    real = httpx.Response.iter_bytes

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        counts.append(0)
        for chunk in real(self, *args, **kwargs):
            counts[-1] += len(chunk)
            yield chunk

    monkeypatch.setattr(httpx.Response, "iter_bytes", counting)
    return counts


def test_the_size_cap_stops_reading_a_picture_that_sends_no_length(
    stub_settings: StubServer, media: Path, settings, bytes_read: list[int]
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_THUMBNAIL_MAX_BYTES = 100_000
    url = f"{stub_settings.url}/thumbnails/bad/too-large.jpg?bytes=20000000&stream=1"

    (warning,) = keep(scene(url))

    assert "larger than 100000 bytes" in warning
    assert 100_000 < bytes_read[0] < 1_000_000  # stopped soon after the cap, not at 20 MB


def test_a_declared_length_over_the_cap_is_refused_before_reading(
    stub_settings: StubServer, media: Path, settings, bytes_read: list[int]
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_THUMBNAIL_MAX_BYTES = 100_000
    url = f"{stub_settings.url}/thumbnails/bad/too-large.jpg?bytes=200000"

    (warning,) = keep(scene(url))

    assert "larger than 100000 bytes" in warning
    assert bytes_read == []


def test_the_providers_own_size_cap_is_left_alone(
    stub_settings: StubServer, media: Path, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.FACTCHECK_THUMBNAIL_MAX_BYTES = 1_000  # smaller than every sample picture
    job = satellite_job(stub_settings)

    assert fetch_job_run(job.pk, task_id="t1").status == "succeeded"

    job.refresh_from_db()
    assert job.items_found == SAMPLE_SCENES  # the STAC answers (bigger than 1 kB) were read
    assert len(job.warnings) == SAMPLE_SCENES
