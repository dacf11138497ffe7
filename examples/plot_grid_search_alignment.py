"""Tuning an alignment weight in a pipeline with GridSearchCV.

:class:`skxfer.MMDAligner` (transfer component analysis) projects source and target
rows onto ``n_components`` directions that keep the data's variance while making the
maximum mean discrepancy (MMD) between the domains small; ``mu`` trades the two (small
``mu``: the discrepancy dominates). Which ``mu`` is right depends on the task, so we
grid-search it inside an ordinary scikit-learn ``Pipeline``.

The catch of domain adaptation: the target labels are unknown, so target accuracy
cannot be the selection criterion. Here the model is selected on **held-out source
rows**: every split fits the pipeline on part of the labelled source plus all the
(unlabelled) target rows and scores it on the remaining source rows. Source validation
is a rough proxy — it rewards features that stay discriminative, not that the domains
are aligned — so the script also prints the target accuracy of every candidate, with
the labels held back, for you to judge it: the two curves often disagree, which is
why a tuned alignment must always be compared with the source-only baseline.

Run: ``python examples/plot_grid_search_alignment.py [--quick] [--out DIR]``
"""

import argparse
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from skxfer import MMDAligner, make_da_pipeline
from skxfer.datasets import load_digits_shift

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="small settings for CI")
parser.add_argument("--out", default=".", help="folder for the PNG files")
args = parser.parse_args()
QUICK = args.quick or os.environ.get("SKXFER_EXAMPLES_QUICK") == "1"

# %%
# The embedded digits task: clean 8x8 digits (source) -> "scanned" digits (target).
ds = load_digits_shift(n_target=300 if QUICK else None, random_state=0)
X, y, sd = ds.pack()
source_rows = np.flatnonzero(sd > 0)
target_rows = np.flatnonzero(sd < 0)
if QUICK:
    source_rows = source_rows[:400]
    keep = np.r_[source_rows, target_rows]
    X, y, sd, y_true = X[keep], y[keep], sd[keep], ds.y_true[keep]
    source_rows, target_rows = np.flatnonzero(sd > 0), np.flatnonzero(sd < 0)
else:
    y_true = ds.y_true


# %%
# Source-validation splits: train on (source train part + every target row), test on
# the held-out source rows. Any iterable of (train, test) index pairs is a valid ``cv``.
def source_validation_splits(n_splits=3):
    skf = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
    for tr, te in skf.split(source_rows, y[source_rows]):
        yield np.r_[source_rows[tr], target_rows], source_rows[te]


# %%
# The pipeline: the masked labels tell MMDAligner which rows are target, and
# make_da_pipeline fits the final classifier on the labelled rows only.
pipe = make_da_pipeline(
    StandardScaler(), MMDAligner(n_components=20, random_state=0), LogisticRegression(max_iter=500)
)
mus = [0.01, 0.1, 1.0, 10.0] if QUICK else [0.001, 0.01, 0.1, 1.0, 10.0, 100.0]
search = GridSearchCV(pipe, {"mmdaligner__mu": mus}, cv=list(source_validation_splits()), n_jobs=1)
search.fit(X, y)
print("selected on held-out source rows:", search.best_params_)

# %%
# What the target labels (never used above) say about each candidate.
target_acc = []
for mu in mus:
    model = clone(search.estimator).set_params(mmdaligner__mu=mu).fit(X, y)
    target_acc.append(model.score(X[target_rows], y_true[target_rows]))
source_acc = search.cv_results_["mean_test_score"]
for mu, s_acc, t_acc in zip(mus, source_acc, target_acc, strict=True):
    print(f"mu={mu:<7g} source-validation accuracy {s_acc:.3f}   target accuracy {t_acc:.3f}")

out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)
fig, ax = plt.subplots(figsize=(6, 4.2))
ax.semilogx(mus, source_acc, "o-", label="held-out source rows (used for selection)")
ax.semilogx(mus, target_acc, "s--", label="target rows (labels held back)")
ax.axvline(search.best_params_["mmdaligner__mu"], color="k", lw=0.8, ls=":", label="selected mu")
ax.set_xlabel("MMDAligner mu")
ax.set_ylabel("accuracy")
ax.set_title("Grid search of the TCA trade-off on digits")
ax.legend(fontsize="small")
fig.tight_layout()
fig.savefig(out / "grid_search_alignment.png", dpi=90)
print("figure written to", out / "grid_search_alignment.png")
if not QUICK:
    plt.show()
