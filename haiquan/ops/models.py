"""The record of the periodic jobs: one row per run (`JobRun`, the history operators read) and
one per job (`JobState`, what every scheduler node and the health checks read: small)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    SKIPPED = "skipped", _("Nothing to do")
    FAILED = "failed", _("Failed")


class JobState(models.Model):
    """A periodic job as every scheduler node sees it. `last_due` is the occurrence last
    claimed: a node claims an occurrence by moving it forward in one UPDATE, so one occurrence
    runs once however many nodes reach it."""

    name = models.CharField(_("job"), max_length=64, primary_key=True)
    registered_at = models.DateTimeField(_("first scheduled"), default=timezone.now)
    last_due = models.DateTimeField(_("last occurrence claimed"), null=True, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    last_outcome = models.CharField(
        _("last outcome"), max_length=10, choices=Outcome.choices, blank=True
    )
    last_duration = models.FloatField(_("last duration (s)"), null=True, blank=True)
    running_on = models.CharField(_("running on"), max_length=128, blank=True)
    runs = models.BigIntegerField(_("runs"), default=0)
    failures = models.BigIntegerField(_("failures"), default=0)

    class Meta:
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One run of a periodic job: where, when, how it ended, and the traceback if it failed."""

    job = models.CharField(_("job"), max_length=64)
    node = models.CharField(_("node"), max_length=128)
    scheduled_for = models.DateTimeField(_("scheduled for"))
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.RUNNING
    )
    duration = models.FloatField(_("duration (s)"), null=True, blank=True)
    detail = models.TextField(_("summary"), blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["job", "started_at"], name="ops_jobrun_job_idx"),
            models.Index(fields=["started_at"], name="ops_jobrun_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M:%S} {self.outcome}"
