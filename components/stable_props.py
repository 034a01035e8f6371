"""The same layout bytes from every replica.

Dash's generated components record which arguments were given through a `set`, so `aria-*` and
`data-*` props (the wildcard ones) land in an order that follows the process's string hashing:
two replicas (or a restarted worker) then serve the layout with those props in another order.
Sorting them once when the layout is built makes `/_dash-layout` byte-identical everywhere
(tests/hosting/test_gunicorn.py), which keeps caches and ETags in front of replicas useful.
"""

from __future__ import annotations

from dash.development.base_component import Component


def sort_wildcard_props(component: Component) -> Component:
    """Re-set every component's aria-*/data-* props in name order (in place); returns it."""
    for node in [component, *component._traverse()]:
        if not isinstance(node, Component):
            continue
        wildcards = sorted(k for k in vars(node) if k.startswith(tuple(node._valid_wildcard_attributes)))
        values = {k: vars(node).pop(k) for k in wildcards}
        for k in wildcards:
            setattr(node, k, values[k])
    return component
