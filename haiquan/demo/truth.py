"""The generator's ground truth, read by the learned risk score's evaluation (registered in
`DemoConfig.ready()` with `haiquan.riskml.data.truth_source_register`)."""

from __future__ import annotations

from decimal import Decimal

from .models import SyntheticTruth


def synthetic_truth_rows(decl_ids: list[int]) -> list[tuple[int, str, Decimal]]:
    """(declaration id, fraud kind, revenue at stake) of those of `decl_ids` the demo made."""
    return list(
        SyntheticTruth.objects.filter(declaration_id__in=decl_ids).values_list(
            "declaration_id", "fraud_kind", "revenue_at_stake_vnd"
        )
    )
