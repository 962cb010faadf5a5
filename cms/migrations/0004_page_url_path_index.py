from django.db import migrations


class Migration(migrations.Migration):
    """Index Wagtail's ``url_path``: HomePage.route finds pages by it in one lookup."""

    dependencies = [
        ("cms", "0003_newspage"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS cms_page_url_path_idx ON wagtailcore_page (url_path);",
            "DROP INDEX IF EXISTS cms_page_url_path_idx;",
        )
    ]
