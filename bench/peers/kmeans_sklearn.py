"""The peer of the studio's k-means in `bench compare`: scikit-learn (Debian's python3-sklearn) on the very same rows.

Reads n x d float32 values (row-major, raw little-endian) written by the bench, fits KMeans(k, n_init=1, Lloyd, the
default tol=1e-4) with the given seed, and prints one JSON line: fit seconds (wall clock, the fit alone), inertia and
iterations. Threads: scikit-learn's default (OpenMP, every core), as the studio uses every core.
"""
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans

path, n, d, k, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
X = np.fromfile(path, dtype="<f4").reshape(n, d)
started = time.perf_counter()
model = KMeans(n_clusters=k, n_init=1, algorithm="lloyd", random_state=seed).fit(X)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "inertia": float(model.inertia_), "iterations": int(model.n_iter_)}))
