"""Every registered shallow strategy against its SKADA equivalent, side by side.

Runs each strategy of skxfer's registry (adapters and reweighting, by registry name, with
``LogisticRegression(max_iter=1000)``) and the SKADA estimator of the same method on the
same preprocessed arrays in one process, on the shared Office-Caltech10 SURF (12 pairs),
Amazon reviews (12 pairs) and MNIST-USPS (2) tasks. Prints target accuracy and fit time per
task, the means per data set, and the skxfer / SKADA fit-time ratio.

    python benchmarks/bench_strategies.py                       # all registered strategies
    python benchmarks/bench_strategies.py --strategies coral,sa --datasets office_caltech
    python benchmarks/bench_strategies.py --quick               # 2 tasks per data set

New strategies join by registry name; add the SKADA equivalent to ``PEERS`` below.
"""

import argparse
import sys
from statistics import median

import numpy as np

import skxfer
from skxfer import LabelledOnly, list_strategies, make_strategy

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
import _harness as H  # noqa: E402


def _skada_peers():
    """SKADA estimator factories by skxfer strategy name (protocol defaults)."""
    import skada

    def reweight(cls):
        def make():
            base = H.base_estimator().set_fit_request(sample_weight=True)
            return cls(base_estimator=base)

        return make

    return {
        "coral": lambda d: (lambda: skada.CORAL(base_estimator=H.base_estimator())),
        "sa": lambda d: (lambda: skada.SubspaceAlignment(
            base_estimator=H.base_estimator(), n_components=min(50, d))),
        "mmd": lambda d: (lambda: skada.TransferComponentAnalysis(
            base_estimator=H.base_estimator(), n_components=50)),
        "kmm": lambda d: reweight(skada.KMMReweight),
        "kliep": lambda d: reweight(skada.KLIEPReweight),
        "classifier": lambda d: reweight(skada.DiscriminatorReweight),
        "nn": lambda d: reweight(skada.NearestNeighborReweight),
        "ot": lambda d: (lambda: skada.OTMapping(base_estimator=H.base_estimator())),
        "ot_linear": lambda d: (lambda: skada.LinearOTMapping(base_estimator=H.base_estimator())),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="office_caltech,amazon,mnist_usps")
    parser.add_argument("--strategies", default=None, help="registry names (default: shallow)")
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--quick", action="store_true", help="first 2 tasks per data set")
    parser.add_argument("--no-peer", action="store_true", help="skip SKADA")
    args = parser.parse_args(argv)
    home = H.data_home(args.data_home)
    if args.strategies:
        names = args.strategies.split(",")
    else:
        names = list_strategies(kind="adapter") + list_strategies(kind="weighting")
    peers = {} if args.no_peer else _skada_peers()
    summary = []
    for dataset in args.datasets.split(","):
        tasks = skxfer.datasets.list_tasks(dataset)[: 2 if args.quick else None]
        rows = []
        for task in tasks:
            X, y, sd, yt = H.prepare(dataset, task, home)
            d = X.shape[1]
            acc, sec, err = H.run(H.skxfer_runner(lambda: LabelledOnly(H.base_estimator())),
                                  X, y, sd, yt)
            rows.append({"task": task, "method": "source_only", "skxfer": acc,
                         "skxfer_s": sec, "note": err})
            for name in names:
                row = {"task": task, "method": name}
                row["skxfer"], row["skxfer_s"], err = H.run(
                    H.skxfer_runner(lambda n=name: make_strategy(n, H.base_estimator())),
                    X, y, sd, yt)
                notes = [f"skxfer: {err}"] if err else []
                if name in peers:
                    row["skada"], row["skada_s"], perr = H.run(
                        H.skada_runner(peers[name](d)), X, y, sd, yt)
                    row["time_ratio"] = row["skxfer_s"] / row["skada_s"]
                    if perr:
                        notes.append(f"skada: {perr}")
                row["note"] = "; ".join(notes)
                rows.append(row)
                print(f"{dataset} {task} {name}: skxfer {row['skxfer']:.1f}% "
                      f"({row['skxfer_s']:.2f}s) skada {row.get('skada', np.nan):.1f}% "
                      f"({row.get('skada_s', np.nan):.2f}s) {row['note']}", flush=True)
        print(f"\n== {dataset}: per task ==")
        print(H.format_table(rows, ["task", "method", "skxfer", "skada", "skxfer_s",
                                    "skada_s", "time_ratio", "note"]))
        for method in ["source_only", *names]:
            mr = [r for r in rows if r["method"] == method]
            summary.append({
                "dataset": dataset, "method": method,
                "skxfer_mean": float(np.mean([r["skxfer"] for r in mr])),
                "skada_mean": float(np.mean([r.get("skada", np.nan) for r in mr])),
                "skxfer_fails": sum(np.isnan(r["skxfer"]) for r in mr),
                "skada_fails": sum(np.isnan(r.get("skada", np.nan)) for r in mr)
                if method in peers else "",
                "median_skxfer_s": median(r["skxfer_s"] for r in mr),
                "median_time_ratio": median(r["time_ratio"] for r in mr)
                if method in peers else np.nan,
            })
    print("\n== means (target accuracy %, fit seconds) ==")
    print(H.format_table(summary, ["dataset", "method", "skxfer_mean", "skada_mean",
                                   "skxfer_fails", "skada_fails", "median_skxfer_s",
                                   "median_time_ratio"]))


if __name__ == "__main__":
    main()
