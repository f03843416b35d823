"""Filter selects over reference data are kept between pages, never stale after a change."""

import pytest

from core.models import Country, Organization

pytestmark = pytest.mark.django_db


def _programs_page(client):
    return client.get("/programs/").content.decode()


def test_new_and_renamed_reference_rows_show_at_once(login, users):
    client = login(users["leader"])
    usa = Country.objects.get(iso3="USA")
    assert "Office of Naval Widgets" not in _programs_page(client)  # options now kept
    office = Organization.objects.create(name="Office of Naval Widgets", country=usa)
    page = _programs_page(client)
    assert f'<option value="{office.pk}">Office of Naval Widgets</option>' in page
    office.name = "Office of <Naval> Gadgets"
    office.save()
    page = _programs_page(client)
    assert "Office of &lt;Naval&gt; Gadgets" in page and "Naval Widgets" not in page
    office.delete()
    assert "Naval> Gadgets" not in _programs_page(client)


def test_a_deactivated_user_leaves_the_program_manager_filter(login, users, make_user):
    client = login(users["leader"])
    leaving = make_user("vingston")
    assert ">vingston</option>" in _programs_page(client)
    leaving.is_active = False
    leaving.save()
    assert ">vingston</option>" not in _programs_page(client)


def test_the_chosen_option_stays_selected_from_the_kept_list(login, users):
    client = login(users["leader"])
    _programs_page(client)
    page = client.get("/programs/?country=GBR&country=AUS").content.decode()
    assert '<option value="GBR" selected>' in page and '<option value="AUS" selected>' in page
    assert '<option value="FRA">' in page
