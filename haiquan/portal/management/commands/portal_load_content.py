"""`haiquan portal_load_content [--dir DIR]`: load the FAQ bank and the handbook from the content
files (categories.json, faq.json, handbook.json). Safe to run again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from haiquan.core.problems import ValidationFailed
from haiquan.portal.content import content_load


class Command(BaseCommand):
    help = "Load the portal's FAQ bank and handbook from its JSON content files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="directory of the files")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = content_load(directory=options["dir"])
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "%(c)d categories, %(q)d questions, handbook %(v)s (%(ch)d chapters, %(s)d "
                "sections)."
            )
            % {
                "c": report.categories,
                "q": report.faqs,
                "v": report.handbook_version or "-",
                "ch": report.chapters,
                "s": report.sections,
            }
        )
