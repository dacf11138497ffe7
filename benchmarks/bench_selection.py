"""Choosing a transfer strategy and its parameters: TransferSelector on real tasks.

For every task of Office-Caltech10 SURF (12 pairs), Amazon reviews 400 (12 pairs),
MNIST<->USPS (JDA protocol, 2), 20 Newsgroups (6 top-category pairs, split (1, 2)) and
Office-Caltech10 DeCAF6 (D<->W), with base ``LogisticRegression(max_iter=1000)`` and
the candidates ``CANDIDATES`` ((strategy, parameter grid) pairs: CORAL shrinkage, OT
``reg``, MMD ``mu`` / ``n_components``, the classifier's ``C`` ...):

- target accuracy of every candidate, fitted transductively (target rows masked), via
  ``compare_strategies(..., target_labels=...)``; the **oracle per task** is the best
  of them by target labels (what no user can do);
- **unsupervised selector** (``TransferSelector`` defaults, no target label): its pick
  and the accuracy of that pick; ``captured`` = (selector - source-only) / (oracle -
  source-only), on the data set means;
- **per-scorer table**: each scorer alone picks the best mean cross-validated score
  (no fallback); how often that pick is within 1 point of the oracle; with ``--peer``,
  SKADA's scorers (``skada:importance_weighted``, ``skada:entropy``, ``skada:snd``,
  ``skada:mixval``, ``skada:circular``) score the same fits on the same folds beside
  skxfer's (see ``_peer_scorers.py``);
- **few labels** (k labelled target rows per class, drawn with seed 0): the selector in
  few-label mode; accuracy on the *unlabelled* target rows, beside source-only and the
  oracle's candidate on the same rows, a plain ``LogisticRegression`` on the k * K
  labelled rows (target only), source-only fitted with those rows too, and the same
  with the two domains weighing the same (``LabelledOnly(domain_weight="balanced")``).
  The selector's column names what predicts: its pick, or the hedge of its pick (the
  mean probability of the pick and the two no-transfer baselines).

All unsupervised scores come from one cross-validation with every scorer (same folds
as the selector's); the selector's pick is ``choose`` over its default scorers' reports,
which is what ``TransferSelector().fit`` computes. On the first ``--timed`` tasks of
each data set a real ``TransferSelector`` fit checks that (same pick) and is timed.

Protocol: ``../shared/BENCHMARKS.md`` (rows shuffled per domain, preprocessing fitted on
source + target rows; 20 Newsgroups keeps the 2,000 most frequent terms, see
``_harness.prepare``). The default scorers and ``CANDIDATES`` were chosen looking at
some of these tasks: the figures are not a held-out evaluation of those choices.

Usage::

    python benchmarks/bench_selection.py [--data-home DIR] [--quick]
        [--datasets office amazon digits news decaf] [--k 3] [--timed 2] [--peer]
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

import skxfer.datasets
from skxfer import LabelledOnly
from skxfer.model_selection import TransferSelector, compare_strategies
from skxfer.model_selection._compare import _seeded, build_candidates
from skxfer.model_selection._selector import DEFAULT_SCORING, _test_ratio

sys.path.insert(0, str(Path(__file__).parent))
import _harness as H  # noqa: E402
from _peer_scorers import skada_scorers  # noqa: E402

#: data set -> (name in skxfer.datasets, loader kwargs, tasks or None for all)
DATASETS = {
    "office": ("office_caltech", {}, None),
    "amazon": ("amazon", {}, None),
    "digits": ("mnist_usps", {}, None),
    "news": ("newsgroups", {}, None),
    "decaf": ("office_caltech", {"features": "decaf6"}, ["D->W", "W->D"]),
}

#: Candidates of the selector: strategies and (strategy, parameter grid) pairs.
CANDIDATES = [
    (None, {"C": [0.01, 0.1]}),
    ("coral", {"reg": ["auto", 1.0]}),
    ("ot", {"reg": [0.1, 0.3, 1.0]}),
    ("mmd", {"mu": [0.1, 1.0], "n_components": [20, 50]}),
    "jda",
    "ot_linear",
    "sa",
    "kmm",
]

#: Scorers of the per-scorer table (the selector's default ones are added).
TABLE_SCORERS = ["importance_weighted", "entropy", "snd", "balanced_circular", "mixval", "ensemble"]


def _estimator():
    return LogisticRegression(max_iter=1000)


def _few_labels(y, sd, yt, k, seed=0):
    """``y`` with ``k`` target labels per class revealed; their positions in the target."""
    rng = np.random.RandomState(seed)
    picked = np.concatenate(
        [
            rng.choice(np.flatnonzero(yt == c), min(k, int(np.sum(yt == c))), replace=False)
            for c in np.unique(yt)
        ]
    )
    target = np.flatnonzero(sd < 0)
    y_semi = np.array(y, copy=True)
    y_semi[target[picked]] = yt[picked]
    return y_semi, picked


def _acc(est, X, rows, y_true):
    return float(np.mean(est.predict(X[rows]) == y_true))


def run_task(X, y, sd, yt, k, timed, label_repeats=None, full=False, peer=None):
    peer = peer or {}
    est = _estimator()
    candidates = build_candidates(CANDIDATES, est)
    names = list(candidates)
    held = compare_strategies(CANDIDATES, X, y, estimator=est, target_labels=yt)
    acc = {n: held.mean(n) for n in names}
    oracle = max(names, key=acc.get)
    out = {"acc": acc, "oracle": oracle}

    scoring = list(dict.fromkeys([*DEFAULT_SCORING, *TABLE_SCORERS, *peer]))
    start = time.perf_counter()
    table = TransferSelector(
        est, strategies=CANDIDATES, scoring=[peer.get(s, s) for s in scoring], fallback=None
    )
    table.fit(X, y)
    out["table_s"] = time.perf_counter() - start
    reports = dict(zip(scoring, table.reports_, strict=True))
    out["scores"] = {s: {n: r.scores[n].tolist() for n in names} for s, r in reports.items()}
    out["picks"] = {
        s: max((n for n in names if np.isfinite(r.mean(n))), key=r.mean) for s, r in reports.items()
    }
    default = TransferSelector(est, strategies=CANDIDATES)
    splits = list(default._default_cv().split(X, y))
    out["selected"] = default._decide(
        [reports[s] for s in DEFAULT_SCORING], _test_ratio(splits), candidates
    )
    out["selector_s"] = np.nan
    if timed:
        start = time.perf_counter()
        sel = TransferSelector(est, strategies=CANDIDATES).fit(X, y)
        out["selector_s"] = time.perf_counter() - start
        if sel.selected_strategy_ != out["selected"]:
            raise AssertionError(
                f"derived pick {out['selected']} != real pick {sel.selected_strategy_}"
            )
        out["acc_real"] = _acc(sel, X, np.flatnonzero(sd < 0), yt)

    # few labels: k labelled target rows per class
    y_semi, picked = _few_labels(y, sd, yt, k)
    target = np.flatnonzero(sd < 0)
    rest = np.setdiff1d(np.arange(target.size), picked)
    rows, y_rest = target[rest], yt[rest]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # labelled target rows, on purpose
        start = time.perf_counter()
        repeats = {} if label_repeats is None else {"n_label_repeats": label_repeats}
        few = TransferSelector(est, strategies=CANDIDATES, **repeats).fit(
            X, y_semi, sample_domain=sd
        )
        out["few_s"] = time.perf_counter() - start
        out["few_mode"] = few.selection_mode_
        out["few_selected"] = few.selected_strategy_
        out["few_members"] = few.members_
        out["few"] = _acc(few, X, rows, y_rest)
        out["few_source_labels"] = _acc(LabelledOnly(_estimator()).fit(X, y_semi), X, rows, y_rest)
        balanced = LabelledOnly(_estimator(), domain_weight="balanced")
        out["few_balanced"] = _acc(balanced.fit(X, y_semi, sample_domain=sd), X, rows, y_rest)
        out["few_scores"] = {n: few.report_.scores[n].tolist() for n in names}
        if full:  # every candidate fitted with the labelled target rows, scored on the rest
            out["few_acc"] = {
                n: _acc(_seeded(clone(c), 0).fit(X, y_semi, sample_domain=sd), X, rows, y_rest)
                for n, c in candidates.items()
            }
    out["few_target_only"] = _acc(_estimator().fit(X[target[picked]], yt[picked]), X, rows, y_rest)
    out["few_source_only"] = _acc(LabelledOnly(_estimator()).fit(X, y), X, rows, y_rest)
    best = _seeded(clone(candidates[oracle]), 0).fit(X, y)
    out["few_oracle"] = _acc(best, X, rows, y_rest)
    return out


def _members(names):
    """The few-label selector's predicting candidates, short: the pick, or its hedge."""
    return names[0] if len(names) == 1 else f"hedge of {names[0]}"


def _jsonable(v):
    return v.tolist() if hasattr(v, "tolist") else float(v)


def _captured(sel, so, oracle):
    gap = np.mean(oracle) - np.mean(so)
    return (np.mean(sel) - np.mean(so)) / gap if gap > 1e-12 else float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", type=Path, default=Path(H.data_home()))
    parser.add_argument("--quick", action="store_true", help="first 2 tasks per data set")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--tasks", nargs="+", default=None, help="only these tasks")
    parser.add_argument("--k", type=int, default=3, help="labelled target rows per class")
    parser.add_argument(
        "--save",
        type=Path,
        default=None,
        help="folder for one JSON per task (accuracies, per-fold scores)",
    )
    parser.add_argument(
        "--label-repeats",
        type=int,
        default=None,
        help="n_label_repeats of the few-label selector (default: the selector's)",
    )
    parser.add_argument(
        "--timed",
        type=int,
        default=1,
        help="tasks per data set with a real (timed) default selector fit",
    )
    parser.add_argument(
        "--peer",
        action="store_true",
        help="add SKADA's scorers (skada:...) to the per-scorer table, on the same fits",
    )
    args = parser.parse_args(argv)
    if not args.data_home.is_dir():
        parser.error(f"data folder {args.data_home} not found: pass --data-home or set SKXFER_DATA")
    names = list(build_candidates(CANDIDATES, _estimator()))
    print(f"{len(names)} candidates: {', '.join(names)}")
    print(
        f"base LogisticRegression(max_iter=1000); selector scoring {list(DEFAULT_SCORING)}; "
        f"k = {args.k}; target accuracy %"
    )
    peer = skada_scorers() if args.peer else {}
    hits = {s: [] for s in dict.fromkeys([*DEFAULT_SCORING, *TABLE_SCORERS, *peer])}
    for ds in args.datasets:
        dataset, kwargs, tasks = DATASETS[ds]
        tasks = tasks or skxfer.datasets.list_tasks(dataset)
        if args.tasks:
            tasks = [t for t in tasks if t in args.tasks]
        if args.quick:
            tasks = tasks[:2]
        if not tasks:
            continue
        print(f"\n## {ds}\n")
        print(
            "| task | source only | oracle (pick) | selector (pick) | sel - so | table s "
            "| selector s | k: target only | k: source+labels | k: balanced | k: source only "
            "| k: oracle | k: selector (members) | k: selector s |"
        )
        print("|" + "---|" * 14)
        res = []
        for t, name in enumerate(tasks):
            X, y, sd, yt = H.prepare(dataset, name, str(args.data_home), **kwargs)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                r = run_task(
                    X,
                    y,
                    sd,
                    yt,
                    args.k,
                    timed=t < args.timed,
                    label_repeats=args.label_repeats,
                    full=args.save is not None,
                    peer=peer,
                )
            a = r["acc"]
            r["so"], r["or"], r["sel"] = a["source_only"], a[r["oracle"]], a[r["selected"]]
            res.append(r)
            if args.save is not None:
                args.save.mkdir(parents=True, exist_ok=True)
                path = args.save / f"{ds}_{name.replace('->', '2')}.json"
                path.write_text(json.dumps(r, default=_jsonable))
            for s, pick in r["picks"].items():
                hits[s].append((ds, a[pick] >= r["or"] - 0.01, a[pick]))
            print(
                f"| {name} | {100 * r['so']:.1f} | {100 * r['or']:.1f} ({r['oracle']}) | "
                f"{100 * r['sel']:.1f} ({r['selected']}) | {100 * (r['sel'] - r['so']):+.1f} | "
                f"{r['table_s']:.0f} | {r['selector_s']:.1f} | "
                f"{100 * r['few_target_only']:.1f} | {100 * r['few_source_labels']:.1f} | "
                f"{100 * r['few_balanced']:.1f} | "
                f"{100 * r['few_source_only']:.1f} | {100 * r['few_oracle']:.1f} | "
                f"{100 * r['few']:.1f} ({_members(r['few_members'])}) | {r['few_s']:.1f} |",
                flush=True,
            )
        col = {
            c: np.array([r[c] for r in res])
            for c in (
                "so",
                "or",
                "sel",
                "selector_s",
                "few",
                "few_source_only",
                "few_oracle",
                "few_target_only",
                "few_source_labels",
                "few_balanced",
                "few_s",
            )
        }
        d = col["sel"] - col["so"]
        print(
            f"\n{ds}: source-only {100 * col['so'].mean():.1f}, selector "
            f"{100 * col['sel'].mean():.1f}, oracle per task {100 * col['or'].mean():.1f}; "
            f"captured {100 * _captured(col['sel'], col['so'], col['or']):.0f} % of the "
            f"oracle gain; min(selector - source-only) {100 * d.min():+.1f} points; "
            f"selector fit s (timed tasks) median {np.nanmedian(col['selector_s']):.1f}, "
            f"max {np.nanmax(col['selector_s']):.1f}"
        )
        best_baseline = np.max(
            [col["few_target_only"], col["few_source_labels"], col["few_balanced"]], axis=0
        )
        few_captured = _captured(col["few"], col["few_source_only"], col["few_oracle"])
        print(
            f"{ds}, k = {args.k} (unlabelled target rows): target only "
            f"{100 * col['few_target_only'].mean():.1f}, source+labels "
            f"{100 * col['few_source_labels'].mean():.1f}, source+labels balanced "
            f"{100 * col['few_balanced'].mean():.1f}, source-only "
            f"{100 * col['few_source_only'].mean():.1f}, oracle "
            f"{100 * col['few_oracle'].mean():.1f}, selector {100 * col['few'].mean():.1f}; "
            f"captured {100 * few_captured:.0f} % of the oracle gain; "
            "min(selector - source-only) "
            f"{100 * (col['few'] - col['few_source_only']).min():+.1f}, "
            "min(selector - best of target only, source+labels, balanced) "
            f"{100 * (col['few'] - best_baseline).min():+.1f}; fit s median "
            f"{np.median(col['few_s']):.1f}, max {col['few_s'].max():.1f}",
            flush=True,
        )
    print("\n## Per-scorer table: each scorer alone (best mean CV score, no fallback)\n")
    sets = list(dict.fromkeys(ds for v in hits.values() for ds, _, _ in v))
    print(
        "| scorer | "
        + " | ".join(f"{ds}: within 1 pt of oracle" for ds in sets)
        + " | all | mean acc of picks |"
    )
    print("|" + "---|" * (len(sets) + 3))
    for s, v in hits.items():
        cells = [
            f"{sum(h for d, h, _ in v if d == ds)}/{sum(d == ds for d, _, _ in v)}" for ds in sets
        ]
        print(
            f"| {s} | " + " | ".join(cells) + f" | {sum(h for _, h, _ in v)}/{len(v)} | "
            f"{100 * np.mean([a for _, _, a in v]):.1f} |"
        )


if __name__ == "__main__":
    main()
