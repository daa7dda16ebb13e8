"""Meta-tests: the shape the project promises (cogs load, the core stays free of discord)."""

import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import cogs

ROOT = Path(__file__).resolve().parents[1]
CORE = [
    "bot.core.article",
    "bot.core.content",
    "bot.core.diagnosis",
    "bot.core.draft",
    "bot.core.when",
    "bot.core.pacing",
    "bot.core.textnorm",
    "bot.core.model",
    "bot.core.clock",
]


def cog_modules():
    return sorted(m.name for m in pkgutil.iter_modules(cogs.__path__))


def test_every_cog_imports_and_has_setup():
    names = cog_modules()
    assert {"about", "ng_list", "privacy"} <= set(names)
    for name in names:
        module = importlib.import_module(f"cogs.{name}")
        assert callable(getattr(module, "setup", None)), name


def test_the_advice_core_never_imports_discord():
    code = f"import sys; import {', '.join(CORE)}; print('discord' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


SQL = re.compile(
    r"\bSELECT\b.*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|sqlite",
    re.IGNORECASE,
)


def test_cogs_contain_no_sql():
    for path in (ROOT / "cogs").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not SQL.search(line), f"{path.name}:{number} has SQL: {line.strip()}"
