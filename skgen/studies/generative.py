"""Study 3: RBM, DBN, beta-VAE and GAN on binarized MNIST, compared by FID.

Each model is trained on MNIST binarized at 127 with a comparable number of parameters
(reported), then judged on the official test set: FID with a bootstrap confidence
interval, KID and precision/recall in the features of skgen's shipped MNIST network,
and the held-out log-likelihood where the model has one (AIS for the RBM, the
importance-weighted bound for the VAE).
"""

import time

import numpy as np
import pandas as pd

from skgen.datasets import load_mnist
from skgen.studies._parallel import parallel_map
from skgen.studies._report import output_folder, write_report

PROFILES = {
    "quick": {"n_train": 3000, "n_test": 1000, "n_samples": 1000, "epochs": 0.2, "n_resamples": 30,
              "n_steps": 100, "ais_chains": 50, "ais_betas": 2000, "n_importance_samples": 50},
    "full": {"n_train": 60000, "n_test": 10000, "n_samples": 10000, "epochs": 1.0, "n_resamples": 200,
             "n_steps": 100, "ais_chains": 100, "ais_betas": 10000, "n_importance_samples": 1000},
}

#: epochs of each model in the full profile (the quick profile scales them)
EPOCHS = {"RBM": 10, "DBN": 10, "BetaVAE": 100, "GAN": 100}

#: RBM and DBN training: PCD-1 with 2,000 persistent chains (independent of the batch of 100)
#: and a learning rate decaying linearly to zero, so that training follows the model's
#: equilibrium and the chains end as fair samples (benchmarks/bench_rbm_sampling.py)
RBM_TRAINING = {"persistent": True, "n_chains": 2000, "lr": 0.02, "batch_size": 100, "optimizer__momentum": 0.5,
                "optimizer__weight_decay": 1e-4, "lr_scheduler__start_factor": 1.0, "lr_scheduler__end_factor": 0.0}


def check_models(models):
    """Raise a ValueError unless ``models`` is a non-empty list of study 3's model names."""
    if isinstance(models, str) or not models or any(name not in EPOCHS for name in models):
        raise ValueError(f"models must be a non-empty list of {list(EPOCHS)}; got {list(models)}.")


def _models(config, device, random_state):
    import torch

    from skgen import DBN, GAN, RBM, BetaVAE

    def epochs(name):
        return max(2, round(EPOCHS[name] * config["epochs"]))

    shared = {"device": device, "random_state": random_state}
    rbm_training = {**RBM_TRAINING, "lr_scheduler": torch.optim.lr_scheduler.LinearLR, **shared}
    return {
        "RBM": RBM(n_components=500, max_epochs=epochs("RBM"), ais_chains=config["ais_chains"],
                   ais_betas=config["ais_betas"], lr_scheduler__total_iters=epochs("RBM"), **rbm_training),
        "DBN": DBN(hidden_layer_sizes=(500, 250), max_epochs=epochs("DBN"), lr_scheduler__total_iters=epochs("DBN"),
                   **rbm_training),
        "BetaVAE": BetaVAE(latent_dim=50, hidden_layer_sizes=(200, 200), max_epochs=epochs("BetaVAE"),
                           n_importance_samples=config["n_importance_samples"], **shared),
        "GAN": GAN(latent_dim=64, generator_hidden_layer_sizes=(256, 512),
                   discriminator_hidden_layer_sizes=(512, 256), max_epochs=epochs("GAN"), **shared),
    }


def n_parameters(model):
    """Number of trained parameters of a fitted skgen generative model."""
    if hasattr(model, "rbms_"):
        return sum(n_parameters(rbm) for rbm in model.rbms_)
    if hasattr(model, "components_"):
        return model.components_.size + model.intercept_hidden_.size + model.intercept_visible_.size
    return sum(p.numel() for p in model.net_.module_.parameters())


def _scores(features_test, features, config, random_state):
    from skgen.metrics import (
        frechet_distance_interval,
        kernel_distance,
        precision_recall,
    )

    fid = frechet_distance_interval(features_test, features, n_resamples=config["n_resamples"],
                                    random_state=random_state)
    kid = kernel_distance(features_test, features, subset_size=min(1000, len(features)), random_state=random_state)
    precision, recall = precision_recall(features_test, features)
    return {"fid": fid.estimate, "fid_low": fid.low, "fid_high": fid.high, "kid": kid,
            "precision": precision, "recall": recall}


def _fit_and_score(name, model, X_train, X_test, features_test, config, out, random_state):
    """Fit one model, draw its samples and score them: its row of the table and its sample grid."""
    from skgen.metrics import digit_shares, extract_features
    from skgen.plotting import save_image_grid

    start = time.perf_counter()
    model.fit(X_train)
    seconds = time.perf_counter() - start
    # the RBM's and the DBN's top chains continue their persistent chains, which training kept in
    # equilibrium and balanced; a hundred steps decorrelate the copies of a chain (2,000 chains serve
    # 10,000 samples), while a thousand drift towards the frozen model's less even distribution
    # (benchmarks/bench_study3_sampling.py)
    sample_kwargs = {"start": "chains", "n_steps": config["n_steps"]} if name in ("RBM", "DBN") else {}
    samples = model.sample(config["n_samples"], random_state=random_state, **sample_kwargs)
    figure = save_image_grid(samples[:100], (28, 28), out / f"samples_{name.lower()}.png", n_cols=10,
                             title=f"{name} samples")
    log_likelihood = model.score(X_test) if hasattr(model, "score_samples") else np.nan
    row = {"model": name, "n_parameters": n_parameters(model), "fit_s": seconds, "log_likelihood": log_likelihood,
           **_scores(features_test, extract_features(samples), config, random_state),
           "min_digit_pct": 100 * digit_shares(samples).min()}
    return row, figure


def run_generative_study(profile="quick", *, out="skgen-out/generative", data_home=None, device="cpu",
                         n_jobs=None, random_state=0, models=tuple(EPOCHS)):
    """Run study 3 and write its sample grids, table and report into ``out``.

    Parameters
    ----------
    profile : {"quick", "full"}, default="quick"
        ``"quick"``: 6,000 training images and short trainings (minutes on 2 cores);
        ``"full"``: all 60,000 images, the full test set and longer trainings.
    out : path-like, default="skgen-out/generative"
        Output folder.
    data_home : path-like, default=None
        See :func:`skgen.datasets.get_data_home`.
    device : str, default="cpu"
        Where the models train.
    n_jobs : int, default=None
        Models trained in parallel (joblib), up to four.
    random_state : int, default=0
        Seeds every model, sampler and bootstrap.
    models : sequence of str, default=("RBM", "DBN", "BetaVAE", "GAN")
        The models to run. Each is trained, sampled and scored the same way whichever
        others run beside it, so one model can be rerun alone.

    Returns
    -------
    table : pandas.DataFrame
        One row per model (and one for held-out real images, the floor): n_parameters,
        fit_s, fid with its 95% bootstrap interval (fid_low, fid_high), kid, precision,
        recall, log_likelihood (nats per image, NaN where the model has none).
        ``table.attrs["report"]`` is the report's path.
    """
    from skgen.metrics import extract_features

    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)}, got {profile!r}.")
    check_models(models)
    config = PROFILES[profile]
    out = output_folder(out)
    rng = np.random.RandomState(random_state)
    X_train, _ = load_mnist("train", data_home=data_home, return_X_y=True)
    X_test, _ = load_mnist("test", data_home=data_home, return_X_y=True)
    X_train = X_train[rng.permutation(len(X_train))[: config["n_train"]]]
    X_test = X_test[rng.permutation(len(X_test))[: config["n_test"]]]
    features_test = extract_features(X_test)
    floor = _scores(features_test, extract_features(X_train[: config["n_samples"]]), config, random_state)
    rows = [{"model": "training images (floor)", **floor}]
    tasks = ((name, model, X_train, X_test, features_test, config, out, random_state)
             for name, model in _models(config, device, random_state).items() if name in models)
    results = parallel_map(_fit_and_score, tasks, n_jobs=n_jobs, desc="study 3 models", unit="model")
    rows += [row for row, _ in results]
    figures = [figure for _, figure in results]
    columns = ["model", "n_parameters", "fit_s", "fid", "fid_low", "fid_high", "kid", "precision", "recall",
               "min_digit_pct", "log_likelihood"]
    table = pd.DataFrame(rows, columns=columns)
    notes = (f"Profile `{profile}`: {len(X_train)} training images binarized at 127, {len(X_test)} test images, "
             f"{config['n_samples']} samples per model. FID, KID and precision/recall (k=3) are computed in the "
             "penultimate-layer features of skgen's shipped MNIST network, against the test images; the first row "
             "scores training images, the floor a perfect model would reach. FID intervals are 95% bootstrap "
             "percentiles. min_digit_pct is the share of the rarest digit among the samples, as the shipped network "
             "classifies them (10 for a generator that covers every digit evenly). The RBM and the DBN are trained by "
             "PCD with 2,000 persistent chains and a learning rate decaying linearly to zero; their samples continue "
             f"those chains for {config['n_steps']} Gibbs steps (the DBN's in its top RBM, then a down pass), each "
             "chain serving several samples; longer runs drift towards the trained model's own, less even "
             "distribution (benchmarks/bench_study3_sampling.py). "
             "Log-likelihoods are in nats per image.")
    table.attrs["report"] = write_report(out, "generative", "Study 3: generative models on binarized MNIST",
                                         table, figures, notes)
    return table
