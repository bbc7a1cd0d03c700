"""Every read of a trader's declaration by a customs user leaves one row in the access trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haiquan.audit.choices import Part, Via
from haiquan.audit.models import AccessRecord, AppendOnlyError
from haiquan.audit.selectors import access_records
from haiquan.audit.services import declaration_access_record
from haiquan.core.tests.world import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_limits")]
URL = "/api/v1/declarations"


def test_an_officer_reading_a_declaration_is_recorded_with_who_what_when_and_how(
    world: World, client: Client
) -> None:
    decl = world.own.declarations["awaiting"]
    before = timezone.now()
    resp = client.get(f"{URL}/{decl.pk}", **world.auth("officer"))
    assert resp.status_code == 200
    (rec,) = AccessRecord.objects.all()
    assert rec.user == world.users["officer"] and rec.role == "officer"
    assert (rec.via, rec.part) == (Via.API, Part.DETAIL)
    assert rec.subject_id == decl.pk and rec.subject_reference == decl.number
    assert rec.enterprise == world.own.enterprise and rec.office_code == "20BD"
    assert rec.address == "127.0.0.1" and rec.occurred_at >= before


@pytest.mark.parametrize(
    ("suffix", "part"),
    [("/events", Part.EVENTS), ("/versions", Part.VERSIONS), ("/checks", Part.CHECKS)],
)
def test_the_declarations_other_parts_are_recorded_too(
    world: World, client: Client, suffix: str, part: Part
) -> None:
    decl = world.own.declarations["yellow"]
    assert client.get(f"{URL}/{decl.pk}{suffix}", **world.auth("leader")).status_code == 200
    assert list(AccessRecord.objects.values_list("part", "role")) == [(part, "leader")]


def test_analysts_reads_of_any_office_are_recorded(world: World, client: Client) -> None:
    decl = world.other.declarations["cleared"]
    client.get(f"{URL}/{decl.pk}", **world.auth("analyst"))
    client.get(f"{URL}/{decl.pk}", **world.auth("admin"))
    assert sorted(AccessRecord.objects.values_list("role", flat=True)) == ["admin", "analyst"]
    assert set(AccessRecord.objects.values_list("enterprise", flat=True)) == {
        world.other.enterprise.pk
    }


@pytest.mark.parametrize("role", ["declarant", "broker"])
def test_traders_reading_their_own_declarations_are_not_recorded(
    world: World, client: Client, role: str
) -> None:
    decl = world.own.declarations["awaiting"]
    assert client.get(f"{URL}/{decl.pk}", **world.auth(role)).status_code == 200
    assert not AccessRecord.objects.exists()


def test_a_refused_read_records_nothing(world: World, client: Client) -> None:
    decl = world.other.declarations["awaiting"]  # Sóng Thần: outside the officer's offices
    assert client.get(f"{URL}/{decl.pk}", **world.auth("officer")).status_code == 404
    assert not AccessRecord.objects.exists()


def test_lists_and_officers_actions_are_not_reads_of_a_detail(world: World, client: Client) -> None:
    client.get(URL, **world.auth("officer"))
    client.get(f"{URL}/queue", **world.auth("officer"))
    assert not AccessRecord.objects.exists()


def test_recording_costs_one_insert_and_nothing_else(world: World) -> None:
    decl = (
        type(world.own.declarations["awaiting"])
        .objects.select_related("office")
        .get(pk=world.own.declarations["awaiting"].pk)
    )
    officer = world.users["officer"]
    with CaptureQueriesContext(connection) as ctx:
        declaration_access_record(user=officer, declaration=decl, via=Via.PAGE)
    sql = [q["sql"] for q in ctx.captured_queries]
    assert len(sql) == 1 and sql[0].startswith('INSERT INTO "audit_accessrecord"'), sql


def test_the_trail_cannot_be_changed_or_deleted(world: World) -> None:
    decl = world.own.declarations["awaiting"]
    rec = declaration_access_record(user=world.users["leader"], declaration=decl, via=Via.API)
    assert rec is not None
    with pytest.raises(AppendOnlyError):
        rec.save()
    with pytest.raises(AppendOnlyError):
        rec.delete()
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=rec.pk).update(role="admin")
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_itself_refuses_to_change_the_trail(world: World) -> None:
    decl = world.own.declarations["awaiting"]
    rec = declaration_access_record(user=world.users["leader"], declaration=decl, via=Via.API)
    assert rec is not None
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("UPDATE audit_accessrecord SET role = 'x' WHERE id = %s", [rec.pk])


def test_administrators_query_who_read_an_enterprises_declarations(
    world: World, client: Client
) -> None:
    own, other = world.own.declarations, world.other.declarations
    client.get(f"{URL}/{own['awaiting'].pk}", **world.auth("officer"))
    client.get(f"{URL}/{own['red'].pk}", **world.auth("leader"))
    client.get(f"{URL}/{other['red'].pk}", **world.auth("analyst"))
    mine = access_records(enterprise_mst=world.own.enterprise.mst)
    assert [(r.user.username, r.subject_id) for r in mine] == [
        ("w.leader", own["red"].pk),  # newest first
        ("w.officer", own["awaiting"].pk),
    ]
    assert access_records(user_id=world.users["analyst"].pk).get().subject_id == other["red"].pk
    assert access_records(declaration_id=own["red"].pk).count() == 1
    later = timezone.now() + timedelta(seconds=1)
    assert not access_records(since=later).exists()
    assert access_records(until=later).count() == 3


def test_the_admin_site_shows_the_trail_read_only(world: World, client: Client) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    decl = world.own.declarations["awaiting"]
    client.get(f"{URL}/{decl.pk}", **world.auth("officer"))
    admin = world.users["admin"]
    browser = Client()
    browser.force_login(admin)
    device = TOTPDevice.objects.create(user=admin, name="test", confirmed=True)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    page = browser.get("/admin/audit/accessrecord/")
    assert page.status_code == 200
    assert decl.number is not None and decl.number in page.content.decode()
    assert browser.get("/admin/audit/accessrecord/add/").status_code == 403
