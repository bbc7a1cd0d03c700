"""The trail of customs users' reads of traders' data (nhật ký truy cập dữ liệu).

An enterprise's declarations carry its prices, suppliers and customers; its risk profile, its
filings and their documents, its licences and certificates of origin say as much. Officers
need them to work, and every time a customs user (or a partner agency's official) opens one, a
row here says who, what (the part and the record: a declaration, a filing, a profile...), whose
(the enterprise), when, and through what (the API, a page, an export). The rows are written by
`services` only, never changed or deleted, and read by administrators in the admin site or
through `selectors`.

One row is a single INSERT with no read before it; at national volume (tens of millions of
reads a year) the table is partitioned by month in PostgreSQL (docs/scaling.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Part, Via


class AppendOnlyError(Exception):
    pass


class AccessRecordQuerySet(models.QuerySet["AccessRecord"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the access trail is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the access trail is append-only")


class AccessRecord(models.Model):
    """One read of one trader's record by one customs user or agency official."""

    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.PROTECT, related_name="+"
    )
    # The role at the time: a user who changes role keeps the trail of what it did before.
    role = models.CharField(_("role"), max_length=16)
    via = models.CharField(_("through"), max_length=8, choices=Via.choices)
    part = models.CharField(_("what"), max_length=16, choices=Part.choices, default=Part.DETAIL)
    # The record read: a declaration's id for the declaration parts, else the filing's,
    # the document's, the case's... (`part` says which); its number or reference as people know it.
    subject_id = models.BigIntegerField(_("record"))
    subject_reference = models.CharField(_("number or reference"), max_length=40, blank=True)
    # Whose data it is, so that "who at customs read enterprise X's declarations" is one query.
    # (empty only for a certificate of origin naming an importer not registered here)
    enterprise = models.ForeignKey(
        "refdata.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    office_code = models.CharField(_("office"), max_length=16, blank=True)
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    # The link of the user's hash chain, written by the database (eventlog.chain).
    chain_seq = models.PositiveBigIntegerField(_("position in its chain"), null=True, blank=True)
    chain_hash = models.CharField(_("chain hash"), max_length=64, blank=True, default="")

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("access record")
        verbose_name_plural = _("access records")
        indexes = [
            models.Index(fields=["subject_id", "part", "occurred_at"], name="audit_access_subject"),
            models.Index(fields=["user", "occurred_at"], name="audit_access_user"),
            models.Index(fields=["enterprise", "occurred_at"], name="audit_access_enterprise"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "chain_seq"], name="audit_access_chain_link"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.user_id} {self.part} {self.subject_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("the access trail is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the access trail is append-only")
