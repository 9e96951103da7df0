"""The ``dvkit`` command line: parses arguments, calls the library, prints.

One module per group of commands; ``generator.cli.common`` holds what they share. The library
never imports this package: it sits on top. Other packages add commands through entry points of
group ``dvkit.commands`` (``generator.cli.plugins``): the Olist example's synth, report and demo.
"""

from __future__ import annotations

from pathlib import Path

import click

from generator.cli import (
    audit,
    building,
    database,
    diagram,
    docs,
    erase,
    lineage,
    loading,
    project,
    quarantine,
    retention,
    roles,
    scaffolding,
    spark,
    trace,
)
from generator.cli.plugins import PluginGroup

__all__ = ["main"]


@click.group(cls=PluginGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project folder (default: the nearest folder with vault_spec/).")
@click.version_option(package_name="dvkit")
@click.pass_context
def main(ctx: click.Context, project: Path | None) -> None:
    """dvkit: Data Vault 2.0 from a YAML spec, built with dbt and AutomateDV on PostgreSQL."""
    ctx.ensure_object(dict)
    ctx.obj["project_arg"] = project


COMMANDS: tuple[click.Command, ...] = (
    scaffolding.init_command, scaffolding.scaffold_command, project.validate, project.generate, database.db,
    loading.load,
    quarantine.quarantine_command, building.build, building.rebuild, building.plan_command, trace.trace_command,
    lineage.lineage_command, diagram.diagram_command, docs.docs_command, erase.erase, audit.audit_command,
    retention.retention_command, spark.spark)
for _command in COMMANDS:
    main.add_command(_command)
database.db.add_command(roles.grant_reviewer)
