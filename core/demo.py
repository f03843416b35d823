"""Demo data for core: one user per role and fictional partner organisations."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import roles
from core.models import Contact, Country, Organization

DEMO_USERS = [
    # username, first, last, role
    ("staff", "Sam", "Staffer", roles.IC_STAFF),
    ("pm", "Pat", "Morgan", roles.PROGRAM_MANAGER),
    ("requester", "Riley", "Quinn", roles.TSFD_REQUESTER),
    ("reviewer", "Robin", "Vega", roles.TSFD_REVIEWER),
    ("approver", "Alex", "Prior", roles.TSFD_APPROVER),
    ("leader", "Lee", "Dorsey", roles.LEADERSHIP),
    ("admin", "Ada", "Minton", roles.PORTAL_ADMIN),
]

# Fictional organisations in real allied countries.
DEMO_ORGANIZATIONS = [
    ("USA", "Office of International Cooperation (fictional)", "OIC", "agency"),
    ("USA", "Joint Advanced Systems Directorate (fictional)", "JASD", "agency"),
    ("USA", "Northwind Aerostructures Inc. (fictional)", "NWA", "industry"),
    ("GBR", "Defence Equipment Cooperation Bureau (fictional)", "DECB", "agency"),
    ("GBR", "Albion Sensors Ltd (fictional)", "ASL", "industry"),
    ("AUS", "Capability Partnerships Group (fictional)", "CPG", "agency"),
    ("CAN", "Directorate of Allied Programs (fictional)", "DAP", "service"),
    ("DEU", "Bundesamt für Kooperationsprojekte (fictional)", "BKP", "agency"),
    ("FRA", "Direction des programmes en coopération (fictional)", "DPC", "ministry"),
    ("JPN", "Acquisition Cooperation Agency (fictional)", "ACA", "agency"),
    ("NOR", "Norwegian Defence Materiel Partnerships (fictional)", "NDMP", "agency"),
    ("ITA", "Segretariato Cooperazione Armamenti (fictional)", "SCA", "ministry"),
    ("NLD", "Materieel Samenwerking Bureau (fictional)", "MSB", "agency"),
    ("KOR", "Defense Cooperation Development Agency (fictional)", "DCDA", "agency"),
    ("ISR", "Directorate of Joint R&D (fictional)", "DJRD", "ministry"),
    ("POL", "Armament Cooperation Inspectorate (fictional)", "ACI", "agency"),
    ("SWE", "Materiel Cooperation Administration (fictional)", "MCA", "agency"),
    ("NZL", "Defence Capability Partnerships (fictional)", "DCP", "ministry"),
]

DEMO_CONTACTS = [
    ("DECB", "Harriet Lyle", "Head of US Programmes"),
    ("CPG", "Mitchell Sato", "Director, Cooperative Projects"),
    ("DAP", "Genevieve Roy", "Program Director"),
    ("BKP", "Jonas Keller", "Referatsleiter"),
    ("DPC", "Claire Moreau", "Cheffe de projet"),
    ("ACA", "Kenji Arakawa", "Deputy Director, International"),
    ("NDMP", "Ingrid Solberg", "Senior Adviser"),
]


def demo_password(stdout=None):
    """DEMO_PASSWORD if set; otherwise one generated password kept in .demo-password."""
    if os.environ.get("DEMO_PASSWORD"):
        return os.environ["DEMO_PASSWORD"]
    path = Path(settings.BASE_DIR) / ".demo-password"
    if path.exists():
        return path.read_text().strip()
    password = "Demo-" + secrets.token_urlsafe(12)
    path.write_text(password + "\n")
    path.chmod(0o600)
    return password


def seed(context):
    User = get_user_model()
    password = demo_password()
    users = {}
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@icportal.example",
            },
        )
        user.set_password(password)
        user.is_staff = role == roles.PORTAL_ADMIN
        user.is_superuser = role == roles.PORTAL_ADMIN
        user.save()
        user.groups.set([Group.objects.get(name=role)])
        users[username] = user
    orgs = {}
    for iso3, name, acronym, kind in DEMO_ORGANIZATIONS:
        org, _ = Organization.objects.update_or_create(
            name=name,
            country=Country.objects.get(iso3=iso3),
            defaults={"acronym": acronym, "kind": kind},
        )
        orgs[acronym] = org
    for acronym, name, title in DEMO_CONTACTS:
        slug = name.lower().replace(" ", ".")
        Contact.objects.update_or_create(
            name=name,
            organization=orgs[acronym],
            defaults={"title": title, "email": f"{slug}@partner.example"},
        )
    context.update(users=users, organizations=orgs, password=password)
