from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransitConfig(AppConfig):
    name = "haiquan.transit"
    verbose_name = _("Transit under GPS e-seals")

    def ready(self) -> None:
        # Containers moving under an active transit movement may leave their zone, and a
        # get-in at the destination records the arrival.
        from haiquan.supervision.hooks import exit_cover_register, gate_in_observer_register

        from .coverage import on_gate_in, transit_exit_cover

        exit_cover_register(transit_exit_cover)
        gate_in_observer_register(on_gate_in)

        from haiquan.outage.hooks import deadline_extender_register

        from .outages import movements_extend_for_outage

        # A declared outage moves on the deadlines to arrive that fell while it lasted.
        deadline_extender_register("transit", movements_extend_for_outage)
