"""Admin forms for institutions, venues, training plans and training classes with sessions.

Each form narrows its choices to what the signed-in user may use (institution staff see only
their own institutions' rows) and judges the input with the rule functions in ``actions`` and
``validators``, which the API and commands call too. Status fields are never in a form: they
change only through the actions.
"""

from types import SimpleNamespace

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from courses_content.models import CoursePage, LessonPage, TierPage
from lms.accounts.models import TraineeProfile

from . import actions
from .models import Institution, InstitutionEvidence, Lecturer, TrainingPlan, Venue
from .policy import (
    can_act_for_institution,
    can_edit_qualification,
    institutions_visible_to,
    is_administrator,
    staffed_institution_ids,
)

QUALIFICATION_FIELDS = [
    "legal_personality_met",
    "legal_personality_note",
    "clean_record_met",
    "clean_record_note",
    "capacity_met",
    "capacity_note",
    "teaching_team_met",
    "teaching_team_note",
]


def _add_errors(form, errors):
    """Add ``{field: [messages]}`` to ``form``; unknown fields go to the top of the form."""
    for field, messages in errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def institutions_user_acts_for(user):
    """The institutions whose plans, venues and classes ``user`` may create."""
    queryset = institutions_visible_to(user)
    if is_administrator(user):
        return queryset
    return queryset.filter(pk__in=staffed_institution_ids(user))


def _readable(value):
    if isinstance(value, QuerySet | list | tuple):
        return [str(item) for item in value]
    return value


def changed_values(form, names):
    """``{field: [before, after]}`` for the changed fields among ``names``, for the audit."""
    return {
        name: [_readable(form.initial.get(name)), _readable(form.cleaned_data.get(name))]
        for name in names
        if name in form.changed_data
    }


def user_label(user):
    """A person's name and sign-in, without a query per choice."""
    name = user.get_full_name()
    return f"{name}（{user.username}）" if name else user.username


def _restrict_child_forms(formset, restrict):
    """Make every form of ``formset`` (including the blank one the page copies) call
    ``restrict(form)`` once built. Must run before the formset's forms are first used."""
    base = formset.form

    class RestrictedForm(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            restrict(self)

    formset.form = RestrictedForm


# --- Institutions ----------------------------------------------------------------------------


class InstitutionForm(WagtailAdminModelForm):
    """The institution editor. Once an institution is no longer just applied, its four
    conditions, evidence and credit code are the record the Bureau decided on: institution
    staff see them read-only, and officers' changes to them are audited."""

    LOCKED_FIELDS = [*QUALIFICATION_FIELDS, "credit_code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        self.qualification_editable = user is None or can_edit_qualification(user, self.instance)
        if "staff" in self.fields:
            self.fields["staff"].queryset = (
                get_user_model()
                .objects.filter(Q(groups__name="institution_staff") | Q(pk__in=self._staff_ids()))
                .distinct()
                .order_by("username")
            )
            self.fields["staff"].label_from_instance = user_label
        if not self.qualification_editable:
            for name in self.LOCKED_FIELDS:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = gettext_lazy(
                        "Fixed once the institution was assessed; ask the County Bureau of "
                        "Commerce to change it."
                    )
            if not self.is_bound:
                for child in self.formsets.get("evidence", []):
                    for field in child.fields.values():
                        field.disabled = True

    def _staff_ids(self):
        if self.instance.pk is None:
            return []
        return list(self.instance.staff.values_list("pk", flat=True))

    def is_valid(self):
        valid = super().is_valid()
        evidence = self.formsets.get("evidence")
        if not self.qualification_editable and evidence is not None and evidence.has_changed():
            self.add_error(
                None,
                _(
                    "The evidence of an assessed institution can be changed only by the County "
                    "Bureau of Commerce."
                ),
            )
            return False
        return valid

    def _evidence_state(self):
        if self.instance.pk is None:
            return []
        return sorted(
            f"{condition}:{document_id}"
            for condition, document_id in InstitutionEvidence.objects.filter(
                institution_id=self.instance.pk
            ).values_list("condition", "document_id")
        )

    def save(self, commit=True):
        existed = self.instance.pk is not None
        changes = changed_values(self, QUALIFICATION_FIELDS)
        evidence_before = self._evidence_state() if existed else []
        instance = super().save(commit=commit)
        if commit and existed:
            evidence_after = self._evidence_state()
            if evidence_after != evidence_before:
                changes["evidence"] = [evidence_before, evidence_after]
            actions.record_qualification_edit(instance, changes, acting_user=self.for_user)
        return instance


# --- Venues ----------------------------------------------------------------------------------


class VenueForm(WagtailAdminModelForm):
    """A classroom or computer room of one of the user's institutions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("institution")
        if field is not None:
            if self.instance.pk is not None:
                field.queryset = Institution.objects.filter(pk=self.instance.institution_id)
                field.disabled = True  # sessions were booked here; a venue never moves
            else:
                field.queryset = institutions_user_acts_for(self.for_user)
            field.empty_label = None if field.queryset.count() == 1 else field.empty_label

    def clean_seats(self):
        seats = self.cleaned_data.get("seats")
        if seats is not None and seats < 1:
            raise ValidationError(_("A venue has at least one seat."))
        return seats


# --- Training plans --------------------------------------------------------------------------


class CourseChoiceField(forms.ModelMultipleChoiceField):
    """Courses labelled with their tier, so staff pick from the right curricula."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tier_titles = None

    def label_from_instance(self, obj):
        if self._tier_titles is None:
            self._tier_titles = dict(TierPage.objects.values_list("path", "title"))
        tier = self._tier_titles.get(obj.path[: -obj.steplen], "")
        return f"{tier} / {obj.title}" if tier else obj.title


class TrainingPlanForm(WagtailAdminModelForm):
    """A draft (or rejected) revision of a training plan. Submitted, approved and superseded
    revisions are frozen: the form refuses them, and a change is a new revision."""

    courses = CourseChoiceField(
        queryset=CoursePage.objects.none(),
        label=gettext_lazy("courses"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("From the curricula of the plan's tier."),
    )
    min_education = forms.ChoiceField(
        label=gettext_lazy("minimum education"),
        choices=TraineeProfile.Education.choices,
        initial=TraineeProfile.Education.JUNIOR_HIGH,
    )
    min_computer_skill = forms.ChoiceField(
        label=gettext_lazy("minimum computer skill"),
        choices=TraineeProfile.ComputerSkill.choices,
        initial=TraineeProfile.ComputerSkill.BASIC,
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("categories admitted"),
        choices=TraineeProfile.Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave all unticked to admit every category."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        plan = self.instance
        if "courses" in self.fields:
            self.fields["courses"].queryset = CoursePage.objects.order_by("path")
        institution = self.fields.get("institution")
        if institution is not None:
            if plan.pk is not None:
                institution.queryset = Institution.objects.filter(pk=plan.institution_id)
                institution.disabled = True
            else:
                institution.queryset = institutions_user_acts_for(self.for_user)
                if institution.queryset.count() == 1:
                    institution.initial = institution.queryset.get().pk
                    institution.empty_label = None
        if "code" in self.fields and plan.pk is not None and plan.revision > 1:
            self.fields["code"].disabled = True  # shared by every revision
        if "venues" in self.fields:
            venues = Venue.objects.select_related("institution")
            if plan.pk is not None:
                venues = venues.filter(institution_id=plan.institution_id)
            else:
                venues = venues.filter(institution__in=institutions_user_acts_for(self.for_user))
            self.fields["venues"].queryset = venues
        if "lecturers" in self.fields:
            self.fields["lecturers"].queryset = Lecturer.objects.all()

    def clean(self):
        cleaned = super().clean()
        plan = self.instance
        if plan.pk is not None and plan.status not in actions.PLAN_EDITABLE:
            raise ValidationError(
                _("This revision is %(status)s and frozen; start a new revision to change it.")
                % {"status": plan.get_status_display()}
            )
        institution = cleaned.get("institution") or (
            plan.institution if plan.institution_id else None
        )
        if (
            institution is not None
            and self.for_user is not None
            and not can_act_for_institution(self.for_user, institution)
        ):
            self.add_error("institution", _("Choose one of your institutions."))
            return cleaned
        code = cleaned.get("code")
        if (
            plan.pk is None
            and institution is not None
            and code
            and TrainingPlan.objects.filter(institution=institution, code=code).exists()
        ):
            self.add_error(
                "code",
                _(
                    "This institution already has a plan with this code; to change it, start a "
                    "new revision from its approved revision."
                ),
            )
        values = SimpleNamespace(
            institution_id=institution.pk if institution is not None else None,
            **{
                name: cleaned.get(name)
                for name in [
                    "tier",
                    "number_of_classes",
                    "trainees_per_class",
                    "days_per_class",
                    "start_date",
                    "end_date",
                    "min_age",
                    "max_age",
                    "village_quota",
                    "min_education",
                    "min_computer_skill",
                    "categories",
                ]
            },
        )
        errors = actions.plan_errors(
            values,
            courses=cleaned.get("courses") or [],
            venues=cleaned.get("venues") or [],
            lecturers=cleaned.get("lecturers") or [],
        )
        _add_errors(self, {k: v for k, v in errors.items() if k not in self.errors})
        return cleaned

    def save(self, commit=True):
        plan = self.instance
        created = plan.pk is None
        if created and self.for_user is not None and self.for_user.pk:
            plan.created_by = self.for_user
        changes = {} if created else changed_values(self, list(self.fields))
        plan = super().save(commit=commit)
        if commit:
            actions.record(
                "training_plan.created" if created else "training_plan.edited",
                plan,
                actor=self.for_user,
                changes=changes,
            )
        return plan


# --- Training classes and sessions -----------------------------------------------------------


class TrainingClassForm(WagtailAdminModelForm):
    """A class and its sessions (edited inline).

    The plan is chosen once, from the approved revisions of the user's institutions' plans;
    the class keeps it (and its institution and tier) from then on. Every rule is checked by
    ``actions.class_errors`` and ``actions.session_errors_for``; an archived class refuses
    any change.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        training_class = self.instance
        user = self.for_user
        plan = training_class.plan if training_class.plan_id else None
        if "plan" in self.fields:
            field = self.fields["plan"]
            if plan is not None:
                field.queryset = TrainingPlan.objects.filter(pk=plan.pk)
                field.disabled = True  # classes stay with the revision they opened under
            else:
                field.queryset = TrainingPlan.objects.filter(
                    status=TrainingPlan.Status.APPROVED,
                    institution__in=institutions_user_acts_for(user),
                ).select_related("institution")
        if "head_teacher" in self.fields:
            self.fields["head_teacher"].queryset = (
                get_user_model()
                .objects.filter(groups__name="head_teacher", is_active=True)
                .order_by("username")
            )
            self.fields["head_teacher"].label_from_instance = user_label
        if "lecturers" in self.fields:
            self.fields["lecturers"].queryset = (
                plan.lecturers.all() if plan is not None else Lecturer.objects.all()
            )

        if plan is not None:
            venues = Venue.objects.filter(institution_id=plan.institution_id)
            lecturers = plan.lecturers.all()
            paths = list(plan.courses.values_list("path", flat=True))
            lesson_filter = Q(pk__in=[])
            for path in paths:
                lesson_filter |= Q(path__startswith=path)
            lessons = LessonPage.objects.filter(lesson_filter).order_by("path")
        else:
            venues = Venue.objects.filter(institution__in=institutions_user_acts_for(user))
            lecturers = Lecturer.objects.all()
            lessons = LessonPage.objects.order_by("path")

        def restrict(form):
            if "venue" in form.fields:
                form.fields["venue"].queryset = venues
            if "lecturer" in form.fields:
                form.fields["lecturer"].queryset = lecturers
            if "lessons" in form.fields:
                form.fields["lessons"].queryset = lessons
            form.clean = _session_clean(form)

        if "sessions" in self.formsets:
            _restrict_child_forms(self.formsets["sessions"], restrict)

    def clean(self):
        cleaned = super().clean()
        training_class = self.instance
        plan = cleaned.get("plan") if "plan" in self.fields else None
        plan = plan or (training_class.plan if training_class.plan_id else None)
        if plan is not None:
            # The class belongs to the plan's institution and tier, always.
            training_class.institution = plan.institution
            training_class.tier = plan.tier
        values = SimpleNamespace(
            pk=training_class.pk,
            status=training_class.status,
            capacity=cleaned.get("capacity"),
            start_date=cleaned.get("start_date"),
            end_date=cleaned.get("end_date"),
            head_teacher=cleaned.get("head_teacher"),
        )
        errors = actions.class_errors(
            values, plan=plan, lecturers=list(cleaned.get("lecturers") or [])
        )
        _add_errors(self, {k: v for k, v in errors.items() if k not in self.errors})
        return cleaned

    def is_valid(self):
        valid = super().is_valid()
        if not valid or "sessions" not in self.formsets:
            return valid
        return self._sessions_valid()

    def _sessions_valid(self):
        training_class = self.instance
        plan = self.cleaned_data.get("plan") or training_class.plan
        forms_and_sessions = []
        for form in self.formsets["sessions"].forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            forms_and_sessions.append(
                (
                    form,
                    SimpleNamespace(
                        date=data.get("date"),
                        starts_at=data.get("starts_at"),
                        ends_at=data.get("ends_at"),
                        kind=data.get("kind"),
                        venue=data.get("venue"),
                        lecturer=data.get("lecturer"),
                        lessons=list(data.get("lessons") or []),
                    ),
                )
            )
        values = SimpleNamespace(
            start_date=self.cleaned_data.get("start_date"),
            end_date=self.cleaned_data.get("end_date"),
        )
        results = actions.session_errors_for(
            values,
            [session for _form, session in forms_and_sessions],
            plan=plan,
            lecturers=list(self.cleaned_data.get("lecturers") or []),
        )
        valid = True
        for (form, _session), errors in zip(forms_and_sessions, results, strict=True):
            for field, messages in errors.items():
                for message in messages:
                    form.add_error(field, message)
                    valid = False
        if not valid:
            self.add_error(None, _("Some sessions need correcting; see the messages below."))
        return valid

    def save(self, commit=True):
        created = self.instance.pk is None
        changes = {} if created else changed_values(self, list(self.fields))
        if not created and self.formsets["sessions"].has_changed():
            changes["sessions"] = [None, _("changed")]
        training_class = super().save(commit=commit)
        if commit:
            actions.record(
                "training_class.created" if created else "training_class.edited",
                training_class,
                actor=self.for_user,
                changes=changes,
            )
        return training_class


def _session_clean(form):
    """A session's own rule, checked before the database's: it ends after it starts."""
    original = form.clean

    def clean():
        cleaned = original()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at is not None and ends_at is not None and ends_at <= starts_at:
            form.add_error("ends_at", _("A session ends after it starts."))
        return cleaned

    return clean
