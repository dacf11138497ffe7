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
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

import skxfer.datasets
from skxfer.model_selection import TransferSelector, applicable_strategies, compare_strategies

sys.path.insert(0, str(Path(__file__).parent))
import _harness as H  # noqa: E402

#: data set of this benchmark -> name in skxfer.datasets
DATASETS = {"office": "office_caltech", "amazon": "amazon", "digits": "mnist_usps"}


def run_task(X, y, sd, yt, strategies, cv):
    est = LogisticRegression(max_iter=1000)
    report = compare_strategies(strategies, X, y, estimator=est, target_labels=yt)
    start = time.perf_counter()
    selector = TransferSelector(est, strategies=strategies, cv=cv).fit(X, y)
    sel_time = time.perf_counter() - start
    acc = {name: report.mean(name) for name in report.strategies}
    acc["selector"] = float(np.mean(selector.predict(X[sd < 0]) == yt))
    candidates = ["source_only", *strategies]
    oracle = max(candidates, key=lambda n: acc[n])
    acc["oracle"] = acc[oracle]
    return acc, selector.selected_strategy_, oracle, sel_time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", type=Path, default=Path(H.data_home()))
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
        tasks = skxfer.datasets.list_tasks(DATASETS[ds])
        if args.quick:
            tasks = tasks[:3]
        print(f"\n## {ds}")
        print("| task | " + " | ".join(cols) + " | selected | oracle pick | selector s |")
        print("|" + "---|" * (len(cols) + 4))
        table = []
        for name in tasks:
            X, y, sd, yt = H.prepare(DATASETS[ds], name, str(args.data_home))
            acc, chosen, oracle, t = run_task(X, y, sd, yt, strategies, cv)
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
