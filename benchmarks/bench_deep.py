"""Deep DA benchmark: skxfer.deep vs SKADA's skada.deep on digits, same run, same backbone.

Tasks
-----
- ``u2m`` / ``m2u``: raw USPS train (7,291 16x16) and MNIST test (10,000 28x28) from
  ``../shared/data/usps_mnist_raw`` brought to one size (``--size``: MNIST downsampled
  to 16x16 with antialiasing, or USPS upsampled to 28x28, bilinear), pixels
  standardised with the mean/std of all rows; default :class:`skxfer.deep.LeNet`.
- ``jda_u2m`` / ``jda_m2u``: the flat 256-feature MNIST-USPS JDA files
  (``mnist_usps_jda/*.mat``; X stored features x samples, labels digit+1),
  standardised; default :class:`skxfer.deep.MLP`.

Every method gets the same epochs, batch size, optimiser (Adam) and learning rate; the
source rows are labelled, every target row is masked (-1) and accuracy is measured on all
target rows. ``--max-train`` subsamples each domain for training (accuracy is still on
all target rows). SKADA gets the very same backbone (``layer_name="features"``) and
``predict(X, sample_domain=-1)`` (it crashes without it).

Example::

    python benchmarks/bench_deep.py --tasks m2u u2m --epochs 5 --max-train 3000
"""

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np
from _harness import data_home

DATA = Path(data_home())

OURS = ["source_only", "dann", "dann_w0", "dan", "deep_coral", "deepjdot", "adda"]
SKADA = ["skada_source_only", "skada_dann", "skada_deepcoral", "skada_dan"]


def load_digits(size):
    import h5py
    import torch
    from torch.nn import functional as F

    raw = DATA / "usps_mnist_raw"
    with h5py.File(raw / "usps.h5", "r") as f:
        usps = np.asarray(f["train"]["data"], dtype=np.float32).reshape(-1, 1, 16, 16)
        usps_y = np.asarray(f["train"]["target"], dtype=np.int64)
    with gzip.open(raw / "t10k-images-idx3-ubyte.gz") as f:
        mnist = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(raw / "t10k-labels-idx1-ubyte.gz") as f:
        mnist_y = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    mnist = mnist.astype(np.float32) / 255.0
    if size == 16:
        mnist = F.interpolate(
            torch.from_numpy(mnist),
            size=(16, 16),
            mode="bilinear",
            antialias=True,
            align_corners=False,
        ).numpy()
    else:
        usps = F.interpolate(
            torch.from_numpy(usps), size=(size, size), mode="bilinear", align_corners=False
        ).numpy()
    return {"usps": (usps, usps_y), "mnist": (mnist, mnist_y)}


def load_jda(name):
    from scipy.io import loadmat

    m = loadmat(DATA / "mnist_usps_jda" / name)
    Xs, Xt = m["X_src"].T.astype(np.float32), m["X_tar"].T.astype(np.float32)
    ys = m["Y_src"].ravel().astype(np.int64) - 1
    yt = m["Y_tar"].ravel().astype(np.int64) - 1
    return Xs, ys, Xt, yt


def make_task(task, size, digits_cache):
    if task.startswith("jda_"):
        Xs, ys, Xt, yt = load_jda("USPS_vs_MNIST.mat" if task == "jda_u2m" else "MNIST_vs_USPS.mat")
    else:
        if "d" not in digits_cache:
            digits_cache["d"] = load_digits(size)
        d = digits_cache["d"]
        src, tgt = ("usps", "mnist") if task == "u2m" else ("mnist", "usps")
        (Xs, ys), (Xt, yt) = d[src], d[tgt]
    both = np.concatenate([Xs, Xt])
    if task.startswith("jda_"):
        mu, sd = both.mean(0), both.std(0) + 1e-6
    else:
        mu, sd = both.mean(), both.std()
    return (Xs - mu) / sd, ys, (Xt - mu) / sd, yt


def subsample(X, y, n, rng):
    if n is None or n >= len(X):
        return X, y
    idx = np.sort(rng.choice(len(X), n, replace=False))
    return X[idx], y[idx]


def backbone(X, n_classes, seed):
    import torch

    from skxfer.deep import make_default_backbone

    torch.manual_seed(seed)
    return make_default_backbone(X.shape[1:], n_classes)


def run_ours(method, X, y, sd, args):
    from skxfer.deep import (
        ADDAClassifier,
        DANClassifier,
        DANNClassifier,
        DeepCORALClassifier,
        DeepDAClassifier,
        DeepJDOTClassifier,
    )

    common = dict(
        max_epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, random_state=args.seed
    )
    est = {
        "source_only": lambda: DeepDAClassifier(alignment="none", **common),
        "dann": lambda: DANNClassifier(**common),
        # DANN's own twin: the same network and training without the adversarial term
        "dann_w0": lambda: DANNClassifier(alignment_weight=0.0, **common),
        "dan": lambda: DANClassifier(**common),
        "deep_coral": lambda: DeepCORALClassifier(**common),
        "deepjdot": lambda: DeepJDOTClassifier(**common),
        "adda": lambda: ADDAClassifier(**common),
    }[method]()
    est.fit(X, y, sample_domain=sd)
    return est, float(np.mean(est.history_[:, "dur"]))


def run_skada(method, X, y, sd, args):
    import torch
    from skada.deep import DAN, DANN, DeepCoral, SourceOnly

    class SkadaCompat(torch.nn.Module):
        """The same backbone; SKADA passes ``sample_weight`` to ``forward``."""

        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x, sample_weight=None):
            return self.net(x)

    module = SkadaCompat(backbone(X, 10, args.seed))
    common = dict(
        max_epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        optimizer=torch.optim.Adam,
        train_split=None,
        verbose=0,
    )
    torch.manual_seed(args.seed)
    if method == "skada_dann":
        est = DANN(module, "net.features", num_features=100, **common)
    elif method == "skada_deepcoral":
        est = DeepCoral(module, "net.features", **common)
    elif method == "skada_dan":
        est = DAN(module, "net.features", **common)
    else:
        est = SourceOnly(module, "net.features", **common)
    est.fit(X, y, sample_domain=sd)
    return est, float(np.mean(est.history[:, "dur"]))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tasks", nargs="+", default=["m2u", "u2m", "jda_u2m", "jda_m2u"])
    p.add_argument("--methods", nargs="+", default=OURS + SKADA)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument(
        "--max-train",
        type=int,
        default=None,
        help="rows per domain used for training (default: all)",
    )
    p.add_argument("--size", type=int, default=28, choices=[16, 28])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--out", default=None, help="JSON file for the results")
    args = p.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(
        f"# torch {torch.__version__}, threads {torch.get_num_threads()}, args {vars(args)}",
        flush=True,
    )
    results, cache = [], {}
    for task in args.tasks:
        Xs, ys, Xt, yt = make_task(task, args.size, cache)
        rng = np.random.RandomState(args.seed)
        Xs_tr, ys_tr = subsample(Xs, ys, args.max_train, rng)
        Xt_tr, _ = subsample(Xt, yt, args.max_train, rng)
        X = np.concatenate([Xs_tr, Xt_tr]).astype(np.float32)
        y = np.r_[ys_tr, np.full(len(Xt_tr), -1)]
        sd = np.r_[np.ones(len(Xs_tr), dtype=np.int64), -np.ones(len(Xt_tr), dtype=np.int64)]
        for method in args.methods:
            t0 = time.perf_counter()
            try:
                if method.startswith("skada_"):
                    est, spe = run_skada(method, X, y, sd, args)
                    pred = est.predict(
                        Xt.astype(np.float32), sample_domain=-np.ones(len(Xt), dtype=np.int64)
                    )
                else:
                    est, spe = run_ours(method, X, y, sd, args)
                    pred = est.predict(Xt.astype(np.float32))
                acc = float(np.mean(np.asarray(pred) == yt))
                err = None
            except Exception as exc:  # report and go on
                acc, spe, err = float("nan"), float("nan"), repr(exc)[:200]
            fit_s = time.perf_counter() - t0
            row = dict(
                task=task,
                method=method,
                acc=acc,
                s_per_epoch=spe,
                fit_s=fit_s,
                n_train=len(X),
                epochs=args.epochs,
                error=err,
            )
            results.append(row)
            print(json.dumps(row), flush=True)
    print("\n| task | method | target acc (%) | s/epoch |\n|---|---|---|---|")
    for r in results:
        print(f"| {r['task']} | {r['method']} | {100 * r['acc']:.1f} | {r['s_per_epoch']:.2f} |")
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
