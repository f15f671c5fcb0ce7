"""All tables; importing this package registers them on SQLModel.metadata."""

from portal_app.models.accounts import (  # noqa: F401
    Account,
    AccountKind,
    AuthToken,
    DossierAccess,
    LoginFailure,
    NotificationPreference,
    OneTimeCode,
    RecoveryCode,
    StaffRole,
    TokenPurpose,
    TwoFactor,
    UserSession,
)
from portal_app.models.base import utcnow  # noqa: F401
from portal_app.models.dossiers import (  # noqa: F401
    Document,
    DocumentKind,
    Dossier,
    DossierStatus,
    Message,
    ProgressStep,
    ReadReceipt,
)
from portal_app.models.notifications import PendingNotification  # noqa: F401
from portal_app.models.questionnaires import (  # noqa: F401
    QuestionnaireAnswer,
    QuestionnaireRequest,
    QuestionnaireStatus,
    QuestionnaireTemplate,
)
from portal_app.models.system import AuditEvent, OfficeSetting, OutboxMail, OutboxSms, OutboxStatus  # noqa: F401
