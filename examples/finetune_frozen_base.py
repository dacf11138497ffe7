"""Frozen convolutional base + new softmax head, fine-tuned on the target domain.

The seed document's example 5.1 loads Keras' VGG16 trained on ImageNet, freezes its
convolutional base, adds a new softmax head and trains it on the new data. The same
recipe with skxfer, offline and in seconds on a CPU, on skxfer's embedded digits task
(:func:`skxfer.datasets.load_digits_shift`: clean 8x8 digits as the source, "scanned"
digits, heavier, rotated, blurred, low-contrast, as the target):

1. the *source model*: a small CNN (skxfer's LeNet) trained on the clean digits
   (ImageNet's role: plenty of labels);
2. the *target data*: the scanned digits, of which only ``--k`` labelled images per
   class are available;
3. :class:`~skxfer.deep.FineTuneClassifier` freezes the CNN body (BatchNorm statistics
   included), replaces the output layer with a new softmax layer and trains it on the
   labelled target images only (the frozen body's features are computed once).

It is compared with the no-transfer baselines on the same few target images — the same
CNN trained from scratch, and a ``LogisticRegression`` on the pixels — and with the
source model used as it is (source only). The script prints the accuracies on the
remaining target images and asserts that both transfer variants (frozen base + new
head; every layer fine-tuned) beat both target-only baselines and the source model.

Run::

    python examples/finetune_frozen_base.py          # quick by default (~20 s)
    python examples/finetune_frozen_base.py --k 5 --epochs 20
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from skxfer.datasets import load_digits_shift
from skxfer.deep import DeepDAClassifier, FineTuneClassifier


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--k", type=int, default=3, help="labelled target images per class")
    p.add_argument("--epochs", type=int, default=20, help="source training epochs")
    p.add_argument("--quick", action="store_true", help="(the default settings are quick)")
    p.add_argument("--out", default=".", help="folder for the PNG chart")
    args = p.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()

    ds = load_digits_shift()
    X = (np.asarray(ds.X, dtype=np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y, sd = np.asarray(ds.y_true), ds.sample_domain
    X_src, y_src, X_tgt, y_tgt = X[sd > 0], y[sd > 0], X[sd < 0], y[sd < 0]

    # 1. source model: a small CNN trained on the clean digits (VGG16's role)
    source = DeepDAClassifier(
        alignment="none", max_epochs=args.epochs, lr=3e-3, random_state=0
    ).fit(X_src, y_src)

    # the few labelled target images, and the target images to evaluate on
    rng = np.random.RandomState(0)
    lab = np.concatenate(
        [rng.choice(np.flatnonzero(y_tgt == c), args.k, replace=False) for c in np.unique(y_tgt)]
    )
    test = np.setdiff1d(np.arange(len(y_tgt)), lab)
    target_rows = -np.ones(len(lab), dtype=int)  # every training row is a target row

    # 2.-3. frozen base; the dense head (Keras: Dense + softmax) gets a new output layer,
    # trained on the labelled target images
    frozen = FineTuneClassifier(
        source.module_.backbone,
        head="head",
        freeze="all_but_head",
        lr=3e-3,
        safety_net=False,
        random_state=0,
    )
    frozen.fit(X_tgt[lab], y_tgt[lab], sample_domain=target_rows)
    print(
        f"trainable parameters: {frozen.trainable_params_} (head {frozen.head_!r}, "
        f"features cached: {frozen.used_feature_cache_})"
    )
    # variant: every layer fine-tuned (the body at a tenth of the head's learning rate)
    full = FineTuneClassifier(
        source.module_.backbone,
        head="head",
        freeze="none",
        lr=3e-3,
        safety_net=False,
        random_state=0,
    )
    full.fit(X_tgt[lab], y_tgt[lab], sample_domain=target_rows)

    # no-transfer baselines on the same labelled target images
    scratch = DeepDAClassifier(alignment="none", max_epochs=100, lr=3e-3, random_state=0).fit(
        X_tgt[lab], y_tgt[lab]
    )
    logreg = LogisticRegression(max_iter=1000).fit(X_tgt[lab].reshape(len(lab), -1), y_tgt[lab])
    Xe, ye = X_tgt[test], y_tgt[test]
    scores = {
        "source model\nas it is": source.score(Xe, ye),
        "target only:\nCNN from scratch": scratch.score(Xe, ye),
        "target only:\nLogisticRegression": logreg.score(Xe.reshape(len(Xe), -1), ye),
        "frozen source base\n+ new head": frozen.score(Xe, ye),
        "all layers\nfine-tuned": full.score(Xe, ye),
    }
    print(
        f"accuracy on the scanned digits with {args.k} labelled images per class "
        f"({len(test)} test images):"
    )
    for name, score in scores.items():
        print(f"  {name.replace(chr(10), ' '):38s} {score:.3f}")
    print(f"({time.time() - t0:.1f} s)")
    values = list(scores.values())
    best_baseline = max(values[:3])
    for name, score in list(scores.items())[3:]:
        assert score > best_baseline, (
            f"{name!r} ({score:.3f}) does not beat the best baseline ({best_baseline:.3f})"
        )
    print(
        f"transfer beats every baseline: frozen base +{values[3] - best_baseline:.3f}, "
        f"all layers +{values[4] - best_baseline:.3f} over the best baseline"
    )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(list(scores), values, color=["lightgrey", "grey", "grey", "tab:blue", "tab:green"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("target accuracy")
    ax.set_title(f"{args.k} labelled target images per class")
    ax.tick_params(axis="x", labelsize=7)
    fig.tight_layout()
    path = Path(args.out) / "finetune_frozen_base.png"
    fig.savefig(path)
    print(f"chart: {path}")


if __name__ == "__main__":
    main()
