"""Seed the standard proviso library (admin-editable reference data; wording is illustrative)."""

from django.db import migrations

PROVISOS = [
    (
        "NO-RETRANSFER",
        "No retransfer or re-export to a third party without prior written US consent.",
    ),
    ("GOV-CHANNELS", "Release only through government-to-government channels."),
    ("SAME-LEVEL", "The recipient protects the information at the same level as the US does."),
    ("END-USE", "Use only for the end use stated in the request."),
    ("NO-SOURCE", "No source code, design or manufacturing know-how is released."),
    ("FDO-REVIEW", "Each document is reviewed by a foreign disclosure officer before release."),
    ("VISIT-ONLY", "Oral and visual disclosure only, during approved visits; no copies left."),
]


def seed(apps, schema_editor):
    StandardProviso = apps.get_model("tsfd", "StandardProviso")
    for order, (code, text) in enumerate(PROVISOS, start=1):
        StandardProviso.objects.get_or_create(
            code=code, defaults={"text": text, "order": order * 10}
        )


def unseed(apps, schema_editor):
    apps.get_model("tsfd", "StandardProviso").objects.filter(
        code__in=[code for code, _ in PROVISOS], uses__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("tsfd", "0004_ndp_ddl_releases_completeness")]

    operations = [migrations.RunPython(seed, unseed)]
