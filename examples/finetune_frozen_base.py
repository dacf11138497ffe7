"""Frozen convolutional base + new softmax head, fine-tuned on the target domain.

The seed document's example 5.1 loads Keras' VGG16 trained on ImageNet, freezes its
convolutional base, adds a new softmax head and trains it on the new task. The same
recipe with skxfer, offline and in seconds on a CPU:

1. the *source model*: a small CNN (skxfer's LeNet) trained on sklearn's 8x8 digits;
2. the *target domain*: other digits shifted (moved one pixel and
   blurred), of which only ``--k`` labelled images per class are available;
3. :class:`~skxfer.deep.FineTuneClassifier` freezes the CNN body (BatchNorm statistics
   included), replaces the output layer with a new 10-way softmax layer and trains it
   on the labelled target images only (the frozen body's features are computed once).

Run::

    python examples/finetune_frozen_base.py          # quick by default (~10 s)
    python examples/finetune_frozen_base.py --k 10 --epochs 20
"""

import argparse
import time

import numpy as np
import torch
from scipy.ndimage import gaussian_filter, shift
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skxfer.deep import DeepDAClassifier, FineTuneClassifier


def shifted(X):
    """The target domain: moved one pixel right and down, blurred."""
    X = shift(X, (0, 0, 1, 1), order=0, mode="constant", cval=0.0)
    X = gaussian_filter(X, sigma=(0, 0, 0.8, 0.8))
    return X.astype(np.float32)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--k", type=int, default=5, help="labelled target images per class")
    p.add_argument("--epochs", type=int, default=5, help="source training epochs")
    p.add_argument("--quick", action="store_true", help="(the default settings are quick)")
    args = p.parse_args()
    torch.set_num_threads(2)
    t0 = time.time()

    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)[:, None]  # (n, 1, 8, 8)
    y = digits.target
    X_src, X_tgt, y_src, y_tgt = train_test_split(X, y, test_size=0.5, random_state=0,
                                                  stratify=y)
    X_tgt = shifted(X_tgt)

    # 1. source model: a small CNN trained on the source digits (VGG16's role)
    source = DeepDAClassifier(alignment="none", max_epochs=args.epochs, lr=3e-3,
                              random_state=0).fit(X_src, y_src)

    # the few labelled target images, and the target images to evaluate on
    rng = np.random.RandomState(0)
    lab = np.concatenate([rng.choice(np.flatnonzero(y_tgt == c), args.k, replace=False)
                          for c in range(10)])
    test = np.setdiff1d(np.arange(len(y_tgt)), lab)

    # 2.-3. frozen base; the dense head (Keras: Dense + softmax) gets a new 10-way output
    # layer and is trained on the labelled target images
    clf = FineTuneClassifier(source.module_.backbone, head="head", freeze="all_but_head", lr=3e-3,
                             max_epochs=100, random_state=0)
    clf.fit(X_tgt[lab], y_tgt[lab], sample_domain=-np.ones(len(lab), dtype=int))

    # baseline: the same CNN trained from scratch on the labelled target images only
    scratch = DeepDAClassifier(alignment="none", max_epochs=60, lr=3e-3,
                               random_state=0).fit(X_tgt[lab], y_tgt[lab])

    print(f"trainable parameters: {clf.trainable_params_} (head {clf.head_!r}, "
          f"features cached: {clf.used_feature_cache_})")
    print(f"target accuracy with {args.k} labelled images per class:")
    print(f"  source model as is           {source.score(X_tgt[test], y_tgt[test]):.3f}")
    print(f"  target only, from scratch    {scratch.score(X_tgt[test], y_tgt[test]):.3f}")
    print(f"  frozen base + new head       {clf.score(X_tgt[test], y_tgt[test]):.3f}")
    print(f"({time.time() - t0:.1f} s)")


if __name__ == "__main__":
    main()
