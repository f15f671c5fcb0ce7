"""The Reflex app: pages and the plain HTTP routes. Nothing else lives here."""

import reflex as rx

from portal_app.api import auth as auth_routes
from portal_app.api import downloads, security
from portal_app.pages import routes
from portal_app.pages.home import home_page
from portal_app.pages.login import login_page
from portal_app.pages.my_details import my_details_page
from portal_app.pages.not_found import not_found_page
from portal_app.pages.onboarding import forgot_password_page, invitation_page, set_password_page, verify_page
from portal_app.services.background import start_background_tasks
from portal_app.states.base import PublicPageState
from portal_app.states.home import HomeState
from portal_app.states.login import LoginState
from portal_app.states.my_details import MyDetailsState
from portal_app.states.onboarding import OnboardingState


app = rx.App(
    stylesheets=["/portal.css"],
    head_components=[rx.el.meta(name="robots", content="noindex"), rx.el.script(src="/portal.js", defer=True)],
    api_transformer=security.transformers(routes=[*auth_routes.routes, *downloads.routes]),
)
app.register_lifespan_task(start_background_tasks)

app.add_page(login_page, route=routes.LOGIN, title="Inloggen", on_load=LoginState.load_login)
app.add_page(home_page, route=routes.HOME, title="Home", on_load=HomeState.load_home)
app.add_page(my_details_page, route=routes.MY_DETAILS, title="Mijn gegevens", on_load=MyDetailsState.load_my_details)
app.add_page(not_found_page, route="/404", title="Niet gevonden", on_load=PublicPageState.load_public)
app.add_page(invitation_page, route="/account-activeren", title="Account activeren", on_load=OnboardingState.load_invitation)
app.add_page(forgot_password_page, route="/wachtwoord-vergeten", title="Wachtwoord vergeten", on_load=OnboardingState.load_forgot)
app.add_page(set_password_page, route="/wachtwoord-instellen", title="Wachtwoord instellen", on_load=OnboardingState.load_set_password)
app.add_page(verify_page, route="/login/verificatie", title="2-staps verificatie", on_load=OnboardingState.load_verify)
