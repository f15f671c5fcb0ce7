"""Empty a form's fields once the server saved what they held, and only then.

`rx.set_value(field, "")` from a handler empties a field whenever the answer arrives: text
typed during that round trip (the next step, a second note) would be lost. And a script sent
by the server cannot run under the portal's CSP (no 'unsafe-eval'). So the form carries the
state's count of saves; assets/client_ux.js notes each field's text at submit and, when the
count goes up, empties the fields that still hold exactly that text. A refused save leaves
the count as it was, and the text stays for the user to correct.
"""

from __future__ import annotations

from reflex.vars.base import Var


def clear_on_save(saved_count: Var[int], *field_ids: str) -> dict[str, Var | str]:
    """The form's custom_attrs: the fields to empty and the state's count of saves."""
    return {"data-clear-on-save": " ".join(field_ids), "data-saved": saved_count.to_string()}
