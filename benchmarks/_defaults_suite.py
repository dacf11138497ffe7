"""The "defaults that transfer" suite of ``bench_finetune.py --suite defaults`` (issue 16).

Every estimator runs with its defaults (only ``random_state`` is set): what a new user gets.
For each task, ``k`` labelled target rows per class are drawn (seeded); accuracy is measured
on the remaining target rows. Rows: the no-transfer baselines (``logreg_target``: sklearn
``LogisticRegression`` on the k*C labelled rows; ``target_net``: the default network
trained on them alone, 100 epochs like fine-tuning; ``source_only``: the default network
trained on the source rows), ``finetune`` (:class:`FineTuneClassifier`, its safety net's
choice in ``ft_selected`` and its candidates' inner out-of-fold accuracy in ``inner``),
``dann_semi`` (:class:`DANNClassifier` with the labelled and unlabelled target rows) and
its ``alignment_weight=0`` twin ``dann_w0`` (same data, same network; not run where the
label sets differ), ``adda`` (:class:`ADDAClassifier` on the same rows with every target
label masked: ADDA does not learn from target labels, so its ``balance_label_loss`` has
nothing to balance) and its twin ``adda_twin`` (``adversarial_lr=0``: the same training,
the target extractor never moves from the source one; not run where the label sets
differ), ``mme`` (:class:`MMEClassifier`, minimax entropy, on DANN's rows) and its
``alignment_weight=0`` twin ``mme_w0`` (the same cosine-classifier network trained on the
labelled rows alone), ``relation`` (:class:`RelationTransferClassifier`, tasks whose label sets
differ), and ``oracle``
(``LogisticRegression``, 3-fold cross-validated on every target row with its label).
"""

import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import StandardScaler

from skxfer import datasets

#: task name -> (dataset, task, loader kwargs, kind)
TASKS = {
    "jda_u2m": ("mnist_usps", "usps->mnist", {}, "flat"),
    "jda_m2u": ("mnist_usps", "mnist->usps", {}, "flat"),
    "raw_u2m": ("usps_mnist_raw", "usps->mnist", {"size": 16, "flatten": False}, "image"),
    "raw_m2u": ("usps_mnist_raw", "mnist->usps", {"size": 16, "flatten": False}, "image"),
    "decaf_d2w": ("office_caltech", "D->W", {"features": "decaf6"}, "flat"),
    "decaf_w2d": ("office_caltech", "W->D", {"features": "decaf6"}, "flat"),
    "amazon_b2k": ("amazon", "B->K", {}, "flat"),
    "amazon_k2b": ("amazon", "K->B", {}, "flat"),
    "digits_0to4_5to9": (None, None, {}, "disjoint"),
}


def load(name, home, max_rows, seed=0):
    """``Xs, ys, Xt, yt`` standardised on all rows; raw digits subsampled to ``max_rows``."""
    dataset, task, kwargs, kind = TASKS[name]
    if kind == "disjoint":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        return X[y < 5], y[y < 5], X[y >= 5], y[y >= 5]
    ds = datasets.load_task(dataset, task, data_home=home, **kwargs)
    X, y, sd = np.asarray(ds.X, dtype=np.float32), np.asarray(ds.y_true), ds.sample_domain
    rng = np.random.RandomState(seed)
    parts = []
    for rows in (np.flatnonzero(sd > 0), np.flatnonzero(sd < 0)):
        rows = rng.permutation(rows)
        if kind == "image" and max_rows:
            rows = rows[:max_rows]
        parts.append(rows)
    Xs, ys, Xt, yt = X[parts[0]], y[parts[0]], X[parts[1]], y[parts[1]]
    both = np.concatenate([Xs, Xt])
    if kind == "image":
        mu, sc = both.mean(), both.std()
    else:
        mu, sc = both.mean(0), both.std(0) + 1e-6
    return ((Xs - mu) / sc).astype(np.float32), ys, ((Xt - mu) / sc).astype(np.float32), yt


def draw_labelled(yt, k, seed):
    """``(labelled, rest)``: ``k`` seeded target rows per class, and the other rows."""
    rng = np.random.RandomState(1000 * seed + k)
    classes = np.unique(yt)
    lab = np.concatenate([rng.choice(np.flatnonzero(yt == c), k, replace=False) for c in classes])
    return lab, np.setdiff1d(np.arange(len(yt)), lab)


def run_one(name, Xs, ys, Xt, yt, k, seed, skip=(), dann_params=None):
    from skxfer import RelationTransferClassifier
    from skxfer.deep import (
        ADDAClassifier,
        DANNClassifier,
        DeepDAClassifier,
        FineTuneClassifier,
        MMEClassifier,
    )

    classes = np.unique(yt)
    lab, rest = draw_labelled(yt, k, seed)
    Xl, yl, Xe, ye = Xt[lab], yt[lab], Xt[rest], yt[rest]
    same_labels = set(np.unique(ys)) >= set(classes)
    res, times = {}, {}

    def timed(key, fn):
        t0 = time.time()
        res[key] = fn()
        times[key] = round(time.time() - t0, 1)

    def acc(model):
        return 100.0 * float(np.mean(model.predict(Xe) == ye))

    ns, nl, nu = len(Xs), len(lab), len(rest)
    X_sl = np.concatenate([Xs, Xl])
    y_sl = np.concatenate([ys, yl])
    sd_sl = np.r_[np.ones(ns, dtype=np.int64), -np.ones(nl, dtype=np.int64)]

    def flat_acc(model, X_fit, y_fit, sample_domain=None):
        kw = {} if sample_domain is None else {"sample_domain": sample_domain}
        model.fit(X_fit.reshape(len(X_fit), -1), y_fit, **kw)
        return 100.0 * float(np.mean(model.predict(Xe.reshape(len(Xe), -1)) == ye))

    timed("logreg_target", lambda: flat_acc(LogisticRegression(max_iter=1000), Xl, yl))
    if "target_net" not in skip:
        timed(
            "target_net",
            lambda: acc(
                DeepDAClassifier(alignment="none", max_epochs=100, random_state=seed).fit(Xl, yl)
            ),
        )
    if same_labels and "source_only" not in skip:
        timed(
            "source_only",
            lambda: acc(DeepDAClassifier(alignment="none", random_state=seed).fit(Xs, ys)),
        )
    if "finetune" not in skip:
        ft = FineTuneClassifier(random_state=seed)
        timed("finetune", lambda: acc(ft.fit(X_sl, y_sl, sample_domain=sd_sl)))
        res["ft_selected"] = ft.selected_
        if ft.validation_scores_ is not None:
            res["ft_inner"] = {n: round(100 * v, 1) for n, v in ft.validation_scores_.items()}
    # semi-supervised DANN: labelled source, labelled + unlabelled target rows
    X_all = np.concatenate([Xs, Xl, Xe])
    y_all = np.concatenate([ys, yl, -np.ones(nu, dtype=np.int64)])
    sd_all = np.r_[np.ones(ns, dtype=np.int64), -np.ones(nl + nu, dtype=np.int64)]
    # ADDA never learns from target labels (its tags: ``uses_target_labels=False``): the
    # same rows as DANN, every target label masked; its twin never moves the target
    # extractor (``adversarial_lr=0``: the adversarial stage runs, its steps are zero)
    y_unl = np.concatenate([ys, -np.ones(nl + nu, dtype=np.int64)])
    adversarial = {  # method -> (its column, its twin's column, class, twin's params, labels)
        "dann": ("dann_semi", "dann_w0", DANNClassifier, {"alignment_weight": 0.0}, y_all),
        "adda": ("adda", "adda_twin", ADDAClassifier, {"adversarial_lr": 0.0}, y_unl),
        "mme": ("mme", "mme_w0", MMEClassifier, {"alignment_weight": 0.0}, y_all),
    }
    shared = {"dann": dict(dann_params or {})}  # given to a method and its twin
    # (with disjoint label sets DANN, ADDA and MME predict source classes: not run)
    for method, (key, twin_key, cls, twin_params, y_fit) in adversarial.items():
        if not same_labels or method in skip:
            continue
        for column, params in (
            (key, shared.get(method, {})),
            (twin_key, {**shared.get(method, {}), **twin_params}),
        ):
            timed(
                column,
                lambda params=params, cls=cls, y_fit=y_fit: acc(
                    cls(random_state=seed, **params).fit(X_all, y_fit, sample_domain=sd_all)
                ),
            )
    if not same_labels:
        timed("relation", lambda: flat_acc(RelationTransferClassifier(), X_sl, y_sl, sd_sl))
    res["times"] = times
    return res


COLUMNS = [
    "logreg_target",
    "target_net",
    "source_only",
    "finetune",
    "dann_semi",
    "dann_w0",
    "adda",
    "adda_twin",
    "mme",
    "mme_w0",
    "relation",
    "oracle",
]


def main(a, home):
    import torch

    import skxfer.deep._finetune as finetune

    torch.set_num_threads(a.threads)
    warnings.filterwarnings("ignore")
    # the safety net's alternatives studied for issue 16 (the defaults unless asked)
    if a.ft_weights is not None:
        finetune._WEIGHTED = a.ft_weights == "inverse_log_loss"
    if a.ft_inner_folds is not None:
        finetune._INNER_FOLDS = a.ft_inner_folds
    print(
        f"# suite=defaults tasks={a.tasks} ks={a.ks} seeds={a.seeds} "
        f"raw digits subsampled to {a.raw_max_rows} rows per domain; {a.threads} thread(s); "
        f"FineTune safety net: weighted={finetune._WEIGHTED}, "
        f"at most {finetune._INNER_FOLDS} inner folds; DANN and twin params {a.dann_params}",
        flush=True,
    )
    rows, t_start = [], time.time()
    for name in a.tasks:
        Xs, ys, Xt, yt = load(name, home, a.raw_max_rows)
        oracle = 100.0 * float(
            np.mean(
                cross_val_score(
                    LogisticRegression(max_iter=1000), Xt.reshape(len(Xt), -1), yt, cv=3
                )
            )
        )
        min_count = int(np.bincount(yt - yt.min()).min())
        for k in a.ks:
            if k >= min_count:
                print(f"{name} k={k}: skipped (a target class has only {min_count} rows)")
                continue
            for seed in a.seeds:
                res = run_one(name, Xs, ys, Xt, yt, k, seed, a.skip, a.dann_params)
                res.update(task=name, k=k, seed=seed, oracle=oracle)
                rows.append(res)
                print(
                    f"{name} k={k} seed={seed}: "
                    + ", ".join(f"{c} {res[c]:.1f}" for c in COLUMNS if c in res)
                    + f" | ft_selected={res.get('ft_selected')} inner={res.get('ft_inner')}"
                    + f" | s: {res['times']}",
                    flush=True,
                )
    print(
        f"\n## Defaults, target accuracy (%) on the remaining target rows, mean over "
        f"seeds {a.seeds}\n"
    )
    print(
        "| task | k | "
        + " | ".join(COLUMNS)
        + " | FT >= best target-only | FT >= source-only | DANN - twin | ADDA - twin"
        + " | MME - twin |"
    )
    print("|" + "---|" * (len(COLUMNS) + 7))
    for name in a.tasks:
        for k in a.ks:
            sel = [r for r in rows if r["task"] == name and r["k"] == k]
            if not sel:
                continue
            mean = {c: np.mean([r[c] for r in sel]) for c in COLUMNS if c in sel[0]}
            cells = [f"{mean[c]:.1f}" if c in mean else "" for c in COLUMNS]
            best_t = max(mean["logreg_target"], mean.get("target_net", -1.0))
            gain = f"{mean['dann_semi'] - mean['dann_w0']:+.1f}" if "dann_semi" in mean else ""
            gain_adda = f"{mean['adda'] - mean['adda_twin']:+.1f}" if "adda" in mean else ""
            gain_mme = f"{mean['mme'] - mean['mme_w0']:+.1f}" if "mme" in mean else ""
            vs_best, vs_src = "", ""
            if "finetune" in mean:
                vs_best = "yes" if mean["finetune"] >= best_t else "NO"
                if "source_only" in mean:
                    vs_src = "yes" if mean["finetune"] >= mean["source_only"] else "NO"
            print(
                f"| {name} | {k} | "
                + " | ".join(cells)
                + f" | {vs_best} | {vs_src} | {gain} | {gain_adda} | {gain_mme} |"
            )
    print(f"\n(total wall {time.time() - t_start:.0f} s)")
