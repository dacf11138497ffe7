"""Label-shift correction: estimate the target's class proportions, fix the classifier.

Under label (prior) shift the class proportions differ between domains while each
class looks the same (``p(x | y)`` fixed): a hospital with more sick patients, a review
site with more complaints. A classifier trained on the source is biased towards the
source's proportions. :class:`skxfer.LabelShiftClassifier` estimates the target's
proportions from the *unlabelled* target rows — black-box shift estimation (BBSE, Lipton
et al. 2018) from the confusion matrix of held-out source predictions, or EM (Saerens et
al. 2002) — and re-weights the classifier's probabilities by the ratio of priors.

The chart compares the true target proportions with both estimates.

Run: ``python examples/plot_label_shift.py [--quick] [--out DIR]``
"""

import argparse
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from skxfer import LabelledOnly, LabelShiftClassifier
from skxfer.datasets import make_shifted_classification

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="small settings for CI")
parser.add_argument("--out", default=".", help="folder for the PNG file")
args = parser.parse_args()
QUICK = args.quick or os.environ.get("SKXFER_EXAMPLES_QUICK") == "1"

n = 600 if QUICK else 3000
ds = make_shifted_classification(
    n_samples_source=n,
    n_samples_target=n,
    n_features=4,
    n_classes=3,
    shift="prior",
    return_dataset=True,
    random_state=0,
)
X, y, sample_domain = ds.pack()  # target labels masked with -1
target = sample_domain < 0
true_priors = np.bincount(ds.y_true[target], minlength=3) / target.sum()

models = {"no correction": LabelledOnly(LogisticRegression())}
for method in ("bbse", "em"):
    models[method] = LabelShiftClassifier(LogisticRegression(), method=method)
estimates = {"true target": true_priors}
for name, model in models.items():
    model.fit(X, y)
    acc = accuracy_score(ds.y_true[target], model.predict(X[target]))
    print(f"{name:>14}: target accuracy {acc:.3f}")
    if hasattr(model, "estimated_priors_"):
        estimates[name] = model.estimated_priors_
        error = np.abs(model.estimated_priors_ - true_priors).max()
        print(
            f"{'':>14}  estimated priors {np.round(model.estimated_priors_, 3)} "
            f"(max error {error:.3f})"
        )
print(f"{'source':>14}  priors           {np.round(models['bbse'].source_priors_, 3)}")
print(f"{'target':>14}  priors           {np.round(true_priors, 3)}")

fig, ax = plt.subplots(figsize=(5, 3))
width = 0.8 / len(estimates)
for i, (name, priors) in enumerate(estimates.items()):
    ax.bar(np.arange(3) + i * width, priors, width, label=name)
ax.set_xticks(np.arange(3) + width * (len(estimates) - 1) / 2, [f"class {c}" for c in range(3)])
ax.set_ylabel("proportion in the target")
ax.legend()
fig.tight_layout()
path = Path(args.out) / "label_shift.png"
fig.savefig(path)
print(f"chart: {path}")
