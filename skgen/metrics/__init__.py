"""Metrics for generative models: FID, KID and precision/recall, as functions and scorers.

The Frechet Inception Distance (Heusel et al., 2017) compares Gaussians fitted to the
features that a fixed network gives real and generated images. The Inception network
cannot be used on MNIST here (its weights download at run time, and its features mean
little on digits), so skgen ships a small MNIST classifier of its own and takes its
penultimate layer: scores are comparable between skgen runs, not with published
Inception FIDs.

- On feature matrices: :func:`frechet_distance`, :func:`frechet_distance_from_statistics`,
  :func:`frechet_distance_interval` (bootstrap), :func:`kernel_distance` (KID),
  :func:`precision_recall`.
- On images: :func:`extract_features`, :func:`fid_score`, :func:`fid_confidence_interval`,
  :func:`kid_score`, :func:`precision_recall_score`.
- On a sampler: :func:`sampling_convergence`, the FID and class shares of chains from
  noise against the number of sweeps, which shows where they reach the model's equilibrium.
- On MNIST samples: :func:`predict_digits` and :func:`digit_shares`, the digit and the share of each digit as the shipped
  network classifies them.
- On labelled images: :class:`SampleJudge`, which says which class each generated
  sample is, counting only samples that lie as near to real images as real ones do.
- As scikit-learn scorers of any estimator with ``sample`` (or a Pipeline ending in one):
  :class:`FIDScorer`, :class:`KIDScorer`, :class:`PrecisionRecallScorer`.

An ``extractor`` is ``"mnist"`` (the shipped network), a ``torch.nn.Module``, a fitted
scikit-learn transformer, a callable, or None for the raw pixels.
"""

from skgen.metrics._convergence import sampling_convergence
from skgen.metrics._digits import digit_shares, predict_digits
from skgen.metrics._extractor import MNISTFeatureNet, load_mnist_extractor
from skgen.metrics._features import extract_features
from skgen.metrics._frechet import (
    ConfidenceInterval,
    feature_statistics,
    frechet_distance,
    frechet_distance_from_statistics,
    frechet_distance_interval,
)
from skgen.metrics._judge import Judgement, SampleJudge
from skgen.metrics._kid import kernel_distance
from skgen.metrics._precision_recall import precision_recall
from skgen.metrics._scorers import (
    FIDScorer,
    KIDScorer,
    PrecisionRecallScorer,
    sample_from,
)
from skgen.metrics._scores import (
    fid_confidence_interval,
    fid_score,
    kid_score,
    precision_recall_score,
)

__all__ = [
    "ConfidenceInterval",
    "FIDScorer",
    "Judgement",
    "SampleJudge",
    "digit_shares",
    "predict_digits",
    "KIDScorer",
    "MNISTFeatureNet",
    "PrecisionRecallScorer",
    "extract_features",
    "feature_statistics",
    "fid_confidence_interval",
    "fid_score",
    "frechet_distance",
    "frechet_distance_from_statistics",
    "frechet_distance_interval",
    "kernel_distance",
    "kid_score",
    "load_mnist_extractor",
    "precision_recall",
    "precision_recall_score",
    "sample_from",
    "sampling_convergence",
]
