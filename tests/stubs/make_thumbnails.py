"""Draw the stub's sample scene thumbnails (tests/stubs/samples/thumbnails/): small pictures that
look like a muted winter satellite tile over the Novgorod region (snowy fields, dark forest, a
river, a frozen lake, roads, some cloud), each visibly marked "SAMPLE". Not imagery of anything.

The files are committed; run this again only to change them (the output is deterministic):
    .venv/bin/python -m tests.stubs.make_thumbnails
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

OUT = Path(__file__).parent / "samples" / "thumbnails"
SIZE = 256


@dataclass(frozen=True)
class Scene:
    name: str  # file name (the stub serves it for /thumbnails/<stem>.<any extension>)
    seed: int
    cloud: float  # share of the tile under cloud, 0..1
    caption: str


SCENES = (
    Scene("S2B_36VVK_20251228_0_L2A.jpg", 11, 0.38, "S2B 2025-12-28"),
    Scene("LC09_L2SP_183019_20251230_02_T1.png", 23, 0.12, "LC09 2025-12-30"),
    Scene("S2A_36VVK_20260102_0_L2A.jpg", 37, 0.55, "S2A 2026-01-02"),
    # Same tile (36VVK) as the 28 December scene, so the before/after pair shows the same ground.
    Scene("S2A_36VVK_20251223_0_L2A.jpg", 11, 0.07, "S2A 2025-12-23"),
    Scene("S2A_36VWK_20251229_0_L2A.jpg", 61, 0.03, "S2A 2025-12-29"),
    Scene("LC08_L2SP_184019_20251225_02_T1.png", 67, 0.49, "LC08 2025-12-25"),
    Scene("S2B_36VVL_20251226_0_L2A.jpg", 71, 0.21, "S2B 2025-12-26"),
    Scene("sample-tile-a.jpg", 41, 0.25, "sample tile"),
    Scene("sample-tile-b.png", 53, 0.05, "sample tile"),
)

SNOW = (214, 216, 212)
FOREST = (58, 66, 58)
FIELD_TONES = ((198, 200, 194), (226, 226, 220), (176, 180, 172), (150, 152, 140))
WATER_ICE = (120, 132, 140)


def smooth_noise(rng: random.Random, cells: int, size: int) -> Image.Image:
    """Low-frequency grey noise: a few random cells scaled up smoothly."""
    small = Image.new("L", (cells, cells))
    small.putdata([rng.randrange(256) for _ in range(cells * cells)])
    return small.resize((size, size), Image.Resampling.BICUBIC).filter(
        ImageFilter.GaussianBlur(size / cells / 3)
    )


def draw_scene(scene: Scene) -> Image.Image:
    rng = random.Random(scene.seed)
    tile = Image.new("RGB", (SIZE, SIZE), SNOW)
    draw = ImageDraw.Draw(tile)
    # Fields: a slightly rotated patchwork of parcels in snow tones.
    step = rng.choice((20, 24, 28))
    for y in range(-step, SIZE + step, step):
        for x in range(-step, SIZE + step, step):
            dx, dy = rng.randint(-4, 4), rng.randint(-4, 4)
            w, h = step + rng.randint(-6, 10), step + rng.randint(-6, 6)
            draw.rectangle((x + dx, y + dy, x + dx + w, y + dy + h), fill=rng.choice(FIELD_TONES))
    tile = tile.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BILINEAR, fillcolor=SNOW)
    # Forest: dark where low-frequency noise is high, with a grainy edge.
    forest_mask = smooth_noise(rng, 9, SIZE).point(lambda v: 255 if v > 140 else 0)
    forest_mask = forest_mask.filter(ImageFilter.GaussianBlur(2))
    grain = Image.effect_noise((SIZE, SIZE), 40).convert("L")
    forest = Image.merge(
        "RGB", [grain.point(lambda v, c=c: max(0, min(255, c + (v - 128) // 6))) for c in FOREST]
    )
    tile = Image.composite(forest, tile, forest_mask)
    draw = ImageDraw.Draw(tile)
    # A frozen lake and a winding river.
    cx, cy = rng.randint(40, SIZE - 40), rng.randint(40, SIZE - 40)
    rx, ry = rng.randint(14, 34), rng.randint(10, 24)
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=WATER_ICE)
    x, y, points = 0.0, rng.uniform(0, SIZE), []
    direction = rng.uniform(-0.4, 0.4)
    while x < SIZE:
        points.append((x, y))
        direction += rng.uniform(-0.35, 0.35)
        direction = max(-1.0, min(1.0, direction))
        x, y = x + 6, y + 6 * direction
    draw.line(points, fill=WATER_ICE, width=rng.randint(3, 5), joint="curve")
    # Roads: thin straight light lines.
    for _ in range(rng.randint(2, 3)):
        a = (rng.randint(0, SIZE), 0)
        b = (rng.randint(0, SIZE), SIZE)
        draw.line((a, b), fill=(236, 234, 228), width=1)
    tile = tile.filter(ImageFilter.GaussianBlur(0.6))
    # Cloud: white where smooth noise is highest, covering about `cloud` of the tile.
    noise = smooth_noise(rng, 5, SIZE)
    threshold, covered = 256, 0
    for value, count in reversed(list(enumerate(noise.histogram()))):
        if covered >= scene.cloud * SIZE * SIZE:
            break
        threshold, covered = value, covered + count
    cloud_mask = noise.point(lambda v: 210 if v >= threshold else 0).filter(
        ImageFilter.GaussianBlur(8)
    )
    tile = Image.composite(Image.new("RGB", tile.size, (244, 245, 246)), tile, cloud_mask)
    return mark_sample(tile, scene.caption)


def mark_sample(tile: Image.Image, caption: str) -> Image.Image:
    """A dark band across the bottom saying SAMPLE, with the caption beside it."""
    overlay = Image.new("RGBA", tile.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    band = 34
    draw.rectangle((0, SIZE - band, SIZE, SIZE), fill=(20, 24, 28, 190))
    big = ImageFont.load_default(size=24)
    small = ImageFont.load_default(size=11)
    draw.text((8, SIZE - band + 4), "SAMPLE", font=big, fill=(255, 214, 90, 255))
    draw.text((112, SIZE - band + 5), "not real imagery", font=small, fill=(235, 235, 235, 255))
    draw.text((112, SIZE - band + 18), caption, font=small, fill=(235, 235, 235, 255))
    draw.rectangle((0, 0, SIZE - 1, SIZE - 1), outline=(255, 214, 90, 200), width=2)
    return Image.alpha_composite(tile.convert("RGBA"), overlay).convert("RGB")


def save(image: Image.Image, path: Path) -> None:
    if path.suffix == ".png":
        image.quantize(colors=48, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    else:
        image.save(path, quality=78, optimize=True, progressive=False)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for scene in SCENES:
        path = OUT / scene.name
        save(draw_scene(scene), path)
        print(f"{path}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
