"""Scheduled builds: the ``build_dataset`` flow as a Prefect deployment with a cron schedule.

Two ways, both standard Prefect:

- ``iqa-datagen serve --config build.yaml --out 'datasets/{date}' --cron '0 3 * * *'`` (or
  ``python -m flows.deploy ...``) serves the deployment from this process: it registers it with
  the Prefect server in ``PREFECT_API_URL`` and runs each scheduled build here;
- ``prefect deploy`` with the repository's ``prefect.yaml`` registers it for a work pool, whose
  workers run the builds.

``{date}`` / ``{datetime}`` in ``out`` are filled in when each run starts (UTC), so each
scheduled run writes a new dataset folder instead of resuming yesterday's.
"""

from __future__ import annotations

import argparse
from typing import Optional

from iqa_datagen.flows.build import build_dataset

from iqa_datagen.cli.serve import DEFAULT_CRON


def build_deployment(name: str = "scheduled-build", cron: str = DEFAULT_CRON,
                     config_path: Optional[str] = None, out: str = "datasets/{date}",
                     timezone: str = "UTC"):
    """A RunnerDeployment of ``build_dataset`` on ``cron`` with its parameters filled in."""
    from prefect.schedules import Cron

    parameters = {"out": out, "config_path": config_path, "progress": False}
    return build_dataset.to_deployment(
        name=name, schedule=Cron(cron, timezone=timezone),
        parameters={k: v for k, v in parameters.items() if v is not None},
        tags=["iqa-datagen"], description="Scheduled iqa-datagen dataset build")


def serve_from_args(args: argparse.Namespace) -> int:
    from prefect import serve

    serve(checked_deployment(args))
    return 0


def checked_deployment(args: argparse.Namespace):
    """The deployment of ``args``, refusing now, in one line, what would otherwise fail at the
    first scheduled run or as a traceback: a config that is not valid, a cron string or time
    zone that is not one."""
    import zoneinfo

    from iqa_datagen.config import ConfigError, load_config

    if args.config is not None:
        load_config(args.config)
    try:
        zoneinfo.ZoneInfo(args.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"--timezone {args.timezone!r}: not a time zone name "
                          f"(e.g. UTC, Europe/Paris)") from None
    try:
        return build_deployment(args.name, args.cron, args.config, args.out, args.timezone)
    except ValueError as exc:
        raise ConfigError(f"--cron {args.cron!r}: {str(exc).splitlines()[0]} (five fields: "
                          f"minute hour day-of-month month day-of-week)") from None


def main(argv: Optional[list[str]] = None) -> int:
    from iqa_datagen.cli.serve import add_arguments

    parser = argparse.ArgumentParser(description="Serve the scheduled build deployment")
    add_arguments(parser)
    return serve_from_args(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
