"""The OpenAPI validator and Discord's extra limits, without a bot."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakediscord.limits import check_callback, check_message, check_modal
from fakediscord.schema import coerce_int_snowflakes, spec_index

CALLBACK = "/interactions/1/token/callback"


def button(custom_id: str, **extra) -> dict:
    return {"type": 2, "style": 1, "label": custom_id, "custom_id": custom_id, **extra}


def row(*items: dict) -> dict:
    return {"type": 1, "components": list(items)}


def paths(errors) -> list[tuple]:
    return [e.path for e in errors]


def test_valid_callbacks_pass() -> None:
    index = spec_index()
    bodies = [
        {"type": 4, "data": {"content": "hi", "flags": 64, "components": [row(button("a"))]}},
        {"type": 5, "data": {"flags": 64}},
        {"type": 6},
        {"type": 7, "data": {"content": "edited", "components": []}},
        {"type": 8, "data": {"choices": [{"name": "a", "value": "a"}]}},
        {
            "type": 9,
            "data": {
                "custom_id": "m",
                "title": "T",
                "components": [row({"type": 4, "custom_id": "f", "style": 1, "label": "F"})],
            },
        },
    ]
    for body in bodies:
        assert index.validate("POST", CALLBACK, body) == [], body


def test_discriminated_unions_report_the_right_branch() -> None:
    index = spec_index()
    bad_style = {"type": 4, "data": {"components": [row(button("a", style=9))]}}
    assert paths(index.validate("POST", CALLBACK, bad_style)) == [
        ("data", "components", 0, "components", 0, "style")
    ]
    (error,) = index.validate("POST", CALLBACK, {"type": 3})
    assert "type 3 is not one of" in error.message


def test_schema_catches_long_content_and_title() -> None:
    body = {"type": 4, "data": {"content": "x" * 2001, "embeds": [{"title": "t" * 257}]}}
    errors = spec_index().validate("POST", CALLBACK, body)
    assert paths(errors) == [("data", "content"), ("data", "embeds", 0, "title")]
    assert "2000 or fewer" in errors[0].message


def test_int_snowflakes_are_coerced_only_at_known_places() -> None:
    index = spec_index()
    assert index.validate("POST", "/users/@me/channels", {"recipient_id": 42}) == []
    reply = {"content": "x", "message_reference": {"message_id": 5, "channel_id": 6}}
    assert index.validate("POST", "/channels/1/messages", reply) == []
    mentions = {"content": "x", "allowed_mentions": {"parse": [], "users": [7], "roles": [8]}}
    assert index.validate("POST", "/channels/1/messages", mentions) == []
    stickers = {"content": "x", "sticker_ids": [5]}
    assert paths(index.validate("POST", "/channels/1/messages", stickers)) == [("sticker_ids", 0)]
    assert coerce_int_snowflakes({"users": [1], "recipient_id": 2}) == {
        "users": [1],
        "recipient_id": "2",
    }


def test_paths_match_the_most_specific_template() -> None:
    index = spec_index()
    assert index.match("POST", "/users/@me/channels").template == "/users/@me/channels"
    assert index.match("PATCH", "/webhooks/1/tok/messages/@original").template.endswith(
        "/messages/@original"
    )
    assert index.match("GET", "/no/such/route") is None


def _verdicts(method: str, path: str, body: dict) -> tuple[bool, list]:
    """The fast check's verdict and the Python validator's errors for one body."""
    index = spec_index()
    op = index.match(method, path)
    coerced = coerce_int_snowflakes(body)
    return index.fast_validator_for(op).is_valid(coerced), index.slow_errors(op, coerced)


AGREEMENT = [
    {"type": 4, "data": {"content": "hi", "flags": 64, "components": [row(button("a"))]}},
    {"type": 4, "data": {"embeds": [{"title": "t", "fields": [{"name": "n", "value": "v"}]}]}},
    {"type": 4, "data": {"components": [row(button("a", style=9))]}},
    {"type": 4, "data": {"content": "x" * 2001}},
    {"type": 4, "data": {"embeds": [{"title": "t" * 257}]}},
    {"type": 4, "data": {"content": None, "allowed_mentions": {"parse": []}}},
    {"type": 4, "data": {"content": 5}},
    {"type": 3},
    {"type": 4.0, "data": {"content": "hi"}},
    {"type": 4, "data": {"components": [{"type": 1.0, "components": [button("a")]}]}},
    {"type": True},
    {"type": 5, "data": {"flags": 64}},
    {"type": 9, "data": {"custom_id": "m", "title": "T", "components": []}},
    {"type": 9, "data": {"custom_id": "m", "components": [row(button("a"))]}},
]


@pytest.mark.parametrize("body", AGREEMENT)
def test_the_fast_check_and_the_python_validator_agree(body: dict) -> None:
    fast_ok, errors = _verdicts("POST", CALLBACK, body)
    assert fast_ok == (errors == [])


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 70)
    | st.sampled_from([1.0, 2.0, 4.0, 4.5])
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = ["content", "flags", "components", "embeds", "allowed_mentions", "custom_id", "title", "tts"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from([1, 4, 5, 6, 7, 8, 9, 12, 4.0, 9.0, 5.5, True]),
    data=st.dictionaries(st.sampled_from(KEYS), JSON, max_size=4),
    buttons=st.lists(st.fixed_dictionaries({"type": st.integers(1, 4), "style": JSON}), max_size=2),
)
def test_a_body_the_fast_check_accepts_has_no_python_errors(kind, data, buttons) -> None:
    body = {"type": kind, "data": {**data, "components": [row(*buttons)]} if buttons else data}
    fast_ok, errors = _verdicts("POST", CALLBACK, body)
    if fast_ok:
        assert errors == [], body


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"content": "x" * 2001}, ("content",)),
        ({"embeds": [{"title": "t"}] * 11}, ("embeds",)),
        ({"embeds": [{"description": "d" * 4097}]}, ("embeds", 0, "description")),
        ({"embeds": [{"fields": [{"name": "n", "value": "v"}] * 26}]}, ("embeds", 0, "fields")),
        (
            {"embeds": [{"fields": [{"name": "n" * 257, "value": "v"}]}]},
            ("embeds", 0, "fields", 0, "name"),
        ),
        (
            {"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}]}]},
            ("embeds", 0, "fields", 0, "value"),
        ),
        ({"embeds": [{"description": "d" * 4000}, {"description": "d" * 2001}]}, ("embeds",)),
        ({"components": [row(button(str(i))) for i in range(6)]}, ("components",)),
        (
            {"components": [row(*[button(str(i)) for i in range(6)])]},
            ("components", 0, "components"),
        ),
        ({"components": [row(button("b" * 101))]}, ("components", 0, "components", 0, "custom_id")),
        (
            {"components": [row(button("a"), button("a"))]},
            ("components", 0, "components", 1, "custom_id"),
        ),
        (
            {
                "components": [
                    row(
                        {
                            "type": 3,
                            "custom_id": "s",
                            "options": [{"label": str(i), "value": str(i)} for i in range(26)],
                        }
                    )
                ]
            },
            ("components", 0, "components", 0, "options"),
        ),
        ({}, ()),
    ],
)
def test_message_limits(body: dict, path: tuple) -> None:
    errors = check_message(body, creating=True)
    assert path in paths(errors)


def test_limits_accept_a_full_but_legal_message() -> None:
    body = {
        "content": "x" * 2000,
        "embeds": [{"title": "t" * 256, "description": "d" * 4096}],
        "components": [row(*[button(f"{r}-{i}") for i in range(5)]) for r in range(5)],
    }
    assert check_message(body, creating=True) == []


def test_modal_and_choice_limits() -> None:
    modal = {"custom_id": "m", "title": "t" * 46, "components": []}
    assert paths(check_modal(modal)) == [("data", "title")]
    choices = {"type": 8, "data": {"choices": [{"name": "a", "value": "a"}] * 26}}
    assert paths(check_callback(choices)) == [("data", "choices")]
