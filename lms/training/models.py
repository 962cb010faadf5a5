"""The lecturer library (师资库). The classes issue adds institutions, plans and classes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.search import index


class Lecturer(index.Indexed, models.Model):
    """An approved lecturer in the county's lecturer library; courses name their lecturers here."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lecturer",
        help_text=_("The lecturer's sign-in; needed to edit the courses they teach."),
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("professional title"), max_length=100, blank=True)
    expertise = models.CharField(_("expertise"), max_length=200, blank=True)
    platforms = models.CharField(
        _("platforms"), max_length=200, blank=True, help_text=_("e.g. Taobao, Pinduoduo, Douyin")
    )
    biography = models.TextField(_("biography"), blank=True)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("photo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    search_fields = [index.SearchField("name"), index.SearchField("expertise")]

    class Meta:
        verbose_name = _("lecturer")
        verbose_name_plural = _("lecturer library")
        ordering = ["name"]

    def __str__(self):
        return self.name
