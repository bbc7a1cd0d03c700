from __future__ import annotations

from dataclasses import dataclass

import pytest

from haiquan.payments.models import Bank
from haiquan.payments.services import bank_create


@dataclass
class SigningBank:
    bank: Bank
    secret: str

    @property
    def code(self) -> str:
        return self.bank.code


@pytest.fixture
def vcb(db: None) -> SigningBank:
    bank, secret = bank_create(code="VCB", name="Ngân hàng TMCP Ngoại thương Việt Nam")
    return SigningBank(bank, secret)


@pytest.fixture
def bidv(db: None) -> SigningBank:
    bank, secret = bank_create(code="BIDV", name="Ngân hàng TMCP Đầu tư và Phát triển Việt Nam")
    return SigningBank(bank, secret)
