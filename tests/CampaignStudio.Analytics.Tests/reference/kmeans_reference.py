"""Reference inertia for CampaignStudio.Analytics.Clustering.LloydKMeans (Debian's python3-sklearn).

Writes kmeans_blobs.csv (8 overlapping blobs, 4,000 rows x 4 features, 3 decimals) and prints scikit-learn's best
inertia over 20 k-means++ starts (float32, as the studio computes) for k = 8 and k = 5, into kmeans_reference.txt.
Run: /usr/bin/python3 kmeans_reference.py > kmeans_reference.txt
"""
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

X, _ = make_blobs(n_samples=4000, n_features=4, centers=8, cluster_std=2.0, center_box=(-10, 10), random_state=7)
X = np.round(X, 3)
np.savetxt("kmeans_blobs.csv", X, fmt="%.3f", delimiter=",")
X = np.loadtxt("kmeans_blobs.csv", delimiter=",", dtype=np.float32)
print(f"# scikit-learn {sklearn.__version__}, KMeans(n_init=20, random_state=0, algorithm='lloyd'), float32")
for k in (8, 5):
    model = KMeans(n_clusters=k, n_init=20, random_state=0, algorithm="lloyd").fit(X)
    print(f"k={k} inertia={model.inertia_:.4f}")
