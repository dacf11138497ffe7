"""EasyTL: intra-domain alignment and intra-domain programming (Wang et al. 2019)."""

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from sklearn.utils._param_validation import HasMethods, StrOptions

from ._classifier_base import AlignedClassifierBase
from .base import DATags
from .kernels import squared_distances

__all__ = ["EasyTLClassifier", "intra_domain_programming"]


def intra_domain_programming(distances):
    """Soft class assignment of target rows by EasyTL's linear program.

    Solves ``min_M sum_cj D_jc M_jc`` subject to ``sum_c M_jc = 1`` for every row ``j``,
    ``sum_j M_jc >= 1`` for every class ``c`` (no class is left empty) and
    ``0 <= M <= 1``, with HiGHS (:func:`scipy.optimize.linprog`).

    Parameters
    ----------
    distances : ndarray of shape (n_samples, n_classes)
        Distance of each target row to each class centroid.

    Returns
    -------
    M : ndarray of shape (n_samples, n_classes)
        Assignment probabilities (rows sum to 1).

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.easytl import intra_domain_programming
    >>> D = np.array([[0.1, 1.0], [0.2, 0.9], [0.3, 0.4]])  # every row nearest class 0
    >>> intra_domain_programming(D).argmax(axis=1).tolist()  # class 1 must get one row
    [0, 0, 1]
    """
    D = np.asarray(distances, dtype=float)
    m, k = D.shape
    if k > m:  # more classes than rows: "every class gets a row" is infeasible
        return np.eye(k)[D.argmin(axis=1)]
    row_sums = sparse.kron(sparse.eye(m), np.ones((1, k)), format="csr")
    class_sums = sparse.kron(np.ones((1, m)), sparse.eye(k), format="csr")
    # distances scaled to their mean: the same problem, better conditioned for HiGHS
    cost = D / (D.mean() if D.mean() > 0 else 1.0)
    res = linprog(
        cost.ravel(),
        A_ub=-class_sums,
        b_ub=-np.ones(k),
        A_eq=row_sums,
        b_eq=np.ones(m),
        bounds=(0.0, 1.0),
        method="highs",
    )
    if res.status != 0:  # pragma: no cover - feasible by construction when k <= m
        raise RuntimeError(f"EasyTL's linear program failed: {res.message}")
    return np.clip(res.x.reshape(m, k), 0.0, 1.0)


class EasyTLClassifier(AlignedClassifierBase):
    """Easy Transfer Learning: nearest class centroid with intra-domain programming.

    EasyTL (Wang et al. 2019) has no hyperparameter to tune. The rows are first aligned
    (*intra-domain alignment*, CORAL by default: the source covariance is re-coloured
    to the target's). The class centroids ``h_c`` are the means of the labelled rows of
    each class in that space (with a few labelled target rows of a class, marked by
    ``sample_domain``, the centroid is the average of the source rows' mean and theirs,
    so a handful of target labels weigh as much as the source class; this extension to
    semi-supervised DA is skxfer's, not the paper's). A set of target rows is then
    labelled jointly by the *intra-domain programming* linear program
    (:func:`intra_domain_programming`): each row gets a probability ``M_jc`` over the
    classes, minimising the total distance ``sum_jc ||x_j - h_c|| M_jc`` under the
    constraint that every class receives at least one row. The solution is the nearest
    centroid for almost every row; the constraint moves a few rows into classes the
    centroid rule would leave empty.

    EasyTL is transductive: :meth:`predict` solves the program over the rows it is
    given (all of them are target rows), so predicting a batch of rows can differ from
    predicting them one at a time.

    Parameters
    ----------
    aligner : adapter, "passthrough" or None, default=None
        Intra-domain alignment; ``None`` means :class:`~skxfer.CORALAligner`,
        ``"passthrough"`` none (the paper's "raw" variant).

    Attributes
    ----------
    aligner_ : adapter or None
        The fitted aligner.
    centroids_ : ndarray of shape (n_classes, n_features_out)
        Class centroids in the aligned space.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_features_in_ : int
        Number of features seen at fit.

    References
    ----------
    J. Wang, Y. Chen, H. Yu, M. Huang, Q. Yang. Easy Transfer Learning By Exploiting
    Intra-domain Structures. IEEE ICME 2019.

    Examples
    --------
    >>> from skxfer import EasyTLClassifier
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sample_domain = make_contract_task()
    >>> clf = EasyTLClassifier().fit(X, y)
    >>> clf.predict(X[sample_domain < 0]).shape
    (50,)
    """

    _da_tags = DATags(
        family="feature", kind="estimator", requires_target=True, uses_target_labels=True
    )

    _parameter_constraints = {
        "aligner": [HasMethods(["fit_transform", "transform"]), StrOptions({"passthrough"}), None],
    }

    def __init__(self, aligner=None):
        self.aligner = aligner

    def _fit(self, X, y, sample_domain, labelled, given_domain):
        """Fit the alignment and the class centroids."""
        Z = self._fit_aligner(X, y, given_domain)
        self.classes_ = np.unique(y[labelled])
        self.centroids_ = np.stack(
            [self._centroid(Z, labelled & (y == c), sample_domain) for c in self.classes_]
        )
        return self

    @staticmethod
    def _centroid(Z, rows, sample_domain):
        """Mean of a class's labelled rows; with labelled target rows of the class, the
        average of the source rows' mean and the labelled target rows' mean."""
        source, target = rows & (sample_domain > 0), rows & (sample_domain < 0)
        if not (source.any() and target.any()):
            return Z[rows].mean(axis=0)
        return (Z[source].mean(axis=0) + Z[target].mean(axis=0)) / 2.0

    def predict_proba(self, X, sample_domain=None):
        """Assignment probabilities of the intra-domain program over the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Target rows, labelled jointly.
        sample_domain : array-like of shape (n_samples,), default=None
            Accepted for the data contract; unused.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        Z = self._map(X)
        return intra_domain_programming(np.sqrt(squared_distances(Z, self.centroids_)))

    _class_scores = predict_proba
