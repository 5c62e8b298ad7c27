"""benchmarks/gpu_check.py runs on the CPU in under 2 minutes and writes its JSON and Markdown."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_gpu_check_runs_quickly_on_the_cpu(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    out = tmp_path / "gpu_check"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--device", "cpu", "--quick",
                    "--out", str(out)], check=True, timeout=120, env=env, capture_output=True)
    result = json.loads(out.with_suffix(".json").read_text())
    assert {"device", "torch", "load_average", "cuda_tests", "models", "ratios", "seconds"} <= set(result)
    assert set(result["models"]) == {"RBM", "DNNClassifier", "BetaVAE", "GAN"}
    for model, rows in result["models"].items():
        assert "error" not in json.dumps(rows), (model, rows)
        assert rows["skgen float32"]["seconds"] > 0
    assert {"GEMMs float32", "scikit-learn float64 (CPU)"} <= set(result["models"]["RBM"])
    assert {"plain PyTorch float32"} <= set(result["models"]["GAN"])
    assert result["ratios"]["scikit-learn float64 / RBM skgen, float32"] > 0
    assert out.with_suffix(".md").read_text().startswith("### GPU check")
