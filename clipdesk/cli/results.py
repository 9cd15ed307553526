"""How `clipdesk search` and `clipdesk similar` choose and print their results.

Default output: the best matches, then a line "Other results" and the rest of the page; when nothing
stands out, "No close matches: showing the nearest" comes first. `--min-score X` makes the best
matches those scoring at least X instead of the adaptive cut; `--all` prints one plain ranking.

`--json` (stable keys; new keys may be added):
  {"results": [{"id", "path", "score", "taken_at", "width", "height", "format", "offline",
                "best": true | false | null (null: --all)}...],
   "offset", "has_more",
   "best_count": how many of the ranking's first results are best matches (null with --all),
   "text_encoder": the model id that encoded the text (null: no text),
   "query": {"text", "date_from", "date_to", "date_phrase", "negatives"} (null: no text)}
The query's dates are local date-times, half-open: [date_from, date_to).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from ..config import QUERY_LANGUAGES

if TYPE_CHECKING:
    from ..search import SearchPage

NO_CLOSE_MATCHES = "No close matches: showing the nearest"
OTHER_RESULTS = "Other results"


def add_ranking_options(p: argparse.ArgumentParser) -> None:
    split = p.add_mutually_exclusive_group()
    split.add_argument(
        "--min-score",
        type=float,
        metavar="X",
        help="best matches are those scoring at least X (default: decided per query against the whole library)",
    )
    split.add_argument("--all", action="store_true", help="one plain ranking: no best matches / other results split")


def add_language_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--query-languages",
        choices=QUERY_LANGUAGES,
        help="which text encoder reads the query: auto (English: CLIP's own, others: the multilingual one), "
        "english, multilingual (default: the stored setting, env CLIPDESK_QUERY_LANGUAGES, else auto)",
    )


def page_json(page: SearchPage, split: bool) -> dict:
    results = []
    for hit in page.hits:
        row = hit.to_json()
        row["best"] = hit.best if split else None
        results.append(row)
    return {
        "results": results,
        "offset": page.offset,
        "has_more": page.has_more,
        "best_count": page.best_count,
        "text_encoder": page.text_encoder,
        "query": page.query.to_json() if page.query is not None else None,
    }


def empty_json(offset: int) -> dict:
    return {"results": [], "offset": offset, "has_more": False, "best_count": None, "text_encoder": None, "query": None}


def print_page(args: argparse.Namespace, page: SearchPage) -> None:
    if args.json:
        print(json.dumps(page_json(page, split=page.best_count is not None), indent=2))
        return
    split = page.best_count is not None
    divided = False
    for rank, hit in enumerate(page.hits, start=page.offset + 1):
        if split and not hit.best and not divided:
            print(NO_CLOSE_MATCHES if page.best_count == 0 and page.offset == 0 else OTHER_RESULTS)
            divided = True
        flag = "  (offline)" if hit.offline else ""
        print(f"{rank:>4}  {hit.score:6.3f}  {hit.path}{flag}")
