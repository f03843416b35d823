"""Country reference data: ISO 3166 from pycountry, alliance memberships from here.

pycountry keeps the ISO list current; memberships are the office's own reference
(November 2026) and remain editable in the admin site.
"""

NATO = set(
    "ALB BEL BGR CAN HRV CZE DNK EST FIN FRA DEU GRC HUN ISL ITA LVA LTU LUX MNE NLD "
    "MKD NOR POL PRT ROU SVK SVN ESP SWE TUR GBR USA".split()
)
FIVE_EYES = {"AUS", "CAN", "NZL", "GBR", "USA"}
EU = set(
    "AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD "
    "POL PRT ROU SVK SVN ESP SWE".split()
)
MNNA = set(
    "ARG AUS BHR BRA COL EGY ISR JPN JOR KEN KOR KWT MAR NZL PAK PHL QAT THA TUN TWN".split()
)
SECURITY_AGREEMENT = (NATO - {"USA"}) | set(
    "AUS NZL JPN KOR ISR SGP IND CHE AUT IRL BRA ARG EGY JOR MAR PHL THA TWN SAU ARE CHL".split()
)
REGIONS = {
    "Europe": set(
        "ALB AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN ISL IRL ITA LVA LTU "
        "LUX MLT MNE NLD MKD NOR POL PRT ROU SRB SVK SVN ESP SWE CHE GBR UKR TUR".split()
    ),
    "Indo-Pacific": set("AUS NZL JPN KOR SGP IND TWN PHL THA IDN MYS VNM".split()),
    "Americas": set("USA CAN MEX BRA ARG CHL COL PER".split()),
    "Middle East and Africa": set("ISR EGY JOR MAR SAU ARE QAT KWT BHR TUN KEN ZAF".split()),
}


def country_rows():
    """One dict per ISO 3166 country, ready for Country(**row)."""
    import pycountry

    region_of = {code: region for region, codes in REGIONS.items() for code in codes}
    for c in pycountry.countries:
        iso3 = c.alpha_3
        yield {
            "iso2": c.alpha_2,
            "iso3": iso3,
            "name": getattr(c, "common_name", None) or c.name,
            "region": region_of.get(iso3, ""),
            "nato": iso3 in NATO,
            "five_eyes": iso3 in FIVE_EYES,
            "eu": iso3 in EU,
            "mnna": iso3 in MNNA,
            "security_agreement": iso3 in SECURITY_AGREEMENT,
        }
