"""Seed the admin-editable list of legal authorities agreements are concluded under."""

from django.db import migrations

AUTHORITIES = [
    # name, citation, description
    (
        "Arms Export Control Act, section 27",
        "22 U.S.C. 2767",
        "Cooperative projects with NATO members and other friendly foreign countries: "
        "cooperative research, development, test, evaluation and production.",
    ),
    (
        "Cooperative research and development agreements",
        "10 U.S.C. 2350a",
        "Cooperative research and development projects with NATO organisations, NATO "
        "members, major non-NATO allies and other friendly foreign countries.",
    ),
    (
        "Research and development projects",
        "10 U.S.C. 4001",
        "Research and development projects, including with foreign partners (formerly "
        "10 U.S.C. 2358).",
    ),
    (
        "Reciprocal use of test and evaluation facilities",
        "10 U.S.C. 2350l",
        "Agreements for the reciprocal use of test and evaluation facilities.",
    ),
    (
        "Arms Export Control Act, section 65",
        "22 U.S.C. 2796d",
        "Loans of materials, supplies and equipment for research and development purposes.",
    ),
]


def seed(apps, schema_editor):
    LegalAuthority = apps.get_model("agreements", "LegalAuthority")
    for name, citation, description in AUTHORITIES:
        LegalAuthority.objects.get_or_create(
            name=name, defaults={"citation": citation, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0002_approve_permission")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
