from django.db import migrations


def load_countries(apps, schema_editor):
    from core.countries import country_rows

    Country = apps.get_model("core", "Country")
    for row in country_rows():
        Country.objects.update_or_create(iso3=row["iso3"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load_countries, migrations.RunPython.noop)]
