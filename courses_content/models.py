"""The curricula as a Wagtail page tree, and the case library.

HomePage -> CurriculumIndexPage -> TierPage -> CoursePage -> LessonPage.
Pages hold content only; enrolment and progress live in ``lms.learning``.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.blocks import StreamBlockValidationError
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.restrictions import SkipUnusedViewRestrictionsMixin

from .blocks import LessonStreamBlock
from .search import to_index_text

CASE_REQUIRED_MESSAGE = _(
    "One lesson, one case: add at least one case block before this lesson is published "
    "or sent for review."
)


class Case(index.Indexed, models.Model):
    """A real e-commerce case (案例) that lessons are taught through; reused across lessons."""

    class Platform(models.TextChoices):
        TAOBAO = "taobao", _("Taobao")
        TMALL = "tmall", _("Tmall")
        JD = "jd", _("JD")
        PINDUODUO = "pinduoduo", _("Pinduoduo")
        WECHAT = "wechat", _("WeChat shop")
        DOUYIN = "douyin", _("Douyin")
        ALIBABA = "alibaba", _("Alibaba (1688)")
        CROSS_BORDER = "cross_border", _("Cross-border")
        OTHER = "other", _("Other")

    title = models.CharField(_("title"), max_length=200)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    product_type = models.CharField(
        _("product type"), max_length=100, help_text=_("e.g. tea oil, navel oranges, lighters")
    )
    background = RichTextField(_("background"), features=["bold", "italic", "ol", "ul"])
    actions = RichTextField(_("what was done"), features=["bold", "italic", "ol", "ul"])
    results = RichTextField(
        _("results"),
        features=["bold", "italic", "ol", "ul"],
        help_text=_("With figures: sales, orders, jobs, stores opened."),
    )
    lessons_learned = RichTextField(_("lessons learned"), features=["bold", "italic", "ol", "ul"])
    source = models.CharField(_("source"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    search_fields = [
        index.SearchField("title"),
        index.SearchField("search_text"),
        index.FilterField("platform"),
    ]

    panels = [
        FieldPanel("title"),
        FieldRowPanel([FieldPanel("platform"), FieldPanel("product_type")]),
        FieldPanel("background"),
        FieldPanel("actions"),
        FieldPanel("results"),
        FieldPanel("lessons_learned"),
        FieldPanel("source"),
    ]

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("case library")
        ordering = ["-updated_at"]

    def __str__(self):
        return self.title

    def search_text(self):
        from django.utils.html import strip_tags

        parts = [
            self.title,
            self.product_type,
            self.get_platform_display(),
            self.background,
            self.actions,
            self.results,
            self.lessons_learned,
        ]
        return to_index_text(strip_tags(" ".join(str(p) for p in parts)))


class CurriculumIndexPage(SkipUnusedViewRestrictionsMixin, Page):
    """The curricula: the three tiers of the county's programme."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses_content.TierPage"]
    max_count = 1

    class Meta:
        verbose_name = _("curriculum index")


class TierPage(SkipUnusedViewRestrictionsMixin, Page):
    """One training tier (培训层次): who it is for, what it aims at, who may enrol."""

    class Tier(models.TextChoices):
        CADRE = "cadre", _("Cadre training")
        PRIMARY = "primary", _("Primary practitioner training")
        SENIOR = "senior", _("Senior and intermediate training")

    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, unique=True)
    audience = models.TextField(_("audience"))
    aims = RichTextField(_("aims"), features=["bold", "ol", "ul"])
    who_may_enrol = RichTextField(_("who may enrol"), features=["bold", "ol", "ul"])

    content_panels = [
        *Page.content_panels,
        FieldPanel("tier"),
        FieldPanel("audience"),
        FieldPanel("aims"),
        FieldPanel("who_may_enrol"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("search_text")]
    parent_page_types = ["courses_content.CurriculumIndexPage"]
    subpage_types = ["courses_content.CoursePage"]

    class Meta:
        verbose_name = _("tier")

    def search_text(self):
        return to_index_text(f"{self.title} {self.audience}")


class CoursePage(SkipUnusedViewRestrictionsMixin, Page):
    """A course in a tier, taught by lecturers from the lecturer library."""

    summary = models.TextField(_("summary"))
    learning_outcomes = RichTextField(_("learning outcomes"), features=["ol", "ul", "bold"])
    lecturers = ParentalManyToManyField(
        "training.Lecturer", verbose_name=_("lecturers"), blank=True, related_name="courses"
    )
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)
    theory_hours = models.DecimalField(_("theory hours"), max_digits=5, decimal_places=1)
    practice_hours = models.DecimalField(_("practice hours"), max_digits=5, decimal_places=1)
    prerequisites = models.TextField(_("prerequisites"), blank=True)
    open_to_public = models.BooleanField(
        _("open to the public"),
        default=False,
        help_text=_("Anyone may read an open course without signing in."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("learning_outcomes"),
        FieldPanel("lecturers"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("hours"), FieldPanel("theory_hours"), FieldPanel("practice_hours")]
                )
            ],
            heading=_("Hours"),
        ),
        FieldPanel("prerequisites"),
        FieldPanel("open_to_public"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("search_text"),
        index.FilterField("open_to_public"),
    ]
    parent_page_types = ["courses_content.TierPage"]
    subpage_types = ["courses_content.LessonPage"]

    class Meta:
        verbose_name = _("course")

    def serve(self, request, *args, **kwargs):
        return _serve_if_readable(super().serve, self, request, *args, **kwargs)

    def clean(self):
        super().clean()
        if None not in (self.hours, self.theory_hours, self.practice_hours) and (
            self.theory_hours + self.practice_hours != self.hours
        ):
            raise ValidationError(
                {"hours": _("Theory hours and practice hours must add up to the hours.")}
            )

    def search_text(self):
        return to_index_text(f"{self.title} {self.summary} {self.prerequisites}")


def lesson_has_case(body):
    return any(block.block_type == "case" and block.value.get("case") for block in body)


class LessonPageForm(WagtailAdminPageForm):
    """Refuses to publish, or send for review, a lesson without a case, and says why."""

    def clean(self):
        cleaned = super().clean()
        wants_live = "action-publish" in self.data or "action-submit" in self.data
        body = cleaned.get("body")
        if wants_live and body is not None and not lesson_has_case(body):
            # Shown at the top of the body editor, where the case block is missing.
            self.add_error(
                "body", StreamBlockValidationError(non_block_errors=[CASE_REQUIRED_MESSAGE])
            )
        return cleaned


class LessonPage(SkipUnusedViewRestrictionsMixin, Page):
    """A lesson, taught through at least one real case (一课一案)."""

    class Kind(models.TextChoices):
        THEORY = "theory", _("Theory (classroom)")
        PRACTICE = "practice", _("Practice (computer room)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.THEORY)
    estimated_minutes = models.PositiveSmallIntegerField(_("estimated minutes"), default=45)
    summary = models.TextField(_("summary"), blank=True)
    body = StreamField(LessonStreamBlock(), verbose_name=_("body"))

    base_form_class = LessonPageForm
    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("kind"), FieldPanel("estimated_minutes")]),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("search_text")]
    parent_page_types = ["courses_content.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("lesson")

    def clean(self):
        super().clean()
        # The last guard, for paths that bypass the editor form (scheduled publishing, code).
        if self.live and not lesson_has_case(self.body):
            raise ValidationError({"body": CASE_REQUIRED_MESSAGE})

    def search_text(self):
        from django.utils.html import strip_tags

        texts = [self.title, self.summary]
        for block in self.body:
            if block.block_type == "text":
                texts.append(strip_tags(str(block.value)))
            elif block.block_type == "case" and block.value.get("case"):
                texts.append(block.value["case"].title)
            elif block.block_type == "exercise":
                texts.append(block.value["title"])
        return to_index_text(" ".join(texts))

    @cached_property
    def course(self):
        return CoursePage.objects.filter(path=self.path[: -self.steplen]).first()

    def serve(self, request, *args, **kwargs):
        from django.contrib.auth.views import redirect_to_login

        from lms.learning.views import record_page_view

        if not request.user.is_authenticated:
            # Anonymous readers need only "is the course open?", cached until the next publish.
            if course_is_open(self):
                return super().serve(request, *args, **kwargs)
            return redirect_to_login(request.get_full_path())

        def serve_and_record(request, *args, **kwargs):
            record_page_view(request, self)
            return super(LessonPage, self).serve(request, *args, **kwargs)

        return _serve_if_readable(serve_and_record, self.course, request, *args, **kwargs)


def course_is_open(lesson):
    """Whether the lesson's course is open to the public, cached per site version."""
    from django.core.cache import cache

    from cms.site_cache import site_version

    course_path = lesson.path[: -lesson.steplen]
    key = f"curriculum:course-open:{site_version()}:{course_path}"
    is_open = cache.get(key)
    if is_open is None:
        is_open = bool(lesson.course and lesson.course.open_to_public)
        cache.set(key, is_open, 60 * 60)
    return is_open


def _serve_if_readable(serve, course, request, *args, **kwargs):
    """Open courses for anyone; others need sign-in (redirect) and enrolment (404 otherwise)."""
    from django.contrib.auth.views import redirect_to_login
    from django.http import Http404

    from lms.learning.policy import can_read_course

    if can_read_course(request.user, course):
        return serve(request, *args, **kwargs)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404
