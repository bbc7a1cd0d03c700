from __future__ import annotations

import factory

from haiquan.accounts.choices import Role
from haiquan.accounts.models import User


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    role = Role.DECLARANT
    password = factory.django.Password("pw-haiquan-2026")
