"""Tests of skxfer.reweighting: InstanceReweighter and the density-ratio plugins."""

import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal, pearsonr
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxfer import list_strategies, make_strategy
from skxfer.reweighting import (
    BaseDensityRatio,
    ClassifierDensityRatio,
    EffectiveSampleSizeWarning,
    InstanceReweighter,
    KLIEPDensityRatio,
    KMMDensityRatio,
    NearestNeighborDensityRatio,
    ULSIFDensityRatio,
    effective_sample_size,
)
from skxfer.reweighting._kmm import project_box_sum
from skxfer.utils.estimator_checks import check_da_contract, make_contract_task

METHODS = ["kmm", "kliep", "ulsif", "classifier", "nn"]
RATIO_CLASSES = {
    "kmm": KMMDensityRatio,
    "kliep": KLIEPDensityRatio,
    "ulsif": ULSIFDensityRatio,
    "classifier": ClassifierDensityRatio,
    "nn": NearestNeighborDensityRatio,
}


def _gaussian_shift(n_source=400, n_target=300, seed=0):
    """Source N(0, I), target N(mu, 0.7^2 I) in 2-d: the true ratio is closed form."""
    rng = np.random.RandomState(seed)
    mu, scale = np.array([1.0, 0.5]), 0.7
    Xs = rng.randn(n_source, 2)
    Xt = scale * rng.randn(n_target, 2) + mu
    true = multivariate_normal(mu, scale**2 * np.eye(2)).pdf(Xs) / multivariate_normal(
        np.zeros(2), np.eye(2)
    ).pdf(Xs)
    X = np.vstack([Xs, Xt])
    sd = np.r_[np.ones(n_source, dtype=int), -np.ones(n_target, dtype=int)]
    return X, sd, true


# --- sklearn's estimator checks (no target row: the reweighter is its base estimator) ---


def _expected_failures(estimator):
    return {
        "check_classifiers_classes": (
            "the check trains on classes {-1, 1}; -1 is the mask of unknown target labels "
            "in skxfer's data contract (sklearn's semi-supervised convention), so those rows "
            "are target rows, not a class"
        ),
    }


@parametrize_with_checks(
    [InstanceReweighter(LogisticRegression(), density_ratio=m, random_state=0) for m in METHODS],
    expected_failed_checks=_expected_failures,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# --- registry -----------------------------------------------------------------------


def test_registry_lists_and_builds_weighting_strategies():
    assert set(METHODS) <= set(list_strategies(kind="weighting"))
    assert set(METHODS) <= set(list_strategies(family="instance"))
    est = make_strategy("kliep", LogisticRegression(), n_centers=20)
    assert isinstance(est, InstanceReweighter)
    assert isinstance(est.density_ratio, KLIEPDensityRatio)
    assert est.density_ratio.n_centers == 20
    X, y, _ = make_contract_task()
    est.fit(X, y)
    assert isinstance(est.ratio_estimator_, KLIEPDensityRatio)
    assert est.ratio_estimator_.n_centers == 20


def test_string_method_resolved_in_fit_not_init():
    est = InstanceReweighter(LogisticRegression(), density_ratio="no_such_method")
    assert est.density_ratio == "no_such_method"  # __init__ only stores it
    X, y, _ = make_contract_task()
    with pytest.raises(ValueError, match="not a registered density-ratio estimator"):
        est.fit(X, y)
    with pytest.raises(ValueError, match="not a registered density-ratio"):
        InstanceReweighter(LogisticRegression(), density_ratio="coral").fit(X, y)


# --- the DA contract ----------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_da_contract(method):
    check_da_contract(InstanceReweighter(LogisticRegression(), density_ratio=method))


# --- density ratios -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["kmm", "kliep", "ulsif", "classifier"])
def test_weights_recover_true_density_ratio(method):
    X, sd, true = _gaussian_shift()
    params = {"random_state": 0}
    if method == "classifier":
        # the log-ratio of two Gaussians with different covariances is quadratic
        params["estimator"] = make_pipeline(
            PolynomialFeatures(2), StandardScaler(), LogisticRegression()
        )
    ratio = RATIO_CLASSES[method](**params).fit(X, sample_domain=sd)
    assert pearsonr(ratio.source_weights_, true)[0] > 0.9
    # the out-of-sample ratio agrees at the source rows
    assert pearsonr(ratio.compute_weights(X[sd > 0]), true)[0] > 0.8
    # through the reweighter, without flattening or clipping, on the same rows
    est = InstanceReweighter(
        LogisticRegression(), density_ratio=clone(ratio), power=1.0, clip=None, shrinkage=0.0
    )
    y = np.where(sd > 0, (X[:, 0] > 0).astype(int), -1)
    est.fit(X, y, sample_domain=sd)
    assert pearsonr(est.weights_[sd > 0], true)[0] > 0.9


def test_nn_weights_follow_ratio():
    X, sd, true = _gaussian_shift()
    w = NearestNeighborDensityRatio().fit(X, sample_domain=sd).source_weights_
    assert pearsonr(w, true)[0] > 0.8
    assert np.all(w > 0)


def test_kmm_nystroem_matches_dense_and_meets_constraints():
    X, sd, true = _gaussian_shift()
    dense = KMMDensityRatio(solver="dense", random_state=0).fit(X, sample_domain=sd)
    low = KMMDensityRatio(max_dense=50, n_components=100, random_state=0).fit(X, sample_domain=sd)
    assert dense.solver_ == "dense" and low.solver_ == "nystroem"
    assert pearsonr(dense.source_weights_, low.source_weights_)[0] > 0.9
    assert pearsonr(low.source_weights_, true)[0] > 0.9
    ns = int((sd > 0).sum())
    eps = (np.sqrt(ns) - 1) / np.sqrt(ns)
    for w in (dense.source_weights_, low.source_weights_):
        assert np.all(w >= 0) and np.all(w <= 1000.0)
        assert ns * (1 - eps) - 1e-6 <= w.sum() <= ns * (1 + eps) + 1e-6


def test_project_box_sum_is_a_projection():
    rng = np.random.RandomState(0)
    v = rng.randn(50) * 3
    p = project_box_sum(v, 2.0, 10.0, 10.0)
    assert np.all(p >= 0) and np.all(p <= 2.0) and np.isclose(p.sum(), 10.0)
    # optimality: no feasible random point is closer
    for _ in range(20):
        q = project_box_sum(rng.rand(50) * 2, 2.0, 10.0, 10.0)
        assert np.linalg.norm(v - p) <= np.linalg.norm(v - q) + 1e-9


def test_kliep_defaults_finite_on_high_dimensional_standardised_data():
    # SKADA's KLIEP default (gamma=1) gives NaN weights on such data
    rng = np.random.RandomState(0)
    X = StandardScaler().fit_transform(np.r_[rng.rand(80, 200), rng.rand(60, 200) + 0.1])
    sd = np.r_[np.ones(80, dtype=int), -np.ones(60, dtype=int)]
    for cls in RATIO_CLASSES.values():
        w = cls().fit(X, sample_domain=sd).source_weights_
        assert np.all(np.isfinite(w)) and w.sum() > 0, cls.__name__


# --- transfer: reweighting beats source-only under covariate shift -------------------


@pytest.mark.parametrize("method", ["kmm", "kliep", "ulsif", "classifier"])
def test_reweighting_beats_source_only(method):
    # Shimodaira (2000): a misspecified linear model of y = -x + x^3 + noise
    rng = np.random.RandomState(0)
    xs = 0.5 + 0.5 * rng.randn(300)
    xt = 0.3 * rng.randn(300)
    f = lambda x: -x + x**3  # noqa: E731
    ys = f(xs) + 0.1 * rng.randn(300)
    X = np.r_[xs, xt].reshape(-1, 1)
    y = np.r_[ys, np.full(300, np.nan)]
    Xt, yt = xt.reshape(-1, 1), f(xt)
    plain = LinearRegression().fit(xs.reshape(-1, 1), ys)
    est = InstanceReweighter(LinearRegression(), density_ratio=method, random_state=0).fit(X, y)
    mse_plain = np.mean((plain.predict(Xt) - yt) ** 2)
    mse_rw = np.mean((est.predict(Xt) - yt) ** 2)
    assert mse_rw < 0.8 * mse_plain


# --- meta-estimator behaviour --------------------------------------------------------


def test_no_target_behaves_as_plain_estimator():
    X, y, _ = make_contract_task()
    labelled = y != -1
    est = InstanceReweighter(LogisticRegression(), density_ratio="kmm")
    est.fit(X[labelled], y[labelled])
    ref = LogisticRegression().fit(X[labelled], y[labelled])
    assert est.ratio_estimator_ is None
    np.testing.assert_array_equal(est.weights_, 1.0)
    np.testing.assert_allclose(est.decision_function(X), ref.decision_function(X))


def test_fit_attributes_delegation_and_score():
    X, y, sd = make_contract_task()
    y_before = y.copy()
    est = InstanceReweighter(LogisticRegression(), density_ratio="ulsif", random_state=0)
    assert est.fit(X, y) is est
    np.testing.assert_array_equal(y, y_before)  # the caller's y is untouched
    assert est.weights_.shape == (X.shape[0],)
    np.testing.assert_array_equal(est.weights_[sd < 0], 0.0)  # masked rows: not fitted
    np.testing.assert_allclose(est.weights_[sd > 0].mean(), 1.0)
    assert 0 < est.effective_sample_size_ <= (sd > 0).sum()
    np.testing.assert_array_equal(est.classes_, [0, 1])
    Xt = X[sd < 0]
    assert est.predict(Xt).shape == (Xt.shape[0],)
    assert est.predict_proba(Xt).shape == (Xt.shape[0], 2)
    # score ignores masked rows; all masked gives nan
    labelled = y != -1
    assert est.score(X, y) == pytest.approx(est.score(X[labelled], y[labelled]))
    assert np.isnan(est.score(Xt, y[sd < 0]))


def test_user_sample_weight_multiplies_and_target_labels_are_used():
    X, y, sd = make_contract_task()
    est = InstanceReweighter(LogisticRegression(), density_ratio="nn", random_state=0)
    w_imp = est.fit(X, y).weights_.copy()
    sw = np.linspace(0.5, 2.0, X.shape[0])
    combined = clone(est).fit(X, y, sample_weight=sw)
    explicit = LogisticRegression().fit(X[y != -1], y[y != -1], sample_weight=(w_imp * sw)[y != -1])
    np.testing.assert_allclose(combined.estimator_.coef_, explicit.coef_, rtol=1e-6)
    # semi-supervised DA: labelled target rows (via sample_domain) get weight 1
    y_semi = y.copy()
    tgt = np.flatnonzero(sd < 0)[:5]
    y_semi[tgt] = 1
    semi = clone(est).fit(X, y_semi, sample_domain=sd)
    np.testing.assert_array_equal(semi.weights_[tgt], 1.0)


def test_error_for_estimator_without_sample_weight():
    X, y, _ = make_contract_task()
    with pytest.raises(TypeError, match="does not accept sample_weight"):
        InstanceReweighter(KNeighborsClassifier(), density_ratio="kmm").fit(X, y)


def test_errors_on_bad_domains():
    X, y, sd = make_contract_task()
    with pytest.raises(ValueError, match="needs target rows"):
        InstanceReweighter(LogisticRegression()).fit(
            X, np.where(y == -1, 0, y), sample_domain=np.abs(sd)
        )
    with pytest.raises(ValueError, match="requires y"):
        InstanceReweighter(LogisticRegression()).fit(X, None)
    with pytest.raises(ValueError, match="needs target rows"):
        KMMDensityRatio().fit(X, sample_domain=np.abs(sd))


def test_method_and_method_params_still_work_with_a_future_warning():
    X, y, _ = make_contract_task()
    est = InstanceReweighter(
        LogisticRegression(), method="ulsif", method_params={"n_centers": 12}, random_state=0
    )
    with pytest.warns(FutureWarning, match="density_ratio"):
        est.fit(X, y)
    assert isinstance(est.ratio_estimator_, ULSIFDensityRatio)
    assert est.ratio_estimator_.n_centers == 12


def test_gridsearch_over_inner_and_method_params():
    X, y, _ = make_contract_task()
    est = InstanceReweighter(
        LogisticRegression(), density_ratio=KLIEPDensityRatio(n_centers=10), random_state=0
    )
    grid = GridSearchCV(
        est,
        {"estimator__C": [0.1, 1.0], "density_ratio__n_centers": [10, 20], "power": [0.5, 1.0]},
        cv=3,
    )
    grid.fit(X, y)
    assert set(grid.best_params_) == {"estimator__C", "density_ratio__n_centers", "power"}
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    # the strategy built from a name is grid-searchable over its ratio's parameters
    grid = GridSearchCV(
        make_strategy("ulsif", LogisticRegression()), {"density_ratio__n_centers": [10, 30]}, cv=2
    )
    assert grid.fit(X, y).best_estimator_.ratio_estimator_.n_centers in (10, 30)
    res = cross_validate(
        make_pipeline(
            StandardScaler(), InstanceReweighter(LogisticRegression(), density_ratio="classifier")
        ),
        X,
        y,
        cv=3,
    )
    assert np.isfinite(res["test_score"]).all()


class _OneRowRatio(BaseDensityRatio):
    """A degenerate plug-in: all the weight on the first source row."""

    def _fit(self, Xs, Xt):
        return np.r_[1.0, np.zeros(Xs.shape[0] - 1)]

    def _ratio(self, X):
        return np.zeros(X.shape[0])


def test_ess_warning_and_custom_plugin():
    X, y, _ = make_contract_task()
    w = np.r_[10.0, np.full(59, 1e-3)]
    assert effective_sample_size(w) < 2
    # a plug-in that keeps one row: clipped and warned, never a silent collapse
    est = InstanceReweighter(LogisticRegression(), density_ratio=_OneRowRatio(), shrinkage=0.0)
    with pytest.warns(EffectiveSampleSizeWarning, match="effective sample size"):
        est.fit(X, y)
    assert est.effective_sample_size_ < 0.1 * 60
    # flattened defaults do not warn on the same plug-in
    with warnings.catch_warnings():
        warnings.simplefilter("error", EffectiveSampleSizeWarning)
        InstanceReweighter(LogisticRegression(), density_ratio=KLIEPDensityRatio()).fit(X, y)
    # the default shrinkage keeps every row (weight >= 0.5), but one row still dominates
    with pytest.warns(EffectiveSampleSizeWarning):
        est = InstanceReweighter(LogisticRegression(), density_ratio=_OneRowRatio()).fit(X, y)
    assert est.weights_[y != -1].min() == pytest.approx(0.5)


def test_normalise_weights_mean_one_and_clip_hold_together():
    from skxfer.reweighting._base import normalise_weights

    w = normalise_weights(np.r_[np.ones(20), 50.0, 80.0], clip=3.0)
    assert w.mean() == pytest.approx(1.0)
    assert w.max() <= 3.0 * (1 + 1e-6)
    shrunk = normalise_weights([1.0, 3.0], shrinkage=0.5)
    assert shrunk.tolist() == pytest.approx([0.75, 1.25])
    with pytest.raises(ValueError, match="zero importance weight"):
        normalise_weights([0.0, 0.0])


def test_uncalibrated_classifier_ratio_is_the_classifiers_own_odds():
    rng = np.random.RandomState(0)
    Xs, Xt = rng.randn(120, 2), rng.randn(60, 2) + 0.7
    X = np.r_[Xs, Xt]
    sd = np.r_[np.ones(120, dtype=int), -np.ones(60, dtype=int)]
    raw = ClassifierDensityRatio(calibrate=False, clip=1e-6, random_state=0).fit(
        X, sample_domain=sd
    )
    assert raw.calibrator_ is None
    grid = np.array([[-1.0, -1.0], [0.0, 0.0], [1.5, 1.5]])
    odds = np.exp(raw.estimator_.decision_function(grid)) * 120 / 60
    assert raw.compute_weights(grid) == pytest.approx(odds)
    platt = ClassifierDensityRatio(random_state=0).fit(X, sample_domain=sd)
    assert platt.calibrator_ is not None
    assert not np.allclose(platt.compute_weights(grid), odds)


def test_scorer_weights_are_the_shared_classifier_ratio():
    from skxfer.model_selection._scorers import density_ratio
    from skxfer.reweighting._base import normalise_weights

    rng = np.random.RandomState(1)
    Xs, Xt = rng.randn(90, 3), rng.randn(45, 3) + 0.5
    w = density_ratio(Xs, Xt, domain_classifier=LogisticRegression(), max_weight=4.0)
    ratio = ClassifierDensityRatio(
        LogisticRegression(), cv=3, clip=1e-6, calibrate=False, random_state=0
    ).fit(np.r_[Xs, Xt], sample_domain=np.r_[np.ones(90), -np.ones(45)].astype(int))
    assert w == pytest.approx(normalise_weights(ratio.source_weights_, clip=4.0))
    assert w.max() <= 4.0 * (1 + 1e-6)
