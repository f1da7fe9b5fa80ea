"""Print self-contained HTML to PDF with a headless Chromium already on the machine.

Chromium is the renderer because the HTML outputs are written for it and tested in
it (the browser tests), it ships CJK shaping and prints ``@page`` sizes exactly, and
Debian packages it; chainmap never downloads a browser. The page is loaded from a
local file with networking switched off, so printing reaches nothing outside.
"""

from __future__ import annotations

import os
from pathlib import Path
import re
import shutil
import subprocess
import tempfile

from chainmap.errors import ChainmapError
from chainmap.readwrite import atomic

__all__ = ["find_chromium", "html_to_pdf", "pin_pdf_dates"]

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """The path of a Chromium or Chrome executable (``CHAINMAP_CHROMIUM`` first), or None."""
    given = os.environ.get("CHAINMAP_CHROMIUM")
    if given:
        return shutil.which(given) or (given if Path(given).is_file() else None)
    return next((p for p in map(shutil.which, _NAMES) if p), None)


def html_to_pdf(page: str, path: str | Path, *, timeout: float = 120) -> Path:
    """Print the HTML text ``page`` to the PDF ``path`` (written through a temp file).

    Raises :class:`~chainmap.errors.ChainmapError` with one line when no Chromium is
    installed or printing fails.
    """
    browser = find_chromium()
    if browser is None:
        raise ChainmapError(
            "PDF 需要 Chromium, 本机未找到 / PDF needs a Chromium browser and none was found "
            "(apt-get install chromium, or set CHAINMAP_CHROMIUM); write .html or .docx instead"
        )
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="chainmap-print-") as tmp:
        source = Path(tmp) / "page.html"
        source.write_text(page, encoding="utf-8")
        out = Path(tmp) / "page.pdf"
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--proxy-server=127.0.0.1:9",  # nothing may leave the machine
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            source.as_uri(),
        ]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ChainmapError(f"PDF 打印失败 / printing to PDF failed: {exc}") from None
        if not out.is_file() or out.stat().st_size == 0:
            raise ChainmapError(
                "PDF 打印失败 / Chromium wrote no PDF; write .html or .docx instead"
            )
        atomic.write_bytes(path, pin_pdf_dates(out.read_bytes()))
    return path


#: What Chromium writes as the PDF's creation and modification time (its wall clock).
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) ?\(D:(\d{14})([+\-Z][0-9']*)?\)")


def pin_pdf_dates(data: bytes) -> bytes:
    """The PDF with its creation and modification dates set to 2000-01-01 00:00 UTC.

    Chromium stamps the time of printing, so two prints of one page differed in those
    bytes alone. The replacement has the same length, so the cross-reference offsets
    stay right.

    >>> pin_pdf_dates(b"<</CreationDate (D:20261206162710+08'00') /ModDate (D:20261206162711+00'00')>>")
    b"<</CreationDate (D:20000101000000+00'00') /ModDate (D:20000101000000+00'00')>>"
    """

    def fixed(match: re.Match) -> bytes:
        zone = match.group(3) or b""
        pinned = b"+00'00'" if len(zone) == 7 else zone
        out = match.group(0).replace(match.group(2) + zone, b"20000101000000" + pinned, 1)
        return out if len(out) == len(match.group(0)) else match.group(0)

    return _PDF_DATE.sub(fixed, data)
