"""Optimal-transport mapping of the source onto the target (Courty et al. 2017), via POT.

POT (``import ot``) is imported inside functions only: it imports torch when torch is
installed, and ``import skxfer`` must stay light.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._domains import is_masked
from ..base import BaseAdapter
from ._covariance import apply_operator, linear_ot_map, operator_matrix

__all__ = ["OTAligner", "LinearOTAligner"]

METHODS = ("emd", "sinkhorn", "lpl1", "l1l2", "linear")

#: A Sinkhorn plan whose marginals are off by more than this (L1, total mass 1) is
#: recomputed in the log domain. Plain Sinkhorn does not return NaN when ``exp(-M / reg)``
#: underflows on whole rows: POT stops at the first numerical error and hands back the
#: unscaled Gibbs kernel, which is not a transport plan.
MAX_MARGINAL_ERROR = 1e-2


def _normalise_cost(M, norm, nx):
    if norm is None:
        return M, 1.0
    if norm == "max":
        scale = float(nx.max(M))
    else:
        flat = nx.to_numpy(M).ravel()
        if flat.size > 1_000_000:
            flat = flat[:: flat.size // 1_000_000 + 1]
        scale = float(np.median(flat))
    scale = scale if scale > 0 else 1.0
    return M / scale, scale


def _marginal_error(G, a, b, nx):
    """L1 distance of the plan's marginals to ``a`` and ``b`` (inf when not finite)."""
    G = nx.to_numpy(G)
    if not np.all(np.isfinite(G)):
        return np.inf
    return float(
        np.abs(G.sum(axis=1) - nx.to_numpy(a)).sum() + np.abs(G.sum(axis=0) - nx.to_numpy(b)).sum()
    )


def _shift_cost(M, nx):
    """``M`` minus its row minima, then minus its column minima.

    With the marginals fixed, a constant added to a row or a column of the cost adds a
    constant to the objective: the optimal plan, entropic or class-regularised, is the
    same. Each row and column of the shifted cost has a zero, so ``exp(-M / reg)`` keeps
    an entry of 1 in each and the plain (fast) Sinkhorn iterations do not underflow on a
    row far from every other row (a rare document of 20 Newsgroups is 50-70 times the
    median cost from its nearest neighbour in the other domain).
    """
    M = M - nx.min(M, axis=1, keepdims=True)
    return M - nx.min(M, axis=0, keepdims=True)


def _coupling(method, a, b, M, ys, reg, reg_class, max_iter, tol):
    """The OT plan between the rows behind ``a`` and ``b`` for cost ``M`` (any backend).

    ``tol`` stops the Sinkhorn iterations (POT's ``stopThr``: the L2 norm of the error
    of the plan's column marginal).
    """
    import ot

    nx = ot.backend.get_backend(M)
    if method == "emd":
        return ot.emd(a, b, M, numItermax=max_iter)
    M = _shift_cost(M, nx)
    if method == "sinkhorn":
        with warnings.catch_warnings():
            # underflow of exp(-M / reg) is detected below and handled in the log domain
            warnings.simplefilter("ignore")
            G = ot.sinkhorn(a, b, M, reg, numItermax=max_iter, stopThr=tol, warn=False)
        if _marginal_error(G, a, b, nx) > MAX_MARGINAL_ERROR:
            G = ot.sinkhorn(
                a, b, M, reg, method="sinkhorn_log", numItermax=max_iter, stopThr=tol, warn=False
            )
        return G
    labels = nx.from_numpy(ys, type_as=M) if not isinstance(ys, type(M)) else ys
    if method == "lpl1":
        return ot.da.sinkhorn_lpl1_mm(
            a,
            labels,
            b,
            M,
            reg,
            eta=reg_class,
            numItermax=10,
            numInnerItermax=200,
            stopInnerThr=1e-7,
        )
    return ot.da.sinkhorn_l1l2_gl(
        a, labels, b, M, reg, eta=reg_class, numItermax=10, numInnerItermax=200, stopInnerThr=1e-7
    )


def _average_over_duplicates(Xs, disp):
    """Give identical source rows the mean of their displacements.

    An exact plan may split the mass of identical rows between different targets (all
    such splits cost the same), so which duplicate goes where depends on the row order;
    the map ``x -> x + displacement`` must be a function of ``x``.
    """
    _, first, inverse = np.unique(Xs, axis=0, return_index=True, return_inverse=True)
    if first.size == Xs.shape[0]:
        return disp
    inverse = inverse.ravel()
    sums = np.zeros((first.size, disp.shape[1]))
    np.add.at(sums, inverse, disp)
    return sums[inverse] / np.bincount(inverse)[inverse][:, None]


def _barycentric_displacement(G, Xs, Xt, nx):
    row = nx.sum(G, axis=1)
    row = nx.where(row > 0, row, nx.ones(row.shape, type_as=row))
    return nx.dot(G / row[:, None], Xt) - Xs


class OTAligner(BaseAdapter):
    """Map source rows onto the target with optimal transport (Courty et al. 2017).

    A transport plan ``G`` between the source and target training rows is computed for
    the cost ``||x_s - x_t||^2`` (normalised by its median or maximum, so that the
    regularisation ``reg`` means the same on any data), and every source row is moved
    to the barycentre of the target rows it is sent to (identical source rows get the
    mean of their displacements, so that the map is a function of ``x`` and does not
    depend on how the solver splits their mass). Target rows are left unchanged.

    New source rows (``transform(X, sample_domain>0)``) are moved by the displacement of
    their nearest training source row, as POT's ``ot.da`` does; ``method="linear"``
    is an affine map and applies to any row directly.

    Parameters
    ----------
    method : {"emd", "sinkhorn", "lpl1", "l1l2", "linear"}, default="sinkhorn"
        ``"emd"``: exact OT; ``"sinkhorn"``: entropic OT (stabilised: the cost's row and
        column minima are subtracted first, which leaves the plan unchanged and keeps
        ``exp(-C / reg)`` from underflowing on an isolated row; the plan is recomputed
        with the slower log-domain Sinkhorn if the plain one still fails, i.e. when its
        marginals are off by more than ``MAX_MARGINAL_ERROR``); ``"lpl1"`` /
        ``"l1l2"``: entropic OT with a class regulariser on the source labels (group
        lasso, Courty et al. 2017); ``"linear"``: the closed-form map between Gaussian
        approximations of the two domains (regularised covariances).
    reg : float, default=0.3
        Entropic regularisation, relative to the normalised cost; also used by
        ``"lpl1"`` / ``"l1l2"``. The default gives a smooth plan: each source row is
        spread over many target rows, which averages out mismatched pairs when the
        domains are small or their class proportions differ; values near ``1e-3``
        approach ``method="emd"`` but need the slower log-domain solver. No single value
        suits every task (the user guide lists measured accuracies for 0.03 to 1.0):
        grid-search it with a DA scorer when in doubt.
    reg_class : float, default=1.0
        Weight of the class regulariser (``"lpl1"``, ``"l1l2"``).
    norm : {"median", "max"} or None, default="median"
        Normalisation of the cost matrix.
    max_solver_iter : int, default=1_000_000
        Iterations of the network simplex (``"emd"``); entropic methods use at most
        ``min(max_solver_iter, 1000)`` Sinkhorn iterations.
    tol : float, default=1e-5
        Sinkhorn stops when the L2 norm of the error of the plan's target marginal
        (total mass 1) falls below ``tol`` (``"sinkhorn"`` only). With ``n`` target
        rows each marginal entry is ``1 / n``, so ``1e-5`` keeps the mean relative
        error of an entry below about ``1e-5 * sqrt(n)`` (0.04 % for 1,500 rows).
        Smaller values rarely change the map but can cost many more iterations: on
        20 Newsgroups (1,500 x 1,500 plans) ``1e-7`` is not reached within 1,000
        iterations, where ``1e-5`` takes 150 to 420.
    solver : {"auto", "exact", "minibatch"}, default="auto"
        ``"exact"``: one dense ``n_s x n_t`` plan; ``"minibatch"``: the rows are split
        at random into pairs of source / target batches of ``batch_size`` rows, solved
        independently (no dense plan larger than ``batch_size^2``). ``"auto"`` is exact
        while ``n_s * n_t <= max_dense ** 2``.
    max_dense : int, default=4000
        Size threshold of ``solver="auto"``.
    batch_size : int, default=1000
        Batch size of the minibatch solver.
    device : {"cpu", "cuda"} or str, default="cpu"
        Where the cost, the plan and the mapping are computed (POT's torch backend;
        torch is imported only when ``device != "cpu"``).
    random_state : int, RandomState instance or None, default=None
        Seeds the minibatch partition.

    Attributes
    ----------
    solver_ : str
        ``"exact"``, ``"minibatch"`` or ``"linear"``.
    cost_scale_ : float
        The factor the cost was divided by.
    source_fit_ : ndarray of shape (n_source, n_features)
        Training source rows (not for ``"linear"``).
    displacement_ : ndarray of shape (n_source, n_features)
        Barycentric displacement of each training source row (not for ``"linear"``).
    map_ : tuple (scale, U, coef)
        Linear map ``A = scale * I + U diag(coef) U^T`` of
        ``x -> (x - source_mean_) A + target_mean_`` (``"linear"`` only). With more
        features than rows ``U`` has one column per row of the two domains at most, so
        the map never needs an ``n_features x n_features`` matrix.
    A_ : ndarray of shape (n_features, n_features)
        ``A`` as a dense matrix, formed when read (``"linear"`` only): avoid it on
        wide data (25,000 features take 5 GB).
    source_mean_, target_mean_ : ndarray of shape (n_features,)
        Domain means (``"linear"`` only).
    n_features_in_ : int
        Number of features seen at fit.

    References
    ----------
    N. Courty, R. Flamary, D. Tuia, A. Rakotomamonjy. Optimal Transport for Domain
    Adaptation. IEEE TPAMI 2017.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxfer import OTAligner, make_da_pipeline
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sample_domain = make_contract_task()
    >>> pipe = make_da_pipeline(OTAligner(method="emd"), LogisticRegression())
    >>> pipe.fit(X, y).predict(X[sample_domain < 0]).shape
    (50,)
    """

    _parameter_constraints = {
        "method": [StrOptions(set(METHODS))],
        "reg": [Interval(Real, 0, None, closed="neither")],
        "reg_class": [Interval(Real, 0, None, closed="left")],
        "norm": [StrOptions({"median", "max"}), None],
        "max_solver_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="neither")],
        "solver": [StrOptions({"auto", "exact", "minibatch"})],
        "max_dense": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "device": [str],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        method="sinkhorn",
        reg=0.3,
        reg_class=1.0,
        norm="median",
        max_solver_iter=1_000_000,
        tol=1e-5,
        solver="auto",
        max_dense=4000,
        batch_size=1000,
        device="cpu",
        random_state=None,
    ):
        self.method = method
        self.reg = reg
        self.reg_class = reg_class
        self.norm = norm
        self.max_solver_iter = max_solver_iter
        self.tol = tol
        self.solver = solver
        self.max_dense = max_dense
        self.batch_size = batch_size
        self.device = device
        self.random_state = random_state

    def _fit(self, X, y, source, target):
        X = np.asarray(X, dtype=np.float64)
        Xs, Xt = X[source], X[target]
        self._training_source_ = None
        if self.method == "linear":
            self.solver_ = "linear"
            self._fit_linear(Xs, Xt)
            return self
        ys = None
        if self.method in ("lpl1", "l1l2"):
            if y is None or np.any(is_masked(y[source])):
                raise ValueError(
                    f"method={self.method!r} regularises the plan with the source labels: "
                    "pass y with every source row labelled (target rows masked as -1)."
                )
            _, ys = np.unique(y[source], return_inverse=True)
            ys = ys.astype(np.float64)
        ns, nt = Xs.shape[0], Xt.shape[0]
        if self.solver == "auto":
            self.solver_ = "exact" if ns * nt <= self.max_dense**2 else "minibatch"
        else:
            self.solver_ = self.solver
        rng = check_random_state(self.random_state)
        self.cost_scale_ = None
        if self.solver_ == "exact":
            disp = self._solve(Xs, Xt, ys)
        else:
            k = int(np.ceil(max(ns, nt) / self.batch_size))
            s_parts = np.array_split(rng.permutation(ns), k)
            t_parts = np.array_split(rng.permutation(nt), k)
            disp = np.empty_like(Xs)
            for s_idx, t_idx in zip(s_parts, t_parts, strict=True):
                ys_b = None if ys is None else ys[s_idx]
                disp[s_idx] = self._solve(Xs[s_idx], Xt[t_idx], ys_b)
        self.source_fit_ = Xs
        self.displacement_ = _average_over_duplicates(Xs, disp)
        self._training_source_ = np.flatnonzero(source)
        self.nn_ = NearestNeighbors(n_neighbors=1).fit(Xs)
        return self

    def _solve(self, Xs, Xt, ys):
        import ot

        if self.device != "cpu":
            import torch

            Xs_b = torch.as_tensor(Xs, device=self.device)
            Xt_b = torch.as_tensor(Xt, device=self.device)
            ys_b = None if ys is None else torch.as_tensor(ys, device=self.device)
        else:
            Xs_b, Xt_b, ys_b = Xs, Xt, ys
        nx = ot.backend.get_backend(Xs_b)
        M = ot.dist(Xs_b, Xt_b, metric="sqeuclidean")
        if self.cost_scale_ is None:
            M, self.cost_scale_ = _normalise_cost(M, self.norm, nx)
        else:
            M = M / self.cost_scale_
        a = nx.full((Xs.shape[0],), 1.0 / Xs.shape[0], type_as=M)
        b = nx.full((Xt.shape[0],), 1.0 / Xt.shape[0], type_as=M)
        max_iter = self.max_solver_iter
        if self.method != "emd":
            max_iter = min(max_iter, 1000)
        G = _coupling(self.method, a, b, M, ys_b, self.reg, self.reg_class, max_iter, self.tol)
        return nx.to_numpy(_barycentric_displacement(G, Xs_b, Xt_b, nx))

    def _fit_linear(self, Xs, Xt):
        self.map_, self.source_mean_, self.target_mean_ = linear_ot_map(Xs, Xt)

    def fit_transform(self, X, y=None, sample_domain=None):
        """Fit, then move the training source rows (input order kept; target unchanged).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Labels, target rows masked; required by the class-regularised methods.
        sample_domain : array-like of shape (n_samples,), default=None
            Domain of each row; inferred from ``y``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
        """
        X, sample_domain = self._fit_domains(X, y, sample_domain)
        if self.solver_ == "linear":
            return self._transform(X, sample_domain)
        X = np.array(X, dtype=np.float64)
        idx = self._training_source_
        if not np.any(sample_domain < 0):
            # no target: the source was aligned to itself
            return X
        X[idx] += self.displacement_
        return X

    @property
    def A_(self):
        """The linear map as a dense ``(n_features, n_features)`` matrix (``"linear"``)."""
        return operator_matrix(*self.map_)

    def _transform(self, X, sample_domain):
        X = np.array(X, dtype=np.float64)
        source = sample_domain > 0
        if not source.any():
            return X
        Xs = X[source]
        if self.solver_ == "linear":
            X[source] = apply_operator(Xs - self.source_mean_, *self.map_) + self.target_mean_
        else:
            nearest = self.nn_.kneighbors(Xs, return_distance=False)[:, 0]
            X[source] = Xs + self.displacement_[nearest]
        return X


class LinearOTAligner(OTAligner):
    """:class:`OTAligner` with ``method="linear"`` by default (Gaussian OT map).

    Same parameters as :class:`OTAligner`; registered as the ``"ot_linear"`` strategy.

    Examples
    --------
    >>> from skxfer import LinearOTAligner
    >>> from skxfer.utils.estimator_checks import make_contract_task
    >>> X, y, sample_domain = make_contract_task()
    >>> LinearOTAligner().fit(X, y).solver_
    'linear'
    """

    def __init__(
        self,
        method="linear",
        reg=0.3,
        reg_class=1.0,
        norm="median",
        max_solver_iter=1_000_000,
        tol=1e-5,
        solver="auto",
        max_dense=4000,
        batch_size=1000,
        device="cpu",
        random_state=None,
    ):
        super().__init__(
            method=method,
            reg=reg,
            reg_class=reg_class,
            norm=norm,
            max_solver_iter=max_solver_iter,
            tol=tol,
            solver=solver,
            max_dense=max_dense,
            batch_size=batch_size,
            device=device,
            random_state=random_state,
        )
