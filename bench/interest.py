"""Interest for 10,000 open recovery cases as of one date (random principal, 3 rate periods, 2 repayments).

Run: .venv/bin/python bench/interest.py
Prints the seconds for all statements and, as the baseline measured in the same run, the seconds for the plain
one-line formula principal × rate × days / 365 over the same cases (no rate periods, no repayments, no rounding).
"""

import random
import time
from datetime import date, timedelta
from decimal import Decimal

from grants.control.interest import ALLOCATIONS, RatePeriod, Repayment, statement


def main() -> None:
    rng = random.Random(2025)
    as_of = date(2028, 12, 31)
    cases = []
    for _ in range(10_000):
        start = date(2019, 1, 1) + timedelta(rng.randrange(0, 2500))
        rates = [RatePeriod(date(2018, 1, 1), Decimal("8.00"))] + [
            RatePeriod(start + timedelta(offset), Decimal(rng.randrange(0, 3001)).scaleb(-2))
            for offset in rng.sample(range(1, 1500), 2)  # distinct start days
        ]
        principal = Decimal(rng.randrange(1, 100_000_001)).scaleb(-2)
        repayments = [Repayment(start + timedelta(rng.randrange(0, 3000)),
                                Decimal(rng.randrange(1, 5_000_001)).scaleb(-2))
                      for _ in range(2)]
        cases.append((principal, start, rates, repayments, as_of, rng.choice(ALLOCATIONS)))
    t0 = time.perf_counter()
    for principal, start, rates, _repayments, until, _allocation in cases:
        principal * rates[-1].percent * (until - start).days / 36500
    baseline = time.perf_counter() - t0
    t0 = time.perf_counter()
    for case in cases:
        statement(*case)
    took = time.perf_counter() - t0
    print(f"{len(cases)} statements in {took:.3f} s; the one-line formula in {baseline:.3f} s "
          f"({took / baseline:.0f}× the baseline)")


if __name__ == "__main__":
    main()
