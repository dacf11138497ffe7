"""MMDAligner / OTAligner against SKADA on the shared DA benchmarks, in one run.

Protocol: ../shared/BENCHMARKS.md (source + masked target stacked, preprocessing fitted on
both domains, base ``LogisticRegression(max_iter=1000)``, accuracy on every target row,
fit time = wall seconds of ``fit`` of the whole pipeline).

Usage::

    python benchmarks/bench_alignment.py [--quick] [--data-home PATH] [--timeout 300]
        [--datasets office,digits,amazon] [--skip-skada]
"""

import argparse
import multiprocessing as mp
import time
import warnings

import _harness as H
import numpy as np
from sklearn.linear_model import LogisticRegression

import skxfer.datasets
from skxfer import JDAAligner, MMDAligner, OTAligner, make_da_pipeline

#: data set of this benchmark -> name in skxfer.datasets
DATASETS = {"office": "office_caltech", "digits": "mnist_usps", "amazon": "amazon"}

warnings.filterwarnings("ignore")


def base():
    return LogisticRegression(max_iter=1000)


def skxfer_methods():
    return {
        "source_only": lambda: make_da_pipeline(base()),
        "MMDAligner (TCA)": lambda: make_da_pipeline(MMDAligner(), base()),
        "JDAAligner": lambda: make_da_pipeline(JDAAligner(), base()),
        "OTAligner emd": lambda: make_da_pipeline(OTAligner(method="emd"), base()),
        "OTAligner sinkhorn": lambda: make_da_pipeline(OTAligner(), base()),
        "OTAligner lpl1": lambda: make_da_pipeline(OTAligner(method="lpl1"), base()),
        "OTAligner linear": lambda: make_da_pipeline(OTAligner(method="linear"), base()),
    }


def skada_methods():
    import skada

    return {
        "SKADA TCA(50)": lambda: skada.TransferComponentAnalysis(base(), n_components=50),
        "SKADA OTMapping": lambda: skada.OTMapping(base()),
        "SKADA EntropicOTMapping": lambda: skada.EntropicOTMapping(base()),
        "SKADA ClassRegOTMapping": lambda: skada.ClassRegularizerOTMapping(base()),
        "SKADA LinearOTMapping": lambda: skada.LinearOTMapping(base()),
    }


# (skxfer method, SKADA peer) pairs for the time ratios
PAIRS = [
    ("MMDAligner (TCA)", "SKADA TCA(50)"),
    ("JDAAligner", "SKADA TCA(50)"),
    ("OTAligner emd", "SKADA OTMapping"),
    ("OTAligner sinkhorn", "SKADA EntropicOTMapping"),
    ("OTAligner lpl1", "SKADA ClassRegOTMapping"),
    ("OTAligner linear", "SKADA LinearOTMapping"),
]


def _run(make, X, y, sd, yt, is_skada):
    est = make()
    t0 = time.perf_counter()
    if is_skada:
        est.fit(X, y, sample_domain=sd)
    else:
        est.fit(X, y)
    fit_time = time.perf_counter() - t0
    Xt = X[sd < 0]
    pred = (
        est.predict(Xt, sample_domain=-np.ones(len(Xt), dtype=int)) if is_skada else est.predict(Xt)
    )
    return float(np.mean(pred == yt) * 100), fit_time


def _child(queue, make, args):
    try:
        queue.put(("ok", _run(make, *args)))
    except Exception as exc:  # report the failure, do not stop the benchmark
        queue.put(("fail", f"{type(exc).__name__}: {exc}"[:80]))


def run_with_timeout(make, args, timeout):
    """Run in a forked child so that a method that hangs can be stopped at ``timeout``."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, make, args))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, f"> {timeout:.0f} s"
    status, value = queue.get() if not queue.empty() else ("fail", "crashed")
    if status == "fail":
        return None, value
    acc, t = value
    if not np.isfinite(acc):
        return None, "NaN"
    return value, None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-home", default=None, help="data folder (default: $SKXFER_DATA or ../shared/data)"
    )
    parser.add_argument("--quick", action="store_true", help="a subset of the tasks")
    parser.add_argument("--datasets", default="office,digits,amazon")
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="per-fit time cap for SKADA methods (seconds)"
    )
    parser.add_argument("--skip-skada", action="store_true")
    parser.add_argument(
        "--skip-known-slow",
        action="store_true",
        help="skip SKADA EntropicOTMapping (NaN or > 300 s in BENCHMARKS.md)",
    )
    args = parser.parse_args()
    home = H.data_home(args.data_home)
    methods = {name: (make, False) for name, make in skxfer_methods().items()}
    if not args.skip_skada:
        for name, make in skada_methods().items():
            if args.skip_known_slow and name == "SKADA EntropicOTMapping":
                continue
            methods[name] = (make, True)
    summary = {}
    for dataset in args.datasets.split(","):
        acc = {m: [] for m in methods}
        times = {m: [] for m in methods}
        notes = {m: [] for m in methods}
        print(f"\n=== {dataset} ===", flush=True)
        tasks = skxfer.datasets.list_tasks(DATASETS[dataset])
        for task in tasks[:3] if args.quick else tasks:
            X, y, sd, yt = H.prepare(DATASETS[dataset], task, home)
            for name, (make, is_skada) in methods.items():
                if is_skada:
                    value, note = run_with_timeout(make, (X, y, sd, yt, True), args.timeout)
                else:
                    value, note = _run(make, X, y, sd, yt, False), None
                if value is None:
                    acc[name].append(np.nan)
                    times[name].append(np.nan)
                    notes[name].append(note)
                    print(f"{dataset:7s} {task:5s} {name:26s}   fails: {note}", flush=True)
                else:
                    acc[name].append(value[0])
                    times[name].append(value[1])
                    print(
                        f"{dataset:7s} {task:5s} {name:26s} {value[0]:6.1f} %  {value[1]:7.2f} s",
                        flush=True,
                    )
        summary[dataset] = (acc, times, notes)
        print(f"\n--- {dataset}: mean accuracy over tasks, median fit time ---")
        for name in methods:
            a, t = np.array(acc[name]), np.array(times[name])
            ok = np.isfinite(a)
            extra = f"  ({(~ok).sum()} of {len(a)} failed: {notes[name][0]})" if (~ok).any() else ""
            mean = f"{np.mean(a[ok]):6.1f}" if ok.any() else "   n/a"
            med = f"{np.median(t[ok]):7.2f}" if ok.any() else "    n/a"
            print(f"{name:26s} acc {mean} %   fit {med} s{extra}")
        print(f"--- {dataset}: skxfer / SKADA fit-time ratio (median over tasks) ---")
        for ours, peer in PAIRS:
            if peer not in times:
                continue
            r = np.array(times[ours]) / np.array(times[peer])
            r = r[np.isfinite(r)]
            if r.size:
                print(
                    f"{ours:20s} / {peer:26s} = {np.median(r):.3f}  "
                    f"(SKADA {np.median(1 / r):.1f}x slower)"
                )
            else:
                print(f"{ours:20s} / {peer:26s} : SKADA failed on every task ({notes[peer][0]})")
        print(f"--- {dataset}: mean accuracy on the tasks both finished (skxfer vs SKADA) ---")
        for ours, peer in PAIRS:
            if peer not in acc:
                continue
            a, b = np.array(acc[ours]), np.array(acc[peer])
            both = np.isfinite(a) & np.isfinite(b)
            if both.any():
                print(
                    f"{ours:20s} vs {peer:26s} {a[both].mean():6.1f} vs {b[both].mean():6.1f} %"
                    f"  ({both.sum()} of {len(a)} tasks)"
                )
    print("\n=== summary: mean target accuracy (%) ===")
    names = list(methods)
    print(f"{'method':26s}" + "".join(f"{d:>10s}" for d in summary))
    for name in names:
        row = ""
        for d in summary:
            a = np.array(summary[d][0][name])
            row += f"{np.nanmean(a):10.1f}" if np.isfinite(a).any() else f"{'fails':>10s}"
        print(f"{name:26s}{row}")


if __name__ == "__main__":
    main()
