import json

import pytest

from vaelab.config import from_dict, load_file, to_dict
from vaelab.data.config import DataConfig
from vaelab.errors import ConfigError
from vaelab.models.config import ModelConfig
from vaelab.objectives.config import ObjectiveConfig
from vaelab.training.config import RunConfig, TrainConfig


def test_run_config_round_trips_through_json():
    cfg = RunConfig(
        data=DataConfig(input_mode="dynamic", val_size=100),
        model=ModelConfig(kind="vae", arch="conv", hidden=(256, 128), channels=(16, 32), latent_dim=7),
        objective=ObjectiveConfig(beta=4.0, kl_schedule="cyclical", cycles=3),
        train=TrainConfig(epochs=3, lr=3e-4, seed=5),
    )
    again = from_dict(RunConfig, json.loads(json.dumps(to_dict(cfg))))
    assert again == cfg
    assert isinstance(again.model.hidden, tuple)


def test_unknown_key_suggests_the_close_one():
    with pytest.raises(ConfigError, match="did you mean 'latent_dim'"):
        from_dict(RunConfig, {"model": {"latent_dims": 3}})
    with pytest.raises(ConfigError, match="unknown config key 'modle'"):
        from_dict(RunConfig, {"modle": {}})


@pytest.mark.parametrize(
    "section, key, value, message",
    [
        ("model", "latent_dim", 0, "model.latent_dim must be >= 1"),
        ("objective", "beta", -1.0, "objective.beta must be >= 0"),
        ("objective", "noise", 1.5, "objective.noise must be <= 1"),
        ("model", "kind", "gan", "model.kind must be one of ae, vae"),
        ("train", "lr", float("nan"), "train.lr must be a finite number"),
        ("train", "epochs", 2.5, "train.epochs must be a whole number"),
        ("model", "hidden", 400, "model.hidden must be a list"),
        ("model", "learn_sigma", "yes", "must be true or false"),
    ],
)
def test_invalid_values_name_the_field(section, key, value, message):
    with pytest.raises(ConfigError, match=message):
        from_dict(RunConfig, {section: {key: value}})


def test_cross_section_rules():
    with pytest.raises(ConfigError, match="sparsity_kl needs codes in"):
        RunConfig(model=ModelConfig(kind="ae"), objective=ObjectiveConfig(sparsity_kl=0.1))
    with pytest.raises(ConfigError, match="beta does not apply to objective reconstruction"):
        RunConfig(model=ModelConfig(kind="ae"), objective=ObjectiveConfig(beta=4.0))
    with pytest.raises(ConfigError, match="elbo trains model vae, not ae"):
        RunConfig(model=ModelConfig(kind="ae"), objective=ObjectiveConfig(objective="elbo"))
    with pytest.raises(ConfigError, match="free_bits does not apply to objective iwae"):
        RunConfig(objective=ObjectiveConfig(objective="iwae", free_bits=0.5))
    with pytest.raises(ConfigError, match="capacity_max does not apply to objective tcvae"):
        RunConfig(objective=ObjectiveConfig(objective="tcvae", capacity_max=5.0))


def test_load_file_reads_yaml_and_json_and_rejects_garbage(tmp_path):
    (tmp_path / "a.yaml").write_text("model:\n  latent_dim: 3\n")
    (tmp_path / "b.json").write_text('{"train": {"epochs": 2}}')
    (tmp_path / "c.json").write_text("{not json")
    assert load_file(tmp_path / "a.yaml") == {"model": {"latent_dim": 3}}
    assert from_dict(RunConfig, load_file(tmp_path / "b.json")).train.epochs == 2
    with pytest.raises(ConfigError, match="is not valid json"):
        load_file(tmp_path / "c.json")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_file(tmp_path / "missing.json")
