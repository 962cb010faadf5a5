"""Audit, attendance and leave rows are no longer in Wagtail's reference index (each model sets
``wagtail_reference_index_ignore``): remove the rows indexed for them before."""

from django.db import migrations

UNINDEXED = [
    ("audit", "auditevent"),
    ("attendance", "attendancerecord"),
    ("attendance", "attendancecorrection"),
    ("attendance", "leaverequest"),
]


def drop_rows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ReferenceIndex = apps.get_model("wagtailcore", "ReferenceIndex")
    for app_label, model in UNINDEXED:
        content_type = ContentType.objects.filter(app_label=app_label, model=model).first()
        if content_type is not None:
            ReferenceIndex.objects.filter(base_content_type=content_type).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0096_referenceindex_referenceindex_source_object_and_more"),
    ]

    operations = [migrations.RunPython(drop_rows, migrations.RunPython.noop)]
