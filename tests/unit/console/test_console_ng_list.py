"""`python -m bot.console ng-list`, driven through the console's own `main`."""

from __future__ import annotations

import json

import pytest

from bot.console.__main__ import main

NG_IDS = ["long-panic-message", "blaming", "sns-venting", "telling-mutual-friends"]


def run(capsys, *argv: str) -> str:
    assert main(["ng-list", *argv]) == 0
    out = capsys.readouterr()
    assert out.err == ""
    return out.out


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_text_lists_the_four_items_in_order_with_why_and_instead(content, capsys, locale):
    out = run(capsys, "--locale", locale)
    loc = content[locale]
    assert out.startswith(f"== {loc.text('ng_list.title')} ==")
    positions = []
    for number, item in enumerate(loc.article.ng, 1):
        heading = loc.text("ng_list.item_title", number=number, title=item.title)
        positions.append(out.index(heading))
        section = out[positions[-1] :]
        for text in (item.what, item.why, item.instead):
            assert text.splitlines()[0] in section
    assert positions == sorted(positions) and len(positions) == 4
    for key in ("what", "why", "instead"):
        assert out.count(f"[{loc.text(f'ng_list.{key}')}]") == 4


def test_text_defaults_to_japanese(content, capsys):
    out = run(capsys)
    assert content["ja"].article.ng[0].title in out
    assert content["en"].article.ng[0].title not in out


def test_json_is_a_list_of_the_items(content, capsys):
    data = json.loads(run(capsys, "--json", "--locale", "en"))
    assert [item["id"] for item in data] == NG_IDS
    for item, model in zip(data, content["en"].article.ng, strict=True):
        assert set(item) == {"id", "title", "summary", "what", "examples", "why", "instead"}
        assert item["why"] == model.why and item["instead"] == model.instead


def test_json_keeps_japanese_readable(capsys, content):
    out = run(capsys, "--json")
    assert content["ja"].article.ng[1].examples[0] in out


def test_an_unknown_locale_is_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ng-list", "--locale", "fr"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
