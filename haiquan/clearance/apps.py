from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClearanceConfig(AppConfig):
    name = "haiquan.clearance"
    verbose_name = _("Clearance")

    def ready(self) -> None:
        from haiquan.core.nav import nav_item_register
        from haiquan.notifications.subjects import subject_resolver_register

        from .notifying import declaration_subjects

        # Its traders hear of a declaration's lane, checks, holds, clearance and release.
        subject_resolver_register("declaration", declaration_subjects)
        from haiquan.core.web import is_customs

        # Customs find any declaration of their offices at /declarations/ (traders have their
        # list in the base menu already).
        nav_item_register(
            "clearance:declaration_list", _("Find a declaration"), visible=is_customs, order=5
        )
        # After a declared outage, officers capture the paper declarations the office took.
        nav_item_register(
            "clearance:paper_capture",
            _("Capture paper declarations"),
            visible=lambda user: getattr(user, "role", None) in ("officer", "leader"),
            order=6,
        )
        from haiquan.tariff.assistant.sources import case_source_register

        from .classified import classified_line_cases

        # The classification assistant learns from the goods lines as finally classified.
        case_source_register(classified_line_cases, order=0)

        from haiquan.outage.hooks import deadline_extender_register

        from .outages import document_requests_extend_for_outage

        # A declared outage moves on the answers to customs' requests for documents that fell
        # due while the office was down.
        deadline_extender_register("document_requests", document_requests_extend_for_outage)
