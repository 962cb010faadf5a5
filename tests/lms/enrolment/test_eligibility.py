"""The plan's eligibility rules as a pure function: every rule, its edges and its message."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils.translation import override

from lms.accounts.models import TraineeProfile
from lms.enrolment.eligibility import eligibility_problems, rules_summary

FIRST_DAY = datetime.date(2026, 12, 1)


def plan(**rules):
    values = {
        "min_age": 16,
        "max_age": 45,
        "min_education": "junior_high",
        "min_computer_skill": "basic",
        "categories": [],
    }
    values.update(rules)
    return SimpleNamespace(**values)


def klass(**rules):
    return SimpleNamespace(plan=plan(**rules), start_date=FIRST_DAY)


def person(**fields):
    values = {
        "date_of_birth": datetime.date(1996, 5, 4),
        "education": "senior_high",
        "computer_skill": "basic",
        "category": "rural_youth",
    }
    values.update(fields)
    return TraineeProfile(**values)


def problems(profile, training_class):
    with override("en"):
        return eligibility_problems(profile, training_class)


def test_an_eligible_person_has_no_problems():
    assert problems(person(), klass()) == []


@pytest.mark.parametrize(
    ("born", "eligible"),
    [
        (datetime.date(2010, 12, 1), True),  # 16 on the first day
        (datetime.date(2010, 12, 2), False),  # 15, one day short
        (datetime.date(1980, 12, 2), True),  # 45, turns 46 the next day
        (datetime.date(1980, 12, 1), False),  # 46 on the first day
    ],
)
def test_age_is_counted_on_the_first_day(born, eligible):
    assert (problems(person(date_of_birth=born), klass()) == []) is eligible


def test_the_age_message_says_exactly_why():
    assert problems(person(date_of_birth=datetime.date(1979, 6, 1)), klass()) == [
        "Aged 47 on 2026-12-01; this class admits 16 to 45."
    ]


def test_the_plan_sets_the_ages():
    assert problems(person(date_of_birth=datetime.date(1996, 5, 4)), klass(max_age=25)) == [
        "Aged 30 on 2026-12-01; this class admits 16 to 25."
    ]


@pytest.mark.parametrize(
    ("education", "eligible"),
    [("primary", False), ("junior_high", True), ("senior_high", True), ("college", True)],
)
def test_education_at_or_above_the_minimum(education, eligible):
    assert (problems(person(education=education), klass()) == []) is eligible


def test_the_education_message():
    assert problems(person(education="primary"), klass()) == [
        "Education: Primary school; this class admits Junior high school or above."
    ]
    assert problems(person(education="senior_high"), klass(min_education="college")) == [
        "Education: Senior high or vocational school; this class admits College or above."
    ]


@pytest.mark.parametrize(
    ("skill", "eligible"), [("none", False), ("basic", True), ("proficient", True)]
)
def test_computer_skill_at_or_above_the_minimum(skill, eligible):
    assert (problems(person(computer_skill=skill), klass()) == []) is eligible


def test_the_computer_skill_message():
    assert problems(person(computer_skill="basic"), klass(min_computer_skill="proficient")) == [
        "Computer skill: Basic; this class needs Proficient or above."
    ]


def test_an_empty_category_list_admits_everyone():
    for category in TraineeProfile.Category.values:
        assert problems(person(category=category), klass(categories=[])) == []


def test_only_the_listed_categories_are_admitted():
    rules = klass(categories=["village_cadre", "government_cadre"])
    assert problems(person(category="village_cadre"), rules) == []
    assert problems(person(category="rural_youth"), rules) == [
        "Category: Rural youth; this class admits Village cadre, Party or government cadre."
    ]


def test_a_blank_minimum_is_no_rule():
    assert (
        problems(
            person(education="primary", computer_skill="none"),
            klass(min_education="", min_computer_skill=""),
        )
        == []
    )


def test_every_failed_rule_is_reported():
    found = problems(
        person(
            date_of_birth=datetime.date(1970, 1, 1),
            education="primary",
            computer_skill="none",
            category="other",
        ),
        klass(categories=["rural_youth"]),
    )
    assert len(found) == 4
    assert found[0].startswith("Aged 56")


def test_the_rules_in_words():
    with override("en"):
        assert rules_summary(klass(categories=["rural_youth"])) == [
            "Aged 16 to 45 on 2026-12-01.",
            "Education: Junior high school or above.",
            "Computer skill: Basic or above.",
            "Categories admitted: Rural youth.",
        ]


def test_messages_are_translated():
    with override("zh-hans"):
        found = eligibility_problems(person(education="primary"), klass())
    assert "小学" in found[0]
