"""People and places: users, trainee profiles, the county's regions, API tokens."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .validators import (
    id_number_birth_date,
    id_number_gender,
    mask_id_number,
    mask_phone,
    normalise_id_number,
    validate_id_number,
    validate_phone,
)


class User(AbstractUser):
    """Everyone who signs in. Roles are groups (see ``roles.py``); one user may hold several."""

    is_demo = models.BooleanField(
        _("demo account"),
        default=False,
        editable=False,
        help_text=_("Created by seed_demo; refused outside development settings."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self):
        profile = getattr(self, "trainee_profile", None)
        if profile is not None and profile.real_name:
            return profile.real_name
        return self.get_full_name() or self.username

    def get_full_name(self):
        first, last = self.first_name.strip(), self.last_name.strip()
        if (first + last).isascii():
            return f"{first} {last}".strip()
        # Chinese order: family name first, no space.
        return f"{last}{first}"

    def role_codes(self):
        """The role codes this user holds, cached for the request."""
        if not hasattr(self, "_role_codes"):
            valid = set(Role.values)
            self._role_codes = set(self.groups.values_list("name", flat=True))
            self._role_codes &= valid
        return self._role_codes

    def roles(self):
        """The user's roles in the programme's order."""
        codes = self.role_codes()
        return [role for role in Role if role.value in codes]

    def has_role(self, role):
        return Role(role).value in self.role_codes()


class Region(models.Model):
    """A county, township or village. Trainees come from villages; registrars work in them."""

    class Level(models.TextChoices):
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village")

    PARENT_LEVEL = {Level.TOWNSHIP: Level.COUNTY, Level.VILLAGE: Level.TOWNSHIP}

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        help_text=_("The administrative division code, e.g. 430521 for a county."),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("belongs to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unique_region_name_in_parent")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        expected = self.PARENT_LEVEL.get(self.level)
        if expected is None and self.parent_id:
            raise ValidationError({"parent": _("A county does not belong to another region.")})
        if expected is not None and (self.parent is None or self.parent.level != expected):
            raise ValidationError(
                {
                    "parent": _("A %(level)s belongs to a %(parent)s.")
                    % {
                        "level": self.Level(self.level).label,
                        "parent": self.Level(expected).label,
                    }
                }
            )

    @property
    def full_name(self):
        """County, township and village names, e.g. 邵东县大禾塘街道梅子村."""
        names, region = [], self
        while region is not None:
            names.append(region.name)
            region = region.parent
        return "".join(reversed(names))


class TraineeProfile(models.Model):
    """What the programme knows about a trainee or candidate.

    A registrar may register a candidate before that person has an account, so
    ``user`` is optional. The national ID number is unique and is masked in
    every list and export; only holders of ``view_full_id_number`` see it whole.
    """

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Education(models.TextChoices):
        PRIMARY = "primary", _("Primary school")
        JUNIOR_HIGH = "junior_high", _("Junior high school")
        SENIOR_HIGH = "senior_high", _("Senior high or vocational school")
        COLLEGE = "college", _("College or above")

    class ComputerSkill(models.TextChoices):
        NONE = "none", _("None")
        BASIC = "basic", _("Basic")
        PROFICIENT = "proficient", _("Proficient")

    class Category(models.TextChoices):
        VILLAGE_CADRE = "village_cadre", _("Village cadre")
        RURAL_YOUTH = "rural_youth", _("Rural youth")
        AGRI_BUSINESS_STAFF = (
            "agri_business_staff",
            _("Staff of an agricultural enterprise, co-operative, large farm or family farm"),
        )
        GOVERNMENT_CADRE = "government_cadre", _("Party or government cadre")
        OTHER = "other", _("Other")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trainee_profile",
    )
    real_name = models.CharField(_("real name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    date_of_birth = models.DateField(_("date of birth"))
    id_number = models.CharField(
        _("ID number"),
        max_length=18,
        unique=True,
        validators=[validate_id_number],
        error_messages={"unique": _("A person with this ID number is already registered.")},
    )
    phone = models.CharField(_("phone"), max_length=20, validators=[validate_phone])
    education = models.CharField(_("education"), max_length=20, choices=Education.choices)
    computer_skill = models.CharField(
        _("computer skill"), max_length=20, choices=ComputerSkill.choices
    )
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    employer = models.CharField(_("business or employer"), max_length=200, blank=True)
    village = models.ForeignKey(
        Region,
        verbose_name=_("home village"),
        on_delete=models.PROTECT,
        related_name="trainee_profiles",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # The details a registrar enters, in the order forms and records show them.
    DETAIL_FIELDS = [
        "real_name",
        "gender",
        "date_of_birth",
        "id_number",
        "phone",
        "education",
        "computer_skill",
        "category",
        "employer",
        "village",
    ]

    class Meta:
        verbose_name = _("trainee profile")
        verbose_name_plural = _("trainee profiles")
        ordering = ["-created_at"]
        permissions = [("view_full_id_number", _("Can see full national ID numbers"))]

    def __str__(self):
        return f"{self.real_name} ({self.masked_id_number})"

    def clean(self):
        self.id_number = normalise_id_number(self.id_number)
        self.phone = (self.phone or "").replace(" ", "")
        errors = {}
        try:
            validate_id_number(self.id_number)
        except ValidationError:
            return  # the field validator reports the format error
        born = id_number_birth_date(self.id_number)
        if self.date_of_birth and born != self.date_of_birth:
            errors["date_of_birth"] = _(
                "The date of birth does not match the ID number (%(date)s)."
            ) % {"date": born.isoformat()}
        if self.gender and id_number_gender(self.id_number) != self.gender:
            errors["gender"] = _("The gender does not match the ID number.")
        if self.village_id and self.village.level != Region.Level.VILLAGE:
            errors["village"] = _("Choose a village.")
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self):
        return mask_phone(self.phone)

    def age_on(self, day):
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
