"""Unsupervised domain-adaptation scorers: rank models without target labels.

Every scorer is called as ``scorer(estimator, X, y=None, sample_domain=None)`` on a
validation fold holding labelled source rows and unlabelled (masked) target rows, and
returns a number where **greater is better**. They work as ``scoring=`` in
:class:`~sklearn.model_selection.GridSearchCV`, :func:`~sklearn.model_selection.cross_validate`
and :func:`~sklearn.model_selection.cross_val_score`:

- with metadata routing **off** (sklearn's default) the masked ``y`` of the fold tells
  which rows are target;
- with routing **on** they request ``sample_domain`` by default (no
  ``set_score_request`` call needed), and fall back on the mask when it is not passed.

The fitted estimator is always queried in deployment mode (``predict(X)`` without a
``sample_domain``: every row treated as target), which is how it will be used on the
target domain. Scorers that use only target predictions (entropy, soft neighbourhood
density) are penalised by the diversity of the predicted class marginal, so a model
that predicts one class everywhere cannot score best.
"""

import copy

import numpy as np
from scipy import sparse
from scipy.special import softmax
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score, get_scorer
from sklearn.metrics._scorer import _BaseScorer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.metadata_routing import MetadataRequest, get_routing_for_object

from .._domains import is_masked, masked_labels
from ..reweighting import ClassifierDensityRatio
from ..reweighting._base import normalise_weights
from ._split import resolve_domains

__all__ = [
    "ImportanceWeightedScorer",
    "PredictionEntropyScorer",
    "DeepEmbeddedValidationScorer",
    "CircularValidationScorer",
    "SoftNeighborhoodDensityScorer",
    "SupervisedTargetScorer",
    "KnownLabelsScorer",
    "MixValScorer",
    "EnsembleAgreementScorer",
    "get_da_scorer",
]

_EPS = 1e-12


def _num_rows(X):
    return X.shape[0] if hasattr(X, "shape") else len(X)


def _rows(X, idx):
    if hasattr(X, "iloc"):
        return X.iloc[idx]
    return X[idx]


def _proba(estimator, X):
    """Class probabilities of ``estimator`` on ``X`` (softmax of decision_function or
    one-hot predictions when ``predict_proba`` is missing)."""
    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(X), dtype=float)
    classes = getattr(estimator, "classes_", None)
    if hasattr(estimator, "decision_function"):
        d = np.asarray(estimator.decision_function(X), dtype=float)
        if d.ndim == 1:
            d = np.c_[-d, d]
        return softmax(d, axis=1)
    if classes is None:
        raise TypeError(
            f"{type(estimator).__name__} has neither predict_proba, decision_function nor "
            "classes_: this scorer needs a classifier."
        )
    pred = np.asarray(estimator.predict(X))
    return (pred[:, None] == np.asarray(classes)[None, :]).astype(float)


def _entropy(p, axis=1):
    p = np.clip(p, _EPS, 1.0)
    return -(p * np.log(p)).sum(axis=axis)


def prediction_diversity(proba):
    """Normalised entropy (in ``[0, 1]``) of the predicted class marginal.

    0 when every row gets the same predicted class, 1 when the predicted classes are
    balanced. Used to penalise collapsed models.
    """
    k = proba.shape[1]
    if k < 2 or proba.shape[0] == 0:
        return 0.0
    counts = np.bincount(np.argmax(proba, axis=1), minlength=k) / proba.shape[0]
    return float(_entropy(counts[None, :])[0] / np.log(k))


def _balanced_classes(estimator):
    """``estimator`` with ``class_weight="balanced"`` on every step that takes it."""
    params = {
        k: "balanced"
        for k in estimator.get_params()
        if k == "class_weight" or k.endswith("__class_weight")
    }
    return estimator.set_params(**params) if params else estimator


def _at_most(rows, max_samples, random_state):
    """``rows``, or ``max_samples`` of them drawn without replacement (kept in order)."""
    if rows.size <= max_samples:
        return rows
    rng = check_random_state(random_state)
    return np.sort(rng.choice(rows, max_samples, replace=False))


def _mix(X, i, j, lam):
    """Rows ``lam * X[i] + (1 - lam) * X[j]`` (dense, sparse or pandas ``X``)."""
    if sparse.issparse(X):
        X = X.tocsr()
        return X[i] * lam + X[j] * (1.0 - lam)
    A = np.asarray(X, dtype=float)
    mixed = A[i]  # a copy, scaled in place: one temporary instead of four
    mixed *= lam
    mixed += (1.0 - lam) * A[j]
    return mixed


def _features(estimator, X):
    """Features the estimator's final step sees: ``pipe[:-1].transform`` or ``X``."""
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return estimator[:-1].transform(X)
    if hasattr(estimator, "transform") and not hasattr(estimator, "predict"):
        return estimator.transform(X)
    return X


def _default_domain_classifier(sparse_input=False):
    return make_pipeline(
        StandardScaler(with_mean=not sparse_input), LogisticRegression(C=0.1, max_iter=1000)
    )


def density_ratio(
    X_source, X_target, *, domain_classifier=None, max_weight=10.0, cv=3, random_state=0
):
    """Importance weights ``p_target(x) / p_source(x)`` of the source rows.

    The raw cross-fitted odds of a probabilistic domain classifier (source vs target),
    corrected for the domain sizes: :class:`~skxfer.reweighting.ClassifierDensityRatio`
    with ``calibrate=False``. Weights are normalised to mean 1 and clipped at
    ``max_weight`` (renormalised, see ``normalise_weights``), which keeps the estimate
    finite when the domains are nearly separable.

    Returns
    -------
    weights : ndarray of shape (n_source,)
    """
    ns, nt = _num_rows(X_source), _num_rows(X_target)
    if ns == 0 or nt == 0:
        return np.ones(ns)
    is_sparse = sparse.issparse(X_source)
    X = (
        sparse.vstack([X_source, X_target]).tocsr()
        if is_sparse
        else np.vstack([X_source, X_target])
    )
    ratio = ClassifierDensityRatio(
        estimator=(
            _default_domain_classifier(is_sparse)
            if domain_classifier is None
            else domain_classifier
        ),
        cv=cv,
        clip=1e-6,
        calibrate=False,
        random_state=random_state,
    )
    sample_domain = np.r_[np.ones(ns, dtype=int), -np.ones(nt, dtype=int)]
    ratio.fit(X, sample_domain=sample_domain)
    return normalise_weights(ratio.source_weights_, clip=max_weight)


def _da_score_func(*args, **kwargs):  # pragma: no cover - never called
    """``_BaseScorer`` wants a score function; DA scorers score in ``_evaluate``."""
    raise TypeError("DA scorers compute their score in _evaluate, not through score_func.")


class _DAScorer(_BaseScorer):
    """Base class: ``scorer(estimator, X, y=None, sample_domain=None) -> float``."""

    _needs = ""

    def __init__(self):
        super().__init__(score_func=_da_score_func, sign=1, kwargs={}, response_method="predict")

    def __repr__(self):
        params = ", ".join(
            f"{k}={v!r}"
            for k, v in vars(self).items()
            if not k.startswith("_") and k not in ("_score_func",)
        )
        return f"{type(self).__name__}({params})"

    def _accept_sample_weight(self):
        return False

    def _get_metadata_request(self):
        if hasattr(self, "_metadata_request"):
            return get_routing_for_object(self._metadata_request)
        request = MetadataRequest(owner=self)
        request.score.add_request(param="sample_domain", alias=True)
        return request

    def __call__(self, estimator, X, y_true=None, sample_domain=None, **kwargs):
        """Score a fitted estimator on a validation fold (greater is better).

        Parameters
        ----------
        estimator : fitted estimator
        X : array-like of shape (n_samples, n_features)
            Validation rows, source and target.
        y_true : array-like of shape (n_samples,), default=None
            Labels with target rows masked (``-1`` / ``NaN``).
        sample_domain : array-like of shape (n_samples,), default=None
            Domain of each row; inferred from the mask of ``y_true`` when ``None``.

        Returns
        -------
        score : float
        """
        return self._score(None, estimator, X, y_true, sample_domain=sample_domain)

    def _score(self, method_caller, estimator, X, y_true=None, sample_domain=None, **kwargs):
        y, source, target = self._fold_rows(X, y_true, sample_domain)
        return float(self._evaluate(estimator, X, y, source, target))

    def _fold_rows(self, X, y_true, sample_domain):
        """Labels, labelled source rows and target rows of a validation fold."""
        sd = resolve_domains(X, y_true, sample_domain)
        y = None if y_true is None else np.asarray(y_true)
        if y is not None and y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        labelled = np.zeros(sd.shape[0], bool) if y is None else ~is_masked(y)
        return y, np.flatnonzero((sd > 0) & labelled), np.flatnonzero(sd < 0)

    def warm(self, X, y_true=None, sample_domain=None):
        """Compute now what depends on the fold's rows alone, not on a model (importance
        weights, neighbourhoods), so that copies of this scorer sent to parallel workers
        carry it instead of each computing it again. A no-op for scorers without such a
        quantity. Arguments as for calling the scorer."""
        y, source, target = self._fold_rows(X, y_true, sample_domain)
        if target.size:
            self._warm(X, source, target)

    def _warm(self, X, source, target):
        """Fill :meth:`_per_fold`'s cache for this fold (scorers that have one)."""

    @property
    def _has_fold_cache(self):
        return type(self)._warm is not _DAScorer._warm

    def _fold_cache(self, X, y_true=None, sample_domain=None):
        """The cache entries :meth:`warm` computes for this fold, from a fresh copy (a
        parallel worker returns them; :meth:`_absorb` adds them to the original)."""
        fresh = copy.copy(self)
        fresh.__dict__["_cache"] = {}
        fresh.warm(X, y_true, sample_domain)
        return fresh.__dict__["_cache"]

    def _absorb(self, entries):
        self.__dict__.setdefault("_cache", {}).update(entries)

    def _per_fold(self, rows, params, compute):
        """``compute()``, cached: a quantity of the fold's rows alone (not of the model)
        is computed once per fold, however many candidates are scored on it. The last
        16 folds computed are kept, and every fold absorbed from parallel workers.
        Keyed by a digest of ``rows`` (dense arrays; other inputs are not kept) and
        ``params``."""
        if any(sparse.issparse(part) or hasattr(part, "iloc") for part in rows):
            return compute()
        import hashlib

        digest = hashlib.blake2b(digest_size=16)
        for part in rows:
            part = np.ascontiguousarray(part)
            digest.update(repr((part.shape, part.dtype.str)).encode())
            digest.update(part)  # the buffer itself: no copy of the rows
        key = (digest.hexdigest(), *params)
        cache = self.__dict__.setdefault("_cache", {})
        if key not in cache:
            if len(cache) >= 16:
                cache.pop(next(iter(cache)))
            cache[key] = compute()
        return cache[key]

    def _need_source(self, source):
        if source.size == 0:
            raise ValueError(
                f"{type(self).__name__} needs labelled source rows in the validation fold; "
                "use a DA splitter (skxfer.model_selection.DomainShuffleSplit) so every fold "
                "keeps both domains."
            )

    def _need_target(self, target):
        if target.size == 0:
            raise ValueError(
                f"{type(self).__name__} needs target rows in the validation fold (masked "
                "labels, or sample_domain < 0); use skxfer.model_selection.DomainShuffleSplit "
                "so every fold keeps both domains."
            )


class ImportanceWeightedScorer(_DAScorer):
    """Importance-weighted source accuracy (Sugiyama, Krauledat and Müller, 2007).

    The accuracy on the fold's labelled source rows, each weighted by the density ratio
    ``p_target(x) / p_source(x)`` estimated by a domain classifier fitted on the fold's
    source vs target rows (cross-fitted, clipped and normalised, see
    :func:`density_ratio`). Under covariate shift this estimates the target accuracy.
    Needs ``predict`` and source labels; a constant model scores the weighted share of
    its class.

    Parameters
    ----------
    domain_classifier : classifier, default=None
        Probabilistic source-vs-target classifier; when ``None``, ``StandardScaler`` then
        ``LogisticRegression(C=0.1)``.
    max_weight : float, default=10.0
        Clip of the normalised weights.
    metric : {"accuracy", "log_loss"}, default="accuracy"
        Per-row gain: correct prediction, or minus the log-loss (needs ``predict_proba``).
    random_state : int, default=0

    References
    ----------
    M. Sugiyama, M. Krauledat and K.-R. Müller. Covariate shift adaptation by importance
    weighted cross validation. JMLR 8, 2007.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly
    >>> from skxfer.model_selection import ImportanceWeightedScorer
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> clf = LabelledOnly(LogisticRegression()).fit(X, y)
    >>> 0 <= ImportanceWeightedScorer()(clf, X, y) <= 1
    True
    """

    def __init__(self, domain_classifier=None, max_weight=10.0, metric="accuracy", random_state=0):
        self.domain_classifier = domain_classifier
        self.max_weight = max_weight
        self.metric = metric
        self.random_state = random_state
        super().__init__()

    def _warm(self, X, source, target):
        if source.size:
            self._weights(_rows(X, source), _rows(X, target))

    def _evaluate(self, estimator, X, y, source, target):
        self._need_source(source)
        self._need_target(target)
        Xs, Xt = _rows(X, source), _rows(X, target)
        w = self._weights(Xs, Xt)
        ys = y[source]
        if self.metric == "accuracy":
            gain = (np.asarray(estimator.predict(Xs)) == ys).astype(float)
        elif self.metric == "log_loss":
            proba = _proba(estimator, Xs)
            col = np.searchsorted(estimator.classes_, ys)
            gain = np.log(np.clip(proba[np.arange(len(ys)), col], _EPS, 1))
        else:
            raise ValueError(f"metric must be 'accuracy' or 'log_loss'; got {self.metric!r}.")
        return np.sum(w * gain) / np.sum(w)

    def _weights(self, Xs, Xt):
        """Density ratio of the fold; the same for every model scored on the same fold,
        so the last few are kept (:meth:`_DAScorer._per_fold`)."""
        return self._per_fold(
            (Xs, Xt),
            (repr(self.domain_classifier), self.max_weight, self.random_state),
            lambda: density_ratio(
                Xs,
                Xt,
                domain_classifier=self.domain_classifier,
                max_weight=self.max_weight,
                random_state=self.random_state,
            ),
        )


class PredictionEntropyScorer(_DAScorer):
    """Confidence of the target predictions, guarded by their diversity.

    ``score = 1 - mean_i H(p_i) / log K  -  diversity_weight * (1 - D)`` where ``p_i`` are
    the predicted class probabilities of the fold's target rows and ``D`` the normalised
    entropy of their predicted-class marginal (:func:`prediction_diversity`): the
    information-maximisation criterion. A model predicting one class everywhere gets
    ``D = 0`` and cannot score best. Needs ``predict_proba`` (or ``decision_function``);
    no labels.

    Parameters
    ----------
    diversity_weight : float, default=1.0
        Weight of the collapse penalty (0 gives the plain entropy criterion, which
        rewards collapsed models).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly
    >>> from skxfer.model_selection import PredictionEntropyScorer
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> clf = LabelledOnly(LogisticRegression()).fit(X, y)
    >>> PredictionEntropyScorer()(clf, X, y) <= 1
    True
    """

    def __init__(self, diversity_weight=1.0):
        self.diversity_weight = diversity_weight
        super().__init__()

    def _evaluate(self, estimator, X, y, source, target):
        self._need_target(target)
        p = _proba(estimator, _rows(X, target))
        k = max(p.shape[1], 2)
        confidence = 1.0 - float(np.mean(_entropy(p))) / np.log(k)
        return confidence - self.diversity_weight * (1.0 - prediction_diversity(p))


class DeepEmbeddedValidationScorer(_DAScorer):
    """Deep embedded validation (You, Wang, Chen, Long and Jordan, ICML 2019).

    Importance-weighted source loss with a control variate, where the density ratio is
    estimated in the estimator's feature space: the output of ``pipeline[:-1].transform``
    for a pipeline (the aligned features), otherwise the input. The score is minus the
    DEV risk ``mean(w l) + eta mean(w) - eta`` with ``eta = -cov(w l, w) / var(w)``.
    Needs source labels and ``predict_proba`` (log-loss) or ``predict`` (0-1 loss).

    Parameters
    ----------
    domain_classifier : classifier, default=None
        As in :class:`ImportanceWeightedScorer`.
    max_weight : float, default=10.0
    loss : {"log_loss", "zero_one"}, default="log_loss"
    random_state : int, default=0

    References
    ----------
    K. You, X. Wang, M. Long and M. Jordan. Towards accurate model selection in deep
    unsupervised domain adaptation. ICML 2019.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import CORALAligner, make_da_pipeline
    >>> from skxfer.model_selection import DeepEmbeddedValidationScorer
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> pipe = make_da_pipeline(CORALAligner(), LogisticRegression()).fit(X, y)
    >>> DeepEmbeddedValidationScorer()(pipe, X, y) < 0
    True
    """

    def __init__(self, domain_classifier=None, max_weight=10.0, loss="log_loss", random_state=0):
        self.domain_classifier = domain_classifier
        self.max_weight = max_weight
        self.loss = loss
        self.random_state = random_state
        super().__init__()

    def _evaluate(self, estimator, X, y, source, target):
        self._need_source(source)
        self._need_target(target)
        Xs, Xt = _rows(X, source), _rows(X, target)
        Fs, Ft = _features(estimator, Xs), _features(estimator, Xt)
        w = density_ratio(
            Fs,
            Ft,
            domain_classifier=self.domain_classifier,
            max_weight=self.max_weight,
            random_state=self.random_state,
        )
        ys = y[source]
        if self.loss == "log_loss":
            p = _proba(estimator, Xs)
            col = np.searchsorted(np.asarray(estimator.classes_), ys)
            known = col < p.shape[1]
            pc = np.full(len(ys), _EPS)
            pc[known] = p[np.flatnonzero(known), col[known]]
            loss = -np.log(np.clip(pc, _EPS, 1.0))
        elif self.loss == "zero_one":
            loss = (np.asarray(estimator.predict(Xs)) != ys).astype(float)
        else:
            raise ValueError(f"loss must be 'log_loss' or 'zero_one'; got {self.loss!r}.")
        wl = w * loss
        var = np.var(w, ddof=1) if w.size > 1 else 0.0
        eta = -np.cov(wl, w)[0, 1] / var if var > _EPS else 0.0
        return -(wl.mean() + eta * w.mean() - eta)


class CircularValidationScorer(_DAScorer):
    """Reverse (circular) validation (Zhong et al., ECML-PKDD 2010).

    The scored model pseudo-labels the fold's target rows; a clone of it (or of
    ``estimator``) is then fitted in the reverse direction, with the pseudo-labelled
    target rows as source and the source rows (masked) as target, and its accuracy on the
    true source labels is the score. Needs ``predict``, source labels and a cloneable
    estimator; costs one extra fit per call. When the pseudo-labels hold one class the
    reverse model can only predict that class and gets its share of the source labels.

    With ``balanced=True`` (``"balanced_circular"``) the reverse accuracy is the
    *balanced* accuracy on the source labels (the mean of the per-class recalls), and
    the reverse model is fitted with ``class_weight="balanced"`` wherever a step takes
    it, so the pseudo-labels' class proportions cannot decide the score: a model whose
    pseudo-labels drop or swamp a class loses that class's recall instead of gaining
    the majority's share. This keeps the score informative when the domains are nearly
    separable and the target pseudo-labels are unbalanced.

    Parameters
    ----------
    estimator : estimator, default=None
        Model fitted in the reverse direction; a clone of the scored estimator when
        ``None``.
    balanced : bool, default=False
        Class-balanced reverse fit and balanced accuracy (see above).

    References
    ----------
    E. Zhong, W. Fan, Q. Yang, O. Verscheure and J. Ren. Cross validation framework to
    choose amongst models and datasets for transfer learning. ECML-PKDD 2010.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly
    >>> from skxfer.model_selection import CircularValidationScorer
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> clf = LabelledOnly(LogisticRegression()).fit(X, y)
    >>> CircularValidationScorer()(clf, X, y) > 0.5
    True
    >>> CircularValidationScorer(balanced=True)(clf, X, y) > 0.5
    True
    """

    def __init__(self, estimator=None, balanced=False):
        self.estimator = estimator
        self.balanced = balanced
        super().__init__()

    def _evaluate(self, estimator, X, y, source, target):
        self._need_source(source)
        self._need_target(target)
        ys = y[source]
        pseudo = np.asarray(estimator.predict(_rows(X, target)))
        if np.unique(pseudo).size < 2:
            return self._accuracy(ys, np.full(ys.shape, pseudo[0]))
        rows = np.r_[target, source]
        X_rev = _rows(X, rows)
        y_rev = np.r_[pseudo.astype(ys.dtype), masked_labels(source.size, ys)]
        reverse = clone(self.estimator if self.estimator is not None else estimator)
        if self.balanced:
            reverse = _balanced_classes(reverse)
        reverse.fit(X_rev, y_rev)
        return self._accuracy(ys, np.asarray(reverse.predict(_rows(X, source))))

    def _accuracy(self, y_true, y_pred):
        if self.balanced:
            return float(balanced_accuracy_score(y_true, y_pred))
        return float(np.mean(y_true == y_pred))


class SoftNeighborhoodDensityScorer(_DAScorer):
    """Soft neighbourhood density (Saito, Kim, Teterwak, Sclaroff, Darrell and Saenko,
    ICCV 2021), guarded by the diversity of the predictions.

    The target rows' predicted probability vectors are L2-normalised; each row's
    similarities to the other rows, divided by ``temperature``, go through a softmax and
    the mean entropy of these neighbourhood distributions (normalised by ``log(n - 1)``)
    is high when predictions form dense clusters. Since a collapsed model (one class
    everywhere) makes every neighbourhood uniform and maximal, the score subtracts
    ``diversity_weight * (1 - D)`` (:func:`prediction_diversity`). Needs
    ``predict_proba`` (or ``decision_function``); no labels. At most ``max_samples``
    target rows are used.

    Parameters
    ----------
    temperature : float, default=0.05
    diversity_weight : float, default=1.0
    max_samples : int, default=2000
    random_state : int, default=0

    References
    ----------
    K. Saito, D. Kim, P. Teterwak, S. Sclaroff, T. Darrell and K. Saenko. Tune it the
    right way: unsupervised validation of domain adaptation via soft neighborhood
    density. ICCV 2021.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly
    >>> from skxfer.model_selection import SoftNeighborhoodDensityScorer
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> clf = LabelledOnly(LogisticRegression()).fit(X, y)
    >>> SoftNeighborhoodDensityScorer()(clf, X, y) <= 1
    True
    """

    def __init__(self, temperature=0.05, diversity_weight=1.0, max_samples=2000, random_state=0):
        self.temperature = temperature
        self.diversity_weight = diversity_weight
        self.max_samples = max_samples
        self.random_state = random_state
        super().__init__()

    def _evaluate(self, estimator, X, y, source, target):
        self._need_target(target)
        target = _at_most(target, self.max_samples, self.random_state)
        p = _proba(estimator, _rows(X, target))
        n = p.shape[0]
        if n < 3:
            return -self.diversity_weight * (1.0 - prediction_diversity(p))
        f = p / np.maximum(np.linalg.norm(p, axis=1, keepdims=True), _EPS)
        sim = f @ f.T / self.temperature
        np.fill_diagonal(sim, -np.inf)
        q = softmax(sim, axis=1)
        snd = float(np.mean(_entropy(q))) / np.log(n - 1)
        return snd - self.diversity_weight * (1.0 - prediction_diversity(p))


class MixValScorer(_DAScorer):
    """Mixup validation, MixVal (Hu, Liang, Wang and Feng, NeurIPS 2023).

    The scored model pseudo-labels the fold's target rows; pairs of target rows are
    mixed, ``x = lam * x_i + (1 - lam) * x_j`` with ``lam > 0.5``, and the mixed row
    should keep the pseudo-label of ``x_i``. The score is the mean of the model's
    consistency on *intra-cluster* mixes (``x_i`` and ``x_j`` share a pseudo-label: is
    the cluster convex?) and on *inter-cluster* mixes (different pseudo-labels: does
    the decision boundary pass between the clusters rather than through them?). It
    uses target rows only, so it stays informative when the domains are nearly
    separable and importance weights collapse. A model predicting one class has no
    inter-cluster pair: that half of the score is 0. Needs ``predict``; no labels.

    Parameters
    ----------
    lam : float, default=0.55
        Mixing weight of the first row, in ``(0.5, 1)``.
    ice : {"both", "intra", "inter"}, default="both"
        Which consistency to score.
    n_repeats : int, default=5
        Random pairings averaged (each pairs every target row with a random partner).
    random_state : int, default=0

    References
    ----------
    D. Hu, J. Liang, X. Wang and C.-S. Foo. Mixed samples as probes for unsupervised
    model selection in domain adaptation. NeurIPS 2023.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly
    >>> from skxfer.model_selection import MixValScorer
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> clf = LabelledOnly(LogisticRegression()).fit(X, y)
    >>> 0.5 < MixValScorer()(clf, X, y) <= 1
    True
    """

    def __init__(self, lam=0.55, ice="both", n_repeats=5, random_state=0):
        self.lam = lam
        self.ice = ice
        self.n_repeats = n_repeats
        self.random_state = random_state
        super().__init__()

    def _evaluate(self, estimator, X, y, source, target):
        self._need_target(target)
        if not 0.5 < self.lam < 1:
            raise ValueError(f"lam must be in (0.5, 1); got {self.lam!r}.")
        if self.ice not in ("both", "intra", "inter"):
            raise ValueError(f"ice must be 'both', 'intra' or 'inter'; got {self.ice!r}.")
        Xt = _rows(X, target)
        pseudo = np.asarray(estimator.predict(Xt))
        n = pseudo.shape[0]
        rng = check_random_state(self.random_state)
        i = np.tile(np.arange(n), self.n_repeats)
        j = np.concatenate([rng.permutation(n) for _ in range(self.n_repeats)])
        keep = i != j
        i, j = i[keep], j[keep]
        if i.size == 0:
            return 0.0
        mixed = _mix(Xt, i, j, self.lam)
        if hasattr(Xt, "iloc"):
            mixed = type(Xt)(mixed, columns=Xt.columns)
        agree = np.asarray(estimator.predict(mixed)) == pseudo[i]
        same = pseudo[i] == pseudo[j]
        intra = float(agree[same].mean()) if same.any() else 0.0
        inter = float(agree[~same].mean()) if (~same).any() else 0.0
        if self.ice == "intra":
            return intra
        if self.ice == "inter":
            return inter
        return 0.5 * (intra + inter)


class NeighborhoodAgreementScorer(_DAScorer):
    """Chance-corrected agreement of the predictions of neighbouring target rows.

    The cluster assumption, scored: rows close in the target's input space should get
    the same class. Each target row of the fold is paired with its ``n_neighbors``
    nearest target rows (``metric``, on the features as the estimator receives them),
    and the score is Cohen's kappa of the predicted labels over these pairs: the share
    of pairs that agree, corrected for the agreement that the predicted class shares
    alone would give (``sum_c share_c^2``). A model predicting one class scores 0.
    Unlike entropy or soft neighbourhood density, which measure a model's predictions
    against themselves, the neighbourhoods here are the same for every candidate: the
    data, not the model, says which rows belong together. Needs ``predict``; no labels.
    At most ``max_samples`` target rows are used.

    It favours models whose predictions are smooth over the target rows (e.g. strongly
    regularised transport), and it is only informative where the classes form
    neighbourhoods in the input space: alone, among 16 candidates, it picked within a
    point of the best on 18 of the 20 shared text and pixel tasks (20 Newsgroups, Amazon
    reviews, MNIST-USPS) but on none of the 12 Office-Caltech SURF tasks (10 classes,
    bags of local descriptors; ``benchmarks/bench_selection.py``).
    :class:`~skxfer.model_selection.TransferSelector` uses it as one voice among
    several.

    Parameters
    ----------
    n_neighbors : int, default=10
    metric : str, default="cosine"
        Distance of :class:`~sklearn.neighbors.NearestNeighbors`.
    max_samples : int, default=2000
    random_state : int, default=0
        Draws the rows when the fold holds more than ``max_samples`` target rows.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly
    >>> from skxfer.model_selection import NeighborhoodAgreementScorer
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> clf = LabelledOnly(LogisticRegression()).fit(X, y)
    >>> -1 <= NeighborhoodAgreementScorer()(clf, X, y) <= 1
    True
    """

    def __init__(self, n_neighbors=10, metric="cosine", max_samples=2000, random_state=0):
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.max_samples = max_samples
        self.random_state = random_state
        super().__init__()

    def _neighbourhoods(self, X, target):
        """The rows scored and each one's nearest other rows (``None`` under two rows)."""
        Xt = _rows(X, _at_most(target, self.max_samples, self.random_state))
        k = min(self.n_neighbors, _num_rows(Xt) - 1)
        if k < 1:
            return Xt, None
        return Xt, self._per_fold((Xt,), (k, self.metric), lambda: _neighbors(Xt, k, self.metric))

    def _warm(self, X, source, target):
        self._neighbourhoods(X, target)

    def _evaluate(self, estimator, X, y, source, target):
        self._need_target(target)
        Xt, others = self._neighbourhoods(X, target)
        _, codes = np.unique(np.asarray(estimator.predict(Xt)), return_inverse=True)
        shares = np.bincount(codes) / codes.size
        chance = float(np.sum(shares**2))
        if others is None or chance >= 1.0:
            return 0.0
        agree = float(np.mean(codes[others] == codes[:, None]))
        return (agree - chance) / (1.0 - chance)


def _neighbors(X, k, metric):
    """Indices of the ``k`` nearest other rows of each row of ``X``."""
    from sklearn.neighbors import NearestNeighbors

    idx = NearestNeighbors(n_neighbors=k + 1, metric=metric).fit(X).kneighbors(X)[1]
    return np.array([row[row != i][:k] for i, row in enumerate(idx)])


class EnsembleAgreementScorer(_DAScorer):
    """Agreement with a committee's pseudo-labels (ensemble-based validation, EnsV).

    A committee of DA models is fitted on the validation fold (its labelled source rows
    and its target rows, target labels masked); the mean of their target class
    probabilities, together with the scored model's, gives pseudo-labels, and the score
    is the share of target rows on which the scored model agrees with them. An ensemble
    of diverse adapted models is usually more accurate than most of its members, so
    agreeing with it tracks target accuracy; it uses no importance weight.

    Inside :class:`TransferSelector`, ``scoring="ensemble"`` uses the *candidates
    themselves* as the committee (Hu et al. 2024: each candidate's agreement with the
    mean prediction of all candidates on the same validation fold), which costs no
    extra fit; this class is the stand-alone form for ``GridSearchCV`` and
    ``cross_validate``, where the scorer sees one model at a time.

    Parameters
    ----------
    committee : list of str or estimators, default=("source_only", "coral", "ot", "mmd")
        Strategy names (built with ``estimator`` by :func:`skxfer.make_strategy`;
        ``"source_only"`` is ``LabelledOnly(estimator)``) or DA estimators.
    estimator : classifier, default=None
        Base classifier of named members; ``LogisticRegression(max_iter=1000)``.
    random_state : int, default=0
        Seeds members whose ``random_state`` is ``None``.

    References
    ----------
    D. Hu, R. Luo, J. Liang and C.-S. Foo. Towards reliable model selection for
    unsupervised domain adaptation: an empirical study and a certified baseline.
    NeurIPS 2024 (datasets and benchmarks).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly
    >>> from skxfer.model_selection import EnsembleAgreementScorer
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> clf = LabelledOnly(LogisticRegression()).fit(X, y)
    >>> scorer = EnsembleAgreementScorer(committee=["source_only", "coral"])
    >>> 0.5 < scorer(clf, X, y) <= 1
    True
    """

    def __init__(
        self, committee=("source_only", "coral", "ot", "mmd"), estimator=None, random_state=0
    ):
        self.committee = committee
        self.estimator = estimator
        self.random_state = random_state
        super().__init__()

    def _members(self):
        from ..pipeline import LabelledOnly
        from ..registry import make_strategy

        base = self.estimator if self.estimator is not None else LogisticRegression(max_iter=1000)
        members = []
        for m in self.committee:
            if isinstance(m, str):
                members.append(
                    LabelledOnly(clone(base)) if m == "source_only" else make_strategy(m, base)
                )
            else:
                members.append(clone(m))
        for m in members:
            seeds = {
                k: self.random_state
                for k, v in m.get_params().items()
                if k.endswith("random_state") and v is None
            }
            m.set_params(**seeds)
        return members

    def _evaluate(self, estimator, X, y, source, target):
        self._need_source(source)
        self._need_target(target)
        if isinstance(self.committee, str) or not len(self.committee):
            raise ValueError(
                "committee must be a non-empty list of strategy names or "
                f"estimators; got {self.committee!r}."
            )
        Xt = _rows(X, target)
        ys = y[source]
        rows = np.r_[source, target]
        y_fit = np.r_[ys, masked_labels(target.size, ys)]
        classes = np.asarray(estimator.classes_)
        total = _aligned_proba(estimator, Xt, classes)
        for member in self._members():
            member.fit(_rows(X, rows), y_fit)
            total = total + _aligned_proba(member, Xt, classes)
        pseudo = classes[np.argmax(total, axis=1)]
        return float(np.mean(np.asarray(estimator.predict(Xt)) == pseudo))


def _aligned_proba(estimator, X, classes):
    """Class probabilities of ``estimator`` in the column order of ``classes``."""
    p = _proba(estimator, X)
    own = np.asarray(getattr(estimator, "classes_", classes))
    out = np.zeros((p.shape[0], len(classes)))
    col = {c: k for k, c in enumerate(classes)}
    for k, c in enumerate(own):
        if c in col:
            out[:, col[c]] = p[:, k]
    return out


class SupervisedTargetScorer(_DAScorer):
    """A standard sklearn metric on the labelled **target** rows of the fold.

    Two ways to give it target labels:

    - semi-supervised DA, where some target rows carry labels in ``y``: those rows are
      marked by ``sample_domain < 0`` (so the scorer needs ``sample_domain``: enable
      metadata routing, or call it directly);
    - benchmark data whose target labels must stay out of training: ``target_labels``,
      one entry per row (source rows' entries ignored, unknown ones masked), which the
      scorer requests by default when metadata routing is on, so
      ``cross_validate(..., params={"sample_domain": sd, "target_labels": y_true})``
      fits on the masked ``y`` and scores each fold on its true target labels.

    Parameters
    ----------
    scoring : str or callable, default="accuracy"
        Any sklearn scoring name or scorer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer.model_selection import SupervisedTargetScorer
    >>> X = np.array([[0.0], [1.0], [0.1], [0.9]]); y = np.array([0, 1, 0, 1])
    >>> clf = LogisticRegression().fit(X, y)
    >>> SupervisedTargetScorer()(clf, X, y, sample_domain=[1, 1, -1, -1])
    1.0
    """

    def __init__(self, scoring="accuracy"):
        self.scoring = scoring
        super().__init__()

    def _get_metadata_request(self):
        request = super()._get_metadata_request()
        if not hasattr(self, "_metadata_request"):
            request.score.add_request(param="target_labels", alias=True)
        return request

    def __call__(self, estimator, X, y_true=None, sample_domain=None, target_labels=None, **kwargs):
        """Score on the labelled target rows (``target_labels`` first, else ``y_true``).

        Parameters
        ----------
        estimator : fitted estimator
        X : array-like of shape (n_samples, n_features)
        y_true : array-like of shape (n_samples,), default=None
        sample_domain : array-like of shape (n_samples,), default=None
        target_labels : array-like of shape (n_samples,), default=None
            True labels of the rows (only target rows' entries are used).

        Returns
        -------
        score : float
        """
        return self._score(
            None, estimator, X, y_true, sample_domain=sample_domain, target_labels=target_labels
        )

    def _score(
        self,
        method_caller,
        estimator,
        X,
        y_true=None,
        sample_domain=None,
        target_labels=None,
        **kwargs,
    ):
        if target_labels is None:
            return super()._score(method_caller, estimator, X, y_true, sample_domain=sample_domain)
        labels = np.asarray(target_labels)
        if labels.shape[0] != _num_rows(X):
            raise ValueError(
                f"target_labels has {labels.shape[0]} entries but X has {_num_rows(X)} "
                "rows: give one label per row (source rows' entries are ignored)."
            )
        sd = resolve_domains(X, y_true, sample_domain)
        return float(
            self._evaluate(estimator, X, labels, np.flatnonzero(sd > 0), np.flatnonzero(sd < 0))
        )

    def _evaluate(self, estimator, X, y, source, target):
        rows = target if y is None else target[~is_masked(y[target])]
        if y is None or rows.size == 0:
            raise ValueError(
                "SupervisedTargetScorer found no labelled target row in the fold. Labelled "
                "target rows are marked by sample_domain < 0 with a real label: enable "
                "metadata routing (sklearn.set_config(enable_metadata_routing=True)) and "
                "pass sample_domain."
            )
        return get_scorer(self.scoring)(estimator, _rows(X, rows), y[rows])


class KnownLabelsScorer(_DAScorer):
    """A standard sklearn metric on the rows of the fold whose label is known.

    sklearn's own scorers (``scoring="accuracy"``) count a masked row (``-1``) as a row
    of class ``-1`` that the model got wrong, so on a DA validation fold they report a
    figure that means nothing. This scorer drops the masked rows first (``-1`` /
    ``NaN``, decided by the target type) and scores the rest, every row queried as a
    target row. :func:`get_da_scorer` returns it for every sklearn scoring name.

    Parameters
    ----------
    scoring : str or callable, default="accuracy"
        Any sklearn scoring name (``"accuracy"``, ``"balanced_accuracy"``,
        ``"f1_macro"``, ``"roc_auc"``, ``"r2"``, ``"neg_mean_squared_error"``, ...) or
        scorer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer.model_selection import KnownLabelsScorer
    >>> X = np.array([[0.0], [1.0], [0.1], [0.9]]); y = np.array([0, 1, 0, 1])
    >>> clf = LogisticRegression().fit(X, y)
    >>> KnownLabelsScorer("accuracy")(clf, X, np.array([0, 1, -1, -1]))
    1.0
    """

    def __init__(self, scoring="accuracy"):
        self.scoring = scoring
        super().__init__()

    def _evaluate(self, estimator, X, y, source, target):
        if y is None:
            raise ValueError(f"{self!r} needs y: the labels, unknown ones masked.")
        rows = np.flatnonzero(~is_masked(y))
        if rows.size == 0:
            return float("nan")
        return get_scorer(self.scoring)(estimator, _rows(X, rows), y[rows])


_SCORERS = {
    "importance_weighted": ImportanceWeightedScorer,
    "entropy": PredictionEntropyScorer,
    "dev": DeepEmbeddedValidationScorer,
    "circular": CircularValidationScorer,
    "snd": SoftNeighborhoodDensityScorer,
    "mixval": MixValScorer,
    "agreement": EnsembleAgreementScorer,
    "neighborhood_agreement": NeighborhoodAgreementScorer,
    "supervised_target": SupervisedTargetScorer,
}
_SCORER_PARAMS = {"balanced_circular": (CircularValidationScorer, {"balanced": True})}


def get_da_scorer(scoring):
    """A DA scorer from a short name, or ``scoring`` itself when it is callable.

    Names: ``"importance_weighted"``, ``"entropy"``, ``"dev"``, ``"circular"``,
    ``"balanced_circular"``, ``"snd"``, ``"mixval"``, ``"agreement"``,
    ``"neighborhood_agreement"``, ``"supervised_target"``; any sklearn scoring name (``"accuracy"``,
    ``"balanced_accuracy"``, ``"f1_macro"``, ``"r2"``, ...) gives that metric on the
    rows whose label is known (:class:`KnownLabelsScorer`): sklearn's own scorer would
    count every masked row as a wrong prediction.

    Examples
    --------
    >>> from skxfer.model_selection import get_da_scorer
    >>> get_da_scorer("entropy")
    PredictionEntropyScorer(diversity_weight=1.0)
    >>> get_da_scorer("balanced_accuracy")
    KnownLabelsScorer(scoring='balanced_accuracy')
    """
    if callable(scoring):
        return scoring
    if isinstance(scoring, str):
        if scoring in _SCORERS:
            return _SCORERS[scoring]()
        if scoring in _SCORER_PARAMS:
            cls, params = _SCORER_PARAMS[scoring]
            return cls(**params)
        get_scorer(scoring)  # an unknown name fails here, with sklearn's list of names
        return KnownLabelsScorer(scoring)
    raise ValueError(
        f"scoring must be a scorer or one of {sorted([*_SCORERS, *_SCORER_PARAMS])}; "
        f"got {scoring!r}."
    )
