#!/usr/bin/python3
"""Reference values for ExperimentAnalyzer tests.

Run with Debian's interpreter (python3-scipy 1.10, python3-statsmodels 0.13):
    /usr/bin/python3 tests/CampaignStudio.Analytics.Tests/reference/experiments_reference.py
The printed numbers are pasted into Experiments/ExperimentAnalyzerTests.cs together with these inputs.
"""
import numpy as np
from scipy import stats, integrate
from statsmodels.stats.proportion import proportions_ztest, confint_proportions_2indep
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.weightstats import DescrStatsW, CompareMeans

Z = stats.norm.ppf(0.975)


def show(label, value):
    print(f"{label} = {float(value)!r}")


def delta_relative_ci(m1, v1, m0, v0):
    """Relative lift m1/m0 - 1 and its delta-method CI; v = variance of each mean."""
    rel = m1 / m0 - 1
    se = np.sqrt(v1 / m0**2 + m1**2 * v0 / m0**4)
    return rel, rel - Z * se, rel + Z * se


def chance_to_be_best(dists, k):
    """P(arm k has the largest parameter) = integral of f_k * prod_j F_j, by adaptive quadrature."""
    d = dists[k]
    lo, hi = d.ppf(1e-15), d.isf(1e-15)
    f = lambda p: d.pdf(p) * np.prod([dj.cdf(p) for j, dj in enumerate(dists) if j != k])
    value, _ = integrate.quad(f, lo, hi, epsabs=1e-13, epsrel=1e-12, limit=500)
    return value


print("# --- Rates: control 10000/1000, B 10100/1100, C 9900/980 ---")
rates = {"control": (10000, 1000), "B": (10100, 1100), "C": (9900, 980)}
n0, x0 = rates["control"]
p0 = x0 / n0
pvals = []
for arm in ["B", "C"]:
    n1, x1 = rates[arm]
    p1 = x1 / n1
    z, p = proportions_ztest([x1, x0], [n1, n0])  # pooled variance under H0 (statsmodels default)
    lo, hi = confint_proportions_2indep(x1, n1, x0, n0, method="wald", compare="diff")
    rel, rlo, rhi = delta_relative_ci(p1, p1 * (1 - p1) / n1, p0, p0 * (1 - p0) / n0)
    show(f"rates.{arm}.z", z)
    show(f"rates.{arm}.p", p)
    show(f"rates.{arm}.diffLo", lo)
    show(f"rates.{arm}.diffHi", hi)
    show(f"rates.{arm}.rel", rel)
    show(f"rates.{arm}.relLo", rlo)
    show(f"rates.{arm}.relHi", rhi)
    pvals.append(p)
holm = multipletests(pvals, method="holm")[1]
show("rates.B.holm", holm[0])
show("rates.C.holm", holm[1])

posteriors = [stats.beta(1 + x, 1 + n - x) for (n, x) in rates.values()]
for k, arm in enumerate(rates):
    show(f"rates.{arm}.chanceToBeBest", chance_to_be_best(posteriors, k))
for k, arm in [(1, "B"), (2, "C")]:
    show(f"rates.{arm}.chanceToBeatControl", chance_to_be_best([posteriors[0], posteriors[k]], 1))

srm = stats.chisquare([10000, 10100, 9900])
show("rates.srm.chi2", srm.statistic)
show("rates.srm.p", srm.pvalue)

print("# --- SRM: planned 50/25/25, observed 5000/2600/2400 ---")
obs = np.array([5000, 2600, 2400])
srm = stats.chisquare(obs, f_exp=obs.sum() * np.array([0.5, 0.25, 0.25]))
show("srm.uneven.chi2", srm.statistic)
show("srm.uneven.p", srm.pvalue)

print("# --- Welch: revenue arrays ---")
a = np.array([12.5, 0.0, 33.1, 8.4, 0.0, 19.9, 45.0, 3.2, 0.0, 27.7, 11.1, 6.6])
b = np.array([15.2, 22.4, 0.0, 41.3, 9.9, 18.0, 0.0, 36.5, 28.8, 12.0, 7.7, 50.2, 0.0, 24.1, 31.6])
c = np.array([10.0, 0.0, 5.5, 29.3, 14.4, 0.0, 8.8, 21.7, 3.3, 16.6, 0.0, 12.2, 9.1])
pvals = []
for name, arm in [("B", b), ("C", c)]:
    t, p = stats.ttest_ind(arm, a, equal_var=False)
    cm = CompareMeans(DescrStatsW(arm), DescrStatsW(a))
    _, _, df = cm.ttest_ind(usevar="unequal")
    lo, hi = cm.tconfint_diff(alpha=0.05, usevar="unequal")
    rel, rlo, rhi = delta_relative_ci(arm.mean(), arm.var(ddof=1) / len(arm), a.mean(), a.var(ddof=1) / len(a))
    se = np.sqrt(arm.var(ddof=1) / len(arm) + a.var(ddof=1) / len(a))
    show(f"welch.{name}.t", t)
    show(f"welch.{name}.df", df)
    show(f"welch.{name}.p", p)
    show(f"welch.{name}.diffLo", lo)
    show(f"welch.{name}.diffHi", hi)
    show(f"welch.{name}.rel", rel)
    show(f"welch.{name}.relLo", rlo)
    show(f"welch.{name}.relHi", rhi)
    # normal posterior with a flat prior: P(mu_arm > mu_control)
    show(f"welch.{name}.chanceToBeatControl", stats.norm.cdf((arm.mean() - a.mean()) / se))
    pvals.append(p)
holm = multipletests(pvals, method="holm")[1]
show("welch.B.holm", holm[0])
show("welch.C.holm", holm[1])
normals = [stats.norm(v.mean(), np.sqrt(v.var(ddof=1) / len(v))) for v in (a, b, c)]
for k, arm in enumerate(["control", "B", "C"]):
    show(f"welch.{arm}.chanceToBeBest", chance_to_be_best(normals, k))

print("# --- Holm alone (statsmodels multipletests method='holm') ---")
raw = [0.01, 0.04, 0.03, 0.005, 0.2]
for i, v in enumerate(multipletests(raw, method="holm")[1]):
    show(f"holm[{i}]", v)

print("# --- CUPED: deterministic integer generator, 400 rows per arm ---")
def cuped_arm(g, n=400):
    i = np.arange(n)
    x = ((i * 37 + g * 11) % (50 + 3 * g)) + 10.0
    y = 0.8 * x + ((i * 53 + g * 7) % 17) + 2.0 * g
    return y, x

yc, xc = cuped_arm(0)
yt, xt = cuped_arm(1)
y_all, x_all = np.concatenate([yc, yt]), np.concatenate([xc, xt])
theta = np.cov(y_all, x_all, ddof=1)[0, 1] / np.var(x_all, ddof=1)
adj_c = yc - theta * (xc - x_all.mean())
adj_t = yt - theta * (xt - x_all.mean())
t, p = stats.ttest_ind(adj_t, adj_c, equal_var=False)
cm = CompareMeans(DescrStatsW(adj_t), DescrStatsW(adj_c))
_, _, df = cm.ttest_ind(usevar="unequal")
lo, hi = cm.tconfint_diff(alpha=0.05, usevar="unequal")
show("cuped.theta", theta)
show("cuped.adjMeanControl", adj_c.mean())
show("cuped.adjMeanTreatment", adj_t.mean())
show("cuped.t", t)
show("cuped.df", df)
show("cuped.p", p)
show("cuped.diffLo", lo)
show("cuped.diffHi", hi)
raw_t, raw_p = stats.ttest_ind(yt, yc, equal_var=False)
show("cuped.unadjusted.t", raw_t)
show("cuped.unadjusted.p", raw_p)
# share of the pooled within-arm variance removed by the adjustment
var_raw = yc.var(ddof=1) / len(yc) + yt.var(ddof=1) / len(yt)
var_adj = adj_c.var(ddof=1) / len(adj_c) + adj_t.var(ddof=1) / len(adj_t)
show("cuped.varianceReduction", 1 - var_adj / var_raw)
