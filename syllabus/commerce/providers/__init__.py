"""Payment providers by name, built from settings; only configured ones are offered."""

from __future__ import annotations

from syllabus.commerce.errors import ProviderNotEnabled
from syllabus.commerce.providers.base import PaymentProvider
from syllabus.config import Settings


def enabled_providers(settings: Settings) -> list[str]:
    return settings.payment_providers


def get_provider(settings: Settings, name: str) -> PaymentProvider:
    """The provider `name`; 422 `provider_not_enabled` unless its settings are complete."""
    if name not in settings.payment_providers:
        raise ProviderNotEnabled(f"Payment with {name!r} is not available on this site.")
    if name == "sandbox":
        from syllabus.commerce.providers.sandbox import SandboxProvider

        return SandboxProvider(
            webhook_secret=settings.sandbox_webhook_secret, base_url=settings.base_url
        )
    if name == "stripe":
        from syllabus.commerce.providers.stripe import StripeProvider

        return StripeProvider.from_settings(settings)
    if name == "razorpay":
        from syllabus.commerce.providers.razorpay import RazorpayProvider

        return RazorpayProvider.from_settings(settings)
    from syllabus.commerce.providers.paypal import PayPalProvider

    return PayPalProvider.from_settings(settings)
