"""The search index's rows in the database, and the indexing queue.

`SearchEntry` is one searchable thing (a person, a community, a post, a comment) with the
columns every database adapter filters on: who wrote it, where it lives, when. Its text is
kept as written (for snippets); the analysed form lives next to it in the adapter's own
structure (a `tsvector` column on PostgreSQL, an FTS5 table on SQLite), added by migration
0002 for the database in use. Elasticsearch keeps its own index and does not use these rows.

`IndexTask` is the queue: a change writes (or refreshes) one row per changed object in the same
transaction as the change; the worker indexes and then deletes the row, unless it was
refreshed in the meantime (`enqueued_at` moved), so no change is ever lost.
"""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    PERSON = "person", "person"
    COMMUNITY = "community", "community"
    POST = "post", "post"
    COMMENT = "comment", "comment"


class SearchEntry(models.Model):
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    # Filters and facets. Plain integers, not foreign keys: the index must never block or
    # cascade a delete in the tables it mirrors.
    community_id = models.BigIntegerField(null=True)
    author_id = models.BigIntegerField(null=True)
    department_id = models.BigIntegerField(null=True)
    post_id = models.BigIntegerField(null=True)  # a comment's post (hashtag filter, links)
    created_at = models.DateTimeField()
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique")
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="search_entry_new"),
            models.Index(fields=["community_id"], name="search_entry_community"),
            models.Index(fields=["author_id"], name="search_entry_author"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class IndexTask(models.Model):
    kind = models.CharField(max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField()
    enqueued_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_task_unique")
        ]
        indexes = [models.Index(fields=["enqueued_at", "id"], name="search_task_order")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"
