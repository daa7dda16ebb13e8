"""The linear model behind the draft rules: its features, its file, and how it fires."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tools import train_draft_model as training
from tools.choose_second_look import search

from bot.core.content import DEFAULT_CONTENT_DIR, DRAFT_MODEL_FILE, ContentError, load_content
from bot.core.draft import DraftRules, check_draft, detect
from bot.core.draft_model import DraftModel, features
from tests.unit.core.test_draft_rules import load_rules


def tiny(kind: str = "blame", feature: str = "ほげ") -> DraftModel:
    kinds = ["blame", "heavy-topic", "pressure", "emotional"]
    row = [6.0 if k == kind else 0.0 for k in kinds]
    return DraftModel(
        language="ja",
        kinds=kinds,
        bias=[-3.0] * 4,
        thresholds=[0.9] * 4,
        weights={feature: row},
    )


def test_features_are_character_ngrams_and_english_words() -> None:
    ja = features("返事まだ?", "ja")
    assert {"返", "返事", "返事ま", "^返", "?$"} <= ja
    en = features("did u see it?", "en")
    assert {"w:did", "w:u", "b:u see", "b:it ?", "b:? $", "^di", "it?$"} <= en
    assert features("  a   b ", "en") == features("a b", "en")


def test_the_shipped_models_load_with_the_content() -> None:
    content = load_content()
    for locale, rules in content.drafts.items():
        assert rules.model is not None and rules.model.language == locale
        assert set(rules.model.kinds) <= {r.id for r in rules.rules}
        sets = [name.removesuffix(".toml") for name in rules.model.trained_on if "-" in name]
        assert sets and all(training.is_training_set(name) for name in sets)
        # retraining drops the second look's levels: choose them again (tools/choose_second_look.py)
        assert rules.model.caution is not None, f"{locale}: no caution levels"


def test_the_model_fires_the_rule_on_the_most_telling_sentence() -> None:
    rules = load_rules("ja").model_copy(update={"model": tiny()})
    text = "元気にしてる？今日はほげほげだね。またね"
    report = check_draft(text, rules)
    (blame,) = [f for f in report.findings if f.rule == "blame"]
    assert text[blame.start : blame.end] == "今日はほげほげだね"
    assert blame.message == rules.rule("blame").message and blame.ng == "blaming"
    assert report.verdict == "dont-send"


def test_the_model_stays_quiet_below_its_threshold_and_never_repeats_a_rule() -> None:
    rules = load_rules("ja").model_copy(update={"model": tiny()})
    assert "blame" not in {f.rule for f in check_draft("元気にしてる？", rules).findings}
    text = "ほげ。どうして連絡してくれないの？"
    found = [f for f in check_draft(text, rules).findings if f.rule == "blame"]
    assert len(found) == 1 and text[found[0].start :].startswith("どうして")


def test_a_look_alike_guard_keeps_the_model_from_flagging_the_same_words() -> None:
    """「寂しい季節」 is a look-alike the emotional rule's `unless` quiets; a model that has learnt
    「寂しい」 must not bring it back, but still fires on what the guard did not cover."""
    rules = load_rules("ja").model_copy(update={"model": tiny("emotional", "寂しい")})
    autumn = "寂しい季節になってきたね。紅葉見に行った？"
    assert "emotional" not in {f.rule for f in check_draft(autumn, rules).findings}
    assert "emotional" in {f.rule for f in check_draft("最近ずっと寂しいんだ", rules).findings}
    rules = load_rules("ja").model_copy(update={"model": tiny("emotional", "ほげ")})
    both = "寂しい季節になってきたね。ほげほげ"
    (found,) = [f for f in check_draft(both, rules).findings if f.rule == "emotional"]
    assert both[found.start : found.end] == "ほげほげ"


def test_a_rules_guard_quiets_the_model_even_where_no_pattern_matched() -> None:
    """ "you deserve a break" is a look-alike the blame rule's `unless` names; no blame pattern
    matches it, yet a model that has learnt "deserve" must not call it blaming. A warning's
    guard does the same since round 18 (measured on dev-1 and blind-2..9: two more right, none
    fewer): "the film had me crying" is no outpouring, whatever the model learnt of "crying"."""
    model = tiny("blame", "w:deserve").model_copy(update={"language": "en"})
    rules = load_rules("en").model_copy(update={"model": model})
    kind = "you deserve a break after that week! how was the trip?"
    assert check_draft(kind, rules).verdict == "send"
    assert check_draft("i deserve an answer from you", rules).verdict == "dont-send"
    model = tiny("emotional", "w:crying").model_copy(update={"language": "en"})
    rules = load_rules("en").model_copy(update={"model": model})
    film = "the film had me crying lol. seen anything good?"
    assert "emotional" not in {rule for rule, _ in detect(film, rules, phrases_only=True).found}
    assert "emotional" not in {f.rule for f in check_draft(film, rules).findings}
    assert "emotional" in {f.rule for f in check_draft("i keep crying every night", rules).findings}


def leaning(kind: str = "blame", feature: str = "ほげ", language: str = "ja") -> DraftModel:
    """A model whose probability for `kind` on a draft with `feature` is 0.5: under the
    threshold (0.9), over the caution level (0.3)."""
    model = tiny(kind, feature)
    weights = {feature: [3.0 if w else 0.0 for w in model.weights[feature]]}
    caution = [0.3 if k == kind else 0.9 for k in model.kinds]
    update = {"weights": weights, "caution": caution, "language": language}
    return DraftModel.model_validate({**model.model_dump(), **update})


def test_a_draft_the_model_leans_on_gets_a_second_look_not_a_send() -> None:
    rules = load_rules("ja").model_copy(update={"model": leaning()})
    text = "元気にしてる？今日はほげほげだね。またね"
    report = check_draft(text, rules)
    assert [f.rule for f in report.findings if f.severity in ("error", "warning")] == [
        "second-look"
    ]
    (look,) = [f for f in report.findings if f.rule == "second-look"]
    assert text[look.start : look.end] == "今日はほげほげだね"
    assert look.message == rules.rule("second-look").message and look.ng == "blaming"
    assert report.verdict == "revise"
    # without the caution level, or below it, the same model says nothing
    plain = rules.model_copy(update={"model": leaning().model_copy(update={"caution": None})})
    assert check_draft(text, plain).verdict == "send"
    assert check_draft("元気にしてる？またね", rules).verdict == "send"


def test_no_second_look_where_the_draft_is_already_not_to_send() -> None:
    rules = load_rules("ja").model_copy(update={"model": leaning()})
    report = check_draft("ほげ。どうして連絡してくれないの？", rules)
    assert report.verdict == "dont-send"
    assert "second-look" not in {f.rule for f in report.findings}
    # a warning of its own kind does not stop it: the second look says more than "revise"
    pressed = check_draft("ほげ。返事ちょうだい。急ぎで！", rules)
    assert {"second-look", "pressure"} <= {f.rule for f in pressed.findings}


def test_a_look_alike_guard_keeps_the_second_look_away_too() -> None:
    model = leaning("blame", "w:deserve", "en")
    rules = load_rules("en").model_copy(update={"model": model})
    assert (
        check_draft("you deserve a break after that week! how was the trip?", rules).verdict
        == "send"
    )
    report = check_draft("well i guess some people deserve it. how was the trip?", rules)
    assert "second-look" in {f.rule for f in report.findings}


def test_where_the_model_is_sure_the_rules_are_wrong_their_finding_becomes_a_second_look() -> None:
    """A phrase rule finds blame; the model gives every "don't send" kind under `veto` times its
    threshold: the two disagree, so the draft is to revise, on the rule's own spans."""
    text = "元気？どうして連絡してくれないの？"
    sure_not = tiny().model_copy(update={"veto": 0.1})  # every kind 0.047 of 0.9: a share 0.05
    rules = load_rules("ja").model_copy(update={"model": sure_not})
    report = check_draft(text, rules)
    assert report.verdict == "revise"
    grave = [f for f in report.findings if f.severity == "error"]
    assert not grave
    looks = [f for f in report.findings if f.rule == "second-look"]
    ruled = detect(text, load_rules("ja"), phrases_only=True).found
    assert sorted((f.start, f.end) for f in looks) == sorted(
        span for rule, spans in ruled if rule in ("blame", "heavy-topic") for span in spans
    )
    # a model that is not that sure, or no veto: the rules stand
    for model in (tiny().model_copy(update={"veto": 0.05}), tiny()):
        rules = load_rules("ja").model_copy(update={"model": model})
        assert check_draft(text, rules).verdict == "dont-send"
    # the model leaning to any one "don't send" kind is enough to keep the rules' verdict
    heavy = leaning("heavy-topic").model_copy(update={"veto": 0.1})
    rules = load_rules("ja").model_copy(update={"model": heavy})
    assert check_draft("ほげ。" + text, rules).verdict == "dont-send"


def test_alone_and_under_its_firm_level_the_model_gives_a_second_look_not_a_dont_send() -> None:
    """The model is sure of blame (0.5 over a threshold of 0.4) where no rule found any: from
    its `firm` level the rule fires ("don't send"); under it, the draft is to revise, on the
    sentence the model finds most telling."""
    sure = {"thresholds": [0.4, 0.9, 0.9, 0.9], "caution": None}
    text = "元気にしてる？今日はほげほげだね。またね"
    under, at = [0.5000001, 0.9, 0.9, 0.9], [0.5, 0.9, 0.9, 0.9]  # the model says 0.5
    for firm, verdict in (([0.9] * 4, "revise"), (under, "revise"), (at, "dont-send")):
        model = DraftModel.model_validate({**leaning().model_dump(), **sure, "firm": firm})
        rules = load_rules("ja").model_copy(update={"model": model})
        report = check_draft(text, rules)
        assert report.verdict == verdict, firm
        said = [f for f in report.findings if f.severity in ("error", "warning")]
        assert [f.rule for f in said] == ["second-look" if verdict == "revise" else "blame"]
        assert text[said[0].start : said[0].end] == "今日はほげほげだね"
    plain = DraftModel.model_validate({**leaning().model_dump(), **sure})
    rules = load_rules("ja").model_copy(update={"model": plain})
    assert check_draft(text, rules).verdict == "dont-send"  # no firm level: from the threshold
    # where a rule found the kind, the firm level changes nothing
    firm = DraftModel.model_validate({**leaning().model_dump(), **sure, "firm": [0.9] * 4})
    rules = load_rules("ja").model_copy(update={"model": firm})
    assert check_draft("ほげ。どうして連絡してくれないの？", rules).verdict == "dont-send"
    # rules without a second look: the model's finding stands, never lost to a "send"
    data = rules.model_dump()
    data["rules"] = [r.model_dump() for r in rules.rules if r.check != "model"]
    assert check_draft(text, DraftRules.model_validate(data)).verdict == "dont-send"


def test_the_firm_level_holds_back_only_the_kinds_that_mean_dont_send() -> None:
    """A firm level over the threshold of pressure (a warning) changes nothing: the model's
    pressure finding stays itself, not a second look."""
    sure = {"thresholds": [0.9, 0.9, 0.4, 0.9], "caution": None, "firm": [0.9] * 4}
    pressing = DraftModel.model_validate({**leaning("pressure").model_dump(), **sure})
    rules = load_rules("ja").model_copy(update={"model": pressing})
    report = check_draft("元気にしてる？今日はほげほげだね。またね", rules)
    assert {f.rule for f in report.findings if f.severity == "warning"} == {"pressure"}


def test_the_veto_needs_the_model_sure_of_the_flagged_sentence_too() -> None:
    """Kind words around a sting make the whole draft read kind to the model; the rules' finding
    stands unless the model is also sure of the sentence the rule flagged."""
    kinds = ["blame", "heavy-topic", "pressure", "emotional"]
    kind_words = DraftModel(
        language="ja",
        kinds=kinds,
        bias=[-3.0] * 4,
        thresholds=[0.9] * 4,
        weights={"ふが": [-10.0] * 4},
        veto=0.04,  # a sentence without ふが: 0.047 of 0.9, a share of 0.053: not sure
    )
    rules = load_rules("ja").model_copy(update={"model": kind_words})
    sting = "ふがふが楽しかったね。ふがふが。どうして連絡してくれないの？"
    assert check_draft(sting, rules).verdict == "dont-send"
    overruled = "ふがふが楽しかったね。ふがどうして連絡してくれないの？"
    report = check_draft(overruled, rules)
    assert report.verdict == "revise" and "second-look" in {f.rule for f in report.findings}


def test_a_draft_with_nothing_to_read_gets_no_second_look() -> None:
    # on an empty draft the model gives only its prior; a caution level under it once put a
    # second look with an empty span on "" (the property test found it)
    model = leaning()
    prior = model.probabilities("")[0]
    low = DraftModel.model_validate({**model.model_dump(), "caution": [prior / 2] + [0.9] * 3})
    rules = load_rules("ja").model_copy(update={"model": low})
    assert check_draft("x", rules).verdict == "revise"  # the prior alone reaches the level
    for text in ("", " ", "\u200b", "\u3000"):
        assert check_draft(text, rules).findings == (), repr(text)


def test_without_a_model_rule_there_is_no_second_look() -> None:
    rules = load_rules("ja").model_copy(update={"model": leaning()})
    kept = tuple(r for r in rules.rules if r.check != "model")
    data = rules.model_dump()
    data["rules"] = [r.model_dump() for r in kept]
    bare = DraftRules.model_validate(data)
    assert check_draft("今日はほげほげだね", bare).verdict == "send"


def test_caution_is_checked_against_the_thresholds() -> None:
    model = tiny()
    with pytest.raises(ValueError, match="caution for 'pressure'"):
        DraftModel.model_validate({**model.model_dump(), "caution": [0.3, 0.3, 0.95, 0.3]})
    with pytest.raises(ValueError, match="one value per kind"):
        DraftModel.model_validate({**model.model_dump(), "caution": [0.3]})
    with pytest.raises(ValueError, match="less than 1"):
        DraftModel.model_validate({**model.model_dump(), "veto": 1.0})
    with pytest.raises(ValueError, match="firm for 'blame'"):
        DraftModel.model_validate({**model.model_dump(), "firm": [0.5, 0.9, 0.9, 0.9]})
    with pytest.raises(ValueError, match="firm needs one value per kind"):
        DraftModel.model_validate({**model.model_dump(), "firm": [0.95]})


def test_model_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="needs 4 values"):
        DraftModel(
            language="ja",
            kinds=["blame", "heavy-topic", "pressure", "emotional"],
            bias=[0.0] * 4,
            thresholds=[0.5] * 4,
            weights={"x": [1.0]},
        )


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, root)
    return root


def test_a_broken_model_file_stops_start_up_naming_file_and_key(tree: Path) -> None:
    path = tree / "en" / DRAFT_MODEL_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    data["thresholds"][1] = 1.5
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_content(tree)
    assert err.value.file.endswith(f"en/{DRAFT_MODEL_FILE}")
    assert err.value.key == "thresholds.1"


def test_a_model_file_that_is_not_json_is_named(tree: Path) -> None:
    (tree / "ja" / DRAFT_MODEL_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ContentError, match=r"ja/draft_model\.json: \(file\): not valid JSON"):
        load_content(tree)


def test_without_a_model_file_the_rules_run_alone(tree: Path) -> None:
    (tree / "ja" / DRAFT_MODEL_FILE).unlink()
    assert load_content(tree).drafts["ja"].model is None


def test_training_reads_tuning_and_retired_sets_never_a_newer_blind_one(
    tmp_path: Path, monkeypatch
) -> None:
    newer = training.RETIRED_UP_TO + 1
    for name, text in (
        ("tune-x-ja", "チューニング用"),
        ("dev-1-ja", "開発用"),
        (f"blind-{training.RETIRED_UP_TO}-ja", "引退した試験"),
        (f"blind-{newer}-ja", "試験用"),
        (f"blind-{newer}-en", "a test"),
        (f"dev-{newer}-ja", "次の開発用"),
    ):
        draft = f'[[drafts]]\ntext = "{text}"\nverdict = "send"\nkinds = []\n'
        (tmp_path / f"{name}.toml").write_text(draft, encoding="utf-8")
    monkeypatch.setattr(training, "CORPUS", tmp_path)
    trained = {e.features for e in training.training_data("ja")}
    assert frozenset(features("ちゅーにんぐ用", "ja")) in trained  # katakana reads as hiragana
    for retired in ("開発用", "引退した試験"):
        assert frozenset(features(retired, "ja")) in trained
    for held_out in ("試験用", "次の開発用"):
        assert frozenset(features(held_out, "ja")) not in trained


def test_training_learns_a_word_and_keeps_the_harmless_quiet() -> None:
    pos = [training.Example(frozenset({"a", "bad"}), frozenset({"blame"}), "dont-send")] * 20
    neg = [training.Example(frozenset({"a", "good"}), frozenset(), "send")] * 20
    bias, weights = training.fit(pos + neg, epochs=40, rate=0.1, drop=0.0, min_count=1)
    assert weights["bad"][0] > 1 > weights["good"][0]
    assert (
        training.probability(bias, weights, pos[0], "blame")
        > 0.9
        > training.probability(bias, weights, neg[0], "blame")
    )
    assert training.probability(bias, weights, pos[0], "pressure") < 0.5  # not its kind


def test_training_gives_the_same_weights_for_the_same_data() -> None:
    pos = [training.Example(frozenset({"a", "bad", "x"}), frozenset({"blame"}), "dont-send")] * 9
    neg = [training.Example(frozenset({"a", "good", "x"}), frozenset(), "send")] * 9
    assert training.fit(pos + neg, epochs=3) == training.fit(pos + neg, epochs=3)
    rare = training.Example(frozenset({"once"}), frozenset(), "send")
    assert "once" not in training.fit([*pos, *neg, rare], epochs=1)[1]  # seen in one draft


def test_features_keep_their_spaces_as_trained() -> None:
    # the loader once stripped the weights' keys: " me " and "me " landed on "me", so the
    # shipped models did not score drafts as they were trained
    raw = json.loads((DEFAULT_CONTENT_DIR / "en" / DRAFT_MODEL_FILE).read_text(encoding="utf-8"))
    model = load_content()["en"].draft.model
    assert model is not None and len(model.weights) == len(raw["weights"])
    assert any(f != f.strip() for f in model.weights)
    pos = [
        training.Example(frozenset(features("did u see", "en")), frozenset({"blame"}), "dont-send")
    ]
    neg = [training.Example(frozenset(features("a nice hike", "en")), frozenset(), "send")]
    bias, weights = training.fit((pos + neg) * 10)
    trained = DraftModel(
        language="en", kinds=training.KINDS, bias=bias, thresholds=[0.5] * 4, weights=weights
    )
    assert trained.probabilities("did u see")[0] == pytest.approx(
        training.probability(bias, weights, pos[0], "blame")
    )


def test_sentences_are_labelled_only_where_the_rules_place_the_kind() -> None:
    rules = load_rules("ja")
    kind_then_sting = "元気にしてる？体調気をつけてね。どうして連絡してくれないの？"
    parts = training.sentence_parts(
        kind_then_sting, {"blame", "caring"}, "dont-send", rules, "ja", "located"
    )
    assert [(set(p.kinds), p.verdict) for p in parts] == [({"blame"}, "dont-send")]
    contrast = training.sentence_parts(
        kind_then_sting, {"blame"}, "dont-send", rules, "ja", "contrast"
    )
    assert [set(p.kinds) for p in contrast] == [set(), set(), {"blame"}]
    harmless = training.sentence_parts(
        "元気？今度ご飯行こう！", set(), "send", rules, "ja", "located"
    )
    assert [(set(p.kinds), p.verdict) for p in harmless] == [(set(), "send"), (set(), "send")]
    assert training.sentence_parts("元気？", set(), "send", rules, "ja", "located") == ()
    assert (
        training.sentence_parts(kind_then_sting, {"blame"}, "dont-send", rules, "ja", "off") == ()
    )


def test_a_held_out_draft_never_trains_through_its_sentences() -> None:
    sentence = training.Example(frozenset({"s"}), frozenset({"blame"}), "dont-send")
    draft = training.Example(frozenset({"d"}), frozenset({"blame"}), "dont-send", (sentence,))
    other = training.Example(frozenset({"o"}), frozenset(), "send")
    assert training.with_parts([draft, other]) == [draft, other, sentence]
    assert training.with_parts([other]) == [other]


def test_choosing_the_caution_again_keeps_the_current_levels_unless_others_do_better() -> None:
    model = tiny()
    current = [0.4, 0.05, 0.9, 0.9]

    def even(levels: list[float]) -> tuple[int, int, int]:
        return (3, 100, 0) if levels != model.thresholds else (5, 90, 0)  # every level ties

    assert search(model, even, 0, current) == (current, (3, 100, 0))
    assert search(model, even, 0)[0] != current  # without it, the first tie met wins

    def better_elsewhere(levels: list[float]) -> tuple[int, int, int]:
        return (2, 100, 0) if levels[0] == 0.1 else (3, 100, 0)

    levels, best = search(model, better_elsewhere, 0, current)
    assert levels[0] == 0.1 and best == (2, 100, 0)

    def too_costly(levels: list[float]) -> tuple[int, int, int]:
        return (1, 100, 9) if levels == current else (4, 90, 0)  # over the budget of drafts

    assert search(model, too_costly, 0, current)[0] != current


def test_the_firm_level_is_searched_over_the_thresholds_only() -> None:
    model = tiny().model_copy(update={"thresholds": [0.5, 0.5, 0.9, 0.9]})
    tried: list[list[float]] = []

    def fewer_blocked_higher(levels: list[float]) -> tuple[int, int, int]:
        tried.append(levels)
        return (10 - round(levels[0] * 10), 100, 0)

    levels, best = search(model, fewer_blocked_higher, 0, above=True)
    assert levels == [0.95, 0.5, 0.9, 0.9] and best == (0, 100, 0)  # 10 - round(9.5) == 0
    assert all(t >= m for trial in tried for t, m in zip(trial, model.thresholds, strict=True))
