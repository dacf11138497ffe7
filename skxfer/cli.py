"""The ``skxfer`` command line: compare transfer strategies on a data set.

``skxfer compare`` runs the registered strategies next to the source-only baseline (and
the target-only oracle, fitted on the target labels held back for evaluation) and prints
target accuracy, fit time and the gain over source-only. With no argument it runs on
the embedded digits task, which needs no download.
"""

import argparse
import sys

__all__ = ["main"]


def _parser():
    parser = argparse.ArgumentParser(
        prog="skxfer", description="Transfer learning and domain adaptation for scikit-learn."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cmp = sub.add_parser(
        "compare",
        help="compare transfer strategies with the source-only baseline on a task",
        description=(
            "Fit every strategy on the source rows (labelled) and target rows (labels "
            "masked), then measure accuracy on the target labels held back."
        ),
    )
    cmp.add_argument(
        "--dataset",
        default="digits",
        help="digits (embedded, default), office_caltech, mnist_usps, amazon, newsgroups",
    )
    cmp.add_argument("--task", default=None, help="e.g. 'A->W', 'usps->mnist' (default: first)")
    cmp.add_argument(
        "--data-home",
        default=None,
        help="folder of the offline data copies (default: $SKXFER_DATA)",
    )
    cmp.add_argument(
        "--strategies",
        default=None,
        help="comma-separated registry names (default: every shallow strategy)",
    )
    cmp.add_argument(
        "--n-jobs", type=int, default=-1, help="parallel jobs through joblib (default: every core)"
    )
    cmp.add_argument("--seed", type=int, default=0, help="random_state of the strategies")
    cmp.add_argument(
        "--repeats", type=int, default=1, help="seeds per strategy (mean and spread over them)"
    )
    cmp.add_argument(
        "--output",
        default=None,
        metavar="FILE",
        help="write the report as CSV (.csv) or JSON (any other suffix)",
    )
    cmp.add_argument(
        "--plot",
        default=None,
        metavar="FILE",
        help="save the comparison chart (PNG, SVG, PDF; needs matplotlib)",
    )
    cmp.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    lst = sub.add_parser("list", help="list registered strategies and data sets")
    lst.add_argument("--tasks", default=None, metavar="DATASET", help="list a data set's tasks")
    return parser


def main(argv=None):
    """Entry point of the ``skxfer`` command."""
    args = _parser().parse_args(argv)
    if args.command == "list":
        return _list(args)
    return _compare(args)


def _list(args):
    from . import datasets
    from .registry import strategy_table

    if args.tasks:
        print("\n".join(datasets.list_tasks(args.tasks)))
        return 0
    rows = [("name", "class", "family", "kind", "needs target", "uses target labels")]
    rows += [
        (r.name, r.cls, r.family, r.kind, _yes(r.requires_target), _yes(r.uses_target_labels))
        for r in strategy_table()
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print("data sets:", ", ".join(datasets.list_datasets()))
    return 0


def _yes(flag):
    return "yes" if flag else "no"


def _compare(args):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from . import datasets, get_strategy
    from .model_selection import compare_strategies

    strategies = args.strategies.split(",") if args.strategies else None
    try:
        for name in strategies or ():
            get_strategy(name)
        task = datasets.load_task(args.dataset, args.task, data_home=args.data_home)
    except (ValueError, FileNotFoundError, OSError) as exc:
        print(f"skxfer compare: {exc}", file=sys.stderr)
        return 2
    X, y, sample_domain = task.pack()
    X = X.toarray() if hasattr(X, "toarray") else X
    # standardised on source and target rows together, as in the benchmark protocol
    X = StandardScaler().fit_transform(X)
    print(
        f"{task.name}: {int((sample_domain > 0).sum())} source rows, "
        f"{int((sample_domain < 0).sum())} target rows (labels held out), {X.shape[1]} "
        "features",
        flush=True,
    )
    report = compare_strategies(
        strategies,
        X,
        y,
        sample_domain,
        estimator=LogisticRegression(max_iter=1000),
        target_labels=task.y_true[sample_domain < 0],
        n_repeats=args.repeats,
        n_jobs=args.n_jobs,
        random_state=args.seed,
        verbose=not args.no_progress,
    )
    print(report.to_text())
    if args.output:
        _write_report(report, args.output)
        print(f"report written to {args.output}")
    if args.plot:
        _plot_report(report, args.plot)
        print(f"chart written to {args.plot}")
    return 0


def _write_report(report, path):
    """CSV (one row per strategy) for ``.csv``, else JSON with the per-fold scores."""
    import csv
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        rows = report.rows
        fields = list(dict.fromkeys(k for row in rows for k in row))
        with path.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
    else:
        path.write_text(report.to_json(indent=2) + "\n")


def _plot_report(report, path):
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")  # a file is asked for: never open a window
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    disp = report.plot()
    disp.figure_.savefig(path, dpi=100)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
