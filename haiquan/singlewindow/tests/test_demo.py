"""The single window's demo content on a small generated history: made once, and the same
when made again."""

from __future__ import annotations

import pytest
from django.utils import translation

from haiquan.accounts.models import User
from haiquan.demo.tests.conftest import history  # noqa: F401  (fixture)
from haiquan.singlewindow.demo import demo_setup
from haiquan.singlewindow.models import (
    Agency,
    AgencyMember,
    Certificate,
    CertificateUse,
    Document,
    PartnerEndpoint,
    Request,
    Requirement,
)


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count()
        for m in (
            Agency,
            Requirement,
            PartnerEndpoint,
            Certificate,
            CertificateUse,
            Request,
            Document,
        )
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("history")
def test_demo_setup_is_idempotent() -> None:
    said: list[str] = []
    demo_setup(say=said.append)
    first = counts()
    # requirements: one per reviewed inspection-list measure, agency and HS prefix
    assert first[0] == 5 and first[1] > 1000 and first[2] >= 5
    assert Certificate.objects.exists() and CertificateUse.objects.count() >= 1
    assert AgencyMember.objects.get(user__username="qa.kiemdich").agency.code == "BVTV-KDTV7"
    assert User.objects.get(username="asw.th").role == "agency"
    demo_setup(say=said.append)
    assert counts() == first
    with translation.override("en"):  # the messages are written in the reader's language
        assert said and "Single window" in str(said[0])
