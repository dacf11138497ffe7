"""Relation-based transfer: the source model's class relations as target features."""

import numpy as np
from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    TransformerMixin,
    _fit_context,
    clone,
)
from sklearn.linear_model import LogisticRegression
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._domains import check_classes, is_masked, score_known_labels, validate_da_data
from .base import DATags, DomainAwareMixin
from .utils._inner_validation import (
    SWITCH_Z,
    calibrate_members,
    calibrated_mean,
    inner_splits,
    keep_unless_clearly_beaten,
    out_of_fold,
    row_scores,
)

__all__ = ["RelationTransferClassifier"]

_EPS = 1e-6
#: the single representations ``"auto"`` validates, from most to least transfer; each may
#: replace its default on its own
_SINGLE = ("relation", "relation+features", "features")
#: ``"auto"``'s default without ``predict_proba``, and the representation of
#: ``estimator_`` when the hedge is kept
_START = "relation+features"
#: the members of ``"auto"``'s hedge: transfer, and no transfer (a target-only model)
_MEMBERS = ("relation+features", "features")
#: name of the hedge in ``validation_scores_``
_HEDGE = "hedge"
#: most folds of ``"auto"``'s inner validation: the members are cheap to refit, and with a
#: few labelled rows every row withheld from a fold's model makes it weaker than the one
#: fitted on all of them (3 folds: two-thirds of the rows; 5 folds: four-fifths)
_INNER_FOLDS = 5
#: the hedge's members weigh the same (their temperatures still come from their
#: out-of-fold log loss): weights by the inverse log loss of a few rows can hand a member
#: nearly all the weight on noise, past the paired test that guards a switch to it
_WEIGHTED = False


def _default(estimator):
    return LogisticRegression(max_iter=1000) if estimator is None else estimator


def _estimator_has(attr):
    def check(self):
        getattr(_default(self.estimator), attr)
        return True

    return check


class RelationTransferClassifier(
    DomainAwareMixin, ClassifierMixin, TransformerMixin, MetaEstimatorMixin, BaseEstimator
):
    """Learn a target task on the source model's predicted class distribution.

    Relation-based transfer (基于关系的迁移): ``source_estimator`` is fitted on the
    labelled source rows (``sample_domain > 0``); every row is then represented by the
    source model's class-probability vector (how it relates to the source classes),
    optionally concatenated with the original features or with a transformer's
    embedding; ``estimator`` learns the target task on that representation from the
    labelled **target** rows (``sample_domain < 0`` and label not masked). Source and
    target label sets may differ entirely (source: four news topics; target: a binary
    task), so the target labels never meet the source labels.

    Labelled target rows are required, and they can only be told apart from source
    rows by an explicit ``sample_domain``: with sklearn's default configuration
    (``sample_domain`` inferred from the mask), labelled rows are source rows and the
    masked rows carry no label, so :meth:`fit` raises. Pass
    ``fit(X, y, sample_domain=sd)`` (or enable metadata routing in a ``Pipeline`` /
    ``GridSearchCV``). When no row is target at all (no masked label, no
    ``sample_domain``), it behaves as a plain classifier: the source model and
    ``estimator`` are both fitted on every row.

    Parameters
    ----------
    source_estimator : classifier, default=None
        Fitted on the labelled source rows. Must have ``predict_proba`` or
        ``decision_function``. Wrap an already trained model in
        :class:`sklearn.frozen.FrozenEstimator` to reuse it without refitting.
    estimator : classifier
        Learns the target task on the relation features of the labelled target rows.
    use_embedding : "auto", bool or transformer, default="auto"
        ``False``: the source model's output only. ``True``: concatenated with the
        original features. A transformer (``fit``/``transform``, e.g. ``PCA``): fitted on
        every row of ``X`` (source and target, labels unused) and its embedding is
        concatenated. ``"auto"``: a hedge between transfer and no transfer, by the rule
        :class:`~skxfer.deep.FineTuneClassifier`'s safety net and
        :class:`~skxfer.model_selection.TransferSelector`'s few-label hedge share
        (:mod:`skxfer.utils._inner_validation`). Its two members are ``estimator`` on
        the source output with the original features (transfer) and ``estimator`` on
        the original features alone (a target-only model). An inner stratified
        cross-validation of the labelled target rows (at most 5 folds; needs two
        labelled rows per target class) gives each member's out-of-fold probabilities;
        each member is calibrated on them by temperature scaling (an overconfident
        member is softened, so it does not outvote the other on rows it gets wrong), and
        :meth:`predict_proba` is the mean of the calibrated members, with equal weights.
        One representation alone (either member, or the source output alone) replaces
        the mean only if it beats it out of fold by more than two standard errors of
        the paired per-row differences. With a single labelled
        row in some class nothing is validated: the plain mean of the two members. When
        ``estimator`` has no ``predict_proba`` there is no mean: the source output with
        the original features, replaced by the source output alone or the original
        features alone only if one of them beats it out of fold by more than two paired
        standard errors. Relation features alone can lose badly to a target-only model
        when the source classes say little about the target ones (digits 0-4 -> 5-9, 20
        Newsgroups top categories), and the source output with the features leans on
        the few relation columns and is often overconfident; on those tasks the hedge
        stays near or above the better of its two members. (The members, the equal
        weights and the 5 folds were chosen on ``benchmarks/bench_taxonomy.py --parts b``
        and ``benchmarks/bench_finetune.py --suite defaults --tasks digits_0to4_5to9``,
        not held out; ``benchmarks/bench_relation_hedge.py`` compares the variants.)
    source_output : {"proba", "log_proba"}, default="proba"
        Representation of the source model's output: class probabilities (bounded, the
        better default with few target labels), or their logarithm (clipped at
        ``1e-6``). Ignored (the decision function is used) when the source model has
        no ``predict_proba``.

    Attributes
    ----------
    source_estimator_ : classifier
        The fitted source model.
    estimator_ : classifier
        The fitted target model.
    embedding_ : transformer or None
        The fitted embedding when ``use_embedding`` is a transformer.
    representation_ : {"relation", "relation+features", "relation+embedding", "features"}
        What ``estimator_`` learns on: the source output, with the original features or
        the embedding, or the original features alone (chosen by ``"auto"``).
    validation_scores_ : dict or None
        Mean out-of-fold accuracy on the labelled target rows of each candidate ``"auto"``
        validated: ``"relation"``, ``"relation+features"``, ``"features"`` and, when
        ``estimator`` has ``predict_proba``, ``"hedge"`` (the calibrated mean of the
        members). ``None`` otherwise, or when the labelled target rows are too few.
    ensemble_ : list of str or None
        When ``"auto"`` keeps its hedge, the representations whose models' calibrated
        probabilities :meth:`predict_proba` averages: ``["relation+features",
        "features"]``; ``None`` when ``estimator_`` predicts alone.
    ensemble_estimators_ : dict or None
        Per member of ``ensemble_``, ``estimator`` fitted on the labelled target rows in
        that representation (``estimator_`` is the ``"relation+features"`` one).
    ensemble_temperatures_ : dict or None
        Per member, the temperature its probabilities are divided by (in log space)
        before averaging, fitted on its out-of-fold probabilities (``1.0`` when nothing
        was validated).
    ensemble_weights_ : dict or None
        Per member, its weight in the mean (equal: ``0.5`` each).
    source_classes_ : ndarray
        Classes of the source task.
    classes_ : ndarray
        Classes of the target task.
    n_features_in_ : int
        Number of features seen at fit.

    See Also
    --------
    skxfer.LabelledOnly : fit a plain estimator on the labelled rows of both domains.

    References
    ----------
    S. J. Pan and Q. Yang. A Survey on Transfer Learning. IEEE TKDE 2010 (relational
    knowledge transfer); the probability-vector representation follows "transfer via
    source-classifier outputs" as used in e.g. Tommasi et al., CVPR 2010.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import RelationTransferClassifier
    >>> rng = np.random.RandomState(0)
    >>> Xs = rng.randn(200, 2) + np.repeat([[0, 0], [4, 0], [0, 4], [4, 4]], 50, axis=0)
    >>> ys = np.repeat([0, 1, 2, 3], 50)            # four source topics
    >>> Xt = rng.randn(8, 2) + np.repeat([[0, 0], [4, 4]], 4, axis=0)
    >>> yt = np.repeat([0, 1], 4)                   # a binary target task
    >>> X, y = np.vstack([Xs, Xt]), np.r_[ys, yt]
    >>> sd = np.r_[np.ones(200, int), -np.ones(8, int)]
    >>> clf = RelationTransferClassifier(LogisticRegression(), LogisticRegression())
    >>> clf.fit(X, y, sample_domain=sd).predict([[0.2, 0.1], [4.1, 3.8]]).tolist()
    [0, 1]
    >>> clf.ensemble_                               # "auto" kept its hedge: both predict
    ['relation+features', 'features']
    >>> clf.ensemble_weights_
    {'relation+features': 0.5, 'features': 0.5}
    """

    _da_tags = DATags(
        family="relation",
        kind="estimator",
        requires_target=False,
        uses_target_labels=True,
        requires_target_labels=True,
    )

    _parameter_constraints = {
        "source_estimator": [HasMethods(["fit"]), None],
        "estimator": [HasMethods(["fit", "predict"]), None],
        "use_embedding": ["boolean", StrOptions({"auto"}), HasMethods(["fit", "transform"])],
        "source_output": [StrOptions({"proba", "log_proba"})],
    }

    def __init__(
        self, source_estimator=None, estimator=None, use_embedding="auto", source_output="proba"
    ):
        self.source_estimator = source_estimator
        self.estimator = estimator
        self.use_embedding = use_embedding
        self.source_output = source_output

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_domain=None):
        """Fit the source model on source rows, then the target model on target rows.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Source and target rows.
        y : array-like of shape (n_samples,)
            Source labels and target labels (the two label sets may differ); unknown
            target labels masked with ``-1``.
        sample_domain : array-like of shape (n_samples,), default=None
            ``> 0`` source, ``< 0`` target. Needed to mark labelled target rows; when
            ``None`` with no masked label, every row is used for both models.

        Returns
        -------
        self : object
        """
        if y is None:
            raise ValueError(
                "RelationTransferClassifier requires y to be passed, but the target y is None: "
                "pass the source labels and a few target labels, with sample_domain marking "
                "the target rows (< 0)."
            )
        explicit = sample_domain is not None
        X, y, sd = validate_da_data(self, X, y, sample_domain, accept_sparse="csr")
        labelled = ~is_masked(y)
        source = (sd > 0) & labelled
        target = (sd < 0) & labelled
        if not (sd < 0).any() and not explicit:
            source = target = labelled  # no target rows at all: a plain classifier
        if not source.any():
            raise ValueError(
                "RelationTransferClassifier found no labelled source row: give the source "
                "rows (sample_domain > 0) their labels."
            )
        if not target.any():
            how = (
                "sample_domain marks target rows but none of them has a label"
                if explicit
                else "without sample_domain the labelled rows are taken as source and the "
                "masked rows as unlabelled target"
            )
            raise ValueError(
                "RelationTransferClassifier learns the target task from labelled target "
                f"rows, but found none: {how}. Give a few target rows their label and mark "
                "them with a negative sample_domain, e.g. "
                "fit(X, y, sample_domain=np.r_[np.ones(n_source), -np.ones(n_target)])."
            )
        self.source_estimator_ = clone(_default(self.source_estimator)).fit(X[source], y[source])
        self.source_classes_ = getattr(self.source_estimator_, "classes_", None)
        self.embedding_ = None
        self.validation_scores_ = None
        y_target = y[target]
        check_classes(self, y_target)
        ue = self.use_embedding
        self.ensemble_ = self.ensemble_weights_ = self.ensemble_temperatures_ = None
        self.ensemble_estimators_ = None
        if isinstance(ue, str):  # "auto"
            self._fit_auto(X[target], y_target)
            return self
        if ue is True or ue is False:
            self.representation_ = "relation+features" if ue else "relation"
        else:
            self.embedding_ = clone(ue).fit(X)
            self.representation_ = "relation+embedding"
        self.estimator_ = self._fit_on(self.representation_, X[target], y_target)
        self.classes_ = getattr(self.estimator_, "classes_", np.unique(y_target))
        return self

    def _fit_on(self, representation, X, y):
        """``estimator`` fitted on the labelled target rows in ``representation``."""
        return clone(_default(self.estimator)).fit(self._represent(X, representation), y)

    def _fit_auto(self, X, y):
        """``use_embedding="auto"``: the calibrated hedge of the shared rule
        (:mod:`skxfer.utils._inner_validation`), or one representation alone."""
        can_hedge = hasattr(_default(self.estimator), "predict_proba")
        default = _HEDGE if can_hedge else _START
        classes, codes = np.unique(y, return_inverse=True)
        splits = inner_splits(codes, True, 0, max_folds=_INNER_FOLDS)
        temps = dict.fromkeys(_MEMBERS, 1.0)  # nothing validated: the plain mean
        weights = dict.fromkeys(_MEMBERS, 1.0 / len(_MEMBERS))
        kept = default
        if splits is not None:
            Z = {name: self._represent(X, name) for name in _SINGLE}
            oof = out_of_fold(
                lambda name, tr, ev: self._candidate_output(Z[name], codes, tr, ev),
                _SINGLE,
                splits,
                len(codes),
            )
            if can_hedge:  # the shared rule: calibrated members, then their mean
                members = {n: oof[n] for n in _MEMBERS}
                temps, weights = calibrate_members(members, codes, weighted=_WEIGHTED)
                oof[_HEDGE] = calibrated_mean(members, temps, weights)
            rows = {n: row_scores(p, codes, True) for n, p in oof.items()}
            self.validation_scores_ = {n: float(np.mean(v)) for n, v in rows.items()}
            kept = keep_unless_clearly_beaten(rows, default, z=SWITCH_Z)
        self.representation_ = _START if kept == _HEDGE else kept
        self.estimator_ = self._fit_on(self.representation_, X, y)
        self.classes_ = getattr(self.estimator_, "classes_", classes)
        if kept == _HEDGE:
            self.ensemble_ = list(_MEMBERS)
            self.ensemble_temperatures_, self.ensemble_weights_ = temps, weights
            self.ensemble_estimators_ = {
                n: self.estimator_ if n == _START else self._fit_on(n, X, y) for n in _MEMBERS
            }

    def _candidate_output(self, Z, codes, train, valid):
        """Out-of-fold class probabilities (one-hot predictions for an estimator without
        ``predict_proba``) of ``estimator`` on the representation ``Z``."""
        model = clone(_default(self.estimator)).fit(Z[train], codes[train])
        if hasattr(model, "predict_proba"):
            return model.predict_proba(Z[valid])
        return np.eye(codes.max() + 1)[np.asarray(model.predict(Z[valid]), dtype=int)]

    def _represent_as_fitted(self, X):
        """``X`` in the representation of ``estimator_``."""
        return self._represent(X, self.representation_)

    def _represent(self, X, representation):
        """``X`` in ``representation`` (see ``representation_``)."""
        if representation == "features":
            return X
        src = self.source_estimator_
        if hasattr(src, "predict_proba"):
            P = np.asarray(src.predict_proba(X), dtype=float)
            if self.source_output == "log_proba":
                P = np.log(np.clip(P, _EPS, 1.0))
        else:
            P = np.asarray(src.decision_function(X), dtype=float)
            if P.ndim == 1:
                P = P[:, None]
        if representation == "relation+features":
            extra = X
        elif representation == "relation+embedding":
            extra = self.embedding_.transform(X)
        else:
            return P
        if sparse.issparse(extra):
            return sparse.hstack([sparse.csr_matrix(P), extra], format="csr")
        return np.hstack([P, np.asarray(extra, dtype=float)])

    def _validate_X(self, X):
        check_is_fitted(self)
        X, _, _ = validate_da_data(self, X, reset=False, accept_sparse="csr")
        return X

    def transform(self, X, sample_domain=None):
        """Relation features: the source model's output (and the embedding, if any).

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for the data contract; unused (every row is mapped alike).

        Returns
        -------
        Z : ndarray or sparse matrix of shape (n_samples, n_relation_features)
        """
        return self._represent_as_fitted(self._validate_X(X))

    def predict(self, X, sample_domain=None):
        """Predict target classes.

        Parameters
        ----------
        X : array-like or sparse matrix of shape (n_samples, n_features)
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for the data contract; unused.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        if getattr(self, "ensemble_", None) is not None:
            return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
        Z = self.transform(X)
        return self.estimator_.predict(Z)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X, sample_domain=None):
        """Target class probabilities from ``estimator_`` on the relation features; when
        ``"auto"`` kept its hedge, the weighted mean of the members' calibrated
        probabilities (``ensemble_``, ``ensemble_temperatures_``, ``ensemble_weights_``)."""
        X = self._validate_X(X)
        if getattr(self, "ensemble_", None) is None:
            return self.estimator_.predict_proba(self._represent_as_fitted(X))
        proba = {
            n: est.predict_proba(self._represent(X, n))
            for n, est in self.ensemble_estimators_.items()
        }
        return calibrated_mean(proba, self.ensemble_temperatures_, self.ensemble_weights_)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X, sample_domain=None):
        """Log target class probabilities (see :meth:`predict_proba`)."""
        if getattr(self, "ensemble_", None) is not None:
            return self._hedge_log_proba(X)
        Z = self.transform(X)
        return self.estimator_.predict_log_proba(Z)

    def _hedge_log_proba(self, X):
        return np.log(np.clip(self.predict_proba(X), 1e-300, None))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X, sample_domain=None):
        """Decision function of ``estimator_`` on the relation features; when
        :meth:`predict` uses the hedge (``ensemble_``), the log of its mean probabilities
        instead (binary: their log-odds), so that it agrees with :meth:`predict`."""
        if getattr(self, "ensemble_", None) is not None:
            log_proba = self._hedge_log_proba(X)
            return log_proba[:, 1] - log_proba[:, 0] if len(self.classes_) == 2 else log_proba
        Z = self.transform(X)
        return self.estimator_.decision_function(Z)

    def score(self, X, y, sample_weight=None, sample_domain=None):
        """Accuracy on the labelled rows of ``(X, y)``; ``nan`` when all are masked."""
        return score_known_labels(y, self.predict(X), sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = get_tags(_default(self.source_estimator)).input_tags.sparse and (
            self.use_embedding is False or get_tags(_default(self.estimator)).input_tags.sparse
        )
        return tags
