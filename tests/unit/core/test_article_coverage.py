# ruff: noqa: E501 - the table quotes the article's lines whole; wrapping them would hide typos.
"""Every heading and every bullet line of the article is in the content: nothing silently dropped.

`COVERAGE` maps each heading-like line and each bullet line of the seed article
(shared/seed/article-ja.txt, beside the repository), by its exact Japanese text, to the content
item that carries it ("list:id"). The article's outline — its parts, headings and bullets, word for
word, and its SHA-256 — is kept in `data/article-outline.toml` (`python -m tools.article_outline`),
so these tests run in any clone: each outline line is mapped, each mapped item exists in
content/ja/article.toml and holds the line's words; and where the article itself can be found,
the kept outline is checked against it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path

import pytest
from pydantic import BaseModel
from tools.article_outline import Outline, find_article, load_outline, outline_of

from bot.core.article import Article

HERE = Path(__file__).resolve()
CONTENT = HERE.parents[3] / "content"

# Where the line is not quoted word for word, the article's own slip and what the content says.
CORRECTIONS = {"としてもは決して": "としても決して"}

COVERAGE: dict[str, str] = {
    # The title and the introduction's three questions
    "「好かれてた人から連絡が来なくなってしまった……もしかして気持ちが冷めたのかな?今後の対処法はある?」": "article",
    "好かれてた人から連絡が来なくなってしまったのはなぜ?": "parts:reasons",
    "連絡が来なくなったときは自分からコンタクトをとるべき?": "parts:actions",
    "相手の気持ちが冷めてる場合、もう一度振り向かせることはできる?": "parts:winback",
    # Why they stopped writing: the six reasons
    "好かれてた人から連絡が来なくなった!どうして?相手の気持ちは?": "parts:reasons",
    "仕事や趣味で忙しくなり、そちらに集中している": "reasons:busy",
    "心身の調子を崩している": "reasons:unwell",
    "思ったように関係が進展しないので気持ちが冷めた": "reasons:cooled",
    "思ったように関係が進展しないので駆け引きに出た": "reasons:testing",
    "自分から連絡するのがむなしくなった・相手から連絡が欲しい": "reasons:waiting",
    "別に好意を持つ相手ができた": "reasons:someone-else",
    "責任のある仕事を任された": "reasons:busy",
    "繁忙期で残業や休日出勤が多い": "reasons:busy",
    "資格試験を受けようとしている": "reasons:busy",
    "新しい趣味を始めた": "reasons:busy",
    "趣味に関するイベントや集まりが続いている": "reasons:busy",
    "仕事や趣味で忙しいときは、恋愛には意識が向かないだけで嫌いになったわけではない": "reasons:busy",
    "風邪などで体調が悪く寝込んでいる": "reasons:unwell",
    "精神的にダメージを受けるような出来事があり、ふさぎ込んでいる": "reasons:unwell",
    "心身の調子が悪くなっていて連絡できない状況にあるか、したくても遠慮をしている": "reasons:unwell",
    "「早く恋人が欲しい」と焦っている": "reasons:cooled",
    "そもそも飽き性で恋愛が長続きしにくい": "reasons:cooled",
    "ただ連絡し合うだけで関係が発展しないので、好きな気持ちが冷めてしまったケースもある": "reasons:cooled",
    "恋人になりたいが自分から言う勇気がない人や慎重派は、相手から連絡が来るかどうか駆け引きにでることがある": "reasons:testing",
    "自分ばかり連絡していた人は、相手から連絡が来るのを待っている可能性もある": "reasons:waiting",
    "実は他にも連絡をとっている人がいて、最終的にそっちを選んだ": "reasons:someone-else",
    "あなたのことを好きだったけど、運命的な出会いがあり心変わりしてしまった": "reasons:someone-else",
    "アプローチしてくる人に心を奪われてしまった": "reasons:someone-else",
    # What to do
    "自分に好意を持つ相手から連絡が来なくなったときにすべきことは?": "parts:actions",
    "体調や忙しさを心配する連絡を自分からしてみる": "actions:caring-message",
    "「今度遊ばない?」など、軽めの誘いを自分からしてみる": "actions:light-invite",
    "一度連絡したら、1~2週間は落ち着いて待つ": "actions:wait",
    "元気にしてる?体調悪いなら無理しないようにね。": "templates:caring-genki",
    "今って仕事忙しい時期だよね?本当にお疲れ様。": "templates:caring-busy-work",
    "風邪が流行っているから、気を付けてね。": "templates:caring-cold-going-around",
    "観たい映画があるから、よかったら今度遊ばない?": "templates:invite-movie",
    "もしよかったら食事でも行かない?": "templates:invite-meal",
    "いいカフェ見つけたんだけど行ってみない?": "templates:invite-cafe",
    "○○のライブチケットあるけど一緒に行かない?": "templates:invite-live",
    "返信が来ないからといって何度も連続で送り続けない": "actions:wait",
    "連絡したあとは1~2週間は落ち着いて待つ": "actions:wait",
    # What never to do
    "好かれてた人から連絡が来なくなったとき絶対してはいけないことは?": "parts:ng",
    "パニックになって相手に長文の連絡を送る": "ng:long-panic-message",
    "相手の行動を責めるような、感情的な連絡をする": "ng:blaming",
    "相手の見ているSNSに愚痴るような書き込みをする": "ng:sns-venting",
    "共通の知人に現状を言い触らす": "ng:telling-mutual-friends",
    # Winning them back
    "一度連絡が途切れた相手をもう一度振り向かせる方法は?": "parts:winback",
    "イメチェンし、SNSなどでさり気なくアピールする": "winback:image-change",
    "たくさんの友だちと遊び、人気者になる": "winback:be-popular",
    "共通の友人を交え、みんなで遊びに行く": "winback:group-outing",
    "遊びに行ったら相手を精一杯楽しませる": "winback:make-it-fun",
    "相手と繋がっているSNSにイメチェン後の姿を投稿する": "winback:image-change",
    "職場などで会う機会があるなら、イメチェン後に積極的に相手の視界に入るようにする": "winback:image-change",
    "たくさんの友だちと遊んで楽しく過ごしている様子を、相手が見ているSNSに投稿する": "winback:be-popular",
    "SNSのコメント欄も盛り上げて、友だちが多いことをアピールする": "winback:be-popular",
    "相手の気持ちが冷めている状態だと、2人きりのデートに誘っても断られてしまう可能性が高い": "winback:group-outing",
    "2人きりのデートに誘うと、相手があなたに「追われている」と感じて「追いかけたい」とは思わなくなってしまう": "winback:group-outing",
    "みんなで遊びに行くことで、あなたと相手がいい感じになるように周りが盛り上げてくれることも期待できる": "winback:group-outing",
    "遊んでいる間は笑顔を絶やさないようにする": "winback:make-it-fun",
    "「どうして連絡してくれなくなったの?」など、重い話は絶対にしないようにする": "winback:make-it-fun",
    # Habits that keep contact going
    "日頃からできる!相手との連絡を途切れにくくさせるテクニック": "parts:habits",
    "自分ではなく相手の得意分野に合わせた話題を振る": "habits:their-topics",
    "LINEなどはなるべく短文で送る": "habits:short-messages",
    "必ず質問で終わるようにする": "habits:end-with-question",
    "返信のスピードは相手に合わせる": "habits:match-pace",
    "相手の趣味や好きなこと": "habits:their-topics",
    "仕事で具体的にどんな業務をしているのか": "habits:their-topics",
    "「長文が来たから長文で返さないといけない」と思い、返信するのが面倒になる": "habits:short-messages",
    "タイミング悪く忙しい時に長文メッセージがきたら、読むの自体面倒になってしまう": "habits:short-messages",
    "そもそも長すぎて読む気にもならない": "habits:short-messages",
    "読んだけれど、何を言いたいのかわからない": "habits:short-messages",
    "質問なしの一方的な報告のLINEばかりだと、相手が返事に困ってしまう場合がある": "habits:end-with-question",
    "毎回質問することで、「自分に興味を持ってくれている」と相手は喜びもっとあなたに夢中になる": "habits:end-with-question",
    "例えば相手が大体日中3時間に1回のペースで返信してくれる場合、それに合わせてあなたも3時間に1回のペースで返信する": "habits:match-pace",
    "例えば相手が仕事中は絶対連絡してこないのであれば、やりとりがあなたで止まっていても慌てずに夜返信するようにする": "habits:match-pace",
    # Summary
    "まとめ": "parts:summary",
    "好かれてた人から連絡が来なくなったからといって、相手があなたのことを嫌いになったとは限らない": "summary:not-necessarily-disliked",
    "単に忙しいだけだったり、体調不良だったりして連絡が取れない場合もある": "summary:maybe-busy-or-unwell",
    "ただし、気持ちが冷めてしまった可能性はゼロではないし、他に好きな人ができた場合もある": "summary:maybe-cooled-or-someone-else",
    "連絡が来なくなったとしてもは決して相手を責めたり、SNSで愚痴を吐いたりしない": "summary:no-blaming-no-venting",
    "共通の友達に連絡が来ないことを相談するのもNG": "summary:no-mutual-friends",
    "気遣いのあるさりげないメッセージを送り焦らず返信を待つべき": "summary:caring-then-wait",
    "一度メッセージを送ったら返事がなくても1週間は待つ": "summary:wait-a-week",
    "長文メッセージは読むのも大変になってしまうので送らない": "summary:no-long-messages",
    "自分の話ばかりせず、相手の趣味や得意分野を話題にする": "summary:their-topics",
    "質問で終わるようなメッセージを送るのもコツ": "summary:end-with-question",
    "相手の気持ちが冷めているなら「今より魅力をアップさせること」「一緒に居て楽しいと思わせること」これで気持ちを取り戻せる": "summary:charm-and-fun",
    "相手が返信しやすいメッセージを送ることと、やりとりのペースを相手に合わすことを心掛ければ、連絡は途切れにくい": "summary:easy-replies-and-pace",
}


@pytest.fixture(scope="module")
def outline() -> Outline:
    return load_outline()


@pytest.fixture(scope="module")
def article() -> Article:
    with (CONTENT / "ja" / "article.toml").open("rb") as fh:
        return Article.model_validate(tomllib.load(fh))


def norm(text: str) -> str:
    """Fold widths and drop spacing and corner brackets, so quoting style does not matter."""
    for wrong, right in CORRECTIONS.items():
        text = text.replace(wrong, right)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, BaseModel):
        return [s for name in type(value).model_fields for s in strings(getattr(value, name))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in strings(item)]
    return []


def resolve(article: Article, target: str) -> BaseModel:
    if target == "article":
        return article
    kind, _, item_id = target.partition(":")
    items = article.summary.points if kind == "summary" else getattr(article, kind)
    matches = [item for item in items if item.id == item_id]
    assert matches, f"{target}: no {kind} item with id {item_id!r}"
    return matches[0]


def test_the_kept_outline_is_the_article_s() -> None:
    path = find_article()
    if path is None:
        pytest.skip("the seed article is not beside this clone: the kept outline is used as it is")
    assert outline_of(path) == load_outline(), "run `python -m tools.article_outline --write`"


def test_the_article_is_read_whole(outline):
    assert len(outline["parts"]) == 6, outline["parts"]  # five parts and the summary
    assert len(outline["bullets"]) >= 70
    assert len(outline["headings"]) >= 30


def test_every_heading_is_mapped(outline):
    missing = [line for line in outline["headings"] if line not in COVERAGE]
    assert not missing, "headings with no content id:\n" + "\n".join(missing)


def test_every_bullet_is_mapped(outline):
    missing = [line for line in outline["bullets"] if line not in COVERAGE]
    assert not missing, "bullet lines with no content id:\n" + "\n".join(missing)


def test_every_mapped_line_is_in_the_article(outline):
    present = set(outline["headings"]) | set(outline["bullets"])
    stale = [line for line in COVERAGE if line not in present]
    assert not stale, "mapped lines the article does not have:\n" + "\n".join(stale)


def test_every_mapped_id_exists_and_carries_the_words(article):
    for line, target in COVERAGE.items():
        item = resolve(article, target)
        text = norm("\n".join(strings(item)))
        assert norm(line).strip("「」") in text, f"{target} does not carry {line!r}"


@pytest.mark.parametrize("kind", ["reasons", "actions", "templates", "ng", "winback", "habits"])
def test_every_item_of_the_content_comes_from_the_article(article, kind):
    mapped = {t.partition(":")[2] for t in COVERAGE.values() if t.startswith(f"{kind}:")}
    assert mapped == {item.id for item in getattr(article, kind)}


def test_every_summary_point_and_part_comes_from_the_article(article):
    points = {t.partition(":")[2] for t in COVERAGE.values() if t.startswith("summary:")}
    parts = {t.partition(":")[2] for t in COVERAGE.values() if t.startswith("parts:")}
    assert points == {p.id for p in article.summary.points}
    assert parts == {p.id for p in article.parts}


def test_norm_folds_only_width_spacing_and_the_listed_slip():
    assert norm("待つ?　1~2週間") == norm("待つ？1～2週間")
    assert norm("としてもは決して") == "としても決して"
    assert norm("待つ") != norm("待て")
