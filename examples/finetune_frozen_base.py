"""Frozen convolutional base + new softmax head, fine-tuned on the target domain.

The seed document's example 5.1 loads Keras' VGG16 trained on ImageNet, freezes its
convolutional base, adds a new softmax head and trains it on the new task. The same
recipe with skxfer, offline and in seconds on a CPU:

1. the *source model*: a small CNN (skxfer's LeNet) trained on sklearn's 8x8 digits
   0-4 (ImageNet's role: plenty of labels, other classes);
2. the *target task*: the digits 5-9, written a little differently (blurred), of which
   only ``--k`` labelled images per class are available;
3. :class:`~skxfer.deep.FineTuneClassifier` freezes the CNN body (BatchNorm statistics
   included), replaces the output layer with a new 5-way softmax layer and trains it
   on the labelled target images only (the frozen body's features are computed once).

The chart (``--out``) compares it with fine-tuning every layer and with the same CNN
trained from scratch on the same few target images. Measured here (k=5): from scratch
0.94, frozen base 0.79, all layers 0.85 — 8x8 digits are easy enough that 25 images
train a small CNN from scratch, and a base trained on other digits for 5 epochs is no
ImageNet. The transfer pays off when the target task is harder for its labels: see
``benchmarks/bench_finetune.py`` (USPS -> MNIST, 5 and 10 labels per class).

Run::

    python examples/finetune_frozen_base.py          # quick by default (~10 s)
    python examples/finetune_frozen_base.py --k 10 --epochs 20
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from scipy.ndimage import gaussian_filter
from sklearn.datasets import load_digits

from skxfer.deep import DeepDAClassifier, FineTuneClassifier


def blurred(X):
    """The target domain's writing: slightly blurred strokes."""
    return gaussian_filter(X, sigma=(0, 0, 0.5, 0.5)).astype(np.float32)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--k", type=int, default=5, help="labelled target images per class")
    p.add_argument("--epochs", type=int, default=5, help="source training epochs")
    p.add_argument("--quick", action="store_true", help="(the default settings are quick)")
    p.add_argument("--out", default=".", help="folder for the PNG chart")
    args = p.parse_args()
    torch.set_num_threads(1)
    t0 = time.time()

    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)[:, None]  # (n, 1, 8, 8)
    y = digits.target
    X_src, y_src = X[y < 5], y[y < 5]
    X_tgt, y_tgt = blurred(X[y >= 5]), y[y >= 5] - 5

    # 1. source model: a small CNN trained on the source digits (VGG16's role)
    source = DeepDAClassifier(alignment="none", max_epochs=args.epochs, lr=3e-3,
                              random_state=0).fit(X_src, y_src)

    # the few labelled target images, and the target images to evaluate on
    rng = np.random.RandomState(0)
    lab = np.concatenate([rng.choice(np.flatnonzero(y_tgt == c), args.k, replace=False)
                          for c in range(5)])
    test = np.setdiff1d(np.arange(len(y_tgt)), lab)

    # 2.-3. frozen base; the dense head (Keras: Dense + softmax) gets a new 5-way output
    # layer and is trained on the labelled target images
    clf = FineTuneClassifier(source.module_.backbone, head="head", freeze="all_but_head", lr=3e-3,
                             max_epochs=100, random_state=0)
    clf.fit(X_tgt[lab], y_tgt[lab], sample_domain=-np.ones(len(lab), dtype=int))

    # baseline: the same CNN trained from scratch on the labelled target images only
    scratch = DeepDAClassifier(alignment="none", max_epochs=60, lr=3e-3,
                               random_state=0).fit(X_tgt[lab], y_tgt[lab])

    print(f"trainable parameters: {clf.trainable_params_} (head {clf.head_!r}, "
          f"features cached: {clf.used_feature_cache_})")
    # variant: every layer fine-tuned (backbone at a tenth of the head's learning rate)
    full = FineTuneClassifier(source.module_.backbone, head="head", freeze=None, lr=3e-3,
                              max_epochs=100, random_state=0)
    full.fit(X_tgt[lab], y_tgt[lab], sample_domain=-np.ones(len(lab), dtype=int))
    scores = {
        "target only,\nfrom scratch": scratch.score(X_tgt[test], y_tgt[test]),
        "frozen source base\n+ new head": clf.score(X_tgt[test], y_tgt[test]),
        "all layers\nfine-tuned": full.score(X_tgt[test], y_tgt[test]),
    }
    print(f"accuracy on the new task (digits 5-9) with {args.k} labelled images per class:")
    for name, score in scores.items():
        print(f"  {name.replace(chr(10), ' '):32s} {score:.3f}")
    print(f"({time.time() - t0:.1f} s)")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.bar(list(scores), list(scores.values()), color=["grey", "tab:blue", "tab:green"])
    ax.set_ylim(0, 1)
    ax.set_ylabel("target accuracy")
    ax.set_title(f"{args.k} labelled target images per class")
    fig.tight_layout()
    path = Path(args.out) / "finetune_frozen_base.png"
    fig.savefig(path)
    print(f"chart: {path}")


if __name__ == "__main__":
    main()
