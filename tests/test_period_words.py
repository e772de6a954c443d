"""SPEC §9: `--period` also takes the periods a manager names in words, in Chinese and English."""

from datetime import date

import pytest

from addin.core.period import parse_period

TODAY = date(2026, 12, 5)  # a Saturday in the fourth quarter


@pytest.mark.parametrize(("zh", "en", "start", "end"), [
    ("本月", "this-month", date(2026, 12, 1), date(2026, 12, 31)),
    ("上月", "last-month", date(2026, 11, 1), date(2026, 11, 30)),
    ("本周", "this-week", date(2026, 11, 30), date(2026, 12, 6)),
    ("上周", "last-week", date(2026, 11, 23), date(2026, 11, 29)),
    ("本季度", "this-quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ("上季度", "last-quarter", date(2026, 7, 1), date(2026, 9, 30)),
])
def test_named_periods(zh, en, start, end):
    for word in (zh, en, en.upper()):
        period = parse_period(word, TODAY)
        assert period is not None and (period.start, period.end) == (start, end), word
    assert (period.before().end - start).days == -1  # the period before ends the day before this one starts


def test_last_month_and_quarter_cross_the_year():
    january = date(2027, 1, 15)
    assert (parse_period("上月", january).start, parse_period("上月", january).end) == (date(2026, 12, 1),
                                                                                        date(2026, 12, 31))
    assert parse_period("上季度", january).label == "2026Q4"
    assert parse_period("本月", TODAY) == parse_period(None, TODAY) == parse_period("2026-12", TODAY)


def test_an_unknown_word_is_not_a_period(tmp_path):
    from click.testing import CliRunner

    from addin.cli import cli

    assert parse_period("下个月", TODAY) is None
    result = CliRunner().invoke(cli, ["report", "--db", str(tmp_path / "s.sqlite"), "--period", "下个月"])
    assert result.exit_code == 2 and "本季度" in result.output and "Traceback" not in result.output
