"""`BillingRules` over the `pricing` package (tariff, seat quote, incident levels and fees, invoice totals).

Filled in as the pricing modules land; until then `PricingRules.load` says which one is missing.
"""

from __future__ import annotations

import importlib

from data.billing_rules import BillingRules
from data.errors import DataError

REQUIRED = ("pricing.tariff", "pricing.quote", "pricing.incidents", "pricing.incident_fees", "pricing.invoice")


class PricingRules:
    @classmethod
    def load(cls, tariff_ref: str = "default") -> BillingRules:
        for name in REQUIRED:
            try:
                importlib.import_module(name)
            except ModuleNotFoundError:
                raise DataError(f"billing needs {name}, which this build does not have yet") from None
        raise DataError("billing rules over pricing are not wired yet (data/pricing_adapter.py)")
