"""Commented starter scenarios for ``loyalsim init``, shipped as package data."""

from __future__ import annotations

from importlib import resources

TEMPLATES = {
    "cafe": "café punch card: a stamp per visit, a free drink for 9 stamps",
    "grocer": "grocer points: a point per dollar, vouchers, 12-month expiry",
    "tiered": "tiered retailer: spend tiers with multipliers, samples and vouchers",
    "coalition": "coalition: a restaurant app with partner businesses that earn and burn",
    "paid": "paid membership: an annual fee for a discount and free delivery",
}
"""Template name -> what it models."""

PLACEHOLDER = "__NAME__"


def template_text(template: str, name: str) -> str:
    """The starter scenario ``template`` with its name (and the commands it shows) set."""
    text = resources.files(__package__).joinpath(f"{template}.yaml").read_text(encoding="utf-8")
    body = text.replace(PLACEHOLDER, name)
    return body.replace("NAME.yaml", f"{name}.yaml").replace("runs/NAME", f"runs/{name}")
