"""Answers in the shapes the action and the site form take."""

from lms.evaluation.actions import check_submit_evaluation


def good_answers(training_class, score=4, **overrides):
    """Answers rating everything ``score``; ``overrides`` replace single keys."""
    answers = {
        "content": score,
        "organisation": score,
        "venue": score,
        "practicality": score,
        "overall": score,
        "comments": "",
        "lecturers": [
            {"lecturer_id": lecturer.pk, "score": score, "comment": ""}
            for lecturer in training_class.lecturers.all()
        ],
    }
    answers.update(overrides)
    return answers


def answer(enrolment, score=4, **overrides):
    """One trainee answers through the action, as the site would."""
    training_class = enrolment.training_class
    return check_submit_evaluation(
        training_class,
        enrolment,
        good_answers(training_class, score, **overrides),
        acting_user=enrolment.profile.user,
    )


def form_data(training_class, score=4, **overrides):
    """The site form's POST data rating everything ``score``."""
    data = {
        key: str(score) for key in ("content", "organisation", "venue", "practicality", "overall")
    }
    for lecturer in training_class.lecturers.all():
        data[f"lecturer_{lecturer.pk}"] = str(score)
        data[f"lecturer_{lecturer.pk}_comment"] = ""
    data["comments"] = ""
    data.update(overrides)
    return data
