"""Date words in queries: a table of phrases in both languages against a fixed now, and the words that stay."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from clipdesk.search.dates import DateQuery, parse_query_dates

NOW = datetime(2026, 11, 30, 12, 0)  # a Monday, late autumn


def at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# (query, remaining text, date_from, date_to): date_to is exclusive.
TABLE = [
    # English: years, months, days
    ("2019", "", "2019-01-01", "2020-01-01"),
    ("beach 2019", "beach", "2019-01-01", "2020-01-01"),
    ("photos from 2019", "photos", "2019-01-01", "2020-01-01"),
    ("1984 poster last year", "1984 poster", "2025-01-01", "2026-01-01"),
    ("March 2021", "", "2021-03-01", "2021-04-01"),
    ("beach in March 2021", "beach", "2021-03-01", "2021-04-01"),
    ("in may", "", "2026-05-01", "2026-06-01"),
    ("dog in december", "dog", "2025-12-01", "2026-01-01"),  # December 2026 has not begun
    ("5 March 2021 party", "party", "2021-03-05", "2021-03-06"),
    ("March 5", "", "2026-03-05", "2026-03-06"),
    ("cake on 2021-03-05", "cake", "2021-03-05", "2021-03-06"),
    ("2023-05", "", "2023-05-01", "2023-06-01"),
    # English: relative
    ("today", "", "2026-11-30", "2026-12-01"),
    ("yesterday", "", "2026-11-29", "2026-11-30"),
    ("the day before yesterday", "", "2026-11-28", "2026-11-29"),
    ("this week", "", "2026-11-30", "2026-12-07"),
    ("party last week", "party", "2026-11-23", "2026-11-30"),
    ("last weekend", "", "2026-11-28", "2026-11-30"),
    ("last friday", "", "2026-11-27", "2026-11-28"),
    ("last month", "", "2026-10-01", "2026-11-01"),
    ("this year", "", "2026-01-01", "2027-01-01"),
    ("last year", "", "2025-01-01", "2026-01-01"),
    ("past 7 days", "", "2026-11-24", "2026-12-01"),
    ("3 weeks ago", "", "2026-11-09", "2026-11-16"),
    ("a year ago", "", "2025-01-01", "2026-01-01"),
    # English: seasons, holidays, ranges, open ends
    ("beach last summer", "beach", "2026-06-01", "2026-09-01"),
    ("the summer of 2019", "", "2019-06-01", "2019-09-01"),
    ("snow last winter", "snow", "2025-12-01", "2026-03-01"),
    ("winter 2020", "", "2020-12-01", "2021-03-01"),
    ("christmas 2022", "", "2022-12-24", "2022-12-27"),
    ("tree last christmas", "tree", "2025-12-24", "2025-12-27"),
    ("new year's eve 2022", "", "2022-12-31", "2023-01-01T06:00"),
    ("chinese new year 2024", "", "2024-02-09", "2024-02-17"),
    ("2019-2021", "", "2019-01-01", "2022-01-01"),
    ("between 2019 and 2021", "", "2019-01-01", "2022-01-01"),
    ("from March 2020 to May 2021", "", "2020-03-01", "2021-06-01"),
    ("since 2019", "", "2019-01-01", None),
    ("before 2019", "", None, "2019-01-01"),
    ("beach 2019 -people", "beach -people", "2019-01-01", "2020-01-01"),
    # Chinese
    ("2019年", "", "2019-01-01", "2020-01-01"),
    ("2019年的海滩", "海滩", "2019-01-01", "2020-01-01"),
    ("我在2019年拍的海滩", "我拍的海滩", "2019-01-01", "2020-01-01"),
    ("2023年5月", "", "2023-05-01", "2023-06-01"),
    ("2023年五月", "", "2023-05-01", "2023-06-01"),
    ("2023年5月3日", "", "2023-05-03", "2023-05-04"),
    ("5月", "", "2026-05-01", "2026-06-01"),
    ("12月的雪", "雪", "2025-12-01", "2026-01-01"),
    ("昨天", "", "2026-11-29", "2026-11-30"),
    ("上周", "", "2026-11-23", "2026-11-30"),
    ("上周五的聚会", "聚会", "2026-11-27", "2026-11-28"),
    ("上个月", "", "2026-10-01", "2026-11-01"),
    ("今年", "", "2026-01-01", "2027-01-01"),
    ("去年", "", "2025-01-01", "2026-01-01"),
    ("前年", "", "2024-01-01", "2025-01-01"),
    ("近7天", "", "2026-11-24", "2026-12-01"),
    ("三个月前", "", "2026-08-01", "2026-09-01"),
    ("去年夏天的海滩", "海滩", "2025-06-01", "2025-09-01"),
    ("2020年夏天", "", "2020-06-01", "2020-09-01"),
    ("海滩 今年春天", "海滩", "2026-03-01", "2026-06-01"),
    ("去年冬天", "", "2025-12-01", "2026-03-01"),
    ("2022年圣诞节", "", "2022-12-24", "2022-12-27"),
    ("春节 2023", "", "2023-01-21", "2023-01-29"),
    ("去年中秋节", "", "2025-10-06", "2025-10-07"),
    ("2019到2021", "", "2019-01-01", "2022-01-01"),
    ("2019年以来的照片", "照片", "2019-01-01", None),
    ("2019年以前的照片", "照片", None, "2019-01-01"),
]


@pytest.mark.parametrize(("query", "text", "date_from", "date_to"), TABLE, ids=[row[0] for row in TABLE])
def test_phrase(query: str, text: str, date_from: str | None, date_to: str | None) -> None:
    got = parse_query_dates(query, NOW)
    assert (got.text, got.date_from, got.date_to) == (text, at(date_from), at(date_to))
    assert got.matched and got.matched in query


def test_the_table_covers_both_languages() -> None:
    chinese = [q for q, *_ in TABLE if any("\u4e00" <= ch <= "\u9fff" for ch in q)]
    assert len(TABLE) >= 40 and len(chinese) >= 20 and len(TABLE) - len(chinese) >= 20


# A number or a word that only looks like a date inside a description stays in the text (rule: module docstring).
DESCRIPTIONS = [
    "1984 poster",  # a bare year that starts a description
    "2001 a space odyssey",
    "7 eleven",  # small numbers never become dates alone
    "route 66",
    "iPhone 15",
    "24 hours",
    "top 10 beaches",
    "blade runner 2049",  # a year after now's is not a bare year
    "christmas tree",  # a holiday or season alone describes the picture
    "summer dress",
    "圣诞节",
    "夏天的海滩",
    "may flowers",  # a month name alone needs a preposition
    "march for science",
    "1980年代",
    "dog -2019",  # a negated term is never read
]


@pytest.mark.parametrize("query", DESCRIPTIONS)
def test_descriptions_stay_intact(query: str) -> None:
    assert parse_query_dates(query, NOW) == DateQuery(query)


def test_the_chip_label_keeps_the_words_that_bend_the_range() -> None:
    assert parse_query_dates("photos from 2019", NOW).matched == "2019"
    assert parse_query_dates("去年夏天的海滩", NOW).matched == "去年夏天"
    assert parse_query_dates("since last summer", NOW).matched == "since last summer"
    assert parse_query_dates("2019年以来的照片", NOW).matched == "2019年以来"


def test_last_and_this_depend_on_the_season_now() -> None:
    july = datetime(2026, 7, 15, 12)
    assert parse_query_dates("last summer", july).date_from == datetime(2025, 6, 1)
    january = datetime(2027, 1, 10)
    this_winter = parse_query_dates("this winter", january)
    assert (this_winter.date_from, this_winter.date_to) == (datetime(2026, 12, 1), datetime(2027, 3, 1))
    assert parse_query_dates("last christmas", datetime(2026, 12, 25, 9)).date_from == datetime(2025, 12, 24)


def test_lunar_holidays_follow_the_table() -> None:
    # Published dates of 春节 (day one): 2020-01-25, 2023-01-22, 2024-02-10, 2025-01-29, 2026-02-17.
    for year, first_day in [(2020, "2020-01-25"), (2023, "2023-01-22"), (2024, "2024-02-10"), (2025, "2025-01-29")]:
        eve = parse_query_dates(f"{year}年除夕", NOW)
        assert eve.date_to == datetime.fromisoformat(first_day).replace(hour=6)
    assert parse_query_dates("今年春节", NOW).date_from == datetime(2026, 2, 16)
    outside = parse_query_dates("春节 1900", NOW)  # outside the table: only the trailing year is a date
    assert (outside.text, outside.date_from) == ("春节", datetime(1900, 1, 1))


def test_unix_range_is_inclusive_for_filters() -> None:
    got = parse_query_dates("2019", NOW)
    lo, hi = got.unix_range()
    assert lo == datetime(2019, 1, 1).timestamp()
    assert hi is not None and datetime(2019, 12, 31, 23, 59, 59).timestamp() <= hi < datetime(2020, 1, 1).timestamp()
    assert DateQuery("x").unix_range() == (None, None)


def test_a_zoned_now_reads_as_wall_clock() -> None:
    got = parse_query_dates("yesterday", NOW.replace(tzinfo=timezone.utc))
    assert got.date_from == datetime(2026, 11, 29)


def test_dateparser_loads_only_for_day_dates_and_never_reaches_the_network() -> None:
    script = """
import socket, sys
from datetime import datetime
def refuse(*args, **kwargs):
    raise OSError("network used")
socket.socket.connect = refuse
socket.create_connection = refuse
from clipdesk.search.dates import parse_query_dates
now = datetime(2026, 11, 30, 12)
assert parse_query_dates("beach last summer", now).text == "beach"
assert "dateparser" not in sys.modules
got = parse_query_dates("cake 5 March 2021", now)
assert "dateparser" in sys.modules
print(got.text, got.date_from.isoformat())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "cake 2021-03-05T00:00:00"


def test_any_mix_of_date_words_parses_without_error_into_an_ordered_range() -> None:
    words = (  # noqa: SIM905 (a line of words reads better than 95 quoted items)
        "2019 1984 2049 1899 0 7 31 12 in since before after until from between and to - ~ 到 至 年 月 日 号 的 在 从 "
        "以来 以前 last this past ago a couple of one day weeks weekend month years today yesterday march may sept "
        "christmas eve new year's chinese spring summer fall winter of the 去年 今年 大前年 上个 本 这个 周 星期 五 "
        "天 三 十二 两 三三 近 过去 前 春节 中秋 除夕 圣诞节 夏天 5月 13月 2月30日 2023年2月30日 2021-02-30 2021-13-01 "
        "31st 29 feb -2019 , beach 海滩"
    ).split()
    rng = random.Random(0)
    for _ in range(3000):
        query = rng.choice(["", " "]).join(rng.choice(words) for _ in range(rng.randint(1, 6)))
        for now in (NOW, datetime(2024, 2, 29, 23, 59), datetime(2027, 1, 1)):
            got = parse_query_dates(query, now)
            assert got.date_from is None or got.date_to is None or got.date_from < got.date_to, query
            assert got.has_dates == (got.matched is not None), query
