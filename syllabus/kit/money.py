"""Money as integer minor units plus an ISO 4217 code; never floats.

Providers that speak decimal strings (PayPal) get them from `to_decimal_string`
and give them back through `from_decimal_string`, both exact.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# Currencies whose minor unit is not 1/100 (ISO 4217 exponents).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


def exponent(currency: str) -> int:
    """Digits after the decimal point of the currency's major unit."""
    return _EXPONENTS.get(currency.upper(), 2)


def to_decimal_string(amount: int, currency: str) -> str:
    """1999, "USD" -> "19.99"; 500, "JPY" -> "500"."""
    digits = exponent(currency)
    if digits == 0:
        return str(amount)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**digits)
    return f"{sign}{whole}.{fraction:0{digits}d}"


def money_text(amount: int, currency: str) -> str:
    """1999, "USD" -> "19.99 USD": exact, for messages and logs (pages use their own labels)."""
    return f"{to_decimal_string(amount, currency)} {currency}"


def from_decimal_string(value: str, currency: str) -> int:
    """ "19.99", "USD" -> 1999. Refuses more precision than the currency has."""
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    scaled = number.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value!r} has more decimals than {currency} allows")
    return int(scaled)


def split_share(amount: int, percent: int) -> tuple[int, int]:
    """(share, rest) of `amount` at `percent`, the share rounded down; exact to the unit."""
    share = amount * percent // 100
    return share, amount - share


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` in proportion to `weights`, summing exactly to `total`.

    Largest remainders first, ties to the earlier weight: used to spread an
    order-level discount or a partial refund across order lines.
    """
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum == 0:
        return [0 for _ in weights]
    shares = [total * weight // weight_sum for weight in weights]
    remainders = sorted(
        range(len(weights)),
        key=lambda i: (-(total * weights[i] % weight_sum), i),
    )
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares
