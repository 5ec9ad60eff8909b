"""Plans: versioned documents of one-time, recurring and usage charges, a minimum commitment,
entitlements, a trial and a currency; and rating, the pure pricing of one billing period.

`parse_plan(document)` validates a plan (errors name the field path); `plan_to_doc(plan)` and
`canonical_json`/`fingerprint` write it back; `rate_period` and `rate_in_advance` are what
billing calls for a period's closing and in-advance lines, `price_period` is both (previews);
`parse_period_inputs` reads a usage table, `rating_to_json` and `rating_text` show a rating.
Pure: standard library and `monetiot.domain` only.
"""

from monetiot.domain.plans.document import canonical_json, charge_to_doc, fingerprint, plan_to_doc
from monetiot.domain.plans.model import (
    BillingPeriod,
    Entitlements,
    OneTimeCharge,
    OneTimeKind,
    Per,
    Plan,
    RecurringCharge,
    RecurringKind,
    Timing,
    UsageCharge,
)
from monetiot.domain.plans.parse import parse_plan
from monetiot.domain.plans.preview import parse_period_inputs, rated_line_json, rating_to_json
from monetiot.domain.plans.rating import (
    INSTALMENT,
    MINIMUM_TRUE_UP,
    ONE_TIME,
    RECURRING,
    USAGE,
    PeriodInputs,
    PeriodRating,
    RatedLine,
    instalment_amount,
    price_period,
    rate_in_advance,
    rate_period,
)
from monetiot.domain.plans.text import rating_text

__all__ = [
    "INSTALMENT",
    "MINIMUM_TRUE_UP",
    "ONE_TIME",
    "RECURRING",
    "USAGE",
    "BillingPeriod",
    "Entitlements",
    "OneTimeCharge",
    "OneTimeKind",
    "Per",
    "PeriodInputs",
    "PeriodRating",
    "Plan",
    "RatedLine",
    "RecurringCharge",
    "RecurringKind",
    "Timing",
    "UsageCharge",
    "canonical_json",
    "charge_to_doc",
    "fingerprint",
    "instalment_amount",
    "parse_period_inputs",
    "parse_plan",
    "plan_to_doc",
    "price_period",
    "rate_in_advance",
    "rate_period",
    "rated_line_json",
    "rating_text",
    "rating_to_json",
]
