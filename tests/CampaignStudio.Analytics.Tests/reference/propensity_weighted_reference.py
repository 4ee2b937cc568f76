"""Reference values for CampaignStudio.Analytics.Statistics.PropensityWeighted (python3 standard library only: numpy and
statsmodels are not installed on this machine).

The Hajek (self-normalised inverse-propensity) mean is the weighted least-squares fit of y on an intercept with weights
1/p; its sandwich variance is the HC1 one of that fit (statsmodels WLS(...).fit(cov_type="HC1")). The paired contrast of two
Hajek means read from the same customers is the M-estimation sandwich A^-1 B A^-T / n of the stacked estimating equations
psi_i = (a_i w_i (y_i - mA), b_i w_i (y_i - mB)), times n/(n-1), for c = (1, -1). Both are computed here with explicit
2x2 algebra, a formulation independent of the C# influence-function loop.
"""
import math
from statistics import NormalDist

# A launched round in miniature: 4 offers, holdout 0.10, exploration 0.20 (propensities from ExplorationPlan's formula).
# arm 0 = no message. Each row: (arm, policy arm, value).
rows = [
    (0, 0, 0.0), (0, 2, 12.5), (2, 2, 30.1), (2, 2, 0.0), (2, 2, 41.7), (1, 1, 0.0), (1, 1, 22.0), (3, 3, 0.0),
    (3, 3, 18.3), (0, 3, 0.0), (1, 2, 9.9), (3, 2, 0.0), (2, 1, 27.5), (1, 1, 14.2), (0, 0, 6.0), (0, 1, 0.0),
    (2, 2, 0.0), (3, 3, 35.0), (1, 1, 0.0), (0, 2, 3.3),
]
K, h, e = 4, 0.10, 0.20

def propensity(arm, policy):
    return h * (arm == 0) + (1 - h) * (e / K + (1 - e) * (arm == policy))

y = [r[2] for r in rows]
p = [propensity(r[0], r[1]) for r in rows]
w = [1 / x for x in p]
n = len(rows)
z = NormalDist().inv_cdf(0.975)
print("propensities =", [round(x, 6) for x in p])

def wls_hc1(member):
    # intercept-only WLS on the members: beta = sum(w y)/sum(w); HC1 = m/(m-1) * sum(w^2 e^2) / sum(w)^2, m = members
    ys = [yi for yi, mi in zip(y, member) if mi]
    ws = [wi for wi, mi in zip(w, member) if mi]
    m = len(ys)
    beta = sum(wi * yi for wi, yi in zip(ws, ys)) / sum(ws)
    meat = sum(wi * wi * (yi - beta) ** 2 for wi, yi in zip(ws, ys))
    var = m / (m - 1) * meat / sum(ws) ** 2
    return beta, math.sqrt(var), sum(ws) ** 2 / sum(wi * wi for wi in ws)

# Mean of every customer (all weights)
b, se, ess = wls_hc1([True] * n)
print(f"all: mean={b!r} se={se!r} lower={b - z * se!r} upper={b + z * se!r} ess={ess!r}")

# Per arm (what the read-out's tables use): the arm's customers only
for arm in range(K):
    b, se, ess = wls_hc1([r[0] == arm for r in rows])
    print(f"arm {arm}: mean={b!r} se={se!r}")

def contrast(a, bm):
    wa = [wi * ai for wi, ai in zip(w, a)]
    wb = [wi * bi for wi, bi in zip(w, bm)]
    mA = sum(x * yi for x, yi in zip(wa, y)) / sum(wa)
    mB = sum(x * yi for x, yi in zip(wb, y)) / sum(wb)
    psi = [(wa[i] * (y[i] - mA), wb[i] * (y[i] - mB)) for i in range(n)]
    A = (sum(wa) / n, sum(wb) / n)  # diagonal bread
    B = [[sum(q[r] * q[c] for q in psi) / n for c in range(2)] for r in range(2)]
    V = [[B[r][c] / (A[r] * A[c]) / n for c in range(2)] for r in range(2)]
    var = (V[0][0] + V[1][1] - 2 * V[0][1]) * n / (n - 1)
    d = mA - mB
    return d, math.sqrt(var)

# The policy's value (customers who got the policy's arm) minus "no message" (customers who got arm 0): realised gain.
policy = [r[0] == r[1] for r in rows]
none = [r[0] == 0 for r in rows]
d, se = contrast(policy, none)
print(f"policy - no message: diff={d!r} se={se!r} lower={d - z * se!r} upper={d + z * se!r}")
