"""The bare reference app: one State with a counter and an `increment` handler."""

import reflex as rx


class State(rx.State):
    count: int = 0

    @rx.event
    def increment(self):
        self.count += 1


def index() -> rx.Component:
    return rx.vstack(
        rx.heading(State.count),
        rx.button("+1", on_click=State.increment),
    )


app = rx.App()
app.add_page(index, route="/")
