"""Commands that other packages add to ``dvkit``, found through entry points.

A package adds a command by declaring, in its ``pyproject.toml``::

    [project.entry-points."dvkit.commands"]
    demo = "olist_example.commands:demo"

The name (``demo``) is the command's name on the line; the value names a ``click.Command`` object.
The core never imports a plugin by name: it reads the installed distributions' entry points, so a
plugin is there once its distribution is installed (``pip install -e .`` again after a change).

A plugin that cannot be loaded is never skipped in silence: ``dvkit`` stops with a message naming
the plugin, its entry point and the error, and exit status 1.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

import click

from generator.cli.common import err

GROUP = "dvkit.commands"


class PluginError(click.ClickException):
    """A registered command plugin that cannot be imported, or is not a click command."""

    def show(self, file: object = None) -> None:  # noqa: ARG002 (click's signature)
        err.print(f"[bold red]error:[/] {self.message}", markup=True)
        err.print("  hint: reinstall dvkit with the plugin's extras (e.g. pip install -e '.[olist]'), "
                  "or uninstall the package that registers it", markup=False)


def registered() -> list[EntryPoint]:
    """The entry points of group ``dvkit.commands``, by name; one name registered twice is refused."""
    found = sorted(entry_points(group=GROUP), key=lambda point: (point.name, point.value))
    seen: dict[str, EntryPoint] = {}
    for point in found:
        if point.name in seen and seen[point.name].value != point.value:
            raise PluginError(f"two {GROUP} plugins are both named '{point.name}': "
                              f"{seen[point.name].value} and {point.value}")
        seen[point.name] = point
    return list(seen.values())


def load(point: EntryPoint) -> click.Command:
    """The command an entry point names; PluginError (naming it and why) when it cannot be had."""
    try:
        command = point.load()
    except Exception as exc:  # any import failure of a plugin is reported, with its cause
        raise PluginError(f"the dvkit command plugin '{point.name}' ({point.value}) cannot be loaded: "
                          f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(command, click.Command):
        raise PluginError(f"the dvkit command plugin '{point.name}' ({point.value}) is a "
                          f"{type(command).__name__}, not a click command")
    return command


class PluginGroup(click.Group):
    """A click group that also offers the commands registered under ``dvkit.commands``.

    Built-in commands win over a plugin of the same name (a plugin cannot replace ``build``).
    Plugins are loaded when listed or called, so a broken one fails the run that meets it, loudly.
    """

    def _plugins(self) -> dict[str, EntryPoint]:
        return {point.name: point for point in registered() if point.name not in self.commands}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self._plugins()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        point = self._plugins().get(cmd_name)
        return load(point) if point is not None else None
