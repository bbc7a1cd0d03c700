from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _sees_manifests(user: object) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (getattr(user, "role", "") == "carrier" or getattr(user, "is_customs", False))
    )


class ManifestsConfig(AppConfig):
    name = "haiquan.manifests"
    verbose_name = _("Cargo manifests")

    def ready(self) -> None:
        from haiquan.clearance import hooks
        from haiquan.core.nav import nav_item_register

        nav_item_register(
            "manifests:voyage_list",
            _("Cargo manifests"),
            visible=_sees_manifests,
            order=35,
            also_current=(
                "manifests:voyage_detail",
                "manifests:voyage_compare",
                "manifests:cuscar_upload",
            ),
        )

        from haiquan.core.revisions import revision_source_register
        from haiquan.supervision.hooks import exit_hold_register

        from .gates import exit_hold
        from .matching import (
            REVISION_NAME,
            REVISION_SQL,
            bills_drawn_down,
            bills_held,
            bills_validate,
        )

        # A declaration naming a manifested bill is checked against it (known bill, consignee,
        # containers) and draws down its packages, inside registration's transaction.
        hooks.declaration_validator_register(bills_validate)
        hooks.declaration_written_observer_register(bills_drawn_down)
        # An officer's hold on a bill stops its cargo at the gate and its declarations'
        # clearance until released.
        exit_hold_register(exit_hold)
        hooks.clearance_guard_register(bills_held)
        # Which offices receive manifests is held per worker under this token, read with a
        # registration's other tokens.
        revision_source_register(REVISION_NAME, f"({REVISION_SQL})")
