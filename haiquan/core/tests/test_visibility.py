"""The one visibility mechanism (`core/visibility.py`, its rule in `accounts/visibility.py`): every
model that declares whom its rows belong to names fields that exist, and the rule's ladder is the
same for all of them. Who sees which row of each part, role by role, is the authorisation
matrix's (`core/tests/authz/`)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import EmptyResultSet, FieldError

from haiquan.accounts.choices import NATIONWIDE_ROLES, Role
from haiquan.accounts.models import User
from haiquan.clearance.models import Declaration
from haiquan.core.visibility import Visibility, VisibleQuerySet, declared_paths, visibility_of
from haiquan.payments.models import PaymentOrder
from haiquan.postaudit.models import AuditCase
from haiquan.refdata.models import Enterprise, Office
from haiquan.riskml.models import RiskModel
from haiquan.singlewindow.models import Certificate
from haiquan.supervision.models import Alert, ControlZone
from haiquan.transit.models import ESeal


def _declaring_models() -> list[type]:
    return [m for m in apps.get_models() if isinstance(getattr(m, "visibility", None), Visibility)]


def test_every_declared_field_exists() -> None:
    models = _declaring_models()
    assert {Declaration, ControlZone, Alert, ESeal, PaymentOrder} <= set(models)
    for model in models:
        v = visibility_of(model)
        assert isinstance(model._default_manager.all(), VisibleQuerySet), model
        for path in [*declared_paths(v), v.via]:
            if not path:
                continue
            try:
                str(model._default_manager.filter(**{f"{path}__isnull": True}).query)
                if path == v.enterprise and v.enterprise_by:
                    Enterprise._meta.get_field(v.enterprise_by)
            except FieldError as exc:  # pragma: no cover - the assertion's message
                pytest.fail(f"{model.__name__}.visibility names {path!r}: {exc}")


def test_a_model_without_a_declaration_is_refused() -> None:
    class Plain(VisibleQuerySet[Office]):
        pass

    with pytest.raises(TypeError, match="Office declares no visibility"):
        Plain(model=Office).visible_to(AnonymousUser())


def _user(role: Role, **extra: object) -> User:
    return User.objects.create(username=f"v-{role}-{len(extra)}", role=role, **extra)


def _where(qs: object) -> str:
    """The WHERE of the query ("" for none; "nothing" where Django knows it is empty)."""
    try:
        sql = str(qs.query)  # type: ignore[attr-defined]
    except EmptyResultSet:
        return "nothing"
    return sql.split(" WHERE ", 1)[1] if " WHERE " in sql else ""


@pytest.mark.django_db
def test_one_ladder_for_every_model() -> None:
    models = _declaring_models()
    # nobody signed in, or an account switched off: nothing, whatever the model
    off = _user(Role.ANALYST, is_active=False)
    for model in models:
        for user in (AnonymousUser(), off):
            assert not model._default_manager.visible_to(user).exists(), model
    # the nation-wide roles: every row, no filter at all (but through the row they belong to)
    for role in NATIONWIDE_ROLES:
        user = _user(role)
        for model in models:
            if not visibility_of(model).via:
                assert _where(model._default_manager.visible_to(user)) == "", (model, role)
    # e-seals bind every office: any customs role reads them all; a trader none
    officer = _user(Role.OFFICER)
    assert _where(ESeal.objects.visible_to(officer)) == ""
    assert _where(Alert.objects.visible_to(officer)) != ""  # an officer without offices: none
    assert not Alert.objects.visible_to(officer).exists()
    declarant = _user(Role.DECLARANT)
    assert not ESeal.objects.visible_to(declarant).exists()
    # a broker without a firm sees no declaration; an operator without one no zone
    assert not Declaration.objects.visible_to(_user(Role.BROKER)).exists()
    assert not ControlZone.objects.visible_to(_user(Role.OPERATOR)).exists()
    # a payment order is seen exactly when its declaration is
    assert "declaration_id" in _where(PaymentOrder.objects.visible_to(declarant))


@pytest.mark.django_db
def test_the_declarations_say_where_policies_differ() -> None:
    # a superuser reads every row, as the nation-wide roles (whatever role it was made with)
    root = _user(Role.DECLARANT, is_superuser=True)
    assert _where(Declaration.objects.visible_to(root)) == ""
    # a model naming no party is the nation-wide roles' alone (the risk models)
    officer = _user(Role.OFFICER)
    assert not RiskModel.objects.visible_to(officer).exists()
    assert _where(RiskModel.objects.visible_to(_user(Role.ANALYST))) == ""
    # an audit case: its office's leaders, the officers on its team (not the office's others)
    office = Office.objects.create(code="VX", name_vi="Chi cục thử", kind="sub")
    officer.offices.add(office)
    where = _where(AuditCase.objects.visible_to(officer))
    assert "path" not in where and "auditcase_team" in where
    leader = _user(Role.LEADER)
    leader.offices.add(office)
    assert "path" in _where(AuditCase.objects.visible_to(leader))
    # an e-C/O names its importer by tax code: a declarant reads those naming its enterprises
    ent = Enterprise.objects.create(mst="0100000009", name="Thử")
    declarant = User.objects.create(username="v-declarant-mst", role=Role.DECLARANT)
    declarant.enterprises.add(ent)
    assert '"mst"' in _where(Certificate.objects.visible_to(declarant))
