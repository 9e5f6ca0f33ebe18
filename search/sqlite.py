"""The SQLite adapter (the embedded default): an FTS5 table beside `SearchEntry`.

The FTS5 row's rowid is the entry's id; its four columns hold the analysed lexemes of the
title, the text, the compound parts and the phonetic name keys, space-separated, so FTS5's
tokenizer only splits on spaces and every lexeme is the app's. Ranking is FTS5's BM25 with
column weights in the same order of importance as PostgreSQL's A-D.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from search.database import AnalyzedDocument, DatabaseSearchBackend
from search.models import SearchEntry
from search.query import Match, ParsedQuery

COLUMN_WEIGHTS = "10.0, 4.0, 1.5, 0.5"  # title, body, parts, names


def _quote(lexeme: str) -> str:
    return '"' + lexeme.replace('"', '""') + '"'


def _match(match: Match, titles_only: bool) -> str:
    column = "title : " if titles_only else ""
    if match.kind == "prefix":
        return f"{column}{_quote(match.lexemes[0])}*"
    if match.kind == "term":
        return f"{column}{_quote(match.lexemes[0])}"
    if match.kind == "phrase":
        scope = "title : " if titles_only else "{title body} : "
        return scope + _quote(" ".join(match.lexemes))
    return "(" + " AND ".join(f"{column}{_quote(lexeme)}" for lexeme in match.lexemes) + ")"


def fts_query(parsed: ParsedQuery, titles_only: bool = False) -> str:
    def clause_text(options: tuple[Match, ...]) -> str:
        return "(" + " OR ".join(_match(option, titles_only) for option in options) + ")"

    text = " AND ".join(clause_text(clause.options) for clause in parsed.positive)
    for clause in parsed.negative:
        text += " NOT " + clause_text(clause.options)
    return text


class SqliteSearchBackend(DatabaseSearchBackend):
    name = "sqlite-fts5"

    def ping(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM search_fts LIMIT 1")

    def write(self, analyzed: list[AnalyzedDocument]) -> None:
        now = timezone.now()
        entries = SearchEntry.objects.bulk_create(
            [
                SearchEntry(
                    kind=a.doc.kind,
                    object_id=a.doc.object_id,
                    community_id=a.doc.community_id,
                    author_id=a.doc.author_id,
                    department_id=a.doc.department_id,
                    post_id=a.doc.post_id,
                    created_at=a.doc.created_at,
                    title=a.doc.title,
                    body=a.doc.body,
                    indexed_at=now,
                )
                for a in analyzed
            ],
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=[
                "community_id",
                "author_id",
                "department_id",
                "post_id",
                "created_at",
                "title",
                "body",
                "indexed_at",
            ],
        )
        ids = [entry.pk for entry in entries]
        self.delete_text(ids)
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_fts (rowid, title, body, parts, names) "
                "VALUES (%s, %s, %s, %s, %s)",
                [
                    (pk, " ".join(a.title), " ".join(a.body), " ".join(a.parts), " ".join(a.names))
                    for pk, a in zip(ids, analyzed, strict=True)
                ],
            )

    def delete_text(self, entry_ids: list[int]) -> None:
        if not entry_ids:
            return
        with connection.cursor() as cursor:
            for start in range(0, len(entry_ids), 500):
                chunk = entry_ids[start : start + 500]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"DELETE FROM search_fts WHERE rowid IN ({marks})",  # noqa: S608 - only %s marks
                    chunk,
                )

    def matching(self, entries: QuerySet, parsed: ParsedQuery, titles_only: bool) -> QuerySet:
        # extra(): the FTS table joins by rowid and bm25() must run in the MATCH query; every
        # user-derived value is a parameter.
        return entries.extra(  # noqa: S610
            tables=["search_fts"],
            select={"score": f"-bm25(search_fts, {COLUMN_WEIGHTS})"},
            where=["search_fts.rowid = search_searchentry.id", "search_fts MATCH %s"],
            params=[fts_query(parsed, titles_only)],
        )
