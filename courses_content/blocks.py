"""The blocks a lesson is written in. One lesson, one case: the ``case`` block is required."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock
from wagtail.snippets.blocks import SnippetChooserBlock


class LessonImageBlock(ImageBlock):
    """A picture with alt text, served as WebP renditions sized for phones."""

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"
        label = _("Image")


class VideoBlock(blocks.StructBlock):
    """A video: an embed (e.g. a platform's public video) or an uploaded file from Documents."""

    embed = EmbedBlock(label=_("Embedded video URL"), required=False)
    file = DocumentChooserBlock(label=_("Uploaded video file"), required=False)
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=200)

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("embed")) == bool(value.get("file")):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "embed": blocks.BlockValidationError(
                        _("Give a video URL or an uploaded file: exactly one of the two.")
                    )
                }
            )
        return value

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"
        label = _("Video")


class MaterialBlock(blocks.StructBlock):
    """A downloadable handout, served through Wagtail's document view."""

    document = DocumentChooserBlock(label=_("Document"))
    description = blocks.CharBlock(label=_("Description"), required=False, max_length=200)

    class Meta:
        icon = "doc-full"
        template = "blocks/material_block.html"
        label = _("Download")


class ExerciseBlock(blocks.StructBlock):
    """Steps for the computer room."""

    title = blocks.CharBlock(label=_("Title"), max_length=200)
    steps = blocks.ListBlock(blocks.CharBlock(label=_("Step"), max_length=500), label=_("Steps"))
    expected_result = blocks.TextBlock(label=_("What trainees should end with"), required=False)

    class Meta:
        icon = "list-ol"
        template = "blocks/exercise_block.html"
        label = _("Practical exercise")


class CaseBlock(blocks.StructBlock):
    """The lesson's real case, chosen from the case library, with the lecturer's framing."""

    case = SnippetChooserBlock("courses_content.Case", label=_("Case"))
    discussion = blocks.TextBlock(
        label=_("Questions for discussion"), required=False, max_length=2000
    )

    class Meta:
        icon = "pick"
        template = "blocks/case_block.html"
        label = _("Case")


class LessonStreamBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(
        label=_("Text"),
        features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"],
        template="blocks/text_block.html",
    )
    image = LessonImageBlock()
    video = VideoBlock()
    material = MaterialBlock()
    exercise = ExerciseBlock()
    case = CaseBlock()

    class Meta:
        block_counts = {}
