"""The matrix's pages of online public services, time release, statistics and accounts.

Online public services (`/eservices/`): "own" filings are Hoàng Long's, filed by its broker at
Móng Cái (20BD), "other" ones Minh Anh's at Sóng Thần (43IH) (`haiquan/eservices/tests/world.py`).
The catalogue, a procedure's page and the check of a signed result are public; a filing, its
documents and its result are for its parties only (404 to everyone else, so references do not
leak). The form's actions are tried by their POST as well as by a GET (405 to a GET: they only
take a form): a trader's actions (attach, submit, pay, answer) refuse customs with 403 on a filing
they may see; an officer's (receive, ask for more, decide) refuse traders with 403 before any
filing is looked up, and analysts and administrators, who see every filing but handle none.

Time release (`/time-release/`) and statistics (`/statistics/`): customs only, each over the
offices in its scope; "own" asks for the report of 20BD, "other" for 43IH's, which the officer
(20BD) and the leader (department 20) may not read.

Accounts (`/accounts/`): the log-in page is public; a user already logged in is sent on (302),
as is anyone who opens the second-factor page with nothing left to verify. Log-out and the
language switch take a POST only, from anyone. An enrolment link opens only for its own user.

`302` is a redirect to a page other than the log-in page: a form's POST done (the page then
shows the result), or a page with nothing for this user sending it on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import SimpleUploadedFile

from haiquan.accounts.services import enrolment_link_issue, user_create
from haiquan.eservices.tests.world import FILING_STATES, PDF, EServicesParty
from haiquan.stats import services as stats_services

if TYPE_CHECKING:
    from ..test_authz_matrix import Target
    from ..world import World

# fmt: off
TABLE = """
# online public services: the catalogue is public (customs are sent on to their service requests)
GET      /eservices/                                          page                  ok        ok      302     302     302     302     ok       ok
GET      /eservices/procedures/{code}/                        es:procedure          ok        ok      ok      ok      ok      ok      ok       ok
GET      /eservices/procedures/{code}/file/                   es:procedure          ok        ok      403     403     403     403     403      login
GET      /eservices/filings/{pk}/                             pg:filing:approved    ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  login
# customs see drafts at their office, as with declarations (clearance's rows record it)
GET      /eservices/filings/{pk}/                             pg:filing:draft       ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  login
GET      /eservices/filings/{pk}/edit/                        pg:filing:draft       ok/404    ok/404  403/403 403/403 403/403 403/403 403/403  login
POST     /eservices/filings/{pk}/edit/                        pg:edit               302/404   302/404 403/403 403/403 403/403 403/403 403/403  login
GET      /eservices/filings/{pk}/documents/                   pg:filing:draft       405/405   405/405 405/405 405/405 405/405 405/405 405/405  login
POST     /eservices/filings/{pk}/documents/                   pg:upload             302/404   302/404 403/404 403/404 403/403 403/403 404/404  login
GET      /eservices/filings/{pk}/documents/{doc}/             pg:document           ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  login
GET      /eservices/filings/{pk}/documents/{doc}/delete/      pg:document           405/405   405/405 405/405 405/405 405/405 405/405 405/405  login
POST     /eservices/filings/{pk}/documents/{doc}/delete/      pg:document           302/404   302/404 403/404 403/404 403/403 403/403 404/404  login
GET      /eservices/filings/{pk}/submit/                      pg:filing:draft       405/405   405/405 405/405 405/405 405/405 405/405 405/405  login
POST     /eservices/filings/{pk}/submit/                      pg:filing:draft       302/404   302/404 403/404 403/404 403/403 403/403 404/404  login
GET      /eservices/filings/{pk}/fee/                         pg:filing:awaiting_fee 405/405  405/405 405/405 405/405 405/405 405/405 405/405  login
POST     /eservices/filings/{pk}/fee/                         pg:filing:awaiting_fee 302/404  302/404 403/404 403/404 403/403 403/403 404/404  login
GET      /eservices/filings/{pk}/fee/bank/                    pg:filing:awaiting_fee 405/405  405/405 405/405 405/405 405/405 405/405 405/405  login
POST     /eservices/filings/{pk}/fee/bank/                    pg:filing:awaiting_fee 302/404  302/404 403/404 403/404 403/403 403/403 404/404  login
GET      /eservices/filings/{pk}/answer/                      pg:filing:info_requested 405/405 405/405 405/405 405/405 405/405 405/405 405/405 login
POST     /eservices/filings/{pk}/answer/                      pg:answer             302/404   302/404 403/404 403/404 403/403 403/403 404/404  login
GET      /eservices/filings/{pk}/receive/                     pg:filing:submitted   403/403   403/403 405/405 405/405 405/405 405/405 403/403  login
POST     /eservices/filings/{pk}/receive/                     pg:filing:submitted   403/403   403/403 302/404 302/404 403/403 403/403 403/403  login
GET      /eservices/filings/{pk}/request/                     pg:filing:in_review   403/403   403/403 405/405 405/405 405/405 405/405 403/403  login
POST     /eservices/filings/{pk}/request/                     pg:request            403/403   403/403 302/404 302/404 403/403 403/403 403/403  login
GET      /eservices/filings/{pk}/decide/                      pg:filing:in_review   403/403   403/403 405/405 405/405 405/405 405/405 403/403  login
POST     /eservices/filings/{pk}/decide/                      pg:decide             403/403   403/403 302/404 302/404 403/403 403/403 403/403  login
GET      /eservices/filings/{pk}/result.pdf                   pg:filing:approved    ok/404    ok/404  ok/404  ok/404  ok/ok   ok/ok   404/404  login
GET      /eservices/requests/                                 page                  403       403     ok      ok      ok      ok      403      login
GET      /eservices/performance/                              page                  403       403     403     ok      ok      ok      403      login
GET      /eservices/verify/                                   page                  ok        ok      ok      ok      ok      ok      ok       ok
# anyone may check any signed result: "other" is Minh Anh's
GET      /eservices/verify/{code}/                            pg:verify             ok/ok     ok/ok   ok/ok   ok/ok   ok/ok   ok/ok   ok/ok    ok/ok
# time release: customs only, on the offices in their scope
GET      /time-release/                                       pg:tr-office          403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  login
GET      /time-release/borders/                               pg:tr-office          403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  login
GET      /time-release/sample/                                pg:tr-office          403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  login
GET      /time-release/export.csv                             pg:tr-office          403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  login
GET      /time-release/export.xlsx                            pg:tr-office          403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  login
GET      /time-release/report.pdf                             pg:tr-office          403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  login
# statistics: customs only, on the offices in their scope; targets set by leaders and administrators
GET      /statistics/                                         pg:stats-office       403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  login
GET      /statistics/export.csv                               pg:stats-office       403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  login
GET      /statistics/export.xlsx                              pg:stats-office       403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  login
GET      /statistics/report.pdf                               pg:stats-office       403/403   403/403 ok/403  ok/403  ok/ok   ok/ok   403/403  login
GET      /statistics/targets/                                 page                  403       403     ok      ok      ok      ok      403      login
POST     /statistics/targets/                                 pg:stats-target-in    403/403   403/403 403/403 302/403 403/403 302/302 403/403  login
GET      /statistics/targets/{pk}/                            pg:stats-target       403/403   403/403 ok/404  ok/404  ok/ok   ok/ok   403/403  login
# accounts: the log-in page is public; whoever is logged in already is sent on
GET      /accounts/login/                                     page                  302       302     302     302     302     302     302      ok
GET      /accounts/logout/                                    page                  405       405     405     405     405     405     405      405
POST     /accounts/logout/                                    page                  login     login   login   login   login   login   login    login
GET      /accounts/password/                                  page                  ok        ok      ok      ok      ok      ok      ok       login
GET      /accounts/password/done/                             page                  ok        ok      ok      ok      ok      ok      ok       login
# nothing left to verify: traders have no second factor, customs here have passed theirs
GET      /accounts/second-factor/                             page                  302       302     302     302     302     302     302      login
# an administrator's one-time enrolment link: "own" is issued for the officer, "other" for another
# officer; it works only for its own user, after the password (404 to everyone else)
GET      /accounts/enrol/{key}/                               pg:enrol              404/404   404/404 ok/404  404/404 404/404 404/404 404/404  login
GET      /accounts/language/                                  page                  405       405     405     405     405     405     405      405
POST     /accounts/language/                                  pg:language           302       302     302     302     302     302     302      302
"""  # noqa: E501
# fmt: on

PAGE_NAMESPACES = ("eservices", "timerelease", "stats", "accounts")


def _target(**kwargs: Any) -> Target:
    from ..test_authz_matrix import Target  # the matrix imports its parts before defining it

    return Target(**kwargs)


def _es(world: World, scope: str) -> EServicesParty:
    party: EServicesParty = world.eservices[scope]
    return party


def _filing(state: str, form: Callable[[], dict[str, Any]] | None = None) -> Subject:
    def make(world: World, scope: str) -> Target:
        f = _es(world, scope).filings[state]
        return _target(path={"pk": f.pk}, form=form() if form else None)

    return make


def _document(world: World, scope: str) -> Target:
    doc = _es(world, scope).document
    assert doc is not None
    return _target(path={"pk": doc.filing_id, "doc": doc.pk})


def _upload() -> dict[str, Any]:
    return {"slot": "letter", "file": SimpleUploadedFile("thu.pdf", PDF, "application/pdf")}


def _verify(world: World, scope: str) -> Target:
    code = _es(world, scope).filings["approved"].result_code
    assert code
    return _target(path={"code": code})


def _office_query(**extra: Any) -> Subject:
    def make(world: World, scope: str) -> Target:
        return _target(query={"office": world.party(scope).office_code, **extra})

    return make


def _stats_target(world: World, scope: str) -> Target:
    return _target(path={"pk": world.extra["pages"]["targets"][scope].pk})


def _stats_target_in(world: World, scope: str) -> Target:
    return _target(
        form={
            "office_code": world.party(scope).office_code,
            "year": "2027",
            "authority": "mof",
            "amount_vnd": "2000000000",
            "reason": "Dự toán năm 2027",
        }
    )


Subject = Callable[["World", str], "Target"]

SUBJECTS: dict[str, Subject] = {
    **{f"pg:filing:{state}": _filing(state) for state in FILING_STATES},
    "pg:edit": _filing("draft", lambda: {"subject": "Sửa nội dung"}),
    "pg:upload": _filing("draft", _upload),
    "pg:answer": _filing("info_requested", lambda: {"text": "Đã bổ sung hợp đồng"}),
    "pg:request": _filing("in_review", lambda: {"text": "Đề nghị bổ sung hợp đồng"}),
    "pg:decide": _filing("in_review", lambda: {"outcome": "approved", "text": "Đồng ý"}),
    "pg:document": _document,
    "pg:verify": _verify,
    # a WCO sample study also needs its days; the other pages ignore them
    "pg:tr-office": _office_query(start="2026-01-05", days="3"),
    "pg:stats-office": _office_query(month_from="2026-01"),
    "pg:stats-target": _stats_target,
    "pg:stats-target-in": _stats_target_in,
    "pg:language": lambda world, scope: _target(form={"language": "en", "next": "/eservices/"}),
    "pg:enrol": lambda world, scope: _target(path={"key": world.extra["pages"]["enrol"][scope]}),
}

BODIES: dict[tuple[str, str], Callable[[World, str], Any]] = {}

UNOWNED = frozenset({"pg:language"})


def build(world: World) -> dict[str, Any]:
    """A revenue target of each party's office (2026, General Department), set by the
    administrator, for the target's page."""
    targets = {}
    for scope in ("own", "other"):
        target, _created = stats_services.target_set(
            actor=world.users["admin"],
            office_code=world.party(scope).office_code,
            year=2026,
            authority="gdvc",
            amount_vnd="5000000000",
            reason="Chỉ tiêu phấn đấu",
        )
        targets[scope] = target
    someone = user_create(
        username="w.enrol.other", password=None, role="officer", office_codes=["43IH"]
    )
    enrol = {
        "own": enrolment_link_issue(user=world.users["officer"])[1],
        "other": enrolment_link_issue(user=someone)[1],
    }
    return {"targets": targets, "enrol": enrol}
