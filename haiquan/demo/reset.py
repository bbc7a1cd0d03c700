"""Wiping a demo installation's generated data, the one documented way around the append-only
event log.

A reset removes every declaration and everything that refers to one (lines, versions, checks,
payments, receipts, ground truth, and any other app's rows that point at declarations), the
whole event log, the number and receipt counters, the synthetic enterprises with their broker
authorisations, the trader and officer accounts the generator or the demo made, and every row of
the apps whose content the demo makes on top of the history (`CONTENT_APPS`). Customs
staff log-ins, banks, risk profiles, reference data and exchange rates stay.

The event log refuses updates and deletes (the model, and on PostgreSQL a row trigger) and, on
PostgreSQL, TRUNCATE (a statement trigger), so the reset bypasses them: on PostgreSQL it disables
the TRUNCATE triggers inside its own transaction — which only the tables' owner may do, never the
application's role — and runs `TRUNCATE … CASCADE` (a row trigger does not fire on TRUNCATE); on
SQLite a raw `DELETE`. It refuses to run on a database that `haiquan demo` did not make (no
mark: `haiquan.demo.guard`) and where no demo data was ever generated, so it cannot wipe a
production database by a slip of the keyboard. The mark stays: the database is still the demo's.
"""

from __future__ import annotations

from django.apps import apps
from django.db import connection, models, transaction
from django.utils.translation import gettext_noop

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User
from haiquan.clearance.models import Declaration, NumberSequence
from haiquan.core.appendonly import truncate_guards_lifted
from haiquan.core.i18n import later
from haiquan.eventlog.models import Event, LogRoot
from haiquan.refdata.models import BrokerAuthorisation, Enterprise

from .guard import is_demo_database
from .models import DemoDataset, SyntheticEnterprise
from .population import SYNTHETIC_EMAIL_DOMAIN
from .setup import DEMO_EMAIL_DOMAIN


class NothingToReset(Exception):
    """This database holds no generated demo data."""


def _referencing(model: type[models.Model]) -> list[type[models.Model]]:
    """`model` and every model that refers to it, directly or through another such model."""
    found: list[type[models.Model]] = [model]
    i = 0
    while i < len(found):
        for rel in found[i]._meta.related_objects:
            related = rel.related_model
            if rel.many_to_many or not isinstance(related, type) or related in found:
                continue
            found.append(related)
        i += 1
    return found


def _counters() -> list[type[models.Model]]:
    out: list[type[models.Model]] = [NumberSequence]
    if apps.is_installed("haiquan.payments"):
        out.append(apps.get_model("payments", "ReceiptSequence"))
    return out


# Apps whose every row is demo content made by their `demo.py` on top of the history (places,
# gate events and trips, agencies' permits, filings, FAQ and ratings, audits, risk models,
# aggregates, voyages and bills): wiped with it and made again by the next `haiquan demo`.
CONTENT_APPS = (
    "manifests",
    "supervision",
    "transit",
    "singlewindow",
    "eservices",
    "portal",
    "postaudit",
    "riskml",
    "stats",
    "timerelease",
)


def _content_models() -> list[type[models.Model]]:
    """Every model of the content apps, each followed by its many-to-many link tables."""
    out: list[type[models.Model]] = []
    for label in CONTENT_APPS:
        if not apps.is_installed(f"haiquan.{label}"):
            continue
        for model in apps.get_app_config(label).get_models():
            out.append(model)
            out += [
                f.remote_field.through
                for f in model._meta.local_many_to_many
                if f.remote_field.through is not None
            ]
    return out


@transaction.atomic
def demo_reset() -> dict[str, int]:
    """Remove the generated data (see the module docstring); returns rows removed by kind."""
    if not is_demo_database():
        raise NothingToReset(
            later(gettext_noop("This database was not made by haiquan demo; nothing was removed."))
        )
    if not DemoDataset.objects.exists():
        raise NothingToReset(
            later(gettext_noop("No demo data was generated in this database; nothing was removed."))
        )
    counts = {
        "declarations": Declaration.objects.count(),
        "events": Event.objects.count(),
        "enterprises": SyntheticEnterprise.objects.count(),
    }
    # The daily roots of the hash chains go with the events they cover.
    wiped: list[type[models.Model]] = [*_referencing(Declaration), Event, LogRoot, *_counters()]
    for model in _content_models():
        for m in _referencing(model):
            if m not in wiped:
                wiped.append(m)
    tables = [m._meta.db_table for m in wiped]
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks of rows written earlier in this transaction must run
            # first: PostgreSQL refuses to truncate a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            lift, restore = truncate_guards_lifted()
            for statement in lift:
                cursor.execute(statement)
            cursor.execute(f"TRUNCATE {', '.join(qn(t) for t in tables)} CASCADE")
            for statement in restore:
                cursor.execute(statement)
        else:
            for table in reversed(tables):
                cursor.execute(f"DELETE FROM {qn(table)}")  # noqa: S608
    synthetic = Enterprise.objects.filter(synthetic__isnull=False)
    BrokerAuthorisation.objects.filter(
        models.Q(principal__in=synthetic) | models.Q(broker__in=synthetic)
    ).delete()
    _total, detail = User.objects.filter(
        models.Q(
            email__endswith="@" + SYNTHETIC_EMAIL_DOMAIN,
            role__in=[Role.DECLARANT, Role.BROKER, Role.OFFICER],
        )
        | models.Q(email__endswith="@" + DEMO_EMAIL_DOMAIN, role__in=[Role.DECLARANT, Role.BROKER])
    ).delete()
    counts["users"] = detail.get(User._meta.label, 0)
    synthetic.delete()
    DemoDataset.objects.all().delete()
    return counts
