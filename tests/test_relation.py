"""Relation-based transfer: the source model's class distribution as target features."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxfer import RelationTransferClassifier, get_da_tags, get_strategy
from skxfer.utils._inner_validation import temper

MASK_CONFLICT = {
    "check_classifiers_classes": (
        "it trains on the labels {-1, 1} without sample_domain; -1 is the mask of an "
        "unknown target label, so those rows become unlabelled target rows and no labelled "
        "target row is left for the target task (fit raises, as documented)"
    ),
}


@parametrize_with_checks(
    [
        RelationTransferClassifier(
            LogisticRegression(), LogisticRegression(), source_output="log_proba"
        ),
    ],
    expected_failed_checks=lambda est: MASK_CONFLICT,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _topics_to_sentiment(k_per_topic=2, seed=0, d=100):
    """Source: 4 topics (Gaussian clusters); target: binary {topics 0,1} vs {topics 2,3}.

    The target rows sit in the same clusters; ``k_per_topic`` of each topic are labelled.
    """
    rng = np.random.RandomState(seed)
    centres = 0.6 * rng.randn(4, d)
    ys = np.repeat(np.arange(4), 80)
    Xs = centres[ys] + 1.5 * rng.randn(len(ys), d)
    topics_t = rng.randint(0, 4, size=400)
    Xt = centres[topics_t] + 1.5 * rng.randn(400, d)
    yt = (topics_t >= 2).astype(int)
    lab = np.concatenate([np.flatnonzero(topics_t == t)[:k_per_topic] for t in range(4)])
    y_t_masked = np.full(400, -1)
    y_t_masked[lab] = yt[lab]
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, y_t_masked]
    sd = np.r_[np.ones(len(ys), int), -np.ones(400, int)]
    return X, y, sd, Xt, yt, lab


def test_disjoint_label_sets_beat_target_only():
    gains = []
    for seed in range(2):
        X, y, sd, Xt, yt, lab = _topics_to_sentiment(seed=seed)
        # the relation features alone: the source topics carry the target task
        clf = RelationTransferClassifier(
            LogisticRegression(), LogisticRegression(), use_embedding=False
        )
        clf.fit(X, y, sample_domain=sd)
        assert clf.source_classes_.tolist() == [0, 1, 2, 3]
        assert clf.classes_.tolist() == [0, 1]
        acc_rel = np.mean(clf.predict(Xt) == yt)
        acc_tgt = np.mean(LogisticRegression().fit(Xt[lab], yt[lab]).predict(Xt) == yt)
        gains.append(acc_rel - acc_tgt)
        assert acc_rel > 0.9
        # the default ("auto") cannot tell from 8 labelled rows: it hedges, never below
        # the target-only model
        auto = RelationTransferClassifier().fit(X, y, sample_domain=sd)
        assert np.mean(auto.predict(Xt) == yt) >= acc_tgt - 0.01
    assert np.mean(gains) > 0.05


def test_transform_embedding_sparse_and_frozen_source():
    X, y, sd, Xt, yt, _ = _topics_to_sentiment()
    clf = RelationTransferClassifier(
        LogisticRegression(), LogisticRegression(), use_embedding=PCA(n_components=3)
    )
    clf.fit(X, y, sample_domain=sd)
    assert clf.transform(Xt).shape == (400, 4 + 3)
    assert get_da_tags(clf).family == "relation" and get_da_tags(clf).uses_target_labels
    # a pre-trained source model is reused untouched through FrozenEstimator
    src = LogisticRegression().fit(X[sd > 0], y[sd > 0])
    frozen = RelationTransferClassifier(FrozenEstimator(src), LogisticRegression())
    frozen.fit(X, y, sample_domain=sd)
    np.testing.assert_allclose(frozen.source_estimator_.predict_proba(Xt), src.predict_proba(Xt))
    Xsp = sparse.csr_matrix(np.abs(X))
    sp = RelationTransferClassifier(
        LogisticRegression(), LogisticRegression(), use_embedding=True
    ).fit(Xsp, y, sample_domain=sd)
    assert sparse.issparse(sp.transform(Xsp)) and sp.transform(Xsp).shape == (720, 104)
    assert get_strategy("relation") is RelationTransferClassifier


def test_clear_errors_without_labelled_target_rows():
    X, y, sd, *_ = _topics_to_sentiment()
    clf = RelationTransferClassifier(LogisticRegression(), LogisticRegression())
    y_no_target_labels = np.where(sd < 0, -1, y)
    with pytest.raises(ValueError, match="none of them has a label"):
        clf.fit(X, y_no_target_labels, sample_domain=sd)
    with pytest.raises(ValueError, match="explicit|without sample_domain"):
        clf.fit(X, y_no_target_labels)
    y_before = y.copy()
    clf.fit(X, y, sample_domain=sd)
    np.testing.assert_array_equal(y, y_before)
    # plain mode: no target row at all, one task
    Xs, ys = X[sd > 0], y[sd > 0]
    plain = RelationTransferClassifier(LogisticRegression(), LogisticRegression()).fit(Xs, ys)
    assert plain.score(Xs, ys) > 0.9


def test_auto_representation_does_not_lose_to_target_only_when_relations_say_little():
    # digits 0-4 as source, 5-9 as target: the source classes say little about the
    # target ones, so the source output alone loses to a target-only model
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.RandomState(0)
    src = np.flatnonzero(y < 5)
    lab = np.concatenate(
        [rng.choice(np.flatnonzero(y == c), 5, replace=False) for c in range(5, 10)]
    )
    rest = np.setdiff1d(np.flatnonzero(y >= 5), lab)
    Xa, ya = np.r_[X[src], X[lab]], np.r_[y[src], y[lab]]
    sd = np.r_[np.ones(len(src), dtype=int), -np.ones(len(lab), dtype=int)]
    target_only = LogisticRegression(max_iter=1000).fit(X[lab], y[lab]).score(X[rest], y[rest])
    alone = RelationTransferClassifier(use_embedding=False).fit(Xa, ya, sample_domain=sd)
    auto = RelationTransferClassifier().fit(Xa, ya, sample_domain=sd)
    assert alone.score(X[rest], y[rest]) < target_only - 0.2
    assert auto.representation_ in ("relation+features", "features")
    assert set(auto.validation_scores_) == {"hedge", "relation", "relation+features", "features"}
    assert auto.score(X[rest], y[rest]) >= target_only - 0.01


class _LabelAndFlag(ClassifierMixin, BaseEstimator):
    """Test-only source model: four "source classes", one per (label, flag) pair read
    from columns 0 and 1, so that every representation carries both."""

    def fit(self, X, y):
        self.classes_ = np.arange(4)
        return self

    def predict_proba(self, X):
        label, flag = np.asarray(X[:, 0], int), np.asarray(X[:, 1], int)
        return np.eye(4)[label + 2 * flag]


class _Scripted(ClassifierMixin, BaseEstimator):
    """Test-only target model whose output is scripted per representation (told apart by
    the number of columns): ``script[name] = (p, p_flagged)``, the probability it gives
    the true label on unflagged and on flagged rows. Training only sets ``classes_``, so
    out-of-fold and final outputs are the same."""

    def __init__(self, script=None, n_features=3):
        self.script = script
        self.n_features = n_features

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        if X.shape[1] == 4:  # the source output alone: decode (label, flag)
            name, label, flag = "relation", X[:, 1] + X[:, 3], X[:, 2] + X[:, 3]
        else:
            name = "features" if X.shape[1] == self.n_features else "relation+features"
            label, flag = X[:, -self.n_features], X[:, -self.n_features + 1]
        p, p_flagged = self.script[name]
        p_true = np.where(flag > 0.5, p_flagged, p)
        p1 = np.where(label > 0.5, p_true, 1.0 - p_true)
        return np.c_[1.0 - p1, p1]

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]


def _scripted_task(script, flagged, n=40, seed=0):
    """Labelled source rows, ``n`` labelled target rows (half per class) of which
    ``flagged`` carry the flag, and ``n`` unlabelled target rows alike."""
    rng = np.random.RandomState(seed)

    def rows(m, n_flagged):
        label = np.arange(m) % 2
        flag = np.zeros(m, int)
        flag[rng.permutation(m)[:n_flagged]] = 1
        return np.c_[label, flag, rng.randn(m)], label

    Xs, _ = rows(20, 10)
    ys = np.arange(20) % 4
    Xl, yl = rows(n, flagged)
    Xt, yt = rows(n, n // 2)
    X = np.vstack([Xs, Xl])
    sd = np.r_[np.ones(20, int), -np.ones(n, int)]
    clf = RelationTransferClassifier(_LabelAndFlag(), _Scripted(script), use_embedding="auto")
    return clf.fit(X, np.r_[ys, yl], sample_domain=sd), Xt, yt


def test_auto_hedge_softens_a_member_confidently_wrong_out_of_fold():
    # the target-only member is sure of the wrong label on the flagged rows (60 %); the
    # transfer member is right everywhere, without much confidence
    script = {"relation": (0.6, 0.6), "relation+features": (0.7, 0.7), "features": (0.95, 0.05)}
    clf, Xt, yt = _scripted_task(script, flagged=24)
    assert clf.ensemble_ == ["relation+features", "features"]
    temps, weights = clf.ensemble_temperatures_, clf.ensemble_weights_
    assert temps["features"] > 1.0 > temps["relation+features"]
    assert weights == {"relation+features": 0.5, "features": 0.5}
    # predict_proba is the weighted mean of the members' calibrated probabilities
    members = {
        n: est.predict_proba(clf._represent(Xt, n)) for n, est in clf.ensemble_estimators_.items()
    }
    expected = sum(weights[n] * temper(p, temps[n]) for n, p in members.items())
    np.testing.assert_allclose(clf.predict_proba(Xt), expected)
    np.testing.assert_array_equal(clf.predict(Xt), clf.classes_[expected.argmax(axis=1)])
    # so the confidently wrong member no longer outvotes the other: right on every row,
    # where the plain mean of the two is wrong on the flagged rows
    plain = (members["relation+features"] + members["features"]) / 2.0
    flagged = Xt[:, 1] == 1
    assert np.all(plain[flagged].argmax(axis=1) != yt[flagged])
    assert np.all(clf.predict(Xt) == yt)


def test_auto_switches_to_one_representation_only_when_it_clearly_beats_the_hedge():
    # both members are sure of the wrong label on the flagged rows, the source output
    # alone is right everywhere
    script = {"relation": (0.8, 0.8), "relation+features": (0.9, 0.1), "features": (0.9, 0.1)}
    # 16 flagged rows of 40: far more than two paired standard errors -> switch
    clf, Xt, yt = _scripted_task(script, flagged=16)
    assert clf.representation_ == "relation" and clf.ensemble_ is None
    assert clf.ensemble_weights_ is None and clf.ensemble_estimators_ is None
    np.testing.assert_allclose(
        clf.predict_proba(Xt), clf.estimator_.predict_proba(clf.transform(Xt))
    )
    assert np.all(clf.predict(Xt) == yt)
    # one flagged row of 40: better on average, but within the noise -> the hedge stays
    clf, Xt, yt = _scripted_task(script, flagged=1)
    assert clf.validation_scores_["relation"] > clf.validation_scores_["hedge"]
    assert clf.representation_ == "relation+features"
    assert clf.ensemble_ == ["relation+features", "features"]


def test_auto_moves_to_the_relation_features_alone_when_they_clearly_win():
    # 160 labelled rows on real estimators: the source output alone is right out of fold
    # where the hedge is not, clearly enough to replace it
    X, y, sd, Xt, yt, _ = _topics_to_sentiment(k_per_topic=40, seed=2)
    clf = RelationTransferClassifier().fit(X, y, sample_domain=sd)
    assert clf.representation_ == "relation" and clf.ensemble_ is None
    assert clf.validation_scores_["relation"] > clf.validation_scores_["hedge"]
    assert np.mean(clf.predict(Xt) == yt) > 0.95


def test_auto_hedges_with_a_target_only_model_when_it_cannot_validate():
    # one labelled row per target class: no inner validation is possible, so "auto"
    # keeps the plain mean of the relation model and the same estimator on the
    # features alone (no temperature, equal weights)
    X, y, sd, Xt, yt, lab = _topics_to_sentiment(seed=0)
    n_source = int(np.sum(sd > 0))
    one_per_class = [n_source + lab[yt[lab] == c][0] for c in (0, 1)]
    keep = np.r_[np.arange(n_source), one_per_class]
    clf = RelationTransferClassifier().fit(X[keep], y[keep], sample_domain=sd[keep])
    assert clf.validation_scores_ is None
    assert clf.ensemble_ == ["relation+features", "features"]
    assert clf.ensemble_temperatures_ == {"relation+features": 1.0, "features": 1.0}
    assert clf.ensemble_weights_ == {"relation+features": 0.5, "features": 0.5}
    target_only = clf.ensemble_estimators_["features"]
    assert clf.ensemble_estimators_["relation+features"] is clf.estimator_
    Z = clf.transform(Xt)
    expected = (clf.estimator_.predict_proba(Z) + target_only.predict_proba(Xt)) / 2
    np.testing.assert_allclose(clf.predict_proba(Xt), expected)
    np.testing.assert_array_equal(clf.predict(Xt), clf.classes_[expected.argmax(axis=1)])
    # the decision function is the averaged probabilities' log-odds: it agrees with predict
    np.testing.assert_allclose(
        clf.decision_function(Xt), np.log(expected[:, 1]) - np.log(expected[:, 0])
    )
    # with a fixed representation there is no hedge
    fixed = RelationTransferClassifier(use_embedding=True).fit(
        X[keep], y[keep], sample_domain=sd[keep]
    )
    assert fixed.ensemble_ is None and fixed.ensemble_estimators_ is None
    # nor with an estimator without probabilities: "auto" starts from relation + features
    no_proba = RelationTransferClassifier(estimator=RidgeClassifier())
    no_proba.fit(X, y, sample_domain=sd)
    assert set(no_proba.validation_scores_) == {"relation", "relation+features", "features"}
    assert no_proba.ensemble_ is None
    no_proba.fit(X[keep], y[keep], sample_domain=sd[keep])
    assert no_proba.representation_ == "relation+features"
    assert no_proba.ensemble_ is None
