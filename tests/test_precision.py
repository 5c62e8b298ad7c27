"""Mixed precision: the precision constraint, the autocast context, the refusal, the skorch nets' steps."""

import numpy as np
import pytest
import torch
from skorch import NeuralNet
from torch import nn

from skgen import _base
from skgen._base import PRECISION_CONSTRAINTS, check_precision, cpu_has_bfloat16, precision_context
from skgen._nets import PrecisionNeuralNet, SkorchEstimator

CPU = torch.device("cpu")


@pytest.fixture
def bfloat16_units(monkeypatch):
    """Pretend the CPU has (True) or lacks (False) bfloat16 units: no test depends on this machine's CPU."""
    def pretend(present):
        monkeypatch.setattr(_base, "cpu_has_bfloat16", lambda: present)
    return pretend


@pytest.mark.parametrize(("text", "expected"), [
    ("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 avx512_vnni\n", True),  # AMD Zen 4
    ("flags\t\t: fpu avx512f amx_bf16 amx_tile\n", True),  # Intel Sapphire Rapids
    ("Features\t: fp asimd bf16 i8mm\n", True),  # Arm
    ("flags\t\t: fpu sse2 avx2 avx512f avx512bw\n", False),
])
def test_bfloat16_units_are_read_from_the_cpu_flags(tmp_path, text, expected):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(text)
    assert cpu_has_bfloat16(cpuinfo) is expected


def test_without_cpuinfo_the_cpu_has_no_bfloat16_units(tmp_path):
    assert cpu_has_bfloat16(tmp_path / "missing") is False


def test_float32_leaves_products_in_float32(bfloat16_units):
    bfloat16_units(True)
    with precision_context(CPU, "float32"):
        assert (torch.ones(4, 8) @ torch.ones(8, 2)).dtype == torch.float32


def test_bfloat16_runs_products_in_bfloat16_and_reductions_in_float32(bfloat16_units):
    bfloat16_units(True)
    with precision_context(CPU, "bfloat16"):
        product = torch.ones(4, 8) @ torch.ones(8, 2)
        loss = nn.functional.binary_cross_entropy_with_logits(product, torch.ones(4, 2))
    assert product.dtype == torch.bfloat16
    assert loss.dtype == torch.float32


def test_bfloat16_without_units_is_refused_by_name(bfloat16_units):
    bfloat16_units(False)
    with pytest.raises(ValueError, match="precision='bfloat16'.*no bfloat16 units.*precision='float32'"):
        precision_context(CPU, "bfloat16")
    check_precision(CPU, "float32")


def test_an_unknown_precision_is_refused_by_name():
    with pytest.raises(ValueError, match="precision must be one of 'float32', 'bfloat16', got 'float16'"):
        check_precision(CPU, "float16")


class Regressor(SkorchEstimator):
    """The smallest skorch estimator: one linear layer, mean squared error."""

    _parameter_constraints = {**SkorchEstimator._parameter_constraints, **PRECISION_CONSTRAINTS}

    def __init__(self, precision="float32", lr=0.1, max_epochs=3, batch_size=16, optimizer=torch.optim.SGD,
                 lr_scheduler=None, device="cpu", random_state=0, verbose=0, callbacks=None):
        self.precision, self.lr, self.max_epochs, self.batch_size = precision, lr, max_epochs, batch_size
        self.optimizer, self.lr_scheduler, self.device = optimizer, lr_scheduler, device
        self.random_state, self.verbose, self.callbacks = random_state, verbose, callbacks

    def _net_params(self):
        return {"module": DtypeRecorder, "criterion": nn.MSELoss}

    def fit(self, X, y):
        self._validate_params()
        return self._fit_net(X, y)


class DtypeRecorder(nn.Module):
    """A linear layer that records the dtype of each product it computes."""

    def __init__(self):
        super().__init__()
        self.linear, self.dtypes = nn.Linear(8, 1), set()

    def forward(self, X):
        out = self.linear(X)
        self.dtypes.add(out.dtype)
        return out


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 8)).astype(np.float32)
    return X, (X @ rng.normal(size=(8, 1))).astype(np.float32)


def test_a_bfloat16_fit_computes_in_bfloat16_and_keeps_float32_weights(bfloat16_units, regression):
    bfloat16_units(True)
    X, y = regression
    before = Regressor(max_epochs=1).fit(X, y).net_.module_.linear.weight.detach().clone()
    est = Regressor(precision="bfloat16").fit(X, y)
    assert est.net_.precision == "bfloat16"
    assert est.net_.module_.dtypes == {torch.bfloat16}
    assert all(p.dtype == torch.float32 for p in est.net_.module_.parameters())
    assert all(p.grad.dtype == torch.float32 for p in est.net_.module_.parameters())
    assert not torch.equal(est.net_.module_.linear.weight, before)
    assert est.net_.history[-1, "train_loss"] < est.net_.history[0, "train_loss"]
    assert est.net_.predict(X).dtype == np.float32


def test_an_estimator_declaring_precision_refuses_an_unknown_one_by_name(regression):
    with pytest.raises(ValueError, match="Regressor: precision must be one of 'float32', 'bfloat16'"):
        Regressor(precision="float16").fit(*regression)


def test_a_float32_fit_never_computes_in_bfloat16(bfloat16_units, regression):
    bfloat16_units(True)
    est = Regressor().fit(*regression)
    assert est.net_.module_.dtypes == {torch.float32}


def test_a_bfloat16_fit_without_units_stops_before_training(bfloat16_units, regression):
    bfloat16_units(False)
    est = Regressor(precision="bfloat16")
    with pytest.raises(ValueError, match="no bfloat16 units"):
        est.fit(*regression)
    assert not hasattr(est, "net_")


def test_a_net_without_the_mixin_trains_only_in_float32(bfloat16_units, regression):
    bfloat16_units(True)

    class PlainRegressor(Regressor):
        _net_class = NeuralNet

    assert PlainRegressor().fit(*regression).net_.module_.dtypes == {torch.float32}
    with pytest.raises(ValueError, match="PlainRegressor trains only in float32"):
        PlainRegressor(precision="bfloat16").fit(*regression)


def test_the_net_keeps_its_precision_through_get_params():
    net = PrecisionNeuralNet(module=nn.Linear, module__in_features=2, module__out_features=1,
                             criterion=nn.MSELoss, precision="bfloat16")
    assert net.get_params()["precision"] == "bfloat16"
