"""Loaders of the real DA benchmarks (offline copy or download, checksummed)."""

import gzip
import itertools

import numpy as np
from scipy import sparse

from ._base import DomainDataset
from ._fetch import fetch_file

__all__ = [
    "load_office_caltech",
    "load_mnist_usps",
    "load_amazon_reviews",
    "load_usps_mnist_raw",
    "load_newsgroups",
]

OFFICE_DOMAINS = {"amazon": "A", "caltech": "C", "dslr": "D", "webcam": "W"}
OFFICE_CLASSES = [
    "back_pack",
    "bike",
    "calculator",
    "headphones",
    "keyboard",
    "laptop_computer",
    "monitor",
    "mouse",
    "mug",
    "projector",
]
_OFFICE_SURF = {"amazon": "amazon", "caltech": "Caltech10", "dslr": "dslr", "webcam": "webcam"}
AMAZON_DOMAINS = {"books": "B", "dvd": "D", "electronics": "E", "kitchen": "K"}
_AMAZON_FILE = {"books": "books", "dvd": "dvd", "electronics": "elec", "kitchen": "kitchen"}
DIGIT_DOMAINS = {"mnist": "M", "usps": "U"}
NEWSGROUPS_CATEGORIES = ("comp", "rec", "sci", "talk")
_ALIASES = {"elec": "electronics", "caltech10": "caltech", "caltech256": "caltech"}


def _resolve(name, domains, dataset, argname):
    """Map a full, aliased or one-letter, case-insensitive domain name to its full name."""
    if isinstance(name, str):
        key = name.strip().lower()
        key = _ALIASES.get(key, key)
        if key in domains:
            return key
        for full, short in domains.items():
            if key == short.lower():
                return full
    choices = ", ".join(f"{full!r} ({short})" for full, short in domains.items())
    raise ValueError(f"Unknown {dataset} domain {name!r} for {argname}; choose one of {choices}.")


def _pair(source, target, domains, dataset):
    s = _resolve(source, domains, dataset, "source")
    t = _resolve(target, domains, dataset, "target")
    if s == t:
        raise ValueError(
            f"source and target are the same {dataset} domain ({s!r}); a DA task needs two "
            "different domains."
        )
    return s, t


def _stack(Xs, ys, Xt, yt, *, return_X_y, **meta):
    if sparse.issparse(Xs) or sparse.issparse(Xt):
        X = sparse.vstack([Xs, Xt], format="csr")
    else:
        X = np.concatenate([Xs, Xt])
    y = np.concatenate([ys, yt]).astype(np.int64)
    sd = np.r_[np.ones(Xs.shape[0], dtype=np.int64), -np.ones(Xt.shape[0], dtype=np.int64)]
    ds = DomainDataset(X, y, sd, **meta)
    return ds.pack() if return_X_y else ds


def _loadmat(path, *names):
    from scipy.io import loadmat

    mat = loadmat(path, variable_names=list(names))
    missing = [n for n in names if n not in mat]
    if missing:
        raise OSError(f"{path} has no variable(s) {missing}; is it the right file?")
    return [mat[n] for n in names]


def load_office_caltech(
    source="amazon",
    target="webcam",
    features="surf",
    *,
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
):
    """Load an Office-Caltech10 task (Gong et al., CVPR 2012).

    Four image domains with 10 shared classes: amazon (A, 958 images), caltech
    (C, 1123), dslr (D, 157), webcam (W, 295).

    Parameters
    ----------
    source, target : str, default="amazon", "webcam"
        Domains, full or one-letter names, case-insensitive.
    features : {"surf", "decaf6"}, default="surf"
        ``"surf"``: 800-bin SURF bag-of-words histograms (raw counts, as float64), all
        four domains. ``"decaf6"`` (alias ``"decaf"``): 4096-d DeCAF6 activations, only
        dslr and webcam are available (tasks D->W and W->D). No preprocessing is
        applied; the GFK release suggests L1-normalising rows then z-scoring columns
        for SURF, and the DeCAF release L2-normalising rows.
    data_home : path-like, default=None
        Data folder: argument, else ``SKXFER_DATA``, else ``~/skxfer_data``.
    download_if_missing : bool, default=True
        Download missing files from their public source (checksum verified).
    return_X_y : bool, default=False
        Return ``X, y, sample_domain`` with the target labels masked (``-1``).

    Returns
    -------
    dataset : DomainDataset
        Source rows then target rows; ``y_true`` 0..9 (the files' labels minus one);
        ``sample_domain`` 1 / -1; ``target_names`` the class names.

    Examples
    --------
    >>> from skxfer.datasets import load_office_caltech
    >>> ds = load_office_caltech("A", "W")  # doctest: +SKIP
    >>> ds.X.shape  # doctest: +SKIP
    (1253, 800)
    """
    s, t = _pair(source, target, OFFICE_DOMAINS, "Office-Caltech10")
    feats = str(features).lower()
    if feats == "decaf":
        feats = "decaf6"
    if feats not in ("surf", "decaf6"):
        raise ValueError(f"features must be 'surf' or 'decaf6'; got {features!r}.")
    if feats == "decaf6":
        missing = [d for d in (s, t) if d not in ("dslr", "webcam")]
        if missing:
            raise ValueError(
                f"DeCAF6 features are available for dslr and webcam only (the amazon and "
                f"caltech files are not in the offline copy); {missing} requested. Use "
                "features='surf' for the other tasks."
            )

    def one(domain):
        if feats == "surf":
            rel = f"office_caltech10/surf/{_OFFICE_SURF[domain]}_SURF_L10.mat"
            X, y = _loadmat(fetch_file(rel, data_home, download_if_missing), "fts", "labels")
        else:
            rel = f"office_caltech10/decaf6_partial/{domain}_decaf.mat"
            X, y = _loadmat(fetch_file(rel, data_home, download_if_missing), "feas", "labels")
        return np.asarray(X, dtype=np.float64), y.ravel().astype(np.int64) - 1

    (Xs, ys), (Xt, yt) = one(s), one(t)
    task = f"{OFFICE_DOMAINS[s]}->{OFFICE_DOMAINS[t]}"
    return _stack(
        Xs,
        ys,
        Xt,
        yt,
        return_X_y=return_X_y,
        name=f"office_caltech/{feats} {task}",
        target_names=list(OFFICE_CLASSES),
        domain_names={1: s, -1: t},
        DESCR=(
            f"Office-Caltech10 {feats.upper()} features, {s} -> {t}. Gong et al., "
            "Geodesic Flow Kernel for Unsupervised Domain Adaptation, CVPR 2012. "
            "Labels are the files' labels minus one."
        ),
    )


def load_mnist_usps(
    source="usps",
    target="mnist",
    *,
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
):
    """Load the MNIST+USPS task of the JDA protocol (Long et al., ICCV 2013).

    2000 MNIST and 1800 USPS digits at 16x16 pixels in [0, 1], 10 classes.

    Parameters
    ----------
    source, target : str, default="usps", "mnist"
        ``"mnist"`` (M) or ``"usps"`` (U), case-insensitive.
    data_home : path-like, default=None
        Data folder: argument, else ``SKXFER_DATA``, else ``~/skxfer_data``.
    download_if_missing : bool, default=True
        Download missing files from their public source (checksum verified).
    return_X_y : bool, default=False
        Return ``X, y, sample_domain`` with the target labels masked (``-1``).

    Returns
    -------
    dataset : DomainDataset
        ``X`` (3800, 256) float64, one row per image (the files store features x
        samples; they are transposed), ``x.reshape(16, 16)`` is upright; ``y_true`` the
        digit 0..9 (the files store digit + 1).

    Examples
    --------
    >>> from skxfer.datasets import load_mnist_usps
    >>> ds = load_mnist_usps("usps", "mnist")  # doctest: +SKIP
    >>> ds.X_source.shape, ds.X_target.shape  # doctest: +SKIP
    ((1800, 256), (2000, 256))
    """
    s, t = _pair(source, target, DIGIT_DOMAINS, "MNIST-USPS")
    fname = "USPS_vs_MNIST.mat" if s == "usps" else "MNIST_vs_USPS.mat"
    path = fetch_file(f"mnist_usps_jda/{fname}", data_home, download_if_missing)
    Xs, ys, Xt, yt = _loadmat(path, "X_src", "Y_src", "X_tar", "Y_tar")
    return _stack(
        np.asarray(Xs, dtype=np.float64).T,
        ys.ravel().astype(np.int64) - 1,
        np.asarray(Xt, dtype=np.float64).T,
        yt.ravel().astype(np.int64) - 1,
        return_X_y=return_X_y,
        name=f"mnist_usps {s}->{t}",
        target_names=[str(k) for k in range(10)],
        domain_names={1: s, -1: t},
        DESCR=(
            f"MNIST+USPS (JDA protocol), {s} -> {t}: 16x16 digits in [0, 1]. Long et al., "
            "Transfer Feature Learning with Joint Distribution Adaptation, ICCV 2013."
        ),
        image_shape=(16, 16),
    )


def load_amazon_reviews(
    source="books",
    target="dvd",
    *,
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
):
    """Load an Amazon reviews sentiment task (Blitzer et al. 2007; 400-d mSDA features).

    Four domains of about 2000 reviews each: books (B), dvd (D), electronics (E,
    alias ``"elec"``), kitchen (K); two balanced classes.

    Parameters
    ----------
    source, target : str, default="books", "dvd"
        Domains, full or one-letter names, case-insensitive.
    data_home : path-like, default=None
        Data folder: argument, else ``SKXFER_DATA``, else ``~/skxfer_data``.
    download_if_missing : bool, default=True
        Download missing files from their public source (checksum verified).
    return_X_y : bool, default=False
        Return ``X, y, sample_domain`` with the target labels masked (``-1``).

    Returns
    -------
    dataset : DomainDataset
        ``X`` float64 with 400 L1-normalised columns; ``y_true`` 0/1 as in the files
        (the source does not document which value is positive).

    Examples
    --------
    >>> from skxfer.datasets import load_amazon_reviews
    >>> ds = load_amazon_reviews("B", "K")  # doctest: +SKIP
    >>> ds.X.shape  # doctest: +SKIP
    (3999, 400)
    """
    s, t = _pair(source, target, AMAZON_DOMAINS, "Amazon reviews")

    def one(domain):
        rel = f"amazon_review_400/{_AMAZON_FILE[domain]}_400.mat"
        X, y = _loadmat(fetch_file(rel, data_home, download_if_missing), "fts", "labels")
        return np.asarray(X, dtype=np.float64), y.ravel().astype(np.int64)

    (Xs, ys), (Xt, yt) = one(s), one(t)
    return _stack(
        Xs,
        ys,
        Xt,
        yt,
        return_X_y=return_X_y,
        name=f"amazon {AMAZON_DOMAINS[s]}->{AMAZON_DOMAINS[t]}",
        target_names=["0", "1"],
        domain_names={1: s, -1: t},
        DESCR=(
            f"Amazon reviews, {s} -> {t}, 400-d features (Chen et al., mSDA, ICML 2012) "
            "of the Multi-Domain Sentiment Dataset (Blitzer et al., ACL 2007)."
        ),
    )


def _read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        data = f.read()
    found = int.from_bytes(data[:4], "big")
    if found != magic:
        raise OSError(f"{path}: IDX magic number {found}, expected {magic}.")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _resize(images, size):
    from scipy import ndimage

    h = images.shape[-1]
    if h == size:
        return images
    return ndimage.zoom(
        images, (1, size / h, size / h), order=1, grid_mode=True, mode="grid-constant"
    ).astype(np.float32)


def load_usps_mnist_raw(
    source="usps",
    target="mnist",
    *,
    size=28,
    usps_subset="train",
    flatten=True,
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
):
    """Load full USPS and the official MNIST test set as a digits DA task.

    USPS (Hull 1994): 7291 train / 2007 test images of 16x16, values in [0, 1].
    MNIST test set (LeCun et al. 1998): 10000 images of 28x28, scaled here to
    [0, 1]. Both domains are brought to one size with a bilinear
    ``scipy.ndimage.zoom`` (``grid_mode=True``, so the image borders line up).

    Parameters
    ----------
    source, target : str, default="usps", "mnist"
        ``"usps"`` (U) or ``"mnist"`` (M), case-insensitive.
    size : int, default=28
        Side of the square images returned: 28 upsamples USPS to MNIST's size, 16
        downsamples MNIST to USPS's size; any other value resizes both.
    usps_subset : {"train", "test", "all"}, default="train"
        Which USPS images to use.
    flatten : bool, default=True
        ``True``: ``X`` has shape (n, size * size). ``False``: (n, 1, size, size),
        ready for a torch CNN.
    data_home : path-like, default=None
        Data folder: argument, else ``SKXFER_DATA``, else ``~/skxfer_data``.
    download_if_missing : bool, default=True
        Download missing files from their public source (checksum verified).
    return_X_y : bool, default=False
        Return ``X, y, sample_domain`` with the target labels masked (``-1``).

    Returns
    -------
    dataset : DomainDataset
        ``X`` float32 in [0, 1]; ``y_true`` the digits 0..9.

    Notes
    -----
    Reading ``usps.h5`` needs the optional dependency h5py (``pip install h5py``).

    Examples
    --------
    >>> from skxfer.datasets import load_usps_mnist_raw
    >>> ds = load_usps_mnist_raw(size=16, flatten=False)  # doctest: +SKIP
    >>> ds.X.shape  # doctest: +SKIP
    (17291, 1, 16, 16)
    """
    s, t = _pair(source, target, DIGIT_DOMAINS, "USPS/MNIST")
    if usps_subset not in ("train", "test", "all"):
        raise ValueError(f"usps_subset must be 'train', 'test' or 'all'; got {usps_subset!r}.")
    if not isinstance(size, int) or size < 4:
        raise ValueError(f"size must be an int >= 4; got {size!r}.")

    def usps():
        try:
            import h5py
        except ImportError as exc:
            raise ImportError(
                "Reading usps.h5 requires h5py, an optional dependency of skxfer: pip install h5py"
            ) from exc
        path = fetch_file("usps_mnist_raw/usps.h5", data_home, download_if_missing)
        groups = ("train", "test") if usps_subset == "all" else (usps_subset,)
        with h5py.File(path, "r") as f:
            X = np.concatenate([f[g]["data"][()] for g in groups]).astype(np.float32)
            y = np.concatenate([f[g]["target"][()] for g in groups]).astype(np.int64)
        return X.reshape(-1, 16, 16), y

    def mnist():
        images = _read_idx(
            fetch_file("usps_mnist_raw/t10k-images-idx3-ubyte.gz", data_home, download_if_missing),
            2051,
        )
        labels = _read_idx(
            fetch_file("usps_mnist_raw/t10k-labels-idx1-ubyte.gz", data_home, download_if_missing),
            2049,
        )
        return images.astype(np.float32) / 255.0, labels.astype(np.int64)

    loaders = {"usps": usps, "mnist": mnist}
    (Is, ys), (It, yt) = loaders[s](), loaders[t]()
    Is, It = _resize(Is, size), _resize(It, size)
    Is, It = np.clip(Is, 0, 1), np.clip(It, 0, 1)
    shape = (-1, size * size) if flatten else (-1, 1, size, size)
    return _stack(
        Is.reshape(shape),
        ys,
        It.reshape(shape),
        yt,
        return_X_y=return_X_y,
        name=f"usps_mnist_raw {s}->{t}",
        target_names=[str(k) for k in range(10)],
        domain_names={1: s, -1: t},
        DESCR=(
            f"{s} -> {t}: USPS ({usps_subset}) and the MNIST test set at {size}x{size}, "
            "values in [0, 1]."
        ),
        image_shape=(size, size),
    )


def _subsets(value, argname):
    try:
        pair = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        pair = ()
    if len(pair) != 2 or len(set(pair)) != 2 or not set(pair) <= {1, 2, 3, 4}:
        raise ValueError(
            f"{argname} must be two distinct sub-category indices in 1..4 (e.g. (1, 2)); "
            f"got {value!r}."
        )
    return pair


def newsgroups_splits():
    """The 36 ``(pos_subsets, neg_subsets)`` source splits of a category pair.

    Each entry gives the two sub-categories (``X1``..``X4``) of each top category
    that go to the source; the other two go to the target.

    Returns
    -------
    splits : list of ((int, int), (int, int))

    Examples
    --------
    >>> from skxfer.datasets import newsgroups_splits
    >>> len(newsgroups_splits()), newsgroups_splits()[0]
    (36, ((1, 2), (1, 2)))
    """
    pairs = list(itertools.combinations((1, 2, 3, 4), 2))
    return [(p, n) for p in pairs for n in pairs]


def load_newsgroups(
    pos_category="comp",
    neg_category="rec",
    *,
    source_subsets=(1, 2),
    neg_source_subsets=None,
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
):
    """Load a 20 Newsgroups cross-domain task (Dai et al. KDD 2007; Long et al. TKDE 2015).

    The label is the top category (``pos_category`` -> 1, ``neg_category`` -> 0).
    Each top category has four sub-categories (``X1``..``X4`` in the files; their
    names are not recorded). The source gets two sub-categories of each top
    category and the target the other two, so the two domains discuss different
    sub-topics.

    Parameters
    ----------
    pos_category, neg_category : {"comp", "rec", "sci", "talk"}, default="comp", "rec"
        The two top categories (6 pairs in the standard protocol).
    source_subsets : pair of int in 1..4, default=(1, 2)
        Sub-categories of ``pos_category`` in the source (the rest go to the target).
    neg_source_subsets : pair of int in 1..4, default=None
        Same for ``neg_category``; ``None`` uses ``source_subsets``. The 36 standard
        splits of a pair are :func:`newsgroups_splits` (their order is not the one of
        any published split files, whose numbering is undocumented).
    data_home : path-like, default=None
        Data folder: argument, else ``SKXFER_DATA``, else ``~/skxfer_data``.
    download_if_missing : bool, default=True
        Download missing files from their public source (checksum verified).
    return_X_y : bool, default=False
        Return ``X, y, sample_domain`` with the target labels masked (``-1``).

    Returns
    -------
    dataset : DomainDataset
        ``X`` scipy.sparse CSR float64 (n_documents, 25804) (the files store terms x
        documents; they are transposed); ``y_true`` 0/1; ``subcategory`` gives each
        row's ``Xk`` index.

    Examples
    --------
    >>> from skxfer.datasets import load_newsgroups
    >>> ds = load_newsgroups("comp", "rec")  # doctest: +SKIP
    >>> ds.X.shape  # doctest: +SKIP
    (7838, 25804)
    """
    cats = {c: c[0].upper() for c in NEWSGROUPS_CATEGORIES}
    pos, neg = _pair(pos_category, neg_category, cats, "20 Newsgroups")
    pos_src = _subsets(source_subsets, "source_subsets")
    neg_src = (
        pos_src
        if neg_source_subsets is None
        else _subsets(neg_source_subsets, "neg_source_subsets")
    )

    parts = {}  # (domain, label) -> list of (matrix, subcat)
    for cat, label, src in ((pos, 1, pos_src), (neg, 0, neg_src)):
        path = fetch_file(f"newsgroups20_da/{cat}.mat", data_home, download_if_missing)
        mats = _loadmat(path, "X1", "X2", "X3", "X4")
        for k, M in enumerate(mats, start=1):
            dom = 1 if k in src else -1
            parts.setdefault((dom, label), []).append(
                (sparse.csr_matrix(sparse.csc_matrix(M).T, dtype=np.float64), k)
            )

    blocks, ys, subcats, sds = [], [], [], []
    for dom in (1, -1):
        for label in (1, 0):
            for M, k in parts[(dom, label)]:
                blocks.append(M)
                ys.append(np.full(M.shape[0], label, dtype=np.int64))
                subcats.append(np.full(M.shape[0], k, dtype=np.int64))
                sds.append(np.full(M.shape[0], dom, dtype=np.int64))
    X = sparse.vstack(blocks, format="csr")
    ds = DomainDataset(
        X,
        np.concatenate(ys),
        np.concatenate(sds),
        name=f"newsgroups {pos}_vs_{neg} src{pos_src}/{neg_src}",
        target_names=[neg, pos],
        domain_names={1: "source", -1: "target"},
        DESCR=(
            f"20 Newsgroups {pos} (label 1) vs {neg} (label 0). Source: sub-categories "
            f"{pos_src} of {pos} and {neg_src} of {neg}; target: the others. Terms are "
            "columns (25804)."
        ),
        subcategory=np.concatenate(subcats),
    )
    return ds.pack() if return_X_y else ds
