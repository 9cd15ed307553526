"""Calendar words for query dates: spans of days, months, seasons and holidays; month names; numbers.

Spans are naive local datetimes, half-open [start, end). Seasons are the northern hemisphere's
meteorological ones, a winter named by the year of its December. Chinese New Year and Mid-Autumn
follow the lunar calendar: a table for 1950-2049 (outside it those two holidays are not dates).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

Span = tuple[datetime, datetime]


def day_span(d: date, days: int = 1) -> Span:
    start = datetime(d.year, d.month, d.day)
    return start, start + timedelta(days=days)


def month_span(y: int, m: int) -> Span:
    return datetime(y, m, 1), datetime(y + m // 12, m % 12 + 1, 1)


def year_span(y: int) -> Span:
    return datetime(y, 1, 1), datetime(y + 1, 1, 1)


def shift_months(d: date, k: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + k, 12)
    for day in (d.day, 30, 29, 28):  # the 31st of a shorter month clamps to its end
        try:
            return date(y, m + 1, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


SEASON_START = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
CN_SEASON = {"春": "spring", "夏": "summer", "秋": "autumn", "冬": "winter"}


def season_span(name: str, y: int) -> Span:
    start = datetime(y, SEASON_START[name], 1)
    return start, datetime(y + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)


# Chinese New Year (正月初一) and Mid-Autumn (八月十五), MMDD, from the lunar calendar (lunardate 0.3).
_CNY = """1950: 0217 0206 0127 0214 0203 0124 0212 0131 0218 0208
1960: 0128 0215 0205 0125 0213 0202 0121 0209 0130 0217
1970: 0206 0127 0215 0203 0123 0211 0131 0218 0207 0128
1980: 0216 0205 0125 0213 0202 0220 0209 0129 0217 0206
1990: 0127 0215 0204 0123 0210 0131 0219 0207 0128 0216
2000: 0205 0124 0212 0201 0122 0209 0129 0218 0207 0126
2010: 0214 0203 0123 0210 0131 0219 0208 0128 0216 0205
2020: 0125 0212 0201 0122 0210 0129 0217 0206 0126 0213
2030: 0203 0123 0211 0131 0219 0208 0128 0215 0204 0124
2040: 0212 0201 0122 0210 0130 0217 0206 0126 0214 0202"""
_MID_AUTUMN = """1950: 0926 0915 1003 0922 0911 0930 0919 0908 0927 0917
1960: 1005 0924 0913 1002 0920 0910 0929 0918 1006 0926
1970: 0915 1003 0922 0911 0930 0920 0908 0927 0916 1005
1980: 0923 0912 1001 0921 0910 0929 0918 1007 0925 0914
1990: 1003 0922 0911 0930 0920 0909 0927 0916 1005 0924
2000: 0912 1001 0921 0911 0928 0918 1006 0925 0914 1003
2010: 0922 0912 0930 0919 0908 0927 0915 1004 0924 0913
2020: 1001 0921 0910 0929 0917 1006 0925 0915 1003 0922
2030: 0912 1001 0919 0908 0927 0916 1004 0924 0913 1002
2040: 0920 0910 0928 0917 1005 0925 0915 1004 0922 0911"""


def _lunar_table(text: str) -> dict[int, date]:
    out = {}
    for line in text.splitlines():
        decade, days = line.split(":")
        for i, mmdd in enumerate(days.split()):
            y = int(decade) + i
            out[y] = date(y, int(mmdd[:2]), int(mmdd[2:]))
    return out


_LUNAR = {"cny": _lunar_table(_CNY), "mid_autumn": _lunar_table(_MID_AUTUMN)}


def _easter(y: int) -> date:  # Anonymous Gregorian algorithm (Meeus/Jones/Butcher)
    a, b, c = y % 19, y // 100, y % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(y, month, day + 1)


def holiday_span(key: str, y: int) -> Span | None:
    small_hours = timedelta(hours=6)  # a night's party goes on past midnight
    if key in ("cny", "cny_eve", "lantern", "mid_autumn"):
        table = _LUNAR["mid_autumn" if key == "mid_autumn" else "cny"]
        if y not in table:
            return None
        d = table[y]
        if key == "cny":
            return day_span(d - timedelta(days=1), 8)  # 除夕 to 初七
        if key == "cny_eve":
            return day_span(d - timedelta(days=1))[0], day_span(d)[0] + small_hours
        return day_span(d + timedelta(days=14) if key == "lantern" else d)
    if key == "nye":
        return datetime(y, 12, 31), datetime(y + 1, 1, 1) + small_hours
    if key == "easter":
        return day_span(_easter(y) - timedelta(days=2), 4)
    if key == "thanksgiving":  # US: the fourth Thursday of November
        first = date(y, 11, 1)
        return day_span(first + timedelta(days=(3 - first.weekday()) % 7 + 21))
    month, day, days = _FIXED_HOLIDAYS[key]
    return day_span(date(y, month, day), days)


_FIXED_HOLIDAYS = {
    "christmas": (12, 24, 3),
    "christmas_eve": (12, 24, 1),
    "christmas_day": (12, 25, 1),
    "new_year": (1, 1, 1),
    "halloween": (10, 31, 1),
    "valentines": (2, 14, 1),
    "national_day": (10, 1, 7),
}
HOLIDAY_NAMES = {
    "christmas": "christmas", "xmas": "christmas", "christmas eve": "christmas_eve",
    "christmas day": "christmas_day", "new years eve": "nye", "new years": "new_year",
    "new years day": "new_year", "new year": "new_year", "halloween": "halloween",
    "valentines": "valentines", "valentines day": "valentines", "easter": "easter",
    "thanksgiving": "thanksgiving", "chinese new year": "cny", "lunar new year": "cny",
    "spring festival": "cny", "mid-autumn festival": "mid_autumn", "moon festival": "mid_autumn",
    "圣诞节": "christmas", "圣诞": "christmas", "平安夜": "christmas_eve", "元旦": "new_year",
    "除夕": "cny_eve", "春节": "cny", "元宵节": "lantern", "元宵": "lantern", "中秋节": "mid_autumn",
    "中秋": "mid_autumn", "国庆节": "national_day", "国庆": "national_day", "情人节": "valentines",
    "万圣节": "halloween", "感恩节": "thanksgiving", "复活节": "easter",
}  # fmt: skip
MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            "january jan",
            "february feb",
            "march mar",
            "april apr",
            "may",
            "june jun",
            "july jul",
            "august aug",
            "september sept sep",
            "october oct",
            "november nov",
            "december dec",
        ]
    )
    for name in names.split()
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_EN_NUMBERS = [
    "a",
    "an",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]
REL_YEAR = {"this": 0, "last": 1, "今年": 0, "去年": 1, "前年": 2, "大前年": 3}


def number(word: str) -> int:
    """'7', 'two', 'a couple of', '十二', '两' -> int; 0 for what it cannot read ('三三')."""
    word = " ".join(word.lower().split())
    if word.isdigit():
        return int(word)
    if "couple" in word:
        return 2
    if word in _EN_NUMBERS:
        return max(1, _EN_NUMBERS.index(word) - 1)
    tens, _, ones = word.rpartition("十")
    if "十" in word:
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + _CN_DIGITS.get(ones, 0)
    return _CN_DIGITS.get(word, 0)
