"""Plain estimators in DA pipelines: fit on the labelled rows only."""

import numpy as np
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.pipeline import make_pipeline

from ._domains import is_masked, validate_da_data
from .base import BaseDAMetaEstimator, DATags, get_da_tags

__all__ = ["LabelledOnly", "make_da_pipeline"]


class LabelledOnly(BaseDAMetaEstimator):
    """Fit a plain estimator on the labelled rows only.

    A plain classifier at the end of a DA pipeline would learn ``-1`` (the mask of
    unknown target labels) as a class. ``LabelledOnly`` drops the masked rows before
    fitting its estimator (labelled target rows, if any, are kept) and delegates
    prediction. :func:`make_da_pipeline` adds it automatically.

    Parameters
    ----------
    estimator : estimator
        A scikit-learn classifier or regressor.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator``.
    classes_ : ndarray
        Class labels (classifiers only).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import LabelledOnly
    >>> X = np.array([[0.0], [1.0], [0.2], [0.9]])
    >>> clf = LabelledOnly(LogisticRegression()).fit(X, [0, 1, -1, -1])
    >>> clf.classes_.tolist()
    [0, 1]
    """

    _da_tags = DATags(family="feature", kind="estimator", requires_target=False,
                      uses_target_labels=True)
    _allow_nan = True

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, sample_domain=None, **fit_params):
        """Fit the estimator on the rows whose label is not masked.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels; masked rows (``-1`` / ``NaN``) are dropped.
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for the data contract; the mask alone decides which rows are used.
        **fit_params : dict
            Passed to the estimator's ``fit`` (row-aligned arrays are subset too).

        Returns
        -------
        self : object
        """
        if y is None:
            raise ValueError(
                "LabelledOnly requires y to be passed, but the target y is None: pass the "
                "labels, with unknown target labels masked (-1 / NaN)."
            )
        X, y, _ = validate_da_data(
            self, X, y, sample_domain, accept_sparse="csr", ensure_all_finite=False, dtype=None
        )
        keep = ~is_masked(y)
        if not keep.any():
            raise ValueError(
                "LabelledOnly found no labelled row: every label is masked (-1 / NaN). "
                "Give the source rows their labels."
            )
        n = y.shape[0]
        fit_params = {
            k: (np.asarray(v)[keep] if hasattr(v, "__len__") and len(v) == n else v)
            for k, v in fit_params.items()
        }
        self.estimator_ = clone(self.estimator).fit(X[keep], y[keep], **fit_params)
        if hasattr(self.estimator_, "classes_"):
            self.classes_ = self.estimator_.classes_
        return self


def make_da_pipeline(*steps, memory=None, verbose=False):
    """Build a :class:`~sklearn.pipeline.Pipeline` for domain adaptation.

    Like :func:`sklearn.pipeline.make_pipeline`, but a final step that is a plain
    classifier or regressor is wrapped in :class:`LabelledOnly`, so it learns from the
    labelled rows only.

    Parameters
    ----------
    *steps : estimators
    memory, verbose
        As in :func:`sklearn.pipeline.make_pipeline`.

    Returns
    -------
    pipeline : Pipeline

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skxfer import CORALAligner, make_da_pipeline
    >>> pipe = make_da_pipeline(StandardScaler(), CORALAligner(), LogisticRegression())
    >>> [name for name, _ in pipe.steps]
    ['standardscaler', 'coralaligner', 'labelledonly']
    """
    if not steps:
        raise ValueError("make_da_pipeline needs at least one step.")
    *head, last = steps
    if (is_classifier(last) or is_regressor(last)) and get_da_tags(last) is None:
        last = LabelledOnly(last)
    return make_pipeline(*head, last, memory=memory, verbose=verbose)
