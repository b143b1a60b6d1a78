"""Generate the synthetic customer table used by the example notebooks.

Writes ``examples/data/raw/customers.csv``: 400 fictional telecom customers with
their contract, billing and support history, and whether they cancelled
(``churned``). Churn depends on the contract type, tenure, support calls,
fibre internet, payment method and monthly charges, plus noise, so a model has
something real but imperfect to learn.

The output is deterministic: it uses only the standard library's ``random``
module with a fixed seed, so re-running this script reproduces the file byte
for byte on any Python 3.10+.

Usage::

    python examples/data/make_customers.py
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

SEED = 20240611
N_CUSTOMERS = 400
OUT_PATH = Path(__file__).resolve().parent / "raw" / "customers.csv"

COLUMNS = [
    "customer_id",
    "tenure_months",
    "contract",
    "internet_service",
    "payment_method",
    "monthly_charges",
    "total_charges",
    "support_calls",
    "senior",
    "churned",
]


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's Poisson sampler (small lambda only)."""
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def make_rows(n: int, seed: int) -> list[dict[str, object]]:
    """Return ``n`` synthetic customers as dicts keyed by ``COLUMNS``."""
    rng = random.Random(seed)
    rows: list[dict[str, object]] = []
    for i in range(n):
        contract = rng.choices(["month-to-month", "one-year", "two-year"], weights=[55, 25, 20])[0]
        max_tenure = {"month-to-month": 36, "one-year": 60, "two-year": 72}[contract]
        tenure = rng.randint(1, max_tenure)
        internet = rng.choices(["none", "dsl", "fiber"], weights=[20, 35, 45])[0]
        payment = rng.choices(
            ["credit_card", "bank_transfer", "electronic_check", "mailed_check"],
            weights=[25, 25, 35, 15],
        )[0]
        base = {"none": 22.0, "dsl": 55.0, "fiber": 80.0}[internet]
        monthly = round(max(18.0, base + rng.gauss(0, 12)), 2)
        total = round(monthly * tenure * rng.uniform(0.93, 1.04), 2)
        senior = 1 if rng.random() < 0.16 else 0
        support_calls = _poisson(rng, 1.0 + (0.8 if internet == "fiber" else 0.0))

        logit = (
            -1.9
            + (1.3 if contract == "month-to-month" else 0.0)
            - (0.7 if contract == "two-year" else 0.0)
            - 0.035 * tenure
            + 0.45 * support_calls
            + (0.55 if internet == "fiber" else 0.0)
            + (0.5 if payment == "electronic_check" else 0.0)
            + 0.012 * (monthly - 60.0)
            + 0.3 * senior
            + rng.gauss(0, 0.6)
        )
        churned = 1 if rng.random() < 1.0 / (1.0 + math.exp(-logit)) else 0
        rows.append(
            {
                "customer_id": f"C{i + 1:04d}",
                "tenure_months": tenure,
                "contract": contract,
                "internet_service": internet,
                "payment_method": payment,
                "monthly_charges": f"{monthly:.2f}",
                "total_charges": f"{total:.2f}",
                "support_calls": support_calls,
                "senior": senior,
                "churned": churned,
            }
        )
    return rows


def main() -> None:
    OUT_PATH.parent.mkdir(parents=True, exist_ok=True)
    with OUT_PATH.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(make_rows(N_CUSTOMERS, SEED))


if __name__ == "__main__":
    main()
