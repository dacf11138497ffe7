"""CORAL and subspace alignment: the mathematics and the transfer they bring."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skxfer import CORALAligner, LabelledOnly, SubspaceAligner, make_da_pipeline, merge_domains
from skxfer.alignment._covariance import spectral_covariance


def _covariate_shift(n=300, d=5, seed=0):
    """Target = source under an anisotropic linear map: labels follow the same rule."""
    rng = np.random.RandomState(seed)
    A = np.diag(np.linspace(0.3, 3.0, d))
    Zs, Zt = rng.randn(n, d), rng.randn(n, d)
    w = np.ones(d)
    ys, yt = (Zs @ w > 0).astype(int), (Zt @ w > 0).astype(int)
    Xs = Zs
    Xt = Zt @ A + 1.5
    return Xs, ys, Xt, yt


def test_coral_matches_target_covariance_and_mean():
    Xs, ys, Xt, _ = _covariate_shift(n=2000)
    X, y, sd = merge_domains(Xs, ys, Xt)
    Z = CORALAligner(reg=1e-6).fit_transform(X, y)
    Ct = np.cov(Xt.T)
    np.testing.assert_allclose(np.cov(Z[sd > 0].T), Ct, atol=0.05 * np.abs(Ct).max())
    np.testing.assert_allclose(Z[sd > 0].mean(0), 0.0, atol=1e-8)
    np.testing.assert_allclose(Z[sd < 0], Xt - Xt.mean(0))


def test_coral_paper_form_without_centering():
    Xs, ys, Xt, _ = _covariate_shift(n=50)
    X, y, sd = merge_domains(Xs, ys, Xt)
    Z = CORALAligner(reg=1.0, center=False).fit_transform(X, y)
    Cs = np.cov(Xs.T, bias=True) + np.eye(5)
    Ct = np.cov(Xt.T, bias=True) + np.eye(5)

    def power(C, p):
        w, V = np.linalg.eigh(C)
        return (V * w**p) @ V.T

    np.testing.assert_allclose(Z[sd > 0], Xs @ power(Cs, -0.5) @ power(Ct, 0.5), rtol=1e-10)


def test_low_rank_path_equals_dense_path():
    """With more features than rows, powers go through the Gram matrix; same result."""
    rng = np.random.RandomState(0)
    X = rng.randn(20, 60)
    low = spectral_covariance(X, reg=0.3)
    assert low.vectors.shape == (60, 19)
    dense = np.cov(X.T, bias=True) + 0.3 * np.eye(60)
    w, V = np.linalg.eigh(dense)
    np.testing.assert_allclose(low.dense_power(-0.5), (V * w**-0.5) @ V.T, atol=1e-10)
    auto = spectral_covariance(X, reg="auto")
    assert 0 < auto.floor and np.all(auto.values >= auto.floor)


def test_ledoit_wolf_matches_sklearn(monkeypatch):
    """Dense: LW on the correlation matrix, rescaled; Gram path: LW towards mu I."""
    from sklearn.covariance import ledoit_wolf

    from skxfer.alignment import _covariance

    rng = np.random.RandomState(0)
    X = rng.randn(50, 10) @ rng.randn(10, 10)
    scale = X.std(0)
    expected = scale[:, None] * ledoit_wolf(X / scale)[0] * scale[None, :]
    cov = spectral_covariance(X, reg="auto").dense_power(1.0)
    np.testing.assert_allclose(cov, expected, rtol=1e-6, atol=1e-8)
    X = rng.randn(10, 40) @ rng.randn(40, 40)
    monkeypatch.setattr(_covariance, "DENSE_MAX_FEATURES", 20)
    low = spectral_covariance(X, reg="auto")
    assert low.vectors.shape == (40, 9)
    np.testing.assert_allclose(low.dense_power(1.0), ledoit_wolf(X)[0], rtol=1e-6, atol=1e-8)


def test_subspace_alignment_maps_source_basis_onto_target():
    Xs, ys, Xt, _ = _covariate_shift()
    X, y, sd = merge_domains(Xs, ys, Xt)
    sa = SubspaceAligner(n_components=3).fit(X, y)
    M = sa.alignment_
    np.testing.assert_allclose(M, sa.source_pca_.components_ @ sa.target_pca_.components_.T)
    Z = sa.transform(X, sample_domain=sd)
    np.testing.assert_allclose(Z[sd < 0], sa.target_pca_.transform(Xt))
    assert Z.shape == (X.shape[0], 3)
    with pytest.raises(ValueError, match="n_components"):
        SubspaceAligner(n_components=10).fit(X, y)


# each route of _exact_pca: more rows than features; fewer, with 4 directions at most a
# tenth of the rows (Lanczos); fewer, with more directions (the SVD)
@pytest.mark.parametrize("n_rows, n_features", [(60, 12), (40, 60), (8, 12)])
def test_subspace_directions_are_the_exact_principal_directions(n_rows, n_features):
    from sklearn.decomposition import PCA

    rng = np.random.RandomState(0)
    scale = np.arange(1, n_features + 1)
    Xs, Xt = rng.randn(n_rows, n_features) * scale, rng.randn(n_rows, n_features)
    X, y, sd = merge_domains(Xs, rng.randint(0, 2, n_rows), Xt)
    sa = SubspaceAligner(n_components=4).fit(X, y, sample_domain=sd)
    for fitted, rows in ((sa.source_pca_, Xs), (sa.target_pca_, Xt)):
        exact = PCA(4, svd_solver="full").fit(rows)
        np.testing.assert_allclose(np.abs(fitted.components_), np.abs(exact.components_), atol=1e-8)
        np.testing.assert_allclose(fitted.explained_variance_, exact.explained_variance_)


@pytest.mark.parametrize("adapter", [CORALAligner(), SubspaceAligner(n_components=5)], ids=repr)
def test_beats_source_only_on_covariate_shift(adapter):
    Xs, ys, Xt, yt = _covariate_shift()
    X, y, _ = merge_domains(Xs, ys, Xt)
    base = LogisticRegression()
    source_only = LabelledOnly(base).fit(X, y).score(Xt, yt)
    adapted = make_da_pipeline(adapter, base).fit(X, y).score(Xt, yt)
    assert adapted > source_only + 0.05


def test_interleaved_rows_keep_their_order():
    Xs, ys, Xt, _ = _covariate_shift(n=40)
    X, y, sd = merge_domains(Xs, ys, Xt)
    order = np.random.RandomState(1).permutation(len(y))
    Z = CORALAligner().fit_transform(X, y)
    Z_perm = CORALAligner().fit_transform(X[order], y[order])
    np.testing.assert_allclose(Z_perm, Z[order])
