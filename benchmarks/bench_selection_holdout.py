"""Held-out check of TransferSelector's default scorers on 20 Newsgroups splits.

``bench_selection.py`` (whose tasks chose the default scorers) uses, for every pair of
top categories, the sub-category split (1, 2) in both categories. This script uses
another split, fixed before it was run: sub-categories (1, 3) of the positive top
category and (2, 4) of the negative one in the source, the others in the target. The
sub-topics of both domains change, so these tasks are not the benchmark's. Same data
family, though: it checks that the choice did not fit the benchmark's splits, not that
it transfers to other kinds of data.

For each of the six pairs: the 16 candidates of ``bench_selection.CANDIDATES`` fitted
on all rows (target accuracy; the oracle is the best of them), then one
cross-validation on the selector's default folds scored by the previous default
scorers (importance weighting, entropy, soft neighbourhood density, MixVal) and the
current ones (importance weighting, entropy, MixVal, neighbourhood agreement), and the
selector's rule applied to each set, on the same fits. Prints the picks, their gains
over source-only, each scorer's pick alone, and the share of the oracle's gain
captured. About 4 min per task on one thread.

Usage::

    python benchmarks/bench_selection_holdout.py [--data-home DIR] [--tasks comp_vs_rec ...]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

import skxfer.datasets
from skxfer.model_selection import TransferSelector, compare_strategies
from skxfer.model_selection._compare import _splits, build_candidates
from skxfer.model_selection._selector import DEFAULT_SCORING, _test_ratio

sys.path.insert(0, str(Path(__file__).parent))
import _harness as H  # noqa: E402
from bench_selection import CANDIDATES, _estimator  # noqa: E402

PREVIOUS = ("importance_weighted", "entropy", "snd", "mixval")
SPLIT = {"source_subsets": (1, 3), "neg_source_subsets": (2, 4)}


def run_task(X, y, sd, yt):
    est = _estimator()
    candidates = build_candidates(CANDIDATES, est)
    held = compare_strategies(CANDIDATES, X, y, estimator=est, target_labels=yt)
    acc = {n: held.mean(n) for n in candidates}
    selector = TransferSelector(est, strategies=CANDIDATES)
    splits = list(_splits(selector._default_cv(), X, y, sd))
    scoring = list(dict.fromkeys([*PREVIOUS, *DEFAULT_SCORING]))
    fitted = selector._cross_validate(candidates, scoring, X, y, None, splits)[0]
    reports = dict(zip(scoring, fitted, strict=True))
    ratio = _test_ratio(splits)
    picks = {
        rule: selector._decide([reports[s] for s in scorers], ratio, candidates)
        for rule, scorers in (("previous", PREVIOUS), ("current", DEFAULT_SCORING))
    }
    alone = {
        s: max((n for n in candidates if np.isfinite(r.mean(n))), key=r.mean)
        for s, r in reports.items()
    }
    return acc, picks, alone


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", type=Path, default=Path(H.data_home()))
    parser.add_argument("--tasks", nargs="+", default=skxfer.datasets.list_tasks("newsgroups"))
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", UserWarning)
    print(f"20 Newsgroups, source sub-categories {SPLIT}; target accuracy %\n")
    print("| task | source only | oracle (pick) | previous default | current default | s |")
    print("|---|---|---|---|---|---|")
    cols = {"so": [], "oracle": [], "previous": [], "current": []}
    alone_gains = {}
    for task in args.tasks:
        start = time.perf_counter()
        X, y, sd, yt = H.prepare("newsgroups", task, args.data_home, **SPLIT)
        acc, picks, alone = run_task(X, y, sd, yt)
        so, oracle = acc["source_only"], max(acc, key=acc.get)
        for key, value in (("so", so), ("oracle", acc[oracle])):
            cols[key].append(value)
        for rule, pick in picks.items():
            cols[rule].append(acc[pick])
        for s, pick in alone.items():
            alone_gains.setdefault(s, []).append(acc[pick] - so)
        print(
            f"| {task} | {100 * so:.1f} | {100 * acc[oracle]:.1f} ({oracle}) | "
            + " | ".join(f"{100 * acc[p]:.1f} ({p})" for p in picks.values())
            + f" | {time.perf_counter() - start:.0f} |",
            flush=True,
        )
    so, oracle = np.mean(cols["so"]), np.mean(cols["oracle"])
    for rule in ("previous", "current"):
        mean = np.mean(cols[rule])
        worst = min(a - b for a, b in zip(cols[rule], cols["so"], strict=True))
        print(
            f"\n{rule} default: {100 * mean:.1f} (source-only {100 * so:.1f}, oracle "
            f"{100 * oracle:.1f}); captured {(mean - so) / (oracle - so):.0%} of the oracle "
            f"gain; worst task {100 * worst:+.1f} points"
        )
    print("\neach scorer alone, mean gain over source-only (points):")
    for s, gains in alone_gains.items():
        print(f"  {s}: {100 * np.mean(gains):+.1f}")


if __name__ == "__main__":
    main()
