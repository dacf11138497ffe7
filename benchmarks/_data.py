"""Load the shared DA benchmark tasks (BENCHMARKS.md protocol), preprocessed."""

import os
from itertools import permutations
from pathlib import Path

import numpy as np
from scipy.io import loadmat
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler

OFFICE = {"A": "amazon", "C": "Caltech10", "D": "dslr", "W": "webcam"}
AMAZON = {"B": "books", "D": "dvd", "E": "elec", "K": "kitchen"}
OFFICE_ORDER = ["CA", "CW", "CD", "AC", "AW", "AD", "WC", "WA", "WD", "DC", "DA", "DW"]


def default_data_home():
    env = os.environ.get("SKXFER_DATA")
    if env:
        return Path(env)
    # ``../shared/data`` relative to the repository (a git worktree may sit one level
    # deeper, so the parents are searched in turn)
    repo = Path(__file__).resolve().parents[1]
    for parent in repo.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return repo.parent / "shared" / "data"


def _stack(Xs, ys, Xt, yt, prep):
    X = np.vstack([Xs, Xt]).astype(np.float64)
    X = prep.fit_transform(X)
    y = np.r_[ys, np.full(len(yt), -1)].astype(np.int64)
    sd = np.r_[np.ones(len(ys)), -np.ones(len(yt))].astype(np.int64)
    return X, y, sd, np.asarray(yt, dtype=np.int64)


def office_tasks(home, quick=False):
    order = OFFICE_ORDER[:3] if quick else OFFICE_ORDER
    cache = {}
    for k, name in OFFICE.items():
        m = loadmat(Path(home) / "office_caltech10" / "surf" / f"{name}_SURF_L10.mat")
        cache[k] = (m["fts"].astype(np.float64), m["labels"].ravel().astype(int) - 1)
    for s, t in order:
        prep = make_pipeline(Normalizer(norm="l1"), StandardScaler())
        yield f"{s}->{t}", _stack(*cache[s], *cache[t], prep)


def digits_tasks(home, quick=False):
    for fname, name in [("USPS_vs_MNIST.mat", "U->M"), ("MNIST_vs_USPS.mat", "M->U")]:
        m = loadmat(Path(home) / "mnist_usps_jda" / fname)
        Xs, Xt = m["X_src"].T, m["X_tar"].T
        ys, yt = m["Y_src"].ravel().astype(int) - 1, m["Y_tar"].ravel().astype(int) - 1
        yield name, _stack(Xs, ys, Xt, yt, StandardScaler())
        if quick:
            return


def amazon_tasks(home, quick=False):
    cache = {}
    for k, name in AMAZON.items():
        m = loadmat(Path(home) / "amazon_review_400" / f"{name}_400.mat")
        cache[k] = (np.asarray(m["fts"], dtype=np.float64), m["labels"].ravel().astype(int))
    pairs = [s + t for s, t in permutations("BDEK", 2)]
    for p in pairs[:3] if quick else pairs:
        yield f"{p[0]}->{p[1]}", _stack(*cache[p[0]], *cache[p[1]], StandardScaler())


DATASETS = {"office": office_tasks, "digits": digits_tasks, "amazon": amazon_tasks}
