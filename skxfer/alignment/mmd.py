"""MMD alignment: transfer component analysis (TCA) and joint distribution adaptation (JDA)."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from .._domains import is_masked
from ..base import BaseAdapter
from ..kernels import KernelFeatureMap, resolve_gamma

__all__ = ["MMDAligner", "JDAAligner"]

#: ``approx="auto"`` solves exactly up to this many training rows (non-linear kernels).
EXACT_MAX_SAMPLES = 1000


class MMDAligner(BaseAdapter):
    """Map source and target into a shared space where their MMD is small (TCA / JDA).

    The rows are first mapped by a kernel feature map ``phi`` (``phi(x) . phi(y) =
    k(x, y)``, exact or low rank, see ``approx``). The aligner then looks for
    ``n_components`` directions ``P`` of that feature space that keep the variance of
    all rows while shrinking the distance between the domains' kernel mean embeddings
    (the maximum mean discrepancy, MMD)::

        max_P  tr(P^T C P)  /  tr(P^T (D D^T + mu' I) P)

    where ``C`` is the covariance of ``phi`` over all training rows and the columns of
    ``D`` are differences of means of ``phi``: source minus target (marginal MMD, TCA,
    Pan et al. 2011) and, with ``conditional=True``, source class ``c`` minus target rows
    pseudo-labelled ``c`` for every class (JDA, Long et al. 2013). ``mu' = mu *
    trace(C) / r`` makes ``mu`` independent of the scale of the data: a small ``mu``
    aligns hard, a large one keeps the principal components (kernel PCA). The solution
    is an ``r x r`` generalised eigenproblem (``r`` the dimension of ``phi``), ``O(n r^2)``
    overall.

    The output is the projection of ``phi(x)`` on the unit-norm directions ``P`` (like
    PCA scores: each column keeps the variance its component captures), rescaled by one
    factor so that the columns have unit variance on average; this scale does not depend
    on the units of ``X`` or on the kernel. ``whiten=True`` instead gives every column
    unit variance, which lets the weakest components (noise, and what is left of the
    domain difference) weigh as much as the leading ones in the downstream model.

    The map is the same for every domain, so ``transform`` embeds any new row (source
    or target, ``sample_domain`` is not needed) and keeps the input's row order.

    With ``conditional=True`` the target pseudo-labels come from ``classifier`` fitted on
    the embedded source rows (1-nearest neighbour by default, as in the JDA paper),
    re-estimated ``n_iter`` times.

    Parameters
    ----------
    n_components : int, default=50
        Dimension of the shared space (capped by the dimension of ``phi``).
    mu : float, default=1.0
        Regularisation relative to the data's average variance; smaller aligns more.
    kernel : {"linear", "rbf", "laplacian", "poly"}, default="linear"
    gamma : "median", "scale" or float, default="median"
        Kernel bandwidth; ``"median"`` is the median heuristic ``1 / (2 sigma^2)``.
    degree, coef0 : float, default=3, 1.0
        Polynomial kernel parameters.
    conditional : bool, default=False
        Also align the class-conditional distributions with pseudo-labels (JDA).
    n_iter : int, default=10
        Pseudo-labelling rounds when ``conditional=True``.
    classifier : estimator or None, default=None
        Classifier giving the target pseudo-labels; ``None`` uses 1-nearest neighbour.
    approx : {"auto", "exact", "nystroem", "rff"}, default="auto"
        How ``phi`` is built. ``"exact"``: the input features for the linear kernel,
        otherwise every training row as a landmark (``O(n^3)``); ``"nystroem"`` /
        ``"rff"``: rank ``n_approx`` Nyström landmarks / random Fourier features.
        ``"auto"`` is exact for the linear kernel with at most ``max(n_approx, 1000)``
        features, exact for other kernels up to 1,000 training rows, and Nyström above.
    n_approx : int, default=500
        Rank of the low-rank kernel approximation.
    whiten : bool, default=False
        Give every output column unit variance instead of keeping the relative
        variance of the components.
    random_state : int, RandomState instance or None, default=None
        Seeds landmark / frequency sampling and the median heuristic's subsample.

    Attributes
    ----------
    approx_ : str
        The feature map used: ``"identity"`` (linear kernel, exact), ``"exact"``,
        ``"nystroem"`` or ``"rff"``.
    feature_map_ : KernelFeatureMap
        The fitted map ``phi``.
    gamma_ : float or None
        Bandwidth used (``None`` for the linear kernel).
    mean_ : ndarray of shape (r,)
        Mean of ``phi`` over the training rows.
    components_ : ndarray of shape (r, k)
        (``k = n_components_``) Projection ``P``.
    n_components_ : int
        Output dimension.
    mmd_ : float
        Squared MMD between the embedded source and target training rows.
    n_features_in_ : int
        Number of features seen at fit.

    References
    ----------
    S. J. Pan, I. W. Tsang, J. T. Kwok, Q. Yang. Domain Adaptation via Transfer Component
    Analysis. IEEE TNN 2011.
    M. Long, J. Wang, G. Ding, J. Sun, P. S. Yu. Transfer Feature Learning with Joint
    Distribution Adaptation. ICCV 2013.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import MMDAligner, make_da_pipeline
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sample_domain = make_contract_task()
    >>> pipe = make_da_pipeline(MMDAligner(n_components=2), LogisticRegression())
    >>> pipe.fit(X, y).predict(X[sample_domain < 0]).shape
    (50,)
    """

    _accept_sparse = ("csr", "csc")

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "mu": [Interval(Real, 0, None, closed="neither")],
        "kernel": [StrOptions({"linear", "rbf", "laplacian", "poly"})],
        "gamma": [StrOptions({"median", "scale"}), Interval(Real, 0, None, closed="neither")],
        "degree": [Interval(Real, 0, None, closed="left")],
        "coef0": [Real],
        "conditional": ["boolean"],
        "n_iter": [Interval(Integral, 1, None, closed="left")],
        "classifier": [HasMethods(["fit", "predict"]), None],
        "approx": [StrOptions({"auto", "exact", "nystroem", "rff"})],
        "n_approx": [Interval(Integral, 1, None, closed="left")],
        "whiten": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_components=50,
        mu=1.0,
        kernel="linear",
        gamma="median",
        degree=3,
        coef0=1.0,
        conditional=False,
        n_iter=10,
        classifier=None,
        approx="auto",
        n_approx=500,
        whiten=False,
        random_state=None,
    ):
        self.n_components = n_components
        self.mu = mu
        self.kernel = kernel
        self.gamma = gamma
        self.degree = degree
        self.coef0 = coef0
        self.conditional = conditional
        self.n_iter = n_iter
        self.classifier = classifier
        self.approx = approx
        self.n_approx = n_approx
        self.whiten = whiten
        self.random_state = random_state

    # -- fitting -------------------------------------------------------------------------

    def _choose_approx(self, n, d):
        if self.approx == "rff" and self.kernel != "rbf":
            raise ValueError(
                f"approx='rff' approximates the rbf kernel only; got kernel={self.kernel!r}. "
                "Use approx='nystroem' for other kernels."
            )
        if self.approx == "exact":
            return "identity" if self.kernel == "linear" else "exact"
        if self.approx != "auto":
            return self.approx
        if self.kernel == "linear" and d <= max(self.n_approx, 1000):
            return "identity"
        return "exact" if n <= EXACT_MAX_SAMPLES else "nystroem"

    def _fit(self, X, y, source, target):
        rng = check_random_state(self.random_state)
        n, d = X.shape
        self.approx_ = self._choose_approx(n, d)
        self.gamma_ = None
        if self.kernel != "linear":
            self.gamma_ = resolve_gamma(
                self.gamma, X, kernel=self.kernel, random_state=rng.randint(2**31 - 1)
            )
        self.feature_map_ = KernelFeatureMap(
            kernel=self.kernel,
            gamma=1.0 if self.gamma_ is None else self.gamma_,
            degree=self.degree,
            coef0=self.coef0,
            method=self.approx_,
            n_components=self.n_approx,
            random_state=rng,
        ).fit(X)
        Phi = self.feature_map_.transform(X)
        self.mean_ = Phi.mean(axis=0)
        Phi -= self.mean_
        r = Phi.shape[1]
        cov = Phi.T @ Phi / n
        cov = (cov + cov.T) / 2.0
        scale = np.trace(cov) / r
        ridge = self.mu * (scale if scale > 0 else 1.0)
        k = min(self.n_components, r)
        self.n_components_ = k

        has_target = not np.any(source & target)
        diffs = [Phi[source].mean(axis=0) - Phi[target].mean(axis=0)] if has_target else []
        self.components_ = self._solve(cov, diffs, ridge, k, self.whiten)
        labelled = source & ~is_masked(y) if y is not None else np.zeros(n, dtype=bool)
        self.n_iter_ = 0
        if self.conditional and has_target and labelled.any():
            classes = np.unique(y[labelled])
            clf = KNeighborsClassifier(1) if self.classifier is None else self.classifier
            for _ in range(self.n_iter):
                Z = Phi @ self.components_
                pseudo = clone(clf).fit(Z[labelled], y[labelled]).predict(Z[target])
                cond = []
                for c in classes:
                    src_c = labelled & (y == c)
                    tgt_c = pseudo == c
                    if src_c.any() and tgt_c.any():
                        cond.append(Phi[src_c].mean(axis=0) - Phi[target][tgt_c].mean(axis=0))
                self.components_ = self._solve(cov, diffs + cond, ridge, k, self.whiten)
                self.n_iter_ += 1
        Z = Phi @ self.components_
        self.mmd_ = (
            float(np.sum((Z[source].mean(axis=0) - Z[target].mean(axis=0)) ** 2))
            if has_target
            else 0.0
        )
        return self

    @staticmethod
    def _solve(cov, diffs, ridge, k, whiten):
        # B = ridge I + D D^T; B^{-1/2} in closed form from the thin SVD of D, then one
        # standard symmetric eigenproblem (much faster than a generalised solver)
        r = cov.shape[0]
        if diffs:
            U, s, _ = np.linalg.svd(np.column_stack(diffs), full_matrices=False)
            coef = 1.0 - np.sqrt(ridge / (ridge + s**2))
        else:
            U, coef = np.zeros((r, 0)), np.zeros(0)

        def b_inv_sqrt(A):
            return (A - U @ (coef[:, None] * (U.T @ A))) / np.sqrt(ridge)

        W = b_inv_sqrt(b_inv_sqrt(cov).T)
        values, vectors = np.linalg.eigh((W + W.T) / 2.0)
        vectors = b_inv_sqrt(vectors[:, np.argsort(values)[::-1][:k]])
        norms = np.linalg.norm(vectors, axis=0)
        vectors = vectors / np.where(norms > 0, norms, 1.0)
        var = np.einsum("ij,ij->j", vectors, cov @ vectors)
        if whiten:  # unit variance for every output column
            return vectors / np.sqrt(np.where(var > 1e-300, var, 1.0))
        # relative variances kept, unit variance on average
        mean_var = var.mean()
        return vectors / np.sqrt(mean_var if mean_var > 1e-300 else 1.0)

    def _transform(self, X, sample_domain):
        return (self.feature_map_.transform(X) - self.mean_) @ self.components_


class JDAAligner(MMDAligner):
    """:class:`MMDAligner` with class-conditional alignment on by default (JDA).

    Same parameters as :class:`MMDAligner`; only the default of ``conditional`` differs,
    so the strategy registry can build JDA by name (``make_strategy("jda", clf)``).

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import JDAAligner, make_da_pipeline
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sample_domain = make_contract_task()
    >>> pipe = make_da_pipeline(JDAAligner(n_components=2, n_iter=3), LogisticRegression())
    >>> pipe.fit(X, y).predict(X[sample_domain < 0]).shape
    (50,)
    """

    def __init__(
        self,
        n_components=50,
        mu=1.0,
        kernel="linear",
        gamma="median",
        degree=3,
        coef0=1.0,
        conditional=True,
        n_iter=10,
        classifier=None,
        approx="auto",
        n_approx=500,
        whiten=False,
        random_state=None,
    ):
        super().__init__(
            n_components=n_components,
            mu=mu,
            kernel=kernel,
            gamma=gamma,
            degree=degree,
            coef0=coef0,
            conditional=conditional,
            n_iter=n_iter,
            classifier=classifier,
            approx=approx,
            n_approx=n_approx,
            whiten=whiten,
            random_state=random_state,
        )
