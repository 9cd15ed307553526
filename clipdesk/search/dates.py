"""Date words in a query ("beach last summer", "2019年的海滩") become a date range.

`parse_query_dates(text, now)` finds at most one date phrase (English or Simplified Chinese),
takes it out of the text and returns the range it names. The range is **naive local datetimes,
half-open** [date_from, date_to): the words name calendar days on the photographer's clock, and
EXIF DateTimeOriginal is such a wall-clock time (clipdesk stores it as local unix seconds), so
calendar arithmetic (month ends, leap days, DST) stays exact and readable; `DateQuery.unix_range()`
converts once, at the filter, the way the catalog's `taken_at` was made. `now` is read as wall
clock (a tz-aware value loses its zone).

What it understands: years ("2019", "2019年"), months ("March 2021", "2023年5月", "in March",
"5月" = the latest May that has begun), days ("5 March 2021", "March 5", "2021-03-05", "2023年5月3日",
"5月3日"), relative periods ("today", "yesterday", "last week", "this month", "last year",
"past 7 days", "3 weeks ago", "昨天", "上周", "上周五", "上个月", "今年", "去年", "前年", "近7天",
"三个月前"), seasons and holidays with a year or a relative word ("summer 2020", "last summer",
"去年夏天", "christmas 2022", "last christmas", "春节 2023", "去年中秋"), ranges ("2019-2021",
"2019到2021", "between 2019 and 2021", "March 2020 to May 2021") and open ends ("since 2019",
"before 2019", "after last summer", "2019年以来", "2019年以前").

Conventions: weeks start on Monday; "last week/month/year" is the previous calendar one, "past N
days" the N days ending today; seasons are the northern hemisphere's meteorological ones (spring
Mar-May, summer Jun-Aug, autumn Sep-Nov, winter Dec-Feb) and a winter is named by the year its
December is in ("winter 2020" = Dec 2020 - Feb 2021); "last summer" is the latest summer that has
ended (in November 2026: summer 2026; in July 2026: summer 2025), "this winter" the one running now,
else this year's; 去年/今年/前年 name calendar years (去年夏天 = last year's June-August).
Christmas is Dec 24-26, new year's eve runs to 06:00 on Jan 1 (the party photos), 春节 / Chinese
New Year is the eve to the 7th day (lunar: a 1950-2049 table in calendar_words), 国庆 Oct 1-7, Easter Good
Friday to Easter Monday.

**What keeps descriptions intact** ("1984 poster", "7 eleven", "2001 a space odyssey", "route 66",
"iPhone 15", "24 hours", "christmas tree", "summer dress", "may flowers"):
  - A number alone is a date only as a 4-digit year between 1900 and now's year, and only where a
    year is what it must mean: the whole query, the last word (negative terms aside), after a
    preposition (in, from, during, since, before, after, until, 在, 从, 于), or in a range
    ("2019-2021"). So "1984 poster" keeps 1984 and "poster 1984" does not; "blade runner 2049" keeps
    its future year. Smaller numbers never become dates on their own.
  - An English month name alone needs a preposition ("in may"), a year, a day or last/this.
  - A season or holiday name alone ("summer", "christmas", "圣诞节") stays in the text: it says what
    is in the photo, and every year has one; with a year or a relative word it is a date.
  - Digits with 年/月/日 are always dates ("2019年", "5月"); "1980年代" is not.
  - A negated term ("-2019") is never read.

`dateparser` reads English day dates ("5 March 2021", "March 5th", "sept 11"), and only those: on
this 2-core VM it costs 110-190 ms to import and 320-440 ms more at its first parse (it compiles ~80
regexes), then 1-6 ms a date, while everything else here takes ~0.15 ms a query. So it is imported
on first need, and callers should parse queries off the UI thread. It is always given the language,
so it never detects languages (no fastText/langdetect model) and never downloads anything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .calendar_words import (
    CN_SEASON,
    HOLIDAY_NAMES,
    MONTHS,
    REL_YEAR,
    SEASON_START,
    WEEKDAYS,
    Span,
    day_span,
    holiday_span,
    month_span,
    number,
    season_span,
    shift_months,
    year_span,
)


@dataclass(frozen=True)
class DateQuery:
    text: str  # the query without its date words
    date_from: datetime | None = None  # inclusive, naive local time
    date_to: datetime | None = None  # exclusive
    matched: str | None = None  # the date words as typed, e.g. "last summer"

    @property
    def has_dates(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    def unix_range(self) -> tuple[float | None, float | None]:
        """As search Filters want them: unix seconds, both ends inclusive (EXIF has whole seconds)."""
        lo = self.date_from.timestamp() if self.date_from is not None else None
        hi = self.date_to.timestamp() - 0.001 if self.date_to is not None else None
        return lo, hi


# --- resolving a match -------------------------------------------------------------------------

Occurrence = Callable[[int], "Span | None"]


def _occurrence(thing: str) -> Occurrence | None:
    """'March', 'summer', "new year's eve", '5月', '五月份', '夏天', '春节' -> year -> its span."""
    key = " ".join(re.sub(r"['’.]", "", thing.lower()).split())
    if key in MONTHS:
        return lambda y: month_span(y, MONTHS[key])
    if key in SEASON_START:
        return lambda y: season_span(key, y)
    if key[0] in CN_SEASON and key[1:] in ("天", "季"):
        return lambda y: season_span(CN_SEASON[key[0]], y)
    if key in HOLIDAY_NAMES:
        return lambda y: holiday_span(HOLIDAY_NAMES[key], y)
    if key.endswith(("月", "月份")):
        month = number(key.rstrip("份").rstrip("月").strip())
        return (lambda y: month_span(y, month)) if 1 <= month <= 12 else None
    return None


def _pick(occ: Occurrence, now: datetime, how: str) -> Span | None:
    """'last': the latest that has ended; 'this': the one running now, else this year's; else the latest begun."""
    if how == "this":
        for y in (now.year - 1, now.year):  # last year's winter may still be running
            span = occ(y)
            if span and span[0] <= now < span[1]:
                return span
        return occ(now.year)
    for y in range(now.year, now.year - 3, -1):
        span = occ(y)
        if span and (span[1] <= now if how == "last" else span[0] <= now):
            return span
    return None


def _thing(m: re.Match[str], now: datetime) -> Span | None:
    occ = _occurrence(m["t"])
    g = m.groupdict()
    if occ is None:
        return None
    if g.get("year"):
        return occ(int(g["year"]))
    if g.get("ryear"):
        return occ(now.year - REL_YEAR[g["ryear"].lower()])
    rel = (g.get("rel") or "").lower()
    return _pick(occ, now, {"last": "last", "past": "last", "this": "this"}.get(rel, "recent"))


def _unit(word: str) -> str:
    word = word.lower().rstrip("s")
    cn = {"天": "day", "日": "day", "周末": "weekend", "月": "month", "年": "year"}
    return cn.get(word.lstrip("个"), "week" if word[-1:] in "周期拜" else word)


def _period(unit: str, now: datetime, back: int) -> Span:
    """The calendar day/week/weekend/month/year `back` steps before the one holding now."""
    today = now.date()
    monday = today - timedelta(days=today.weekday() + 7 * back)
    if unit == "day":
        return day_span(today - timedelta(days=back))
    if unit in ("week", "weekend"):
        return day_span(monday, 7) if unit == "week" else day_span(monday + timedelta(days=5), 2)
    if unit == "month":
        first = shift_months(today.replace(day=1), -back)
        return month_span(first.year, first.month)
    return year_span(now.year - back)


def _relative(m: re.Match[str], now: datetime) -> Span | None:
    g = m.groupdict()
    rel = g["rel"].lower()
    unit = g["unit"]
    if unit[-1] in "一二三四五六日天" and unit[0] in "周星礼":  # 上周五: a day of that week
        monday = _period("week", now, rel.startswith("上"))[0]
        return day_span((monday + timedelta(days=min("一二三四五六日天".index(unit[-1]), 6))).date())
    return _period(_unit(unit), now, rel in ("last", "上", "上个"))


def _count(m: re.Match[str], now: datetime) -> Span | None:
    """'past 7 days' / '近7天' (the N ending today), '3 weeks ago' / '三个月前' (that calendar unit)."""
    g = m.groupdict()
    n, unit = number(g["n"]) if g.get("n") else 1, _unit(m["unit"])
    if not 0 < n < 200 or unit == "weekend":
        return None
    if g.get("ago"):
        return _period(unit, now, n)
    today = now.date()
    if unit in ("day", "week"):
        start = today - timedelta(days=n * (7 if unit == "week" else 1) - 1)
    else:
        start = shift_months(today, -n * (12 if unit == "year" else 1)) + timedelta(days=1)
    return day_span(start, (today - start).days + 1)


def _fixed_day(m: re.Match[str], now: datetime) -> Span | None:
    back = {"today": 0, "今天": 0, "今日": 0, "yesterday": 1, "昨天": 1, "昨日": 1, "前天": 2}.get(m[0].lower(), 2)
    return _period("day", now, back)


def _weekday(m: re.Match[str], now: datetime) -> Span | None:
    back = (now.weekday() - WEEKDAYS[m["wd"].lower()] - 1) % 7 + 1  # strictly before today
    return day_span(now.date() - timedelta(days=back))


def _year_words(m: re.Match[str], now: datetime) -> Span | None:
    return year_span(now.year - REL_YEAR[m[0]]) if m[0] in REL_YEAR else year_span(int(m["year"]))


def _bare_year(m: re.Match[str], now: datetime) -> Span | None:
    y = int(m["year"])
    return year_span(y) if 1900 <= y <= now.year else None


def _numeric_day(m: re.Match[str], now: datetime) -> Span | None:
    g = m.groupdict()
    y = int(g["year"]) if g.get("year") else None
    if y is None and g.get("ryear"):
        y = now.year - REL_YEAR[g["ryear"]]
    month, day = number(m["m"]), number(m["d"])
    for year in [y] if y else [now.year, now.year - 1]:  # no year: the latest that has begun
        try:
            span = day_span(date(year, month, day))
        except ValueError:
            return None
        if y or span[0] <= now:
            return span
    return None


def _english_day(m: re.Match[str], now: datetime) -> Span | None:
    import dateparser  # lazily: ~50-70 ms to import, and most queries have no day date

    settings: Any = {"RELATIVE_BASE": now, "PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["day", "month"]}
    try:
        parsed = dateparser.parse(m[0], languages=["en"], settings=settings)
    except (ValueError, OverflowError):  # a day the calendar lacks ("31 feb") is no date, not an error
        return None
    return day_span(parsed.date()) if parsed is not None else None


# --- the grammar -------------------------------------------------------------------------------

Resolver = Callable[[re.Match[str], datetime], "Span | None"]
_YEAR = r"(?<!\d)(?P<year>(?:18|19|20)\d\d)(?!\d)"
_EN_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_EN_HOLIDAY = (
    r"christmas\s+eve|christmas\s+day|christmas|xmas|new\s+year['’]?s\s+eve|new\s+year['’]?s(?:\s+day)?|new\s+year|"
    r"halloween|valentine['’]?s(?:\s+day)?|easter|thanksgiving|(?:chinese|lunar)\s+new\s+year|spring\s+festival|"
    r"mid-autumn\s+festival|moon\s+festival"
)
_EN_THING = rf"(?P<t>{_EN_HOLIDAY}|(?:{_EN_MONTH})\.?|spring|summer|autumn|fall|winter)"
_EN_NUM = r"\d{1,3}|a\s+couple\s+of|couple\s+of|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
_EN_UNIT = r"(?P<unit>days?|weeks?|months?|years?)"
_CN_RYEAR = r"(?P<ryear>大前年|前年|去年|今年)"
_CN_MONTH = r"1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九]"
_CN_DAY = r"(?P<d>3[01]|[12]\d|0?[1-9]|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_CN_HOL = "|".join(sorted((k for k in HOLIDAY_NAMES if not k.isascii()), key=len, reverse=True))
_CN_THING = rf"(?P<t>{_CN_HOL}|[春夏秋冬][天季]|(?:{_CN_MONTH})\s*月份?)"
_CN_NUM = r"(?<!\d)(?P<n>\d{1,3}|[一二两三四五六七八九十]+)\s*"

_ENGLISH: list[tuple[str, Resolver, str]] = [  # (pattern, resolver, bare: accepted only in a date-like context)
    (rf"(?:the\s+)?{_EN_THING}(?:\s+of)?,?\s+{_YEAR}", _thing, ""),
    (rf"{_YEAR}\s+{_EN_THING}", _thing, ""),
    (rf"(?P<rel>last|this|past)\s+{_EN_THING}", _thing, ""),
    (rf"{_EN_THING}\s+(?P<ryear>last|this)\s+year", _thing, ""),
    (rf"(?P<ryear>last|this)\s+year['’]?s\s+{_EN_THING}", _thing, ""),
    (rf"(?P<t>{_EN_MONTH})", _thing, "month"),
    (rf"\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_EN_MONTH})\.?(?:,?\s+{_YEAR})?", _english_day, ""),
    (rf"(?:{_EN_MONTH})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?!\d)(?:,?\s+{_YEAR})?", _english_day, ""),
    (rf"{_YEAR}[-/.](?P<m>1[0-2]|0?[1-9])[-/.](?P<d>3[01]|[12]\d|0?[1-9])(?!\d)", _numeric_day, ""),
    (rf"{_YEAR}[-/](?P<t>0[1-9]|1[0-2])(?![\d/-])", lambda m, now: month_span(int(m["year"]), int(m["t"])), ""),
    (r"today|yesterday|(?:the\s+)?day\s+before\s+yesterday", _fixed_day, ""),
    (r"(?P<rel>this|last)\s+(?P<unit>week|weekend|month|year)", _relative, ""),
    (rf"(?:the\s+)?(?:past|last)\s+(?P<n>{_EN_NUM})\s+{_EN_UNIT}", _count, ""),
    (r"(?:the\s+)?past\s+(?P<unit>day|week|month|year)", _count, ""),
    (rf"(?P<n>{_EN_NUM})\s+{_EN_UNIT}\s+(?P<ago>ago)", _count, ""),
    (rf"last\s+(?P<wd>{'|'.join(WEEKDAYS)})", _weekday, ""),
    (_YEAR, _bare_year, "year"),
]
_CHINESE: list[tuple[str, Resolver, str]] = [
    (rf"{_YEAR}\s*年\s*(?:的\s*)?{_CN_THING}", _thing, ""),
    (rf"{_CN_RYEAR}\s*(?:的\s*)?{_CN_THING}", _thing, ""),
    (rf"(?P<t>{_CN_HOL}|[春夏秋冬][天季])\s*{_YEAR}(?:\s*年)?", _thing, ""),
    (r"(?<!\d)(?P<t>(?:1[0-2]|0?[1-9])\s*月份?)", _thing, ""),
    (
        rf"(?<!\d)(?:{_YEAR}\s*年\s*|{_CN_RYEAR}\s*)?(?P<m>{_CN_MONTH})\s*月\s*{_CN_DAY}\s*[日号]",
        _numeric_day,
        "",
    ),
    (rf"{_YEAR}\s*年(?!代)|大前年|前年|去年|今年", _year_words, ""),
    (r"今天|今日|昨天|昨日|前天", _fixed_day, ""),
    (r"(?<!日)(?P<rel>本|这个?|上个?)\s*(?P<unit>周末|(?:周|星期|礼拜)[一二三四五六日天]?|月)", _relative, ""),
    (rf"(?:最近|近|过去的?)\s*{_CN_NUM}(?P<unit>天|日|周|个?星期|个?礼拜|个月|年)", _count, ""),
    (rf"{_CN_NUM}(?P<unit>天|周|个?星期|个?礼拜|个月|年)\s*(?P<ago>以?前)", _count, ""),
]
_RULES = [(re.compile(rf"(?<![A-Za-z0-9])(?:{p})(?![A-Za-z0-9])", re.I), f, b) for p, f, b in _ENGLISH] + [
    (re.compile(p), f, b) for p, f, b in _CHINESE
]
_RANGE_GAP = re.compile(r"\s*(?:-|–|—|~|～|to|until|till|through|thru|到|至)\s*", re.I)
_AND_GAP = re.compile(r"\s*(?:and|与|和)\s*", re.I)
_EN_BEFORE = re.compile(r"(?:^|(?<=\s))(?P<w>since|after|before|until|till|in|on|from|during|at|between)\s*$", re.I)
_CN_BEFORE = re.compile(r"(?:自从|自|从|在|于)\s*$")
_CN_AFTER = re.compile(r"^\s*(?P<w>以来|以后|之后|以前|之前|期间|之间)?\s*(?:的时候|时候|时|的)?")
_NEGATIVE = re.compile(r'(?:^|\s)-"[^"]*"|(?:^|\s)-\S+')
_PREPOSITIONS = ("in", "from", "during", "since", "before", "after", "until", "till", "在", "从", "于", "自")


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    span: Span
    bare: str = ""


def _hits(text: str, now: datetime) -> list[_Hit]:
    hits = []
    for pattern, resolve, bare in _RULES:
        for m in pattern.finditer(text):
            at = m.start()
            negated = at > 0 and text[at - 1] == "-" and (at == 1 or text[at - 2].isspace())
            span = None if negated else resolve(m, now)
            if span is not None:
                hits.append(_Hit(m.start(), m.end(), span, bare))
    return hits


def _ranges(text: str, hits: list[_Hit]) -> list[_Hit]:
    """Two dates joined by '-', 'to', '到'... (or 'between .. and ..') make one range."""
    out = []
    for a in hits:
        for b in hits:
            if a.end > b.start or a.span[0] >= b.span[1]:
                continue
            gap = text[a.end : b.start]
            between = _AND_GAP.fullmatch(gap) and re.search(r"between\s*$", text[: a.start], re.I)
            if _RANGE_GAP.fullmatch(gap) or between:
                out.append(_Hit(a.start, b.end, (a.span[0], b.span[1])))
    return out


def _accepted(hit: _Hit, text: str) -> bool:
    """A bare year or month name counts only where it must be a date (see the module docstring)."""
    if not hit.bare:
        return True
    before = text[: hit.start].rstrip()
    previous = before.split()[-1].lower() if before.split() else ""
    if previous in _PREPOSITIONS or before.endswith(_PREPOSITIONS[-4:]):
        return True
    rest = _NEGATIVE.sub(" ", text[hit.end :]).strip(" ,.;:!?，。；")
    return hit.bare == "year" and not rest


def _cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def parse_query_dates(text: str, now: datetime) -> DateQuery:
    """'beach last summer' -> DateQuery('beach', 2026-06-01, 2026-09-01, 'last summer') (now in Nov 2026)."""
    now = now.replace(tzinfo=None)
    hits = _hits(text, now)
    candidates = _ranges(text, hits) + [h for h in hits if _accepted(h, text)]
    if not candidates:
        return DateQuery(" ".join(text.split()))
    best = max(candidates, key=lambda h: (h.end - h.start, -h.start))
    start, end = best.start, best.end
    label_start, label_end = start, end  # the chip's words: the date and what bends it ("since"), no "in"/"的"
    lo: datetime | None
    hi: datetime | None
    lo, hi = best.span
    bent = False  # one word may bend the range: "since 2019", or "2019年以来", not both
    if m := _EN_BEFORE.search(text[:start]):
        start = m.start()
        word = m["w"].lower()
        if word in ("since", "after", "before", "until", "till", "between"):
            label_start = start
            bent = word != "between"
        lo, hi = {"since": (lo, None), "after": (hi, None), "before": (None, lo)}.get(word, (lo, hi))
        lo, hi = (None, hi) if word in ("until", "till") else (lo, hi)
    elif m := _CN_BEFORE.search(text[:start]):
        start = m.start()
        label_start = start if m[0].startswith("自") else label_start
    if (m := _CN_AFTER.match(text[end:])) and not bent:
        label_end = end + (m.end("w") if m["w"] else 0)
        end += m.end()
        word = m["w"] or ""
        lo, hi = {"以来": (lo, None), "以后": (hi, None), "之后": (hi, None)}.get(word, (lo, hi))
        lo, hi = (None, lo) if word in ("以前", "之前") else (lo, hi)
    left, right = text[:start].rstrip(), text[end:].lstrip()
    joiner = "" if left and right and _cjk(left[-1]) and _cjk(right[0]) else " "
    rest = " ".join((left + joiner + right).split()).strip(" ,;:，、。；")
    return DateQuery(rest, lo, hi, text[label_start:label_end].strip())
