"""SelfTrainingAdapter: class-balanced pseudo-labelling around any aligner."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.svm import LinearSVC

from skxfer import (
    CORALAligner,
    JDAAligner,
    LabelledOnly,
    SelfTrainingAdapter,
    make_da_pipeline,
    make_strategy,
)
from skxfer.self_training import select_pseudo_labels
from skxfer.utils.estimator_checks import (
    check_da_contract,
    check_row_order_invariance,
    make_contract_task,
)

from ._tasks import make_shift_task


def _accuracy(est, X, y, sd, yt):
    return float(np.mean(est.fit(X, y).predict(X[sd < 0]) == yt))


def test_beats_source_only_and_the_aligner_alone():
    X, y, sd, yt = make_shift_task()
    source_only = _accuracy(LabelledOnly(LogisticRegression()), X, y, sd, yt)
    coral_only = _accuracy(make_da_pipeline(CORALAligner(), LogisticRegression()), X, y, sd, yt)
    self_trained = _accuracy(SelfTrainingAdapter(), X, y, sd, yt)
    assert self_trained > source_only + 0.15, (source_only, self_trained)
    # the pseudo-labelling rounds add to the alignment they start from
    assert self_trained > coral_only, (coral_only, self_trained)


def test_rounds_grow_the_pseudo_labelled_set():
    X, y, sd, yt = make_shift_task()
    one = SelfTrainingAdapter(n_iter=1).fit(X, y)
    # one round keeps every target row (fraction 1); with a threshold, only the sure ones
    assert np.all(one.pseudo_labels_[sd < 0] != -1)
    strict = SelfTrainingAdapter(n_iter=1, threshold=0.99).fit(X, y)
    kept = strict.pseudo_labels_[sd < 0] != -1
    assert 0 < kept.sum() < (sd < 0).sum()
    # source labels are never touched
    np.testing.assert_array_equal(strict.pseudo_labels_[sd > 0], y[sd > 0])
    assert strict.n_iter_ == 1


def test_select_pseudo_labels_is_class_balanced_and_order_free():
    labels = np.array([0] * 8 + [1] * 2)
    conf = np.r_[np.linspace(0.99, 0.9, 8), 0.6, 0.55]
    keep = select_pseudo_labels(labels, conf, 0.5)
    assert keep[labels == 1].sum() == 1 and keep[labels == 0].sum() == 4
    # over all rows the minority class is crowded out
    assert not select_pseudo_labels(labels, conf, 0.5, class_balanced=False)[labels == 1].any()
    # ties with the cut are all kept, whatever their position
    tied = select_pseudo_labels(np.zeros(4, int), np.array([0.9, 0.8, 0.8, 0.1]), 0.5)
    assert tied.tolist() == [True, True, True, False]
    assert not select_pseudo_labels(labels, conf, 1.0, threshold=0.95)[labels == 1].any()


@pytest.mark.parametrize("estimator", [LinearSVC(), RidgeClassifier()], ids=repr)
def test_estimators_without_predict_proba(estimator):
    X, y, sd, yt = make_shift_task()
    clf = SelfTrainingAdapter(estimator=estimator, n_iter=3).fit(X, y)
    assert np.mean(clf.predict(X[sd < 0]) == yt) > 0.7
    assert not hasattr(clf, "predict_proba")


def test_any_aligner_and_passthrough():
    X, y, sd, yt = make_shift_task()
    jda = SelfTrainingAdapter(JDAAligner(n_components=3, mu=0.1), n_iter=3).fit(X, y)
    assert jda.aligner_.n_components_ == 3
    plain = SelfTrainingAdapter("passthrough", n_iter=3).fit(X, y)
    assert plain.aligner_ is None
    assert plain.predict_proba(X[sd < 0]).shape == (150, 2)


def test_registered_strategy():
    est = make_strategy("self_training", LogisticRegression(C=0.5))
    assert isinstance(est, SelfTrainingAdapter) and est.estimator.C == 0.5


def test_requires_labelled_source():
    X, y, _ = make_contract_task()
    with pytest.raises(ValueError, match="marks as source have a masked label"):
        SelfTrainingAdapter().fit(
            X, np.full_like(y, -1), sample_domain=np.r_[np.ones(60, int), -np.ones(50, int)]
        )


@pytest.mark.parametrize(
    "estimator",
    [SelfTrainingAdapter(n_iter=3), SelfTrainingAdapter("passthrough", n_iter=2)],
    ids=repr,
)
def test_contract(estimator):
    check_da_contract(estimator)
    check_row_order_invariance(estimator)
