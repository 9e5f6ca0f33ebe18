"""The search backend port: which adapter is active and whether it answers.

The adapter is chosen by the environment: Elasticsearch when ``ELASTICSEARCH_URL`` is set,
otherwise the full-text search of the database in use (PostgreSQL ``german`` configuration or
SQLite FTS5). Indexing and querying are added to this port by the search issue; the health
probe is what the rest of the system needs from it today.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from functools import cache

from django.conf import settings
from django.db import connection


class SearchBackend(ABC):
    name: str

    @abstractmethod
    def ping(self) -> None:
        """Raise if the backend cannot serve queries right now."""


class PostgresSearchBackend(SearchBackend):
    name = "postgres"

    def ping(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_tsvector('german', %s)::text", ["Bürgerbüros"])
            (vector,) = cursor.fetchone()
        if "bürgerburo" not in vector and "burgerburo" not in vector and "bürgerbür" not in vector:
            raise RuntimeError(f"unexpected German analysis: {vector}")


class SqliteFtsBackend(SearchBackend):
    name = "sqlite-fts5"

    def ping(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.wilma_fts_probe USING fts5(body)"
            )
            cursor.execute("DROP TABLE temp.wilma_fts_probe")


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self, url: str) -> None:
        from elasticsearch import Elasticsearch

        self.client = Elasticsearch(url, request_timeout=2, max_retries=0)

    def ping(self) -> None:
        if not self.client.ping():
            raise RuntimeError("Elasticsearch does not answer")


@cache
def get_backend() -> SearchBackend:
    if settings.ELASTICSEARCH_URL:
        return ElasticsearchBackend(settings.ELASTICSEARCH_URL)
    if connection.vendor == "postgresql":
        return PostgresSearchBackend()
    return SqliteFtsBackend()
