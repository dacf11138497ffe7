import numpy as np
import pytest

from skxfer import merge_domains
from skxfer.kernels import kernel_matrix, resolve_gamma
from skxfer.metrics import (
    coral_distance,
    domain_classifier_auc,
    mmd2,
    mmd_test,
    proxy_a_distance,
    wasserstein_distance,
)


def _domains(shift, n=150, d=3, seed=0):
    rng = np.random.RandomState(seed)
    Xs, Xt = rng.randn(n, d), rng.randn(n, d) + shift
    X, _, sd = merge_domains(Xs, np.zeros(n, int), Xt)
    return X, sd


def test_mmd2_quadratic_matches_full_kernel_formula():
    X, sd = _domains(0.5, n=60)
    Xs, Xt = X[sd > 0], X[sd < 0]
    g = resolve_gamma("median", Xs, Xt)
    Kss, Ktt, Kst = (kernel_matrix(a, b, gamma=g) for a, b in ((Xs, Xs), (Xt, Xt), (Xs, Xt)))
    n = 60
    expected = (
        (Kss.sum() - np.trace(Kss)) / (n * (n - 1))
        + (Ktt.sum() - np.trace(Ktt)) / (n * (n - 1))
        - 2 * Kst.mean()
    )
    assert mmd2(X, sample_domain=sd, method="quadratic") == pytest.approx(expected)


@pytest.mark.parametrize("method", ["quadratic", "linear"])
def test_mmd2_larger_for_shifted(method):
    Xsame, sd = _domains(0.0, n=400)
    Xshift, _ = _domains(1.5, n=400)
    same = mmd2(Xsame, sample_domain=sd, method=method)
    shifted = mmd2(Xshift, sample_domain=sd, method=method)
    assert shifted > 0.1
    assert shifted > same + 0.1


def test_mmd2_infers_domains_from_masked_y():
    X, sd = _domains(1.0)
    y = np.where(sd > 0, 0, -1)
    assert mmd2(X, y) == pytest.approx(mmd2(X, sample_domain=sd))


def test_mmd_test_pvalues():
    Xshift, sd = _domains(0.7, n=100)
    Xsame, _ = _domains(0.0, n=100, seed=1)
    assert mmd_test(Xshift, sample_domain=sd, n_permutations=200).pvalue < 0.01
    assert mmd_test(Xsame, sample_domain=sd, n_permutations=200).pvalue > 0.05


def test_classifier_diagnostics_order():
    Xsame, sd = _domains(0.0)
    Xshift, _ = _domains(2.0)
    assert domain_classifier_auc(Xshift, sample_domain=sd) > 0.9
    assert domain_classifier_auc(Xsame, sample_domain=sd) < 0.7
    assert proxy_a_distance(Xshift, sample_domain=sd) > proxy_a_distance(Xsame, sample_domain=sd)


def test_coral_and_wasserstein():
    rng = np.random.RandomState(0)
    X = np.r_[rng.randn(100, 2), 3 * rng.randn(100, 2)]
    sd = np.r_[np.ones(100), -np.ones(100)].astype(int)
    assert coral_distance(X, sample_domain=sd) > 0.5
    Xmean, sd2 = _domains(2.0, n=100, d=2)
    exact = wasserstein_distance(Xmean, sample_domain=sd2, method="exact")
    assert exact == pytest.approx(2.0 * np.sqrt(2), rel=0.25)
    sliced = wasserstein_distance(Xmean, sample_domain=sd2, method="sliced")
    assert 0 < sliced < exact


def test_linear_mmd_scales_to_large_domains():
    # 50,000 rows per domain: linear-time MMD and the subsampling diagnostics stay cheap
    rng = np.random.RandomState(0)
    n = 50_000
    X = np.r_[rng.randn(n, 4), rng.randn(n, 4) + 0.5].astype(np.float64)
    sd = np.r_[np.ones(n), -np.ones(n)].astype(int)
    assert mmd2(X, sample_domain=sd) > 0.01  # "auto" picks the linear estimator here
    assert wasserstein_distance(X, sample_domain=sd, n_projections=20) > 0


def test_bad_input():
    with pytest.raises(ValueError, match="sample_domain"):
        mmd2(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="method"):
        mmd2(*_domains(1.0)[:1], sample_domain=_domains(1.0)[1], method="cubic")
