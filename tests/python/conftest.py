import pytest

import armed


@pytest.fixture(scope="session")
def spiral():
    """Four clusters of 150 spiral points: features x1, x2, target y, cluster."""
    return armed.simulate_spiral(clusters=4, points_per_cluster=150, seed=3)


def quick(cls=armed.ARMEDClassifier, **params):
    """A small, fast armed model."""
    params.setdefault("epochs", 5)
    params.setdefault("hidden", (8, 8))
    return cls(**params)
