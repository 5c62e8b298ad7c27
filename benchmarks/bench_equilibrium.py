"""Which training gives an RBM whose own samples, from noise at equilibrium, look like MNIST?

Trains study 3's 500-hidden RBM on its 60,000 training images (binarized at 127; the same
shuffle as ``skgen study generative --profile full``) by one of :data:`RECIPES`, one epoch
at a time, keeping the model after each epoch in ``--checkpoint`` so that an interrupted
run continues with ``--resume``. The learning rate follows the recipe's linear decay, set
before each epoch (the schedule of ``LinearLR`` stepped per epoch).

Then it scores the model's own samples: chains started from noise, run by Gibbs sampling
and by parallel tempering (30 temperatures) for each of ``--n-steps`` sweeps
(:func:`skgen.metrics.sampling_convergence`), against study 3's 10,000 test images: FID in
skgen's MNIST features and the shares of the rarest and commonest digit. The table goes to
``--table`` (CSV) and its curves to ``--figure``.

    python benchmarks/bench_equilibrium.py --recipe tempering-tail \\
        --checkpoint benchmarks/checkpoints/equilibrium.joblib --table /tmp/eq.csv

One torch thread by default, so that recipes can train side by side.
"""

import argparse
import json
import time

import joblib
import pandas as pd
import torch

from skgen import RBM
from skgen.metrics import sampling_convergence
from skgen.plotting import plot_sampling_convergence

from _checkpoint import train_in_epochs
from _output import report
from bench_study3_sampling import study_data

#: what every recipe shares: study 3's RBM (500 hidden, batch 100, momentum 0.5, weight decay 1e-4)
SHARED = {"n_components": 500, "batch_size": 100, "optimizer__momentum": 0.5, "optimizer__weight_decay": 1e-4}

#: training recipes: the estimator's settings, the epochs, and the linear decay of the learning rate (over
#: ``decay_epochs`` to ``end_factor`` times its start, where it stays): study 3's PCD before issue 38, parallel
#: tempering with the rate decaying to zero, and tempering with its last epochs at a low rate (study 3's now)
RECIPES = {
    "pcd": ({"persistent": True, "n_chains": 2000, "lr": 0.02}, 10, 10, 0.0),
    "tempering": ({"sampler": "tempering", "n_chains": 100, "n_temperatures": 30, "lr": 0.02}, 10, 10, 0.0),
    "tempering-tail": ({"sampler": "tempering", "n_chains": 100, "n_temperatures": 30, "lr": 0.02}, 13, 10, 0.005),
}

#: how the model is sampled from noise for the table (n_steps are added per row)
SAMPLERS = {"gibbs": {}, "tempering": {"n_temperatures": 30}}


def train(recipe, seed, checkpoint, resume):
    """The RBM of ``recipe``, trained (or continued from ``checkpoint`` with ``resume``) by its schedule."""
    X_train, _ = study_data()
    settings, epochs, decay_epochs, end_factor = RECIPES[recipe]
    return train_in_epochs(lambda: RBM(**SHARED, **settings, random_state=seed), X_train, epochs, settings["lr"],
                           checkpoint, resume, decay_epochs=decay_epochs, end_factor=end_factor)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="tempering-tail")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpoint", help="keep the model here after each epoch (joblib)")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--load", help="score this fitted RBM (joblib) instead of training one")
    parser.add_argument("--n-samples", type=int, default=2000)
    parser.add_argument("--n-steps", type=int, nargs="+", default=[10, 100, 1000, 10000])
    parser.add_argument("--samplers", nargs="+", default=list(SAMPLERS), choices=list(SAMPLERS))
    parser.add_argument("--max-tempering-steps", type=int, help="tempering's points stop here (it costs 30x a sweep)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--table", help="write the convergence table here (CSV)")
    parser.add_argument("--figure", help="draw the convergence curves here (PNG)")
    parser.add_argument("--out", help="also write the JSON result here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    began = time.perf_counter()
    rbm = joblib.load(args.load) if args.load else train(args.recipe, args.seed, args.checkpoint, args.resume)
    train_s = time.perf_counter() - began
    _, X_test = study_data()
    limits = {"tempering": args.max_tempering_steps or max(args.n_steps)}
    tables = [sampling_convergence(rbm, X_test, n_steps=[n for n in args.n_steps if n <= limits.get(sampler, n)],
                                   samplers=[sampler], n_samples=args.n_samples,
                                   sample_params=SAMPLERS[sampler], random_state=args.seed)
              for sampler in args.samplers]
    table = pd.concat(tables, ignore_index=True)
    print(table.to_string(), flush=True)
    if args.table:
        table.to_csv(args.table, index=False)
    if args.figure:
        axes = plot_sampling_convergence(table, title=f"RBM 500, {args.recipe}")
        axes[0].figure.savefig(args.figure, dpi=100, bbox_inches="tight")
    report({"recipe": args.recipe, "load": args.load, "seed": args.seed, "train_s_this_run": round(train_s),
            "n_samples": args.n_samples, "table": json.loads(table.round(2).to_json(orient="records"))}, args.out)


if __name__ == "__main__":
    main()
