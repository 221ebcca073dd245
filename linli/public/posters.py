"""QR codes for the printed posters: SVG from segno, so they print sharp at any size and need no image files."""

import segno


def qr_svg(url: str) -> str:
    """An inline <svg> QR code for `url`, error correction level M (survives a scratched sticker)."""
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=10, border=2, dark="#1d2330", omitsize=True)
