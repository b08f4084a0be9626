"""Scheduled builds: the served deployment and the prefect.yaml deployments are well formed."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_served_deployment_carries_the_cron_schedule_and_parameters():
    from iqa_datagen.flows.deploy import build_deployment

    deployment = build_deployment(name="nightly", cron="15 4 * * 1-5",
                                  config_path="configs/demo.yaml", out="ds/{date}")
    schedule = deployment.schedules[0].schedule
    assert schedule.cron == "15 4 * * 1-5" and schedule.timezone == "UTC"
    assert deployment.parameters == {"out": "ds/{date}", "config_path": "configs/demo.yaml",
                                     "progress": False}
    assert deployment.entrypoint.endswith("flows/build.py:build_dataset")


@pytest.mark.parametrize("flags, named", [
    (["--cron", "x y"], "--cron 'x y'"),
    (["--timezone", "Mars/Base"], "--timezone 'Mars/Base'"),
    (["--config", "no-such-config.yaml"], "no-such-config.yaml"),
])
def test_serve_refuses_a_bad_schedule_or_config_in_one_line(flags, named, capsys):
    from iqa_datagen.cli import main

    assert main(["serve", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and named in err, err


def test_prefect_yaml_deployments_load_their_flow_and_validate_parameters(monkeypatch):
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.flows import load_flow_from_entrypoint

    from iqa_datagen.config import load_config

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    assert spec["deployments"]
    monkeypatch.chdir(ROOT)
    for dep in spec["deployments"]:
        flow = load_flow_from_entrypoint(dep["entrypoint"])
        assert flow.name == "build-dataset"
        flow.validate_parameters(dep["parameters"])
        load_config(ROOT / dep["parameters"]["config_path"])  # the config file is valid
        for sched in dep["schedules"]:
            CronSchedule(cron=sched["cron"], timezone=sched["timezone"])  # raises if invalid


@pytest.mark.parametrize("out, expected", [
    ("datasets/{date}", "datasets/2026-11-24"),
    ("runs/demo-{datetime}", "runs/demo-20261124T031500Z"),
    ("plain/folder", "plain/folder"),
])
def test_output_folders_are_dated_per_run(out, expected):
    from iqa_datagen.pipeline.output import expand_out

    assert expand_out(out, datetime(2026, 11, 24, 3, 15, tzinfo=timezone.utc)) == expected


def test_unknown_placeholder_in_output_is_a_clear_error():
    from iqa_datagen.config import ConfigError
    from iqa_datagen.pipeline.output import expand_out

    with pytest.raises(ConfigError, match="only {date} and {datetime}"):
        expand_out("ds/{month}")

