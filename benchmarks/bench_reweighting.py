"""Instance reweighting: skxfer's InstanceReweighter vs SKADA's reweighting, side by side.

Protocol of ``../shared/BENCHMARKS.md`` through ``_harness`` (unsupervised transductive
DA, base ``LogisticRegression(max_iter=1000)``, defaults as shipped, preprocessing fitted
on source + target rows): Office-Caltech10 SURF (12 pairs) and Amazon reviews 400
(12 pairs).

Every skxfer method (``kmm``, ``kliep``, ``ulsif``, ``classifier``, ``nn``) and SKADA's
``KMMReweight``, ``KLIEPReweight``, ``DiscriminatorReweight`` and
``NearestNeighborReweight`` run in the same process on the same arrays; SKADA runs
under ``sklearn.config_context(enable_metadata_routing=True)`` only. Printed: target
accuracy and fit time per task (weights + classifier), means per data set, skxfer / SKADA
fit-time ratios. Then the KMM weights alone on every task (skxfer ``KMMDensityRatio``
vs SKADA ``KMMReweightAdapter``, CPU seconds, best of 3), KMM timing on 5,000 + 5,000
synthetic rows (50 features), and KMM alone on 50,000 + 50,000 rows (time and peak RSS,
in a fresh process).

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
import sklearn  # noqa: E402

import skxfer.datasets  # noqa: E402
from skxfer import LabelledOnly  # noqa: E402
from skxfer.reweighting import InstanceReweighter, KMMDensityRatio  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import _harness as H  # noqa: E402

SKX_METHODS = ["kmm", "kliep", "ulsif", "classifier", "nn"]
SKADA_OF = {
    "kmm": "KMMReweight",
    "kliep": "KLIEPReweight",
    "classifier": "DiscriminatorReweight",
    "nn": "NearestNeighborReweight",
}
#: data set of this benchmark -> name in skxfer.datasets
DATASETS = {"office": "office_caltech", "amazon": "amazon"}
QUICK_TASKS = {"office": ["C->A", "D->W"], "amazon": ["B->D", "E->K"]}


def skada_estimator(name):
    import skada

    clf = H.base_estimator().set_fit_request(sample_weight=True)
    return getattr(skada, name)(clf)


def makers(with_skada):
    """Column name -> (runner) of every method compared."""
    out = {"source": H.skxfer_runner(lambda: LabelledOnly(H.base_estimator()))}
    for m in SKX_METHODS:
        out[m] = H.skxfer_runner(
            lambda m=m: InstanceReweighter(H.base_estimator(), density_ratio=m, random_state=0)
        )
    if with_skada:
        for m, name in SKADA_OF.items():
            out[f"skada_{m}"] = H.skada_runner(lambda name=name: skada_estimator(name))
    return out


def accuracy_section(tasks_of, home, with_skada):
    runners = makers(with_skada)
    columns = list(runners)
    for dataset, tasks in tasks_of.items():
        print(f"\n=== {dataset}: target accuracy % (fit s: weights + classifier) ===")
        print("task    " + "".join(f"{c:>18}" for c in columns))
        res = {c: [] for c in columns}
        for task in tasks:
            X, y, sd, yt = H.prepare(DATASETS[dataset], task, home)
            row = f"{task:<8}"
            for c in columns:
                acc, fit_s, err = H.run(runners[c], X, y, sd, yt)
                res[c].append((acc, fit_s))
                row += f"{'FAIL' if np.isnan(acc) else f'{acc:5.1f}':>9} ({fit_s:6.2f})"
                if err:
                    print(f"  [{c} on {task}] {err}")
            print(row, flush=True)
        print(f"--- {dataset} means ---")
        for c in columns:
            accs = np.array([a for a, _ in res[c]])
            times = [t for _, t in res[c] if np.isfinite(t)]
            fails = int(np.isnan(accs).sum())
            mean = "  -  " if fails == len(accs) else f"{np.nanmean(accs):5.1f}{'*' * bool(fails)}"
            print(
                f"{c:>16}: mean acc {mean}  failures {fails:2d}/{len(accs)}  "
                f"median fit {np.median(times) if times else float('nan'):6.2f} s"
            )
        if with_skada:
            print(f"--- {dataset}: fit-time ratio skxfer / SKADA (median over tasks) ---")
            for m in SKADA_OF:
                r = [
                    a[1] / b[1]
                    for a, b in zip(res[m], res[f"skada_{m}"], strict=True)
                    if np.isfinite(a[1]) and np.isfinite(b[1]) and b[1] > 0
                ]
                if r:
                    print(f"{m:>16}: {np.median(r):.3f}  (SKADA {1 / np.median(r):.1f}x slower)")


def cpu_seconds(estimator, X, y, sd, repeat=3):
    """Best of ``repeat`` CPU times of ``estimator.fit`` (robust to other load)."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        estimator.fit(X, y, sample_domain=sd)
        times.append(time.process_time() - t0)
    return min(times)


def kmm_weights_section(tasks_of, home):
    """The KMM weights alone: skxfer's KMMDensityRatio vs SKADA's KMMReweightAdapter."""
    from skada import KMMReweightAdapter

    print("\n=== KMM weights alone (no classifier), CPU s best of 3, per task ===")
    ratios = {}
    for dataset, tasks in tasks_of.items():
        ratios[dataset] = []
        for task in tasks:
            X, y, sd, _ = H.prepare(DATASETS[dataset], task, home)
            ours = cpu_seconds(KMMDensityRatio(random_state=0), X, y, sd)
            with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                peer = cpu_seconds(KMMReweightAdapter(), X, y, sd)
            ratios[dataset].append(peer / ours)
            print(
                f"{dataset:>7} {task:<6} n_source {int((sd > 0).sum()):5d} n_target "
                f"{int((sd < 0).sum()):5d}: skxfer {ours:.3f} s  SKADA {peer:.3f} s  "
                f"SKADA/skxfer {peer / ours:5.2f}",
                flush=True,
            )
        r = np.array(ratios[dataset])
        print(
            f"{dataset:>7}: SKADA/skxfer median {np.median(r):.2f}, min {r.min():.2f}, "
            f"max {r.max():.2f}"
        )


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
    runs = {
        "skxfer kmm": H.skxfer_runner(
            lambda: InstanceReweighter(H.base_estimator(), density_ratio="kmm", random_state=0)
        )
    }
    if with_skada:
        runs["SKADA KMMReweight"] = H.skada_runner(lambda: skada_estimator("KMMReweight"))
    out = {}
    for name, runner in runs.items():
        acc, fit_s, err = H.run(runner, X, y, sd, yt)
        out[name] = fit_s
        print(f"{name:>20}: fit {fit_s:7.2f} s  acc {acc:.1f} {err or ''}")
    if len(out) == 2:
        print(f"{'ratio skxfer/SKADA':>20}: {out['skxfer kmm'] / out['SKADA KMMReweight']:.3f}")


def kmm_large(n):
    X, y, sd, _ = synthetic(n, n)
    t0 = time.perf_counter()
    kmm = KMMDensityRatio(random_state=0).fit(X, sample_domain=sd)
    fit_s = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"KMMDensityRatio on {n:,} + {n:,} rows x 50: fit {fit_s:.1f} s, solver "
        f"{kmm.solver_}, {kmm.n_iter_} iterations, peak RSS {rss:.0f} MiB "
        f"(data alone {X.nbytes / 2**20:.0f} MiB)"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=H.data_home())
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
    tasks_of = (
        QUICK_TASKS
        if args.quick
        else {ds: skxfer.datasets.list_tasks(name) for ds, name in DATASETS.items()}
    )
    if not args.skip_accuracy:
        accuracy_section(tasks_of, args.data_home, with_skada)
    if with_skada:
        kmm_weights_section(tasks_of, args.data_home)
    kmm_timing(1000 if args.quick else 5000, with_skada)
    n_large = 5000 if args.quick else 50000
    print(f"\n=== KMM alone, {n_large:,} + {n_large:,} rows (fresh process) ===", flush=True)
    subprocess.run([sys.executable, __file__, "--kmm-large-only", str(n_large)], check=False)


if __name__ == "__main__":
    main()
