"""Which databases `haiquan demo` may touch: only one it made itself.

The demo gives well-known accounts the public demo password, creates banks with published signing
secrets and, with `--reset`, truncates the event log. So it works only on

- a demo database: one holding the mark (`DemoInstallation`) that the demo writes in the same
  transaction as its first content, or
- an empty database: freshly migrated, with at most the reference data that `haiquan migrate`
  and `haiquan load-refdata` write everywhere alike (countries, currencies, offices, declaration
  types, the shipped tariff, and the tariff's own loading events). It becomes a demo database.

Anything else — an account, an enterprise, a declaration, a bank, a risk profile, an API token, a
generated history without the mark, or an event other than the reference data's loading — is
data the demo did not make: it refuses before changing anything (`NotADemoDatabase`), and says
what it found.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import DemoInstallation

# Events the reference data's loading writes (no actor): they do not make a database non-empty.
REFERENCE_EVENT_SUBJECTS = ("tariff", "refdata")
# Counting stops here: a production table can be large, and "more than 1,000" says enough.
COUNT_CAP = 1_000


class NotADemoDatabase(Exception):
    """The database holds data that `haiquan demo` did not make; nothing was changed."""


def _capped(queryset: QuerySet) -> int:
    return len(queryset.values_list("pk", flat=True)[: COUNT_CAP + 1])


def _found() -> list[tuple[type[Model], Callable[[], QuerySet], Callable[[int], str]]]:
    """(model whose table must exist, rows that are not the demo's, how to say how many)."""
    from haiquan.accounts.models import ApiToken, User
    from haiquan.clearance.models import Declaration
    from haiquan.eventlog.models import Event
    from haiquan.payments.models import Bank
    from haiquan.refdata.models import Enterprise
    from haiquan.risk.models import RiskProfile

    from .models import DemoDataset

    reference = Q(actor__isnull=True, subject_type__in=REFERENCE_EVENT_SUBJECTS)
    return [
        (User, User.objects.all, lambda n: ngettext("%(n)s account", "%(n)s accounts", n)),
        (
            Enterprise,
            Enterprise.objects.all,
            lambda n: ngettext("%(n)s enterprise", "%(n)s enterprises", n),
        ),
        (
            Declaration,
            Declaration.objects.all,
            lambda n: ngettext("%(n)s declaration", "%(n)s declarations", n),
        ),
        (
            Event,
            lambda: Event.objects.exclude(reference),
            lambda n: ngettext("%(n)s event", "%(n)s events", n),
        ),
        (Bank, Bank.objects.all, lambda n: ngettext("%(n)s bank", "%(n)s banks", n)),
        (
            RiskProfile,
            RiskProfile.objects.all,
            lambda n: ngettext("%(n)s risk profile", "%(n)s risk profiles", n),
        ),
        (
            ApiToken,
            ApiToken.objects.all,
            lambda n: ngettext("%(n)s API token", "%(n)s API tokens", n),
        ),
        (
            DemoDataset,
            DemoDataset.objects.all,
            lambda n: ngettext(
                "%(n)s generated history without the demo's mark",
                "%(n)s generated histories without the demo's mark",
                n,
            ),
        ),
    ]


def is_demo_database() -> bool:
    """The database carries the demo's mark."""
    tables = connection.introspection.table_names()
    return DemoInstallation._meta.db_table in tables and DemoInstallation.objects.exists()


def foreign_data() -> list[str]:
    """What the database holds that the demo did not make, as phrases ("3 accounts", ...): empty
    for a demo database and for an empty one. Works before `migrate` too (missing tables are
    empty)."""
    if is_demo_database():
        return []
    tables = set(connection.introspection.table_names())
    out = []
    for model, rows, phrase in _found():
        if model._meta.db_table not in tables:
            continue
        n = _capped(rows())
        if n:
            shown = _("more than %(n)s") % {"n": f"{COUNT_CAP:,}"} if n > COUNT_CAP else str(n)
            out.append(phrase(n) % {"n": shown})
    return out


def demo_database_check() -> None:
    """Raise `NotADemoDatabase`, saying why, unless the demo may work on this database."""
    found = foreign_data()
    if found:
        raise NotADemoDatabase(
            _(
                "This database holds data that haiquan demo did not make (%(found)s), so the demo "
                "changes nothing in it: it would give well-known accounts the public demo "
                "password and create banks with published secrets. Run the demo on an empty "
                "database: another DATABASE_URL, or another HAIQUAN_VAR_DIR for SQLite (a demo "
                "database made by an earlier haiquan has no mark: remove it and run the demo "
                "again)."
            )
            % {"found": ", ".join(found)}
        )


def _haiquan_version() -> str:
    try:
        return version("haiquan")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout not installed
        return ""


def demo_database_claim() -> DemoInstallation:
    """Mark the database as the demo's, after checking again that it may be (call it inside the
    transaction that writes the demo's first content). A demo database keeps its mark."""
    with transaction.atomic():
        mark = DemoInstallation.objects.filter(pk=1).first()
        if mark is not None:
            return mark
        demo_database_check()
        mark, _created = DemoInstallation.objects.get_or_create(
            pk=1, defaults={"haiquan_version": _haiquan_version()}
        )
        return mark
