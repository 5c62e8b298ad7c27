"""Binary AlphaDigits generation: are an RBM's and a DBN's samples recognisable characters, and all of them?

Each model is fitted on the images of ``--characters`` (39 per character) with one
training recipe; :class:`skgen.metrics.SampleJudge`, fitted on all 1,404 images of the 36
characters, then judges ``--n-samples`` draws: a draw is recognised when the judge's
classifier calls it one of the trained characters with probability at least 0.5 *and* it
lies as near to a real image of that character as real images do to each other (so a
blob cannot pass). Reported: the share recognised, the characters covered (at least 1% of
the draws), and the Frechet distance to the real characters in the judge's features.

    python benchmarks/bench_alphadigits_generation.py --characters A4X
    python benchmarks/bench_alphadigits_generation.py --characters all --recipe pcd --hidden 200

Writes a figure (training images, RBM samples, DBN samples) and prints the results as JSON.
"""

import argparse
import json
import time
from pathlib import Path

import torch

from skgen import DBN, RBM
from skgen.datasets import load_alphadigits
from skgen.datasets.alphadigits import IMAGE_SHAPE
from skgen.plotting import _pyplot, plot_image_grid
from skgen.studies.alphadigits import CHARACTER_ORDER, fit_judge

FIGURE = Path(__file__).parent / "figures" / "rbm_alphadigits_samples.png"
LINEAR_DECAY = {"lr_scheduler": torch.optim.lr_scheduler.LinearLR, "lr_scheduler__start_factor": 1.0,
                "lr_scheduler__end_factor": 0.0}
RECIPES = {
    "cd": {"lr": 0.1, "batch_size": 10, "optimizer__momentum": 0.5},
    "study-cd": {"lr": 0.05, "batch_size": 20, "optimizer__momentum": 0.5},
    "pcd": {"lr": 0.05, "batch_size": 20, "persistent": True, "n_chains": 500, "optimizer__momentum": 0.5,
            **LINEAR_DECAY},
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", default="A4X", help="the characters to learn, or 'all'")
    parser.add_argument("--recipe", choices=sorted(RECIPES), default="cd")
    parser.add_argument("--hidden", type=int, default=100, help="hidden units of the RBM and of each DBN layer")
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--n-samples", type=int, default=400)
    parser.add_argument("--n-steps", type=int, default=1000)
    parser.add_argument("--sampler", choices=["gibbs", "tempering"], default="gibbs")
    parser.add_argument("--start", choices=["noise", "chains"], default="noise",
                        help="where the sampling chains start (chains: the persistent ones, PCD only)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", default=str(FIGURE))
    args = parser.parse_args()
    torch.set_num_threads(1)
    characters = CHARACTER_ORDER if args.characters == "all" else args.characters
    judge = fit_judge()
    X = load_alphadigits(characters, return_X_y=True)[0]
    settings = {"max_epochs": args.epochs, **RECIPES[args.recipe]}
    if "lr_scheduler" in settings:
        settings["lr_scheduler__total_iters"] = args.epochs
    models = {
        f"RBM ({args.hidden} hidden)": RBM(n_components=args.hidden, random_state=args.seed, **settings),
        f"DBN ({args.hidden}, {args.hidden})": DBN(hidden_layer_sizes=(args.hidden,) * 2, random_state=args.seed,
                                                   **settings),
    }
    results, samples = {}, {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X)
        fit_seconds = time.perf_counter() - start
        samples[name] = model.sample(args.n_samples, start=args.start, n_steps=args.n_steps, sampler=args.sampler,
                                     random_state=args.seed)
        judgement = judge.judge(samples[name], characters)
        results[name] = {"recognised": judgement.recognised, "balanced": judgement.balanced,
                         "characters_covered": judgement.covered,
                         "judge_fd": judgement.frechet_distance, "fit_seconds": fit_seconds}
        print(json.dumps({name: results[name]}), flush=True)
    print(json.dumps({"characters": characters, "recipe": args.recipe, "n_samples": args.n_samples,
                      "n_steps": args.n_steps, "sampler": args.sampler, "start": args.start, "epochs": args.epochs,
                      "results": results}, indent=1))
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.5))
    plot_image_grid(X[:: max(1, len(X) // 30)][:30], IMAGE_SHAPE, 6, ax=axes[0], title="training images")
    for ax, (name, drawn) in zip(axes[1:], samples.items()):
        plot_image_grid(drawn[:30], IMAGE_SHAPE, 6, ax=ax,
                        title=f"{name}: {100 * results[name]['recognised']:.0f}% recognised")
    Path(args.figure).parent.mkdir(exist_ok=True)
    fig.savefig(args.figure, dpi=80, bbox_inches="tight")


if __name__ == "__main__":
    main()
