"""Image models from NumPy: rows x channels x height x width arrays, as the CLI's .npy files."""
import numpy as np

import armed


def toy_images(seed=0):
    """Two classes of 8x8 images (a bright left or right half) in four clusters, each cluster with
    its own brightness offset."""
    rng = np.random.default_rng(seed)
    n = 240
    y = rng.integers(0, 2, n)
    cluster = np.repeat(np.arange(4), n // 4)
    x = rng.normal(0, 0.3, (n, 1, 8, 8)).astype(np.float32)
    for i in range(n):
        x[i, 0, :, 4 * y[i]:4 * y[i] + 4] += 1.0
        x[i] += 0.5 * cluster[i]
    return x, y, cluster.astype(str)


def test_cnn_armed_learns_toy_images():
    x, y, cluster = toy_images()
    model = armed.ARMEDClassifier(model="cnn-armed", filters=(4, 8), head_hidden=(8,), epochs=15, seed=1)
    model.fit(x, y, groups=cluster)
    proba = model.predict_proba(x, cluster)
    assert proba.shape == (len(y), 2)
    assert model.score(x, y, cluster) > 0.85
    assert model.n_features_in_ == 0 and model.n_clusters_ == 4


def test_block_random_effects_per_cluster_and_filter():
    x, y, cluster = toy_images()
    model = armed.ARMEDClassifier(model="cnn-armed", filters=(4, 8), head_hidden=(8,), block_effects="all", epochs=10, seed=1)
    model.fit(x, y, groups=cluster)
    blocks = model.block_effects_
    assert len(blocks) == 4 * 2 * (4 + 8)  # clusters x (scale, bias) x filters of both blocks
    assert set(blocks["effect"]) == {"scale", "bias"} and set(blocks["block"]) == {1, 2}
    assert model.score(x, y, cluster) > 0.85
    plain = armed.ARMEDClassifier(model="cnn-armed", filters=(4, 8), head_hidden=(8,), epochs=1, seed=1).fit(x, y, groups=cluster)
    assert plain.block_effects_.empty
