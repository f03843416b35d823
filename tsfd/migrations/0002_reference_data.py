"""Seed the admin-editable reference lists: review areas and NDP-1 information categories."""

from django.db import migrations

REVIEW_AREAS = [
    # code, name, target days, description
    (
        "NDP",
        "National Disclosure Policy",
        30,
        "Release of classified military information under NDP-1 and its exceptions.",
    ),
    (
        "AT",
        "Anti-tamper",
        45,
        "Protection of critical program information against exploitation and reverse engineering.",
    ),
    (
        "LO/CLO",
        "Low observable / counter low observable",
        60,
        "Signature-reduction and counter-stealth technology.",
    ),
    (
        "COMSEC",
        "Communications security",
        30,
        "Cryptographic equipment, keying material and secure communications.",
    ),
    (
        "EW",
        "Electronic warfare",
        45,
        "Electronic attack, protection and support capabilities, threat data and reprogramming.",
    ),
    (
        "PNT",
        "Positioning, navigation and timing",
        30,
        "GPS precise positioning service and other protected PNT capabilities.",
    ),
    (
        "MTCR",
        "Missile technology",
        45,
        "Items controlled under the Missile Technology Control Regime.",
    ),
    (
        "INTEL",
        "Intelligence",
        30,
        "Intelligence sources, methods and products contained in or derived for the disclosure.",
    ),
    (
        "CYBER",
        "Cyber and software assurance",
        30,
        "Software, source code, vulnerabilities and cyber capabilities.",
    ),
    ("EXPORT", "Export control", 20, "ITAR/EAR licensing and export authorisation implications."),
]

CATEGORIES = [
    (1, "Organization, training and employment of military forces"),
    (2, "Military materiel and munitions"),
    (3, "Applied research and development information and materiel"),
    (4, "Production information"),
    (5, "Combined military operations, planning and readiness"),
    (6, "U.S. order of battle"),
    (7, "North American defense"),
    (8, "Military intelligence"),
]


def seed(apps, schema_editor):
    ReviewArea = apps.get_model("tsfd", "ReviewArea")
    InformationCategory = apps.get_model("tsfd", "InformationCategory")
    for order, (code, name, days, description) in enumerate(REVIEW_AREAS, start=1):
        ReviewArea.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "target_days": days,
                "description": description,
                "order": order * 10,
            },
        )
    for number, name in CATEGORIES:
        InformationCategory.objects.get_or_create(name=name, defaults={"number": number})


class Migration(migrations.Migration):
    dependencies = [("tsfd", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
