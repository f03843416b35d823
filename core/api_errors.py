"""API answers for rules refused in the model layer (core.rules): a 400 naming the
fields, never a 500, whichever write path reached the model.

Workflow actions document their 400 as `{"reasons": [...]}` (the step was refused); a
viewset lists them in `refusal_actions`, and every 400 those actions give has that shape,
whatever raised it: a body that is not JSON, a field error, a rule of the model layer.
"""

from django.core.exceptions import ValidationError as ModelValidationError
from rest_framework import serializers
from rest_framework.views import exception_handler


def portal_exception_handler(exc, context):
    """DRF's handler, plus a model's ValidationError raised by save() as a 400."""
    if isinstance(exc, ModelValidationError):
        exc = serializers.ValidationError(serializers.as_serializer_error(exc))
    response = exception_handler(exc, context)
    view = context.get("view")
    if (
        response is not None
        and response.status_code == 400
        and getattr(view, "action", None) in getattr(view, "refusal_actions", ())
    ):
        response.data = {"reasons": reasons(response.data)}
    return response


def reasons(errors):
    """DRF's error body as a list of sentences: `{"field": ["msg"]}` → `["field: msg"]`."""
    if isinstance(errors, dict):
        if set(errors) == {"reasons"}:
            return [str(reason) for reason in errors["reasons"]]
        return [
            str(message) if field == "detail" else f"{field}: {' '.join(reasons(message))}"
            for field, message in errors.items()
        ]
    if isinstance(errors, list):
        return [text for item in errors for text in reasons(item)]
    return [str(errors)]
