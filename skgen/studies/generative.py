"""Study 3: RBM, DBN, beta-VAE and GAN on binarized MNIST, a contest judged one way for all.

Every model trains on the same images (MNIST binarized at 127) by its own best recipe, at
comparable parameter counts (reported with the training time), and is judged on the
official test images:

- **One rule for binary images.** Every model gives pixel probabilities (the RBM's and the
  DBN's last mean-field visibles, the VAE's decoder means, the GAN generator's output);
  its images are those probabilities thresholded at 1/2, as the test images are
  thresholded. Drawn pixels (a Bernoulli draw from the same probabilities) add
  salt-and-pepper noise that the feature network punishes; their FID is reported beside,
  where a model has them.
- **Two samplers for the Boltzmann machines.** *Short-run*: the persistent chains of
  training continued a few Gibbs steps, which repeat the training dynamics; *equilibrium*:
  chains from noise run long enough to forget their start (until their FID and digit
  shares stop moving), which show the model itself (Decelle, Furtlehner & Seoane 2021).
- **Scores.** FID with a bootstrap interval, and as a multiple of the floor (training
  images against test images), KID, precision and recall, in the features of skgen's
  shipped MNIST network; the share of the rarest digit among the samples; the held-out
  log-likelihood where a model has one (AIS for the RBM, the importance-weighted bound for
  the VAE).
- **Class-conditional generation.** Each model is trained again with the labels (the RBM
  as a one-layer ``DBN(joint_labels=True)``, the DBN with ``joint_labels=True``,
  ``BetaVAE(conditional=True)``, ``GAN(conditional=True)``) and asked for every digit: the
  share of samples the shipped network reads as the asked digit, and the FID of each
  digit's samples against that digit's test images.
"""

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from skgen.datasets import load_mnist
from skgen.studies._params import study_parameters
from skgen.studies._partial import PartialRun, check_resume_flag
from skgen.studies._report import output_folder, write_report, write_whole

PROFILES = {
    "quick": {"n_train": 3000, "n_test": 1000, "n_samples": 1000, "epochs": 0.2, "n_resamples": 30,
              "short_run_steps": 100, "equilibrium": {"n_steps": 300}, "ais_chains": 50,
              "ais_betas": 2000, "n_importance_samples": 50, "per_class": 50, "conditional_steps": 300},
    "full": {"n_train": 60000, "n_test": 10000, "n_samples": 10000, "epochs": 1.0, "n_resamples": 200,
             "short_run_steps": 100, "equilibrium": {"n_steps": 3000}, "ais_chains": 100,
             "ais_betas": 10000, "n_importance_samples": 1000, "per_class": 500, "conditional_steps": 3000},
}

#: epochs of each model in the full profile (the quick profile scales them)
EPOCHS = {"RBM": 13, "DBN": 13, "BetaVAE": 100, "GAN": 100}

#: RBM and DBN training, the equilibrium recipe (benchmarks/bench_equilibrium.py): the negative
#: phase is parallel tempering, 100 persistent chains at each of 30 temperatures, so that the
#: chains cross between digits; the learning rate decays linearly over DECAY_EPOCHS epochs to
#: 1/200 of its start and stays there for the last epochs, where the weights change slower than
#: the chains mix and the gradient can correct the weight of each digit. With the rate decaying
#: to zero instead, the chains stay even while the frozen model favours one digit (60% 1s).
RBM_TRAINING = {"sampler": "tempering", "n_chains": 100, "n_temperatures": 30, "lr": 0.02, "batch_size": 100,
                "optimizer__momentum": 0.5, "optimizer__weight_decay": 1e-4, "lr_scheduler__start_factor": 1.0,
                "lr_scheduler__end_factor": 0.005}

#: epochs of the RBM's and the DBN's linear decay; the epochs after them train at the end rate
DECAY_EPOCHS = 10

#: GAN training: the non-saturating loss with the R1 penalty on real data and an exponential
#: moving average of the generator (StyleGAN's recipe), which after 12 epochs scored FID 171
#: where hinge loss with spectral normalisation scored 219 (benchmarks/RESULTS.md)
GAN_TRAINING = {"loss": "non_saturating", "gradient_penalty": 1.0, "ema_decay": 0.999}

#: the class-conditional GAN's training: hinge loss against a spectrally normalised projection
#: discriminator, the two time-scale learning rates and an EMA generator, which draws the
#: asked digit 93.9% of the time after 41 epochs (benchmarks/bench_gan.py --conditional)
CONDITIONAL_GAN_TRAINING = {"loss": "hinge", "spectral_norm": True, "ema_decay": 0.999,
                            "discriminator_optimizer__lr": 4e-4, "generator_optimizer__lr": 1e-4}

#: the columns of the main table
COLUMNS = ["model", "sampler", "n_parameters", "fit_s", "sample_s", "fid", "fid_low", "fid_high", "fid_x_floor",
           "fid_drawn", "kid", "precision", "recall", "min_digit_pct", "log_likelihood"]

#: the columns of the class-conditional table
CONDITIONAL_COLUMNS = ["model", "n_parameters", "fit_s", "asked_digit_pct", "worst_digit_pct", "fid_per_class",
                       "worst_class_fid"]

#: what each row's sampler is, in the report's words
SAMPLERS = {"short-run": "persistent chains + {short_run_steps} Gibbs steps",
            "equilibrium": "noise + {n_steps} Gibbs sweeps",
            "prior": "z ~ N(0, I) through the decoder or generator"}


def check_models(models):
    """The list ``models``, checked to name study 3's models, each once.

    A ValueError (a TypeError for what is not a list) naming ``models`` otherwise, before
    any work: a model named twice would be trained twice and its rows could not be told apart.
    """
    expected = f"models must be a non-empty list of {list(EPOCHS)}"
    if isinstance(models, (str, bytes)):
        raise ValueError(f"{expected}, not one string; got {models!r}.")
    try:
        names = list(models)
    except TypeError:
        raise TypeError(f"{expected}; got {models!r}.") from None
    if not names or any(not isinstance(name, str) or name not in EPOCHS for name in names):
        raise ValueError(f"{expected}; got {names}.")
    repeated = sorted({name for name in names if names.count(name) > 1}, key=list(EPOCHS).index)
    if repeated:
        raise ValueError(f"models must name each model once; {', '.join(repeated)} is named more than once in "
                         f"{names}.")
    return names


def _models(config, device, random_state, conditional=False):
    """Study 3's estimators by name, unfitted; with ``conditional``, their class-conditional versions."""
    import torch

    from skgen import DBN, GAN, RBM, BetaVAE

    def epochs(name):
        return max(2, round(EPOCHS[name] * config["epochs"]))

    decay = max(1, round(DECAY_EPOCHS * config["epochs"]))

    shared = {"device": device, "random_state": random_state}
    rbm_training = {**RBM_TRAINING, "lr_scheduler": torch.optim.lr_scheduler.LinearLR, **shared}
    if conditional:
        rbm = DBN(hidden_layer_sizes=(500,), joint_labels=True, max_epochs=epochs("RBM"),
                  lr_scheduler__total_iters=decay, **rbm_training)
    else:
        rbm = RBM(n_components=500, max_epochs=epochs("RBM"), ais_chains=config["ais_chains"],
                  ais_betas=config["ais_betas"], lr_scheduler__total_iters=decay, **rbm_training)
    return {
        "RBM": rbm,
        "DBN": DBN(hidden_layer_sizes=(500, 250), joint_labels=conditional, max_epochs=epochs("DBN"),
                   lr_scheduler__total_iters=decay, **rbm_training),
        "BetaVAE": BetaVAE(latent_dim=50, hidden_layer_sizes=(200, 200), max_epochs=epochs("BetaVAE"),
                           n_importance_samples=config["n_importance_samples"], conditional=conditional, **shared),
        "GAN": GAN(latent_dim=64, generator_hidden_layer_sizes=(256, 512),
                   discriminator_hidden_layer_sizes=(512, 256), max_epochs=epochs("GAN"), conditional=conditional,
                   **(CONDITIONAL_GAN_TRAINING if conditional else GAN_TRAINING), **shared),
    }


def n_parameters(model):
    """Number of trained parameters of a fitted skgen generative model."""
    if hasattr(model, "rbms_"):
        return sum(n_parameters(rbm) for rbm in model.rbms_)
    if hasattr(model, "components_"):
        return model.components_.size + model.intercept_hidden_.size + model.intercept_visible_.size
    return sum(p.numel() for p in model.net_.module_.parameters() if p.requires_grad)


def pixel_probabilities(name, model, n_samples, sampler, config, random_state, y=None):
    """``n_samples`` pixel-probability images of ``model`` by ``sampler`` (of :data:`SAMPLERS`).

    The Boltzmann machines return the mean-field visibles of their chains' last step, the
    VAE its decoder means, the GAN its generator's output.
    """
    if name not in ("RBM", "DBN"):
        return model.sample(n_samples, y=y, mean=True, random_state=random_state)
    if sampler == "short-run":
        options = {"start": "chains", "n_steps": config["short_run_steps"]}
    elif y is not None:
        options = {"start": "noise", "n_steps": config["conditional_steps"], "y": y}
    else:
        options = {"start": "noise", "sampler": "gibbs", **config["equilibrium"]}
    return model.sample(n_samples, return_probabilities=True, random_state=random_state, **options)


def _scores(features_test, features, config, random_state):
    from skgen.metrics import frechet_distance_interval, kernel_distance, precision_recall

    fid = frechet_distance_interval(features_test, features, n_resamples=config["n_resamples"],
                                    random_state=random_state)
    kid = kernel_distance(features_test, features, subset_size=min(1000, len(features)), random_state=random_state)
    precision, recall = precision_recall(features_test, features)
    return {"fid": fid.estimate, "fid_low": fid.low, "fid_high": fid.high, "kid": kid,
            "precision": precision, "recall": recall}


def _fit_and_score(name, model, X_train, X_test, features_test, config, random_state):
    """Fit one model and score each of its samplers: its rows of the table and the images of
    its sample grids (``{grid's label: 100 images}``)."""
    from skgen.metrics import digit_shares, extract_features, frechet_distance

    start = time.perf_counter()
    model.fit(X_train)
    fit_s = time.perf_counter() - start
    log_likelihood = model.score(X_test) if hasattr(model, "score_samples") else np.nan
    rows, grids = [], {}
    rng = np.random.RandomState(random_state)
    for sampler in ("short-run", "equilibrium") if name in ("RBM", "DBN") else ("prior",):
        start = time.perf_counter()
        probabilities = pixel_probabilities(name, model, config["n_samples"], sampler, config, random_state)
        sample_s = time.perf_counter() - start
        images = (probabilities > 0.5).astype(np.float32)
        # the GAN has no pixel distribution to draw from: its samples are its generator's images
        drawn = None if name == "GAN" else (rng.random_sample(probabilities.shape) < probabilities).astype(np.float32)
        grids[name if sampler == "prior" else f"{name}, {sampler}"] = images[:100].astype(bool)
        rows.append({"model": name, "sampler": SAMPLERS[sampler].format(**config, **config["equilibrium"]),
                     "n_parameters": n_parameters(model), "fit_s": fit_s, "sample_s": sample_s,
                     **_scores(features_test, extract_features(images), config, random_state),
                     "fid_drawn": np.nan if drawn is None else frechet_distance(features_test, extract_features(drawn)),
                     "min_digit_pct": 100 * digit_shares(images).min(), "log_likelihood": log_likelihood})
    return rows, grids


def _save_grids(out, grids):
    """Write each sample grid of ``grids`` (``{label: images}``) as ``samples_<label>.png``; their paths."""
    from skgen.plotting import save_image_grid

    return [write_whole(out / f"samples_{label.lower().replace(', ', '_')}.png",
                        lambda path, label=label, images=images: save_image_grid(
                            images.astype(np.float32), (28, 28), path, n_cols=10, title=f"{label} samples"))
            for label, images in grids.items()]


def _fit_and_ask(name, model, X_train, y_train, X_test, y_test, config, random_state):
    """Fit one class-conditional model, ask it for every digit: its row of the conditional table."""
    from skgen.metrics import extract_features, frechet_distance, predict_digits

    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_s = time.perf_counter() - start
    asked = np.repeat(np.arange(10), config["per_class"])
    images = (pixel_probabilities(name, model, len(asked), "conditional", config, random_state, y=asked) > 0.5)
    images = images.astype(np.float32)
    agreement = np.array([(predict_digits(images[asked == digit]) == digit).mean() for digit in range(10)])
    features = extract_features(images)
    fids = [frechet_distance(extract_features(X_test[y_test == digit]), features[asked == digit]) for digit in range(10)]
    return {"model": name, "n_parameters": n_parameters(model), "fit_s": fit_s,
            "asked_digit_pct": 100 * agreement.mean(), "worst_digit_pct": 100 * agreement.min(),
            "fid_per_class": float(np.mean(fids)), "worst_class_fid": float(np.max(fids))}


def verdict(table, conditional=None):
    """A few sentences read off the study's tables: the ranking by FID and what it says.

    Parameters
    ----------
    table : pandas.DataFrame
        The main table of :func:`run_generative_study` (its first row is the floor).
    conditional : pandas.DataFrame, default=None
        Its conditional table.

    Returns
    -------
    text : str
    """
    floor, rows = table.iloc[0], table.iloc[1:].sort_values("fid")
    names = [row.model if row.sampler == SAMPLERS["prior"] else f"{row.model} ({row.sampler.split(' +')[0]})"
             for row in rows.itertuples()]
    ranking = ", then ".join(f"{name} at FID {row.fid:.1f} ({row.fid / floor.fid:.0f}x the floor)"
                             for name, row in zip(names, rows.itertuples()))
    sentences = [f"Ranked by FID under the one rule (thresholded pixel probabilities): {ranking}."]
    boltzmann = rows[rows.model.isin(["RBM", "DBN"])]
    for model, group in boltzmann.groupby("model"):
        if len(group) == 2:
            short, equilibrium = (group[group.sampler.str.startswith(start)].fid.iloc[0]
                                  for start in ("persistent", "noise"))
            sentences.append(f"The {model}'s short-run samples score {short:.1f} and its equilibrium samples "
                             f"{equilibrium:.1f}: the model itself is {'worse' if equilibrium > short else 'better'} "
                             "than its training chains suggest.")
    drawn = rows.dropna(subset=["fid_drawn"])
    if len(drawn):
        worst = drawn.loc[(drawn.fid_drawn - drawn.fid).idxmax()]
        sentences.append(f"Drawing pixels instead of thresholding costs up to {worst.fid_drawn - worst.fid:.0f} FID "
                         f"points ({worst.model}).")
    if conditional is not None and len(conditional):
        best = conditional.loc[conditional.asked_digit_pct.idxmax()]
        sentences.append(f"Asked for a digit, {best.model} draws it most reliably ({best.asked_digit_pct:.1f}% of "
                         f"samples, the worst digit {best.worst_digit_pct:.1f}%).")
    return " ".join(sentences)


def resume_settings(profile="quick", *, device="cpu", random_state=0, models=tuple(EPOCHS), conditional=True):
    """What a run computes, which a resumed run must share with the run it continues."""
    names = check_models(models)
    return {"study": "generative", "profile": profile, "device": str(device), "random_state": random_state,
            "models": [name for name in EPOCHS if name in names], "conditional": bool(conditional)}


@study_parameters("generative", "model", resume_settings,
                  notes={"resume": "Each class-conditional model is kept as a model of its own."})
def run_generative_study(profile="quick", *, out="skgen-out/generative", data_home=None, device="cpu",
                         n_jobs=None, random_state=0, models=tuple(EPOCHS), conditional=True, previous=None,
                         resume=False):
    """Run study 3 and write its sample grids, tables and report into ``out``.

    Parameters
    ----------
    profile : {"quick", "full"}, default="quick"
        ``"quick"``: 3,000 training images and short trainings (minutes on 2 cores);
        ``"full"``: all 60,000 images, the full test set and longer trainings.
    random_state : int, default=0
        Seeds every model, sampler and bootstrap.
    %(study_parameters)s
    models : sequence of str, default=("RBM", "DBN", "BetaVAE", "GAN")
        The models to run, each named once. Each is trained, sampled and scored the same
        way whichever others run beside it, so one model can be rerun alone.
    conditional : bool, default=True
        Also train each model's class-conditional version and ask it for every digit.
    previous : path-like, default=None
        The folder of an earlier run of the same profile and ``random_state``: the rows
        (and sample grids) of the models not in ``models`` are taken from its tables, so
        that rerunning one model updates the whole report
        (:func:`merge_generative_runs` of ``previous`` and ``out``). It may be ``out``
        itself; it is read, and checked to hold a finished run, before any work.

    Returns
    -------
    table : pandas.DataFrame
        One row per model and sampler (and one for held-out real images, the floor):
        n_parameters, fit_s, sample_s, fid with its 95% bootstrap interval (fid_low,
        fid_high), fid_x_floor, fid_drawn (drawn pixels; NaN for the GAN), kid, precision,
        recall, min_digit_pct, log_likelihood (nats per image, NaN where the model has
        none). ``table.attrs["conditional"]`` is the conditional table (asked_digit_pct,
        worst_digit_pct, fid_per_class, worst_class_fid), ``table.attrs["verdict"]`` the
        verdict and ``table.attrs["report"]`` the report's path.
    """
    from skgen.metrics import extract_features

    if not isinstance(profile, str) or profile not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)}, got {profile!r}.")
    models = check_models(models)
    check_resume_flag(resume)
    config = PROFILES[profile]
    run = {"profile": profile, "random_state": random_state}
    # read now, before any work and before this run writes into ``out`` (which may be ``previous``)
    earlier = None if previous is None else read_run(previous, run, name="previous")
    settings = resume_settings(profile, device=device, random_state=random_state, models=models,
                               conditional=conditional)
    partial = PartialRun(out, "generative", settings, resume)
    rng = np.random.RandomState(random_state)
    X_train, y_train = load_mnist("train", data_home=data_home, return_X_y=True)
    X_test, y_test = load_mnist("test", data_home=data_home, return_X_y=True)
    train, test = rng.permutation(len(X_train))[: config["n_train"]], rng.permutation(len(X_test))[: config["n_test"]]
    X_train, y_train, X_test, y_test = X_train[train], y_train[train], X_test[test], y_test[test]
    features_test = extract_features(X_test)
    floor = _scores(features_test, extract_features(X_train[: config["n_samples"]]), config, random_state)
    units = {name: (_fit_and_score, (name, model, X_train, X_test, features_test, config, random_state))
             for name, model in _models(config, device, random_state).items() if name in models}
    if conditional:
        units.update((f"{name}-conditional", (_fit_and_ask, (name, model, X_train, y_train, X_test, y_test, config,
                                                            random_state)))
                     for name, model in _models(config, device, random_state, conditional=True).items()
                     if name in models)
    results = partial.map(_run, units, n_jobs=n_jobs, desc="study 3 models", unit="model")
    scored = [results[name] for name in settings["models"]]
    asked = [results[f"{name}-conditional"] for name in settings["models"]] if conditional else []
    out = output_folder(out)
    table = pd.DataFrame([{"model": "training images (floor)", "sampler": "", **floor},
                          *(row for rows, _ in scored for row in rows)])
    figures = _save_grids(out, {label: images for _, grids in scored for label, images in grids.items()})
    this_run = _Run(out, run, table, pd.DataFrame(asked, columns=CONDITIONAL_COLUMNS),
                    {name: [figure for figure in figures if _figure_model(figure) == name.lower()]
                     for name in settings["models"]})
    table = _merge([this_run] if earlier is None else [earlier, this_run], out)
    partial.remove()
    return table


def merge_generative_runs(runs, out):
    """Combine runs of study 3 that trained different models into one report.

    Each run is a folder written by :func:`run_generative_study` with the same profile and
    ``random_state``, for instance one per model on different machines (``models=[name]``).
    A model's rows, conditional row and sample grids come from the last run that has them,
    the floor from the last run; the verdict is read off the combined tables.

    Parameters
    ----------
    runs : sequence of path-like
        The runs' folders, earliest first.
    out : path-like
        Output folder (it may be one of ``runs``).

    Returns
    -------
    table : pandas.DataFrame
        As :func:`run_generative_study` returns it.
    """
    if isinstance(runs, (str, Path)):
        raise TypeError(f"runs must be a sequence of folders of study 3, not one folder; got {runs!r}.")
    runs = [Path(run) for run in runs]
    if not runs:
        raise ValueError("runs must name at least one folder of study 3.")
    first = read_run(runs[0], name="runs")
    # every run is read before anything is written: ``out`` may be one of them
    return _merge([first, *(read_run(run, first.settings, name="runs") for run in runs[1:])], out)


@dataclass
class _Run:
    """A run of study 3 held in memory: its folder, settings, tables and sample grids by model."""

    folder: Path
    settings: dict
    table: pd.DataFrame
    conditional: pd.DataFrame
    figures: dict = field(default_factory=dict)


def _figure_model(figure):
    """The model (lower case) whose sample grid ``figure`` is: ``samples_rbm_short-run.png`` -> ``rbm``."""
    return Path(figure).stem.split("_")[1]


def read_run(folder, settings=None, *, name="previous"):
    """The finished run of study 3 in ``folder``, read into memory.

    A ValueError that starts with ``name`` (the parameter or option that named the folder)
    if ``folder`` holds no finished run, or one whose profile and seed differ from
    ``settings``.
    """
    folder = Path(folder)
    earlier = _run_settings(folder, name)
    if settings is not None and earlier != settings:
        raise ValueError(f"{name}: the run in {folder} used {earlier}, this one {settings}: their rows do not "
                         "compare.")
    try:
        table = pd.read_csv(folder / "generative.csv").fillna({"sampler": ""})
    except FileNotFoundError:
        raise ValueError(f"{name}: {folder} holds generative_run.json but no generative.csv, so no finished run of "
                         "study 3 whose rows could be kept; remove generative_run.json or name another folder.") \
            from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{name}: cannot read {folder / 'generative.csv'} ({exc}).") from None
    if "model" not in table or not len(table):
        raise ValueError(f"{name}: {folder / 'generative.csv'} is not a table of study 3.")
    conditional = pd.DataFrame(columns=CONDITIONAL_COLUMNS)
    if (folder / "generative_conditional.csv").exists():
        conditional = pd.read_csv(folder / "generative_conditional.csv")
    figures = {}
    for figure in sorted(folder.glob("samples_*.png")):
        figures.setdefault(_figure_model(figure), []).append(figure)
    return _Run(folder, earlier, table,
                conditional, {model: figures.get(model.lower(), []) for model in table.model.iloc[1:].unique()})


def _merge(runs, out):
    """Write the report of ``runs`` (each a :class:`_Run`) into ``out``: each model from the last run that has it."""
    rows, conditional_rows, sources = {}, {}, {}
    for run in runs:
        for name, group in run.table.iloc[1:].groupby("model", sort=False):
            rows[name], sources[name] = group, run
        conditional_rows.update((name, group) for name, group in run.conditional.groupby("model", sort=False))
    out = output_folder(out)
    figures = []
    for name, run in sources.items():
        for figure in run.figures.get(name, []):
            target = out / Path(figure).name
            if Path(figure).resolve() != target.resolve():
                write_whole(target, lambda path, figure=figure: shutil.copy2(figure, path))
            figures.append(target)
    table = _in_model_order(pd.concat([runs[-1].table.iloc[:1], *rows.values()], ignore_index=True))
    conditional = pd.DataFrame(columns=CONDITIONAL_COLUMNS)
    if conditional_rows:
        conditional = _in_model_order(pd.concat(conditional_rows.values(), ignore_index=True))
    settings = runs[-1].settings
    write_whole(out / "generative_run.json", lambda path: path.write_text(json.dumps(settings)))
    return _report(out, settings, table, conditional, figures)


def _report(out, run, table, conditional_table, figures):
    """Complete ``table`` (floor multiples, verdict) and write the report of study 3 into ``out``."""
    config = PROFILES[run["profile"]]
    table = table.assign(fid_x_floor=table.fid / table.fid.iloc[0]).reindex(columns=COLUMNS)
    conditional_table = conditional_table.reindex(columns=CONDITIONAL_COLUMNS)
    table.attrs["conditional"] = conditional_table
    table.attrs["verdict"] = verdict(table, conditional_table)
    figures = sorted(figures, key=lambda figure: _model_rank(Path(figure).stem.split("_")[1]))
    table.attrs["report"] = write_report(out, "generative", "Study 3: generative models on binarized MNIST", table,
                                         figures, _notes(run["profile"], config, table),
                                         extra=[("conditional", "Class-conditional generation", conditional_table)])
    return table


def _model_rank(name):
    """Position of a model (by name, any case) in the study's order; the floor and unknown names first."""
    names = [model.lower() for model in EPOCHS]
    return names.index(name.lower()) + 1 if name.lower() in names else 0


def _in_model_order(table):
    """``table``'s rows in the study's model order (the floor first, each model's samplers kept in order)."""
    rank = table.model.map(_model_rank).to_numpy(dtype=int)
    return table.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)


def _run_settings(folder, name):
    """The profile and seed of the run of study 3 in ``folder``; a ValueError if it holds none."""
    try:
        settings = json.loads((Path(folder) / "generative_run.json").read_text())
    except (FileNotFoundError, NotADirectoryError):
        raise ValueError(f"{name}: {folder} holds no run of study 3 (no generative_run.json).") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{name}: cannot read {Path(folder) / 'generative_run.json'} ({exc}).") from None
    if not isinstance(settings, dict):
        raise ValueError(f"{name}: {Path(folder) / 'generative_run.json'} is not the settings of a run of study 3.")
    return settings


def _run(function, arguments):
    """``function(*arguments)``: one task of the study, for :func:`parallel_map`."""
    return function(*arguments)


def _notes(profile, config, table):
    return (
        f"Profile `{profile}`: {config['n_train']} training images binarized at 127, {config['n_test']} test images, "
        f"{config['n_samples']} samples per model and sampler.\n\n**Verdict.** {table.attrs['verdict']}\n\n"
        "**How every model is judged.** One rule makes every model's binary images: its pixel probabilities "
        "(the Boltzmann machines' last mean-field visibles, the VAE's decoder means, the GAN generator's output) "
        "thresholded at 1/2, as the test images are; `fid_drawn` scores Bernoulli draws from the same "
        "probabilities, whose salt-and-pepper noise the feature network punishes. FID (with its 95% bootstrap "
        "interval and as a multiple of the floor), KID and precision/recall (k=3) are computed in the "
        "penultimate-layer features of skgen's shipped MNIST network against the test images; the first row "
        "scores training images, the floor a perfect model would reach. min_digit_pct is the share of the "
        "rarest digit (10 for even coverage). Log-likelihoods are in nats per image (AIS for the RBM, the "
        "importance-weighted bound for the VAE).\n\n"
        "**Recipes.** RBM (500 hidden) and DBN (500-250): parallel tempering with 100 persistent chains at each "
        "of 30 temperatures, SGD with momentum 0.5, lr 0.02 decaying linearly to 1e-4 over the first "
        f"{DECAY_EPOCHS} of {EPOCHS['RBM']} epochs and staying there, so that the model's own equilibrium, not "
        "only its training chains, covers the digits. Their *short-run* samples continue the persistent chains "
        f"{config['short_run_steps']} Gibbs steps (several samples per chain); their *equilibrium* samples start "
        f"from noise and run {config['equilibrium']['n_steps']} Gibbs sweeps, past the point where the FID and "
        "the digit shares of such chains stop moving (skgen.metrics.sampling_convergence). beta-VAE: 784-200-200-50, tanh, the ELBO "
        "(beta=1), Adam lr 1e-3. GAN: 64-256-512-784 generator with batch norm, 784-512-256 discriminator with "
        "minibatch standard deviation, the non-saturating loss with the R1 penalty (gamma 1) on real images, "
        "Adam lr 2e-4, samples from an exponential moving average (0.999) of the generator. `fit_s` is each "
        "model's training time.\n\n"
        "**Class-conditional generation.** The same recipes with the labels: the RBM as a one-layer "
        "DBN(joint_labels=True), the DBN with joint_labels=True (label units clamped, chains from noise, "
        f"{config['conditional_steps']} Gibbs steps), BetaVAE(conditional=True), GAN(conditional=True) (hinge loss "
        "against a spectrally normalised projection discriminator, Adam lr 1e-4 (G) and 4e-4 (D), EMA 0.999); "
        f"{config['per_class']} samples per digit. asked_digit_pct is the share the shipped network reads as the "
        "asked digit (worst_digit_pct for the worst digit); fid_per_class the mean over digits of the FID between "
        "a digit's samples and that digit's test images."
    )
