from __future__ import annotations

import factory
from stdnum.vn import mst as mst_std

from haiquan.refdata.models import Enterprise, Office


def valid_mst(n: int) -> str:
    """A valid 10-digit tax code, distinct for every n < 10**7."""
    for d in range(10):
        body = f"2{n % 10**7:07d}{d}"
        candidate = body + str(mst_std.calc_check_digit(body))
        if mst_std.is_valid(candidate):
            return candidate
    raise RuntimeError(f"no valid MST in block {n}")


class EnterpriseFactory(factory.django.DjangoModelFactory[Enterprise]):
    class Meta:
        model = Enterprise
        django_get_or_create = ("mst",)

    mst = factory.Sequence(lambda n: valid_mst(n + 1000))
    name = factory.Sequence(lambda n: f"Công ty TNHH Thương mại {n}")
    address = "Số 1 Đường Trần Hưng Đạo, Hạ Long"
    province_code = "22"
    compliance_rank = "high"


class OfficeFactory(factory.django.DjangoModelFactory[Office]):
    class Meta:
        model = Office
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:03d}")
    kind = "border_gate"
    name_vi = factory.Sequence(lambda n: f"Chi cục thử nghiệm {n}")
    name_en = factory.Sequence(lambda n: f"Test office {n}")
