"""Every kind of broken content stops start-up with the file, the key path and the reason."""

import re
import shutil
from pathlib import Path

import pytest

from bot.core.content import ContentError, load_content
from bot.core.locales import DEFAULT_CONTENT_DIR


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    return root


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_the_shipped_content_loads(content):
    assert set(content.locales) == {"ja", "en"}
    assert content.pick("en-US").locale == "en"
    assert content.pick("ja").locale == "ja"
    assert content.pick("fr").locale == "ja"
    assert content.pick(None).locale == "ja"


def test_missing_file(tree):
    (tree / "en" / "draft.toml").unlink()
    with pytest.raises(ContentError) as err:
        load_content(tree)
    assert err.value.file.endswith("en/draft.toml") and err.value.reason == "file is missing"


def test_broken_toml(tree):
    (tree / "ja" / "article.toml").write_text("title = [unclosed", encoding="utf-8")
    with pytest.raises(ContentError, match=r"ja/article\.toml: \(file\): not valid TOML"):
        load_content(tree)


def test_missing_field_names_the_key_path(tree):
    edit(tree / "ja" / "article.toml", 'id = "busy"', 'id = "busy"\nbogus = 1')
    with pytest.raises(ContentError) as err:
        load_content(tree)
    assert err.value.file.endswith("ja/article.toml")
    assert err.value.key.startswith("reasons.0.bogus")


def test_unknown_reference(tree):
    edit(tree / "ja" / "diagnose.toml", "[priors]\nbusy =", "[priors]\nnot-a-reason = 0.1\nbusy =")
    with pytest.raises(ContentError) as err:
        load_content(tree)
    assert "not-a-reason" in str(err.value)
    assert err.value.file.endswith("ja/diagnose.toml")


def test_duplicate_id(tree):
    edit(tree / "ja" / "article.toml", 'id = "unwell"', 'id = "busy"')
    with pytest.raises(ContentError) as err:
        load_content(tree)
    assert "duplicate" in err.value.reason and "busy" in err.value.reason
    assert err.value.key == "reasons"


def test_locale_lacking_an_id_that_ja_has(tree):
    edit(tree / "en" / "article.toml", 'id = "invite-live"', 'id = "invite-gig"')
    with pytest.raises(ContentError) as err:
        load_content(tree)
    assert err.value.file.endswith("en/article.toml")
    assert "invite" in err.value.reason


def test_message_missing_in_en(tree):
    edit(tree / "en" / "messages" / "privacy.toml", 'none = "none"\n', "")
    with pytest.raises(ContentError) as err:
        load_content(tree)
    assert err.value.key == "privacy.none"
    assert err.value.file.endswith("en/messages/privacy.toml")


def test_placeholders_must_match(tree):
    edit(
        tree / "en" / "messages" / "privacy.toml", "Deleted ({count} items)", "Deleted ({n} items)"
    )
    with pytest.raises(ContentError, match="placeholders differ"):
        load_content(tree)


def test_a_broken_placeholder_names_the_key(tree):
    edit(tree / "ja" / "messages" / "privacy.toml", "{count}", "{count", 1)
    with pytest.raises(ContentError, match=r"privacy\.toml: privacy\.\S+: broken placeholder"):
        load_content(tree)


def test_a_file_not_saved_as_utf8_is_named(tree):
    path = tree / "ja" / "draft.toml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("shift_jis", errors="replace"))
    with pytest.raises(ContentError, match=r"draft\.toml: \(file\): not UTF-8"):
        load_content(tree)


def test_an_unreadable_file_is_named(tree):
    path = tree / "ja" / "when.toml"
    path.unlink()
    path.mkdir()
    with pytest.raises(ContentError, match=r"when\.toml: \(file\): cannot be read"):
        load_content(tree)


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        ('name = "ng-list"', 'name = "NG List"', "command name"),
        (
            'description = "The four things never to do when someone stops writing"',
            'description = "' + "x" * 101 + '"',
            "at most 100",
        ),
    ],
)
def test_command_texts_discord_would_refuse_stop_start_up(tree, old, new, reason):
    edit(tree / "en" / "messages" / "common.toml", old, new)
    with pytest.raises(
        ContentError, match=rf"common\.toml: common\.commands\.ng-list\.\w+: .*{reason}"
    ):
        load_content(tree)


def test_every_message_key_the_code_names_is_in_the_content(content):
    """A key deleted from both locales would pass the loader and fail at its first use."""
    pattern = re.compile(
        r"""(?:\btext(?:_for)?\(\s*(?:interaction,\s*)?|Error\(\s*)"([a-z][\w.\-]+\.[\w.\-]+)\""""
    )
    root = Path(__file__).resolve().parents[3]
    named = {
        key
        for folder in ("bot", "cogs")
        for path in (root / folder).rglob("*.py")
        for key in pattern.findall(path.read_text(encoding="utf-8"))
    }
    assert len(named) > 100, "the scan finds the keys"
    for locale in ("ja", "en"):
        missing = sorted(named - content[locale].messages.keys())
        assert missing == [], f"{locale} lacks {missing}"
