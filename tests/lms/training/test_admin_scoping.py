"""Institution staff see and edit only their own institutions' rows, everywhere in the admin;
officers and administrators see all. Another institution's id gets the same 404 as an unknown
one."""

import pytest

from lms.training.models import TrainingClass, Venue
from tests.factories import training as build

UNKNOWN = 999999


@pytest.fixture
def rows(world):
    """One class (with a session) of each institution."""
    b_plan = build.make_plan(world.b, code="B-1")
    a_class = build.make_class(world.plan, status=TrainingClass.Status.PLANNED)
    b_class = build.make_class(b_plan, status=TrainingClass.Status.PLANNED)
    build.make_session(a_class, venue=world.classroom)
    return {"a_class": a_class, "b_class": b_class, "b_plan": b_plan}


def object_urls(world, rows, institution):
    """Every object URL of ``institution``'s rows, and the same with an unknown id."""
    a = institution == "a"
    ids = {
        "institution": (world.a if a else world.b).pk,
        "venue": (world.classroom if a else world.b_classroom).pk,
        "plan": (world.plan if a else rows["b_plan"]).pk,
        "class": (rows["a_class"] if a else rows["b_class"]).pk,
    }
    templates = [
        ("institution", "/admin/snippets/training/institution/edit/{}/"),
        ("institution", "/admin/snippets/training/institution/inspect/{}/"),
        ("institution", "/admin/snippets/training/institution/history/{}/"),
        ("institution", "/admin/snippets/training/institution/usage/{}/"),
        ("venue", "/admin/training/venues/edit/{}/"),
        ("venue", "/admin/training/venues/inspect/{}/"),
        ("venue", "/admin/training/venues/delete/{}/"),
        ("venue", "/admin/training/venues/history/{}/"),
        ("venue", "/admin/training/venues/usage/{}/"),
        ("plan", "/admin/training/plans/inspect/{}/"),
        ("plan", "/admin/training/plans/history/{}/"),
        ("plan", "/admin/training/plans/usage/{}/"),
        ("class", "/admin/training/classes/edit/{}/"),
        ("class", "/admin/training/classes/inspect/{}/"),
        ("class", "/admin/training/classes/history/{}/"),
        ("class", "/admin/training/classes/usage/{}/"),
        ("class", "/admin/training/classes/{}/status/"),
    ]
    return [(template.format(ids[kind]), template.format(UNKNOWN)) for kind, template in templates]


def test_staff_reach_their_own_rows(client, world, rows):
    client.force_login(world.staff_a)
    for url, _unknown in object_urls(world, rows, "a"):
        expected = 302 if "/delete/" in url else 200  # staff may not delete venues
        assert client.get(url).status_code == expected, url


def test_other_institutions_rows_are_404_like_unknown_ids(client, world, rows):
    client.force_login(world.staff_a)
    for url, unknown in object_urls(world, rows, "b"):
        other = client.get(url)
        missing = client.get(unknown)
        assert other.status_code == 404, url
        assert missing.status_code == 404, unknown


def test_posts_to_other_institutions_rows_change_nothing(client, world, rows):
    client.force_login(world.staff_a)
    response = client.post(
        f"/admin/training/venues/edit/{world.b_classroom.pk}/",
        {"name": "被改名", "kind": "classroom", "address": "x", "seats": "10"},
    )
    assert response.status_code == 404
    response = client.post(f"/admin/training/venues/delete/{world.b_classroom.pk}/")
    assert response.status_code == 404
    assert Venue.objects.get(pk=world.b_classroom.pk).name == "乙理论教室"
    response = client.post(
        f"/admin/snippets/training/institution/edit/{world.b.pk}/", {"legal_name": "被改名"}
    )
    assert response.status_code == 404
    world.b.refresh_from_db()
    assert world.b.legal_name == "乙培训学校"


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/admin/snippets/training/institution/", "institution"),
        ("/admin/training/venues/", "venue"),
        ("/admin/training/plans/", "plan"),
        ("/admin/training/classes/", "class"),
    ],
)
def test_listings_show_staff_only_their_rows(client, world, rows, make_user, url, key):
    own = {
        "institution": {world.a},
        "venue": {world.classroom, world.computer_room},
        "plan": {world.plan},
        "class": {rows["a_class"]},
    }[key]
    client.force_login(world.staff_a)
    assert set(client.get(url).context["object_list"]) == own
    everything = {
        "institution": {world.a, world.b},
        "venue": set(Venue.objects.all()),
        "plan": {world.plan, rows["b_plan"]},
        "class": {rows["a_class"], rows["b_class"]},
    }[key]
    roles = ["administrator", "commerce_officer"]
    if key != "venue":  # finance officers do not look at venues
        roles.append("finance_officer")
    for role in roles:
        client.force_login(make_user(role))
        assert set(client.get(url).context["object_list"]) == everything, role


def test_staff_of_no_institution_see_nothing(client, world, rows, make_user):
    client.force_login(make_user("institution_staff"))
    for url in ("/admin/training/plans/", "/admin/training/classes/", "/admin/training/venues/"):
        assert list(client.get(url).context["object_list"]) == []


def test_registrars_look_up_classes_read_only(client, world, rows, make_user):
    client.force_login(make_user("registrar"))
    listing = client.get("/admin/training/classes/")
    assert set(listing.context["object_list"]) == {rows["a_class"], rows["b_class"]}
    assert client.get(f"/admin/training/classes/inspect/{rows['a_class'].pk}/").status_code == 200
    edit = client.get(f"/admin/training/classes/edit/{rows['a_class'].pk}/")
    assert edit.status_code == 302  # no permission to change
    assert client.get("/admin/training/plans/").status_code == 302


def test_the_institution_chooser_lists_only_ones_own(client, world):
    client.force_login(world.staff_a)
    response = client.get("/admin/snippets/choose/training/institution/")
    assert response.status_code == 200
    text = response.json()["html"]
    assert world.a.legal_name in text and world.b.legal_name not in text
    chosen = client.get(f"/admin/snippets/choose/training/institution/chosen/{world.b.pk}/")
    assert chosen.status_code == 404


def test_staff_add_venues_only_for_their_own_institution(client, world):
    client.force_login(world.staff_a)
    response = client.get("/admin/training/venues/new/")
    assert list(response.context["form"].fields["institution"].queryset) == [world.a]
    data = {"name": "新机房", "kind": "computer_room", "address": "二楼", "seats": "40"}
    response = client.post("/admin/training/venues/new/", {**data, "institution": world.b.pk})
    assert response.status_code == 200
    assert not Venue.objects.filter(name="新机房").exists()
    response = client.post("/admin/training/venues/new/", {**data, "institution": world.a.pk})
    assert response.status_code == 302
    assert Venue.objects.get(name="新机房").institution == world.a
    response = client.post(
        "/admin/training/venues/new/",
        {**data, "name": "空房", "seats": "0", "institution": world.a.pk},
    )
    assert "seats" in response.context["form"].errors


def test_a_venue_never_moves_to_another_institution(client, world, make_user):
    client.force_login(make_user("administrator"))
    response = client.post(
        f"/admin/training/venues/edit/{world.classroom.pk}/",
        {
            "institution": world.b.pk,
            "name": "甲理论教室",
            "kind": "classroom",
            "address": "x",
            "seats": "30",
        },
    )
    assert response.status_code == 302
    world.classroom.refresh_from_db()
    assert world.classroom.institution == world.a and world.classroom.seats == 30


@pytest.mark.parametrize(
    ("role", "menu"),
    [
        ("institution_staff", {"venues", "plans", "classes", "institutions"}),
        ("commerce_officer", {"venues", "plans", "classes", "institutions"}),
        ("registrar", {"classes"}),
        ("head_teacher", set()),
        ("lecturer", set()),
    ],
)
def test_menu_items_follow_permissions(client, make_user, role, menu):
    client.force_login(make_user(role))
    text = client.get("/admin/").text
    shown = {
        name
        for name, url in [
            ("venues", "/admin/training/venues/"),
            ("plans", "/admin/training/plans/"),
            ("classes", "/admin/training/classes/"),
            ("institutions", "/admin/snippets/training/institution/"),
        ]
        if url in text
    }
    assert shown == menu
