"""Every change to searchable data enqueues an index task in the change's transaction.

Model signals rather than calls in each service: admin edits, imports and management commands
change the same rows, and the index must follow all of them. Bulk `update()`s send no signals;
the code that uses them on searchable text must enqueue itself (today none does: the feed's
counter updates do not touch indexed fields).
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save, pre_delete
from taggit.models import TaggedItem

from communities.models import Community
from feed.models import Comment, Post
from people.models import Department, Employee
from search.indexing import enqueue
from search.query import forget_abbreviations

# Saving only these fields changes nothing anyone can search for.
_IRRELEVANT: dict[type, set[str]] = {
    Employee: {"last_login", "password"},
    Post: {"is_pinned", "pinned_at", "comments_locked", "comment_count", "last_activity_at"},
}
_KINDS: dict[type, str] = {
    Employee: "person",
    Community: "community",
    Post: "post",
    Comment: "comment",
}


def _saved(sender: type, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields and set(update_fields) <= _IRRELEVANT.get(sender, set()):
        return
    enqueue(_KINDS[sender], [instance.pk])
    if sender is Post and instance.deleted_at is not None:
        enqueue("comment", instance.comments.values_list("pk", flat=True))


def _deleted(sender: type, instance: Any, **kwargs: Any) -> None:
    enqueue(_KINDS[sender], [instance.pk])


def _tagged(sender: type, instance: TaggedItem, **kwargs: Any) -> None:
    """Skills and community tags are part of the indexed text."""
    model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
    if model in (Employee, Community):
        enqueue(_KINDS[model], [instance.object_id])


def _department_changed(sender: type, instance: Department, **kwargs: Any) -> None:
    """People and communities carry their departments' names and abbreviations."""
    forget_abbreviations()
    subtree = Department.objects.filter(path__startswith=instance.path).values("pk")
    enqueue("person", Employee.objects.filter(department__in=subtree).values_list("pk", flat=True))
    enqueue(
        "community", Community.objects.filter(department__in=subtree).values_list("pk", flat=True)
    )


def connect() -> None:
    for model in _KINDS:
        post_save.connect(_saved, sender=model, dispatch_uid=f"search-save-{model.__name__}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"search-del-{model.__name__}")
    post_save.connect(_tagged, sender=TaggedItem, dispatch_uid="search-tag-save")
    post_delete.connect(_tagged, sender=TaggedItem, dispatch_uid="search-tag-delete")
    post_save.connect(_department_changed, sender=Department, dispatch_uid="search-dept-save")
    pre_delete.connect(_department_changed, sender=Department, dispatch_uid="search-dept-delete")
