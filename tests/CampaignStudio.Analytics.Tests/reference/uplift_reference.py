#!/usr/bin/python3
"""Reference values for UpliftEvaluation (Uplift/UpliftEvaluationTests.cs).

scikit-uplift is not packaged by Debian, so its curve definitions (sklift.metrics qini_curve, uplift_curve,
perfect_qini_curve, qini_auc_score with negative_effect=True) are re-implemented here with numpy:
customers sorted by score descending, one point after each distinct score, empty-arm terms = 0,
trapezoid areas, x normalised to the targeted fraction.
    /usr/bin/python3 tests/CampaignStudio.Analytics.Tests/reference/uplift_reference.py
"""
import numpy as np


def curve(y, score, t):
    order = np.argsort(-score, kind="mergesort")  # stable: ties keep input order
    y, score, t = y[order], score[order], t[order]
    last = np.r_[np.where(np.diff(score))[0], len(y) - 1]  # last index of every run of equal scores
    n_all = last + 1
    n_t = np.cumsum(t)[last]
    n_c = n_all - n_t
    y_t = np.cumsum(y * t)[last]
    y_c = np.cumsum(y * (1 - t))[last]
    with np.errstate(divide="ignore", invalid="ignore"):
        qini = y_t - np.where(n_c > 0, y_c * n_t / np.where(n_c > 0, n_c, 1), 0)
        uplift = (np.where(n_t > 0, y_t / np.where(n_t > 0, n_t, 1), 0)
                  - np.where(n_c > 0, y_c / np.where(n_c > 0, n_c, 1), 0)) * n_all
    x = np.r_[0, n_all] / len(y)
    return x, np.r_[0, qini], np.r_[0, uplift]


def area(x, v):
    return float(np.sum((v[1:] + v[:-1]) / 2 * np.diff(x)))


def summary(name, y, score, t):
    x, q, u = curve(y, score, t)
    _, qp, _ = curve(y, y * (2 * t - 1), t)
    xp = curve(y, y * (2 * t - 1), t)[0]
    qini_area = area(x, q) - q[-1] / 2
    perfect_area = area(xp, qp) - qp[-1] / 2
    print(f"{name}.qini = {q.tolist()!r}")
    print(f"{name}.uplift = {u.tolist()!r}")
    print(f"{name}.auuc = {area(x, u)!r}")
    print(f"{name}.auucRandom = {u[-1] / 2!r}")
    print(f"{name}.qiniArea = {qini_area!r}")
    print(f"{name}.qiniCoefficient = {qini_area / perfect_area!r}")


# Six customers, no ties; hand-checked in the C# test comments.
summary("tiny",
        y=np.array([1, 0, 1, 1, 0, 0], dtype=float),
        score=np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4]),
        t=np.array([1, 0, 1, 0, 1, 0]))

# Ten customers with tied scores and a revenue outcome.
summary("ties",
        y=np.array([5.0, 0.0, 2.5, 0.0, 0.0, 7.0, 1.0, 0.0, 3.0, 0.0]),
        score=np.array([0.3, 0.3, 0.1, 0.5, 0.5, 0.5, -0.2, 0.1, 0.0, 0.0]),
        t=np.array([1, 0, 1, 1, 0, 1, 0, 0, 1, 0]))
