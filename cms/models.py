from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The programme's front page: what the training is, how to register, who to call.

    The root of the site; the curricula and programme news hang below it.
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
    subpage_types = ["courses_content.CurriculumIndexPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")
