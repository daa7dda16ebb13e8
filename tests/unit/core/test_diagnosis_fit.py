"""The fit of /diagnose's likelihood ratios (`tools/fit_diagnosis.py`)."""

from __future__ import annotations

import math
import shutil
import tomllib
from pathlib import Path

import pytest
from tools import fit_diagnosis as fitting
from tools.diagnosis_quality import DATA, Case

from bot.core.content import load_content

Q = load_content()["ja"].diagnose


def case(answers: dict[str, tuple[str, ...]], top: str) -> Case:
    return Case("x", "ja", "plain", (top,), answers, {})


def test_lbfgs_finds_the_minimum_of_a_bowl() -> None:
    def bowl(x: list[float]) -> tuple[float, list[float]]:
        return (x[0] - 3) ** 2 + 10 * (x[1] + 1) ** 2, [2 * (x[0] - 3), 20 * (x[1] + 1)]

    x = fitting._lbfgs(bowl, [0.0, 0.0])
    assert x == pytest.approx([3.0, -1.0], abs=1e-4)


def test_the_fit_learns_what_the_situations_say_and_keeps_the_article_elsewhere() -> None:
    # thirty people studying for an exam who were, in fact, unwell: the exam answer learns it
    found = [case({"their-news": ("exam",)}, "unwell")] * 30
    theta = fitting.fit(Q, found, penalty=3.0)
    reasons = list(Q.priors)
    exam = theta["their-news:exam"]
    prior = fitting._prior(Q, ["their-news:exam", "temperament:chase"])
    assert exam[reasons.index("unwell")] > prior[reasons.index("unwell")] + 0.5
    # an answer no situation used keeps the article's reading exactly
    assert theta["temperament:chase"] == pytest.approx(prior[6:12], abs=1e-6)
    # "Don't know", the neutral options and the anchored facts are never fitted
    assert not any(k.endswith(":unknown") or k in fitting.NEUTRAL | fitting.ANCHORED for k in theta)


def test_an_anchored_fact_outweighs_a_pile_of_everyday_answers() -> None:
    # everyday answers that lean to "cooled", each a little, and one decisive fact
    everyday = {
        "silence": ("month",),
        "their-news": ("nothing",),
        "their-sns": ("posting", "online"),
        "us": ("met", "stalled"),
        "temperament": ("impatient",),
    }
    theta = fitting.fit(Q, [case(everyday, "cooled")] * 10, penalty=3.0)
    reasons = list(Q.priors)
    scores = fitting._first(Q, theta, everyday | {"others": ("partner-sure",)}, 0.5)
    assert reasons[max(range(len(reasons)), key=scores.__getitem__)] == "someone-else"
    # the fact keeps the article's ratio whatever the scale of the fitted ones
    ratio = fitting._prior_table()["wellbeing"]["bereavement"]
    for scale in (0.3, 1.0):
        got = fitting._first(Q, theta, {"wellbeing": ("bereavement",)}, scale)
        for r in reasons:
            want = Q.priors[r] * ratio.get(r, 1.0) / (Q.priors["busy"] * ratio.get("busy", 1.0))
            assert got[reasons.index(r)] / got[reasons.index("busy")] == pytest.approx(want)


def test_every_ratio_the_prior_names_belongs_to_an_option() -> None:
    with fitting.PRIOR.open("rb") as fh:
        table = tomllib.load(fh)
    for question, options in table.items():
        qu = Q.question(question)
        for option, ratios in options.items():
            assert (
                qu.option(option).id != "unknown" and f"{question}:{option}" not in fitting.NEUTRAL
            )
            assert set(ratios) <= set(Q.priors)


def test_held_out_sets_exist_and_never_reach_the_fit(monkeypatch) -> None:
    assert all((DATA / f"answers-{name}.toml").exists() for name in fitting.HELD_OUT)
    seen: list[Case] = []

    def record(q, found, penalty):
        seen.extend(found)
        raise SystemExit(0)

    monkeypatch.setattr(fitting, "fit", record)
    with pytest.raises(SystemExit):
        fitting.main(["--dry-run"])
    held = {c.raw["story"] for name in fitting.HELD_OUT for c in fitting.cases(name)}
    assert seen and not {c.raw["story"] for c in seen} & held
    assert len(seen) == sum(
        len(fitting.cases(p.stem.removeprefix("answers-")))
        for p in DATA.glob("answers-*.toml")
        if p.stem.removeprefix("answers-") not in fitting.HELD_OUT
    )


def test_written_ratios_are_read_back_by_the_loader(tmp_path: Path) -> None:
    root = Path(fitting.__file__).resolve().parents[1]
    shutil.copytree(root / "content", tmp_path / "content")
    keys = fitting._keys(Q)
    theta = {k: [0.0] * len(Q.priors) for k in keys}
    theta["their-news:exam"] = [math.log(3.0), 0.0, 0.0, 0.0, math.log(0.5), math.log(1.04)]
    assert fitting.write(Q, theta, 1.0, root=tmp_path) == 2 * (len(keys) + len(fitting.ANCHORED))
    for locale in ("ja", "en"):
        q = load_content(tmp_path / "content")[locale].diagnose
        weights = q.question("their-news").option("exam").weights
        assert weights == {"busy": 3.0, "waiting": 0.5}  # 1.04 is within ROUND_TO_ONE of 1
        assert q.question("their-news").option("work").weights == {}
        # anchored facts are written as the article reads them, unscaled
        prior = fitting._prior_table()["wellbeing"]["bereavement"]
        assert q.question("wellbeing").option("bereavement").weights == prior
