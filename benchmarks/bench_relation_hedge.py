"""How RelationTransferClassifier's ``use_embedding="auto"`` hedge should be built (issue 16).

Disjoint label sets: 20 Newsgroups (the draws of ``bench_taxonomy.py --parts b``: a 4-way
top-category source, six binary targets, ``k`` labelled documents per class, 5 draws;
``LogisticRegression(C=10)``) and sklearn digits 0-4 -> 5-9 (the task and draws of
``bench_finetune.py --suite defaults``; default estimators). Every variant below uses the
shared rule of :mod:`skxfer.utils._inner_validation` (members temperature-scaled on their
out-of-fold probabilities, their mean kept unless one representation alone beats it by
more than ``SWITCH_Z`` paired standard errors out of fold); they differ in

- the members: ``2``: relation + features and features alone (target-only); ``3``: the
  relation features alone as a third member;
- the most inner folds (3, as FineTuneClassifier's safety net; or 5);
- the weights: ``invnll`` (each member weighs the inverse of its calibrated out-of-fold
  log loss, as FineTuneClassifier and TransferSelector do) or ``equal``.

In every variant each of the three representations alone may replace the mean.
``equal_5f`` is the default. The variant is set by patching the private constants of
``skxfer.relation`` for the fit. Baselines beside: ``LogisticRegression`` on the
labelled target rows (target-only), the relation + features model alone, and the oracle
(3-fold CV of the same ``LogisticRegression`` on every target row). The variants were
compared on these tasks and the default chosen on them: not a held-out result. (The
plain average of the two members with the every-fold switching rule, the rule before
this benchmark, is at commit df27388.)

Example::

    OMP_NUM_THREADS=1 python benchmarks/bench_relation_hedge.py             # about 3 min
    OMP_NUM_THREADS=1 python benchmarks/bench_relation_hedge.py --skip-newsgroups
"""

import argparse
import contextlib
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _defaults_suite import draw_labelled, load  # noqa: E402
from _harness import data_home  # noqa: E402
from bench_taxonomy import _table, newsgroups_draws  # noqa: E402

TWO = ("relation+features", "features")
THREE = ("relation", "relation+features", "features")
#: name -> (members, most inner folds, weighted by inverse log loss)
VARIANTS = {
    "invnll_3f": (TWO, 3, True),
    "invnll_3f_3m": (THREE, 3, True),
    "invnll_5f": (TWO, 5, True),
    "invnll_5f_3m": (THREE, 5, True),
    "equal_3f": (TWO, 3, False),
    "equal_5f": (TWO, 5, False),
}
BASELINES = ("target_only", "relation+features")


@contextlib.contextmanager
def variant(name):
    """``skxfer.relation``'s hedge set to the variant ``name`` for the block."""
    import skxfer.relation as rel

    saved = rel._MEMBERS, rel._INNER_FOLDS, rel._WEIGHTED
    rel._MEMBERS, rel._INNER_FOLDS, rel._WEIGHTED = VARIANTS[name]
    try:
        yield
    finally:
        rel._MEMBERS, rel._INNER_FOLDS, rel._WEIGHTED = saved


def scores(make, X, y, sd, X_test, y_test, target_only):
    """Accuracy (%) of the baselines and of every variant on one draw, and whether each
    variant switched to one representation alone."""
    from skxfer import RelationTransferClassifier

    target = sd < 0
    out = {"target_only": target_only.fit(X[target], y[target]).score(X_test, y_test)}
    fixed = RelationTransferClassifier(**make(), use_embedding=True)
    out["relation+features"] = fixed.fit(X, y, sample_domain=sd).score(X_test, y_test)
    for name in VARIANTS:
        with variant(name):
            clf = RelationTransferClassifier(**make()).fit(X, y, sample_domain=sd)
            out[name] = clf.score(X_test, y_test)
        out[f"{name} switched"] = clf.ensemble_ is None  # counted, not a percentage
    return {n: v if n.endswith("switched") else 100.0 * v for n, v in out.items()}


def newsgroups(home, ks, n_seeds):
    results, oracle = {}, {}

    def target_only():
        return LogisticRegression(max_iter=1000, C=10.0)

    for task, k, _, source, X, y, sd, X_test, y_test in newsgroups_draws(home, ks, n_seeds):

        def make(source=source):
            return {"source_estimator": FrozenEstimator(source), "estimator": target_only()}

        res = scores(make, X, y, sd, X_test, y_test, target_only())
        results.setdefault(k, []).append(res)
        if task not in oracle:  # every target row of the task, labelled: 3-fold CV
            Xt, yt = sparse.vstack([X[sd < 0], X_test]).tocsr(), np.r_[y[sd < 0], y_test]
            oracle[task] = 100.0 * np.mean(cross_val_score(target_only(), Xt, yt, cv=3))
    return results, float(np.mean(list(oracle.values())))


def digits(ks, seeds):
    Xs, ys, Xt, yt = load("digits_0to4_5to9", None, 0)
    oracle = 100.0 * np.mean(cross_val_score(LogisticRegression(max_iter=1000), Xt, yt, cv=3))
    results = {}
    for k in ks:
        for seed in seeds:
            lab, rest = draw_labelled(yt, k, seed)
            X, y = np.concatenate([Xs, Xt[lab]]), np.concatenate([ys, yt[lab]])
            sd = np.r_[np.ones(len(Xs), dtype=int), -np.ones(len(lab), dtype=int)]
            res = scores(dict, X, y, sd, Xt[rest], yt[rest], LogisticRegression(max_iter=1000))
            results.setdefault(k, []).append(res)
    return results, oracle


def report(title, results, oracle):
    ks = sorted(results)
    print(f"\n## {title} (oracle {oracle:.1f})\n")
    rows = []
    for name in (*BASELINES, *VARIANTS):
        cells = [name + (" (default)" if name == "equal_5f" else "")]
        for k in ks:
            mean = np.mean([r[name] for r in results[k]])
            cell = f"{mean:.1f}"
            if name in VARIANTS:
                gain = mean - np.mean([r["target_only"] for r in results[k]])
                switched = int(np.sum([r[f"{name} switched"] for r in results[k]]))
                cell += f" ({gain:+.1f}; {switched} sw)"
            cells.append(cell)
        rows.append(cells)
    _table(("rule", *(f"k={k} (vs target-only; switches)" for k in ks)), rows)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data-home", default=None)
    p.add_argument("--skip-newsgroups", action="store_true")
    p.add_argument("--ng-ks", nargs="+", type=int, default=[5, 10, 20])
    p.add_argument("--ng-draws", type=int, default=5)
    p.add_argument("--digits-ks", nargs="+", type=int, default=[1, 5, 10, 50])
    p.add_argument("--digits-seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    a = p.parse_args(argv)
    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    if not a.skip_newsgroups:
        home = Path(data_home(a.data_home))
        res, oracle = newsgroups(home, a.ng_ks, a.ng_draws)
        report(f"20 Newsgroups, 6 tasks x {a.ng_draws} draws", res, oracle)
    res, oracle = digits(a.digits_ks, a.digits_seeds)
    report(f"digits 0-4 -> 5-9, seeds {a.digits_seeds}", res, oracle)
    print(f"\n(total wall {time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
