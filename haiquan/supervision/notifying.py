"""What the notifications need of an alert (registered in apps.py): what it is about, what kind
of alert it is, and its page. Alerts are for the officers of their office (the catalogue's
audience), never traders."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_noop

from haiquan.notifications.subjects import Subject

from .choices import AlertKind
from .models import Alert

# The kinds' own catalogue texts (the same as AlertKind's labels), kept untranslated with the
# notification so that each reader reads it in their language.
KIND_TEXTS: dict[str, str] = {
    AlertKind.EXIT_REFUSED: gettext_noop("Get-out refused"),
    AlertKind.STORAGE_TIME_ENDING: gettext_noop("Storage time limit ending"),
    AlertKind.STORAGE_TIME_EXCEEDED: gettext_noop("Storage time limit exceeded"),
    AlertKind.SEAL_OPENED: gettext_noop("Seal opened or tampered before destination"),
    AlertKind.CORRIDOR_EXIT: gettext_noop("Left the route corridor"),
    AlertKind.LONG_STOP: gettext_noop("Stopped too long outside a permitted place"),
    AlertKind.LATE_ARRIVAL: gettext_noop("Not arrived within the time limit"),
    AlertKind.SIGNAL_LOST: gettext_noop("Positioning signal lost"),
    AlertKind.LOW_BATTERY: gettext_noop("E-seal battery low"),
    AlertKind.POSITION_CONFLICT: gettext_noop("Conflicting position reports (possible forgery)"),
}


def alert_subjects(ids: list[int]) -> dict[int, Subject]:
    alerts = Alert.objects.filter(pk__in=ids).only("pk", "kind", "subject_label")
    return {
        a.pk: Subject(
            reference=a.subject_label or f"#{a.pk}",
            url=reverse("supervision:alert_detail", args=[a.pk]),
            detail=KIND_TEXTS.get(a.kind, ""),
        )
        for a in alerts
    }
