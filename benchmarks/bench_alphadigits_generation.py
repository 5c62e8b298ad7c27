"""Binary AlphaDigits generation: are an RBM's (and a DBN's) samples recognisable characters?

Each model is fitted on the 117 images of three characters; a classifier trained on all
1,404 images of the 36 characters (``skgen.studies.alphadigits.fit_judge``) then labels
``--n-samples`` draws. A draw counts as recognised when the judge's most probable class is
one of the three characters, with probability at least 0.5. Bar: at least 90%.

    python benchmarks/bench_alphadigits_generation.py --characters A4X

Writes ``benchmarks/figures/rbm_alphadigits_samples.png`` (training images, RBM samples,
DBN samples) and prints the shares as JSON.
"""

import argparse
import json
import time
from pathlib import Path

import torch
from threadpoolctl import threadpool_limits

from skgen import DBN, RBM
from skgen.datasets import load_alphadigits
from skgen.datasets.alphadigits import IMAGE_SHAPE
from skgen.plotting import _pyplot, plot_image_grid
from skgen.studies.alphadigits import fit_judge, judge_samples

FIGURE = Path(__file__).parent / "figures" / "rbm_alphadigits_samples.png"
SETTINGS = {"max_epochs": 200, "lr": 0.1, "batch_size": 10, "optimizer__momentum": 0.5}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--characters", default="A4X")
    parser.add_argument("--n-samples", type=int, default=400)
    parser.add_argument("--n-steps", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        judge = fit_judge()
    X = load_alphadigits(args.characters, return_X_y=True)[0]
    models = {
        "RBM (100 hidden)": RBM(n_components=100, random_state=args.seed, **SETTINGS),
        "DBN (200, 100)": DBN(hidden_layer_sizes=(200, 100), random_state=args.seed, **SETTINGS),
    }
    results, samples = {}, {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X)
        fit_seconds = time.perf_counter() - start
        samples[name] = model.sample(args.n_samples, n_steps=args.n_steps, random_state=args.seed)
        recognised, covered = judge_samples(judge, samples[name], args.characters)
        results[name] = {"recognised": recognised, "characters_covered": covered, "fit_seconds": fit_seconds}
    print(json.dumps({"characters": args.characters, "n_samples": args.n_samples, "n_steps": args.n_steps,
                      **SETTINGS, "results": results}, indent=1))
    plt = _pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.5))
    plot_image_grid(X[:: max(1, len(X) // 30)][:30], IMAGE_SHAPE, 6, ax=axes[0], title="training images")
    for ax, (name, drawn) in zip(axes[1:], samples.items()):
        plot_image_grid(drawn[:30], IMAGE_SHAPE, 6, ax=ax,
                        title=f"{name}: {100 * results[name]['recognised']:.0f}% recognised")
    FIGURE.parent.mkdir(exist_ok=True)
    fig.savefig(FIGURE, dpi=80, bbox_inches="tight")


if __name__ == "__main__":
    main()
