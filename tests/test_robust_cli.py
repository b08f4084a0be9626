"""The command line as a new user meets it: ``build --help`` and ``--write-config`` document
every config field from the config model itself."""

from __future__ import annotations

import pytest


def test_build_help_describes_every_field_and_write_config_comments_them(tmp_path, capsys):
    from iqa_datagen.cli import main
    from iqa_datagen.cli.build import _scalar_fields
    from iqa_datagen.config import BuildConfig, load_config

    with pytest.raises(SystemExit):
        main(["build", "--help"])
    text = capsys.readouterr().out
    for bad in ("<class", "PydanticUndefined", "Optional[", "typing.", "NoneType"):
        assert bad not in text, bad
    for dotted, info in _scalar_fields(BuildConfig):
        assert info.description, dotted
        assert f"--{dotted}" in text
    assert "--tasks.rating_source {library,assistant}" in text
    assert "--references.short_side INT" in text and "(default: 224)" in text

    out = tmp_path / "c.yaml"
    assert main(["build", "--write-config", str(out), "--tasks.identification", "6"]) == 0
    written = out.read_text()
    assert "# resize references so the short side is at most this (px)" in written
    assert "# Where reference images come from" in written
    config = load_config(str(out))
    assert config.tasks.identification == 6
    assert config == load_config(None, {"tasks.identification": 6})
