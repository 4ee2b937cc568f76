"""Reference values for CampaignStudio.Analytics.Sequential (python3 standard library only; scipy is not installed here,
and the formulas need nothing beyond math.log, math.lgamma and the normal quantile).

Asymptotic confidence sequence (Waudby-Smith et al. 2021; the GrowthBook/Eppo form):
  rho2 = (-2 ln a + ln(-2 ln a + 1)) / N
  unit radius(n) = sqrt(2 (n rho2 + 1) / (n^2 rho2) * ln(sqrt(n rho2 + 1) / a))
Dirichlet-multinomial SRM Bayes factor (Lindon & Malek 2022), alpha_i = 100 p_i.
"""
import math
from statistics import NormalDist

alpha = 0.05
N = 30_000
l = -2 * math.log(alpha)
rho2 = (l + math.log(l + 1)) / N
print("rho2(N=30000) =", repr(rho2))
for n in (1_000, 30_000, 100_000):
    a = n * rho2 + 1
    print(f"unit radius n={n} =", repr(math.sqrt(2 * a / (n * n * rho2) * math.log(math.sqrt(a) / alpha))))

# Difference in means: treatment n=5000 mean 0.052 var 0.049, control n=5000 mean 0.048 var 0.046, planned 30000
nt, mt, vt = 5000, 0.052, 0.049
nc, mc, vc = 5000, 0.048, 0.046
var = vt / nt + vc / nc
n = nt + nc
a = n * rho2 + 1
radius = math.sqrt(n * var) * math.sqrt(2 * a / (n * n * rho2) * math.log(math.sqrt(a) / alpha))
z = NormalDist().inv_cdf(0.975)
print("difference =", repr(mt - mc), "radius =", repr(radius), "fixed half-width =", repr(z * math.sqrt(var)))

def log_bf(counts, shares, strength=100):
    total = sum(shares)
    p = [s / total for s in shares]
    al = [strength * x for x in p]
    out = math.lgamma(sum(al)) - math.lgamma(sum(al) + sum(counts))
    for c, a_, pi in zip(counts, al, p):
        out += math.lgamma(a_ + c) - math.lgamma(a_) - c * math.log(pi)
    return out

print("log BF [5100, 4900] vs 50/50 =", repr(log_bf([5100, 4900], [0.5, 0.5])))
print("log BF [5400, 4600] vs 50/50 =", repr(log_bf([5400, 4600], [0.5, 0.5])))
print("log BF [3000, 3100, 2900, 1000] vs 30/30/30/10 =", repr(log_bf([3000, 3100, 2900, 1000], [0.3, 0.3, 0.3, 0.1])))
