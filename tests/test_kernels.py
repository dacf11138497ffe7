import numpy as np
import pytest
from scipy import sparse

from skxfer.kernels import (
    KernelFeatureMap,
    iter_kernel_blocks,
    kernel_matrix,
    kernel_matvec,
    kernel_row_means,
    low_rank_features,
    median_bandwidth,
    resolve_gamma,
    squared_distances,
)


@pytest.fixture
def X():
    return np.random.RandomState(0).randn(120, 5)


def test_median_bandwidth_matches_brute_force(X):
    from scipy.spatial.distance import pdist

    assert median_bandwidth(X) == pytest.approx(np.median(pdist(X)))
    # scales with the data
    assert median_bandwidth(10 * X) == pytest.approx(10 * median_bandwidth(X))
    assert median_bandwidth(np.zeros((4, 2))) == 1.0
    # two inputs: the median over the stacked rows; odd and even numbers of pairs
    assert median_bandwidth(X[:50], X[50:]) == pytest.approx(np.median(pdist(X)))
    for n in (3, 4, 7):  # 3, 6, 21 pairs
        assert median_bandwidth(X[:n]) == pytest.approx(np.median(pdist(X[:n])))


def test_median_bandwidth_subsamples_and_accepts_sparse(X):
    big = np.random.RandomState(1).randn(3000, 3)
    sigma = median_bandwidth(big, max_samples=300)
    assert 0.8 < sigma / median_bandwidth(big[:1000]) < 1.2
    assert median_bandwidth(sparse.csr_matrix(X)) == pytest.approx(median_bandwidth(X))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_squared_distances_match_sklearn(X, dtype):
    from sklearn.metrics.pairwise import euclidean_distances

    # an offset far from the origin is where the expansion ||x||^2 + ||y||^2 - 2x.y
    # loses precision; float32 must still be close to the float64 reference
    Xo, Yo = X[:70] + 50.0, X[70:] + 50.0
    D2 = squared_distances(Xo, Yo, dtype=dtype)
    assert D2.dtype == dtype
    ref = euclidean_distances(Xo, Yo, squared=True)
    # the documented accuracy: a small multiple of the float's epsilon times the norms
    scale = np.finfo(dtype).eps * 100 * max((Xo**2).sum(1).max(), (Yo**2).sum(1).max())
    np.testing.assert_allclose(D2, ref, rtol=0, atol=scale)
    assert np.abs(D2 - ref).max() < (1e-2 if dtype == np.float32 else 1e-8)
    self_d2 = squared_distances(Xo, dtype=dtype)
    assert np.all(np.diag(self_d2) == 0) and np.all(self_d2 >= 0)
    np.testing.assert_allclose(
        squared_distances(sparse.csr_matrix(X)), euclidean_distances(X, squared=True)
    )


def test_float32_kernel_matrix_matches_sklearn(X):
    from sklearn.metrics.pairwise import polynomial_kernel, rbf_kernel

    K32 = kernel_matrix(X, X[:30], gamma=0.1, dtype=np.float32)
    assert K32.dtype == np.float32
    np.testing.assert_allclose(K32, rbf_kernel(X, X[:30], gamma=0.1), atol=1e-6)
    Kp = kernel_matrix(X, kernel="poly", gamma=0.1, dtype=np.float32)
    assert Kp.dtype == np.float32
    np.testing.assert_allclose(Kp, polynomial_kernel(X, gamma=0.1, coef0=1.0), rtol=1e-5)
    np.testing.assert_allclose(
        kernel_row_means(X, X[:30], gamma=0.1, dtype=np.float32),
        rbf_kernel(X, X[:30], gamma=0.1).mean(1),
        atol=1e-6,
    )


def test_resolve_gamma(X):
    sigma = median_bandwidth(X)
    assert resolve_gamma("median", X) == pytest.approx(1 / (2 * sigma**2))
    assert resolve_gamma("median", X, kernel="laplacian") == pytest.approx(1 / sigma)
    assert resolve_gamma("scale", X) == pytest.approx(1 / (X.shape[1] * X.var()))
    assert resolve_gamma(0.3, X) == 0.3
    with pytest.raises(ValueError, match="gamma"):
        resolve_gamma("bad", X)


def test_blocks_and_matvec_match_full_kernel(X):
    Y = X[:37]
    K = kernel_matrix(X, Y, kernel="rbf", gamma=0.2)
    blocks = list(iter_kernel_blocks(X, Y, kernel="rbf", gamma=0.2, block_bytes=8 * 37 * 10))
    assert len(blocks) == 12
    np.testing.assert_allclose(np.vstack([b for _, b in blocks]), K)
    v = np.random.RandomState(2).randn(37, 3)
    np.testing.assert_allclose(kernel_matvec(X, Y, v, gamma=0.2, block_bytes=1000), K @ v)
    np.testing.assert_allclose(kernel_row_means(X, Y, gamma=0.2), K.mean(axis=1))


def test_unknown_kernel(X):
    with pytest.raises(ValueError, match="Unknown kernel"):
        kernel_matrix(X, kernel="cosine")


def test_low_rank_features(X):
    fm = low_rank_features(X, gamma=0.1, n_components=500, random_state=0)
    Z = fm.transform(X)
    assert Z.shape[0] == 120
    np.testing.assert_allclose(Z @ Z.T, kernel_matrix(X, gamma=0.1), atol=1e-6)
    with pytest.raises(ValueError, match="rbf"):
        low_rank_features(X, kernel="poly", method="rff")


@pytest.mark.parametrize("kernel", ["rbf", "laplacian", "poly", "linear"])
def test_feature_map_exact_reproduces_kernel(X, kernel):
    fm = KernelFeatureMap(kernel=kernel, gamma=0.1, method="exact").fit(X)
    Z = fm.transform(X)
    np.testing.assert_allclose(Z @ Z.T, kernel_matrix(X, kernel=kernel, gamma=0.1), atol=1e-6)
    # out-of-sample rows: phi(x).phi(y) is the Nystroem approximation with all landmarks
    Xn = np.random.RandomState(3).randn(10, 5)
    assert fm.transform(Xn).shape == (10, fm.n_features_out_)


def test_feature_map_identity_and_sparse(X):
    Xs = sparse.csr_matrix(np.where(X > 0.5, X, 0.0))
    fm = KernelFeatureMap(kernel="linear", method="identity").fit(Xs)
    np.testing.assert_allclose(fm.transform(Xs), Xs.toarray())
    with pytest.raises(ValueError, match="linear"):
        KernelFeatureMap(kernel="rbf", method="identity").fit(X)
    fm = KernelFeatureMap(
        kernel="rbf", gamma=0.1, method="nystroem", n_components=40, random_state=0
    ).fit(Xs)
    np.testing.assert_allclose(fm.transform(Xs), fm.transform(Xs.toarray()))


@pytest.mark.parametrize("method", ["nystroem", "rff"])
def test_feature_map_low_rank_approximates_kernel(method):
    X = np.random.RandomState(0).randn(400, 3)
    K = kernel_matrix(X, gamma=0.2)
    fm = KernelFeatureMap(gamma=0.2, method=method, n_components=300, random_state=0).fit(X)
    Z = fm.transform(X)
    assert Z.shape == (400, fm.n_features_out_)
    assert np.abs(Z @ Z.T - K).mean() < 0.05
    # blockwise transform gives the same rows as one block
    small = KernelFeatureMap(
        gamma=0.2, method=method, n_components=300, random_state=0, block_bytes=4000
    ).fit(X)
    np.testing.assert_allclose(small.transform(X), Z, atol=1e-9)


def test_feature_map_bad_method(X):
    with pytest.raises(ValueError, match="method"):
        KernelFeatureMap(method="svd").fit(X)
