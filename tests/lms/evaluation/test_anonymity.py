"""Answers cannot be traced to a trainee: not by the data model, not by order, not by any page."""

import pytest
from django.db import models
from wagtail.snippets.models import get_snippet_models

from lms.audit.models import AuditEvent
from lms.evaluation.models import EvaluationReceipt, EvaluationResponse, LecturerRating

from .helpers import answer

ANSWER_MODELS = [EvaluationResponse, LecturerRating]


@pytest.mark.parametrize("model", ANSWER_MODELS)
def test_answers_have_no_link_to_a_person_or_a_receipt(model):
    forbidden = {
        "accounts.user",
        "accounts.traineeprofile",
        "enrolment.classenrolment",
        "evaluation.evaluationreceipt",
    }
    for field in model._meta.get_fields():
        if field.is_relation and field.related_model is not None:
            assert field.related_model._meta.label_lower not in forbidden, field.name


@pytest.mark.parametrize("model", ANSWER_MODELS)
def test_answers_carry_no_time(model):
    for field in model._meta.get_fields():
        assert not isinstance(field, models.DateField | models.TimeField), field.name


def test_the_receipt_keeps_only_the_date():
    fields = {field.name: field for field in EvaluationReceipt._meta.concrete_fields}
    assert set(fields) == {"id", "enrolment", "training_class", "submitted_on"}
    assert type(fields["submitted_on"]) is models.DateField


def test_no_admin_listing_of_single_answers_or_receipts():
    registered = {model._meta.label_lower for model in get_snippet_models()}
    assert not registered & {
        "evaluation.evaluationresponse",
        "evaluation.lecturerrating",
        "evaluation.evaluationreceipt",
    }


def test_the_audit_trail_never_points_at_an_answer(world):
    for enrolment in world.enrolments[:3]:
        answer(enrolment, comments="意见")
    response_ids = {str(pk) for pk in EvaluationResponse.objects.values_list("pk", flat=True)}
    for event in AuditEvent.objects.all():
        assert not event.object_type.startswith("evaluation.evaluationresponse")
        assert not event.object_type.startswith("evaluation.lecturerrating")
        assert "意见" not in str(event.changes)
        if event.object_type == "evaluation.evaluationreceipt":
            assert set(event.changes) == {"training_class"}
    assert response_ids  # the answers exist; the audit just never names them


def test_comment_order_on_the_page_follows_the_text_not_the_submission(client, world):
    texts = ["丁：希望多讲直播带货", "乙：机房网速慢", "甲：老师很负责", "丙：时间太紧"]
    for enrolment, text in zip(world.enrolments, texts, strict=True):
        answer(enrolment, comments=text)
    client.force_login(world.head_teacher)
    html = client.get(f"/training/classes/{world.training_class.pk}/evaluation/results/").text
    positions = [html.index(text) for text in sorted(texts)]
    assert positions == sorted(positions)


def test_the_results_api_exposes_no_answer_ids(client, world):
    for enrolment in world.enrolments[:3]:
        answer(enrolment, comments=f"意见{enrolment.pk}")
    client.force_login(world.head_teacher)
    body = client.get(f"/api/v1/classes/{world.training_class.pk}/evaluation/results").json()
    assert all(isinstance(comment, str) for comment in body["comments"])
    for lecturer in body["lecturers"]:
        assert set(lecturer) == {"id", "name", "title", "average", "count", "comments"}
        assert all(isinstance(comment, str) for comment in lecturer["comments"])
    assert set(body["non_answerers"][0]) == {"name", "village"}
