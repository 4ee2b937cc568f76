#!/usr/bin/python3
"""Reference values for the Hillstrom sanity tests (Experiments/HillstromAnalysisTests.cs).

Reads /work/shared/data/hillstrom.csv (the data set is never copied into the repo).
    /usr/bin/python3 tests/CampaignStudio.Analytics.Tests/reference/hillstrom_reference.py [path]
"""
import csv
import sys
import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest, confint_proportions_2indep
from statsmodels.stats.multitest import multipletests

path = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/hillstrom.csv"
rows = {"No E-Mail": [], "Mens E-Mail": [], "Womens E-Mail": []}
with open(path, newline="") as f:
    for r in csv.DictReader(f):
        rows[r["segment"]].append((int(r["visit"]), int(r["conversion"]), float(r["spend"]), float(r["history"])))
arms = {k: np.array(v) for k, v in rows.items()}


def show(label, value):
    print(f"{label} = {float(value)!r}")


control = arms["No E-Mail"]
for k, v in arms.items():
    show(f"n.{k}", len(v))
srm = stats.chisquare([len(arms[k]) for k in ["No E-Mail", "Mens E-Mail", "Womens E-Mail"]])
show("srm.p", srm.pvalue)

for col, metric in [(0, "visit"), (1, "conversion")]:
    pvals = []
    show(f"{metric}.rate.No E-Mail", control[:, col].mean())
    for arm in ["Mens E-Mail", "Womens E-Mail"]:
        t = arms[arm]
        x1, n1, x0, n0 = t[:, col].sum(), len(t), control[:, col].sum(), len(control)
        z, p = proportions_ztest([x1, x0], [n1, n0])
        lo, hi = confint_proportions_2indep(x1, n1, x0, n0, method="wald", compare="diff")
        show(f"{metric}.rate.{arm}", x1 / n1)
        show(f"{metric}.z.{arm}", z)
        show(f"{metric}.p.{arm}", p)
        show(f"{metric}.diffLo.{arm}", lo)
        show(f"{metric}.diffHi.{arm}", hi)
        pvals.append(p)
    for arm, adj in zip(["Mens E-Mail", "Womens E-Mail"], multipletests(pvals, method="holm")[1]):
        show(f"{metric}.holm.{arm}", adj)

pvals = []
for arm in ["Mens E-Mail", "Womens E-Mail"]:
    t, p = stats.ttest_ind(arms[arm][:, 2], control[:, 2], equal_var=False)
    show(f"spend.t.{arm}", t)
    show(f"spend.p.{arm}", p)
    pvals.append(p)
for arm, adj in zip(["Mens E-Mail", "Womens E-Mail"], multipletests(pvals, method="holm")[1]):
    show(f"spend.holm.{arm}", adj)

# CUPED on spend with the pre-period purchase history as the covariate (Mens vs control only).
yc, xc = control[:, 2], control[:, 3]
yt, xt = arms["Mens E-Mail"][:, 2], arms["Mens E-Mail"][:, 3]
y_all, x_all = np.concatenate([yc, yt]), np.concatenate([xc, xt])
theta = np.cov(y_all, x_all, ddof=1)[0, 1] / np.var(x_all, ddof=1)
t, p = stats.ttest_ind(yt - theta * (xt - x_all.mean()), yc - theta * (xc - x_all.mean()), equal_var=False)
show("spend.cuped.theta", theta)
show("spend.cuped.t.Mens E-Mail", t)
show("spend.cuped.p.Mens E-Mail", p)
