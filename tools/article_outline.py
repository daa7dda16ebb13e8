"""Keep the seed article's outline in the repository, so its coverage is checked in any clone.

    python -m tools.article_outline            # say whether the kept outline matches the article
    python -m tools.article_outline --write    # write it again from the article

The article itself (`shared/seed/article-ja.txt`, beside the repository, or `$TAYORI_ARTICLE`)
is not part of the repository. What the coverage tests need from it is its outline: the six
main parts, every heading and every bullet line, word for word (the same lines
`content/ja/article.toml` quotes), and the article's SHA-256. They are kept in
`tests/unit/core/data/article-outline.toml`; `tests/unit/core/test_article_coverage.py` checks the
content against the kept outline everywhere, and the outline against the article wherever the
article can be found.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tomllib
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parents[1]
OUTLINE = ROOT / "tests" / "unit" / "core" / "data" / "article-outline.toml"
SEED = Path("shared/seed/article-ja.txt")
SENTENCE_END = "。!?」"


class Outline(TypedDict):
    """The article's structure: its main parts, headings and bullet lines, and its hash."""

    sha256: str
    parts: list[str]
    headings: list[str]
    bullets: list[str]


def find_article() -> Path | None:
    """Find the article: $TAYORI_ARTICLE, else shared/seed/ in any folder above the repository."""
    env = os.environ.get("TAYORI_ARTICLE")
    candidates = [Path(env)] if env else []
    candidates += [parent / SEED for parent in (ROOT, *ROOT.parents)]
    return next((path for path in candidates if path.is_file()), None)


def parts(lines: list[str]) -> list[str]:
    """Return the main parts' titles: the lines followed by a blank line."""
    return [line for i, line in enumerate(lines[:-1]) if line and lines[i + 1] == ""]


def headings(lines: list[str]) -> list[str]:
    """Return the title, the section headings (a blank line follows) and the sub-headings."""
    found = [lines[0]]
    for i, line in enumerate(lines[1:], 1):
        following = lines[i + 1] if i + 1 < len(lines) else None
        if line and not line.startswith("- ") and (following == "" or line[-1] not in SENTENCE_END):
            found.append(line)
    return found


def bullets(lines: list[str]) -> list[str]:
    """Return the bullet lines, without their "- "."""
    return [line[2:] for line in lines if line.startswith("- ")]


def outline_of(path: Path) -> Outline:
    """Read the article at `path` into its outline."""
    data = path.read_bytes()
    lines = data.decode("utf-8").splitlines()
    return Outline(
        sha256=hashlib.sha256(data).hexdigest(),
        parts=parts(lines),
        headings=headings(lines),
        bullets=bullets(lines),
    )


def load_outline(path: Path = OUTLINE) -> Outline:
    """Read the kept outline."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return Outline(
        sha256=data["sha256"],
        parts=data["parts"],
        headings=data["headings"],
        bullets=data["bullets"],
    )


def _toml_list(name: str, items: list[str]) -> str:
    body = "".join(f"  {json.dumps(item, ensure_ascii=False)},\n" for item in items)
    return f"{name} = [\n{body}]\n"


def write_outline(outline: Outline, path: Path = OUTLINE) -> None:
    """Write the outline as TOML (JSON strings are TOML basic strings)."""
    path.write_text(
        "# The seed article's outline (shared/seed/article-ja.txt, not in the repository):\n"
        "# written by `python -m tools.article_outline --write`; do not edit by hand.\n"
        f'sha256 = "{outline["sha256"]}"\n\n'
        + _toml_list("parts", outline["parts"])
        + "\n"
        + _toml_list("headings", outline["headings"])
        + "\n"
        + _toml_list("bullets", outline["bullets"]),
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    """Compare the kept outline with the article, or write it again."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the outline from the article")
    args = parser.parse_args(argv)
    article = find_article()
    if article is None:
        print(
            f"the article ({SEED}) is not beside the repository; set TAYORI_ARTICLE",
            file=sys.stderr,
        )
        return 2
    fresh = outline_of(article)
    if args.write:
        write_outline(fresh)
        print(f"wrote {OUTLINE.relative_to(ROOT)} from {article}")
        return 0
    same = fresh == load_outline()
    print("the kept outline matches the article" if same else "the kept outline is out of date")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
