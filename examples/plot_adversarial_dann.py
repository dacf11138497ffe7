"""Adversarial domain adaptation with DANN, the skxfer way.

Section 5.2 of the seed document trains a domain discriminator against two feature
extractors in a hand-written PyTorch loop. That loop cannot run as written (``F`` is
never imported, ``torch.log`` is applied to raw logits, which gives ``NaN`` as soon as a
logit is negative, the two extractors get no label loss so the features never learn
the task, and the "generator" step also moves the source extractor). The fix is the
domain-adversarial network of Ganin et al. (2016): one shared feature extractor trained
on the source labels, and a domain discriminator behind a gradient-reversal layer, so
that the features become good for the labels and useless for telling the domains apart.

In skxfer that whole loop is :class:`skxfer.deep.DANNClassifier`: an estimator with
``fit`` / ``predict``, domain-balanced minibatches, the Ganin adaptation schedule, a
seeded generator, ``device="cuda"`` for GPUs and a ``history_``. We compare it with the
same network trained on the source only (``alignment="none"``) on DANN's classic
illustration, two moons whose target domain is rotated by 40 degrees, then plot the
training curves and the learnt features of both domains.

Run: ``python examples/plot_adversarial_dann.py [--quick] [--out DIR]``
"""

import argparse
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import StandardScaler

from skxfer import merge_domains
from skxfer.deep import DANNClassifier, DeepDAClassifier
from skxfer.plotting import DomainShiftDisplay, HistoryDisplay

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--quick", action="store_true", help="small settings for CI")
parser.add_argument("--out", default=".", help="folder for the PNG files")
args = parser.parse_args()
QUICK = args.quick or os.environ.get("SKXFER_EXAMPLES_QUICK") == "1"

# %%
# The task: labelled source moons, and target moons rotated by 40 degrees whose labels
# we pretend not to know. ``merge_domains`` stacks them and masks the target labels.
X_source, y_source = make_moons(300, noise=0.1, random_state=0)
X_target, y_target = make_moons(300, noise=0.1, random_state=1)
angle = np.deg2rad(40)
rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
X_target = (X_target - [0.5, 0.25]) @ rotation.T + [0.5, 0.25]
X, y, sd = merge_domains(X_source, y_source, X_target)  # y: target rows are -1
X = X.astype(np.float32)
target = sd < 0
labels = np.r_[y_source, y_target]  # true labels, for the plots only

# %%
# Two networks with the same MLP backbone: one trained on the source labels only, one
# with the adversarial criterion. ``alignment_weight`` is the maximum weight of the
# domain loss, reached by the Ganin schedule as training progresses.
epochs = 10 if QUICK else 40
common = dict(module__hidden_units=(64, 64), lr=5e-3, max_epochs=epochs, batch_size=64,
              random_state=0)
source_only = DeepDAClassifier(alignment="none", **common)
dann = DANNClassifier(alignment_weight=0.3, **common)

scores = {}
for name, model in [("source only", source_only), ("DANN", dann)]:
    model.fit(X, y)  # masked rows are the target; no sample_domain needed
    scores[name] = accuracy_score(y_target, model.predict(X[target]))
    print(f"{name:>12}: target accuracy {scores[name]:.3f}")

# %%
# The training curves: the label loss falls; the discriminator's loss should hover near
# log(2) = 0.69 (it cannot tell the domains apart) instead of dropping to 0.
out = Path(args.out)
out.mkdir(parents=True, exist_ok=True)
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
HistoryDisplay.from_estimator(dann, ax=axes[0])

# %%
# The features fed to the label head, for the source-only net and for DANN: with
# adaptation, target rows (crosses) land on the source rows of their class.
for ax, (name, model) in zip(axes[1:], [("source only", source_only), ("DANN", dann)],
                             strict=True):
    feats = model.extract_features(X, sample_domain=sd)
    feats = StandardScaler().fit_transform(feats)
    DomainShiftDisplay.from_data(feats, y, sd, labels=labels, ax=ax, random_state=0,
                                 title=f"{name} features (target acc. {scores[name]:.2f})",
                                 legend=ax is axes[-1], s=8)
fig.tight_layout()
fig.savefig(out / "adversarial_dann.png", dpi=90)
print("figure written to", out / "adversarial_dann.png")
if not QUICK:
    plt.show()
