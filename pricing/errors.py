"""Errors raised by the pricing rules; each message names the field or tariff key at fault."""


class PricingError(ValueError):
    """A quote or fee cannot be computed from the given input."""


class TariffError(PricingError):
    """A tariff file is missing a key, has an unknown key, or holds an impossible value."""
