"""What the notifications need of an application (registered in apps.py): its reference, its
page, and its enterprise (whose declarants hear of its decision)."""

from __future__ import annotations

from django.urls import reverse

from haiquan.notifications.subjects import Subject

from .models import Filing


def filing_subjects(ids: list[int]) -> dict[int, Subject]:
    rows = Filing.objects.filter(pk__in=ids).values_list("pk", "reference", "enterprise_id")
    return {
        pk: Subject(
            reference=reference,
            url=reverse("eservices:filing_detail", args=[pk]),
            api_url=f"/api/v1/eservices/filings/{pk}",
            enterprise_ids=frozenset({enterprise_id}),
            ordering_key=f"filing:{pk}",
        )
        for pk, reference, enterprise_id in rows
    }
