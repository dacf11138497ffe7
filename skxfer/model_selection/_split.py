"""Cross-validation splitters that keep source and target rows in every fold.

Each splitter takes the skxfer data contract: ``split(X, y=None, groups=None,
sample_domain=None)``. When ``sample_domain`` is ``None`` the domains are inferred from
the masked labels (masked rows are target, labelled rows source), which is what happens
with sklearn's default configuration; with metadata routing enabled the splitters
request ``sample_domain`` in ``split`` by default.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._metadata_requests import _MetadataRequester

from .._domains import is_masked, resolve_sample_domain

__all__ = [
    "DomainShuffleSplit",
    "SourceTargetShuffleSplit",
    "StratifiedDomainShuffleSplit",
    "LeaveOneDomainOut",
]


def _num_samples(X):
    if hasattr(X, "shape"):
        return X.shape[0]
    return len(X)


def resolve_domains(X, y=None, sample_domain=None):
    """Domain of every row: ``sample_domain`` if given, else inferred from masked ``y``.

    Without either, every row is treated as target (what a fitted estimator does at
    predict time).
    """
    return resolve_sample_domain(_num_samples(X), y, sample_domain)


class _DomainSplitter(_MetadataRequester):
    __metadata_request__split = {"sample_domain": True}

    def __repr__(self):
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({params})"

    def _params(self):
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def _domains(self, X, y, sample_domain):
        sd = resolve_domains(X, y, sample_domain)
        if sample_domain is None and y is None:
            raise ValueError(
                f"{type(self).__name__}.split needs y (target rows masked as -1 / NaN) or "
                "sample_domain to know which rows are source and which are target."
            )
        return sd


def _count(size, n, round_up):
    """``size`` rows of ``n``: a fraction of them (rounded up or down), or a count."""
    if isinstance(size, Real) and not isinstance(size, Integral):
        return int(np.ceil(size * n) if round_up else np.floor(size * n))
    return int(size)


def _n_test(n, test_size):
    """Rows of a domain in the validation fold; both sides keep a domain of two rows."""
    n_test = _count(test_size, n, round_up=True)
    return min(max(n_test, 1), n - 1) if n >= 2 else n_test


def _n_train(n, n_test, train_size):
    """Rows of a domain in the training fold: ``train_size`` of them, at most the rest."""
    if train_size is None:
        return n - n_test
    return min(max(_count(train_size, n, round_up=False), 1), n - n_test)


def _check_sizes(test_size):
    if isinstance(test_size, Real) and not isinstance(test_size, Integral):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"test_size must be in (0, 1) as a fraction; got {test_size}.")
    elif not (isinstance(test_size, Integral) and test_size > 0):
        raise ValueError(f"test_size must be a positive int or a fraction; got {test_size!r}.")


def _shuffle_split(rows, test_size, train_size, rng):
    """Shuffle ``rows`` and split them into ``train_size`` and ``test_size`` parts."""
    n_test = _n_test(rows.size, test_size)
    perm = rng.permutation(rows)
    if rows.size < 2:
        return perm, perm[:0]
    n_train = _n_train(rows.size, n_test, train_size)
    return perm[n_test : n_test + n_train], perm[:n_test]


class DomainShuffleSplit(_DomainSplitter):
    """Random train/validation splits in which every domain appears on both sides.

    Each domain (each value of ``sample_domain``) is shuffled and split on its own with
    the same proportions, so the training fold has source and (unlabelled) target rows to
    adapt with, and the validation fold has labelled source rows and target rows for an
    unsupervised DA scorer. A domain with a single row goes to training.

    Parameters
    ----------
    n_splits : int, default=5
        Number of re-shuffling and splitting iterations.
    test_size : float or int, default=0.3
        Fraction (or count) of each domain's rows in the validation fold.
    train_size : float, int or None, default=None
        Fraction (or count) of each domain's rows in the training fold, drawn from the
        rows left after the validation fold (at most all of them); all of them when
        ``None``. An int caps the training rows of large domains, e.g. to bound the cost
        of candidates quadratic in the number of rows.
    random_state : int, RandomState or None, default=None
        Controls the shuffling.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.model_selection import DomainShuffleSplit
    >>> X = np.zeros((10, 2)); y = np.array([0, 1] * 3 + [-1] * 4)
    >>> train, test = next(DomainShuffleSplit(random_state=0).split(X, y))
    >>> bool((y[train] == -1).any() and (y[train] >= 0).any())
    True
    >>> bool((y[test] == -1).any() and (y[test] >= 0).any())
    True
    """

    def __init__(self, n_splits=5, *, test_size=0.3, train_size=None, random_state=None):
        self.n_splits = n_splits
        self.test_size = test_size
        self.train_size = train_size
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None, sample_domain=None):
        """Number of splits (``n_splits``)."""
        return self.n_splits

    def split(self, X, y=None, groups=None, sample_domain=None):
        """Yield ``(train, test)`` index arrays.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Labels with unknown target labels masked; used to infer the domains when
            ``sample_domain`` is ``None`` (and, by the stratified variant, the classes).
        groups : ignored
        sample_domain : array-like of shape (n_samples,), default=None

        Yields
        ------
        train, test : ndarray of int
        """
        if not (isinstance(self.n_splits, Integral) and self.n_splits >= 1):
            raise ValueError(f"n_splits must be a positive int; got {self.n_splits!r}.")
        _check_sizes(self.test_size)
        sd = self._domains(X, y, sample_domain)
        rng = check_random_state(self.random_state)
        for _ in range(self.n_splits):
            train, test = [], []
            for d in np.unique(sd):
                tr, te = self._split_domain(np.flatnonzero(sd == d), y, d, rng)
                train.append(tr)
                test.append(te)
            yield np.sort(np.concatenate(train)), np.sort(np.concatenate(test))

    def _split_domain(self, rows, y, domain, rng):
        return _shuffle_split(rows, self.test_size, self.train_size, rng)


class SourceTargetShuffleSplit(DomainShuffleSplit):
    """SKADA's name for :class:`DomainShuffleSplit`: every domain on both sides of a fold.

    Provided so that code written for ``skada.model_selection.SourceTargetShuffleSplit``
    runs unchanged (same parameters: ``n_splits``, ``test_size``, ``train_size``,
    ``random_state``; SKADA's default ``test_size`` is 0.1 rather than 0.3). Each domain
    is shuffled and split on its own with the same proportions.

    Parameters
    ----------
    n_splits : int, default=10
    test_size : float or int, default=0.1
    train_size : float, int or None, default=None
    random_state : int, RandomState or None, default=None

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.model_selection import SourceTargetShuffleSplit
    >>> X = np.zeros((20, 1)); sd = np.r_[np.ones(10, int), -np.ones(10, int)]
    >>> train, test = next(SourceTargetShuffleSplit(random_state=0).split(X, sample_domain=sd))
    >>> sd[test].tolist()
    [1, -1]
    """

    def __init__(self, n_splits=10, *, test_size=0.1, train_size=None, random_state=None):
        super().__init__(
            n_splits, test_size=test_size, train_size=train_size, random_state=random_state
        )


class StratifiedDomainShuffleSplit(DomainShuffleSplit):
    """:class:`DomainShuffleSplit` that also keeps each class's share in each domain.

    Within every domain, labelled rows are split class by class (each class with at
    least two rows appears on both sides) and masked rows are split at random.

    Parameters
    ----------
    n_splits : int, default=5
    test_size : float or int, default=0.3
    train_size : float, int or None, default=None
    random_state : int, RandomState or None, default=None

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.model_selection import StratifiedDomainShuffleSplit
    >>> X = np.zeros((12, 1)); y = np.array([0, 0, 0, 1, 1, 1] + [-1] * 6)
    >>> train, test = next(StratifiedDomainShuffleSplit(random_state=0).split(X, y))
    >>> sorted(y[test].tolist())
    [-1, -1, 0, 1]
    """

    def _split_domain(self, rows, y, domain, rng):
        if y is None:
            return super()._split_domain(rows, y, domain, rng)
        yd = np.asarray(y)[rows]
        masked = is_masked(yd)
        # counts (ints) are shares of the whole domain, split over its groups
        test_share, train_share = self.test_size, self.train_size
        if isinstance(test_share, Integral):
            test_share = _n_test(rows.size, test_share) / rows.size
        if isinstance(train_share, Integral):
            n_test = _n_test(rows.size, self.test_size)
            n_train = _n_train(rows.size, n_test, train_share)
            train_share = None if n_train == rows.size - n_test else n_train / rows.size
        train, test = [], []
        groups = [rows[masked]] + [rows[~masked & (yd == c)] for c in np.unique(yd[~masked])]
        for g in groups:
            if g.size:
                tr, te = _shuffle_split(g, test_share, train_share, rng)
                train.append(tr)
                test.append(te)
        return np.concatenate(train), np.concatenate(test)


class LeaveOneDomainOut(_DomainSplitter):
    """Hold out one domain at a time: a source, or (``target_rotation``) each domain as the
    target in turn.

    **Held-out source** (default, multi-source data): for every source domain ``d``
    (``sample_domain == d > 0``), the training fold holds the other source domains and
    the target rows, and the validation fold holds domain ``d``, plus the target rows
    when ``target_in_test`` (so that an unsupervised DA scorer sees both domains). The
    score then says how well a model built without domain ``d`` transfers to it: a
    proxy for transfer to a new domain.

    **Each domain as the target** (``target_rotation=True``), on data packed by
    :func:`skxfer.pack_each_as_target` (each labelled domain ``d`` once as source ``d``
    and once, masked, as target ``-d``): for every target domain ``-d``, the training
    fold holds the target rows ``-d`` (unlabelled) and every source except ``d`` (its
    own labelled copy), and the validation fold holds the target rows ``-d``, plus those
    sources' rows when ``target_in_test``. Scored by
    :class:`~skxfer.model_selection.SupervisedTargetScorer` on ``target_labels``, this
    is the real DA accuracy of adapting to each domain from the others.

    Parameters
    ----------
    target_in_test : bool, default=True
        Held-out source: put the target rows in every validation fold too. Target
        rotation: put the fold's source rows in the validation fold too.
    max_n_splits : int or None, default=None
        Use at most this many held-out domains (the first ones in sorted order).
    target_rotation : bool, default=False
        Make each target domain the target in turn (see above).

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.model_selection import LeaveOneDomainOut
    >>> sd = np.array([1, 1, 2, 2, 3, 3, -1, -1])
    >>> [np.unique(sd[te]).tolist() for _, te in LeaveOneDomainOut().split(np.zeros((8, 1)),
    ...                                                                    sample_domain=sd)]
    [[-1, 1], [-1, 2], [-1, 3]]
    """

    def __init__(self, *, target_in_test=True, max_n_splits=None, target_rotation=False):
        self.target_in_test = target_in_test
        self.max_n_splits = max_n_splits
        self.target_rotation = target_rotation

    def get_n_splits(self, X=None, y=None, groups=None, sample_domain=None):
        """Number of held-out domains (at most ``max_n_splits``)."""
        if X is None:
            raise ValueError("LeaveOneDomainOut.get_n_splits needs X and sample_domain.")
        sd = self._domains(X, y, sample_domain)
        n = np.unique(sd[sd < 0] if self.target_rotation else sd[sd > 0]).size
        return n if self.max_n_splits is None else min(n, self.max_n_splits)

    def _rotate_targets(self, sd):
        targets = np.unique(sd[sd < 0])[::-1]  # -1, -2, ...
        if targets.size < 2:
            raise ValueError(
                "LeaveOneDomainOut(target_rotation=True) needs every domain packed both as "
                "a source and as a target, at least two of them: use "
                "skxfer.pack_each_as_target(domains)."
            )
        if self.max_n_splits is not None:
            targets = targets[: self.max_n_splits]
        for t in targets:
            held = np.flatnonzero(sd == t)
            sources = np.flatnonzero((sd > 0) & (sd != -t))
            if sources.size == 0:
                raise ValueError(f"No source domain is left to adapt to target {t}.")
            train = np.sort(np.r_[sources, held])
            test = train if self.target_in_test else held
            yield train, test

    def split(self, X, y=None, groups=None, sample_domain=None):
        """Yield ``(train, test)`` index arrays, one pair per held-out source domain.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
        groups : ignored
        sample_domain : array-like of shape (n_samples,), default=None

        Yields
        ------
        train, test : ndarray of int
        """
        sd = self._domains(X, y, sample_domain)
        if self.target_rotation:
            yield from self._rotate_targets(sd)
            return
        sources = np.unique(sd[sd > 0])
        if sources.size < 2:
            raise ValueError(
                "LeaveOneDomainOut needs at least two source domains (sample_domain 1, 2, "
                f"...); got {sources.size}. Use DomainShuffleSplit for one source."
            )
        if self.max_n_splits is not None:
            sources = sources[: self.max_n_splits]
        target = np.flatnonzero(sd < 0)
        for d in sources:
            held = np.flatnonzero(sd == d)
            train = np.flatnonzero(sd != d)
            test = np.sort(np.r_[held, target]) if self.target_in_test else held
            yield train, test
