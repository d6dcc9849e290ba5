"""The embedder as the desk uses it: the model from its package, unit vectors, long texts cut."""

from __future__ import annotations

import numpy as np

from memory.embedding import MAX_TOKENS, embedder, from_bytes, to_bytes


def test_vectors_are_unit_length_and_survive_storage():
    vectors = embedder().embed(["Ukraine sent 91 drones.", "Украина направила 91 беспилотник."])
    assert vectors.shape == (2, embedder().dimensions)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(from_bytes(to_bytes(vectors[0])), vectors[0])


def test_a_long_text_is_embedded_by_its_first_window_only():
    model = embedder()
    long_text = "Ukraine sent drones against the residence in Novgorod Oblast. " * 60
    window = model._window(long_text)
    assert len(window) < len(long_text)
    assert model._model.token_count(window, True) <= MAX_TOKENS
    assert np.allclose(model.embed([long_text])[0], model.embed([window])[0])
    short = "A claim of a few words."
    assert model._window(short) == short
