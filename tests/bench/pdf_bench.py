"""PDF timings for the benchmark: filled in once the briefs app renders packets."""


def measure(users, filled):
    try:
        from tests.bench import pdf_apps
    except ImportError:
        return {"skipped": "the briefs app does not render packets yet"}
    return pdf_apps.measure(users, filled)
