"""The live class chat (班级群聊): one room per training class, its messages and their read state.

Every change goes through ``live.actions``: a message is committed to the database first and only
then broadcast, so what a member missed on a dropped connection is always in the database and
comes back with ``?after=<last seen id>``. Message ids increase, so within a room they give the
order.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChatRoom(models.Model):
    """The chat room of one training class, created with the class."""

    training_class = models.OneToOneField(
        "training.TrainingClass",
        verbose_name=_("training class"),
        on_delete=models.CASCADE,
        related_name="chat_room",
    )
    is_locked = models.BooleanField(
        _("locked"), default=False, help_text=_("Read-only for trainees, e.g. during an exam.")
    )
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("locked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("class chat room")
        verbose_name_plural = _("class chat rooms")

    def __str__(self):
        return str(self.training_class)


class ChatAttachment(models.Model):
    """A picture or file uploaded over HTTP, then sent as a message."""

    class Kind(models.TextChoices):
        IMAGE = "image", _("Picture")
        FILE = "file", _("File")

    room = models.ForeignKey(
        ChatRoom, verbose_name=_("room"), on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="chat/%Y/%m/")
    phone_rendition = models.FileField(
        _("phone-sized picture"), upload_to="chat/%Y/%m/", blank=True
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("chat attachment")
        verbose_name_plural = _("chat attachments")

    def __str__(self):
        return self.original_name


class ChatMessage(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        IMAGE = "image", _("Picture")
        FILE = "file", _("File")
        ANNOUNCEMENT = "announcement", _("Announcement")
        SYSTEM = "system", _("System")

    room = models.ForeignKey(
        ChatRoom, verbose_name=_("room"), on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sender"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_messages",
    )
    client_id = models.UUIDField(
        _("client id"),
        null=True,
        blank=True,
        help_text=_("Chosen by the sender's device, so a resend never makes a duplicate."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField(_("text as typed"), blank=True)
    body = models.TextField(_("sanitised body"), blank=True)
    attachment = models.ForeignKey(
        ChatAttachment,
        verbose_name=_("attachment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pinned_at = models.DateTimeField(_("pinned at"), null=True, blank=True, db_index=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("pinned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["room", "id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "sender", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="unique_chat_client_id",
            )
        ]

    def __str__(self):
        return f"{self.room} #{self.pk}"


class ChatReadState(models.Model):
    """How far one member has read in one room (for unread counts)."""

    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="read_states")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_read_states"
    )
    last_read_id = models.BigIntegerField(_("last read message"), default=0)

    class Meta:
        verbose_name = _("chat read state")
        verbose_name_plural = _("chat read states")
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="unique_chat_read_state")
        ]

    def __str__(self):
        return f"{self.user} @ {self.room}: {self.last_read_id}"


class AnnouncementRead(models.Model):
    """That one member has read one announcement ("read by 37 of 48")."""

    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("read at"), auto_now_add=True)

    class Meta:
        verbose_name = _("announcement read")
        verbose_name_plural = _("announcement reads")
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="unique_announcement_read")
        ]

    def __str__(self):
        return f"{self.user} read {self.message}"


class ChatMute(models.Model):
    """A member who may not send in a room until a time."""

    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField(_("muted until"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    muted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("muted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("chat mute")
        verbose_name_plural = _("chat mutes")
        indexes = [models.Index(fields=["room", "user", "until"])]

    def __str__(self):
        return f"{self.user} muted in {self.room} until {self.until}"


class MessageReport(models.Model):
    """A member's report of a message to the head teacher."""

    message = models.ForeignKey(ChatMessage, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=500)
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message report")
        verbose_name_plural = _("message reports")
        constraints = [
            models.UniqueConstraint(fields=["message", "reporter"], name="unique_message_report")
        ]

    def __str__(self):
        return f"{self.reporter} reported {self.message}"
