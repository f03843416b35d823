"""The API's base classes, on the same permission layer as the pages.

- Lists and lookups read `restrict(queryset, user, "view")`: an object the user may not
  see answers 404, never 403.
- Changing needs "change" on the object (403 when they can see but not change it);
  deleting needs "delete"; creating a top-level record needs the role's add permission,
  creating a child needs "change" on its parent.
- Writes re-check that the author still sees the result, in the same transaction.
- Optimistic locking: a PUT or PATCH of a record whose model has a `version` must send the
  version it read, in the body or as `If-Match: "<version>"` (the `ETag` of a GET; bare or
  `W/` forms too). Without either it gets 428; a stale body version 409, a stale If-Match
  412; sent both, each must be current. Nothing is saved when refused.
"""

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core import permissions as perms
from core import teams
from core.audit import ConcurrentEditError
from core.models import AuditEntry, Country, TransitionLog
from core.workflow import TransitionRefused


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since the version you sent (If-Match)."
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record changed since the version you sent."
    default_code = "conflict"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        'Send the record\'s current version: a "version" field in the body or an If-Match '
        'header (If-Match: "<version>", the ETag a GET of the record returns). '
        "Nothing was saved."
    )
    default_code = "precondition_required"


def is_versioned(model):
    """Whether the model carries an optimistic-locking `version` (core.audit.VersionedModel)."""
    if model is None:
        return False
    try:
        model._meta.get_field("version")
    except FieldDoesNotExist:
        return False
    return True


def if_match_versions(header):
    """The versions an If-Match header names, as strings: `"3"`, `3`, `W/"3"`, or a list.

    Empty when the header is absent or is `*` (which names no version, so protects nothing).
    """
    versions = []
    for tag in (header or "").split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip().strip('"').strip()
        if tag and tag != "*":
            versions.append(tag)
    return versions


def body_version(data):
    """The `version` in a request body, or None when there is none."""
    sent = data.get("version") if isinstance(data, Mapping) else None
    return None if sent is None or sent == "" else sent


class RestrictedPermission(permissions.BasePermission):
    """Authenticated users; the object checks go through core.permissions."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True  # visibility was already applied by get_queryset (else 404)
        # A viewset action may need less than "change" (a workflow step checks its own
        # rules): `object_permission_by_action = {"transition": "view"}`.
        by_action = getattr(view, "object_permission_by_action", {})
        action_name = by_action.get(getattr(view, "action", None)) or (
            "delete" if request.method == "DELETE" else "change"
        )
        return perms.can(request.user, action_name, obj)


class AuditEntrySerializer(serializers.ModelSerializer):
    # Null for changes no signed-in user made (jobs, imports, the demo loader).
    user = serializers.StringRelatedField(allow_null=True)
    model = serializers.CharField(source="content_type.model")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "action",
            "user",
            "model",
            "object_id",
            "object_repr",
            "changes",
            "source",
        ]


class PreconditionAutoSchema(AutoSchema):
    """Documents optimistic locking: If-Match and 428 on writes, ETag on reads of one record.

    Set on VersionPreconditionMixin; drf-spectacular keeps it under an action's own
    @extend_schema (tests/core/test_api_preconditions.py checks every versioned write).
    """

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        view = self.view
        if operation is None or not getattr(view, "detail", False):
            return operation
        if not is_versioned(getattr(getattr(view, "queryset", None), "model", None)):
            return operation
        if self.method in VersionPreconditionMixin.precondition_methods:
            operation.setdefault("parameters", []).append(
                {
                    "in": "header",
                    "name": "If-Match",
                    "required": False,
                    "schema": {"type": "string"},
                    "description": (
                        'The version you read, as the ETag of a GET gave it ("3"; 3 and W/"3" '
                        "are accepted too). Send it or a `version` in the body: without either "
                        "the write answers 428. A stale one answers 412."
                    ),
                }
            )
            operation["responses"].setdefault(
                "412", _error("If-Match does not match the current version; nothing was saved.")
            )
            operation["responses"].setdefault(
                "428",
                _error(
                    'No version sent: send a "version" field in the body or an If-Match '
                    "header. Nothing was saved."
                ),
            )
        elif self.method == "GET" and getattr(view, "action", None) == "retrieve":
            ok = operation["responses"].get("200")
            if ok is not None:
                ok.setdefault("headers", {})["ETag"] = {
                    "schema": {"type": "string"},
                    "description": 'The record\'s version ("3"); send it back as If-Match.',
                }
        return operation


class VersionPreconditionMixin:
    """A PUT or PATCH of a versioned record must name the version it was based on.

    Checked when the record is looked up (`get_object`, after the 404 and 403 checks, before
    the body is validated) and again before saving; a GET, PUT or PATCH answering with the
    record sends its version as the `ETag`.
    """

    precondition_methods = ("PUT", "PATCH")
    schema = PreconditionAutoSchema()

    def versioned(self):
        queryset = getattr(self, "queryset", None)
        return is_versioned(queryset.model if queryset is not None else None)

    def check_version(self, instance):
        """428 when no version was sent, 409/412 when the one sent is stale."""
        if self.request.method not in self.precondition_methods or not self.versioned():
            return
        current = str(instance.version)
        sent = body_version(self.request.data)
        tags = if_match_versions(self.request.headers.get("If-Match"))
        if sent is None and not tags:
            raise PreconditionRequired()
        # A malformed body version (not an integer) is left to the serializer's 400.
        well_formed = not isinstance(sent, bool) and str(sent).strip().isdigit()
        if sent is not None and well_formed and int(str(sent)) != instance.version:
            raise Conflict()
        if tags and current not in tags:
            raise PreconditionFailed()

    def get_object(self):
        instance = super().get_object()
        self.check_version(instance)
        return instance

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if (
            200 <= response.status_code < 300
            and isinstance(data, Mapping)
            and isinstance(data.get("version"), int)
            and self.versioned()
            and (
                getattr(self, "action", None) == "create"
                or str(data.get("id"))
                == str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field))
            )
        ):
            response["ETag"] = f'"{data["version"]}"'
        return response


class RestrictedModelViewSet(VersionPreconditionMixin, viewsets.ModelViewSet):
    """A model's API: filtered, permission-checked, audited, optimistically locked."""

    permission_classes = [RestrictedPermission]
    lookup_value_regex = r"\d+"
    team_on_create = True

    def get_queryset(self):
        return perms.restrict(self.queryset.all(), self.request.user, "view")

    def _parent_of(self, serializer):
        parent_field = getattr(self.queryset.model, "permission_parent", None)
        if parent_field:
            return serializer.validated_data.get(parent_field) or getattr(
                serializer.instance, parent_field, None
            )
        return None

    def _check_create(self, serializer):
        model = self.queryset.model
        parent = self._parent_of(serializer)
        if getattr(model, "permission_parent", None):
            if parent is None or not perms.can(self.request.user, "view", parent):
                raise exceptions.ValidationError({model.permission_parent: "Not found."})
            if not perms.can(self.request.user, "change", parent):
                raise exceptions.PermissionDenied("You may not change that record.")
        elif not perms.can_add(self.request.user, model):
            raise exceptions.PermissionDenied(f"You may not add a {model._meta.verbose_name}.")

    def _check_visible(self, instance):
        if not perms.can(self.request.user, "view", instance):
            raise exceptions.ValidationError(
                "This change would move the record out of what you may see; it was not saved."
            )

    def create(self, request, *args, **kwargs):
        # Who may add comes before what they sent: no role to add answers 403, whatever
        # the body (a child's permission follows its parent, checked once it is known).
        model = self.queryset.model
        if not getattr(model, "permission_parent", None) and not perms.can_add(request.user, model):
            raise exceptions.PermissionDenied(f"You may not add a {model._meta.verbose_name}.")
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        self._check_create(serializer)
        with transaction.atomic():
            instance = serializer.save()
            if self.team_on_create and not getattr(instance, "permission_parent", None):
                teams.set_member(instance, self.request.user, "lead", by=self.request.user)
            self._check_visible(instance)

    def perform_update(self, serializer):
        instance = serializer.instance
        parent_field = getattr(type(instance), "permission_parent", None)
        if parent_field and parent_field in serializer.validated_data:
            new_parent = serializer.validated_data[parent_field]
            if not perms.can(self.request.user, "change", new_parent):
                raise exceptions.ValidationError({parent_field: "Not found."})
        self.check_version(instance)
        try:
            with transaction.atomic():
                instance = serializer.save()
                self._check_visible(instance)
        except ConcurrentEditError as exc:
            raise Conflict(str(exc)) from None

    def perform_destroy(self, instance):
        from django.db.models import ProtectedError

        try:
            with transaction.atomic():
                instance.delete()
        except ProtectedError:
            raise Conflict("Other records refer to this one; it was not deleted.") from None


class HistoryMixin:
    """`GET …/<id>/history/`: the same audit trail as the History tab."""

    @extend_schema(responses=AuditEntrySerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=AuditEntrySerializer)
    def history(self, request, pk=None):
        from core import history

        obj = self.get_object()
        page = self.paginate_queryset(history.history_of(obj))
        data = AuditEntrySerializer(history.readable(page, request.user), many=True).data
        return self.get_paginated_response(data)


class TransitionRefusedSerializer(serializers.Serializer):
    reasons = serializers.ListField(child=serializers.CharField())


class TransitionMixin:
    """`POST …/<id>/transition/` `{"name", "comment", "version"}`: one workflow step.

    The viewset names its `workflow` (a core.workflow.Workflow) and the serializer of the
    request body (`transition_serializer`); the schema follows from them. Whoever may see
    the record may ask (approvers decide on what they only see): the table says who may
    take which step. 200 with the record; 400 `{"reasons": [...]}` when refused, nothing
    changed; 404 for a record the caller may not see.
    """

    workflow = None
    transition_serializer = None
    # Every 400 of these actions is {"reasons": [...]}, a malformed body's too (core.api_errors).
    refusal_actions = ("transition",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.transition_serializer is None:
            return
        name = cls.queryset.model._meta.verbose_name
        schema = extend_schema(
            request=cls.transition_serializer,
            responses={
                200: cls.serializer_class,
                400: OpenApiResponse(
                    TransitionRefusedSerializer,
                    description="The step was refused; nothing changed. `reasons` says why.",
                ),
                404: OpenApiResponse(description=f"No {name} you may see has this id."),
            },
        )
        extend_schema_view(transition=schema)(cls)

    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Take one lifecycle step, e.g. `{"name": "withdraw", "comment": "…", "version": 3}`."""
        record = self.get_queryset().filter(pk=pk).first()
        if record is None:
            name = self.queryset.model._meta.verbose_name
            raise exceptions.NotFound(f"No {name} you may see has this id.")
        incoming = self.transition_serializer(data=request.data)
        if not incoming.is_valid():
            reasons = [f"{k}: {' '.join(map(str, v))}" for k, v in incoming.errors.items()]
            return Response({"reasons": reasons}, status=status.HTTP_400_BAD_REQUEST)
        data = incoming.validated_data
        try:
            self.workflow.perform(
                record, request.user, data["name"], data.get("comment", ""), data.get("version")
            )
        except TransitionRefused as refused:
            return Response({"reasons": refused.reasons}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)


class RestrictedRelatedField(serializers.PrimaryKeyRelatedField):
    """A link to another record: only records the user may see are accepted (else 'not found')."""

    def get_queryset(self):
        request = self.context.get("request")
        queryset = super().get_queryset()
        if request is None:
            return queryset.none()
        return perms.restrict(queryset, request.user, "view")


class ApiFields(list):
    """A serializer's `Meta.fields` built by `api_fields`: the list, plus how it differs
    from the form's (read by tests/core/test_field_lists.py)."""


def api_fields(
    form_fields, *, parent=None, writable=(), read_only=(), form_only=(), versioned=False
):
    """The API's fields of a model that also has a form: `id`, the `parent` link, the
    form's own fields, then what only the API has.

    The form's list is the one list of what can be typed; every difference from it is
    declared here, at the call, with why:
    - `parent`: a child's parent link (the form gets it from the page, the API names it);
    - `writable`: fields the API writes that the form does not have;
    - `read_only`: what the API shows that nobody types (computed, or owned by a workflow);
    - `form_only`: form fields the API does not have;
    - `versioned`: the record's `version` (the form carries it as `expected_version`),
      `created_at` and `updated_at`.
    """
    form_fields = tuple(dict.fromkeys(form_fields))  # a field two forms share counts once
    stamps = ("version", "created_at", "updated_at") if versioned else ()
    fields = ApiFields(
        [
            "id",
            *([parent] if parent else []),
            *(name for name in form_fields if name not in form_only),
            *writable,
            *read_only,
            *stamps,
        ]
    )
    fields.form_fields = form_fields
    fields.parent = parent
    fields.writable = tuple(writable)
    fields.read_only = tuple(read_only)
    fields.form_only = tuple(form_only)
    fields.versioned = versioned
    return fields


def person_field(**kwargs):
    """A link to an active user, named by username; optional unless told otherwise."""
    options = {"allow_null": True, "required": False, **kwargs}
    return serializers.SlugRelatedField(
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        **options,
    )


def country_field(queryset=None, **kwargs):
    """A country, named by its ISO alpha-3 code (GBR); any country unless told which."""
    if queryset is None and not kwargs.get("read_only"):
        queryset = Country.objects.all()
    return serializers.SlugRelatedField(slug_field="iso3", queryset=queryset, **kwargs)


def version_field():
    """The version a write is based on (optimistic locking; see VersionPreconditionMixin)."""
    return serializers.IntegerField(
        required=False, help_text="The version you read; a stale one gets 409 (or use If-Match)."
    )


# One lifecycle step of a record (core.models.TransitionLog). No docstring: the schema
# would take it as the description of every subclass's component.
class TimelineEntrySerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username; null for a step the portal took by itself.",
    )

    class Meta:
        model = TransitionLog
        fields = ["id", "at", "name", "source", "target", "user", "comment"]


class ModelCleanSerializer(serializers.ModelSerializer):
    """Runs the model's own `clean()` so the API refuses what the forms refuse, as 400s."""

    def validate(self, attrs):
        import copy

        from django.core.exceptions import ValidationError

        attrs = super().validate(attrs)
        candidate = copy.copy(self.instance) if self.instance is not None else self.Meta.model()
        for name, value in attrs.items():
            if name != "version":
                setattr(candidate, name, value)
        try:
            candidate.clean()
        except ValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from None
        attrs.pop("version", None)
        return attrs


ERROR_BODY = {
    "type": "object",
    "additionalProperties": True,
    "description": "Field errors ({field: [messages]}) or {detail: message}.",
}


def _error(description):
    return {"description": description, "content": {"application/json": {"schema": ERROR_BODY}}}


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing: every operation documents the errors it can give.

    400 for bad input (bodies and filters), 401/403 for sign-in and permission, 404 for
    records the caller may not see, 409 for stale versions and refused changes (412, 428
    and If-Match come from PreconditionAutoSchema, on versioned records only).
    """
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            extra = {"401": "Not signed in.", "403": "Not allowed."}
            if "{" in path:
                extra["404"] = "No such record, or one you may not see."
            elif method == "get":
                extra["404"] = "No such page of results."
            if method in ("post", "put", "patch") or operation.get("parameters"):
                extra["400"] = "Invalid input; the body names the fields."
            if method in ("put", "patch", "delete", "post") and "{" in path:
                extra["409"] = "Stale version or refused change; nothing was saved."
            for code, text in extra.items():
                responses.setdefault(code, _error(text))
    return result
