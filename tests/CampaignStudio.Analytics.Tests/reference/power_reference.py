#!/usr/bin/python3
"""Reference values for PowerCalculator tests (Experiments/PowerCalculatorTests.cs).

PowerCalculator uses the classic two-proportion formula (Fleiss, without continuity correction):
pooled variance under H0, unpooled under H1, equal arms, two-sided test at alpha / (arms - 1):
    n = (z_{1-a/2} * sqrt(2 pbar qbar) + z_{power} * sqrt(p0 q0 + p1 q1))^2 / (p1 - p0)^2
statsmodels' NormalIndPower on Cohen's h (arcsine transform) is printed for comparison only;
it differs by well under 1 % at these rates.
    /usr/bin/python3 tests/CampaignStudio.Analytics.Tests/reference/power_reference.py
"""
import math
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize


def show(label, value):
    print(f"{label} = {float(value)!r}")


def classic_n(p0, p1, alpha, power):
    za = stats.norm.ppf(1 - alpha / 2)
    zb = stats.norm.ppf(power)
    pbar = (p0 + p1) / 2
    num = za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p0 * (1 - p0) + p1 * (1 - p1))
    return num**2 / (p1 - p0) ** 2


def classic_power(p0, p1, alpha, n):
    za = stats.norm.ppf(1 - alpha / 2)
    pbar = (p0 + p1) / 2
    return stats.norm.cdf((abs(p1 - p0) * math.sqrt(n) - za * math.sqrt(2 * pbar * (1 - pbar)))
                          / math.sqrt(p0 * (1 - p0) + p1 * (1 - p1)))


cases = [
    ("relative10pct_2arms", 0.10, 0.11, 0.05, 0.80, 2),
    ("absolute1pt_3arms", 0.05, 0.06, 0.05, 0.90, 3),
    ("hillstromVisit_2arms", 0.106, 0.106 + 0.005, 0.05, 0.80, 2),
]
for name, p0, p1, alpha, power, arms in cases:
    a = alpha / (arms - 1)
    n = classic_n(p0, p1, a, power)
    show(f"{name}.nExact", n)
    show(f"{name}.perArm", math.ceil(n))
    h = proportion_effectsize(p1, p0)
    show(f"{name}.statsmodelsCohenH", NormalIndPower().solve_power(effect_size=h, alpha=a, power=power, ratio=1))

show("power.p0=0.10,p1=0.11,alpha=0.05,n=10000", classic_power(0.10, 0.11, 0.05, 10000))
show("power.p0=0.05,p1=0.06,alpha=0.025,n=5000", classic_power(0.05, 0.06, 0.025, 5000))
