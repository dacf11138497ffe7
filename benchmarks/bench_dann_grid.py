"""A short-budget ``GridSearchCV`` over DANN's ``alignment_weight`` (issue 16, point 4).

On flat MNIST-USPS (JDA files, both directions, the defaults suite's standardisation),
``GridSearchCV(DANNClassifier(max_epochs=E), {"alignment_weight": [0, 0.3, 1]}, cv=3)``
with every target label masked, scored by an unsupervised DA score of the fold's target
rows (:class:`~skxfer.model_selection.PredictionEntropyScorer`) and by the default score
(accuracy on the fold's labelled rows, i.e. its source rows). Before the alignment
schedule was defined over the whole of ``fit``, the three weights scored the same at 3
epochs (the weight never rose far from 0). Printed beside each weight: the target
accuracy of that candidate refitted on all rows (for reference; the grid search does not
see it).

Example::

    python benchmarks/bench_dann_grid.py --epochs 3
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _defaults_suite import load  # noqa: E402
from _harness import data_home  # noqa: E402


def _known_label_score(estimator, X, y):
    return estimator.score(X, y)  # accuracy on the rows whose label is known


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-home", default=None)
    p.add_argument("--tasks", nargs="+", default=["jda_m2u", "jda_u2m"])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--weights", nargs="+", type=float, default=[0.0, 0.3, 1.0])
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    import torch
    from sklearn.model_selection import GridSearchCV

    from skxfer.deep import DANNClassifier
    from skxfer.model_selection import PredictionEntropyScorer

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    print(f"# bench_dann_grid: max_epochs={a.epochs}, cv=3, seed {a.seed}")
    print(
        "| task | alignment_weight | entropy score (CV) | known-label score (CV) | target acc % |"
    )
    print("|---|---|---|---|---|")
    t0 = time.time()
    for name in a.tasks:
        Xs, ys, Xt, yt = load(name, data_home(a.data_home), None)
        X = np.concatenate([Xs, Xt])
        y = np.r_[ys, -np.ones(len(yt), dtype=np.int64)]
        est = DANNClassifier(max_epochs=a.epochs, random_state=a.seed)
        grid = GridSearchCV(
            est,
            {"alignment_weight": a.weights},
            cv=3,
            scoring={"entropy": PredictionEntropyScorer(), "known": _known_label_score},
            refit=False,
        ).fit(X, y)
        res = grid.cv_results_
        for i, w in enumerate(res["param_alignment_weight"]):
            full = DANNClassifier(max_epochs=a.epochs, alignment_weight=w, random_state=a.seed)
            acc = 100.0 * float(np.mean(full.fit(X, y).predict(Xt) == yt))
            print(
                f"| {name} | {w} | {res['mean_test_entropy'][i]:.4f} | "
                f"{res['mean_test_known'][i]:.4f} | {acc:.1f} |",
                flush=True,
            )
    print(f"\n(total wall {time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
