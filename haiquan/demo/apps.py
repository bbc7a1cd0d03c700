from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "haiquan.demo"
    verbose_name = _("Demo data")

    def ready(self) -> None:
        from haiquan.riskml.data import truth_source_register

        from .truth import synthetic_truth_rows

        # The learned score is evaluated against the generator's known fraud where there is one.
        truth_source_register(synthetic_truth_rows)
