"""The demo class chat for ``seed_demo``: a realistic conversation in the class in progress, a
product photo and a pinned announcement from the head teacher. Development only.

Messages are written once (a second run finds them by their client ids and adds nothing).
"""

import datetime
import io
import uuid

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from .models import AnnouncementRead, ChatAttachment, ChatMessage, ChatReadState, ChatRoom
from .sanitise import sanitise

# A fixed namespace, so each demo message has the same client id on every run.
DEMO_NAMESPACE = uuid.UUID("6f1c5a52-3d0e-4c55-9d5e-0c1f3f7b2a10")

# (minutes before now, username, kind, text)
CONVERSATION = [
    (
        26 * 60,
        "headteacher",
        "announcement",
        "【开班通知】各位学员好！明早8:40在培训楼三楼301理论教室集合，请带好身份证和手机。"
        "实操课在二楼电商实训机房，每人一台电脑。有事请假请在班级页面提交请假申请。",
    ),
    (25 * 60, "trainee", "text", "收到！杨老师，请问需要自己带笔记本电脑吗？"),
    (
        25 * 60 - 5,
        "headteacher",
        "text",
        "不用，机房电脑都装好了，带上手机就行，开店要用手机验证。",
    ),
    (24 * 60, "trainee2", "text", "我们合作社的脐橙已经摘了一批，明天能拿来拍主图吗？"),
    (
        24 * 60 - 3,
        "lecturer",
        "text",
        "可以，带三五个就够。自然光下拍最好，背景用白纸或者木板。参考一下这个案例："
        "https://example.com/cases/navel-orange",
    ),
    (3 * 60, "trainee", "image", "这是我昨晚在家拍的茶油，大家看看主图这样行不行？"),
    (3 * 60 - 4, "lecturer", "text", "构图不错！瓶身有点反光，下午实操课教大家用柔光布。"),
    (2 * 60, "trainee2", "text", "明天下午合作社发货，我已经在班级页面请假了，课件能发群里吗？"),
    (2 * 60 - 2, "headteacher", "text", "可以，课后我把课件上传到群里，你回来补学。"),
    (20, "trainee", "text", "上午的选品课太有用了，原来定价要先算好快递和包装成本。"),
]


def seed_chat(training_class, stdout=None):
    """Fill ``training_class``'s room with the demo conversation. Returns the room.

    Messages are written directly (not through ``live.actions``) so they can carry past times;
    their bodies go through the same sanitiser."""
    users = {user.username: user for user in get_user_model().objects.filter(is_demo=True)}
    room, _ = ChatRoom.objects.get_or_create(training_class=training_class)
    now = timezone.now()
    created = 0
    pinned = None
    for index, (minutes_ago, username, kind, text) in enumerate(CONVERSATION):
        sender = users.get(username)
        if sender is None:
            continue
        client_id = uuid.uuid5(DEMO_NAMESPACE, f"{training_class.code}:{index}")
        message = ChatMessage.objects.filter(room=room, client_id=client_id).first()
        if message is None:
            attachment = _photo(room, sender) if kind == "image" else None
            message = ChatMessage.objects.create(
                room=room,
                sender=sender,
                client_id=client_id,
                kind=kind,
                text=text,
                body=sanitise(text),
                attachment=attachment,
                sent_at=now - datetime.timedelta(minutes=minutes_ago),
            )
            created += 1
        if kind == "announcement":
            pinned = message
    if pinned is not None and pinned.pinned_at is None:
        ChatMessage.objects.filter(pk=pinned.pk).update(
            pinned_at=pinned.sent_at, pinned_by=pinned.sender
        )
    if pinned is not None:
        # Most of the class has read the announcement; the head teacher can chase the rest.
        for username in ("trainee", "lecturer", "headteacher"):
            if username in users:
                AnnouncementRead.objects.get_or_create(message=pinned, user=users[username])
                ChatReadState.objects.update_or_create(
                    room=room, user=users[username], defaults={"last_read_id": pinned.pk}
                )
    if stdout is not None:
        stdout.write(f"Demo chat: {room.messages.count()} messages ({created} new).")
    return room


def _photo(room, sender):
    """A drawn product photo (a bottle of tea oil) and its phone-sized rendition."""
    image = Image.new("RGB", (1600, 1200), (236, 228, 210))
    draw = ImageDraw.Draw(image)
    draw.rectangle((640, 260, 960, 1000), fill=(196, 150, 40), outline=(120, 90, 20), width=8)
    draw.rectangle((720, 160, 880, 260), fill=(60, 110, 60))
    draw.ellipse((700, 520, 900, 720), fill=(250, 240, 200))
    full, phone = io.BytesIO(), io.BytesIO()
    image.save(full, format="JPEG", quality=85)
    image.resize((1080, 810)).save(phone, format="WEBP", quality=80)
    attachment = ChatAttachment(
        room=room,
        uploaded_by=sender,
        kind=ChatAttachment.Kind.IMAGE,
        original_name="茶油主图.jpg",
        content_type="image/jpeg",
        size=full.tell(),
        width=1600,
        height=1200,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.jpg", ContentFile(full.getvalue()), save=False)
    attachment.phone_rendition.save(
        f"{uuid.uuid4().hex}.webp", ContentFile(phone.getvalue()), save=False
    )
    attachment.save()
    return attachment
