#!/usr/bin/python3
"""Reference values for PowerCalculator tests (Experiments/PowerCalculatorTests.cs).

PowerCalculator uses the classic two-proportion formula (Fleiss, without continuity correction):
pooled variance under H0, unpooled under H1, two-sided test at alpha / comparisons. With a treatment arm
r times the size of the control (unequal allocation):
    n_control = (z_{1-a/2} * sqrt(pbar qbar (1 + 1/r)) + z_{power} * sqrt(p0 q0 + p1 q1 / r))^2 / (p1 - p0)^2,
    pbar = (p0 + r p1) / (1 + r);
with r = 1 this is n = (z_{1-a/2} sqrt(2 pbar qbar) + z_{power} sqrt(p0 q0 + p1 q1))^2 / (p1 - p0)^2 per arm.
statsmodels' NormalIndPower on Cohen's h (arcsine transform, nobs2 = ratio * nobs1) is printed for comparison
only; it differs by well under 1 % for equal arms and under 1.5 % for the ratios below.
    /usr/bin/python3 tests/CampaignStudio.Analytics.Tests/reference/power_reference.py
"""
import math
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize


def show(label, value):
    print(f"{label} = {float(value)!r}")


def classic_n(p0, p1, alpha, power, r=1.0):
    """Customers in control; the treatment arm has r times as many."""
    za = stats.norm.ppf(1 - alpha / 2)
    zb = stats.norm.ppf(power)
    pbar = (p0 + r * p1) / (1 + r)
    num = za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / r)) + zb * math.sqrt(p0 * (1 - p0) + p1 * (1 - p1) / r)
    return num**2 / (p1 - p0) ** 2


def classic_power(p0, p1, alpha, n, r=1.0):
    """Power with n customers in control and r * n in the treatment arm."""
    za = stats.norm.ppf(1 - alpha / 2)
    pbar = (p0 + r * p1) / (1 + r)
    return stats.norm.cdf((abs(p1 - p0) * math.sqrt(n) - za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / r)))
                          / math.sqrt(p0 * (1 - p0) + p1 * (1 - p1) / r))


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

# Unequal allocation: control n, treatment r * n (statsmodels: nobs1 = control, ratio = r).
for name, p0, p1, alpha, power, r in [
    ("ratio2", 0.10, 0.11, 0.05, 0.80, 2.0),
    ("ratio0.5", 0.03, 0.033, 0.05, 0.80, 0.5),
]:
    n = classic_n(p0, p1, alpha, power, r)
    show(f"{name}.controlExact", n)
    h = proportion_effectsize(p1, p0)
    show(f"{name}.statsmodelsCohenH", NormalIndPower().solve_power(effect_size=h, alpha=alpha, power=power, ratio=r))
    show(f"{name}.powerAt10000", classic_power(p0, p1, alpha, 10000, r))
    show(f"{name}.statsmodelsPowerAt10000", NormalIndPower().power(effect_size=h, nobs1=10000, alpha=alpha, ratio=r))

# A design as the studio plans it: control (weight 1, no message) and one e-mail arm (weight 2), a 10 % long-term
# holdout; 3 % baseline, 10 % relative lift, alpha 0.05 split over 2 comparisons (the e-mail arm and the holdout).
p0, p1, alpha = 0.03, 0.033, 0.05 / 2
nc = classic_n(p0, p1, alpha, 0.80, 2.0)
arms = [math.ceil(nc), math.ceil(2 * nc)]
holdout = math.ceil(sum(arms) * 0.1 / 0.9)
show("design.controlExact", nc)
show("design.control", arms[0])
show("design.email", arms[1])
show("design.holdout", holdout)
show("design.total", sum(arms) + holdout)
for audience in (10000, 2000):
    control = audience * 0.9 * 1 / 3
    show(f"design.powerWithAudience{audience}", classic_power(p0, p1, alpha, control, 2.0))
