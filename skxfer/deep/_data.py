"""Domain-balanced minibatches: every training batch holds source and target rows."""

import math

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = [
    "DomainBalancedBatches",
    "DomainBatchesMixin",
    "DomainDataset",
    "to_tensor_batch",
]


class _Stream:
    """Endless reshuffled stream over the row indices of one domain."""

    def __init__(self, indices, generator):
        self.indices = np.asarray(indices)
        self.generator = generator
        self._perm = np.empty(0, dtype=np.int64)

    def take(self, k):
        out = []
        while k > 0:
            if len(self._perm) == 0:
                order = torch.randperm(len(self.indices), generator=self.generator).numpy()
                self._perm = self.indices[order]
            out.append(self._perm[:k])
            k -= len(out[-1])
            self._perm = self._perm[len(out[-1]) :]
        return np.concatenate(out)


class DomainBalancedBatches:
    """Index batches drawing ``batch_size // 2`` source and target rows each.

    One epoch is one pass over the larger domain; the smaller one is cycled
    (reshuffled at each pass). With no target row, batches of ``batch_size`` source rows
    cover the source once. Every batch is full (rows are drawn from the next pass when
    a pass ends), so batch normalisation never sees a batch of one row unless the data
    has a single row.

    Parameters
    ----------
    source, target : ndarray of int
        Row indices of each domain.
    batch_size : int
    generator : torch.Generator
        Seeded by the estimator's ``random_state``.
    X : array-like, default=None
        The rows the indices point to. When given, each domain's indices are first put
        in an order set by the rows' content (:func:`content_order`), so the batches,
        and the fit, do not depend on the order of the training rows.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skxfer.deep._data import DomainBalancedBatches
    >>> b = DomainBalancedBatches(np.arange(6), np.arange(6, 10), 4,
    ...                           torch.Generator().manual_seed(0))
    >>> len(b), [len(s) + len(t) for s, t in b]
    (3, [4, 4, 4])
    """

    def __init__(self, source, target, batch_size, generator, X=None):
        self.source = np.asarray(source)
        self.target = np.asarray(target)
        if X is not None:
            rank = np.empty(len(X), dtype=np.int64)
            rank[content_order(X)] = np.arange(len(X))
            self.source = self.source[np.argsort(rank[self.source])]
            self.target = self.target[np.argsort(rank[self.target])]
        self.batch_size = int(batch_size)
        self.generator = generator
        if len(self.target):
            self.half = max(1, self.batch_size // 2)
            n_s, n_t = min(self.half, len(self.source)), min(self.half, len(self.target))
            self.n_source, self.n_target = n_s, n_t
            self.n_steps = max(
                math.ceil(len(self.source) / self.half), math.ceil(len(self.target) / self.half)
            )
        else:
            self.n_source = min(self.batch_size, len(self.source))
            self.n_target = 0
            self.n_steps = math.ceil(len(self.source) / max(self.batch_size, 1))
        self._s = _Stream(self.source, generator)
        self._t = _Stream(self.target, generator) if len(self.target) else None

    def __len__(self):
        return self.n_steps

    def __iter__(self):
        for _ in range(self.n_steps):
            s = self._s.take(self.n_source)
            t = self._t.take(self.n_target) if self._t is not None else s[:0]
            yield s, t


class DomainDataset(Dataset):
    """Training rows with their labels and domains: what the deep estimators train on.

    A batch (:meth:`batch`) is ``({"X": inputs, "sample_domain": domains}, y)`` as CPU
    tensors, its source rows first; the inputs are the rows of ``features`` when given
    (fine-tuning a frozen body trains the head on cached features), else of ``X``.

    Parameters
    ----------
    X : ndarray of float32
        The rows (their content orders the batches, :class:`DomainBalancedBatches`).
    y : ndarray
        Encoded labels (masked: ``-1`` or ``NaN``).
    sample_domain : ndarray of int
        ``> 0`` source, ``< 0`` target.
    features : torch.Tensor, default=None
        Inputs used in place of ``X`` (one row per row of ``X``).

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.deep._data import DomainDataset
    >>> ds = DomainDataset(np.zeros((4, 2), "float32"), np.array([0, 1, -1, -1]),
    ...                    np.array([1, 1, -1, -1]))
    >>> inputs, y = ds.batch(np.array([0, 2]))
    >>> tuple(inputs["X"].shape), y.tolist()
    ((2, 2), [0, -1])
    """

    def __init__(self, X, y, sample_domain, features=None):
        self.X = X
        self.y = y
        self.sample_domain = np.asarray(sample_domain)
        self.features = features

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        inputs, y = self.batch(np.asarray([i]))
        return {k: v[0] for k, v in inputs.items()}, y[0]

    def batch(self, rows):
        """The rows ``rows`` as ``({"X": ..., "sample_domain": ...}, y)`` tensors."""
        inputs = self.X if self.features is None else self.features
        return (
            {
                "X": to_tensor_batch(inputs, rows, "cpu"),
                "sample_domain": torch.as_tensor(self.sample_domain[rows]),
            },
            torch.as_tensor(self.y[rows]),
        )


class _DomainBatchIterator:
    """The batches of a :class:`DomainDataset` drawn by :class:`DomainBalancedBatches`."""

    def __init__(self, dataset, batch_size, generator):
        sd = dataset.sample_domain
        self.dataset = dataset
        self.batches = DomainBalancedBatches(
            np.flatnonzero(sd > 0), np.flatnonzero(sd < 0), batch_size, generator, X=dataset.X
        )

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        for source, target in self.batches:
            yield self.dataset.batch(np.concatenate([source, target]))


class DomainBatchesMixin:
    """skorch hooks: train on domain-balanced batches of a :class:`DomainDataset`.

    ``get_iterator`` draws the training batches with :class:`DomainBalancedBatches`,
    seeded by ``_batch_seed()`` at every ``fit_loop``; skorch's own ``fit_loop`` and
    ``run_single_epoch`` consume them. There is no internal validation split: every
    training row is used (``train_split`` is not used). Other iterators are skorch's.
    """

    def _batch_seed(self):
        """Seed of this fit's batch order; every estimator using the mixin defines it."""
        raise NotImplementedError(f"{type(self).__name__} must define _batch_seed()")

    def get_split_datasets(self, X, y=None, **fit_params):
        if self.train_split is not None:
            raise ValueError(
                f"{type(self).__name__} trains on every row and has no internal validation "
                f"split; got train_split={self.train_split!r}. Leave train_split=None and "
                "validate with skxfer.model_selection (DomainShuffleSplit and the DA "
                "scorers, or TransferSelector), which hold out rows of each domain."
            )
        return self.get_dataset(X, y), None

    def get_iterator(self, dataset, training=False):
        if training and isinstance(dataset, DomainDataset):
            generator = torch.Generator().manual_seed(self._batch_seed())
            return _DomainBatchIterator(dataset, self.batch_size, generator)
        return super().get_iterator(dataset, training=training)


def content_order(X):
    """An order of the rows of ``X`` set by their content, not by their position.

    Rows are sorted on two fixed random projections, so shuffling ``X`` and ordering it
    give the same sequence of rows (identical rows are interchangeable).

    Examples
    --------
    >>> import numpy as np
    >>> from skxfer.deep._data import content_order
    >>> X = np.array([[3.0, 1.0], [0.0, 2.0], [1.0, 1.0]])
    >>> bool((X[content_order(X)] == X[::-1][content_order(X[::-1])]).all())
    True
    """
    if len(X) == 0:
        return np.empty(0, dtype=np.int64)
    flat = np.asarray(X).reshape(len(X), -1)
    dtype = flat.dtype if flat.dtype.kind == "f" else np.float64
    proj = flat @ np.random.RandomState(0).standard_normal((flat.shape[1], 2)).astype(dtype)
    return np.lexsort((proj[:, 1], proj[:, 0]))


def check_device(estimator, device):
    """Refuse a device this torch cannot use, naming the devices it has.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from skxfer.deep._data import check_device
    >>> check_device(BaseEstimator(), "cpu")
    """
    dev = str(device)
    try:
        torch.device(dev)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"{type(estimator).__name__}(device={dev!r}) is not a torch device: use 'cpu', "
            "'cuda' or 'cuda:N'."
        ) from exc
    if dev.startswith("cuda") and not torch.cuda.is_available():
        build = (
            "a CPU-only build"
            if torch.version.cuda is None
            else (f"a CUDA {torch.version.cuda} build that sees no GPU")
        )
        raise ValueError(
            f"{type(estimator).__name__}(device={dev!r}): this torch ({torch.__version__}) is "
            f"{build}, so the only device here is 'cpu'. Pass device='cpu', or install a "
            "CUDA build of torch on a machine with an NVIDIA GPU."
        )
    if dev.startswith("cuda:"):
        index = int(dev.split(":", 1)[1])
        if index >= torch.cuda.device_count():
            raise ValueError(
                f"{type(estimator).__name__}(device={dev!r}): only "
                f"{torch.cuda.device_count()} CUDA device(s) exist (cuda:0 ...)."
            )
    if dev.startswith("mps") and not torch.backends.mps.is_available():
        raise ValueError(
            f"{type(estimator).__name__}(device={dev!r}): MPS is not available here; "
            "pass device='cpu'."
        )


def to_tensor_batch(X, rows, device, dtype=torch.float32):
    """Rows of a host array as a tensor on ``device`` (only the batch is moved)."""
    if isinstance(X, torch.Tensor):
        batch = X[torch.as_tensor(rows)]
    else:
        batch = torch.from_numpy(np.ascontiguousarray(X[rows]))
    return batch.to(device=device, dtype=dtype, non_blocking=True)
