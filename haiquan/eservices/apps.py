from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _is_trader(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_trader", False))


def _is_officer(user: object) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "role", "") in ("officer", "leader", "admin", "analyst")
    )


class EServicesConfig(AppConfig):
    name = "haiquan.eservices"
    verbose_name = _("Online public services")

    def ready(self) -> None:
        from haiquan.clearance import hooks
        from haiquan.notifications.subjects import subject_resolver_register

        from .notifying import filing_subjects
        from .selectors import SUBJECT

        # The enterprise hears of its application's decision.
        subject_resolver_register(SUBJECT, filing_subjects)
        from haiquan.core.nav import nav_item_register
        from haiquan.outage.hooks import deadline_extender_register
        from haiquan.payments.hooks import settler_register

        from .fees import FeeSettler
        from .rulings import advance_rulings_validate

        nav_item_register(
            "eservices:home",
            _("Online services"),
            visible=_is_trader,
            order=60,
            also_current=(
                "eservices:procedure",
                "eservices:filing_create",
                "eservices:filing_detail",
            ),
        )
        nav_item_register(
            "eservices:requests",
            _("Service requests"),
            visible=_is_officer,
            order=60,
            also_current=("eservices:performance",),
        )
        # A declaration line citing an advance ruling must declare what the ruling rules.
        hooks.declaration_validator_register(advance_rulings_validate)
        # A bank's confirmation of a fee order completes the filing it pays for.
        settler_register(FeeSettler())
        # A declared outage gives back the working days it covered to the filings due in it.
        from .services import filings_extend_for_outage

        deadline_extender_register("eservices", filings_extend_for_outage)
        from haiquan.tariff.assistant.sources import case_source_register

        from .rulings import ruling_cases

        # The classification assistant learns from the goods of advance rulings too.
        case_source_register(ruling_cases, order=10)
