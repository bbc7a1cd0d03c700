from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sees_single_window(user: Any) -> bool:
    from haiquan.accounts.choices import Role

    return bool(
        getattr(user, "is_authenticated", False)
        and user.role
        in (
            Role.AGENCY,
            Role.DECLARANT,
            Role.BROKER,
            Role.OFFICER,
            Role.LEADER,
            Role.ANALYST,
            Role.ADMIN,
        )
    )


class SingleWindowConfig(AppConfig):
    name = "haiquan.singlewindow"
    verbose_name = _("National and ASEAN Single Window")

    def ready(self) -> None:
        from haiquan.clearance.hooks import (
            clearance_guard_register,
            declaration_written_observer_register,
            preference_verifier_register,
        )
        from haiquan.core.nav import nav_item_register
        from haiquan.core.revisions import revision_source_register
        from haiquan.notifications.subjects import (
            agency_of_user_register,
            subject_agencies_register,
        )

        from .asw import preference_verify
        from .notifying import declaration_agencies, user_agencies
        from .services import declaration_blockers, declaration_written
        from .services.requirements import REVISION_NAME, REVISION_SQL

        clearance_guard_register(declaration_blockers)
        preference_verifier_register(preference_verify)
        declaration_written_observer_register(declaration_written)
        # Partner agencies' systems are told of the declarations they were asked about.
        subject_agencies_register("declaration", declaration_agencies)
        agency_of_user_register(user_agencies)
        # The requirements table's token is read with a registration's other tokens.
        revision_source_register(REVISION_NAME, f"({REVISION_SQL})")
        nav_item_register(
            "singlewindow:home",
            _("Single window"),
            visible=_sees_single_window,
            order=60,
            also_current=(
                "singlewindow:requirements",
                "singlewindow:requirement_new",
                "singlewindow:requirement_edit",
                "singlewindow:document_revoke",
                "singlewindow:document_detail",
                "singlewindow:document_new",
                "singlewindow:declaration",
                "singlewindow:certificates",
                "singlewindow:certificate_detail",
            ),
        )
