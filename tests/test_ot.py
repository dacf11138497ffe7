import pickle
import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxfer import LinearOTAligner, OTAligner, make_da_pipeline, make_strategy
from skxfer.utils.estimator_checks import (
    check_da_contract,
    check_row_order_invariance,
    make_contract_task,
)

from ._tasks import make_shift_task

CHECK_INSTANCES = [
    OTAligner(method="emd"),
    OTAligner(method="sinkhorn", reg=0.5),
    OTAligner(method="emd", solver="minibatch", batch_size=10, random_state=0),
    LinearOTAligner(),
]


@parametrize_with_checks(CHECK_INSTANCES)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", CHECK_INSTANCES + [OTAligner(method="lpl1")], ids=repr)
def test_da_contract(estimator):
    check_da_contract(estimator)


def _accuracy(aligner, X, y, sd, yt):
    steps = (aligner, LogisticRegression()) if aligner is not None else (LogisticRegression(),)
    return (make_da_pipeline(*steps).fit(X, y).predict(X[sd < 0]) == yt).mean()


@pytest.mark.parametrize(
    "aligner",
    [
        OTAligner(method="emd"),
        OTAligner(method="sinkhorn"),
        OTAligner(method="lpl1"),
        OTAligner(method="l1l2"),
        OTAligner(method="linear"),
        OTAligner(method="emd", solver="minibatch", batch_size=50, random_state=0),
    ],
    ids=["emd", "sinkhorn", "lpl1", "l1l2", "linear", "minibatch"],
)
def test_beats_source_only_on_shift_task(aligner):
    X, y, sd, yt = make_shift_task()
    source_only = _accuracy(None, X, y, sd, yt)
    assert _accuracy(aligner, X, y, sd, yt) > source_only + 0.15


def test_row_order_preserved_with_interleaved_domains():
    X, y, sd = make_contract_task()
    perm = np.random.RandomState(0).permutation(len(X))
    Z = OTAligner(method="emd").fit_transform(X, y, sample_domain=sd)
    Zp = OTAligner(method="emd").fit_transform(X[perm], y[perm], sample_domain=sd[perm])
    np.testing.assert_allclose(Z[perm], Zp, atol=1e-8)
    # target rows are unchanged, source rows moved
    np.testing.assert_array_equal(Z[sd < 0], X[sd < 0])
    assert not np.allclose(Z[sd > 0], X[sd > 0])
    # transform with the training domains reproduces fit_transform
    est = OTAligner(method="emd").fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(est.transform(X, sample_domain=sd), Z, atol=1e-8)


def test_emd_maps_source_onto_target_points():
    rng = np.random.RandomState(0)
    Xs, Xt = rng.randn(20, 2), rng.randn(20, 2) + 5
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(20), -np.ones(20)].astype(int)
    Z = OTAligner(method="emd").fit_transform(X, sample_domain=sd)
    # equal sizes and uniform weights: a permutation, every source row lands on a target row
    d = np.linalg.norm(Z[:20, None] - Xt[None], axis=2).min(axis=1)
    np.testing.assert_allclose(d, 0, atol=1e-8)


def test_identical_source_rows_get_the_same_displacement():
    # two copies of each source row and as many target rows: an exact plan sends the
    # copies to different targets at the same cost, and which copy goes where depends on
    # the row order
    rng = np.random.RandomState(0)
    Xs = np.repeat(rng.randn(10, 2), 2, axis=0)
    Xt = rng.randn(20, 2) + 3
    X = np.vstack([Xs, Xt])
    y = np.r_[np.tile([0, 1], 10), -np.ones(20, dtype=int)]
    est = OTAligner(method="emd").fit(X, y)
    np.testing.assert_allclose(est.displacement_[::2], est.displacement_[1::2])
    check_row_order_invariance(OTAligner(method="emd"), X, y)


def test_out_of_sample_source_rows_use_nearest_training_displacement():
    X, y, sd, yt = make_shift_task(random_state=1)
    est = OTAligner(method="sinkhorn", reg=1.0).fit(X, y, sample_domain=sd)
    X_new, y_new, sd_new, _ = make_shift_task(random_state=2)
    Xs_new = X_new[sd_new > 0]
    moved = est.transform(Xs_new, sample_domain=np.ones(len(Xs_new), dtype=int))
    nearest = est.nn_.kneighbors(Xs_new, return_distance=False)[:, 0]
    np.testing.assert_allclose(moved, Xs_new + est.displacement_[nearest])
    # a classifier trained on moved new source rows classifies the target well
    clf = LogisticRegression().fit(moved, y_new[sd_new > 0])
    assert (clf.predict(X[sd < 0]) == yt).mean() > 0.85
    # target rows (no sample_domain) are left as they are
    np.testing.assert_array_equal(est.transform(Xs_new), Xs_new)


def test_linear_map_matches_gaussian_ot():
    rng = np.random.RandomState(0)
    Xs = rng.randn(2000, 2) @ np.array([[2.0, 0.3], [0.0, 0.5]])
    Xt = rng.randn(2000, 2) @ np.array([[0.5, 0.0], [0.2, 1.5]]) + 3
    X, sd = np.vstack([Xs, Xt]), np.r_[np.ones(2000), -np.ones(2000)].astype(int)
    est = OTAligner(method="linear").fit(X, sample_domain=sd)
    mapped = est.transform(Xs, sample_domain=np.ones(2000, dtype=int))
    np.testing.assert_allclose(mapped.mean(axis=0), Xt.mean(axis=0), atol=1e-8)
    np.testing.assert_allclose(np.cov(mapped.T), np.cov(Xt.T), rtol=0.05, atol=0.02)
    A = est.A_
    np.testing.assert_allclose(A, A.T, atol=1e-10)  # the OT map between Gaussians is symmetric


@pytest.mark.parametrize(
    "n, solver, expected",
    [
        (40, "auto", "exact"),
        (400, "auto", "minibatch"),
        (40, "minibatch", "minibatch"),
    ],
)
def test_solver_choice(n, solver, expected):
    rng = np.random.RandomState(0)
    X = rng.randn(2 * n, 3)
    sd = np.r_[np.ones(n), -np.ones(n)].astype(int)
    est = OTAligner(method="emd", solver=solver, max_dense=100, batch_size=50, random_state=0).fit(
        X, sample_domain=sd
    )
    assert est.solver_ == expected
    assert est.displacement_.shape == (n, 3)
    assert LinearOTAligner().fit(X, sample_domain=sd).solver_ == "linear"


def test_sinkhorn_is_finite_on_unnormalised_large_costs():
    # costs in the thousands: without normalisation exp(-C / reg) underflows to 0
    X, y, sd, _ = make_shift_task()
    X = 100 * X
    for norm in ("median", "max"):
        Z = OTAligner(method="sinkhorn", reg=0.01, norm=norm).fit_transform(X, y)
        assert np.all(np.isfinite(Z))


def test_sinkhorn_plan_is_a_transport_plan_at_small_reg():
    # at reg=1e-3 exp(-C / reg) underflows on whole rows: plain Sinkhorn stops at once and
    # returns the unscaled Gibbs kernel (finite, not a plan). A real plan with uniform
    # weights moves the source mean exactly onto the target mean.
    rng = np.random.RandomState(0)
    Xs, Xt = rng.randn(60, 5), rng.randn(50, 5) + 1.5
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(60), -np.ones(50)].astype(int)
    Z = OTAligner(method="sinkhorn", reg=1e-3).fit_transform(X, sample_domain=sd)
    np.testing.assert_allclose(Z[:60].mean(axis=0), Xt.mean(axis=0), atol=0.05)


def test_class_regularised_requires_source_labels():
    X, y, sd = make_contract_task()
    with pytest.raises(ValueError, match="source labels"):
        OTAligner(method="lpl1").fit(X, sample_domain=sd)


def test_registry_pipeline_gridsearch_pickle():
    X, y, sd, yt = make_shift_task()
    pipe = make_strategy("ot", LogisticRegression())
    assert isinstance(pipe.steps[0][1], OTAligner)
    assert make_strategy("ot_linear", LogisticRegression()).steps[0][1].method == "linear"
    grid = GridSearchCV(pipe, {"otaligner__reg": [0.1, 1.0]}, cv=[(np.arange(len(X)),) * 2])
    grid.fit(X, y)
    fitted = pipe.fit(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.predict(X[sd < 0]), fitted.predict(X[sd < 0]))


def test_cpu_fit_does_not_import_torch():
    import subprocess

    code = (
        "import sys; from skxfer import OTAligner; "
        "from skxfer.utils.estimator_checks import make_contract_task; "
        "X, y, sd = make_contract_task(); OTAligner().fit(X, y); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() in ("True", "False")  # POT itself may import torch


def _cuda_available():
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@pytest.mark.skipif(not _cuda_available(), reason="needs torch with a CUDA device")
@pytest.mark.parametrize("method", ["emd", "sinkhorn", "lpl1"])
def test_cuda_matches_cpu(method):
    X, y, sd, _ = make_shift_task()
    cpu = OTAligner(method=method, reg=0.5).fit_transform(X, y)
    gpu = OTAligner(method=method, reg=0.5, device="cuda").fit_transform(X, y)
    np.testing.assert_allclose(gpu, cpu, rtol=1e-5, atol=1e-6)


def test_gaussian_map_in_the_low_rank_span_is_the_dense_map():
    from skxfer.alignment._covariance import (
        _dense_gaussian_map,
        gaussian_map,
        operator_matrix,
        spectral_covariance,
    )

    rng = np.random.RandomState(0)
    # more features than rows: "floor * I + low rank", different floors and spans
    cs = spectral_covariance(rng.normal(size=(12, 60)), reg=0.3)
    ct = spectral_covariance(2.0 * rng.normal(size=(9, 60)) + 1.0, reg=0.7)
    assert cs.vectors.shape[1] + ct.vectors.shape[1] < 60
    scale, U, coef = gaussian_map(cs, ct)
    assert U.shape[1] <= 21  # in the span of the two low-rank parts, no 60 x 60 factor
    A = operator_matrix(scale, U, coef)
    P, c = _dense_gaussian_map(cs.dense_power(1.0), ct.dense_power(1.0))
    np.testing.assert_allclose(A, (P * c) @ P.T, atol=1e-10)
    # it is the OT map: it carries the source covariance onto the target's
    np.testing.assert_allclose(A.T @ cs.dense_power(1.0) @ A, ct.dense_power(1.0), atol=1e-8)


def test_linear_map_on_wide_data_never_forms_a_features_by_features_matrix():
    rng = np.random.RandomState(0)
    d = 3000  # more features than rows and than DENSE_MAX_FEATURES: low-rank route
    Xs, Xt = rng.normal(size=(30, d)), 2.0 * rng.normal(size=(25, d)) + 1.0
    X, sd = np.vstack([Xs, Xt]), np.r_[np.ones(30), -np.ones(25)].astype(int)
    est = OTAligner(method="linear").fit(X, sample_domain=sd)
    scale, U, coef = est.map_
    assert U.shape[0] == d and U.shape[1] <= 55 and coef.shape == (U.shape[1],)  # ranks of the rows
    mapped = est.transform(Xs, sample_domain=np.ones(30, dtype=int))
    dense = (Xs - est.source_mean_) @ est.A_ + est.target_mean_
    np.testing.assert_allclose(mapped, dense, atol=1e-8)


def test_dense_gaussian_map_is_the_closed_form():
    from scipy.linalg import sqrtm

    from skxfer.alignment._covariance import _dense_gaussian_map, spectral_covariance

    rng = np.random.RandomState(1)
    cs = spectral_covariance(rng.normal(size=(80, 6)) @ rng.normal(size=(6, 6)), reg=0.1)
    ct = spectral_covariance(rng.normal(size=(70, 6)) @ rng.normal(size=(6, 6)), reg=0.2)
    Cs, Ct = cs.dense_power(1.0), ct.dense_power(1.0)
    Cs12 = np.real(sqrtm(Cs))
    Cs_12 = np.linalg.inv(Cs12)
    expected = Cs_12 @ np.real(sqrtm(Cs12 @ Ct @ Cs12)) @ Cs_12
    P, c = _dense_gaussian_map(Cs, Ct)
    np.testing.assert_allclose((P * c) @ P.T, expected, atol=1e-8)


def test_dense_linear_map_decomposes_once_and_matches_the_spectral_route(monkeypatch):
    from scipy import linalg

    from skxfer.alignment import _covariance
    from skxfer.alignment._covariance import (
        gaussian_map,
        linear_ot_map,
        operator_matrix,
        spectral_covariance,
    )

    rng = np.random.RandomState(2)
    Xs = rng.normal(size=(40, 30)) @ rng.normal(size=(30, 30))  # dense route: d <= n
    Xt = rng.normal(size=(35, 30)) @ rng.normal(size=(30, 30)) + 2.0
    expected = operator_matrix(
        *gaussian_map(spectral_covariance(Xs, "auto"), spectral_covariance(Xt, "auto"))
    )
    calls = []
    eigh = linalg.eigh

    def spy(*args, **kwargs):
        calls.append(args[0].shape)
        return eigh(*args, **kwargs)

    monkeypatch.setattr(_covariance.linalg, "eigh", spy)
    operator, ms, mt = linear_ot_map(Xs, Xt)
    assert calls == [(30, 30)]  # neither covariance is decomposed, only L^T Ct L
    np.testing.assert_allclose(operator_matrix(*operator), expected, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ms, Xs.mean(axis=0))
    np.testing.assert_allclose(mt, Xt.mean(axis=0))


def test_isolated_rows_do_not_send_sinkhorn_to_the_log_domain(monkeypatch):
    import ot

    from skxfer.alignment.ot import _coupling

    rng = np.random.RandomState(0)
    M = rng.uniform(0.5, 1.5, size=(30, 25))
    M[3] += 80.0  # a source row far from every target row: exp(-M / reg) underflows
    M[:, 7] += 90.0  # and a target column far from every source row
    a, b = np.full(30, 1 / 30), np.full(25, 1 / 25)
    log_plan = ot.sinkhorn(a, b, M, 0.1, method="sinkhorn_log", numItermax=1000, stopThr=1e-9)
    methods = []
    sinkhorn = ot.sinkhorn

    def spy(*args, method="sinkhorn", **kwargs):
        methods.append(method)
        return sinkhorn(*args, method=method, **kwargs)

    monkeypatch.setattr(ot, "sinkhorn", spy)
    plan = _coupling("sinkhorn", a, b, M, None, 0.1, 1.0, 1000, 1e-9)
    assert methods == ["sinkhorn"]  # the plain iterations sufficed
    np.testing.assert_allclose(plan, log_plan, atol=1e-6)
    np.testing.assert_allclose(plan.sum(axis=1), a, atol=1e-6)


def test_sinkhorn_stops_at_tol():
    from skxfer.alignment.ot import _coupling

    rng = np.random.RandomState(0)
    M = rng.uniform(0.0, 1.0, size=(40, 30))
    a, b = np.full(40, 1 / 40), np.full(30, 1 / 30)
    errors = {}
    for tol in (1e-2, 1e-10):
        plan = _coupling("sinkhorn", a, b, M, None, 0.05, 1.0, 10_000, tol)
        errors[tol] = np.linalg.norm(plan.sum(axis=0) - b)
        assert errors[tol] <= tol
    assert errors[1e-2] > 1e-6  # the loose tolerance stopped early


def test_tol_reaches_the_aligner():
    X, y, sd, _ = make_shift_task()
    loose, tight, tighter = (
        OTAligner(reg=0.05, tol=tol).fit(X, y, sample_domain=sd).displacement_
        for tol in (1e-1, 1e-7, 1e-9)
    )
    assert np.abs(loose - tighter).max() > 1e-3
    np.testing.assert_allclose(tight, tighter, atol=1e-4)
