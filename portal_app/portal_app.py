"""The Reflex app: pages and the plain HTTP routes. Nothing else lives here."""

import reflex as rx

from portal_app.accounts import api as auth_routes
from portal_app.accounts.pages.company_accounts import company_account_page, company_accounts_page
from portal_app.accounts.pages.login import login_page
from portal_app.accounts.pages.my_details import email_confirm_page, my_details_page
from portal_app.accounts.pages.onboarding import forgot_password_page, invitation_page, set_password_page, verify_page
from portal_app.accounts.states.company_accounts import CompanyAccountsState
from portal_app.accounts.states.login import LoginState
from portal_app.accounts.states.my_details import EmailConfirmState, MyDetailsState
from portal_app.accounts.states.onboarding import OnboardingState
from portal_app.audit import api as staff_exports
from portal_app.audit.pages import staff_audit_page
from portal_app.audit.states import StaffAuditState
from portal_app.core import api as security
from portal_app.core.components.text import tr
from portal_app.core.pages import routes
from portal_app.core.pages.not_found import not_found_page
from portal_app.core.pages.unavailable import unavailable_page
from portal_app.core.services.background import start_background_tasks
from portal_app.core.services.json_logs import configure as configure_logs
from portal_app.core.services.log_redaction import install as install_log_redaction
from portal_app.core.states.backend_errors import UNAVAILABLE_ROUTE, on_backend_exception
from portal_app.core.states.base import PublicPageState
from portal_app.core.states.redis_lock import install as install_redis_lock_give_back
from portal_app.core.states.session_guard import SessionGuard
from portal_app.deeds.states.drafts import DeedDraftsState, StaffDeedDraftsState
from portal_app.documents import api as downloads
from portal_app.dossiers.pages.dossier import dossier_page
from portal_app.dossiers.pages.dossiers import dossiers_page
from portal_app.dossiers.pages.home import home_page
from portal_app.dossiers.pages.staff_dossiers import staff_dossier_page, staff_dossiers_page
from portal_app.dossiers.states.dossier import DossierState
from portal_app.dossiers.states.dossiers import DossierListState
from portal_app.dossiers.states.home import HomeState
from portal_app.dossiers.states.staff_dossiers import StaffDossiersState, StaffDossierState
from portal_app.notifications.pages import staff_outbox_page
from portal_app.notifications.states import StaffOutboxState
from portal_app.office import api as branding_routes
from portal_app.office.pages.staff_clients import staff_client_page, staff_clients_page
from portal_app.office.pages.staff_overview import staff_overview_page
from portal_app.office.pages.staff_settings import staff_settings_page
from portal_app.office.states.notes import StaffNotesState
from portal_app.office.states.staff_clients import StaffClientsState, StaffClientState
from portal_app.office.states.staff_overview import StaffOverviewState
from portal_app.office.states.staff_settings import StaffSettingsState
from portal_app.payments.states.payments import ClientPaymentState, StaffPaymentState, TrustAccountState
from portal_app.questionnaires.pages.actions import actions_page
from portal_app.questionnaires.pages.questionnaire import questionnaire_page
from portal_app.questionnaires.pages.staff_questionnaires import staff_questionnaires_page
from portal_app.questionnaires.states.actions import ActionsState
from portal_app.questionnaires.states.questionnaire import QuestionnaireState
from portal_app.questionnaires.states.staff_questionnaires import StaffQuestionnairesState
from portal_app.settings import get_settings
from portal_app.signing import api as calendar_routes
from portal_app.signing.states.signing import SigningState


def page_title(key: str):
    """The browser tab's title in the user's language (Dutch before the page state loads)."""
    return tr(f"title.{key}")


# As soon as the app loads, before it serves anything: no session token, link token, code or password in any log line.
install_log_redaction()
# One line per request and event, as text or JSON (LOG_FORMAT), after the redaction above.
configure_logs(get_settings().log_format)
# With Redis: an event cancelled while taking its tab's state lock gives the lock back (core/states/redis_lock.py).
install_redis_lock_give_back()

app = rx.App(
    html_lang="nl",
    # database unreachable: the Storing page (Reflex's error toast is blocked by the CSP)
    backend_exception_handler=on_backend_exception,
    stylesheets=["/portal.css", "/client_ux.css", "/a11y.css"],
    head_components=[
        rx.el.meta(name="robots", content="noindex"),
        rx.el.script(src="/portal.js", defer=True),
        rx.el.script(src="/client_ux.js", defer=True),
        rx.el.script(src="/idle_warning.js", defer=True),
        rx.el.script(src="/a11y.js", defer=True),
        # served by core/api.py icon_routes: the office logo, or the default in assets/
        rx.el.link(rel="icon", href="/favicon.ico", sizes="any"),
        rx.el.link(rel="apple-touch-icon", href="/apple-touch-icon.png"),
    ],
    # POST /_upload only for the session cookie of the tab it targets (documents/api.py)
    api_transformer=downloads.guard_uploads(
        security.transformers(
            routes=[
                *auth_routes.routes,
                *downloads.routes,
                *staff_exports.routes,
                *branding_routes.routes,
                *calendar_routes.routes,
                *security.operations_routes(),
            ]
        )
    ),
)
downloads.bind_upload_app(app)
app.register_lifespan_task(start_background_tasks)
# First of all: tie every event to the session its tab was loaded for.
app.add_middleware(SessionGuard(), index=0)

app.add_page(login_page, route=routes.LOGIN, title=page_title("login"), on_load=LoginState.load_login)
app.add_page(home_page, route=routes.HOME, title=page_title("home"), on_load=HomeState.load_home)
app.add_page(
    my_details_page, route=routes.MY_DETAILS, title=page_title("my_details"), on_load=MyDetailsState.load_my_details
)
app.add_page(
    email_confirm_page,
    route="/e-mail-bevestigen",
    title=page_title("email_confirm"),
    on_load=EmailConfirmState.confirm_email,
)
app.add_page(
    company_accounts_page,
    route=routes.MY_DETAILS + "/extra-accounts",
    title=page_title("extra_accounts"),
    on_load=CompanyAccountsState.load_accounts,
)
app.add_page(
    company_account_page,
    route=routes.MY_DETAILS + "/extra-accounts/[account_id]",
    title=page_title("extra_account"),
    on_load=CompanyAccountsState.load_account,
)
app.add_page(dossiers_page, route=routes.DOSSIERS, title=page_title("dossiers"), on_load=DossierListState.load_dossiers)
app.add_page(
    dossier_page,
    route=routes.DOSSIERS + "/[dossier_id]",
    title=page_title("dossier"),
    # The sections above the tabs load first and the dossier (which shows the page) last: the
    # page appears in one piece instead of pushing the tabs down three times (layout shift, issue 19).
    on_load=[
        SigningState.load_dossier_signing,
        DeedDraftsState.load_drafts,
        ClientPaymentState.load_payment,
        DossierState.load_dossier,
    ],
)
app.add_page(actions_page, route="/acties", title=page_title("actions"), on_load=ActionsState.load_actions)
app.add_page(
    questionnaire_page,
    route="/vragenlijst/[request_id]",
    title=page_title("questionnaire"),
    on_load=QuestionnaireState.load_questionnaire,
)
app.add_page(not_found_page, route="/404", title=page_title("not_found"), on_load=PublicPageState.load_public)
# no on_load: it must show while the database is down (core/states/backend_errors.py)
app.add_page(unavailable_page, route=UNAVAILABLE_ROUTE, title=page_title("unavailable"))
app.add_page(
    invitation_page, route="/account-activeren", title=page_title("activate"), on_load=OnboardingState.load_invitation
)
app.add_page(
    forgot_password_page, route="/wachtwoord-vergeten", title=page_title("forgot"), on_load=OnboardingState.load_forgot
)
app.add_page(
    set_password_page,
    route="/wachtwoord-instellen",
    title=page_title("set_password"),
    on_load=OnboardingState.load_set_password,
)
app.add_page(verify_page, route="/login/verificatie", title=page_title("verify"), on_load=OnboardingState.load_verify)
# Staff dashboard: staff accounts only; every handler is declared Access.STAFF or ADMIN (core/states/access.py).
app.add_page(
    staff_overview_page,
    route=routes.STAFF,
    title=page_title("staff_overview"),
    on_load=StaffOverviewState.load_overview,
)
app.add_page(
    staff_clients_page,
    route=routes.STAFF + "/clienten",
    title=page_title("staff_clients"),
    on_load=StaffClientsState.load_clients,
)
app.add_page(
    staff_client_page,
    route=routes.STAFF + "/clienten/[client_id]",
    title=page_title("staff_client"),
    on_load=[StaffClientState.load_client, StaffNotesState.load_notes],
)
app.add_page(
    staff_dossiers_page,
    route=routes.STAFF + "/dossiers",
    title=page_title("staff_dossiers"),
    on_load=StaffDossiersState.load_dossiers,
)
app.add_page(
    staff_dossier_page,
    route=routes.STAFF + "/dossiers/[dossier_id]",
    title=page_title("staff_dossier"),
    on_load=[
        StaffDossierState.load_dossier,
        StaffDeedDraftsState.load_staff_drafts,
        StaffPaymentState.load_payment,
        StaffNotesState.load_notes,
    ],
)
app.add_page(
    staff_questionnaires_page,
    route=routes.STAFF + "/vragenlijsten",
    title=page_title("staff_questionnaires"),
    on_load=StaffQuestionnairesState.load_questionnaires,
)
app.add_page(
    staff_outbox_page,
    route=routes.STAFF + "/outbox",
    title=page_title("staff_outbox"),
    on_load=StaffOutboxState.load_outbox,
)
app.add_page(
    staff_audit_page, route=routes.STAFF + "/audit", title=page_title("staff_audit"), on_load=StaffAuditState.load_audit
)
app.add_page(
    staff_settings_page,
    route=routes.STAFF + "/instellingen",
    title=page_title("staff_settings"),
    on_load=[StaffSettingsState.load_settings, TrustAccountState.load_trust_account],
)
