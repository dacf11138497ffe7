"""Choosing a transfer strategy without target labels: TransferSelector on real tasks.

For every task of Office-Caltech10 SURF (12 pairs), Amazon reviews 400 (12 pairs) and
MNIST<->USPS (JDA protocol, 2 pairs), with base ``LogisticRegression(max_iter=1000)``:

- target accuracy of source-only and of every registered strategy (by registry name:
  a strategy registered later joins automatically), fitted transductively (target rows
  masked), through ``compare_strategies(..., target_labels=...)`` (held-out mode);
- the oracle: the best of those by target labels (what no user can do);
- the TransferSelector's target accuracy and its choice, made without target labels.

Protocol: ``../shared/BENCHMARKS.md`` (preprocessing fitted on source + target rows:
Office ``Normalizer(l1)`` + ``StandardScaler``, the others ``StandardScaler``).

Usage::

    python benchmarks/bench_selection.py [--data-home DIR] [--quick]
        [--datasets office amazon digits]
"""

import argparse
import os
import time
from pathlib import Path

import numpy as np
from scipy.io import loadmat
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler

from skxfer.model_selection import TransferSelector, applicable_strategies, compare_strategies

OFFICE = {"A": "amazon", "C": "Caltech10", "D": "dslr", "W": "webcam"}
AMAZON = {"B": "books", "D": "dvd", "E": "elec", "K": "kitchen"}


def default_data_home():
    env = os.environ.get("SKXFER_DATA")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parents[1]
    # ../shared/data relative to the repository; a git worktree one level deeper also works
    for candidate in (repo.parent / "shared" / "data", repo.parent.parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return repo.parent / "shared" / "data"


def _pairs(domains):
    return [(s, t) for s in domains for t in domains if s != t]


def office_tasks(home):
    def load(d):
        m = loadmat(home / "office_caltech10" / "surf" / f"{OFFICE[d]}_SURF_L10.mat")
        return m["fts"].astype(float), m["labels"].ravel().astype(int) - 1

    for s, t in _pairs("CAWD"):
        (Xs, ys), (Xt, yt) = load(s), load(t)
        prep = make_pipeline(Normalizer(norm="l1"), StandardScaler())
        yield f"{s}->{t}", Xs, ys, Xt, yt, prep


def amazon_tasks(home):
    def load(d):
        m = loadmat(home / "amazon_review_400" / f"{AMAZON[d]}_400.mat")
        return m["fts"].astype(float), m["labels"].ravel().astype(int)

    for s, t in _pairs("BDEK"):
        (Xs, ys), (Xt, yt) = load(s), load(t)
        yield f"{s}->{t}", Xs, ys, Xt, yt, StandardScaler()


def digits_tasks(home):
    for fname, name in (("MNIST_vs_USPS", "M->U"), ("USPS_vs_MNIST", "U->M")):
        m = loadmat(home / "mnist_usps_jda" / f"{fname}.mat")
        Xs, Xt = m["X_src"].T.astype(float), m["X_tar"].T.astype(float)
        ys, yt = m["Y_src"].ravel().astype(int) - 1, m["Y_tar"].ravel().astype(int) - 1
        yield name, Xs, ys, Xt, yt, StandardScaler()


DATASETS = {"office": office_tasks, "amazon": amazon_tasks, "digits": digits_tasks}


def run_task(Xs, ys, Xt, yt, prep, strategies, cv):
    X = prep.fit_transform(np.vstack([Xs, Xt]))
    y = np.r_[ys, np.full(len(yt), -1)]
    est = LogisticRegression(max_iter=1000)
    report = compare_strategies(strategies, X, y, estimator=est, target_labels=yt)
    start = time.perf_counter()
    selector = TransferSelector(est, strategies=strategies, cv=cv).fit(X, y)
    sel_time = time.perf_counter() - start
    acc = {name: report.mean(name) for name in report.strategies}
    acc["selector"] = float(np.mean(selector.predict(X[len(ys):]) == yt))
    candidates = ["source_only", *strategies]
    oracle = max(candidates, key=lambda n: acc[n])
    acc["oracle"] = acc[oracle]
    return acc, selector.selected_strategy_, oracle, sel_time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", type=Path, default=default_data_home())
    parser.add_argument("--quick", action="store_true",
                        help="first 3 tasks per data set, 3 CV folds in the selector")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    args = parser.parse_args(argv)
    if not args.data_home.is_dir():
        parser.error(f"data folder {args.data_home} not found: pass --data-home or set SKXFER_DATA")
    strategies = applicable_strategies()
    cv = 3 if args.quick else None
    cols = ["source_only", *strategies, "oracle", "selector", "target_only"]
    print(f"strategies: {', '.join(strategies)}; base LogisticRegression(max_iter=1000); "
          "target accuracy %")
    for ds in args.datasets:
        tasks = list(DATASETS[ds](args.data_home))
        if args.quick:
            tasks = tasks[:3]
        print(f"\n## {ds}")
        print("| task | " + " | ".join(cols) + " | selected | oracle pick | selector s |")
        print("|" + "---|" * (len(cols) + 4))
        table = []
        for name, Xs, ys, Xt, yt, prep in tasks:
            acc, chosen, oracle, t = run_task(Xs, ys, Xt, yt, prep, strategies, cv)
            table.append([acc[c] for c in cols])
            print(f"| {name} | " + " | ".join(f"{100 * acc[c]:.1f}" for c in cols)
                  + f" | {chosen} | {oracle} | {t:.1f} |", flush=True)
        table = np.asarray(table)
        mean = table.mean(0)
        print("| **mean** | " + " | ".join(f"**{100 * m:.1f}**" for m in mean) + " | | | |")
        so, sel = table[:, cols.index("source_only")], table[:, cols.index("selector")]
        print(f"selector - source_only: mean {100 * (sel - so).mean():+.2f} points, "
              f"worst task {100 * (sel - so).min():+.2f} points")


if __name__ == "__main__":
    main()
