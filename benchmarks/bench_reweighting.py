"""Instance reweighting: skxfer's InstanceReweighter vs SKADA's reweighting, side by side.

Protocol of ``../shared/BENCHMARKS.md`` (unsupervised transductive DA, base
``LogisticRegression(max_iter=1000)``, defaults as shipped):

- Office-Caltech10 SURF, 12 pairs: ``Normalizer(norm="l1")`` then ``StandardScaler()``
  fitted on source + target rows together;
- Amazon reviews 400, 12 pairs: ``StandardScaler()`` on source + target rows.

Every skxfer method (``kmm``, ``kliep``, ``ulsif``, ``classifier``, ``nn``) and SKADA's
``KMMReweight``, ``KLIEPReweight``, ``DiscriminatorReweight`` and
``NearestNeighborReweight`` run in the same process on the same arrays; SKADA runs
under ``sklearn.config_context(enable_metadata_routing=True)`` only. Printed: target
accuracy and fit time per task, means per data set, skxfer / SKADA fit-time ratios.
Then KMM timing on 5,000 + 5,000 synthetic rows (50 features) against SKADA's
``KMMReweight``, and KMM alone on 50,000 + 50,000 rows (time and peak RSS, in a fresh
process).

Run::

    python benchmarks/bench_reweighting.py [--quick] [--data-home PATH]
"""

import os

# one BLAS thread (the protocol's "one thread"; shared 2-core machines oversubscribe)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import scipy.io as sio  # noqa: E402
import sklearn  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import Normalizer, StandardScaler  # noqa: E402

from skxfer.reweighting import InstanceReweighter, KMMDensityRatio  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from _harness import data_home  # noqa: E402

SKX_METHODS = ["kmm", "kliep", "ulsif", "classifier", "nn"]
SKADA_OF = {"kmm": "KMMReweight", "kliep": "KLIEPReweight",
            "classifier": "DiscriminatorReweight", "nn": "NearestNeighborReweight"}
OFFICE = {"C": "Caltech10", "A": "amazon", "W": "webcam", "D": "dslr"}
OFFICE_PAIRS = ["CA", "CW", "CD", "AC", "AW", "AD", "WC", "WA", "WD", "DC", "DA", "DW"]
AMAZON = {"B": "books", "D": "dvd", "E": "elec", "K": "kitchen"}
AMAZON_PAIRS = [s + t for s in "BDEK" for t in "BDEK" if s != t]


def base():
    return LogisticRegression(max_iter=1000)


def load(path):
    m = sio.loadmat(path)
    return m["fts"].astype(np.float64), m["labels"].ravel().astype(np.int64)


def make_task(dataset, pair, home):
    if dataset == "office":
        d = home / "office_caltech10" / "surf"
        Xs, ys = load(d / f"{OFFICE[pair[0]]}_SURF_L10.mat")
        Xt, yt = load(d / f"{OFFICE[pair[1]]}_SURF_L10.mat")
        ys, yt = ys - 1, yt - 1
        prep = make_pipeline(Normalizer(norm="l1"), StandardScaler())
    else:
        d = home / "amazon_review_400"
        Xs, ys = load(d / f"{AMAZON[pair[0]]}_400.mat")
        Xt, yt = load(d / f"{AMAZON[pair[1]]}_400.mat")
        prep = StandardScaler()
    X = prep.fit_transform(np.vstack([Xs, Xt]))
    y = np.r_[ys, np.full(len(yt), -1)]
    sd = np.r_[np.ones(len(ys), dtype=np.int64), -np.ones(len(yt), dtype=np.int64)]
    return X, y, sd, yt


def skada_estimator(name):
    import skada

    clf = base().set_fit_request(sample_weight=True)
    return getattr(skada, name)(clf)


def run_one(make, X, y, sd, yt, skada=False):
    Xt = X[sd < 0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if skada:
                with sklearn.config_context(enable_metadata_routing=True):
                    est = make()
                    t0 = time.perf_counter()
                    est.fit(X, y, sample_domain=sd)
                    fit_s = time.perf_counter() - t0
                    pred = est.predict(Xt, sample_domain=sd[sd < 0])
            else:
                est = make()
                t0 = time.perf_counter()
                est.fit(X, y)
                fit_s = time.perf_counter() - t0
                pred = est.predict(Xt)
        acc = 100.0 * np.mean(pred == yt)
        if not np.isfinite(acc):
            return None, fit_s, "nan"
        return acc, fit_s, ""
    except Exception as exc:  # a failure is a result of the benchmark
        return None, float("nan"), f"{type(exc).__name__}: {str(exc)[:60]}"


def accuracy_section(datasets, pairs_of, home, with_skada):
    columns = ["source"] + SKX_METHODS + ([f"skada_{m}" for m in SKADA_OF] if with_skada else [])
    summary = {}
    for dataset in datasets:
        print(f"\n=== {dataset}: target accuracy % (fit s) ===")
        print("task  " + "".join(f"{c:>18}" for c in columns))
        res = {c: [] for c in columns}
        for pair in pairs_of[dataset]:
            X, y, sd, yt = make_task(dataset, pair, home)
            makers = {"source": (lambda: _SourceOnly(), False)}
            for m in SKX_METHODS:
                makers[m] = (lambda m=m: InstanceReweighter(base(), method=m, random_state=0),
                             False)
            if with_skada:
                for m, name in SKADA_OF.items():
                    makers[f"skada_{m}"] = (lambda name=name: skada_estimator(name), True)
            row = f"{pair[0]}->{pair[1]}  "
            for c in columns:
                make, is_skada = makers[c]
                acc, fit_s, err = run_one(make, X, y, sd, yt, skada=is_skada)
                res[c].append((acc, fit_s, err))
                row += f"{'FAIL' if acc is None else f'{acc:5.1f}':>9} ({fit_s:6.2f})"
                if err:
                    print(f"  [{c} on {pair}] {err}")
            print(row, flush=True)
        summary[dataset] = res
        print(f"--- {dataset} means ---")
        for c in columns:
            accs = [a for a, _, _ in res[c] if a is not None]
            fails = sum(a is None for a, _, _ in res[c])
            times = [t for _, t, _ in res[c] if np.isfinite(t)]
            mean = f"{np.mean(accs):5.1f}" if accs and not fails else (
                f"{np.mean(accs):5.1f}*" if accs else "  -  ")
            print(f"{c:>16}: mean acc {mean}  failures {fails:2d}/{len(res[c])}  "
                  f"median fit {np.median(times) if times else float('nan'):6.2f} s")
        if with_skada:
            print(f"--- {dataset}: fit-time ratio skxfer / SKADA (median over tasks) ---")
            for m in SKADA_OF:
                r = [a[1] / b[1] for a, b in zip(res[m], res[f"skada_{m}"], strict=True)
                     if np.isfinite(a[1]) and np.isfinite(b[1]) and b[1] > 0]
                if r:
                    print(f"{m:>16}: {np.median(r):.3f}  (SKADA {1 / np.median(r):.1f}x slower)")
    return summary


class _SourceOnly:
    def fit(self, X, y):
        keep = y != -1
        self.clf = base().fit(X[keep], y[keep])
        return self

    def predict(self, X):
        return self.clf.predict(X)


def synthetic(n_source, n_target, d=50, seed=0):
    rng = np.random.RandomState(seed)
    Xs = rng.randn(n_source, d)
    Xt = 0.8 * rng.randn(n_target, d) + 0.3
    w = rng.randn(d)
    ys = (Xs @ w > 0).astype(np.int64)
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, -np.ones(n_target, dtype=np.int64)]
    sd = np.r_[np.ones(n_source, dtype=np.int64), -np.ones(n_target, dtype=np.int64)]
    return X, y, sd, (Xt @ w > 0).astype(np.int64)


def kmm_timing(n, with_skada):
    print(f"\n=== KMM fit time, {n:,} + {n:,} rows, 50 features (synthetic) ===")
    X, y, sd, yt = synthetic(n, n)
    out = {}
    runs = [("skxfer kmm", lambda: InstanceReweighter(base(), method="kmm", random_state=0),
             False)]
    if with_skada:
        runs.append(("SKADA KMMReweight", lambda: skada_estimator("KMMReweight"), True))
    for name, make, is_skada in runs:
        acc, fit_s, err = run_one(make, X, y, sd, yt, skada=is_skada)
        out[name] = fit_s
        print(f"{name:>20}: fit {fit_s:7.2f} s  acc {acc if acc is None else round(acc, 1)} {err}")
    if with_skada and len(out) == 2:
        print(f"{'ratio skxfer/SKADA':>20}: {out['skxfer kmm'] / out['SKADA KMMReweight']:.3f}")


def kmm_large(n):
    X, y, sd, _ = synthetic(n, n)
    t0 = time.perf_counter()
    kmm = KMMDensityRatio(random_state=0).fit(X, sample_domain=sd)
    fit_s = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"KMMDensityRatio on {n:,} + {n:,} rows x 50: fit {fit_s:.1f} s, solver "
          f"{kmm.solver_}, {kmm.n_iter_} iterations, peak RSS {rss:.0f} MiB "
          f"(data alone {X.nbytes / 2**20:.0f} MiB)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", type=Path, default=Path(data_home()))
    parser.add_argument("--quick", action="store_true", help="2 tasks per data set, small timing")
    parser.add_argument("--no-skada", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--kmm-large-only", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.kmm_large_only:
        kmm_large(args.kmm_large_only)
        return
    with_skada = not args.no_skada
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, data {args.data_home}")
    if with_skada:
        t0 = time.perf_counter()
        import skada

        print(f"skada {skada.__version__} (import {time.perf_counter() - t0:.1f} s)")
    pairs = {"office": OFFICE_PAIRS, "amazon": AMAZON_PAIRS}
    if args.quick:
        pairs = {"office": ["CA", "DW"], "amazon": ["BD", "EK"]}
    if not args.skip_accuracy:
        accuracy_section(["office", "amazon"], pairs, args.data_home, with_skada)
    kmm_timing(1000 if args.quick else 5000, with_skada)
    n_large = 5000 if args.quick else 50000
    print(f"\n=== KMM alone, {n_large:,} + {n_large:,} rows (fresh process) ===", flush=True)
    subprocess.run([sys.executable, __file__, "--kmm-large-only", str(n_large)], check=False)


if __name__ == "__main__":
    main()
