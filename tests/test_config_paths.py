"""config.toml: relative paths resolve against the config file's folder, whatever the current directory."""

from __future__ import annotations

from bot.config import load_config
from bot.embedding import model_source


def test_relative_paths_in_config_resolve_against_its_folder(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    (project / "config.toml").write_text(
        '[corpus]\ndir = "data/articles"\n[index]\ndir = "../shared-index"\n[embedding]\nmodel = "models/tiny"\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config("../project/config.toml")
    assert config.corpus.dir == project / "data" / "articles"
    assert config.index.dir == tmp_path / "shared-index"
    assert config.base_dir == project
    (project / "models" / "tiny").mkdir(parents=True)
    assert model_source(config.embedding, config.base_dir) == str(project / "models" / "tiny")


def test_default_paths_resolve_against_the_config_folder_too(tmp_path, monkeypatch):
    (tmp_path / "config.toml").write_text("[chunking]\ntarget_chars = 500\n", encoding="utf-8")
    monkeypatch.chdir("/")
    config = load_config(tmp_path / "config.toml")
    assert config.corpus.dir == tmp_path / "corpus"
    assert config.index.dir == tmp_path / "index"


def test_answerability_settings_that_cannot_work_are_refused_by_name(tmp_path):
    """A calibration from an older release (one weight short) would silently ignore evidence: the
    admin is told which key to refit instead."""
    import pytest

    from bot.config import ConfigError

    (tmp_path / "config.toml").write_text("[answer]\ncalibration_en = [-14.0, 14.1, 35.2, 2.0, 0.0]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="calibration_en"):
        load_config(tmp_path / "config.toml")
    (tmp_path / "config.toml").write_text("[answer]\nanswer_probability = 0.1\nrelated_probability = 0.3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="related_probability"):
        load_config(tmp_path / "config.toml")


def test_the_shipped_calibration_has_one_weight_per_evidence_feature():
    from bot.judge import Evidence

    features = Evidence(1, (), 0.9, 0.1, 0.5, 0.5, 0.5, 0.9, 0.1).features()
    config = load_config()
    assert len(config.answer.calibration_vi) == len(config.answer.calibration_en) == len(features) + 1
