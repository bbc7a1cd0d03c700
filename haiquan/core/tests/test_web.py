"""The page action layer (`core/web.py`): a service's refusal next to the form's fields, one way
to refuse, one PDF response."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils import translation

from haiquan.core.problems import Conflict, FieldProblem, Forbidden, ValidationFailed
from haiquan.core.web import (
    ProblemList,
    ProblemPageMiddleware,
    apply_problems,
    pdf_response,
    problems_onto,
)


class GoodsForm(forms.Form):
    goods_name = forms.CharField()
    team = forms.CharField(required=False)


def _refusal(*fields: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(f, f"bad {f}") for f in fields])


def test_problems_go_next_to_their_fields_or_on_top() -> None:
    form = GoodsForm({"goods_name": "x"})
    assert form.is_valid()
    apply_problems(form, _refusal("data.goods_name", "team[1]", "office"), prefix="data.")
    assert form.errors["goods_name"] == ["bad data.goods_name"]
    # team[1] is not a field: on top unless the path is cut to its root
    assert form.non_field_errors() == ["bad team[1]", "bad office"]

    form = GoodsForm({"goods_name": "x"})
    assert form.is_valid()
    apply_problems(form, _refusal("team[1]", "scores.A"), root=True, aliases={"scores.A": "team"})
    assert form.errors["team"] == ["bad team[1]", "bad scores.A"]


def test_a_row_s_problems_go_onto_the_row_of_its_formset() -> None:
    rows = forms.formset_factory(GoodsForm, extra=0)(
        {
            "g-TOTAL_FORMS": "2",
            "g-INITIAL_FORMS": "0",
            "g-0-goods_name": "a",
            "g-1-goods_name": "b",
        },
        prefix="g",
    )
    form = GoodsForm({"goods_name": "x"})
    assert rows.is_valid() and form.is_valid()
    with problems_onto(form, formsets={"goods": rows}) as outcome:
        raise _refusal("goods[1].goods_name", "goods[5].goods_name", "goods[0].nothing")
    assert outcome.failed
    assert rows.forms[1].errors["goods_name"] == ["bad goods[1].goods_name"]
    assert not rows.forms[0].errors
    # a row or a field the formset does not have: on top of the form
    assert form.non_field_errors() == ["bad goods[5].goods_name", "bad goods[0].nothing"]


def test_a_refusal_inside_the_block_skips_the_rest_and_lands_on_the_form() -> None:
    form = GoodsForm({"goods_name": "x"})
    assert form.is_valid()
    reached = []
    with problems_onto(form) as outcome:
        raise _refusal("goods_name")
        reached.append("after")  # pragma: no cover - skipped by the refusal
    assert outcome.failed and not reached and form.errors["goods_name"] == ["bad goods_name"]

    with problems_onto(form) as outcome:
        reached.append("done")
    assert not outcome.failed and reached == ["done"]

    # any other problem is not the form's: it goes up to the one refusal page
    with pytest.raises(Forbidden), problems_onto(form):
        raise Forbidden("not yours")


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False)


def test_refusals_declared_land_next_to_their_field_with_their_status() -> None:
    form = GoodsForm({"goods_name": "x"})
    assert form.is_valid()
    with problems_onto(form, refusals={Forbidden: "team"}) as outcome:
        raise Forbidden("not your enterprise")
    assert outcome.failed and outcome.status == 403
    assert form.errors["team"] == ["not your enterprise"]

    # a refusal with its own field problems puts those where they belong
    form = GoodsForm({"goods_name": "x"})
    assert form.is_valid()
    duplicate = Conflict("declared already")
    duplicate.errors = [FieldProblem("goods_name", "declared on 101")]
    with problems_onto(form, refusals={Conflict: ""}) as outcome:
        raise duplicate
    assert outcome.status == 409 and form.errors["goods_name"] == ["declared on 101"]

    # "" is the top of the form; a problem not named still goes up
    with problems_onto(form, refusals={Forbidden: ""}) as outcome:
        raise _refusal("goods_name")
    assert outcome.status == 422
    with pytest.raises(Conflict), problems_onto(form, refusals={Forbidden: ""}):
        raise Conflict("changed first")


def test_a_second_form_beside_takes_its_fields_problems() -> None:
    form, reason = GoodsForm({"goods_name": "x"}), ReasonForm({"reason": ""})
    assert form.is_valid() and reason.is_valid()
    with problems_onto(form, beside=(reason,)):
        raise _refusal("reason", "goods_name", "office")
    assert reason.errors == {"reason": ["bad reason"]}
    assert form.errors["goods_name"] == ["bad goods_name"]
    assert form.non_field_errors() == ["bad office"]


def test_a_target_that_is_not_one_form_and_a_list_of_problems() -> None:
    listed = ProblemList()
    with problems_onto(listed, refusals={Forbidden: ""}) as outcome:
        raise Forbidden("not yours")
    assert outcome.failed and listed == [FieldProblem("", "not yours", "forbidden")]


def test_replacing_the_service_s_rules_alone_one_problem_a_field() -> None:
    form = GoodsForm({"goods_name": ""})  # the form's own "required" is dropped
    apply_problems(
        form,
        _refusal("goods_name", "goods_name", "office", "elsewhere"),
        replacing=True,
    )
    assert form.errors == {"goods_name": ["bad goods_name"], "__all__": ["bad office"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("problem", "status"), [(Forbidden("not yours"), 403), (Conflict("changed first"), 409)]
)
def test_one_way_to_refuse(problem: Exception, status: int) -> None:
    request = RequestFactory().get("/anything/")
    request.user = AnonymousUser()
    middleware = ProblemPageMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    with translation.override("en"):
        response = middleware.process_exception(request, problem)
    assert response is not None and response.status_code == status
    assert str(problem) in response.content.decode()
    assert middleware.process_exception(request, ValueError("a bug")) is None  # still a 500


def test_one_pdf_response() -> None:
    response = pdf_response(b"%PDF-1.7", "declaration-1.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="declaration-1.pdf"'
    assert "Cache-Control" not in response
    private = pdf_response(b"%PDF-1.7", "HS-1.pdf", private=True)
    assert private["Cache-Control"] == "private, no-store"
    assert private["X-Content-Type-Options"] == "nosniff"
