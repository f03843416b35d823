"""Full-text index of the search entries, on PostgreSQL only (SQLite uses a plain scan)."""

from django.db import migrations

INDEX = "core_searchentry_text_gin"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex

    from core.search import search_vector

    SearchEntry = apps.get_model("core", "SearchEntry")
    schema_editor.add_index(SearchEntry, GinIndex(search_vector(), name=INDEX))


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("core", "0007_search_follow_preferences")]
    operations = [migrations.RunPython(create_index, drop_index)]
