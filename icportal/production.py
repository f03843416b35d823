"""Production settings: the environment-driven settings plus transport hardening.

`DJANGO_SETTINGS_MODULE=icportal.production manage.py check --deploy` is clean.
SECRET_KEY must be set in the environment; there is no default here.
"""

from .settings import *  # noqa: F403
from .settings import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Only a local compose run over plain http turns these off (SECURE_COOKIES=false).
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
WHITENOISE_USE_FINDERS = False
