"""The random effects of `armed effects`' JSON as tables."""
import pandas as pd


def effects_frame(summary):
    """Per factor, level and random effect: its posterior mean and SD (for exact fits the
    conditional mode and SD, lme4's ranef), on the link scale."""
    rows = []
    for factor in summary.get("factors", []):
        for effect in factor.get("random_effects", []):
            for level, posterior in effect["clusters"].items():
                rows.append((factor["name"], level, effect["name"], posterior["mean"], posterior["sd"]))
    return pd.DataFrame(rows, columns=["factor", "cluster", "effect", "mean", "sd"])


def block_effects_frame(summary):
    """Per factor, convolution block, effect (a filter's scale or bias), filter and cluster: the
    posterior mean and SD of the random effects inside the blocks (--block-effects)."""
    rows = []
    for factor in summary.get("factors", []):
        for effect in factor.get("block_effects", []):
            for level, posterior in effect["clusters"].items():
                rows.append((factor["name"], effect["block"], effect["effect"], effect["filter"], level,
                             posterior["mean"], posterior["sd"]))
    return pd.DataFrame(rows, columns=["factor", "block", "effect", "filter", "cluster", "mean", "sd"])


def random_effects_sd(summary):
    """{factor: {effect: estimated SD}}: the variance components' square roots."""
    return {factor["name"]: factor.get("random_effects_sd", {}) for factor in summary.get("factors", [])}
