"""The shared torch plumbing: devices, seeding, routed optimizer parameters, batching."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone

from skgen._core.estimator import TorchEstimator
from skgen._core.optim import fused_update, resolve_optimizer
from skgen._core.tensors import minibatches, resolve_device, seeded_torch, to_tensor, torch_generator
from skgen._core.validation import check_unit_interval, fit_context, inside_validated_fit


class Toy(TorchEstimator):
    def __init__(self, lr=0.1, optimizer="sgd", **kwargs):
        self.lr = lr
        self.optimizer = optimizer
        self._set_routed_params(kwargs)


def test_routed_parameters_behave_like_parameters():
    toy = Toy(optimizer__momentum=0.9)
    assert toy.get_params()["optimizer__momentum"] == 0.9
    copy = clone(toy).set_params(optimizer__nesterov=True, lr=0.5)
    assert copy.get_params()["optimizer__momentum"] == 0.9 and copy.lr == 0.5
    optimizer = copy._make_optimizer([torch.nn.Parameter(torch.zeros(1))])
    assert isinstance(optimizer, torch.optim.SGD)
    assert optimizer.defaults["momentum"] == 0.9 and optimizer.defaults["nesterov"] and optimizer.defaults["lr"] == 0.5
    assert "optimizer__momentum=0.9" in repr(toy)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw"])
def test_an_optimizer_with_a_fused_update_runs_it_and_takes_the_same_step(optimizer):
    start = torch.randn(50, 40, generator=torch.Generator().manual_seed(0))
    gradient = torch.randn(50, 40, generator=torch.Generator().manual_seed(1))
    steps = {}
    for kind, routed in [("fused", {}), ("plain", {"optimizer__foreach": False})]:
        parameter = torch.nn.Parameter(start.clone())
        update = Toy(optimizer=optimizer, **routed)._make_optimizer([parameter])
        assert bool(update.defaults.get("fused")) == (kind == "fused")
        for _ in range(3):
            parameter.grad = gradient.clone()
            update.step()
        steps[kind] = parameter.detach() - start
    torch.testing.assert_close(steps["fused"], steps["plain"], rtol=1e-4, atol=1e-6)
    assert steps["fused"].abs().max() > 1e-3


def test_the_users_choice_of_implementation_stands_and_others_are_not_fused():
    assert fused_update(torch.optim.Adam, "cpu", {"foreach"}) == {}
    assert fused_update(torch.optim.Adam, "cpu", {"fused"}) == {}
    assert fused_update(torch.optim.RMSprop, "cpu", set()) == {}
    assert fused_update(torch.optim.Adam, "cpu", {"weight_decay"}) == {"fused": True}


def test_unknown_keyword_is_a_clear_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'momentum'"):
        Toy(momentum=0.9)


@pytest.mark.parametrize("name, cls", [("sgd", torch.optim.SGD), ("Adam", torch.optim.Adam),
                                       (torch.optim.RMSprop, torch.optim.RMSprop)])
def test_resolve_optimizer(name, cls):
    assert resolve_optimizer(name) is cls


@pytest.mark.parametrize("bad", ["lbfgs-ish", torch.nn.Linear, 3])
def test_resolve_optimizer_rejects(bad):
    with pytest.raises(ValueError, match="torch.optim"):
        resolve_optimizer(bad)


def test_resolve_device():
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="device"):
        resolve_device("tpu:x")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")


def test_seeding_is_reproducible_and_restores_global_state():
    a = torch.rand(3, generator=torch_generator(0))
    b = torch.rand(3, generator=torch_generator(0))
    assert torch.equal(a, b)
    before = torch.random.get_rng_state()
    with seeded_torch(1):
        first = torch.rand(3)
    with seeded_torch(1):
        second = torch.rand(3)
    assert torch.equal(first, second)
    assert torch.equal(before, torch.random.get_rng_state())


def test_minibatches_cover_every_row_once():
    batches = list(minibatches(10, 3, torch_generator(0)))
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    assert sorted(torch.cat(batches).tolist()) == list(range(10))


def test_unit_interval_and_sparse_tensors():
    X = sp.csr_matrix(np.array([[0, 1.0], [0.5, 0]]))
    check_unit_interval(X)
    np.testing.assert_array_equal(to_tensor(X).numpy(), X.toarray())
    reversed_rows = np.arange(6.0).reshape(3, 2)[::-1]
    np.testing.assert_array_equal(to_tensor(reversed_rows).numpy(), reversed_rows)
    with pytest.raises(ValueError, match=r"\[0, 1\].*\[-1, 2\]"):
        check_unit_interval(np.array([[-1.0, 2.0]]))


def test_read_only_arrays_become_tensors_without_a_warning():
    """joblib hands parallel fits read-only memmaps; torch warns on wrapping those."""
    X = np.arange(6, dtype=np.float32).reshape(3, 2)
    X.flags.writeable = False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tensor = to_tensor(X)
    tensor += 1  # the tensor owns its memory
    np.testing.assert_array_equal(X, np.arange(6).reshape(3, 2))


class Nested(TorchEstimator):
    """An estimator whose fit may fit another inside it, recording what each fit validated."""

    log = []

    def __init__(self, inner=None, prefer_skip=True):
        self.inner, self.prefer_skip = inner, prefer_skip

    def _validate_params(self):
        Nested.log.append(("params", id(self)))

    def fit(self):
        decorated = fit_context(prefer_skip_nested_validation=self.prefer_skip)(type(self)._fit)
        return decorated(self)

    def _fit(self):
        Nested.log.append(("data checked by the outer fit", id(self), inside_validated_fit()))
        if self.inner is not None:
            self.inner.fit()
        return self


@pytest.mark.parametrize("prefer_skip", [True, False])
def test_fit_context_validates_once_and_tells_inner_fits_their_data_were_checked(prefer_skip):
    innermost = Nested()
    inner = Nested(innermost)
    outer = Nested(inner, prefer_skip=prefer_skip)
    Nested.log = []
    outer.fit()
    params = [who for what, who, *_ in Nested.log if what == "params"]
    # the inner fit checks its own parameters only where the outer one did not configure it; the
    # innermost, configured by the inner fit, never does
    assert params == ([id(outer)] if prefer_skip else [id(outer), id(inner)])
    assert [checked for what, _, *checked in Nested.log if what != "params"] == [[False], [True], [True]]
