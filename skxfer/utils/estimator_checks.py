"""Checks that a DA estimator honours skxfer's data contract.

sklearn's :func:`~sklearn.utils.estimator_checks.parametrize_with_checks` verifies the
plain-estimator contract. :func:`check_da_contract` adds what domain adaptation needs:
the same fit gives the same target predictions through a bare estimator, a
``Pipeline`` with metadata routing off and on, ``GridSearchCV`` and ``cross_validate``;
clone and pickle round-trips; and the caller's arrays are left untouched.
:func:`check_row_order_invariance` asserts that the order of the training rows does not
change the predictions (data files often list rows sorted by class, so an estimator
that depends on row order can read the labels from it). Plugin authors run both on
their own strategies.
"""

import pickle

import numpy as np
from sklearn import config_context
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline

from .._domains import infer_sample_domain
from ..base import get_da_tags
from ..pipeline import make_da_pipeline

__all__ = ["check_da_contract", "check_row_order_invariance", "make_contract_task"]


def make_contract_task(n_source=60, n_target=50, n_features=4, random_state=0):
    """A small two-class covariate-shift task: ``X, y`` (target masked), ``sample_domain``.

    Examples
    --------
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sd = make_contract_task()
    >>> X.shape, int((y == -1).sum()), int((sd < 0).sum())
    ((110, 4), 50, 50)
    """
    rng = np.random.RandomState(random_state)
    Xs = rng.randn(n_source, n_features)
    Xt = 0.8 * rng.randn(n_target, n_features) + 0.7
    w = np.linspace(1.0, -0.5, n_features)
    ys = (Xs @ w + 0.3 * rng.randn(n_source) > 0).astype(np.int64)
    X = np.vstack([Xs, Xt])
    y = np.r_[ys, np.full(n_target, -1, dtype=np.int64)]
    sample_domain = np.r_[np.ones(n_source, dtype=np.int64), -np.ones(n_target, dtype=np.int64)]
    return X, y, sample_domain


def _task(X, y, sample_domain):
    """The given task, or :func:`make_contract_task`; ``sample_domain`` from ``y``'s mask."""
    if X is None:
        X, y, sample_domain = make_contract_task()
    if sample_domain is None:
        sample_domain = infer_sample_domain(y)
    return X, y, sample_domain


def _as_predictor(estimator):
    tags = get_da_tags(estimator)
    if tags is not None and tags.kind == "adapter":
        return make_da_pipeline(estimator, LogisticRegression())
    return estimator


def _seeded(estimator, seed=0):
    est = clone(estimator)
    params = {k: seed for k in est.get_params() if k.endswith("random_state")}
    return est.set_params(**params) if params else est


def check_da_contract(estimator, X=None, y=None, sample_domain=None, *, rtol=1e-7):
    """Assert that ``estimator`` gives identical target predictions on every path.

    Parameters
    ----------
    estimator : estimator
        An unfitted skxfer estimator (adapters are followed by a logistic regression).
    X, y, sample_domain : arrays, default=None
        The task; :func:`make_contract_task` when ``X`` is ``None``. ``sample_domain``
        must agree with the mask of ``y`` (the bare fit infers it).
    rtol : float, default=1e-7
        Tolerance on predicted scores / values.

    Raises
    ------
    AssertionError
        Naming the path whose predictions differ.

    Examples
    --------
    >>> from skxfer import CORALAligner
    >>> from skxfer.utils.estimator_checks import check_da_contract
    >>> check_da_contract(CORALAligner())
    """
    X, y, sample_domain = _task(X, y, sample_domain)
    copies = [np.array(a, copy=True) for a in (X, y, sample_domain)]
    est = _seeded(_as_predictor(estimator))
    X_target = X[sample_domain < 0]
    all_rows = np.arange(X.shape[0])
    one_fold = [(all_rows, all_rows)]

    def output(fitted):
        for method in ("decision_function", "predict_proba", "predict"):
            if hasattr(fitted, method):
                return np.asarray(getattr(fitted, method)(X_target), dtype=float)
        raise AssertionError(f"{type(fitted).__name__} has no prediction method.")

    fitted = clone(est).fit(X, y)
    reference = output(fitted)
    results = {
        "fit with explicit sample_domain": output(clone(est).fit(X, y, sample_domain=sample_domain))
        if _accepts_sample_domain(est)
        else reference,
        "Pipeline, routing off": output(Pipeline([("da", clone(est))]).fit(X, y)),
        "GridSearchCV, routing off": output(
            GridSearchCV(clone(est), {}, cv=one_fold, error_score="raise").fit(X, y)
        ),
        "cross_validate, routing off": output(
            cross_validate(
                clone(est), X, y, cv=one_fold, return_estimator=True, error_score="raise"
            )["estimator"][0]
        ),
        "clone of fitted estimator": output(clone(fitted).fit(X, y)),
        "pickle round-trip": output(pickle.loads(pickle.dumps(fitted))),
    }
    with config_context(enable_metadata_routing=True):
        sd = {"sample_domain": sample_domain}
        results["Pipeline, routing on"] = output(Pipeline([("da", clone(est))]).fit(X, y, **sd))
        results["GridSearchCV, routing on"] = output(
            GridSearchCV(clone(est), {}, cv=one_fold, error_score="raise").fit(X, y, **sd)
        )
        results["cross_validate, routing on"] = output(
            cross_validate(
                clone(est), X, y, cv=one_fold, return_estimator=True, params=sd, error_score="raise"
            )["estimator"][0]
        )
    for path, pred in results.items():
        np.testing.assert_allclose(
            pred,
            reference,
            rtol=rtol,
            atol=1e-9,
            err_msg=f"{type(estimator).__name__}: target predictions differ via {path}.",
        )
    for before, after, name in zip(
        copies, (X, y, sample_domain), ("X", "y", "sample_domain"), strict=True
    ):
        np.testing.assert_array_equal(
            before, after, err_msg=f"{type(estimator).__name__} modified the caller's {name}."
        )


def check_row_order_invariance(
    estimator, X=None, y=None, sample_domain=None, *, min_agreement=1.0, random_state=0
):
    """Assert that shuffling the training rows does not change the target predictions.

    The estimator (adapters followed by a logistic regression) is fitted on the task as
    given and on its rows shuffled (source and target interleaved), with the same
    ``random_state`` parameters, and both predict the same target rows. Benchmark files
    often list each domain's rows sorted by class; an estimator whose output depends on
    the row order can then read the labels from it and look better than it is.

    Parameters
    ----------
    estimator : estimator
        An unfitted skxfer estimator.
    X, y, sample_domain : arrays, default=None
        The task; :func:`make_contract_task` when ``X`` is ``None``.
    min_agreement : float, default=1.0
        Share of target predictions that must be equal (classifiers) or close
        (regressors, ``rtol=1e-5``). Lower it only for estimators whose randomness is
        tied to row positions (landmark or minibatch sampling).
    random_state : int, default=0
        Seed of the shuffle.

    Raises
    ------
    AssertionError
        Giving the share of target predictions that changed.

    Examples
    --------
    >>> from skxfer import MMDAligner
    >>> from skxfer.utils.estimator_checks import check_row_order_invariance
    >>> check_row_order_invariance(MMDAligner(n_components=2))
    """
    X, y, sample_domain = _task(X, y, sample_domain)
    est = _seeded(_as_predictor(estimator))
    X_target = X[sample_domain < 0]

    def fit_predict(rows):
        params = {"sample_domain": sample_domain[rows]} if _accepts_sample_domain(est) else {}
        return np.asarray(clone(est).fit(X[rows], y[rows], **params).predict(X_target))

    as_given = fit_predict(np.arange(X.shape[0]))
    shuffled = fit_predict(np.random.RandomState(random_state).permutation(X.shape[0]))
    if as_given.dtype.kind == "f" and shuffled.dtype.kind == "f":
        same = np.isclose(as_given, shuffled, rtol=1e-5, atol=1e-8)
    else:
        same = as_given == shuffled
    agreement = float(np.mean(same))
    assert agreement >= min_agreement, (
        f"{type(estimator).__name__}: {100 * (1 - agreement):.1f} % of the target predictions "
        "change when the training rows are shuffled; its output depends on the row order."
    )


def _accepts_sample_domain(est):
    import inspect

    return "sample_domain" in inspect.signature(est.fit).parameters
