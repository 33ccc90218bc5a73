"""Prices as instructors type them and as the studio and review pages show them."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from syllabus.kit.money import exponent

CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "INR": "₹",
    "CAD": "CA$",
    "AUD": "A$",
    "JPY": "¥",
    "BRL": "R$",
}
MAX_PRICE_MINOR = 100_000_000


def _minor_digits(currency: str) -> int:
    return exponent(currency)


def amount_text(amount: int | None, currency: str) -> str:
    """Minor units as the price field shows them: 1999 USD -> "19.99", 0 -> "0"."""
    if amount is None:
        return ""
    if amount == 0:
        return "0"
    digits = _minor_digits(currency)
    if digits == 0:
        return str(amount)
    whole, cents = divmod(amount, 10**digits)
    return f"{whole}.{cents:0{digits}d}"


def money_label(amount: int, currency: str) -> str:
    """A price as people read it: "Free", "$19.99", "¥1,500"."""
    if amount == 0:
        return "Free"
    digits = _minor_digits(currency)
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    value = Decimal(amount).scaleb(-digits)
    return f"{symbol}{value:,.{digits}f}"


def parse_amount(text: str, currency: str) -> int:
    """A price typed by a person ("19.99", "1,500") in minor units; ValueError explains."""
    cleaned = re.sub(r"[\s,]", "", text)
    for symbol in CURRENCY_SYMBOLS.values():
        cleaned = cleaned.replace(symbol.strip(), "")
    digits = _minor_digits(currency)
    example = "1500" if digits == 0 else "19.99"
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"Enter an amount like {example}, or 0 for free.") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"Enter an amount like {example}, or 0 for free.")
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        places = "whole amounts" if digits == 0 else "at most 2 decimals"
        raise ValueError(f"Use {places} for {currency}.")
    if minor > MAX_PRICE_MINOR:
        raise ValueError("That price is too high.")
    return int(minor)
