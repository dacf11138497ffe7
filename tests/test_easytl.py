"""EasyTLClassifier and its intra-domain programming."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skxfer import EasyTLClassifier, LabelledOnly, make_strategy
from skxfer.easytl import intra_domain_programming
from skxfer.utils.estimator_checks import check_da_contract, check_row_order_invariance

from ._tasks import make_shift_task


def test_beats_source_only_on_shift_task():
    X, y, sd, yt = make_shift_task()
    source_only = np.mean(LabelledOnly(LogisticRegression()).fit(X, y).predict(X[sd < 0]) == yt)
    easytl = np.mean(EasyTLClassifier().fit(X, y).predict(X[sd < 0]) == yt)
    assert easytl > source_only + 0.2, (source_only, easytl)


def test_programming_fills_every_class():
    rng = np.random.RandomState(0)
    D = rng.rand(30, 3)
    D[:, 2] += 5.0  # nearest-centroid would leave class 2 empty
    M = intra_domain_programming(D)
    np.testing.assert_allclose(M.sum(axis=1), 1.0)
    assert np.bincount(M.argmax(axis=1), minlength=3)[2] >= 1
    # otherwise it is the nearest centroid
    free = M.argmax(axis=1) != 2
    np.testing.assert_array_equal(M.argmax(axis=1)[free], D[free].argmin(axis=1))


def test_more_classes_than_rows_is_nearest_centroid():
    D = np.array([[0.3, 0.1, 0.9]])
    assert intra_domain_programming(D).tolist() == [[0.0, 1.0, 0.0]]


def test_probabilities_and_classes():
    X, y, sd, yt = make_shift_task()
    clf = make_strategy("easytl", LogisticRegression())  # no estimator parameter: ignored
    clf.fit(X, y)
    P = clf.predict_proba(X[sd < 0])
    assert P.shape == (150, 2) and np.allclose(P.sum(axis=1), 1.0)
    assert clf.classes_.tolist() == [0, 1]
    raw = EasyTLClassifier(aligner="passthrough").fit(X, y)
    assert raw.aligner_ is None


@pytest.mark.parametrize(
    "estimator", [EasyTLClassifier(), EasyTLClassifier("passthrough")], ids=repr
)
def test_contract(estimator):
    check_da_contract(estimator)
    check_row_order_invariance(estimator)


def test_labelled_target_rows_weigh_as_much_as_the_source_class():
    X, y, sd, yt = make_shift_task()
    y_semi = y.copy()
    rows = np.flatnonzero(sd < 0)[:4]
    y_semi[rows] = yt[:4]
    clf = EasyTLClassifier("passthrough").fit(X, y_semi, sample_domain=sd)
    c = yt[0]
    src = X[(sd > 0) & (y == c)].mean(axis=0)
    tgt = X[rows[yt[:4] == c]].mean(axis=0)
    np.testing.assert_allclose(clf.centroids_[c], (src + tgt) / 2)
