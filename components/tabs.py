"""Views in tabs: a tab strip (its value is `state.tab`, so the shown tab is in the URL) and one
panel per tab, hidden unless its tab is chosen.

The strip is a radio group (`dcc.RadioItems` styled as tabs): native radios are keyboard operable
(arrow keys move between tabs, as in the WAI-ARIA tabs pattern) and it joins the URL/state sync
as one more control (ids.FILTERS["tab"]). Which panel shows is set in the browser, by the state's
tab (assets/tabs.js `evidenceTabs.show`, called as each new state is known: assets/seen.js), not by a
Dash callback: that callback's round cost the first opening of a tab ~12 redux actions (~10-15 ms)
before its figures could be drawn. Hidden panels draw nothing: assets/slices.js leaves a graph's
slice of the state untouched while its panel's tab is not the state's tab, so a hidden figure
sends no request until its tab is shown.
"""

from __future__ import annotations

from dash import dcc, html

from components import ids
from evidence.state import TABS

TAB_LABELS = {
    "efficacy": "Efficacy & toxicity",
    "trials": "Trials & design",
    "dosing": "Dose ramp & what-if",
    "survival": "Survival",
    "uploads": "Your own trials",
    "sources": "Sources",
}
assert set(TAB_LABELS) == set(TABS)


def tab_strip() -> html.Fieldset:
    """The tab strip: one radio per tab, named 'Views' by its legend."""
    return html.Fieldset(
        [
            html.Legend("Views", className="visually-hidden"),
            dcc.RadioItems(
                id=ids.FILTERS["tab"],
                options=[{"label": TAB_LABELS[t], "value": t} for t in TABS],
                value=TABS[0],
                inline=True,
                className="tab-strip",
            ),
        ],
        className="tab-strip-box",
    )


def tab_panel(tab: str, children: list) -> html.Div:
    """A tab's panel; `data-tab` tells assets/slices.js (and the skip links) which tab shows it."""
    return html.Div(
        children,
        id=ids.tab_panel(tab),
        className=f"tab-panel tab-panel-{tab}",
        hidden=tab != TABS[0],
        role="region",
        **{"data-tab": tab, "aria-label": TAB_LABELS[tab]},
    )
