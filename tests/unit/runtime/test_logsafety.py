"""What users type stays out of the logs; the log level the admin chose is left alone."""

from __future__ import annotations

import logging

import pytest

from bot.runtime import logsafety


def test_aiosqlite_debug_records_are_dropped_and_its_level_is_untouched(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logsafety.install()
    log = logging.getLogger("aiosqlite")
    assert log.level == logging.NOTSET, "LOG_LEVEL=WARNING must still hide aiosqlite's INFO"
    with caplog.at_level(logging.DEBUG):
        log.debug("executing %r", "INSERT ... ('secret note')")
        log.info("connection closed")
    assert [r.getMessage() for r in caplog.records if r.name == "aiosqlite"] == [
        "connection closed"
    ]
