"""The PostgreSQL adapter: a `tsvector` per entry, built from the app's German analysis.

The vector is written as a literal (lexeme, position, weight), not by `to_tsvector`: the
analysis happens in Python (`search.analysis`), identically for every adapter, and PostgreSQL's
`simple` configuration only reads what it is given. Weights: A the name or title, B the text,
C compound parts, D phonetic name keys. Positions run through title and text with a gap between
them, so phrases match inside one field. A GIN index serves `@@` for rare words; for common
ones the search walks the date index newest first (`LexemeStats`, `newest_matching`);
`ts_rank_cd` ranks only the bounded candidate set. Searches run without JIT and with custom
plans (`_search_session`). Measured on 2.5 million entries: `bench/search_api.py`.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from search.analysis import Analyzer
from search.database import AnalyzedDocument, DatabaseSearchBackend
from search.query import Match, ParsedQuery, SearchRequest

MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 255
# ts_rank_cd weights for D, C, B, A.
RANK_WEIGHTS = "{0.05, 0.2, 0.4, 1.0}"
RANK_NORMALIZATION = 1  # divide by 1 + log(length): long texts do not win by length alone
# Walk the date index (newest first, checking each entry) instead of collecting every match
# when a query may match at least this share of the index (see `LexemeStats`). Measured on
# 2.5 million entries: collecting and sorting 15,000 matches took 17 ms, walking for the
# newest 1,100 of them 80 ms; at 26,000 matches 99 against 38 ms.
WALK_ABOVE_SHARE = 0.008
STATS_SECONDS = 300
STAGED = (
    "kind, object_id, community_id, author_id, department_id, post_id, created_at, title, "
    "body, vector"
)


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# "1A", "2A", ... made once: formatting a position per lexeme occurrence was a tenth of a
# rebuild. Texts rarely run past a thousand words; later positions are formatted as needed.
_SLOTS = {weight: [f"{position}{weight}" for position in range(1024)] for weight in "ABCD"}


def tsvector_literal(analyzed: AnalyzedDocument) -> str:
    positions: dict[str, list[str]] = {}
    position = 1
    fields = (
        ("A", analyzed.title, 2),  # a gap of 2: no phrase across the title/body boundary
        ("B", analyzed.body, 2),
        ("C", analyzed.parts, 0),
        ("D", analyzed.names, 0),
    )
    for weight, terms, gap in fields:
        slots = _SLOTS[weight]
        for lexeme in terms:
            slot = slots[position] if position < 1024 else f"{min(position, MAX_POSITION)}{weight}"
            found = positions.get(lexeme)
            if found is None:
                positions[lexeme] = [slot]
            elif len(found) < MAX_POSITIONS_PER_LEXEME:
                found.append(slot)
            position += 1
        position += gap
    # Lexemes never contain quotes or backslashes (search.analysis); quoted anyway if one did.
    return " ".join(
        f"'{lexeme}':{','.join(slots)}"
        if "'" not in lexeme and "\\" not in lexeme
        else f"{_quote(lexeme)}:{','.join(slots)}"
        for lexeme, slots in positions.items()
    )


def _match(match: Match, titles_only: bool) -> str:
    weight = "A" if titles_only else ""
    if match.kind == "prefix":
        return f"{_quote(match.lexemes[0])}:*{weight}"
    spelled = [f"{_quote(lexeme)}{':' + weight if weight else ''}" for lexeme in match.lexemes]
    if match.kind == "term":
        return spelled[0]
    return "(" + (" <-> " if match.kind == "phrase" else " & ").join(spelled) + ")"


def tsquery(parsed: ParsedQuery, titles_only: bool = False) -> str:
    clauses = []
    for clause in parsed.clauses:
        options = " | ".join(_match(option, titles_only) for option in clause.options)
        clauses.append(f"!({options})" if clause.negated else f"({options})")
    return " & ".join(clauses)


class LexemeStats:
    """How common lexemes are in the index, from PostgreSQL's own statistics of the vector
    column (`pg_stats.most_common_elems`: the lexemes in at least about 0.1 % of the entries,
    refreshed by ANALYZE), read at most every `STATS_SECONDS` per process.

    PostgreSQL estimates a phrase or an AND as if its words were independent: for
    `"in Raum 2.14"` it expected 2,500 matches of the 253,000 there are (the three words
    always come together), collected and rechecked all of them and took 620 ms where walking
    the date index takes 13. `estimated_share` does not assume that for phrases (at most as
    often as the rarest word); the parts of a compound, which may stand anywhere in a text,
    are taken as independent; alternatives of one word (its forms, its parts) mostly match
    the same entries, so the commonest counts, while prefixes add up.
    """

    def __init__(self) -> None:
        self.read_at = -STATS_SECONDS * 2.0
        self.shares: dict[str, float] = {}
        self.floor = 0.0  # without statistics, PostgreSQL decides alone

    def refresh(self) -> None:
        now = time.monotonic()
        if now - self.read_at < STATS_SECONDS:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = 'search_searchentry' "
                "AND attname = 'vector'"
            )
            row = cursor.fetchone()
        self.read_at = now
        if row is None or not row[0]:
            self.shares, self.floor = {}, 0.0
            return
        lexemes, freqs = row
        # The frequencies end with the minimum and maximum of the list and the share of
        # empty vectors; a lexeme not in the list is rarer than the least common one in it.
        self.shares = dict(zip(lexemes, freqs[: len(lexemes)], strict=True))
        self.floor = float(freqs[len(lexemes)])

    def share(self, lexeme: str) -> float:
        return self.shares.get(lexeme, self.floor)

    def estimated_share(self, parsed: ParsedQuery) -> float:
        """About this share of the index matches `parsed` (negations ignored)."""
        self.refresh()
        estimate = 1.0
        for clause in parsed.positive:
            words = prefixes = 0.0
            for option in clause.options:
                if option.kind == "prefix":
                    prefix = option.lexemes[0]
                    prefixes += sum(
                        share for lexeme, share in self.shares.items() if lexeme.startswith(prefix)
                    )
                elif option.kind == "all":
                    words = max(words, math.prod(self.share(x) for x in option.lexemes))
                else:  # a term or a phrase
                    words = max(words, min(self.share(x) for x in option.lexemes))
            estimate = min(estimate, words + prefixes)
        return min(estimate, 1.0)


def _walks_well(request: SearchRequest, titles_only: bool) -> bool:
    """Whether walking the date index finds this request's matches quickly when the words
    are common: not when a filter (a kind without posts and comments, a place, an author,
    dates) leaves most entries of the walk out."""
    return not (
        titles_only
        or (request.kinds and not {"post", "comment"} & set(request.kinds))
        or request.community is not None
        or request.department is not None
        or request.author is not None
        or request.hashtag
        or request.since is not None
        or request.until is not None
    )


@contextlib.contextmanager
def _search_session() -> Iterator[None]:
    """A transaction whose settings suit search queries, whatever the server's defaults.

    - No JIT: the permission filter's subqueries make the planner's cost estimates large, so
      PostgreSQL compiled every search with LLVM (`jit_above_cost`), 0.1-2.3 s per query
      for a query that runs in milliseconds.
    - Custom plans only: with prepared statements (`DATABASE_PREPARE_THRESHOLD`) PostgreSQL
      may switch a statement to one generic plan for every tsquery, and how many entries a
      tsquery matches decides the plan (walk the date index for frequent words, collect and
      sort the matches of rare ones): a generic plan took 0.6-1.2 s for either kind.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('jit', 'off', true), "
            "set_config('plan_cache_mode', 'force_custom_plan', true)"
        )
        yield


class PostgresSearchBackend(DatabaseSearchBackend):
    name = "postgres"

    def __init__(self, analyzer: Analyzer | None = None, name_matching: bool = True) -> None:
        super().__init__(analyzer, name_matching)
        self.stats = LexemeStats()

    def write(self, analyzed: list[AnalyzedDocument]) -> None:
        """COPY the rows into a temporary table, then one INSERT ... ON CONFLICT from there.
        A statement per row (`executemany`) made writing a quarter of a full rebuild; 2,000
        rows now take about 20 ms (5 ms of it in Python)."""
        if not analyzed:
            return
        now = timezone.now()
        # One row per entry: ON CONFLICT DO UPDATE may touch a row only once per statement.
        latest = {a.doc.key: a for a in analyzed}
        with transaction.atomic(), connection.cursor() as cursor:
            # Dropped at commit, so nothing outlives the transaction (also behind PgBouncer).
            cursor.execute(
                "CREATE TEMPORARY TABLE IF NOT EXISTS search_staging ("
                " kind text, object_id bigint, community_id bigint, author_id bigint,"
                " department_id bigint, post_id bigint, created_at timestamptz, title text,"
                " body text, vector text) ON COMMIT DROP"
            )
            with cursor.copy(f"COPY search_staging ({STAGED}) FROM STDIN") as copy:
                for a in latest.values():
                    doc = a.doc
                    copy.write_row(
                        (
                            doc.kind,
                            doc.object_id,
                            doc.community_id,
                            doc.author_id,
                            doc.department_id,
                            doc.post_id,
                            doc.created_at,
                            doc.title,
                            doc.body,
                            tsvector_literal(a),
                        )
                    )
            cursor.execute(
                f"""
                INSERT INTO search_searchentry ({STAGED}, indexed_at)
                SELECT kind, object_id, community_id, author_id, department_id, post_id,
                    created_at, title, body, vector::tsvector, %s
                FROM search_staging
                ON CONFLICT (kind, object_id) DO UPDATE SET
                    community_id = EXCLUDED.community_id, author_id = EXCLUDED.author_id,
                    department_id = EXCLUDED.department_id, post_id = EXCLUDED.post_id,
                    created_at = EXCLUDED.created_at, title = EXCLUDED.title,
                    body = EXCLUDED.body, indexed_at = EXCLUDED.indexed_at,
                    vector = EXCLUDED.vector
                """,  # noqa: S608 - STAGED is a constant
                [now],
            )
            cursor.execute("TRUNCATE search_staging")  # empty for the next batch

    def reading(self) -> contextlib.AbstractContextManager[object]:
        return _search_session()

    def newest_matching(
        self, entries: QuerySet, parsed: ParsedQuery, titles_only: bool, request: SearchRequest
    ) -> QuerySet:
        """For queries that may match many entries, the match is spelled as a function call
        (`ts_match_vq`, what `@@` runs) that the planner neither estimates nor serves from
        the GIN index: it then walks the date index newest first and stops at the candidate
        bound, whatever it would have guessed about the words (`LexemeStats`)."""
        if not (
            _walks_well(request, titles_only)
            and self.stats.estimated_share(parsed) >= WALK_ABOVE_SHARE
        ):
            return self.matching(entries, parsed, titles_only)
        return entries.extra(
            where=["ts_match_vq(search_searchentry.vector, to_tsquery('simple', %s))"],
            params=[tsquery(parsed, titles_only)],
        )

    def delete_text(self, entry_ids: list[int]) -> None:
        """The vector is a column of the entry: it goes with the row."""

    def matching(self, entries: QuerySet, parsed: ParsedQuery, titles_only: bool) -> QuerySet:
        query = tsquery(parsed, titles_only)
        return entries.extra(
            select={
                "score": "ts_rank_cd(%s::float4[], search_searchentry.vector, "
                "to_tsquery('simple', %s), %s)"
            },
            select_params=[RANK_WEIGHTS, query, RANK_NORMALIZATION],
            where=["search_searchentry.vector @@ to_tsquery('simple', %s)"],
            params=[query],
        )
