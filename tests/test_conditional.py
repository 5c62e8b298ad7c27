"""Class-conditional generation: BetaVAE(conditional=True) and GAN(conditional=True) fit (X, y),
draw the classes they are asked for, and refuse bad labels as DBN(joint_labels=True) does."""

import joblib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skgen import DBN, GAN, BetaVAE

ASKED = np.repeat(np.arange(10), 30)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return (X > 8).astype(np.float32), y


@pytest.fixture(scope="module")
def judge(digits):
    return LogisticRegression(max_iter=2000).fit(*digits)


@pytest.fixture(scope="module")
def vae(digits):
    return BetaVAE(latent_dim=8, hidden_layer_sizes=(64,), max_epochs=40, conditional=True,
                   random_state=0).fit(*digits)


@pytest.fixture(scope="module")
def gan(digits):
    return GAN(latent_dim=8, generator_hidden_layer_sizes=(64,), discriminator_hidden_layer_sizes=(64,), lr=1e-3,
               max_epochs=20, conditional=True, loss="hinge", spectral_norm=True, ema_decay=0.9,
               random_state=0).fit(*digits)


@pytest.fixture(scope="module")
def dbn(digits):
    return DBN(hidden_layer_sizes=(32,), joint_labels=True, max_epochs=2, random_state=0).fit(*digits)


@pytest.fixture(params=["vae", "gan"])
def model(request):
    return request.getfixturevalue(request.param)


@pytest.fixture(params=["vae", "gan", "dbn"])
def any_conditional(request):
    return request.getfixturevalue(request.param)


def test_vae_draws_the_asked_digits(vae, judge):
    samples = vae.sample(y=ASKED, mean=True, random_state=0) > 0.5
    assert (judge.predict(samples) == ASKED).mean() > 0.9


def test_gan_draws_the_asked_digits(gan, judge):
    assert (judge.predict(gan.sample(y=ASKED, random_state=0)) == ASKED).mean() > 0.8


def test_one_label_is_repeated_and_no_label_draws_the_training_proportions(model, judge, digits):
    assert model.sample(50, y=7, random_state=0).shape == (50, 64)
    np.testing.assert_allclose(model.class_prior_, np.bincount(digits[1]) / len(digits[1]))
    drawn = judge.predict(model.sample(1000, random_state=0))
    assert len(np.unique(drawn)) == 10
    np.testing.assert_array_equal(model.sample(5, random_state=1), model.sample(5, random_state=1))


def test_labels_keep_their_type(digits):
    X, y = digits
    names = np.array(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"])[y]
    vae = BetaVAE(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=1, conditional=True, random_state=0).fit(X, names)
    assert vae.classes_.tolist() == sorted(set(names))
    assert vae.sample(3, y="seven").shape == (3, 64)


@pytest.mark.parametrize("y, message", [
    ([11, 12, 3, 4, 5], "not fitted on: \\[11, 12\\]"),
    (np.arange(3), "y has 3 labels but n_samples=5"),
])
def test_bad_labels_are_refused_alike_by_every_conditional_model(any_conditional, y, message):
    with pytest.raises(ValueError, match=message):
        any_conditional.sample(5, y=y)


@pytest.mark.parametrize("n_samples", [1, 5])
def test_no_labels_are_refused_alike_by_every_conditional_model(any_conditional, n_samples):
    """``sample(y=[])`` drew 0 rows from BetaVAE and GAN, and the DBN's error named n_samples and "RBM"."""
    with pytest.raises(ValueError, match="y holds no labels"):
        any_conditional.sample(n_samples, y=[])


@pytest.mark.parametrize("method", ["transform", "score_samples", "inverse_transform"])
def test_conditional_vae_refuses_labels_of_another_number_than_the_rows(vae, digits, method):
    """One row and three labels failed inside torch; the rows' classes are checked like fit's labels."""
    X, y = digits
    rows = vae.transform(X[:1], y[:1]) if method == "inverse_transform" else X[:1]
    with pytest.raises(ValueError, match="y has 3 labels for 1 rows of X"):
        getattr(vae, method)(rows, y[:3])
    assert getattr(vae, method)(np.repeat(rows, 3, axis=0), y[:3]).shape[0] == 3
    assert getattr(vae, method)(np.repeat(rows, 3, axis=0), y[0]).shape[0] == 3  # one label for every row


@pytest.mark.parametrize("Model", [BetaVAE, GAN])
def test_labels_are_needed_to_fit_and_refused_by_an_unconditional_model(Model, digits):
    X, y = digits
    with pytest.raises(ValueError, match="conditional=True\\) needs the labels"):
        Model(max_epochs=1, conditional=True).fit(X)
    with pytest.raises(ValueError, match="y has 10 labels for 1797 rows"):
        Model(max_epochs=1, conditional=True).fit(X, y[:10])
    unconditional = Model(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="fitted with conditional=True"):
        unconditional.sample(3, y=1)


def test_an_unconditional_vae_refuses_the_rows_classes(digits):
    X, y = digits
    vae = BetaVAE(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=1, random_state=0).fit(X)
    for method in (vae.transform, vae.score_samples):
        with pytest.raises(ValueError, match="BetaVAE fitted with conditional=True; this one was fitted without labels"):
            method(X[:3], y[:3])


def test_conditional_vae_scores_and_decodes_with_labels(vae, digits):
    X, y = digits
    right = vae.score(X[:100], y[:100])
    wrong = vae.score(X[:100], (y[:100] + 1) % 10)
    assert right > wrong
    with pytest.raises(ValueError, match="needs the class of each row"):
        vae.score_samples(X[:5])
    with pytest.raises(ValueError, match="needs the class of each row"):
        vae.transform(X[:5])
    codes = vae.transform(X[:5], y[:5])
    assert vae.inverse_transform(codes, y=y[:5]).shape == (5, 64)
    small = BetaVAE(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=1, conditional=True, random_state=0)
    np.testing.assert_allclose(small.fit_transform(X, y)[:5], small.transform(X[:5], y[:5]), rtol=1e-5)


def test_grid_search_and_pipeline_pass_y_to_a_conditional_model(digits):
    X, y = digits
    search = GridSearchCV(BetaVAE(latent_dim=4, hidden_layer_sizes=(32,), max_epochs=5, conditional=True,
                                  random_state=0), {"beta": [1.0, 4.0]}, cv=2).fit(X, y)
    assert search.best_params_ == {"beta": 1.0} and np.isfinite(search.best_score_)
    pipeline = Pipeline([("identity", FunctionTransformer()),
                         ("gan", GAN(latent_dim=4, generator_hidden_layer_sizes=(16,),
                                     discriminator_hidden_layer_sizes=(16,), max_epochs=1, conditional=True))])
    assert pipeline.fit(X, y)[-1].sample(y=[0, 1]).shape == (2, 64)


def test_a_saved_conditional_model_draws_the_same_samples(model, tmp_path):
    joblib.dump(model, tmp_path / "model.joblib")
    loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.sample(y=[3, 4], random_state=0), model.sample(y=[3, 4], random_state=0))
