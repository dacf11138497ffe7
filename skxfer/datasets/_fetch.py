"""Locate, verify (sha256) and, when missing, download the benchmark files."""

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from ._base import DATA_ENV, get_data_home

__all__ = ["fetch_file", "verify_file", "REMOTE_FILES"]

_GH = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"


def _gh(repo, commit, path):
    return _GH.format(repo=repo, commit=commit, path=path)


_GFK = (
    "viggin/domain-adaptation-toolbox",
    "2a991816a0ac39043b526c2b0cbe01bc844d8890",
    "ToRelease_GFK/data/",
)
_NSO = ("ChristophRaab/nso", "686490ad64ddd8f1d020f6178f95764b0b8e92ca")
_JDA = ("AngryCarrot/JDA", "12167daf32b01a07b85fdfa3db57a42b3be7eefe", "data/")
_SKB = (
    "scikit-adaptation/skada-bench",
    "e04399f55724b1accbed8ae1050e3c6c73fd481a",
    "data/amazon_review/",
)
_USPS = (
    "niuers/Learning-From-Data-A-Short-Course",
    "879a698b960e5867f7c2b11f8938fa89c3d21839",
    "data/",
)
_MNIST = (
    "caroline1677/COMP7404-Group16-JDA-Reproduction",
    "a6148beb229e071904dc747c4ad7843b8fc46759",
    "data/prepared_mnist_usps/data/MNIST/raw/",
)

#: relative path under data_home -> (sha256, size in bytes, public URL).
#: Values from the ``SOURCE.md`` of each folder of the offline copy.
REMOTE_FILES = {}


def _add(folder, name, sha256, size, url):
    REMOTE_FILES[f"{folder}/{name}"] = (sha256, size, url)


for _name, _sha, _size in [
    (
        "amazon_SURF_L10.mat",
        "df32548b994e18d364c99e1f317e1fae100597259f0423a41b90f4f68187bb1f",
        104970,
    ),
    (
        "Caltech10_SURF_L10.mat",
        "4f9334c8ced489d5054de97a5fd51a61f017f3bcd1f38c9a85c6d78cb9d7bda5",
        150751,
    ),
    (
        "dslr_SURF_L10.mat",
        "44d673c68e1d07b837893aa74dba3b986e4a6cc3fd66f0dd357683bdef059216",
        18348,
    ),
    (
        "webcam_SURF_L10.mat",
        "a6a9c78b4b7181dfbb58bcfd351d4ebd737f171c31247b8884948aa156d3f700",
        32406,
    ),
    (
        "amazon_SURF_L10_imgs.mat",
        "6d1624443b99f69a2f80bdfea25800f49c339db2f702ce06328618ae7e3b7e59",
        3692,
    ),
    (
        "Caltech10_SURF_L10_imgs.mat",
        "9f11333e518aa550464464dc0490576d9779ef7d18b9cbbab5195526d8de5ee5",
        4251,
    ),
    (
        "dslr_SURF_L10_imgs.mat",
        "ef8db1910ca89c717b8c992de1c4a1923694e6f2138465cee8483924c9aaef45",
        893,
    ),
    (
        "webcam_SURF_L10_imgs.mat",
        "35a6b38a2df34af6f7a34e0030e89f71540aefac84f0ea8645b3a85d57c9e6be",
        1413,
    ),
]:
    _add("office_caltech10/surf", _name, _sha, _size, _gh(_GFK[0], _GFK[1], _GFK[2] + _name))

for _name, _sha, _size in [
    ("dslr_decaf.mat", "42443f5e82e98cbe6304cacdba905e24c8430ed977b3d6b7b279f088b76e108f", 748396),
    (
        "webcam_decaf.mat",
        "e42207580fb1fadd3adba2504e1d8cff9620f464fca7536f9d7093f84c1459a3",
        1407979,
    ),
]:
    _add(
        "office_caltech10/decaf6_partial",
        _name,
        _sha,
        _size,
        _gh(*_NSO, "data/OfficeCaltech/Decaf/" + _name),
    )

for _name, _sha in [
    ("MNIST_vs_USPS.mat", "2b87e5a793e77826417e6c483e0850d6666c9746717bce2561db43f3f30efd4d"),
    ("USPS_vs_MNIST.mat", "77d2df99e2aab8a722c8d4ff7c93a92d8b29d409a065f12e972168d1089e2971"),
]:
    _add("mnist_usps_jda", _name, _sha, 3303450, _gh(_JDA[0], _JDA[1], _JDA[2] + _name))

for _name, _sha, _size in [
    ("books_400.mat", "7a53b54f0c0e81e7ee4774d762a927399cede9a802a2409732ba00cc1c23a17a", 356724),
    ("dvd_400.mat", "13a71d399f9c7ae57064952979c830455057ffd0a8da73f2c9075338d64d98ce", 360255),
    ("elec_400.mat", "f1dd6e01c1eed956d3abe6493a6bb5efc95e6585b8b9b2d856c0c07e12893a35", 316867),
    ("kitchen_400.mat", "b1f4e5ddfbd7b37ad2638fccbf83bd8558abf63b3e8d69a9d5bca77b1a49fed5", 287938),
]:
    _add("amazon_review_400", _name, _sha, _size, _gh(_SKB[0], _SKB[1], _SKB[2] + _name))

_add(
    "usps_mnist_raw",
    "usps.h5",
    "734f88c541104a956d88be2c95d03b4a463ffd74ccc2ba9c80841fb98e3fcb36",
    2913522,
    _gh(_USPS[0], _USPS[1], _USPS[2] + "usps.h5"),
)
for _name, _sha, _size in [
    (
        "t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        1648877,
    ),
    (
        "t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        4542,
    ),
]:
    _add("usps_mnist_raw", _name, _sha, _size, _gh(_MNIST[0], _MNIST[1], _MNIST[2] + _name))

for _name, _sha, _size in [
    ("comp.mat", "519aa5e083334cfc7d4892c4f3fa81ce326dc55255e2e0f4ce9dd93164b331c5", 2502014),
    ("rec.mat", "821e5ceeaa647e1b2c9992c73e8a6f96e1b1db4a98dd4e2e9298036fd06bd1db", 3004271),
    ("sci.mat", "5c040803134ed37080077a0a635f89e055aa1d5f726b362cc441e85a9296d94a", 3486932),
    ("talk.mat", "e716e2a2c656cd66a45d40861867e8fc7d4f0ac281feca35390d7383b6843f8e", 3873621),
]:
    _add("newsgroups20_da", _name, _sha, _size, _gh(*_NSO, "data/20Newsgroup/" + _name))

# (resolved path, size, mtime_ns) of files whose checksum matched in this process
_VERIFIED = set()


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _entry(relpath):
    try:
        return REMOTE_FILES[relpath]
    except KeyError:
        raise ValueError(f"Unknown benchmark file {relpath!r}.") from None


def verify_file(path, relpath):
    """Check the sha256 of ``path`` against the table entry of ``relpath``.

    A file is hashed once per process (until its size or modification time changes).

    Parameters
    ----------
    path : path-like
        File on disk.
    relpath : str
        Its key in ``REMOTE_FILES``, e.g. ``"amazon_review_400/books_400.mat"``.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    OSError
        When the checksum differs; the message names the file and the fix.

    Examples
    --------
    >>> from skxfer.datasets._fetch import REMOTE_FILES
    >>> sorted(REMOTE_FILES)[0]
    'amazon_review_400/books_400.mat'
    """
    path = Path(path)
    expected = _entry(relpath)[0]
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _VERIFIED:
        return path
    actual = _sha256(path)
    if actual != expected:
        raise OSError(
            f"Checksum mismatch for {path}: sha256 is {actual}, expected {expected}. The file "
            f"is corrupt, truncated or a different version. Delete it and load again to "
            f"download it, or replace it with a good copy of {relpath!r} (source: "
            f"{_entry(relpath)[2]})."
        )
    _VERIFIED.add(key)
    return path


def _download(url, dest, relpath):
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as resp:
            shutil.copyfileobj(resp, out)
        verify_file(tmp, relpath)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return dest


def fetch_file(relpath, data_home=None, download_if_missing=True):
    """Return the verified local path of a benchmark file, downloading it if needed.

    Parameters
    ----------
    relpath : str
        Path under ``data_home``, e.g. ``"office_caltech10/surf/amazon_SURF_L10.mat"``
        (the layout of the offline copy).
    data_home : path-like, default=None
        Data folder (see :func:`get_data_home`: argument, then ``SKXFER_DATA``, then
        ``~/skxfer_data``).
    download_if_missing : bool, default=True
        Download a missing file from its public URL (raw GitHub at a pinned commit);
        its sha256 is checked before it is moved into place.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    OSError
        When the file is missing and cannot be downloaded (offline, or
        ``download_if_missing=False``), or when its checksum is wrong.

    Examples
    --------
    >>> from skxfer.datasets import fetch_file
    >>> fetch_file("amazon_review_400/books_400.mat", data_home="/nonexistent",
    ...            download_if_missing=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    OSError: ...books_400.mat is missing...
    """
    sha256, size, url = _entry(relpath)
    path = get_data_home(data_home) / relpath
    if path.is_file():
        return verify_file(path, relpath)
    where = (
        f"Put a copy of the file at {path} (or point data_home= or the {DATA_ENV} "
        f"environment variable to a folder that has {relpath}); it is {size} bytes, "
        f"sha256 {sha256}, from {url}"
    )
    if not download_if_missing:
        raise OSError(f"{path} is missing and download_if_missing=False. {where}")
    try:
        return _download(url, path, relpath)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise OSError(f"{path} is missing and could not be downloaded ({exc}). {where}") from exc
