"""Label shift: BBSE and EM recover the target priors and correct the classifier."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxfer import LabelShiftClassifier, estimate_target_priors, get_strategy
from skxfer.utils.estimator_checks import check_da_contract

MASK_CONFLICT = {
    "check_classifiers_classes": (
        "it trains on the labels {-1, 1}; -1 is the mask of an unknown target label, so "
        "those rows become unlabelled target rows and only one source class is left"
    ),
}


@parametrize_with_checks(
    [LabelShiftClassifier(LogisticRegression(), method="em", correction="reweight")],
    expected_failed_checks=lambda est: MASK_CONFLICT,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("method", ["bbse", "em"])
def test_da_contract(method):
    check_da_contract(LabelShiftClassifier(LogisticRegression(), method=method))


PRIORS_T = np.array([0.6, 0.3, 0.1])


def _prior_shift(seed=0, n_s=900, n_t=3000):
    rng = np.random.RandomState(seed)
    means = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 1.8]])
    ys = np.repeat([0, 1, 2], n_s // 3)
    yt = rng.choice(3, size=n_t, p=PRIORS_T)
    Xs = means[ys] + rng.randn(len(ys), 2)
    Xt = means[yt] + rng.randn(n_t, 2)
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, -np.ones(n_t, int)]
    return X, y, Xt, yt


@pytest.mark.parametrize("method", ["bbse", "em"])
@pytest.mark.parametrize("correction", ["posterior", "reweight"])
def test_recovers_priors_and_improves_accuracy(method, correction):
    X, y, Xt, yt = _prior_shift()
    clf = LabelShiftClassifier(LogisticRegression(), method=method, correction=correction)
    clf.fit(X, y)
    np.testing.assert_allclose(clf.source_priors_, [1 / 3] * 3)
    assert np.max(np.abs(clf.estimated_priors_ - PRIORS_T)) < 0.05, clf.estimated_priors_
    np.testing.assert_allclose(clf.class_weights_, clf.estimated_priors_ / clf.source_priors_)
    base = LogisticRegression().fit(X[y >= 0], y[y >= 0])
    acc_base = np.mean(base.predict(Xt) == yt)
    acc = np.mean(clf.predict(Xt) == yt)
    assert acc > acc_base + 0.02, (acc, acc_base)
    np.testing.assert_allclose(clf.predict_proba(Xt).sum(1), 1.0)


def test_diagnostic_function_and_registry():
    X, y, _, _ = _prior_shift(seed=1)
    for method in ("bbse", "em"):
        q = estimate_target_priors(LogisticRegression(), X, y, method=method)
        assert np.max(np.abs(q - PRIORS_T)) < 0.05
    assert get_strategy("label_shift") is LabelShiftClassifier
    # BBSE needs only hard predictions when reweighting
    clf = LabelShiftClassifier(LinearSVC(), correction="reweight").fit(X, y)
    assert np.max(np.abs(clf.estimated_priors_ - PRIORS_T)) < 0.05
    assert clf.confusion_matrix_.shape == (3, 3)


def test_clear_errors():
    X, y, _, _ = _prior_shift(n_t=60)
    with pytest.raises(ValueError, match="predict_proba"):
        LabelShiftClassifier(LinearSVC()).fit(X, y)
    with pytest.raises(ValueError, match="negative entry"):
        LabelShiftClassifier(LogisticRegression()).fit(
            X[y >= 0], y[y >= 0], sample_domain=np.ones(int((y >= 0).sum()), int)
        )
