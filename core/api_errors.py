"""API answers for rules refused in the model layer (core.rules): a 400 naming the
fields, never a 500, whichever write path reached the model."""

from django.core.exceptions import ValidationError as ModelValidationError
from rest_framework import serializers
from rest_framework.views import exception_handler


def portal_exception_handler(exc, context):
    """DRF's handler, plus a model's ValidationError raised by save() as a 400."""
    if isinstance(exc, ModelValidationError):
        exc = serializers.ValidationError(serializers.as_serializer_error(exc))
    return exception_handler(exc, context)
