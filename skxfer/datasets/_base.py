"""``DomainDataset``: one DA task with its true labels, and the data folder."""

import os
from pathlib import Path

import numpy as np

from .._domains import MASKED_LABEL

__all__ = ["DomainDataset", "get_data_home"]

#: Environment variable that points to an offline copy of the benchmark files.
DATA_ENV = "SKXFER_DATA"


def get_data_home(data_home=None):
    """Return the folder that holds (or will hold) the benchmark files.

    The folder is, in this order: ``data_home`` when given, else the environment
    variable ``SKXFER_DATA``, else ``~/skxfer_data``. The layout under it is the one of
    the offline copy: ``office_caltech10/surf/amazon_SURF_L10.mat``,
    ``mnist_usps_jda/MNIST_vs_USPS.mat``, ... The folder is not created here; a
    download creates it.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder; ``~`` is expanded.

    Returns
    -------
    data_home : pathlib.Path

    Examples
    --------
    >>> from skxfer.datasets import get_data_home
    >>> str(get_data_home("/tmp/my_data"))
    '/tmp/my_data'
    """
    if data_home is None:
        data_home = os.environ.get(DATA_ENV) or Path("~") / "skxfer_data"
    return Path(data_home).expanduser()


class DomainDataset:
    """A domain-adaptation task: all rows, their true labels and their domains.

    Rows are stacked source first, then target, as in skxfer's data contract. The
    true labels of every row are kept in ``y_true``; :attr:`y` and :meth:`pack` give
    the copy where target labels are masked (``-1`` for classification, ``NaN`` for
    regression), which is what an unsupervised DA estimator may see.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        All rows, source then target.
    y_true : ndarray of shape (n_samples,)
        True label of every row (0-based ints for classification, floats for
        regression).
    sample_domain : ndarray of int of shape (n_samples,)
        ``> 0`` for source rows, ``< 0`` for target rows.
    name : str, default=""
        Short name of the task, e.g. ``"office_caltech/surf A->W"``.
    target_names : list of str, default=None
        Class names, indexed by label (``None`` for regression).
    domain_names : dict of int to str, default=None
        Name of each domain index, e.g. ``{1: "amazon", -1: "webcam"}``.
    DESCR : str, default=""
        Description: provenance, preprocessing, citation.
    **extra : dict
        Any other field (``density_ratio``, ``image_shape``, ...), set as attributes.

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.datasets import DomainDataset
    >>> ds = DomainDataset(np.zeros((3, 2)), np.array([0, 1, 1]), np.array([1, 1, -1]))
    >>> ds.y.tolist()
    [0, 1, -1]
    >>> X, y, sample_domain = ds.pack(mask_target=False)
    >>> y.tolist(), ds.X_target.shape
    ([0, 1, 1], (1, 2))
    """

    def __init__(
        self,
        X,
        y_true,
        sample_domain,
        *,
        name="",
        target_names=None,
        domain_names=None,
        DESCR="",
        **extra,
    ):
        self.X = X
        self.y_true = np.asarray(y_true)
        self.sample_domain = np.asarray(sample_domain, dtype=np.int64)
        n = X.shape[0]
        if self.y_true.shape != (n,) or self.sample_domain.shape != (n,):
            raise ValueError(
                f"X has {n} rows but y_true has shape {self.y_true.shape} and "
                f"sample_domain {self.sample_domain.shape}; all need one entry per row."
            )
        if np.any(self.sample_domain == 0):
            raise ValueError("sample_domain must be > 0 (source) or < 0 (target), never 0.")
        self.name = name
        self.target_names = target_names
        self.domain_names = dict(domain_names or {})
        self.DESCR = DESCR
        for key, value in extra.items():
            setattr(self, key, value)

    # --- masks and views -------------------------------------------------------------
    @property
    def is_regression(self):
        """``True`` when the labels are floats (masked with ``NaN``)."""
        return self.y_true.dtype.kind == "f"

    @property
    def source_mask(self):
        """Boolean mask of the source rows (``sample_domain > 0``)."""
        return self.sample_domain > 0

    @property
    def target_mask(self):
        """Boolean mask of the target rows (``sample_domain < 0``)."""
        return self.sample_domain < 0

    @property
    def y(self):
        """Copy of ``y_true`` with the target rows masked (``-1`` or ``NaN``)."""
        y = self.y_true.copy()
        y[self.target_mask] = np.nan if self.is_regression else MASKED_LABEL
        return y

    @property
    def X_source(self):
        """Source rows of ``X``."""
        return self.X[self.source_mask]

    @property
    def y_source(self):
        """Labels of the source rows."""
        return self.y_true[self.source_mask]

    @property
    def X_target(self):
        """Target rows of ``X``."""
        return self.X[self.target_mask]

    @property
    def y_target(self):
        """True labels of the target rows (for evaluation only)."""
        return self.y_true[self.target_mask]

    @property
    def n_samples(self):
        """Number of rows."""
        return self.X.shape[0]

    @property
    def n_features(self):
        """Number of values per row (columns of ``X``; pixels of an image tensor)."""
        return int(np.prod(self.X.shape[1:]))

    def pack(self, mask_target=True):
        """Return ``X, y, sample_domain`` in skxfer's data contract.

        Parameters
        ----------
        mask_target : bool, default=True
            Mask the target labels (``-1`` / ``NaN``); ``False`` returns the true labels.

        Returns
        -------
        X : ndarray or sparse matrix of shape (n_samples, n_features)
        y : ndarray of shape (n_samples,)
        sample_domain : ndarray of int64 of shape (n_samples,)
        """
        y = self.y if mask_target else self.y_true.copy()
        return self.X, y, self.sample_domain.copy()

    def __repr__(self):
        counts = ", ".join(
            f"{self.domain_names.get(d, d)}={int(np.sum(self.sample_domain == d))}"
            for d in sorted(np.unique(self.sample_domain), reverse=True)
        )
        return (
            f"DomainDataset(name={self.name!r}, n_samples={self.n_samples}, "
            f"n_features={self.n_features}, domains: {counts})"
        )
