"""Shared pytest settings: hypothesis profiles tuned for a 2-core CI machine, and headless figures."""

import os

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")  # tests draw figures without a screen; set before any test imports pyplot

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=15, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture
def close_figures():
    """Close every figure the test drew (the viz tests use it for all their tests)."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
