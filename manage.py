#!/usr/bin/env python
"""Django's command-line utility for IC Portal."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "icportal.settings")
    if sys.argv[1:2] in (["backup"], ["restore"]):
        from core.ops.backup import refuse_engine_before_start

        refuse_engine_before_start(sys.argv[1])
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
