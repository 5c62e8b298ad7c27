"""Mixed precision: the precision constraint, the autocast context, the refusal, the skorch nets' steps,
and the ``precision`` parameter of every public estimator."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from torch import nn

import skgen
from skgen._core import precision as precision_module
from skgen._core.precision import (
    PRECISION_CONSTRAINTS,
    autocast_product,
    bfloat16_supported,
    check_precision,
    cpu_has_bfloat16,
    precision_context,
)
from skgen.nets.template import PrecisionNeuralNet, SkorchEstimator

CPU = torch.device("cpu")


@pytest.fixture
def bfloat16_units(monkeypatch):
    """Pretend the CPU has (True) or lacks (False) bfloat16 units: no test depends on this machine's CPU."""
    def pretend(present):
        monkeypatch.setattr(precision_module, "cpu_has_bfloat16", lambda: present)
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


# -- the precision parameter of every public estimator ---------------------------------------------

#: small settings under which each estimator learns something from 8x8 digits in a few epochs
SMALL = {
    "RBM": dict(n_components=32, max_epochs=4, lr=0.05, random_state=0),
    "GaussianBernoulliRBM": dict(n_components=32, max_epochs=4, random_state=0),
    "DBN": dict(hidden_layer_sizes=(32, 16), max_epochs=3, fine_tune_epochs=1, random_state=0),
    "DBM": dict(hidden_layer_sizes=(32, 16), pretrain_epochs=2, max_epochs=4, lr=0.05, batch_size=20,
                random_state=0),
    "DNNClassifier": dict(hidden_layer_sizes=(32,), max_epochs=4, random_state=0),
    "BetaVAE": dict(latent_dim=4, hidden_layer_sizes=(32,), max_epochs=4, random_state=0),
    "GAN": dict(latent_dim=4, generator_hidden_layer_sizes=(32,), discriminator_hidden_layer_sizes=(32,),
                max_epochs=2, random_state=0),
}


def test_every_public_estimator_is_covered():
    assert set(SMALL) == set(skgen._ESTIMATORS)


def make(name, **params):
    return getattr(skgen, name)(**{**SMALL[name], **params})


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return (data.data > 7).astype(np.float32), data.data.astype(np.float32) / 16, data.target


def fit(est, digits):
    binary, scaled, y = digits
    if type(est).__name__ == "GaussianBernoulliRBM":
        return est.fit(scaled)
    return est.fit(binary, y) if type(est).__name__ == "DNNClassifier" else est.fit(binary)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_precision_is_a_parameter_that_clone_keeps(name):
    est = make(name)
    assert est.get_params()["precision"] == "float32"
    assert clone(est.set_params(precision="bfloat16")).get_params()["precision"] == "bfloat16"


@pytest.mark.parametrize("name", sorted(SMALL))
def test_an_unknown_precision_is_refused_by_name_in_fit(name, digits):
    with pytest.raises(ValueError, match=f"{name}: precision must be one of 'float32', 'bfloat16', got 'float16'"):
        fit(make(name, precision="float16"), digits)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_bfloat16_without_units_is_refused_before_any_work(name, digits, bfloat16_units):
    bfloat16_units(False)
    est = make(name, precision="bfloat16")
    with pytest.raises(ValueError, match="precision='bfloat16'.*no bfloat16 units"):
        fit(est, digits)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)


def needs_bfloat16_units():
    if not bfloat16_supported(CPU):
        pytest.skip("this CPU has no bfloat16 units: precision='bfloat16' is refused here")


def float32_arrays(est):
    """Every NumPy array of the fitted state (lists of them included)."""
    values = [v for name, v in vars(est).items() if name.endswith("_") and not name.startswith("_")]
    arrays = [v for v in values if isinstance(v, np.ndarray)]
    arrays += [a for v in values if isinstance(v, list) for a in v if isinstance(a, np.ndarray)]
    return [a for a in arrays if a.dtype.kind == "f"]


def falls(history, key):
    return history[-1][key] < history[0][key]


@pytest.mark.parametrize("name", ["RBM", "GaussianBernoulliRBM", "DBM"])
def test_an_energy_model_learns_in_bfloat16_with_float32_weights(name, digits):
    needs_bfloat16_units()
    est = fit(make(name, precision="bfloat16"), digits)
    assert falls(est.history_, "reconstruction_error")
    weights = float32_arrays(est)
    assert weights and all(a.dtype in (np.float32, np.float64) for a in weights)
    assert np.all(np.isfinite(est.score_samples(digits[1 if name == "GaussianBernoulliRBM" else 0][:20])))


def test_a_dbn_passes_bfloat16_to_its_layers_and_learns(digits):
    needs_bfloat16_units()
    dbn = fit(make("DBN", precision="bfloat16"), digits)
    assert [rbm.precision for rbm in dbn.rbms_] == ["bfloat16", "bfloat16"]
    assert all(falls(rbm.history_, "reconstruction_error") for rbm in dbn.rbms_)
    assert all(rbm.components_.dtype == np.float32 for rbm in dbn.rbms_)


def test_a_dnn_classifier_learns_in_bfloat16_and_pretrains_its_dbn_so(digits):
    needs_bfloat16_units()
    binary, _, y = digits
    clf = make("DNNClassifier", precision="bfloat16").fit(binary, y)
    assert clf.score(binary, y) > 0.5  # chance is 0.1
    assert all(p.dtype == torch.float32 for p in clf.net_.module_.parameters())
    assert clf.predict_proba(binary[:5]).dtype == np.float64
    pretrained = make("DNNClassifier", hidden_layer_sizes=None, precision="bfloat16",
                      dbn=skgen.DBN(hidden_layer_sizes=(32,), max_epochs=1, random_state=0)).fit(binary, y)
    assert pretrained.dbn_.precision == "bfloat16"


def test_a_vae_learns_in_bfloat16_with_float32_weights(digits):
    needs_bfloat16_units()
    vae = make("BetaVAE", precision="bfloat16").fit(digits[0])
    assert vae.net_.history[-1, "train_loss"] < vae.net_.history[0, "train_loss"]
    assert all(p.dtype == torch.float32 for p in vae.net_.module_.parameters())
    assert vae.transform(digits[0][:5]).dtype == np.float32


@pytest.mark.parametrize("loss", ["non_saturating", "hinge"])
def test_a_gan_trains_both_players_in_bfloat16_with_float32_weights(digits, loss):
    needs_bfloat16_units()
    before = make("GAN", loss=loss, max_epochs=1).fit(digits[0]).net_.module_.state_dict()
    gan = make("GAN", loss=loss, precision="bfloat16").fit(digits[0])
    after = gan.net_.module_.state_dict()
    assert all(p.dtype == torch.float32 for p in gan.net_.module_.parameters())
    assert any(not torch.equal(before[key], after[key]) for key in before if after[key].is_floating_point())
    assert np.isfinite(gan.net_.history[:, "generator_loss"]).all()
    assert gan.sample(3, random_state=0).dtype == np.float32


def test_a_bfloat16_energy_fit_computes_in_bfloat16(bfloat16_units, digits):
    """autocast skips ``out=`` products: the trainers' products must reach it, so the weights differ
    from float32's, if only a little (autocast runs on any CPU, slowly where it has no units)."""
    bfloat16_units(True)
    binary = digits[0][:200]
    float32 = make("RBM", max_epochs=2).fit(binary).components_
    bfloat16 = make("RBM", max_epochs=2, precision="bfloat16").fit(binary).components_
    assert not np.array_equal(float32, bfloat16)
    assert np.abs(float32 - bfloat16).max() < 0.1 * np.abs(float32).max()


def test_autocast_product_reaches_autocast_and_returns_float32(bfloat16_units):
    bfloat16_units(True)
    generator = torch.Generator().manual_seed(0)
    a, b, c = (torch.randn(*shape, generator=generator) for shape in ((16, 64), (64, 8), (8,)))
    out = torch.empty(16, 8)
    assert torch.equal(autocast_product(torch.addmm, c, a, b, out=out), torch.addmm(c, a, b))
    with precision_context(CPU, "bfloat16"):
        expected = torch.addmm(c, a, b).float()
        into, returned = autocast_product(torch.addmm, c, a, b, out=out), autocast_product(torch.mm, a, b)
    assert into is out and torch.equal(out, expected)
    assert returned.dtype == torch.float32
    assert not torch.equal(out, torch.addmm(c, a, b))
