"""Money as Decimal, never float: amounts as people type them, currencies, conversion, routing."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.config import PurchaseRule, PurchasesConfig
from bot.errors import UserError
from bot.mrkdwn import echo

CENT = Decimal("0.01")
LIMIT = Decimal("1000000000")  # amounts are below one billion
EXAMPLE = "/purchase request 1,250.00 EUR 3 monitors for the NOC"

_PLAIN = re.compile(r"^\d+(?:\.\d+)?$")
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")

# Active ISO 4217 codes: an upper-case word that is one of these is read as a currency.
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
    KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK
    SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
    VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()  # noqa: SIM905 - a table
)


def parse_amount(text: str) -> Decimal:
    """`1250`, `1,250.00`, `1250.5` -> Decimal; at most two decimals, positive, below a billion."""
    raw = str(text).strip()
    bare = raw.lstrip("+")
    if bare.startswith("-"):
        raise ValueError(f"`{echo(raw)}` is negative; an amount must be more than 0")
    if not (_PLAIN.match(bare) or _GROUPED.match(bare)):
        raise ValueError(
            f"`{echo(raw)}` is not an amount; write it with digits, like 1250, 1,250.00 or 1250.5"
        )
    try:
        amount = Decimal(bare.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the patterns above rule this out
        raise ValueError(f"`{echo(raw)}` is not an amount") from None
    if amount != amount.quantize(CENT):
        raise ValueError(f"`{echo(raw)}` has more than two decimals; round it to cents")
    if amount <= 0:
        raise ValueError("An amount must be more than 0")
    if amount >= LIMIT:
        raise ValueError(f"`{echo(raw)}` is too large; purchases are below one billion")
    return amount.quantize(CENT)


# Three capitals that are plainly part of what is bought, not a currency: "100 USB cables".
# Any other three-capital word after the amount is refused rather than read as text.
NOT_CURRENCIES = frozenset(
    """API ATX AWS CPU DVD DVI GPU HDD KVM LCD LED NAS NIC PCB PDU PSU RAM ROM SAN SFP SIM SSD SSL
    TLS UPS USB VGA VPN""".split()  # noqa: SIM905 - a table
)
_CODE = re.compile(r"^[A-Z]{3}$")


def known_currencies(config: PurchasesConfig) -> str:
    return ", ".join(sorted({config.currency, *config.rates}))


def read_currency(word: str, config: PurchasesConfig, *, as_text: str) -> str | None:
    """The currency the word after the amount names, or None when it starts the description.

    A configured currency (policy currency or one with a rate) in any case is a currency. An
    ISO 4217 code written in capitals (`JPY`, `ALL`) is plainly meant as a currency, so it is
    refused when it has no rate rather than silently replaced by the policy one; the message says
    how to write it as text (``as_text``: the command with the currency first). So is any other
    three-capital word (`XYZ`), unless it is a common acronym of things bought (`USB cables`).
    Anything else, lower-case words (`all hands`, `pen refills`) included, is text.
    """
    code = word.upper()
    if code in {config.currency, *config.rates}:
        return code
    if word in ISO_4217:
        raise UserError(
            f"I have no rate for {code}; known: {known_currencies(config)}. Write the amount "
            f"in {config.currency} or ask an admin to add a rate. If `{echo(word)}` is part of "
            "the description, name the currency first.",
            example=as_text,
            field="currency",
        )
    if _CODE.match(word) and word not in NOT_CURRENCIES:
        raise UserError(
            f"`{echo(word)}` is not a currency I know; I accept {known_currencies(config)}. "
            f"If `{echo(word)}` is part of the description, name the currency first.",
            example=as_text,
            field="currency",
        )
    return None


def to_policy(amount: Decimal, currency: str, config: PurchasesConfig) -> Decimal:
    """The amount in the policy currency, to the cent; a currency without a rate is refused."""
    if currency == config.currency:
        return amount
    rate = config.rates.get(currency)
    if rate is None:
        what = f"I have no rate for {currency}"
        if currency not in ISO_4217:
            what = f"{currency} is an unknown currency (not an ISO 4217 code)"
        raise UserError(
            f"{what}; known: {known_currencies(config)}. Write the amount "
            f"in {config.currency} or ask an admin to add a rate.",
            example=EXAMPLE,
            field="currency",
        )
    return (amount * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def rule_for(amount: Decimal, config: PurchasesConfig) -> PurchaseRule:
    """The first rule whose ``up_to`` covers the amount (in the policy currency)."""
    if not config.rules:
        raise UserError(
            "No purchase approval policy is configured, so requests cannot be routed. "
            "Ask an admin to add [[purchases.rules]] to the config."
        )
    for rule in config.rules:
        if rule.up_to is None or amount <= rule.up_to:
            return rule
    top = config.rules[-1].up_to
    raise UserError(
        f"The approval policy covers purchases up to {fmt(Decimal(top or 0), config.currency)}; "
        "this one is above that. Ask an admin."
    )


def fmt(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount:,.2f}"


def minor(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value())
