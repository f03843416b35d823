"""The models of core, one module per concern; every name is handed on from here, so
`from core.models import X` works wherever X lives (see README, "Inside core")."""

from core.models.audit import AuditedModel, AuditEntry, VersionedModel
from core.models.documents import Document
from core.models.lists import SavedView, TablePreference
from core.models.markings import MarkedModel
from core.models.notifications import Follow, Notification, NotificationPreference
from core.models.quality import DataQualityFinding, DataQualityRun
from core.models.reference import Contact, Country, Organization
from core.models.search import SearchEntry
from core.models.security import AccountLockout, ApiToken, SecurityEvent, SignInAttempts
from core.models.teams import TeamMember
from core.models.workflow import TransitionLog

__all__ = [
    "AccountLockout",
    "ApiToken",
    "AuditEntry",
    "AuditedModel",
    "Contact",
    "Country",
    "DataQualityFinding",
    "DataQualityRun",
    "Document",
    "Follow",
    "MarkedModel",
    "Notification",
    "NotificationPreference",
    "Organization",
    "SavedView",
    "SearchEntry",
    "SecurityEvent",
    "SignInAttempts",
    "TablePreference",
    "TeamMember",
    "TransitionLog",
    "VersionedModel",
]
