"""Text domain adaptation: sentiment of Amazon reviews, books -> kitchen.

A sentiment classifier trained on book reviews is applied to kitchen-appliance reviews:
the words that carry sentiment change ("gripping plot" vs "leaks"), a classic domain
shift. The data are the 400-dimensional features of Blitzer et al.'s Amazon reviews
benchmark (bag-of-words reduced by mSDA; about 2000 reviews per domain), loaded by
:func:`skxfer.datasets.load_amazon_reviews`.

We fit a few shallow strategies side by side with the source-only baseline and print
the target accuracy and the gain over source-only — a negative gain is negative
transfer. The data are read from an offline copy: ``$SKXFER_DATA`` or a ``shared/data``
folder above this repository (nothing is downloaded); without it the example says so and
exits.

Run: ``python examples/plot_amazon_reviews.py [--quick] [--out DIR]``
"""

import argparse
import os
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skxfer import LabelledOnly, make_strategy
from skxfer.datasets import load_amazon_reviews

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="small settings for CI")
parser.add_argument("--out", default=".", help="folder for the PNG files")
args = parser.parse_args()
QUICK = args.quick or os.environ.get("SKXFER_EXAMPLES_QUICK") == "1"


def find_data_home():
    """``$SKXFER_DATA``, else a ``shared/data`` folder above this file, else None."""
    env = os.environ.get("SKXFER_DATA")
    if env and Path(env).is_dir():
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "data" / "amazon_review_400").is_dir():
            return parent / "shared" / "data"
    return None


data_home = find_data_home()
try:
    if data_home is None:
        raise FileNotFoundError("no offline data folder")
    ds = load_amazon_reviews("books", "kitchen", data_home=data_home, download_if_missing=False)
except (FileNotFoundError, OSError) as exc:
    print(
        f"Amazon reviews data not found ({exc}); set SKXFER_DATA to the folder holding "
        "amazon_review_400/ to run this example. Skipping."
    )
    sys.exit(0)

X, y, sd = ds.pack()  # target labels masked
rng = np.random.RandomState(0)
if QUICK:  # 600 rows per domain
    keep = np.r_[
        rng.choice(np.flatnonzero(sd > 0), 600, replace=False),
        rng.choice(np.flatnonzero(sd < 0), 600, replace=False),
    ]
    X, y, sd, y_true = X[keep], y[keep], sd[keep], ds.y_true[keep]
else:
    y_true = ds.y_true
target = sd < 0
print(f"{ds.name}: {np.sum(~target)} source reviews, {np.sum(target)} target reviews")

# %%
# The features are L1-normalised word statistics: standardise them first. Every
# strategy gets the same base classifier; ``make_strategy`` builds the DA estimator
# from a registry name ("coral" and "sa" are adapters put in a pipeline before the
# classifier, "kliep" wraps it in an InstanceReweighter).
scaler = StandardScaler().fit(X)
X = scaler.transform(X)
base = LogisticRegression(C=0.05, max_iter=1000)
strategies = {
    "source only": LabelledOnly(base),  # the baseline: fit on the labelled rows only
    "coral": make_strategy("coral", base),
    "sa": make_strategy("sa", base, n_components=40),
    "kliep": make_strategy("kliep", base, random_state=0),
}
if not QUICK:
    strategies["mmd"] = make_strategy("mmd", base, n_components=40, random_state=0)

results = {}
for name, model in strategies.items():
    start = time.perf_counter()
    model.fit(X, y)
    results[name] = (model.score(X[target], y_true[target]), time.perf_counter() - start)
baseline = results["source only"][0]
print(f"{'strategy':>12}  target acc.  gain vs source-only  fit time")
for name, (acc, seconds) in results.items():
    flag = "  <- negative transfer" if acc < baseline - 0.005 else ""
    print(f"{name:>12}  {acc:10.3f}  {acc - baseline:+19.3f}  {seconds:7.2f}s{flag}")

out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)
fig, ax = plt.subplots(figsize=(6, 3.8))
names = list(results)
gains = [results[n][0] - baseline for n in names]
ax.barh(names, gains, color=["C2" if g >= 0 else "C3" for g in gains])
ax.axvline(0, color="k", lw=0.8)
ax.invert_yaxis()
ax.set_xlabel("target accuracy gain over source-only")
ax.set_title(f"{ds.name} (source-only accuracy {baseline:.3f})")
fig.tight_layout()
fig.savefig(out / "amazon_reviews.png", dpi=90)
print("figure written to", out / "amazon_reviews.png")
if not QUICK:
    plt.show()
