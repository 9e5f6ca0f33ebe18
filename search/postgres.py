"""The PostgreSQL adapter: a `tsvector` per entry, built from the app's German analysis.

The vector is written as a literal (lexeme, position, weight), not by `to_tsvector`: the
analysis happens in Python (`search.analysis`), identically for every adapter, and PostgreSQL's
`simple` configuration only reads what it is given. Weights: A the name or title, B the text,
C compound parts, D phonetic name keys. Positions run through title and text with a gap between
them, so phrases match inside one field. A GIN index serves `@@`; `ts_rank_cd` ranks the
bounded candidate set.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from search.database import AnalyzedDocument, DatabaseSearchBackend
from search.query import Match, ParsedQuery

MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 255
# ts_rank_cd weights for D, C, B, A.
RANK_WEIGHTS = "{0.05, 0.2, 0.4, 1.0}"
RANK_NORMALIZATION = 1  # divide by 1 + log(length): long texts do not win by length alone


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


# "1A" ... "16383D", made once: formatting a position per lexeme occurrence was a tenth of a
# rebuild.
_SLOTS = {
    weight: [f"{position}{weight}" for position in range(MAX_POSITION + 1)] for weight in "ABCD"
}


def tsvector_literal(analyzed: AnalyzedDocument) -> str:
    positions: dict[str, list[str]] = {}
    position = 1
    for weight, terms in (("A", analyzed.title), ("B", analyzed.body), ("C", analyzed.parts)):
        slots = _SLOTS[weight]
        for lexeme in terms:
            found = positions.get(lexeme)
            if found is None:
                positions[lexeme] = [slots[min(position, MAX_POSITION)]]
            elif len(found) < MAX_POSITIONS_PER_LEXEME:
                found.append(slots[min(position, MAX_POSITION)])
            position += 1
        if weight != "C":
            position += 2  # no phrase across the title/body boundary
    slots = _SLOTS["D"]
    for lexeme in analyzed.names:
        found = positions.get(lexeme)
        if found is None:
            positions[lexeme] = [slots[min(position, MAX_POSITION)]]
        elif len(found) < MAX_POSITIONS_PER_LEXEME:
            found.append(slots[min(position, MAX_POSITION)])
        position += 1
    # Lexemes never contain quotes or backslashes (search.analysis); quote anyway if one does.
    return " ".join(
        f"'{lexeme}':{','.join(p)}"
        if "'" not in lexeme and "\\" not in lexeme
        else f"{_quote(lexeme)}:{','.join(p)}"
        for lexeme, p in positions.items()
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


class PostgresSearchBackend(DatabaseSearchBackend):
    name = "postgres"

    def write(self, analyzed: list[AnalyzedDocument]) -> None:
        now = timezone.now()
        rows = [
            (
                a.doc.kind,
                a.doc.object_id,
                a.doc.community_id,
                a.doc.author_id,
                a.doc.department_id,
                a.doc.post_id,
                a.doc.created_at,
                a.doc.title,
                a.doc.body,
                now,
                tsvector_literal(a),
            )
            for a in analyzed
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                """
                INSERT INTO search_searchentry (kind, object_id, community_id, author_id,
                    department_id, post_id, created_at, title, body, indexed_at, vector)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::tsvector)
                ON CONFLICT (kind, object_id) DO UPDATE SET
                    community_id = EXCLUDED.community_id, author_id = EXCLUDED.author_id,
                    department_id = EXCLUDED.department_id, post_id = EXCLUDED.post_id,
                    created_at = EXCLUDED.created_at, title = EXCLUDED.title,
                    body = EXCLUDED.body, indexed_at = EXCLUDED.indexed_at,
                    vector = EXCLUDED.vector
                """,
                rows,
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
