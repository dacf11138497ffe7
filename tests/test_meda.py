"""MEDAClassifier and the geodesic flow kernel map."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skxfer import LabelledOnly, MEDAClassifier, PerDomain, make_da_pipeline, make_strategy
from skxfer._domains import is_masked
from skxfer.meda import geodesic_flow_projection
from skxfer.utils.estimator_checks import check_da_contract, check_row_order_invariance

from ._tasks import make_shift_task


def _reference_gfk(Xs, Xt, d):
    """Gong et al.'s closed form on the full orthogonal complement (dense, small d)."""

    def basis(X):
        return np.linalg.svd(X - X.mean(0), full_matrices=True)[2].T

    Q, Pt = basis(Xs), basis(Xt)[:, :d]
    Ps, Rs = Q[:, :d], Q[:, d:]
    U1, cos, Vt = np.linalg.svd(Ps.T @ Pt)
    theta = np.arccos(np.clip(cos, -1, 1))
    U2 = -(Rs.T @ Pt @ Vt.T) / np.sin(theta)
    l1 = 1 + np.sin(2 * theta) / (2 * theta)
    l2 = (np.cos(2 * theta) - 1) / (2 * theta)
    l3 = 1 - np.sin(2 * theta) / (2 * theta)
    A, B = Ps @ U1, Rs @ U2
    return (A * l1) @ A.T + (A * l2) @ B.T + (B * l2) @ A.T + (B * l3) @ B.T


def test_projection_reproduces_the_geodesic_flow_kernel():
    rng = np.random.RandomState(0)
    Xs, Xt = rng.randn(40, 6), rng.randn(50, 6) @ rng.randn(6, 6)
    W = geodesic_flow_projection(Xs, Xt, 2)
    np.testing.assert_allclose(W @ W.T, _reference_gfk(Xs, Xt, 2), atol=1e-8)


def test_beats_source_only_on_shift_task():
    X, y, sd, yt = make_shift_task()
    source_only = np.mean(LabelledOnly(LogisticRegression()).fit(X, y).predict(X[sd < 0]) == yt)
    for clf in (MEDAClassifier(n_components=2), MEDAClassifier(n_components=None)):
        acc = np.mean(clf.fit(X, y).predict(X[sd < 0]) == yt)
        assert acc > source_only + 0.2, (clf, source_only, acc)


def test_dynamic_and_fixed_balance():
    X, y, sd, yt = make_shift_task()
    auto = MEDAClassifier(n_components=2, n_iter=3).fit(X, y)
    assert 0.0 <= auto.mu_ <= 1.0 and auto.n_iter_ == 3
    fixed = MEDAClassifier(n_components=2, n_iter=3, mu=0.3, manifold_weight=0.0).fit(X, y)
    assert fixed.mu_ == 0.3
    assert fixed.dual_coef_.shape == (300, 2)
    assert fixed.decision_function(X[:5]).shape == (5,)


def test_registered_strategy():
    assert isinstance(make_strategy("meda", LogisticRegression()), MEDAClassifier)


@pytest.mark.parametrize(
    "estimator",
    [MEDAClassifier(n_components=2, n_iter=3), MEDAClassifier(n_components=None, n_iter=2)],
    ids=repr,
)
def test_contract(estimator):
    check_da_contract(estimator)
    check_row_order_invariance(estimator)


def test_too_many_rows_is_a_clear_error(monkeypatch):
    import skxfer.meda

    monkeypatch.setattr(skxfer.meda, "MAX_SAMPLES", 100)
    X, y, sd, yt = make_shift_task()
    with pytest.raises(ValueError, match="subsample"):
        MEDAClassifier().fit(X, y)


def test_paper_preprocessing_is_a_per_domain_scaler_in_a_pipeline():
    # the MEDA reference code z-scores each domain on its own rows before MEDA; the
    # documented recipe is PerDomain(StandardScaler()) in front of MEDA in a DA pipeline
    X, y, sd, yt = make_shift_task()
    pipe = make_da_pipeline(PerDomain(StandardScaler()), MEDAClassifier(n_components=2, n_iter=3))
    pred = pipe.fit(X, y, sample_domain=sd).predict(X[sd < 0])  # target scaler at predict
    Xz = X.copy()
    for rows in (sd > 0, sd < 0):
        Xz[rows] = StandardScaler().fit_transform(X[rows])
    ref = MEDAClassifier(n_components=2, n_iter=3).fit(Xz, y, sample_domain=sd)
    np.testing.assert_allclose(pipe[-1].X_fit_, ref.X_fit_)
    np.testing.assert_array_equal(pred, ref.predict(Xz[sd < 0]))
    unscaled = MEDAClassifier(n_components=2, n_iter=3).fit(X, y, sample_domain=sd)
    assert not np.allclose(unscaled.X_fit_, ref.X_fit_)  # the scaling is not a no-op here


@pytest.mark.parametrize("mu", [0.3, "auto"])
def test_low_rank_solve_matches_the_closed_form(mu):
    # beta = ((E + lambda M + rho L) K + eta I)^-1 E Y, solved directly, after each round
    from sklearn.neighbors import KNeighborsClassifier

    from skxfer.kernels import kernel_matrix

    X, y, sd, yt = make_shift_task()
    clf = MEDAClassifier(n_components=2, n_iter=1, mu=mu).fit(X, y, sample_domain=sd)
    Z, labelled = clf.X_fit_, ~is_masked(y)
    K = kernel_matrix(Z, gamma=clf.gamma)
    pseudo = np.where(labelled, y, -1)
    pseudo[~labelled] = KNeighborsClassifier(1).fit(Z[labelled], y[labelled]).predict(Z[~labelled])
    mu_ = clf._estimate_mu(Z, np.where(labelled, y, -1), pseudo, labelled, sd < 0, 2)
    assert clf.mu_ == pytest.approx(mu_ if mu == "auto" else mu)
    U = clf._mmd_factor(np.where(labelled, y, -1), pseudo, labelled, sd < 0, 2)
    M = clf.mmd_weight * (U @ U.T) / np.linalg.norm(U.T @ U)
    A = (np.diag(labelled.astype(float)) + M + clf._laplacian(Z).toarray()) @ K
    A += clf.ridge * np.eye(len(y))
    onehot = np.eye(2)[np.where(labelled, y, 0)] * labelled[:, None]
    np.testing.assert_allclose(clf.dual_coef_, np.linalg.solve(A, onehot), rtol=1e-6, atol=1e-8)
