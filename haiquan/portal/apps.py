from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "haiquan.portal"
    verbose_name = _("Customs-business partnership portal")

    def ready(self) -> None:
        from haiquan.core.help import help_provider_register
        from haiquan.core.nav import nav_item_register

        from .help import handbook_help

        # Other apps' pages link to the handbook sections that explain them.
        help_provider_register(handbook_help)

        from haiquan.core.links import object_link_provider_register

        from .ratings import declaration_rating_links

        # A cleared declaration's page offers its trader to rate the service (once).
        object_link_provider_register("declaration", declaration_rating_links)

        from haiquan.outage.hooks import deadline_extender_register

        from .outages import inquiries_extend_for_outage

        # A declared outage moves on the answers that fell due while the office was down.
        deadline_extender_register("inquiries", inquiries_extend_for_outage)

        from .permissions import manages_partnership, sees_inquiries, sees_rating_reports

        # The FAQ and the handbook are public: everyone sees this entry, logged in or not.
        nav_item_register(
            "portal:faq",
            _("Help & FAQ"),
            visible=lambda user: True,
            order=900,
            also_current=(
                "portal:home",
                "portal:faq_detail",
                "portal:handbook",
                "portal:handbook_chapter",
                "portal:news",
                "portal:news_detail",
            ),
        )
        nav_item_register(
            "portal:inquiries",
            _("Inquiries"),
            visible=sees_inquiries,
            order=910,
            also_current=("portal:inquiry_create", "portal:inquiry_detail"),
        )
        nav_item_register("portal:ratings", _("Ratings"), visible=sees_rating_reports, order=920)
        nav_item_register(
            "portal:cdci",
            _("CDCI"),
            visible=sees_rating_reports,
            order=930,
            also_current=("portal:cdci_detail",),
        )
        nav_item_register(
            "portal:partnership",
            _("Partnership"),
            visible=manages_partnership,
            order=940,
            also_current=(
                "portal:dialogue_create",
                "portal:dialogue_report",
                "portal:news_create",
                "portal:agreement_create",
                "portal:agreement_review",
            ),
        )
