"""The command line: help, version, and errors a user can act on."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pooch
import pytest

from skgen import __version__
from skgen.__main__ import STUDIES, main


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


@pytest.fixture
def no_work(monkeypatch):
    """Make any study or demo that starts fail the test: errors must come before any work."""

    def work(*args, **kwargs):
        raise AssertionError("the run started")

    for module, function in [("skgen.studies.demo", "run_demo"), *STUDIES.values()]:
        monkeypatch.setattr(f"{module}.{function}", work)


def one_line_error(capsys, *words):
    err = capsys.readouterr().err
    assert err.startswith("skgen: error:") and err.count("\n") == 1
    assert all(word in err for word in words), err
    return err


def test_out_naming_a_file_exits_2_before_work(tmp_path, no_work, capsys):
    (tmp_path / "taken").write_text("not a folder")
    assert main(["demo", "--out", str(tmp_path / "taken")]) == 2
    one_line_error(capsys, "taken", "not a folder")
    assert main(["study", "alphadigits", "--out", str(tmp_path / "taken" / "sub")]) == 2
    one_line_error(capsys, "not a folder")


def test_unwritable_out_exits_2_before_work(no_work, capsys):
    assert main(["demo", "--out", "/proc/skgen-out"]) == 2  # unwritable even for root
    one_line_error(capsys, "/proc/skgen-out", "cannot be written")


@pytest.mark.parametrize(
    ("option", "words"),
    [
        (["--device", "gpu"], ["--device", "'gpu'"]),
        (["--device", "cuda:x"], ["--device"]),
        (["--n-jobs", "0"], ["--n-jobs", "0"]),
    ],
)
def test_bad_device_or_n_jobs_exits_2_before_work(tmp_path, no_work, capsys, option, words):
    assert main(["study", "generative", "--out", str(tmp_path / "out"), *option]) == 2
    one_line_error(capsys, *words)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["study", "generative", "--models", "RBM", "VAE"], ["models", "'VAE'"]),
        (["study", "alphadigits", "--models", "RBM"], ["--models", "generative study only"]),
        # issue 40, defect 2: both GANs trained, then "too many values to unpack" deleted the run
        (["study", "generative", "--models", "GAN", "GAN"], ["models", "GAN", "once"]),
    ],
)
def test_bad_models_exit_2_before_work(tmp_path, no_work, capsys, args, words):
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    one_line_error(capsys, *words)


def test_models_reach_the_generative_study(tmp_path, monkeypatch, capsys):
    import pandas as pd

    seen = {}

    def study(**kwargs):
        seen.update(kwargs)
        table = pd.DataFrame({"model": kwargs["models"]})
        table.attrs["report"] = str(kwargs["out"] / "generative.md")
        return table

    monkeypatch.setattr("skgen.studies.generative.run_generative_study", study)
    assert main(["study", "generative", "--models", "DBN", "GAN", "--out", str(tmp_path / "out")]) == 0
    assert seen["models"] == ["DBN", "GAN"] and seen["previous"] is None
    # a second partial run keeps the first run's other rows: the study is told where they are
    (tmp_path / "out").mkdir(exist_ok=True)
    (tmp_path / "out" / "generative_run.json").write_text('{"profile": "quick", "random_state": 0}')
    (tmp_path / "out" / "generative.csv").write_text("model,sampler,fid\ntraining images (floor),,2.0\nRBM,x,9.0\n")
    assert main(["study", "generative", "--models", "GAN", "--out", str(tmp_path / "out")]) == 0
    assert seen["previous"] == tmp_path / "out" and seen["resume"] is False


def test_cuda_without_cuda_exits_2_before_work(tmp_path, no_work, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert main(["study", "pretraining", "--device", "cuda", "--out", str(tmp_path / "out")]) == 2
    one_line_error(capsys, "CUDA is not available")


def test_failed_run_creates_no_folder(tmp_path, monkeypatch, capsys):
    def downloader(url, output_file, pooch_instance, check_only=False):
        raise ConnectionError("network unreachable")

    monkeypatch.setattr("pooch.core.choose_downloader", lambda url, progressbar=False: downloader)
    monkeypatch.setattr(pooch.get_logger(), "disabled", True)  # its "Downloading..." lines are not errors
    home, out = tmp_path / "nonexistent", tmp_path / "out"
    assert main(["study", "alphadigits", "--data-home", str(home), "--out", str(out)]) == 2
    one_line_error(capsys, "binaryalphadigs.mat", "network unreachable")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_ends_with_one_line_and_status_130_writing_nothing(tmp_path, monkeypatch, capsys):
    def interrupted_demo(out, random_state):
        (out / "demo.csv").write_text("model,acc")  # a half-written output
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)  # the signal's handler runs here
        except KeyboardInterrupt:
            pass  # what skorch's fit does with Ctrl-C: stop training, carry on
        raise AssertionError("Ctrl-C did not end the run")

    monkeypatch.setattr("skgen.studies.demo.run_demo", interrupted_demo)
    handler_before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the tests run in a background job
    (tmp_path / "out").mkdir()
    assert main(["demo", "--out", str(tmp_path / "out")]) == 130
    assert capsys.readouterr().err == "skgen: interrupted; nothing was written\n"
    assert list(tmp_path.iterdir()) == [tmp_path / "out"] and list((tmp_path / "out").iterdir()) == []
    assert signal.getsignal(signal.SIGINT) is handler_before


@pytest.mark.parametrize(("signum", "status", "word"), [(signal.SIGINT, 130, "interrupted"),
                                                     (signal.SIGTERM, 143, "terminated")], ids=["ctrl-c", "sigterm"])
def test_a_stopping_signal_on_the_running_demo(tmp_path, signum, status, word):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    demo = subprocess.Popen([sys.executable, "-m", "skgen", "demo", "--out", str(out)], stderr=subprocess.PIPE, env=env)
    seen, deadline = b"", time.monotonic() + 120
    while b"demo:" not in seen and time.monotonic() < deadline:  # the bar of the fits appears
        seen += os.read(demo.stderr.fileno(), 1024)
    demo.send_signal(signum)
    seen += demo.stderr.read()
    assert demo.wait(timeout=60) == status
    assert seen.decode().splitlines()[-1].endswith(f"skgen: {word}; nothing was written")
    assert b"Traceback" not in seen
    assert list(tmp_path.iterdir()) == []


def fake_demo(*outputs, during=None):
    """A run_demo that writes ``outputs`` (file names) and calls ``during()`` before returning."""
    import pandas as pd

    def demo(out, random_state):
        for name in outputs:
            (out / name).write_text(name)
        if during is not None:
            during()
        table = pd.DataFrame({"model": ["fake"]})
        table.attrs["report"] = str(out / "demo.md")
        return table

    return demo


def test_sigterm_ends_with_one_line_and_status_143_writing_nothing(tmp_path, monkeypatch, capsys):
    def terminate():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the signal's handler runs here
        raise AssertionError("SIGTERM did not end the run")

    monkeypatch.setattr("skgen.studies.demo.run_demo", fake_demo("demo.csv", during=terminate))
    handler_before = signal.getsignal(signal.SIGTERM)
    assert main(["demo", "--out", str(tmp_path / "new" / "out")]) == 143
    assert capsys.readouterr().err == "skgen: terminated; nothing was written\n"
    assert list(tmp_path.iterdir()) == []  # neither the folders made for the run nor a partial folder
    assert signal.getsignal(signal.SIGTERM) is handler_before


@pytest.mark.parametrize("target", ["missing", "missing/deeper"])
def test_dangling_symbolic_link_in_out_exits_2_before_work(tmp_path, no_work, capsys, target):
    (tmp_path / "link").symlink_to(tmp_path / "not-mounted")
    assert main(["demo", "--out", str(tmp_path / "link" / target)]) == 2
    one_line_error(capsys, str(tmp_path / "link"), "symbolic link", "not-mounted", "does not exist")
    assert main(["demo", "--out", str(tmp_path / "link")]) == 2
    one_line_error(capsys, "symbolic link", "does not exist")
    assert sorted(tmp_path.iterdir()) == [tmp_path / "link"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into any folder")
def test_out_without_write_permission_exits_2_before_work(tmp_path, no_work, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    assert main(["demo", "--out", str(locked / "out")]) == 2
    one_line_error(capsys, "cannot be written", "permission", str(locked))


def test_a_folder_in_the_way_keeps_the_finished_files_and_says_where(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("skgen.studies.demo.run_demo", fake_demo("demo.csv", "demo.md", "samples.png"))
    out = tmp_path / "out"
    (out / "demo.md").mkdir(parents=True)  # a folder named like an output
    assert main(["demo", "--out", str(out)]) == 2
    err = one_line_error(capsys, "demo.md", "kept in")
    staging = Path(err.split("kept in ")[1].rstrip().rstrip("."))
    assert staging.parent == out and sorted(p.name for p in staging.iterdir()) == ["demo.csv", "demo.md", "samples.png"]
    assert sorted(p.name for p in out.iterdir()) == sorted(["demo.md", staging.name])  # nothing half-moved


def test_a_second_run_on_the_same_out_refuses_while_the_first_runs(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    second = {}

    def start_a_second_run():
        second["code"] = main(["demo", "--out", str(out)])
        second["err"] = capsys.readouterr().err

    monkeypatch.setattr("skgen.studies.demo.run_demo", fake_demo("demo.csv", "demo.md", during=start_a_second_run))
    assert main(["demo", "--out", str(out)]) == 0
    assert second["code"] == 2 and second["err"].count("\n") == 1
    assert "being written by another skgen run" in second["err"] and f"process {os.getpid()}" in second["err"]
    assert sorted(p.name for p in out.iterdir()) == ["demo.csv", "demo.md"]  # the first run's, and no lock
    monkeypatch.setattr("skgen.studies.demo.run_demo", fake_demo("demo.csv", "demo.md"))
    assert main(["demo", "--out", str(out)]) == 0  # the lock went with the first run


def test_new_folders_follow_the_umask(tmp_path, monkeypatch):
    monkeypatch.setattr("skgen.studies.demo.run_demo", fake_demo("demo.csv", "demo.md"))
    previous = os.umask(0o027)
    try:
        assert main(["demo", "--out", str(tmp_path / "group" / "out")]) == 0
    finally:
        os.umask(previous)
    for folder in (tmp_path / "group", tmp_path / "group" / "out"):
        assert folder.stat().st_mode & 0o777 == 0o750
    assert (tmp_path / "group" / "out" / "demo.csv").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("command", [["demo"], ["study", "pretraining"]])
@pytest.mark.parametrize("value", ["-1", str(2**32)])
def test_bad_random_state_exits_2_before_work(tmp_path, no_work, capsys, command, value):
    assert main([*command, "--random-state", value, "--out", str(tmp_path / "out")]) == 2
    one_line_error(capsys, "--random-state", value, "[0, 4294967295]")
    assert list(tmp_path.iterdir()) == []


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


def test_package_metadata_names_its_authors():
    tomllib = pytest.importorskip("tomllib")
    with open(Path(__file__).parents[1] / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    assert project["authors"] == [{"name": "skgen developers"}]


def test_study_runs_its_fits_on_a_dask_cluster_given_by_scheduler(data_home, tmp_path, monkeypatch, capsys):
    distributed = pytest.importorskip("distributed")
    from skgen.studies import pretraining

    two_points = {**pretraining.PROFILES["quick"], "n_layers": (1, 2), "n_units": (), "n_train": (), "layer_size": 10,
                  "n_train_base": 300, "pretrain_epochs": 1, "max_epochs": 1, "n_test": 100}
    monkeypatch.setitem(pretraining.PROFILES, "quick", two_points)
    # two threads: on a cluster of one, joblib runs the tasks itself and the cluster sees none
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        out = tmp_path / "out"
        args = ["study", "pretraining", "--scheduler", cluster.scheduler_address, "--data-home", str(data_home)]
        assert main([*args, "--out", str(out)]) == 0
        (worker,) = cluster.workers.values()
        assert worker.state.executed_count >= 1  # the two points, which joblib may batch into one task
    assert (out / "pretraining.csv").exists() and "pretraining.md" in capsys.readouterr().out


def test_demo_runs_its_fits_on_a_dask_cluster_given_by_scheduler(tmp_path, instant_demo_models):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        assert main(["demo", "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "out")]) == 0
        (worker,) = cluster.workers.values()
        assert worker.state.executed_count >= 1
    table = __import__("pandas").read_csv(tmp_path / "out" / "demo.csv")
    assert list(table["model"]) == ["held-out digits (floor)", "A", "B", "C"]


def test_unreachable_scheduler_exits_2_before_work(tmp_path, no_work, monkeypatch, capsys):
    pytest.importorskip("distributed")
    monkeypatch.setattr("skgen.__main__.SCHEDULER_TIMEOUT_S", 1)
    assert main(["study", "pretraining", "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "out")]) == 2
    one_line_error(capsys, "--scheduler tcp://127.0.0.1:9", "cannot reach the dask scheduler")
    assert list(tmp_path.iterdir()) == []


def test_models_into_an_out_without_the_earlier_table_exit_2_before_work(tmp_path, no_work, capsys):
    # issue 40, defect 3: it trained first, then failed on the missing generative.csv and discarded the results
    out = tmp_path / "out"
    out.mkdir()
    (out / "generative_run.json").write_text('{"profile": "quick", "random_state": 0}')
    assert main(["study", "generative", "--models", "GAN", "--out", str(out)]) == 2
    one_line_error(capsys, f"--out {out}", "no generative.csv")
    assert main(["study", "generative", "--models", "GAN", "--profile", "full", "--out", str(out)]) == 2
    one_line_error(capsys, "do not compare")
    assert sorted(p.name for p in out.iterdir()) == ["generative_run.json"]  # nothing deleted, no lock left


@pytest.mark.parametrize(("address", "words"), [
    ("nonsense", ["--scheduler nonsense", "tcp://host:8786"]),
    ("", ["--scheduler", "empty"]),
    ("localhost", ["--scheduler localhost", "tcp://localhost"]),
    ("scheduler:8786", ["--scheduler scheduler:8786", "tcp://scheduler:8786"]),
    ("http://127.0.0.1:8787", ["--scheduler http://127.0.0.1:8787", "dashboard", "tcp://host:8786"]),
    ("ftp://host:8786", ["'ftp'", "tcp"]),
    ("tcp://", ["no host"]),
    ("tcp://host:port", ["port"]),
])
def test_malformed_scheduler_exits_2_at_once_before_work(tmp_path, no_work, capsys, address, words):
    # issue 40, defect 4: dask took these for an address, then hung 60 s and printed a Client.__del__ traceback
    start = time.monotonic()
    assert main(["study", "pretraining", "--scheduler", address, "--out", str(tmp_path / "out")]) == 2
    assert time.monotonic() - start < 5
    one_line_error(capsys, *words)
    assert list(tmp_path.iterdir()) == []


def test_malformed_scheduler_ends_the_process_at_once_without_traceback(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "skgen", "study", "pretraining", "--scheduler", "nonsense",
                             "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 2 and time.monotonic() - start < 30
    assert result.stderr.startswith("skgen: error: --scheduler nonsense") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_scheduler_file_is_read_and_a_bad_one_refused(tmp_path, no_work, monkeypatch, capsys):
    pytest.importorskip("distributed")
    monkeypatch.setattr("skgen.__main__.SCHEDULER_TIMEOUT_S", 1)
    scheduler_file = tmp_path / "scheduler.json"
    scheduler_file.write_text('{"address": "tcp://127.0.0.1:9"}')
    assert main(["study", "pretraining", "--scheduler", str(scheduler_file), "--out", str(tmp_path / "out")]) == 2
    one_line_error(capsys, str(scheduler_file), "cannot reach the dask scheduler")
    scheduler_file.write_text("not json")
    assert main(["study", "pretraining", "--scheduler", str(scheduler_file), "--out", str(tmp_path / "out")]) == 2
    one_line_error(capsys, "not a dask scheduler file")
    assert sorted(tmp_path.iterdir()) == [scheduler_file]


# --- studies that resume (issue 40) ---------------------------------------------------------

#: two points of study 2 that train in a second or two
TWO_POINTS = {"n_layers": (2,), "n_units": (), "n_train": (300,), "n_train_base": 500, "layer_size": 10,
              "pretrain_epochs": 1, "max_epochs": 1, "n_test": 100}


@pytest.fixture
def two_point_pretraining(monkeypatch):
    from skgen.studies import pretraining

    monkeypatch.setitem(pretraining.PROFILES, "quick", {**pretraining.PROFILES["quick"], **TWO_POINTS})


def _partial_run(out, study="pretraining", **settings):
    """``out`` as an interrupted run of ``study`` with one finished unit leaves it."""
    from skgen.studies import pretraining

    partial = out / f"partial-{study}"
    partial.mkdir(parents=True)
    settings = {**pretraining.resume_settings("quick"), **settings}
    (partial / "settings.json").write_text(__import__("json").dumps(settings))
    (partial / "2x10-500.joblib").write_bytes(b"a finished unit")
    return partial


def test_resume_with_nothing_to_resume_exits_2_before_work(tmp_path, no_work, capsys):
    for name in STUDIES:
        assert main(["study", name, "--resume", "--out", str(tmp_path / "out")]) == 2
        one_line_error(capsys, "--resume", "no interrupted run", f"run it without --resume")
    assert list(tmp_path.iterdir()) == []


def test_resume_with_other_settings_exits_2_before_work_and_keeps_the_units(tmp_path, no_work, capsys):
    partial = _partial_run(tmp_path / "out")
    for option, words in [(["--random-state", "1"], ["random_state=0", "random_state=1"]),
                          (["--profile", "full"], ["profile='quick'", "profile='full'"])]:
        assert main(["study", "pretraining", "--resume", *option, "--out", str(tmp_path / "out")]) == 2
        one_line_error(capsys, "--resume", "the interrupted run", *words)
    assert sorted(p.name for p in partial.iterdir()) == ["2x10-500.joblib", "settings.json"]


def test_a_fresh_run_over_finished_units_exits_2_before_work(tmp_path, no_work, capsys):
    partial = _partial_run(tmp_path / "out")
    assert main(["study", "pretraining", "--out", str(tmp_path / "out")]) == 2
    one_line_error(capsys, "1 finished unit", str(partial), "continue it with --resume")
    assert sorted(p.name for p in partial.iterdir()) == ["2x10-500.joblib", "settings.json"]


def _counting_dbn_fits(monkeypatch, during=None):
    """Count ``DBN.fit`` calls (one per point of study 2); the second calls ``during()`` first."""
    from skgen import DBN

    calls = []
    fit = DBN.fit

    def counting_fit(self, *args, **kwargs):
        calls.append(self)
        if len(calls) == 2 and during is not None:
            during()
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(DBN, "fit", counting_fit)
    return calls


def _results(csv):
    import pandas as pd

    return pd.read_csv(csv).drop(columns=["pretrain_s", "fit_s"])


def test_an_interrupted_study_says_how_to_resume_and_resumes_without_refitting(data_home, tmp_path, monkeypatch, capsys,
                                                                               two_point_pretraining):
    import shlex

    args = ["study", "pretraining", "--data-home", str(data_home), "--n-jobs", "1"]
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    assert not (tmp_path / "whole" / "partial-pretraining").exists()

    def ctrl_c():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # the signal's handler runs here
        raise AssertionError("Ctrl-C did not end the run")

    out = tmp_path / "out"
    fits = _counting_dbn_fits(monkeypatch, during=ctrl_c)
    capsys.readouterr()
    assert main([*args, "--out", str(out)]) == 130
    err = capsys.readouterr().err.splitlines()[-1]
    partial = out / "partial-pretraining"
    assert err.startswith(f"skgen: interrupted; 1 finished unit of the run is kept in {partial}; continue it with: ")
    command = err.split("continue it with: ")[1]
    assert command == shlex.join(["skgen", "study", "pretraining", "--profile", "quick", "--out", str(out),
                                  "--data-home", str(data_home), "--n-jobs", "1", "--random-state", "0", "--resume"])
    assert sorted(p.name for p in partial.iterdir()) == ["2x10-500.joblib", "settings.json"]
    assert sorted(p.name for p in out.iterdir()) == ["partial-pretraining"]  # no lock, no half-written report

    fits = _counting_dbn_fits(monkeypatch)
    assert main(shlex.split(command)[1:]) == 0
    assert len(fits) == 1  # only the interrupted point
    assert _results(out / "pretraining.csv").equals(_results(tmp_path / "whole" / "pretraining.csv"))
    assert not partial.exists() and "pretraining.md" in capsys.readouterr().out
    assert main(shlex.split(command)[1:]) == 2  # finished: nothing left to resume
    one_line_error(capsys, "no interrupted run")


def test_a_killed_study_keeps_its_finished_units_for_resume(data_home, tmp_path, monkeypatch, capsys,
                                                            two_point_pretraining):
    out = tmp_path / "out"
    script = f"""
import sys, time
from skgen import DBN
from skgen.studies import pretraining
from skgen.__main__ import main
pretraining.PROFILES["quick"] = {{**pretraining.PROFILES["quick"], **{TWO_POINTS!r}}}
calls, fit = [], DBN.fit
def fit_then_hang(self, *args, **kwargs):
    calls.append(self)
    if len(calls) == 2:
        time.sleep(120)
    return fit(self, *args, **kwargs)
DBN.fit = fit_then_hang
sys.exit(main(["study", "pretraining", "--data-home", {str(data_home)!r}, "--n-jobs", "1", "--out", {str(out)!r}]))
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.DEVNULL, env=env)
    unit, deadline = out / "partial-pretraining" / "2x10-500.joblib", time.monotonic() + 120
    while not unit.exists() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.2)
    run.kill()  # no handler runs: a crash or the machine going down
    assert run.wait(timeout=30) == -signal.SIGKILL and unit.exists()

    fits = _counting_dbn_fits(monkeypatch)
    assert main(["study", "pretraining", "--data-home", str(data_home), "--out", str(out), "--resume"]) == 0
    assert len(fits) == 1 and (out / "pretraining.csv").exists() and not unit.parent.exists()


@pytest.mark.parametrize("failure", [ValueError("the DBN diverged"), RuntimeError("a bug")], ids=["error", "crash"])
def test_a_failed_study_keeps_its_finished_units_and_says_how_to_resume(data_home, tmp_path, monkeypatch, capsys,
                                                                        two_point_pretraining, failure):
    def fail():
        raise failure

    out = tmp_path / "out"
    _counting_dbn_fits(monkeypatch, during=fail)
    args = ["study", "pretraining", "--data-home", str(data_home), "--out", str(out)]
    if isinstance(failure, ValueError):
        assert main(args) == 2
        err = capsys.readouterr().err.splitlines()[-1]  # after the progress bar
        assert err.startswith("skgen: error: the DBN diverged; 1 finished unit of the run is kept in")
        assert "continue it with: skgen study pretraining" in err and err.endswith("--resume")
    else:
        with pytest.raises(RuntimeError, match="a bug"):
            main(args)
        assert "skgen: the run failed; 1 finished unit" in capsys.readouterr().err
    assert sorted(p.name for p in (out / "partial-pretraining").iterdir()) == ["2x10-500.joblib", "settings.json"]
