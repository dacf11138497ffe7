"""A synthetic shift task for the alignment tests (built in the tests, no data files)."""

import numpy as np


def make_shift_task(n_source=150, n_target=150, n_features=5, random_state=0):
    """Two Gaussian classes; the target is the source rotated, scaled and translated.

    A linear classifier trained on the raw source is close to chance on the target, while
    an aligned representation recovers the classes.
    """
    rng = np.random.RandomState(random_state)

    def domain(n):
        y = rng.randint(0, 2, n)
        X = rng.randn(n, n_features) * 0.6
        X[:, 0] += np.where(y == 1, 1.5, -1.5)
        return X, y

    Xs, ys = domain(n_source)
    Xt, yt = domain(n_target)
    theta = np.pi / 3
    R = np.eye(n_features)
    R[:2, :2] = [[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]]
    Xt = 1.3 * Xt @ R.T + 2.0
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, np.full(n_target, -1)]
    sd = np.r_[np.ones(n_source, dtype=int), -np.ones(n_target, dtype=int)]
    return X, y, sd, yt
