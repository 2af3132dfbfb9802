"""Helpers for document tests: read a PDF back as text, pages, fonts and a PNG (poppler)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # gitignored


def pdf_text(path: Path) -> str:
    """The PDF's text with layout spaces removed (Japanese has none between words)."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return re.sub(r"[ \u3000]+", "", text)


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def embedded_fonts(path: Path) -> list[str]:
    """Names of the fonts embedded in the PDF (pdffonts' `emb` column is yes)."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    return [line.split()[0] for line in lines if " yes " in line]


def page_png(path: Path, name: str, resolution: int = 80) -> Path:
    """The first page as a PNG under tests/artifacts/ (kept for a person to look at)."""
    ARTIFACTS.mkdir(exist_ok=True)
    stem = ARTIFACTS / name
    subprocess.run(["pdftoppm", "-png", "-r", str(resolution), "-singlefile", "-f", "1",
                    str(path), str(stem)], check=True)
    return stem.with_suffix(".png")
