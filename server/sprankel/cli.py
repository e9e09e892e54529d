"""The `sprankel` command: serve, export, admin."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .config import ConfigError, Settings, env_names, validate


def _serve_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "serve",
        help="run the Sprankel server",
        description="Run the Sprankel server. Every option can also be set in the environment "
        "(shown in brackets); a flag wins over the environment.",
    )
    defaults = Settings()
    for f in dataclasses.fields(Settings):
        flag = "--" + f.name.replace("_", "-")
        default = getattr(defaults, f.name)
        envs = ", ".join(env_names(f))
        help_text = f"{f.metadata['help']} [{envs}] (default: {default})"
        if f.type in (bool, "bool"):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None,
                                help=help_text)
            continue
        kind = {"int": int, "float": float, "Path": Path}.get(str(f.type), str)
        parser.add_argument(flag, type=kind, default=None, metavar=f.name.upper(),
                            help=help_text)


def _export_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "export",
        help="export a session's results without a running server",
        description="Write a session's summary from the data folder (or the Redis or "
                    "PostgreSQL store).",
    )
    parser.add_argument("session_id", help="the session's id")
    parser.add_argument("--format", choices=["md", "json", "csv", "zip"], default="md",
                        help="md, json, csv, or zip: the archive package with MDTO metadata")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="file to write (default: standard output)")
    parser.add_argument("--data-dir", type=Path, default=None, help="the server's data folder")
    parser.add_argument("--store", default=None,
                        help="sqlite, redis or postgres (with DATABASE_URL)")
    parser.add_argument("--archive-creator", default=None, metavar="ORGANISATION",
                        help="the zip's MDTO archiefvormer (as sprankel serve --archive-creator)")
    parser.add_argument("--timezone", default=None, metavar="ZONE",
                        help="time zone of the times in the summary, e.g. Europe/Amsterdam "
                             "(default: UTC)")


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="sprankel", description=__doc__)
    main_parser.add_argument("--version", action="version", version=f"sprankel {__version__}")
    sub = main_parser.add_subparsers(dest="command", required=True)
    _serve_parser(sub)
    _export_parser(sub)
    from .admin.command import add_parser

    add_parser(sub)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "serve":
        overrides = {f.name: getattr(args, f.name) for f in dataclasses.fields(Settings)}
        try:
            settings = Settings.from_env(**overrides)
            validate(settings)
        except (ConfigError, ValueError) as error:
            print(f"sprankel: {error}", file=sys.stderr)
            return 2
        from .datadir import DataDirError, prepare

        try:
            if settings.store == "sqlite" or not settings.secret_key:
                prepare(settings.data_dir)
        except DataDirError as error:
            print(f"sprankel: {error}", file=sys.stderr)
            return 1
        # One process, or a supervisor of worker processes; neither module imports the other.
        from .server import configure_logging, serve
        from .transport import raise_open_files_limit

        configure_logging(settings)
        raise_open_files_limit()  # before workers start: they inherit it
        if settings.workers > 1:
            from .supervisor import run_workers

            run_workers(settings)
        else:
            serve(settings)
        return 0
    if args.command == "export":
        try:
            settings = Settings.from_env(data_dir=args.data_dir, store=args.store,
                                         archive_creator=args.archive_creator)
        except ValueError as error:
            print(f"sprankel: {error}", file=sys.stderr)
            return 2
        from .export.command import run_export

        return run_export(settings, args.session_id, args.format, args.output, args.timezone)
    if args.command == "admin":
        try:
            settings = Settings.from_env(data_dir=args.data_dir, store=args.store)
        except ValueError as error:
            print(f"sprankel: {error}", file=sys.stderr)
            return 2
        from .admin.command import run

        return run(settings, args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
