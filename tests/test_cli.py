"""The command line: help, version, and errors a user can act on."""

import subprocess
import sys

import pytest

from skgen import __version__
from skgen.__main__ import main


def test_version_and_help_through_the_module():
    result = subprocess.run([sys.executable, "-m", "skgen", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and __version__ in result.stdout
    result = subprocess.run([sys.executable, "-m", "skgen", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "demo" in result.stdout and "study" in result.stdout


def test_bad_option_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["study", "alphadigits", "--profile", "huge"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_missing_data_without_network_exits_2_without_traceback(tmp_path, monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise ConnectionError("network unreachable")

    monkeypatch.setattr("pooch.retrieve", offline)
    code = main(["study", "alphadigits", "--data-home", str(tmp_path / "empty"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("skgen: error:") and "binaryalphadigs.mat" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_demo_writes_figures_and_a_sane_summary(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "DNN (DBN-pretrained)" in printed and str(tmp_path / "demo.md") in printed
    table = __import__("pandas").read_csv(tmp_path / "demo.csv").set_index("model")
    assert table.loc[["DNN (random init)", "DNN (DBN-pretrained)"], "accuracy"].gt(0.85).all()
    generators = ["RBM", "DBN", "BetaVAE", "GAN"]
    assert table.loc[generators, "fid"].gt(table.loc["held-out digits (floor)", "fid"]).all()
    assert table.loc[["RBM", "BetaVAE"], "log_likelihood"].lt(0).all()
    assert {f"samples_{m.lower()}.png" for m in generators} <= {p.name for p in tmp_path.glob("*.png")}
