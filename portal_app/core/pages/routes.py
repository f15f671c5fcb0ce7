"""Every route of the portal, in one place."""

LOGIN = "/login"
HOME = "/"
MY_DETAILS = "/mijn-gegevens"
DOSSIERS = "/dossiers"
STAFF = "/staff"
LOGOUT_ACTION = "/auth/logout"
LOGIN_ACTION = "/auth/login"
