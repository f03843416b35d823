"""The portal's roles. Roles are Groups with model-level permissions.

A model-level permission grants every object of that model ("leadership sees all");
everything narrower comes from team membership as object permissions.
Patterns are `app_label.codename` globs so a new model picks up its permissions
when its migration runs (see `sync_roles`, called after every migrate). Which
permissions a role gets is said by the app that owns them, in its AppConfig.ready().
"""

from fnmatch import fnmatch

IC_STAFF = "IC Staff"
PROGRAM_MANAGER = "Program Manager"
TSFD_REQUESTER = "TSFD Requester"
TSFD_REVIEWER = "TSFD Reviewer"
TSFD_APPROVER = "TSFD Approver"
LEADERSHIP = "Leadership"
PORTAL_ADMIN = "Portal Admin"

ROLE_DESCRIPTIONS = {
    IC_STAFF: "Browses and edits the programs, agreements and fora of their teams.",
    PROGRAM_MANAGER: "Leads program teams; requests disclosures for their programs.",
    TSFD_REQUESTER: "Raises technology security and foreign disclosure requests.",
    TSFD_REVIEWER: "Reviews the disclosure requests assigned to them.",
    TSFD_APPROVER: "Runs intake and decides disclosure requests.",
    LEADERSHIP: "Sees the whole portfolio and downloads briefing packets.",
    PORTAL_ADMIN: "Administers users, roles, reference data and object permissions.",
}

# {role: [permission patterns]}, in the order above. Empty here: each app grants its roles
# what they may do with its models from AppConfig.ready() (core.registry.grant), and the
# apps' reference data is readable by every role (core.registry.register_reference_data).
ROLE_PERMISSIONS = {role: [] for role in ROLE_DESCRIPTIONS}


def sync_roles(group_model, permission_model):
    """Create the role groups and set each to exactly the permissions its patterns match."""
    perms = list(permission_model.objects.select_related("content_type"))
    for name, patterns in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        wanted = [
            p
            for p in perms
            if any(fnmatch(f"{p.content_type.app_label}.{p.codename}", pat) for pat in patterns)
        ]
        group.permissions.set(wanted)


def user_groups(user):
    """The user's groups, read once per user object (i.e. request) for every use."""
    kept = getattr(user, "_portal_groups", None)
    if kept is None:
        kept = user._portal_groups = tuple(user.groups.all())
    return kept


def role_names(user):
    """The user's roles, in the order above (read once per user object, i.e. request)."""
    kept = getattr(user, "_role_names", None)
    if kept is None:
        names = {g.name for g in user_groups(user)}
        kept = user._role_names = tuple(r for r in ROLE_PERMISSIONS if r in names)
    return list(kept)
