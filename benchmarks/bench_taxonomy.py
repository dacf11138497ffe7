"""Benchmarks of the taxonomy strategies: label shift, relation-based and source-free.

(a) Label-shift correction (BBSE, EM) on a prior-shifted Amazon reviews task: the source
    is a whole (balanced) domain, the target another domain subsampled to 10% / 90%
    class proportions; StandardScaler on source + target; LogisticRegression.
(b) Relation-based transfer with different label sets on 20 Newsgroups: the source is a
    4-way top-category task (comp / rec / sci / talk) on sub-categories X1, X2; each
    target is a binary task between two top categories on the *other* sub-categories
    X3, X4, with k labelled documents per class. Compared with target-only learning on
    the same k labels. Rows L2-normalised; LogisticRegression. Columns: target-only,
    relation features alone, relation + features, and the default
    ``use_embedding="auto"`` (the shared calibrated hedge: relation + features and
    target-only, each temperature-scaled on its out-of-fold probabilities of the labelled
    rows, averaged; one representation alone replaces the mean only if it beats it by
    more than two paired standard errors out of fold).
(c) Source-free adaptation (SHOT) USPS -> MNIST: a LeNet trained on USPS train (16x16),
    adapted on MNIST test rows (downsampled to 16x16, subsampled) without any USPS row;
    compared with the unadapted source model and with DANNClassifier (which uses the
    source data). Raw pixels in [0, 1]; CPU, few epochs (see --epochs).

Usage::

    python benchmarks/bench_taxonomy.py [--data-home DIR] [--parts a,b,c] [--epochs 5]

``--data-home`` defaults to ``$SKXFER_DATA`` or ``../shared/data`` beside the repo.
"""

import argparse
import gzip
import itertools
import time
import warnings
from pathlib import Path

import numpy as np
from _harness import data_home
from scipy import io, sparse
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import Normalizer, StandardScaler

from skxfer import LabelShiftClassifier, RelationTransferClassifier

REPO = Path(__file__).resolve().parents[1]


def _table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "| " + " | ".join(str(h).ljust(w) for h, w in zip(header, widths, strict=True))
    print(line + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


# ---------------------------------------------------------------------- (a) label shift
AMAZON = {"B": "books", "D": "dvd", "E": "elec", "K": "kitchen"}


def _amazon(home, code):
    m = io.loadmat(str(home / "amazon_review_400" / f"{AMAZON[code]}_400.mat"))
    return m["fts"].astype(float), m["labels"].ravel().astype(int)


def bench_label_shift(home, target_priors=(0.1, 0.9), seed=0):
    print(
        f"\n## (a) Label shift: Amazon reviews, target subsampled to class proportions "
        f"{target_priors} (seed {seed})\n"
    )
    rows, gains = [], {m: [] for m in ("bbse", "em", "bbse_rw")}
    data = {c: _amazon(home, c) for c in AMAZON}
    for s, t in itertools.permutations(AMAZON, 2):
        Xs, ys = data[s]
        Xt_all, yt_all = data[t]
        rng = np.random.RandomState(seed)
        n1 = int(np.sum(yt_all == 1))
        n0 = int(round(n1 * target_priors[0] / target_priors[1]))
        keep = np.r_[
            rng.choice(np.flatnonzero(yt_all == 0), n0, replace=False), np.flatnonzero(yt_all == 1)
        ]
        Xt, yt = Xt_all[keep], yt_all[keep]
        X = StandardScaler().fit_transform(np.vstack([Xs, Xt]))
        y = np.r_[ys, -np.ones(len(yt), int)]
        Xt_s = X[len(ys) :]
        base = LogisticRegression(max_iter=1000)
        acc = {"none": np.mean(base.fit(X[: len(ys)], ys).predict(Xt_s) == yt)}
        err = {}
        for name, kw in (
            ("bbse", dict(method="bbse")),
            ("em", dict(method="em")),
            ("bbse_rw", dict(method="bbse", correction="reweight")),
        ):
            clf = LabelShiftClassifier(LogisticRegression(max_iter=1000), **kw).fit(X, y)
            acc[name] = np.mean(clf.predict(Xt_s) == yt)
            err[name] = abs(clf.estimated_priors_[1] - np.mean(yt == 1))
            gains[name].append(acc[name] - acc["none"])
        rows.append(
            (
                f"{s}->{t}",
                f"{100 * acc['none']:.1f}",
                f"{100 * acc['bbse']:.1f} ({err['bbse']:.3f})",
                f"{100 * acc['em']:.1f} ({err['em']:.3f})",
                f"{100 * acc['bbse_rw']:.1f} ({err['bbse_rw']:.3f})",
            )
        )
    _table(
        (
            "task",
            "no correction",
            "BBSE posterior (|q1 err|)",
            "EM posterior (|q1 err|)",
            "BBSE reweight (|q1 err|)",
        ),
        rows,
    )
    print(
        "\nmean gain over no correction (points): "
        + ", ".join(f"{k} {100 * np.mean(v):+.1f}" for k, v in gains.items())
    )


# ---------------------------------------------------------------- (b) relation transfer
CATS = ("comp", "rec", "sci", "talk")


def _newsgroups(home):
    mats = {c: io.loadmat(str(home / "newsgroups20_da" / f"{c}.mat")) for c in CATS}
    return {c: [sparse.csr_matrix(mats[c][f"X{i}"].T) for i in range(1, 5)] for c in CATS}


def newsgroups_draws(home, ks=(5, 10, 20), n_seeds=5):
    """The draws of part (b): yields ``(task, k, seed, source, X, y, sd, X_test,
    y_test)``, where ``source`` is the fitted 4-way source model, ``X, y, sd`` the source
    rows with the ``k`` labelled target documents per class, ``X_test, y_test`` the other
    target documents. Prints the source model's size first."""
    ng = _newsgroups(home)
    norm = Normalizer()
    Xs = norm.transform(sparse.vstack([ng[c][i] for c in CATS for i in (0, 1)]).tocsr())
    ys = np.concatenate([np.full(ng[c][i].shape[0], k) for k, c in enumerate(CATS) for i in (0, 1)])
    t0 = time.perf_counter()
    source = LogisticRegression(max_iter=1000, C=10.0).fit(Xs, ys)
    print(
        f"source model: {Xs.shape[0]} docs x {Xs.shape[1]} terms, fitted in "
        f"{time.perf_counter() - t0:.1f} s\n"
    )
    for a, b in itertools.combinations(CATS, 2):
        Xa = sparse.vstack([ng[a][2], ng[a][3]])
        Xb = sparse.vstack([ng[b][2], ng[b][3]])
        Xt = norm.transform(sparse.vstack([Xa, Xb]).tocsr())
        yt = np.r_[np.zeros(Xa.shape[0], int), np.ones(Xb.shape[0], int)]
        for k in ks:
            for seed in range(n_seeds):
                rng = np.random.RandomState(seed)
                lab = np.r_[
                    rng.choice(np.flatnonzero(yt == 0), k, replace=False),
                    rng.choice(np.flatnonzero(yt == 1), k, replace=False),
                ]
                test = np.setdiff1d(np.arange(len(yt)), lab)
                X = sparse.vstack([Xs, Xt[lab]]).tocsr()
                y = np.r_[ys, yt[lab]]
                sd = np.r_[np.ones(len(ys), int), -np.ones(len(lab), int)]
                yield f"{a} vs {b}", k, seed, source, X, y, sd, Xt[test], yt[test]


def bench_relation(home, ks=(5, 10, 20), n_seeds=5):
    print("\n## (b) Relation-based transfer, different label sets: 20 Newsgroups\n")
    print(
        "source: 4-way top category on sub-categories X1, X2; target: binary task on X3, "
        f"X4; k labelled per class; mean over {n_seeds} draws\n"
    )
    accs = {}  # (task, k) -> one row of accuracies per draw
    for task, k, _, source, X, y, sd, X_test, y_test in newsgroups_draws(home, ks, n_seeds):
        target = sd < 0
        tgt_only = LogisticRegression(max_iter=1000, C=10.0).fit(X[target], y[target])
        rel = RelationTransferClassifier(
            FrozenEstimator(source),
            LogisticRegression(max_iter=1000),
            use_embedding=False,
        )
        rel.fit(X, y, sample_domain=sd)
        rel_emb = RelationTransferClassifier(
            FrozenEstimator(source),
            LogisticRegression(max_iter=1000, C=10.0),
            use_embedding=True,
        )
        rel_emb.fit(X, y, sample_domain=sd)
        rel_auto = RelationTransferClassifier(
            FrozenEstimator(source),
            LogisticRegression(max_iter=1000, C=10.0),
            use_embedding="auto",
        ).fit(X, y, sample_domain=sd)
        accs.setdefault((task, k), []).append(
            [np.mean(m.predict(X_test) == y_test) for m in (tgt_only, rel, rel_emb, rel_auto)]
        )
    rows, means = [], {k: [[], [], [], []] for k in ks}
    for task in dict.fromkeys(t for t, _ in accs):
        cells = [task]
        for k in ks:
            mu = 100 * np.mean(accs[task, k], axis=0)
            for j in range(4):
                means[k][j].append(mu[j])
            cells.append(f"{mu[0]:.1f} / **{mu[1]:.1f}** / {mu[2]:.1f} / {mu[3]:.1f}")
        rows.append(cells)
    rows.append(["mean"] + [" / ".join(f"{np.mean(v):.1f}" for v in means[k]) for k in ks])
    _table(
        (
            "target task",
            *(f"k={k}: target-only / relation / relation+features / auto" for k in ks),
        ),
        rows,
    )


# ----------------------------------------------------------------- (c) source-free
def _mnist16(home, n, seed):
    import torch
    from torch.nn import functional as F

    d = home / "usps_mnist_raw"
    with gzip.open(d / "t10k-images-idx3-ubyte.gz") as f:
        img = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(d / "t10k-labels-idx1-ubyte.gz") as f:
        lab = np.frombuffer(f.read(), np.uint8, offset=8).astype(int)
    rows = np.random.RandomState(seed).choice(len(lab), n, replace=False)
    x = torch.from_numpy(img[rows].astype(np.float32) / 255.0)[:, None]
    x = F.interpolate(x, size=(16, 16), mode="area")
    return x.numpy(), lab[rows]


def _usps(home):
    import h5py

    with h5py.File(home / "usps_mnist_raw" / "usps.h5") as f:
        X = np.asarray(f["train"]["data"], dtype=np.float32).reshape(-1, 1, 16, 16)
        y = np.asarray(f["train"]["target"], dtype=int)
    return X, y


def bench_source_free(home, epochs=5, n_target=3000, seed=0, threads=2):
    import torch

    from skxfer.deep import DANNClassifier, DeepDAClassifier, SourceFreeClassifier

    torch.set_num_threads(threads)
    print(
        f"\n## (c) Source-free adaptation USPS -> MNIST (16x16 raw pixels, LeNet, "
        f"{epochs} epochs, {n_target} MNIST rows, seed {seed}, {threads} threads)\n"
    )
    Xs, ys = _usps(home)
    Xt, yt = _mnist16(home, n_target, seed)
    rows = []
    t0 = time.perf_counter()
    src = DeepDAClassifier(alignment="none", max_epochs=epochs, random_state=seed).fit(Xs, ys)
    t_src = time.perf_counter() - t0
    rows.append(
        (
            "source only (LeNet on USPS)",
            f"{100 * np.mean(src.predict(Xt) == yt):.1f}",
            f"{t_src:.0f}",
            "USPS",
        )
    )
    t0 = time.perf_counter()
    sf = SourceFreeClassifier(
        FrozenEstimator(src), max_epochs=epochs, lr=1e-4, random_state=seed
    ).fit(Xt)
    rows.append(
        (
            "SourceFreeClassifier (SHOT)",
            f"{100 * np.mean(sf.predict(Xt) == yt):.1f}",
            f"{time.perf_counter() - t0:.0f} (+ source model)",
            "MNIST rows only",
        )
    )
    X = np.concatenate([Xs, Xt])
    y = np.r_[ys, -np.ones(len(yt), int)]
    t0 = time.perf_counter()
    dann = DANNClassifier(max_epochs=epochs, random_state=seed).fit(X, y)
    rows.append(
        (
            "DANNClassifier",
            f"{100 * np.mean(dann.predict(Xt) == yt):.1f}",
            f"{time.perf_counter() - t0:.0f}",
            "USPS + MNIST rows",
        )
    )
    _table(("method", "MNIST accuracy (%)", "fit s", "data at adaptation"), rows)
    print(
        "\nSHOT history (entropy, diversity, pseudo-label change per epoch): "
        + "; ".join(
            f"{h['entropy']:.2f}/{h['diversity']:.2f}/{h['pseudo_label_change']:.2f}"
            for h in sf.history_
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--parts", default="a,b,c")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--n-target", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    home = Path(data_home(args.data_home))
    parts = set(args.parts.split(","))
    warnings.simplefilter("ignore")
    if "a" in parts:
        bench_label_shift(home)
    if "b" in parts:
        bench_relation(home)
    if "c" in parts:
        bench_source_free(home, epochs=args.epochs, n_target=args.n_target, threads=args.threads)


if __name__ == "__main__":
    main()
