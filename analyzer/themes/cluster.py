"""Clusterers that turn mention embeddings into theme labels, chosen by name.

A clusterer only proposes groups; the theme model then drops the small ones, computes
centroids and assigns every mention by cosine to them. Backends:

- ``ward``: each embedding is averaged with its nearest neighbours (a cheap
  denoising step), a Ward tree is built on the result, and the tree is cut one split at a
  time, loose groups first, then the split that raises cohesion most (:func:`greedy_cut`), until
  mentions are, on average, ``cohesion`` cosine-similar to the centre of their group, but
  at no more than ``max_groups`` groups (default ``sqrt(1.5 n)``:
  MiniLM's fine structure, e.g. one group per phrasing template, would otherwise turn
  into dozens of near-synonymous themes). No UMAP, no numba.
- ``spectral-ward`` (default of the theme model): the same tree and cut, but the tree is
  built on a spectral embedding of the kNN graph (spectral.py) instead of the smoothed
  embeddings: UMAP's idea without UMAP. A few seconds more, a few NMI points better.
- ``umap-hdbscan``: what plain BERTopic does (UMAP to 5 dimensions, then HDBSCAN);
  imports umap lazily and pays its numba compilation (tens of seconds per process).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from analyzer.errors import ConfigError

__all__ = [
    "CLUSTERERS",
    "CUTS",
    "Clusterer",
    "SpectralWardClusterer",
    "UmapHdbscanClusterer",
    "WardClusterer",
    "default_max_groups",
    "get_clusterer",
    "greedy_cut",
    "mean_cohesion_cut",
]

CLUSTERERS = ("spectral-ward", "ward", "umap-hdbscan")
CUTS = ("gain", "worst-first", "height")


@runtime_checkable
class Clusterer(Protocol):
    """Groups L2-normalised embeddings; -1 marks points left out of every group."""

    name: str

    def fit_predict(self, embeddings: np.ndarray, *, min_size: int, seed: int) -> np.ndarray:
        """Return labels of shape (n,), int64, -1 for noise."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Return float32 rows of unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def knn_smooth(x: np.ndarray, k: int, *, chunk: int | None = None) -> np.ndarray:
    """Replace each row by the normalised mean of its ``k`` nearest rows (itself included).

    Neighbours are ranked on exact cosines (:func:`analyzer.themes.spectral.grid_cosines`),
    ties in index order, so they are the same whatever ``chunk`` is and on whatever CPU.

    Parameters
    ----------
    x : ndarray of shape (n, dim)
        Unit-length rows.
    k : int
        Neighbours to average; 1 or less returns ``x`` unchanged.
    chunk : int, optional
        Rows ranked at once (default ``spectral.CHUNK``); only memory depends on it.
    """
    from analyzer.themes.spectral import CHUNK, grid_cosines, on_grid, top_k

    n = len(x)
    k = min(k, n)
    if k <= 1:
        return x
    chunk = chunk or CHUNK
    q = on_grid(x)
    out = np.empty_like(x)
    for start in range(0, n, chunk):
        idx = top_k(grid_cosines(q[start : start + chunk], q), k)
        out[start : start + chunk] = x[idx].mean(axis=1)
    return normalise(out)


def default_max_groups(n: int) -> int:
    """Default cap on the number of groups for ``n`` points: ``round(sqrt(1.5 n))``."""
    return max(1, round(float(np.sqrt(1.5 * max(n, 1)))))


def _node_stats(z: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum vector and size of every node of a scipy linkage ``z`` over rows ``x``."""
    n = len(x)
    sums = np.zeros((2 * n - 1, x.shape[1]), dtype=np.float64)
    counts = np.ones(2 * n - 1, dtype=np.int64)
    sums[:n] = x
    for i, (a, b) in enumerate(z[:, :2].astype(np.int64)):
        sums[n + i] = sums[a] + sums[b]
        counts[n + i] = counts[a] + counts[b]
    return sums, counts


def _leaves(z: np.ndarray, node: int, n: int) -> list[int]:
    out, stack = [], [node]
    while stack:
        cur = stack.pop()
        if cur < n:
            out.append(cur)
        else:
            a, b = z[cur - n, :2].astype(np.int64)
            stack.extend((int(b), int(a)))
    return out


def _labels_of(z: np.ndarray, open_nodes: set[int], n: int) -> np.ndarray:
    """Label every leaf by the open node above it, groups numbered in tree order."""
    labels = np.empty(n, dtype=np.int64)
    for label, top in enumerate(sorted(open_nodes)):
        labels[_leaves(z, top, n)] = label
    return labels


def mean_cohesion_cut(
    z: np.ndarray,
    x: np.ndarray,
    *,
    cohesion: float,
    min_size: int = 2,
    slack: float = 0.1,
    max_groups: int | None = None,
) -> np.ndarray:
    """Cut a Ward tree at the fewest groups whose mentions are ``cohesion`` close to home.

    Undoing the merges from the top, the mean cosine of every point to its group's centre
    (for unit rows: the sum of ``|group sum|`` over ``n``) is tracked; the cut stops at the
    first number of groups where it reaches ``cohesion`` and no group of ``2 * min_size``
    or more points is below ``cohesion - slack`` (one bad merge can't hide in the mean),
    or at ``max_groups`` groups, whichever comes first.

    Parameters
    ----------
    z : ndarray of shape (n - 1, 4)
        Linkage matrix (scipy format).
    x : ndarray of shape (n, dim)
        Unit-length rows the cohesion is measured on.

    Returns
    -------
    labels : ndarray of shape (n,), int64, groups numbered in tree order.
    """
    n = len(x)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    sums, counts = _node_stats(z, x)
    norms = np.linalg.norm(sums, axis=1)
    coh = norms / counts
    open_nodes = {2 * n - 2}
    total = norms[2 * n - 2]

    def loose() -> bool:
        big = [coh[v] for v in open_nodes if counts[v] >= 2 * min_size]
        return bool(big) and min(big) < cohesion - slack

    node = 2 * n - 2
    cap = n if max_groups is None else max(1, max_groups)
    # merges are undone from the last (highest) one down
    while node >= n and len(open_nodes) < cap and (total / n < cohesion or loose()):
        a, b = (int(v) for v in z[node - n, :2])
        open_nodes.remove(node)
        open_nodes.update((a, b))
        total += norms[a] + norms[b] - norms[node]
        node -= 1
    return _labels_of(z, open_nodes, n)


def greedy_cut(
    z: np.ndarray,
    x: np.ndarray,
    *,
    cohesion: float,
    min_size: int = 2,
    slack: float = 0.1,
    max_groups: int | None = None,
    order: str = "gain",
) -> np.ndarray:
    """Cut a Ward tree by splitting one group at a time, chosen in ``x``'s space.

    :func:`mean_cohesion_cut` undoes merges in the order of the tree's heights. When the
    tree is built on other coordinates than ``x`` (the spectral graph embedding), a noisy
    corpus can sit in one node that is compact in those coordinates but loose in ``x``,
    and it is never split: one theme swallows half the mentions. Here every step splits
    one open group, chosen in ``x``:

    - ``order="gain"`` (default): first every *loose* group (``2 * min_size`` points or
      more, cohesion below ``cohesion - slack``: what the stop rule refuses to leave),
      loosest first by ``size * (1 - cohesion)``; once none is loose, the split that
      raises the summed cosine of the points to their centre the most,
      ``|a| + |b| - |a + b|`` over the children's sums: a greedy ascent on the quantity
      the cut stops on, so the remaining splits go where they tighten themes most;
    - ``order="loss"``: always the loosest group (the worst-first cut of earlier
      versions; as robust on noisy tweets, but lower NMI on banking77 and the demo:
      see benchmarks/results/themes.txt).

    Stops at the same targets as :func:`mean_cohesion_cut`.

    Returns
    -------
    labels : ndarray of shape (n,), int64, groups numbered in tree order.
    """
    import heapq

    if order not in ("gain", "loss"):
        raise ConfigError(f"order={order!r}; expected 'gain' or 'loss'.")
    n = len(x)
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    sums, counts = _node_stats(z, x)
    norms = np.linalg.norm(sums, axis=1)
    coh = norms / counts
    children = z[:, :2].astype(np.int64)
    gain = norms[children].sum(axis=1) - norms[n:]
    loss = counts[n:] - norms[n:]
    must = (counts[n:] >= 2 * min_size) & (coh[n:] < cohesion - slack)
    if order == "loss":
        must[:] = True

    def key(node: int) -> tuple[bool, float]:
        i = node - n
        return (not must[i], -loss[i] if must[i] else -gain[i])

    root = 2 * n - 2
    open_nodes = {root}
    total = norms[root]
    heap = [(key(root), root)]

    def loose() -> bool:
        big = [coh[v] for v in open_nodes if counts[v] >= 2 * min_size]
        return bool(big) and min(big) < cohesion - slack

    cap = n if max_groups is None else max(1, max_groups)
    while heap and len(open_nodes) < cap and (total / n < cohesion or loose()):
        _, node = heapq.heappop(heap)
        a, b = (int(v) for v in children[node - n])
        open_nodes.remove(node)
        open_nodes.update((a, b))
        total += norms[a] + norms[b] - norms[node]
        for child in (a, b):
            if child >= n:
                heapq.heappush(heap, (key(child), child))
    return _labels_of(z, open_nodes, n)


class WardClusterer:
    """kNN smoothing, a Ward tree and a cohesion cut (see the module docstring).

    Parameters
    ----------
    cohesion : float
        Mean cosine of the mentions to their group's centre at which the cut stops; higher
        gives more, tighter groups.
    n_neighbors : int
        Neighbours averaged by the smoothing step (1 disables it).
    max_groups : int or None
        Most groups the cut may give; None takes :func:`default_max_groups` of n.
    max_points : int
        Above this many points the tree is built on a seeded sample of this size and the
        rest join the nearest group centre (Ward needs n² memory).
    cut : {"gain", "worst-first", "height"}
        How the tree is cut: loose groups first, then the split that raises cohesion most
        (default), or always the loosest group (both measured in the embedding space, so a
        noisy blob cannot stay one theme; :func:`greedy_cut`), or undo merges in height
        order (:func:`mean_cohesion_cut`).
    """

    name = "ward"

    def __init__(
        self,
        *,
        cohesion: float = 0.78,
        n_neighbors: int = 10,
        max_groups: int | None = None,
        max_points: int = 6000,
        cut: str = "gain",
    ) -> None:
        self.cohesion = cohesion
        self.n_neighbors = n_neighbors
        self.max_groups = max_groups
        self.max_points = max_points
        if cut not in CUTS:
            raise ConfigError(f"cut={cut!r}; expected one of {', '.join(CUTS)}.")
        self.cut = cut

    def fit_predict(self, embeddings: np.ndarray, *, min_size: int, seed: int) -> np.ndarray:
        """Return labels of shape (n,), int64, -1 for points left out."""
        from scipy.cluster.hierarchy import linkage

        x = normalise(embeddings)
        n = len(x)
        if n < 2:
            return np.zeros(n, dtype=np.int64)
        sample = np.arange(n)
        if n > self.max_points:
            rng = np.random.default_rng(seed)
            sample = np.sort(rng.choice(n, size=self.max_points, replace=False))
        xs = x[sample]
        z = linkage(self._coordinates(xs), method="ward")
        cap = self.max_groups if self.max_groups is not None else default_max_groups(n)
        if self.cut == "height":
            part = mean_cohesion_cut(
                z, xs, cohesion=self.cohesion, min_size=min_size, max_groups=cap
            )
        else:
            order = "gain" if self.cut == "gain" else "loss"
            part = greedy_cut(
                z, xs, cohesion=self.cohesion, min_size=min_size, max_groups=cap, order=order
            )
        if len(sample) == n:
            return part
        return _extend(x, sample, part)

    def _coordinates(self, x: np.ndarray) -> np.ndarray:
        """The points the Ward tree is built on, shape (n, any), float64."""
        return knn_smooth(x, self.n_neighbors).astype(np.float64)


class SpectralWardClusterer(WardClusterer):
    """Ward on a spectral embedding of the kNN graph (see spectral.py), cut as ``ward`` is.

    The tree is built on the graph coordinates; the cut still measures cohesion on the
    embeddings themselves. With too few points for the graph it is plain ``ward``.

    Parameters
    ----------
    cohesion, max_groups, max_points : as for :class:`WardClusterer`
    n_neighbors : int
        Neighbours per point in the graph.
    n_components : int
        Graph eigenvectors used as coordinates.
    """

    name = "spectral-ward"

    def __init__(
        self,
        *,
        cohesion: float = 0.78,
        n_neighbors: int = 30,
        n_components: int = 32,
        max_groups: int | None = None,
        max_points: int = 6000,
        cut: str = "gain",
    ) -> None:
        super().__init__(
            cohesion=cohesion,
            n_neighbors=n_neighbors,
            max_groups=max_groups,
            max_points=max_points,
            cut=cut,
        )
        self.n_components = n_components

    def _coordinates(self, x: np.ndarray) -> np.ndarray:
        from analyzer.themes.spectral import spectral_embedding

        coords = spectral_embedding(x, n_neighbors=self.n_neighbors, n_components=self.n_components)
        if coords is None:
            return knn_smooth(x, min(self.n_neighbors, 10)).astype(np.float64)
        return coords


def _extend(x: np.ndarray, sample: np.ndarray, part: np.ndarray) -> np.ndarray:
    """Give the points outside ``sample`` the label of the nearest group centre."""
    labels = np.full(len(x), -1, dtype=np.int64)
    labels[sample] = part
    k = int(part.max()) + 1
    if k == 0:
        return labels
    centres = normalise(np.vstack([x[sample][part == j].mean(axis=0) for j in range(k)]))
    rest = np.setdiff1d(np.arange(len(x)), sample)
    labels[rest] = np.argmax(x[rest] @ centres.T, axis=1)
    return labels


class UmapHdbscanClusterer:
    """UMAP (cosine, 5 dimensions) then HDBSCAN, as plain BERTopic does."""

    name = "umap-hdbscan"

    def __init__(self, *, n_neighbors: int = 15, n_components: int = 5) -> None:
        self.n_neighbors = n_neighbors
        self.n_components = n_components

    def fit_predict(self, embeddings: np.ndarray, *, min_size: int, seed: int) -> np.ndarray:
        """Return labels of shape (n,), int64, -1 for noise."""
        import hdbscan
        from umap import UMAP

        reduced = UMAP(
            n_neighbors=self.n_neighbors,
            n_components=self.n_components,
            min_dist=0.0,
            metric="cosine",
            random_state=seed,
        ).fit_transform(embeddings)
        found = hdbscan.HDBSCAN(min_cluster_size=min_size, prediction_data=False).fit(reduced)
        return np.asarray(found.labels_, dtype=np.int64)


def get_clusterer(name: str = "spectral-ward", **params: Any) -> Clusterer:
    """Return the clusterer called ``name`` built with ``params``.

    Raises
    ------
    ConfigError
        If ``name`` is not one of :data:`CLUSTERERS` or a parameter is unknown.
    """
    factories: dict[str, Any] = {
        "spectral-ward": SpectralWardClusterer,
        "ward": WardClusterer,
        "umap-hdbscan": UmapHdbscanClusterer,
    }
    if name not in factories:
        raise ConfigError(
            f"Unknown theme clusterer {name!r}; expected one of {', '.join(CLUSTERERS)}."
        )
    try:
        return factories[name](**params)
    except TypeError as exc:
        raise ConfigError(f"Bad options {params!r} for clusterer {name!r}: {exc}") from exc
