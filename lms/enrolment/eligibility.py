"""Who may join a class: the plan's eligibility rules (报名条件) as one pure function.

The rules come from the class's training plan (the work plan's defaults: aged 16 to 45 on the
class's first day, junior high school or above, some computer foundation, one of the admitted
categories). Nothing here reads or writes the database beyond the objects passed in, so every
rule can be tested exhaustively.
"""

from django.utils.translation import gettext as _

from lms.accounts.models import TraineeProfile

EDUCATION_ORDER = list(TraineeProfile.Education.values)
COMPUTER_SKILL_ORDER = list(TraineeProfile.ComputerSkill.values)


def _rank(order, value):
    """The position of ``value`` in ``order``, or None for a blank or unknown value."""
    try:
        return order.index(value)
    except ValueError:
        return None


def _label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def eligibility_problems(profile, training_class):
    """The reasons ``profile`` may not join ``training_class``, translated; empty when eligible.

    Each reason says exactly what was found and what the class admits, e.g.
    "Aged 47 on 2026-12-01; this class admits 16 to 45."
    """
    plan = training_class.plan
    problems = []

    day = training_class.start_date
    age = profile.age_on(day)
    if age < plan.min_age or age > plan.max_age:
        problems.append(
            _("Aged %(age)d on %(day)s; this class admits %(min)d to %(max)d.")
            % {"age": age, "day": day.isoformat(), "min": plan.min_age, "max": plan.max_age}
        )

    needed = _rank(EDUCATION_ORDER, plan.min_education)
    if needed is not None:
        has = _rank(EDUCATION_ORDER, profile.education)
        if has is None or has < needed:
            if needed == len(EDUCATION_ORDER) - 1:  # "College or above" says it already
                message = _("Education: %(has)s; this class admits %(needed)s.")
            else:
                message = _("Education: %(has)s; this class admits %(needed)s or above.")
            problems.append(
                message
                % {
                    "has": _label(TraineeProfile.Education, profile.education),
                    "needed": _label(TraineeProfile.Education, plan.min_education),
                }
            )

    needed = _rank(COMPUTER_SKILL_ORDER, plan.min_computer_skill)
    if needed is not None:
        has = _rank(COMPUTER_SKILL_ORDER, profile.computer_skill)
        if has is None or has < needed:
            problems.append(
                _("Computer skill: %(has)s; this class needs %(needed)s or above.")
                % {
                    "has": _label(TraineeProfile.ComputerSkill, profile.computer_skill),
                    "needed": _label(TraineeProfile.ComputerSkill, plan.min_computer_skill),
                }
            )

    categories = [c for c in (plan.categories or []) if c]
    if categories and profile.category not in categories:
        problems.append(
            _("Category: %(has)s; this class admits %(admitted)s.")
            % {
                "has": _label(TraineeProfile.Category, profile.category),
                "admitted": _(", ").join(_label(TraineeProfile.Category, c) for c in categories),
            }
        )
    return problems


def rules_summary(training_class):
    """The class's rules in words, for the apply page and the API."""
    plan = training_class.plan
    rules = [
        _("Aged %(min)d to %(max)d on %(day)s.")
        % {"min": plan.min_age, "max": plan.max_age, "day": training_class.start_date.isoformat()}
    ]
    rank = _rank(EDUCATION_ORDER, plan.min_education)
    if rank is not None:
        needed = _label(TraineeProfile.Education, plan.min_education)
        if rank == len(EDUCATION_ORDER) - 1:
            rules.append(_("Education: %(needed)s.") % {"needed": needed})
        else:
            rules.append(_("Education: %(needed)s or above.") % {"needed": needed})
    if _rank(COMPUTER_SKILL_ORDER, plan.min_computer_skill) is not None:
        rules.append(
            _("Computer skill: %(needed)s or above.")
            % {"needed": _label(TraineeProfile.ComputerSkill, plan.min_computer_skill)}
        )
    categories = [c for c in (plan.categories or []) if c]
    if categories:
        rules.append(
            _("Categories admitted: %(admitted)s.")
            % {"admitted": _(", ").join(_label(TraineeProfile.Category, c) for c in categories)}
        )
    return rules
