"""Public photo cleaning: what FU-03 costs per photo — decode, read EXIF GPS, turn upright, shrink to 1600 px,
re-encode without metadata, fingerprint (``linli.core.images.clean_photo``) — against just decoding the same
JPEG with Pillow.

Run: .venv/bin/python bench/photos.py [--photos N] [--size 4000x3000]

The photos are generated in memory: a phone-sized picture (default 12 MP) with noise, so its JPEG has a camera's
entropy (~3–5 MB), and an EXIF block with GPS, like a phone writes.  Each phase runs the same N photos in this one
process (one core); figures are photos/s and ms per photo.
clean_vs_decode = decode photos/s ÷ clean photos/s.  The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import emit_json, log, rounded  # noqa: E402


def phone_jpeg(width: int, height: int, seed: int) -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    # a smooth scene plus sensor noise: compresses like a real photo, not like a flat colour or pure noise
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([(x * 255 // width), (y * 255 // height), ((x + y) * 127 // (width + height))], axis=-1)
    noisy = np.clip(base + rng.normal(0, 18, base.shape), 0, 255).astype("uint8")
    img = Image.fromarray(noisy, "RGB")
    exif = Image.Exif()
    exif[0x010F] = "HUAWEI"
    exif[0x8825] = {1: "N", 2: (39.0, 6.0, 40.3), 3: "E", 4: (117.0, 12.0, 4.3)}
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=92, exif=exif)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument("--size", default="4000x3000")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from linli.core.images import clean_photo
    from linli.core.uploads import check_uploads

    log(f"generating {args.photos} photos of {width}×{height}")
    photos = [phone_jpeg(width, height, seed) for seed in range(args.photos)]
    mean_mb = sum(len(p) for p in photos) / len(photos) / 1e6

    start = time.perf_counter()
    for data in photos:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
    decode_s = time.perf_counter() - start

    start = time.perf_counter()
    sizes, located = [], 0
    for i, data in enumerate(photos):
        [checked] = check_uploads([SimpleUploadedFile(f"p{i}.jpg", data, content_type="image/jpeg")])
        cleaned = clean_photo(checked)
        sizes.append(cleaned.upload.size)
        located += cleaned.lat is not None
    clean_s = time.perf_counter() - start
    assert located == len(photos), "every photo's GPS must be read before it is stripped"

    decode_rate, clean_rate = len(photos) / decode_s, len(photos) / clean_s
    log(
        f"decode only: {decode_rate:.1f} photos/s ({1000 * decode_s / len(photos):.0f} ms each, {mean_mb:.1f} MB in)"
    )
    log(
        f"clean:       {clean_rate:.1f} photos/s ({1000 * clean_s / len(photos):.0f} ms each, "
        f"{sum(sizes) / len(sizes) / 1e3:.0f} kB out)"
    )
    log(f"clean_vs_decode: {decode_rate / clean_rate:.2f}×")
    emit_json(
        {
            "bench": "photos",
            "photos": len(photos),
            "size": f"{width}x{height}",
            "mean_input_mb": rounded(mean_mb),
            "mean_output_kb": rounded(sum(sizes) / len(sizes) / 1e3, 1),
            "decode_photos_per_s": rounded(decode_rate),
            "clean_photos_per_s": rounded(clean_rate),
            "clean_ms_per_photo": rounded(1000 * clean_s / len(photos), 1),
            "clean_vs_decode": rounded(decode_rate / clean_rate),
        }
    )


if __name__ == "__main__":
    main()
