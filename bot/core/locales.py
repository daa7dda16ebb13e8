"""Where the content lives and which locales it has (light: settings read it at start)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "content"
BASE_LOCALE = "ja"
LOCALES = ("ja", "en")
