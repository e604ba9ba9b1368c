"""Formula models from Python, checked against lme4 1.1-31 on sleepstudy and cbpp (the numbers the
C++ fidelity tests use) and against the CLI on the same file."""
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import armed

DATA = os.path.join(os.path.dirname(__file__), "..", "data")
CLI = os.environ["ARMED_CLI"]


def test_sleepstudy_reml_matches_lme4():
    data = pd.read_csv(os.path.join(DATA, "sleepstudy.csv"))
    model = armed.MixedLM("Reaction ~ Days + (Days | Subject)", reml=True).fit(data)
    np.testing.assert_allclose(model.fixed_effects_["estimate"], [251.405105, 10.467286], rtol=1e-4)
    sd = model.random_effects_sd_["Subject"]
    np.testing.assert_allclose([sd["(Intercept)"], sd["Days"]], [24.740658, 5.922138], rtol=1e-3)
    assert model.residual_sd_ == pytest.approx(25.591796, rel=1e-4)
    assert model.log_likelihood_ == pytest.approx(-871.814136, rel=1e-5)
    assert len(model.effects_) == 36  # 18 subjects x 2 effects


def test_cbpp_binomial_predicts_as_the_cli(tmp_path):
    path = os.path.join(DATA, "cbpp.csv")
    formula = "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)"
    model = armed.MixedLM(formula, family="binomial").fit(pd.read_csv(path))
    assert model.random_effects_sd_["herd"]["(Intercept)"] == pytest.approx(0.6420699, rel=0.01)
    subprocess.run([CLI, "--quiet", "train", "--data", path, "--formula", formula, "--family", "binomial", "--out", str(tmp_path / "m")],
                   check=True)
    subprocess.run([CLI, "--quiet", "predict", "--model", str(tmp_path / "m"), "--data", path, "--out", str(tmp_path / "p.csv")], check=True)
    np.testing.assert_allclose(model.predict(pd.read_csv(path)), pd.read_csv(tmp_path / "p.csv")["prediction"], atol=1e-6)


def test_formula_errors_name_the_data_not_a_temporary_file():
    data = pd.read_csv(os.path.join(DATA, "sleepstudy.csv"))
    with pytest.raises(ValueError, match=r"^data: .*'Dayz'"):
        armed.MixedLM("Reaction ~ Dayz + (1 | Subject)").fit(data)
    with pytest.raises(ValueError, match="formula: give the model"):
        armed.MixedLM().fit(data)
