"""What the notifications need of a declaration (registered in apps.py): its number, its page,
and whose it is. The importer/exporter's declarants and the broker firm that filed it hear of
it; nobody else."""

from __future__ import annotations

from django.urls import reverse

from haiquan.notifications.subjects import Subject

from .models import Declaration


def declaration_subjects(ids: list[int]) -> dict[int, Subject]:
    rows = Declaration.objects.filter(pk__in=ids).values_list(
        "pk", "number", "enterprise_id", "broker_id"
    )
    return {
        pk: Subject(
            reference=number or f"#{pk}",
            url=reverse("clearance:declaration_detail", args=[pk]),
            api_url=f"/api/v1/declarations/{pk}",
            enterprise_ids=frozenset({enterprise_id}),
            broker_ids=frozenset({broker_id} if broker_id else ()),
            ordering_key=f"declaration:{pk}",
        )
        for pk, number, enterprise_id, broker_id in rows
    }
