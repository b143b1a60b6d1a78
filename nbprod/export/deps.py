"""Third-party imports -> distribution requirements (``sklearn`` -> ``scikit-learn>=1.5``).

The running environment knows best (``importlib.metadata.packages_distributions``);
a table covers well-known mismatches for what is not installed. Versions are ranges
around the installed distribution, what the notebook was exported against: from its
major.minor up to the next major, which may remove an API the code uses.
"""

from __future__ import annotations

import importlib.metadata as metadata
import re
import sys
from collections.abc import Iterable
from functools import lru_cache

# Import name -> distribution, where they differ; used when the module is not installed.
KNOWN_DISTRIBUTIONS = {
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "cv2": "opencv-python",
    "PIL": "Pillow",
    "yaml": "PyYAML",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "PyJWT",
    "attr": "attrs",
    "git": "GitPython",
    "Bio": "biopython",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "fitz": "PyMuPDF",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyOpenSSL",
    "serial": "pyserial",
    "slugify": "python-slugify",
    "IPython": "ipython",
    "tensorflow_hub": "tensorflow-hub",
    "tensorflow_datasets": "tensorflow-datasets",
    "tensorflow_io": "tensorflow-io",
    "keras_hub": "keras-hub",
    "keras_tuner": "keras-tuner",
    "kerastuner": "keras-tuner",
    "apache_beam": "apache-beam",
    "googleapiclient": "google-api-python-client",
    "MySQLdb": "mysqlclient",
}


@lru_cache(maxsize=1)
def _installed() -> dict[str, list[str]]:
    return {k: sorted(v) for k, v in metadata.packages_distributions().items()}


def distribution(module: str) -> str | None:
    """The distribution providing top-level ``module``; ``None`` for the standard library."""
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return None
    found = _installed().get(top)
    if found:
        return found[0]
    return KNOWN_DISTRIBUTIONS.get(top, top)


def version_range(version: str) -> str:
    """``2.4.6`` -> ``>=2.4,<3``; a version without a leading number is a lower bound."""
    found = re.match(r"(\d+)(?:\.(\d+))?", version)
    if found is None:
        return f">={version}"
    major, minor = int(found[1]), found[2]
    lower = f"{major}.{minor}" if minor is not None else str(major)
    return f">={lower},<{major + 1}"


def requirement(dist: str) -> str:
    try:
        return f"{dist}{version_range(metadata.version(dist))}"
    except metadata.PackageNotFoundError:
        return dist


def requirements(modules: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """Sorted requirements for the given imported modules, minus ``exclude`` (first party)."""
    skip = {e.split(".")[0] for e in exclude}
    dists = {
        d for m in modules if m.split(".")[0] not in skip and (d := distribution(m)) is not None
    }
    return sorted((requirement(d) for d in dists), key=str.lower)
