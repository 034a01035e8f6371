"""Number fields that refuse a value out of their range say so, next to the field.

The browser refuses such a value itself (the field turns red and Dash never sends it), so the
state, the URL and the chart keep the last good value; without a word, a start dose of 1000 looked
accepted while the chart drew 400. A clientside function (assets/refusals.js) reads each field's
own validity on every change, blur and Enter, and names the field, what was typed, the allowed
range and the value still in use."""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output

from components import ids

# Message element -> the state fields whose number fields it speaks for.
REFUSING: dict[str, tuple[str, ...]] = {
    ids.WHAT_IF_REFUSAL: ("ramp_start", "ramp_step", "ramp_horizon"),
    ids.PAGE_REFUSAL: ("page",),
}


def register_refusal_callbacks(app: Dash) -> None:
    for message_id, fields in REFUSING.items():
        app.clientside_callback(
            ClientsideFunction(namespace="evidence", function_name="refusals"),
            Output(message_id, "children"),
            [Input(ids.FILTERS[f], prop) for f in fields for prop in ("value", "n_blur", "n_submit")],
        )
