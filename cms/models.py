import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from .restrictions import SkipUnusedViewRestrictionsMixin

HOME_NEWS_COUNT = 3
HOME_OPEN_COURSES_COUNT = 6


class HomePage(SkipUnusedViewRestrictionsMixin, Page):
    """The programme's front page: what the training is, how to register, who to call.

    The root of the site; the curricula and programme news hang below it. It also shows the
    latest news and the open classes anyone may study without signing in.
    """

    intro = RichTextField(_("introduction"), blank=True)
    how_to_register = RichTextField(_("how to register"), blank=True)
    supervision_phone = models.CharField(
        _("supervision phone"),
        max_length=40,
        blank=True,
        help_text=_("The number trainees call to report problems, as the work plan requires."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("how_to_register"),
        FieldPanel("supervision_phone"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses_content.CurriculumIndexPage", "cms.NewsPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def route(self, request, path_components):
        """Find a descendant by its URL path in one lookup instead of one per tree level.

        Wagtail's default walks the tree a level at a time (two queries a level); a
        lesson sits four levels down. Only the final page must be live, as before.
        """
        if path_components:
            from courses_content.models import LessonPage

            url_path = f"{self.url_path}{'/'.join(path_components)}/"
            # Lessons are most of the traffic: try them first, in one joined query.
            try:
                page = LessonPage.objects.get(url_path=url_path)
            except (LessonPage.DoesNotExist, LessonPage.MultipleObjectsReturned):
                page = Page.objects.filter(url_path=url_path).specific().first()
            if page is not None:
                return page.route(request, [])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from courses_content.models import CoursePage, CurriculumIndexPage

        context = super().get_context(request, *args, **kwargs)
        context["latest_news"] = (
            NewsPage.objects.live()
            .child_of(self)
            .order_by("-date", "-pk")
            .defer("body")[:HOME_NEWS_COUNT]
        )
        context["open_courses"] = (
            CoursePage.objects.live()
            .descendant_of(self)
            .filter(open_to_public=True)
            .order_by("path")[:HOME_OPEN_COURSES_COUNT]
        )
        context["curriculum_index"] = CurriculumIndexPage.objects.live().child_of(self).first()
        return context


class NewsPage(SkipUnusedViewRestrictionsMixin, Page):
    """A piece of programme news (项目动态): a new class, a deadline, a result worth telling.

    Lives directly under the home page, which shows the three latest.
    """

    date = models.DateField(_("date"), default=datetime.date.today)
    intro = models.TextField(
        _("introduction"), max_length=300, blank=True, help_text=_("One or two sentences.")
    )
    body = RichTextField(
        _("body"), features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"]
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("date"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news")
