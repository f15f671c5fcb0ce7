"""All tables; importing this package registers them on SQLModel.metadata.

Each table lives in its domain's `models.py`; this is the one place that imports
them all (Alembic and `SQLModel.metadata.create_all` need every table registered).
"""

from portal_app.accounts.models import (  # noqa: F401
    Account,
    AccountKind,
    AuthToken,
    LoginFailure,
    NotificationPreference,
    OneTimeCode,
    RecoveryCode,
    StaffRole,
    TokenPurpose,
    TwoFactor,
    UserSession,
)
from portal_app.audit.models import AuditEvent  # noqa: F401
from portal_app.core.models import utcnow  # noqa: F401
from portal_app.deeds.models import DeedApproval, DeedComment, DeedDraft, DeedVersion  # noqa: F401
from portal_app.documents.models import Document, DocumentKind, StagedUpload  # noqa: F401
from portal_app.dossiers.models import Dossier, DossierAccess, DossierStatus, ProgressStep, ReadReceipt  # noqa: F401
from portal_app.messages.models import Message  # noqa: F401
from portal_app.notifications.models import OutboxMail, OutboxSms, OutboxStatus, PendingNotification  # noqa: F401
from portal_app.office.models import OfficeSetting, StaffNote, StepTemplate  # noqa: F401
from portal_app.payments.models import HeldMessage, Settlement, TrustAccount  # noqa: F401
from portal_app.questionnaires.models import (  # noqa: F401
    QuestionnaireAnswer,
    QuestionnaireRequest,
    QuestionnaireStatus,
    QuestionnaireTemplate,
)
from portal_app.signing.models import SigningAppointment, SigningChecklistItem  # noqa: F401
