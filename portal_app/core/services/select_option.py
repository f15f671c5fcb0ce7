"""One choice of a plain <select> (`native_select` in core/components/staff_widgets.py), as a typed row."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class SelectOption:
    value: str
    label: str
