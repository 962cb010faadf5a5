"""A chat room for every training class that existed before the chat (new ones get theirs from
``live.signals``)."""

from django.db import migrations


def create_rooms(apps, schema_editor):
    TrainingClass = apps.get_model("training", "TrainingClass")
    ChatRoom = apps.get_model("live", "ChatRoom")
    missing = TrainingClass.objects.filter(chat_room__isnull=True).values_list("pk", flat=True)
    ChatRoom.objects.bulk_create(
        [ChatRoom(training_class_id=pk) for pk in missing.iterator()], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [("live", "0001_chat")]

    operations = [migrations.RunPython(create_rooms, migrations.RunPython.noop)]
