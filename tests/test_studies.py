"""The studies in their quick profiles: outputs exist and are sane."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from skgen.studies.alphadigits import fit_judge, run_alphadigits_study


def test_judge_recognises_real_characters_and_rejects_noise_and_blobs(data_home):
    from skgen.datasets import load_alphadigits

    judge = fit_judge(data_home)
    X, _ = load_alphadigits("A3X", data_home=data_home, return_X_y=True)
    real = judge.judge(X, "A3X")
    assert real.recognised > 0.9 and real.covered == 3
    assert judge.judge(X, "BCD").recognised < 0.05
    noise = np.random.RandomState(0).binomial(1, 0.5, size=(200, 320))
    assert judge.judge(noise, "A3X").recognised < 0.05
    # a dark blob, which the classifier alone takes for a '1', is too far from every real '1'
    blob = np.zeros((50, 20, 16))
    blob[:, 3:17, 3:13] = 1.0
    assert judge.judge(blob.reshape(50, -1), "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ").recognised == 0.0
    # one real image repeated is recognised, but the balanced share and the Frechet distance show the collapse
    collapsed = judge.judge(np.repeat(X[:1], 60, axis=0), "A3X")
    assert collapsed.recognised == 1.0 and collapsed.balanced == pytest.approx(1 / 3) and collapsed.covered == 1
    assert real.balanced > 0.9
    assert judge.judge(np.repeat(X[:1], 39, axis=0), "A").frechet_distance > 3 * judge.judge(X[:39], "A").frechet_distance


@pytest.mark.slow
def test_alphadigits_study_quick(data_home, tmp_path):
    table = run_alphadigits_study("quick", out=tmp_path, data_home=data_home, random_state=0)
    assert set(table["experiment"]) == {"hidden units", "layers", "characters (RBM)", "characters (DBN)"}
    assert table["recognised_pct"].between(0, 100).all()
    assert (table["covered"] <= table["n_characters"]).all()
    # A model trained on one character generates it: the study's sanity floor.
    assert (table.loc[table["n_characters"] == 1, "recognised_pct"] > 80).all()
    assert (tmp_path / "alphadigits.csv").exists()
    report = (tmp_path / "alphadigits.md").read_text()
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) == 4 and all(p.name in report for p in pngs)


@pytest.mark.parametrize("models", [["VAE"], [], "RBM"])
def test_generative_study_refuses_unknown_models_before_any_work(tmp_path, models):
    from skgen.studies.generative import run_generative_study

    with pytest.raises(ValueError, match="models must be a non-empty list"):
        run_generative_study("quick", out=tmp_path / "out", data_home=tmp_path / "no-data", models=models)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_generative_study_quick(data_home, tmp_path):
    from skgen.studies.generative import run_generative_study

    table = run_generative_study("quick", out=tmp_path, data_home=data_home, n_jobs=2, random_state=0)
    floor = table.iloc[0]
    assert floor.model == "training images (floor)"
    assert list(zip(table.model[1:], table.sampler.str.split(" ").str[0][1:])) == [
        ("RBM", "persistent"), ("RBM", "noise"), ("DBN", "persistent"), ("DBN", "noise"), ("BetaVAE", "z"),
        ("GAN", "z")]
    models = table.iloc[1:]
    assert (models.fid > floor.fid).all()
    np.testing.assert_allclose(table.fid_x_floor, table.fid / floor.fid)
    assert (table.fid_low <= table.fid).all() and (table.fid <= table.fid_high).all()
    assert table[["precision", "recall"]].stack().between(0, 1).all()
    assert models[models.model == "GAN"].fid_drawn.isna().all() and models[models.model != "GAN"].fid_drawn.notna().all()
    by_model = models.groupby("model", sort=False)
    assert by_model.log_likelihood.first()[["RBM", "BetaVAE"]].between(-784 * np.log(2), 0).all()
    assert by_model.log_likelihood.first()[["DBN", "GAN"]].isna().all()
    assert models.n_parameters.gt(100_000).all()
    conditional = table.attrs["conditional"].set_index("model")
    assert list(conditional.index) == ["RBM", "DBN", "BetaVAE", "GAN"]
    assert conditional.asked_digit_pct.between(0, 100).all() and (conditional.fid_per_class > 0).all()
    assert "Ranked by FID" in table.attrs["verdict"]
    report = (tmp_path / "generative.md").read_text()
    assert "Class-conditional generation" in report and table.attrs["verdict"] in report
    assert all(f"samples_{name}.png" in report for name in ["rbm_short-run", "rbm_equilibrium", "betavae", "gan"])
    assert (tmp_path / "generative_conditional.csv").exists()

    # one model rerun keeps the other models' rows, conditional rows and sample grids
    rerun = run_generative_study("quick", out=tmp_path / "rerun", data_home=data_home, random_state=0,
                                 models=["BetaVAE"], previous=tmp_path)
    assert list(rerun.model) == list(table.model) and list(rerun.sampler) == list(table.sampler)
    others = rerun.model != "BetaVAE"
    np.testing.assert_allclose(rerun.fid[others].to_numpy(), table.fid[others].to_numpy(), rtol=1e-6)
    assert list(rerun.attrs["conditional"].model) == ["RBM", "DBN", "BetaVAE", "GAN"]
    report = (tmp_path / "rerun" / "generative.md").read_text()
    assert all((tmp_path / "rerun" / f"samples_{name}.png").exists() and f"samples_{name}.png" in report
               for name in ["rbm_short-run", "dbn_equilibrium", "betavae", "gan"])


def _fake_run(folder, models, fid, profile="quick"):
    """A folder as a run of study 3 of ``models`` leaves it, every FID ``fid`` (the floor 2)."""
    import pandas as pd

    folder.mkdir()
    (folder / "generative_run.json").write_text(json.dumps({"profile": profile, "random_state": 0}))
    rows = [{"model": "training images (floor)", "sampler": "", "fid": 2.0}]
    rows += [{"model": name, "sampler": "z ~ N(0, I) through the decoder or generator", "fid": fid} for name in models]
    pd.DataFrame(rows).to_csv(folder / "generative.csv", index=False)
    pd.DataFrame([{"model": name, "asked_digit_pct": fid, "worst_digit_pct": fid} for name in models]).to_csv(
        folder / "generative_conditional.csv", index=False)
    for name in models:
        (folder / f"samples_{name.lower()}.png").write_bytes(b"png")


def test_merged_runs_take_each_model_from_the_last_run_that_has_it(tmp_path):
    from skgen.studies.generative import merge_generative_runs

    _fake_run(tmp_path / "a", ["GAN", "BetaVAE", "RBM"], fid=10.0)
    _fake_run(tmp_path / "b", ["GAN"], fid=4.0)
    table = merge_generative_runs([tmp_path / "a", tmp_path / "b"], tmp_path / "out")
    assert list(table.model) == ["training images (floor)", "RBM", "BetaVAE", "GAN"]
    assert list(table.fid) == [2.0, 10.0, 10.0, 4.0] and list(table.fid_x_floor) == [1.0, 5.0, 5.0, 2.0]
    assert list(table.attrs["conditional"].asked_digit_pct) == [10.0, 10.0, 4.0]
    assert table.attrs["verdict"].startswith("Ranked by FID under the one rule (thresholded pixel probabilities): GAN")
    report = (tmp_path / "out" / "generative.md").read_text()
    assert all(f"samples_{name}.png" in report and (tmp_path / "out" / f"samples_{name}.png").exists()
               for name in ["rbm", "betavae", "gan"])
    _fake_run(tmp_path / "c", ["DBN"], fid=5.0, profile="full")
    with pytest.raises(ValueError, match="do not compare"):
        merge_generative_runs([tmp_path / "a", tmp_path / "c"], tmp_path / "out")


@pytest.mark.parametrize("earlier", [None, {"profile": "full", "random_state": 0}, {"profile": "quick", "random_state": 1}])
def test_generative_study_refuses_rows_of_another_run_before_any_work(tmp_path, earlier):
    from skgen.studies.generative import run_generative_study

    if earlier is not None:
        (tmp_path / "generative_run.json").write_text(json.dumps(earlier))
    with pytest.raises(ValueError, match="no run of study 3|do not compare"):
        run_generative_study("quick", out=tmp_path / "out", data_home=tmp_path / "no-data", models=["GAN"],
                             previous=tmp_path, random_state=0)


@pytest.mark.slow
def test_pretraining_study_quick(data_home, tmp_path):
    from skgen.studies.pretraining import run_pretraining_study

    table = run_pretraining_study("quick", out=tmp_path, data_home=data_home, n_jobs=2, random_state=0)
    assert len(table) == 9 * 4  # 3 points per experiment x 2 inits x 2 optimizers
    assert table["test_error_pct"].between(0, 100).all()
    # The study's finding, with wide margins on this profile: pretraining lowers the error.
    mean_error = table.groupby("init")["test_error_pct"].mean()
    assert mean_error["pretrained"] < mean_error["random"]
    report = (tmp_path / "pretraining.md").read_text()
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) == 3 and all(p.name in report for p in pngs)


def test_parallel_map_keeps_task_order(capsys):
    from skgen.studies._parallel import parallel_map

    results = parallel_map(pow, [(2, 3), (3, 2), (10, 0)], n_jobs=2, desc="powers", unit="task")
    assert results == [8, 9, 1]
    assert "3/3" in capsys.readouterr().err


def test_parallel_map_progress_advances_only_on_finished_tasks(monkeypatch):
    from skgen.studies import _parallel

    finished, seen_by_bar = [], []

    def task(i):
        finished.append(i)
        return i

    def recording_bar(iterable, **kwargs):
        for item in iterable:
            seen_by_bar.append(len(finished))
            yield item

    monkeypatch.setattr(_parallel, "tqdm", recording_bar)
    assert _parallel.parallel_map(task, [(0,), (1,), (2,)], n_jobs=1, desc="tasks", unit="task") == [0, 1, 2]
    assert seen_by_bar == [1, 2, 3]  # a bar over the task list would have counted 0, 1, 2


def test_pretraining_study_trains_a_point_shared_by_two_experiments_once(data_home, tmp_path, capsys):
    from skgen.studies.pretraining import run_pretraining_study

    tiny = {"n_layers": (2, 3), "n_units": (50,), "n_train": (500, 1000), "n_train_base": 1000,
            "pretrain_epochs": 1, "max_epochs": 2, "n_test": 500}
    table = run_pretraining_study(tiny, out=tmp_path, data_home=data_home, n_jobs=1, random_state=0)
    assert len(table) == 5 * 4  # 5 points of the three experiments, 4 networks each
    shared = table[(table["n_layers"] == 2) & (table["n_units"] == 200) & (table["n_train"] == 1000)]
    assert sorted(shared["experiment"]) == ["layers"] * 4 + ["train size"] * 4
    assert "4/4" in capsys.readouterr().err  # 4 distinct points trained


def test_pretraining_study_gives_both_arms_the_same_units_and_says_so(data_home, tmp_path, monkeypatch):
    from skgen import DNNClassifier
    from skgen.studies.pretraining import run_pretraining_study

    seen = []
    fit = DNNClassifier.fit

    def recording_fit(self, X, y, sample_weight=None):
        seen.append((self.dbn is not None, self.activation, self.early_stopping))
        return fit(self, X, y, sample_weight)

    monkeypatch.setattr(DNNClassifier, "fit", recording_fit)
    one_point = {"n_layers": (2,), "n_units": (), "n_train": (), "n_train_base": 500, "layer_size": 20,
                 "pretrain_epochs": 1, "max_epochs": 1, "n_test": 100}
    table = run_pretraining_study(one_point, out=tmp_path, data_home=data_home, n_jobs=1, random_state=0)
    assert sorted(seen) == [(False, "logistic", True)] * 2 + [(True, "logistic", True)] * 2
    assert "Every network, pretrained or random, has logistic hidden units" in Path(table.attrs["report"]).read_text()


def test_report_leaves_missing_values_empty(tmp_path):
    import pandas as pd

    from skgen.studies._report import markdown_table, write_report

    table = pd.DataFrame({"model": ["RBM", "GAN"], "log_likelihood": [-52.25, np.nan], "note": ["", None]})
    assert markdown_table(table).splitlines()[2:] == ["| RBM | -52.2 |  |", "| GAN |  |  |"]
    report = write_report(tmp_path, "t", "T", table).read_text()
    assert "nan" not in report.lower() and "None" not in report


def test_demo_shows_progress_per_model(tmp_path, instant_demo_models, capsys):
    from skgen.studies import demo

    demo.run_demo(out=tmp_path)
    err = capsys.readouterr().err
    assert "demo" in err and "3/3" in err and "model" in err


# --- runs that resume (issue 40) ------------------------------------------------------------

#: two points of study 2 that train in a second or two
TWO_POINTS = {"n_layers": (2,), "n_units": (), "n_train": (300,), "n_train_base": 500, "layer_size": 10,
              "pretrain_epochs": 1, "max_epochs": 1, "n_test": 100}
#: the columns that time the work, which no two runs share
TIMINGS = ["pretrain_s", "fit_s", "sample_s"]


def _results(table):
    return table.drop(columns=[column for column in TIMINGS if column in table]).reset_index(drop=True)


def _counting_fits(monkeypatch, cls, stop_at=None):
    """Count ``cls.fit`` calls; the ``stop_at``-th raises KeyboardInterrupt (Ctrl-C in that fit)."""
    calls = []
    fit = cls.fit

    def counting_fit(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == stop_at:
            raise KeyboardInterrupt
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(cls, "fit", counting_fit)
    return calls


def test_interrupted_pretraining_study_resumes_without_refitting_a_finished_point(data_home, tmp_path, monkeypatch):
    import pandas as pd

    from skgen import DBN
    from skgen.studies.pretraining import run_pretraining_study

    expected = run_pretraining_study(TWO_POINTS, out=tmp_path / "whole", data_home=data_home, n_jobs=1)
    assert not (tmp_path / "whole" / "partial-pretraining").exists()  # a finished run leaves no partial folder

    out = tmp_path / "out"
    fits = _counting_fits(monkeypatch, DBN, stop_at=2)  # Ctrl-C while the second point pretrains
    with pytest.raises(KeyboardInterrupt):
        run_pretraining_study(TWO_POINTS, out=out, data_home=data_home, n_jobs=1)
    partial = out / "partial-pretraining"
    assert sorted(p.name for p in partial.iterdir()) == ["2x10-500.joblib", "settings.json"]
    assert json.loads((partial / "settings.json").read_text())["study"] == "pretraining"
    assert not (out / "pretraining.csv").exists()

    # a fresh run would train the finished point again over it: refused before any work
    with pytest.raises(ValueError, match="finished unit.*resume=True"):
        run_pretraining_study(TWO_POINTS, out=out, data_home=tmp_path / "no-data", n_jobs=1)

    fits.clear()
    table = run_pretraining_study(TWO_POINTS, out=out, data_home=data_home, n_jobs=1, resume=True)
    assert [dbn.hidden_layer_sizes for dbn in fits] == [(10, 10)] and len(fits) == 1  # only the missing point
    pd.testing.assert_frame_equal(_results(table), _results(expected))
    pd.testing.assert_frame_equal(_results(pd.read_csv(out / "pretraining.csv")),
                                  _results(pd.read_csv(tmp_path / "whole" / "pretraining.csv")))
    assert not partial.exists() and len(list(out.glob("*.png"))) == 2


def test_resume_with_nothing_to_resume_or_other_settings_is_refused_before_any_work(tmp_path):
    from skgen.studies.alphadigits import run_alphadigits_study
    from skgen.studies.generative import run_generative_study
    from skgen.studies.pretraining import run_pretraining_study

    no_data = tmp_path / "no-data"  # any work would fail on the missing data, not on resume
    for run in (run_alphadigits_study, run_pretraining_study, run_generative_study):
        with pytest.raises(ValueError, match="resume: .* holds no interrupted run"):
            run(out=tmp_path / "out", data_home=no_data, resume=True)
        with pytest.raises(TypeError, match="resume must be True or False"):
            run(out=tmp_path / "out", data_home=no_data, resume="yes")
    assert not (tmp_path / "out").exists()

    partial = tmp_path / "out" / "partial-generative"
    partial.mkdir(parents=True)
    (partial / "settings.json").write_text(json.dumps({"study": "generative", "profile": "quick", "device": "cpu",
                                                       "random_state": 0, "models": ["GAN"], "conditional": True}))
    (partial / "GAN.joblib").write_bytes(b"a finished unit")
    for options, names in [({"models": ["RBM"]}, "models"), ({"models": ["GAN"], "random_state": 1}, "random_state"),
                           ({"models": ["GAN"], "conditional": False}, "conditional")]:
        with pytest.raises(ValueError, match=f"the interrupted run in .* used {names}="):
            run_generative_study(out=tmp_path / "out", data_home=no_data, resume=True, **options)
    assert sorted(p.name for p in partial.iterdir()) == ["GAN.joblib", "settings.json"]  # nothing lost


def test_interrupted_alphadigits_study_resumes_without_refitting_a_finished_run(data_home, tmp_path, monkeypatch):
    from skgen import DBN, RBM
    from skgen.studies import alphadigits

    tiny = {"characters": "A3", "n_components": (7,), "n_layers": (2,), "layer_size": 5, "n_characters": (),
            "max_epochs": 1, "min_updates": 1, "n_samples": 10, "n_steps": 2}
    monkeypatch.setitem(alphadigits.PROFILES, "quick", tiny)
    expected = alphadigits.run_alphadigits_study(out=tmp_path / "whole", data_home=data_home, n_jobs=1)
    rbm_fits, dbn_fits = _counting_fits(monkeypatch, RBM), _counting_fits(monkeypatch, DBN, stop_at=1)
    with pytest.raises(KeyboardInterrupt):
        alphadigits.run_alphadigits_study(out=tmp_path / "out", data_home=data_home, n_jobs=1)
    assert sorted(p.name for p in (tmp_path / "out" / "partial-alphadigits").iterdir()) == [
        "hidden-units-7.joblib", "settings.json"]
    rbm_fits.clear()
    table = alphadigits.run_alphadigits_study(out=tmp_path / "out", data_home=data_home, n_jobs=1, resume=True)
    assert 7 not in [rbm.n_components for rbm in rbm_fits]  # the finished RBM was read back (a DBN's layers are 5)
    assert len(dbn_fits) == 2  # and the interrupted DBN trained
    __import__("pandas").testing.assert_frame_equal(_results(table), _results(expected))
    assert not (tmp_path / "out" / "partial-alphadigits").exists()


@pytest.fixture
def tiny_generative(monkeypatch):
    """Study 3's quick profile shrunk to seconds: 200 images, two epochs, short samplers."""
    from skgen.studies import generative

    tiny = {**generative.PROFILES["quick"], "n_train": 200, "n_test": 200, "n_samples": 200, "epochs": 0.0,
            "n_resamples": 5, "short_run_steps": 5, "equilibrium": {"n_steps": 5, "n_temperatures": 3},
            "ais_chains": 10, "ais_betas": 100, "n_importance_samples": 5, "per_class": 10, "conditional_steps": 5}
    monkeypatch.setitem(generative.PROFILES, "quick", tiny)
    return generative


def test_interrupted_generative_study_resumes_without_refitting_a_finished_model(data_home, tmp_path, monkeypatch,
                                                                                 tiny_generative):
    import pandas as pd

    from skgen import GAN, BetaVAE

    def run(out, **options):
        return tiny_generative.run_generative_study(out=out, data_home=data_home, n_jobs=1,
                                                    models=["BetaVAE", "GAN"], **options)

    expected = run(tmp_path / "whole")
    vae_fits, gan_fits = _counting_fits(monkeypatch, BetaVAE), _counting_fits(monkeypatch, GAN, stop_at=1)
    with pytest.raises(KeyboardInterrupt):
        run(tmp_path / "out")
    partial = tmp_path / "out" / "partial-generative"
    assert sorted(p.name for p in partial.iterdir()) == ["BetaVAE.joblib", "settings.json"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["partial-generative"]  # no half report
    vae_fits.clear()
    table = run(tmp_path / "out", resume=True)
    assert [vae.conditional for vae in vae_fits] == [True]  # the unconditional BetaVAE was not trained again
    assert [gan.conditional for gan in gan_fits] == [False, False, True]  # the interrupted GAN was
    pd.testing.assert_frame_equal(_results(table), _results(expected))
    pd.testing.assert_frame_equal(_results(table.attrs["conditional"]), _results(expected.attrs["conditional"]))
    assert sorted(p.name for p in (tmp_path / "out").glob("*.png")) == ["samples_betavae.png", "samples_gan.png"]
    assert not partial.exists()


def test_ctrl_c_in_a_training_loop_ends_the_study_instead_of_keeping_a_half_trained_model(data_home, tmp_path,
                                                                                         monkeypatch):
    import signal

    import skorch

    from skgen import DBN
    from skgen.studies.pretraining import run_pretraining_study

    run_single_epoch = skorch.NeuralNet.run_single_epoch
    sent = []

    def epoch_then_ctrl_c(self, *args, **kwargs):
        if not sent:
            sent.append(os.kill(os.getpid(), signal.SIGINT))  # skorch's fit takes a KeyboardInterrupt as "stop"
        return run_single_epoch(self, *args, **kwargs)

    monkeypatch.setattr(skorch.NeuralNet, "run_single_epoch", epoch_then_ctrl_c)
    dbn_fits = _counting_fits(monkeypatch, DBN)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # also when the tests run in the background
    try:
        with pytest.raises(KeyboardInterrupt):
            run_pretraining_study(TWO_POINTS, out=tmp_path / "out", data_home=data_home, n_jobs=1)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(dbn_fits) == 1  # the run ended with the fit
    assert not (tmp_path / "out" / "partial-pretraining").exists()  # and kept nothing half-trained


def test_rerunning_one_model_in_place_keeps_the_other_models_rows(data_home, tmp_path, monkeypatch, tiny_generative):
    # issue 40, defect 1: previous=out wrote out's table first, then merged it with itself
    def scored_without_training(name, *args):
        return [{"model": name, "sampler": tiny_generative.SAMPLERS["prior"], "fid": 4.0}], {}

    monkeypatch.setattr(tiny_generative, "_fit_and_score", scored_without_training)
    folder = tmp_path / "run"
    _fake_run(folder, ["RBM", "DBN", "BetaVAE", "GAN"], fid=10.0)
    table = tiny_generative.run_generative_study(out=folder, previous=folder, models=["GAN"], conditional=False,
                                                 data_home=data_home)
    models = ["training images (floor)", "RBM", "DBN", "BetaVAE", "GAN"]
    assert list(table.model) == models and list(table.fid[1:]) == [10.0, 10.0, 10.0, 4.0]
    written = __import__("pandas").read_csv(folder / "generative.csv")
    assert list(written.model) == models and list(written.fid[1:]) == [10.0, 10.0, 10.0, 4.0]
    assert list(table.attrs["conditional"].model) == models[1:]
    assert all((folder / f"samples_{name}.png").exists() for name in ["rbm", "dbn", "betavae"])


@pytest.mark.parametrize(("models", "error", "words"), [
    (["GAN", "GAN"], ValueError, "models must name each model once; GAN"),  # issue 40, defect 2
    (["RBM", "GAN", "RBM"], ValueError, "models must name each model once; RBM"),
    (5, TypeError, "models must be a non-empty list"),
    ([["GAN"]], ValueError, "models must be a non-empty list"),
])
def test_generative_study_refuses_repeated_or_malformed_models_before_any_work(tmp_path, models, error, words):
    from skgen.studies.generative import run_generative_study

    with pytest.raises(error, match=words):
        run_generative_study("quick", out=tmp_path / "out", data_home=tmp_path / "no-data", models=models)
    assert not (tmp_path / "out").exists()


def test_previous_without_a_table_is_refused_before_any_work_and_kept(tmp_path):
    # issue 40, defect 3: it trained first, then failed on the missing table and discarded the new results
    from skgen.studies.generative import merge_generative_runs, run_generative_study

    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "generative_run.json").write_text(json.dumps({"profile": "quick", "random_state": 0}))
    with pytest.raises(ValueError, match="previous: .* no generative.csv"):
        run_generative_study(out=earlier, previous=earlier, models=["GAN"], data_home=tmp_path / "no-data")
    with pytest.raises(ValueError, match="runs: .* no generative.csv"):
        merge_generative_runs([earlier], tmp_path / "merged")
    assert sorted(p.name for p in earlier.iterdir()) == ["generative_run.json"]
    assert not (tmp_path / "merged").exists()
