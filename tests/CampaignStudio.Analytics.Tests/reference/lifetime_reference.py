#!/usr/bin/python3
"""Reference values for the lifetime-value tests (Lifetime/*Tests.cs).

Run with Debian's interpreter (python3-scipy 1.10):
    /usr/bin/python3 tests/CampaignStudio.Analytics.Tests/reference/lifetime_reference.py [data folder]
Inputs: /work/shared/data/cdnow_customers_summary.txt (Fader, Hardie & Lee 2005 sample) and cdnow_master.txt
(the full CDNOW log; never copied into the repo). Formulas as in Fader, Hardie & Lee (2005) and their note
"Computing E[Y(t)|x,tx,T]"; the Gamma-Gamma likelihood as in Fader, Hardie & Lee (2005b) "RFM and CLV".
"""
import sys
from datetime import date
from collections import defaultdict
import numpy as np
from scipy import optimize, special

folder = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"


def show(label, value):
    print(f"{label} = {float(value)!r}")


def bgnbd_ll(params, x, tx, T):
    r, alpha, a, b = params
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b) - special.gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return np.sum(a1 + a2 + np.logaddexp(a3, a4))


def fit_bgnbd(x, tx, T):
    f = lambda p: -bgnbd_ll(np.exp(p), x, tx, T)
    res = optimize.minimize(f, np.zeros(4), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000, "maxfev": 20000})
    return np.exp(res.x), -res.fun


def p_alive(params, x, tx, T):
    r, alpha, a, b = params
    if x == 0:
        return 1.0
    return 1.0 / (1.0 + a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x))


def expected(params, t, x, tx, T):
    r, alpha, a, b = params
    z = t / (alpha + T + t)
    h = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    num = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * h)
    den = 1 + (a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x) if x > 0 else 0)
    return num / den


def unconditional(params, t):
    r, alpha, a, b = params
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1, t / (alpha + t)))


def gg_ll(params, x, m):
    p, q, v = params
    return np.sum(special.gammaln(p * x + q) - special.gammaln(p * x) - special.gammaln(q) + q * np.log(v)
                  + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(x * m + v))


def fit_gg(x, m):
    f = lambda p: -gg_ll(np.exp(p), x, m)
    res = optimize.minimize(f, np.zeros(3), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000, "maxfev": 20000})
    return np.exp(res.x), -res.fun


# ---- 1. the published BG/NBD fit -------------------------------------------------------------------------------------
rows = np.loadtxt(f"{folder}/cdnow_customers_summary.txt", skiprows=1)
x, tx, T = rows[:, 1], rows[:, 2], rows[:, 3]
params, ll = fit_bgnbd(x, tx, T)
print("# BG/NBD on cdnow_customers_summary.txt (weeks)")
for name, v in zip(["r", "alpha", "a", "b"], params):
    show(name, v)
show("loglik", ll)
for case in [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 35.0, 38.86), (1, 1.71, 38.86)]:
    show(f"P(alive|x={case[0]},tx={case[1]},T={case[2]})", p_alive(params, *case))
    show(f"E[Y(39)|x={case[0]},tx={case[1]},T={case[2]}]", expected(params, 39, *case))
    show(f"E[Y(52)|x={case[0]},tx={case[1]},T={case[2]}]", expected(params, 52, *case))
show("E[X(39)] unconditional", unconditional(params, 39))
show("E[X(78)] unconditional", unconditional(params, 78))

# ---- 2. the full log: calibration to 1997-09-30, holdout to 1998-06-30 ------------------------------------------------
# Purchases on the same day are one transaction (amounts summed), as in the published analyses.
daily = defaultdict(float)
with open(f"{folder}/cdnow_master.txt") as fh:
    next(fh)
    for line in fh:
        cid, d, _, amount = line.split()
        daily[(int(cid), d)] += float(amount)
by_customer = defaultdict(list)
for (cid, d), amount in daily.items():
    by_customer[cid].append((date(int(d[:4]), int(d[4:6]), int(d[6:])), amount))
cal_end = date(1997, 9, 30)
hold_end = date(1998, 6, 30)
xs, txs, Ts, hold, ms = [], [], [], [], []
for cid, tr in sorted(by_customer.items()):
    tr.sort()
    first = tr[0][0]
    cal = [t for t in tr if t[0] <= cal_end]
    xs.append(len(cal) - 1)
    txs.append((cal[-1][0] - first).days / 7)
    Ts.append((cal_end - first).days / 7)
    hold.append(sum(1 for t in tr if cal_end < t[0] <= hold_end))
    ms.append(np.mean([t[1] for t in cal[1:]]) if len(cal) > 1 else 0.0)
xs, txs, Ts, hold, ms = map(np.array, (xs, txs, Ts, hold, ms))
print(f"# full log: {len(xs)} customers, {int(xs.sum())} repeat purchases in calibration, {int(hold.sum())} in the holdout")
params2, ll2 = fit_bgnbd(xs, txs, Ts)
for name, v in zip(["r", "alpha", "a", "b"], params2):
    show(f"full {name}", v)
show("full loglik", ll2)
pred = np.array([expected(params2, 39, *c) for c in zip(xs, txs, Ts)])
for k in range(0, 7):
    sel = xs == k if k < 6 else xs >= 6
    print(f"bucket {k}{'+' if k == 6 else ''}: n={sel.sum()} actual={hold[sel].mean()!r} predicted={pred[sel].mean()!r}")

# ---- 3. Gamma-Gamma on the repeat buyers' average repeat spend in the calibration period ------------------------------
# A few repeat buyers spent $0 in total (returns): the model needs a positive average, so they are left out.
rep = (xs > 0) & (ms > 0)
pg, llg = fit_gg(xs[rep].astype(float), ms[rep])
print(f"# Gamma-Gamma: {rep.sum()} repeat buyers with positive spend; mean of their averages {ms[rep].mean()!r}")
for name, v in zip(["p", "q", "gamma"], pg):
    show(name, v)
show("gg loglik", llg)
p, q, v = pg
for case in [(1, 20.0), (3, 35.5), (10, 12.0)]:
    show(f"E[M|x={case[0]},m={case[1]}]", p * (v + case[0] * case[1]) / (p * case[0] + q - 1))
show("population mean spend", p * v / (q - 1))

# ---- 4. the hypergeometric series -------------------------------------------------------------------------------------
for case in [(0.5, 1.5, 2.5, 0.3), (2.24, 4.43, 3.21, 0.5), (1.2, -0.2, 30.5, 0.9), (10, 12, 8, 0.6)]:
    show(f"2F1{case}", special.hyp2f1(*case))

# ---- 5. a very heavy buyer, with mpmath's arbitrary precision (the direct formula's 2F1 is ~1e137) --------------------
import mpmath
r, alpha, a, b = params
z = 52 / (alpha + 38.86 + 52)
heavy = ((a + b + 400 - 1) / (a - 1) * (1 - (1 - z) ** (r + 400) * mpmath.hyp2f1(r + 400, b + 400, a + b + 400 - 1, z))
         / (1 + a / (b + 400 - 1) * ((alpha + 38.86) / (alpha + 38)) ** (r + 400)))
show("E[Y(52)|x=400,tx=38,T=38.86] (mpmath)", heavy)
show("P(alive|x=5,tx=37,T=38.86)", p_alive(params, 5, 37, 38.86))
show("P(alive|x=5,tx=10,T=38.86)", p_alive(params, 5, 10, 38.86))

# ---- 6. the studio's own split of the imported log (Web.Tests CdnowImportTests) -----------------------------------------
# The studio scores as of the last purchase (1998-06-30) and holds out half the span: 272 days, so calibration ends
# 1997-10-01; times in days.
cal_end2 = date(1997, 10, 1)
xs2, txs2, Ts2, hold2 = [], [], [], []
for cid, tr in sorted(by_customer.items()):
    first = tr[0][0]
    cal = [t for t in tr if t[0] <= cal_end2]
    xs2.append(len(cal) - 1)
    txs2.append((cal[-1][0] - first).days)
    Ts2.append((cal_end2 - first).days)
    hold2.append(sum(1 for t in tr if cal_end2 < t[0] <= hold_end))
xs2, txs2, Ts2, hold2 = map(np.array, (xs2, txs2, Ts2, hold2))
params3, ll3 = fit_bgnbd(xs2, txs2, Ts2)
for name, v in zip(["r", "alpha", "a", "b"], params3):
    show(f"studio split {name}", v)
pred3 = np.array([expected(params3, 272, *c) for c in zip(xs2, txs2, Ts2)])
for k in range(0, 7):
    sel = xs2 == k if k < 6 else xs2 >= 6
    print(f"studio bucket {k}{'+' if k == 6 else ''}: n={sel.sum()} actual={hold2[sel].mean()!r} predicted={pred3[sel].mean()!r}")
