"""Fetch the `.py` files of numpy, scipy and scikit-learn sdists into a cache folder outside the repository.

Run: python benchmarks/corpus.py [--cache DIR]
The cache is $ALIASLINT_CORPUS, else ~/.cache/aliaslint-corpus.  Each package-version is extracted to
its own subfolder; a second run downloads nothing and only prints the paths.
Import `corpus_paths()` to get the extracted roots (fetching them if needed).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path, PurePosixPath

# (PyPI name, wanted minor series)
WANTED: tuple[tuple[str, str], ...] = (("numpy", "2.4"), ("scipy", "1.17"), ("scikit-learn", "1.9"))
PYPI = "https://pypi.org/pypi/{}/json"
DONE_MARKER = ".complete"  # in every finished root; extraction happens in a temporary folder renamed at the end


def cache_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The corpus folder: ``override``, else $ALIASLINT_CORPUS, else ~/.cache/aliaslint-corpus."""
    chosen = override or os.environ.get("ALIASLINT_CORPUS") or Path.home() / ".cache" / "aliaslint-corpus"
    return Path(chosen).expanduser().resolve()


def _final_version(text: str) -> tuple[int, ...] | None:
    """``"2.4.6"`` -> ``(2, 4, 6)``; ``None`` for pre-, post- and dev releases."""
    return tuple(int(p) for p in text.split(".")) if re.fullmatch(r"\d+(\.\d+)*", text) else None


def _pick_sdist(name: str, series: str) -> tuple[str, dict]:
    """The newest final release in ``series`` (else the newest overall) and its non-yanked sdist file."""
    with urllib.request.urlopen(PYPI.format(name), timeout=60) as response:
        base = response.geturl()
        releases: dict[str, list[dict]] = json.load(response)["releases"]
    for files in releases.values():  # a mirror may give URLs relative to the JSON's
        for f in files:
            f["url"] = urllib.parse.urljoin(base, f["url"])

    def sdist(files: list[dict]) -> dict | None:
        return next((f for f in files if f["packagetype"] == "sdist" and f["filename"].endswith(".tar.gz")
                     and not f.get("yanked")), None)

    candidates = sorted(((v, version) for version, files in releases.items()
                         if (v := _final_version(version)) and sdist(files)), reverse=True)
    if not candidates:
        raise SystemExit(f"{name}: no final release with a .tar.gz sdist on PyPI")
    in_series = [c for c in candidates if c[1] == series or c[1].startswith(series + ".")]
    version = (in_series or candidates)[0][1]
    if not in_series:
        print(f"{name}: no {series}.x release on PyPI; taking the newest, {version}")
    return version, sdist(releases[version])  # type: ignore[return-value]


def _download(url: str, expected_sha256: str, into: Path) -> Path:
    target = into / PurePosixPath(url).name
    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=300) as response, open(target, "wb") as out:
        while chunk := response.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != expected_sha256:
        raise SystemExit(f"sha256 mismatch for {url}: got {digest.hexdigest()}, PyPI says {expected_sha256}")
    return target


def _extract_py(archive: Path, root: Path) -> int:
    """Extract only the regular ``.py`` members, without the sdist's top folder; return how many."""
    count = 0
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts[1:]  # drop "numpy-2.4.6/"
            if not (member.isfile() and parts and member.name.endswith(".py")) or ".." in parts:
                continue
            target = root.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, open(target, "wb") as dst:  # type: ignore[union-attr]
                shutil.copyfileobj(src, dst)
            count += 1
    return count


def _existing(cache: Path, name: str, series: str) -> Path | None:
    """A complete extraction already in the cache for this package and series, newest first."""
    found = [(v, p) for p in cache.glob(f"{name}-*") if (p / DONE_MARKER).exists()
             and (v := _final_version(p.name[len(name) + 1:]))
             and p.name[len(name) + 1:].startswith(series + ".")]
    return max(found)[1] if found else None


def fetch(name: str, series: str, cache: Path) -> Path:
    """The extracted root of ``name``'s newest ``series`` sdist, fetching it unless already cached."""
    if (done := _existing(cache, name, series)) is not None:
        return done
    version, info = _pick_sdist(name, series)
    root = cache / f"{name}-{version}"
    if root.exists():  # never ours: ours appear whole, by one rename
        raise SystemExit(f"{root} exists but was not made by this script (no {DONE_MARKER}); remove it or use --cache")
    print(f"{name} {version}: downloading {info['filename']} ({info['size'] / 1e6:.1f} MB)")
    with tempfile.TemporaryDirectory(dir=cache, prefix=".tmp-") as tmp:
        archive = _download(info["url"], info["digests"]["sha256"], Path(tmp))
        staging = Path(tmp) / "root"
        count = _extract_py(archive, staging)
        (staging / DONE_MARKER).write_text(f"{info['url']}\nsha256 {info['digests']['sha256']}\n{count} .py files\n")
        staging.rename(root)
    print(f"{name} {version}: sha256 verified, {count} .py files extracted")
    return root


def corpus_paths(cache: str | os.PathLike[str] | None = None) -> list[Path]:
    """The extracted roots of the three packages, fetching what is missing."""
    folder = cache_dir(cache)
    folder.mkdir(parents=True, exist_ok=True)
    return [fetch(name, series, folder) for name, series in WANTED]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", help="corpus folder (default: $ALIASLINT_CORPUS or ~/.cache/aliaslint-corpus)")
    args = parser.parse_args()
    for path in corpus_paths(args.cache):
        print(path)


if __name__ == "__main__":
    main()
