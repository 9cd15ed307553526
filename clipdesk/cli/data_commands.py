"""Commands that keep the library's data safe: backup, restore, recover, move-data.

None of them needs the model. Each refuses to run while another clipdesk indexes the same
catalog (exit 5), since replacing or moving a catalog under a running indexer would lose work.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .common import EXIT_BUSY, EXIT_OK, EXIT_PATH, EXIT_USAGE, CliError

if TYPE_CHECKING:
    from ..catalog.backup import BackupInfo, CatalogSummary
    from ..catalog.recovery import CatalogState
    from ..engine.lock import IndexLock

EXIT_DAMAGED = 7


def add_data_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common], help="back the catalog up now (or --list the backups)")
    p.add_argument("--list", action="store_true", help="list the backups and what each holds")

    p = sub.add_parser("restore", parents=[common], help="put a backup in place of the catalog (latest by default)")
    p.add_argument("file", nargs="?", help="a backup file (default: the latest in <data>/backups)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation (scripts)")

    p = sub.add_parser("recover", parents=[common], help="replace a damaged catalog: from a backup, or salvage")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--from-backup", nargs="?", const="", metavar="FILE", help="restore a backup (default: latest)")
    how.add_argument("--salvage", action="store_true", help="keep what can still be read, filled in from a backup")

    p = sub.add_parser("move-data", parents=[common], help="move catalog, index and thumbnails to another folder")
    p.add_argument("dest", help="an empty or new folder, e.g. on another disk")


def _data_dir(args: argparse.Namespace) -> Path:
    from .. import config

    if getattr(args, "library", None) or config.settings().library:
        raise CliError(
            "this is for a library on this computer: a shared library lives on its server "
            "(back it up there, e.g. with pg_dump).",
            EXIT_USAGE,
        )
    return config.data_dir(args.data_dir)


def _hold_lock(data_dir: Path) -> IndexLock:
    from ..engine.lock import IndexLock

    lock = IndexLock(data_dir)
    if not lock.acquire():
        raise CliError(
            "another clipdesk is using this catalog (the app or `clipdesk index`): close it first.", EXIT_BUSY
        )
    return lock


def cmd_backup(args: argparse.Namespace) -> int:
    from ..catalog.backup import backup_folder, list_backups, make_backup
    from ..catalog.recovery import catalog_path

    data = _data_dir(args)
    if args.list:
        backups = list_backups(backup_folder(data))
        if not backups:
            print(f"No backups yet in {backup_folder(data)}.")
        for b in backups:
            print(f"{b.label}  {b.path}\n  {_describe(b.summary)}")
        return EXIT_OK
    if not catalog_path(data).exists():
        raise CliError(f"no catalog in {data} yet: nothing to back up.", EXIT_PATH)
    import sqlite3

    try:
        info = make_backup(catalog_path(data), backup_folder(data))
    except sqlite3.DatabaseError as exc:
        raise CliError(
            f"the catalog could not be backed up, it looks damaged ({exc}): run `clipdesk recover`.", EXIT_DAMAGED
        ) from exc
    print(f"Backed up to {info.path}\n  {_describe(info.summary)}")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from ..catalog import recovery
    from ..catalog.backup import backup_folder, list_backups, summarize_file

    data = _data_dir(args)
    chosen = Path(args.file).expanduser() if args.file else None
    if chosen is None:
        backups = list_backups(backup_folder(data))
        if not backups:
            raise CliError(f"no backups in {backup_folder(data)}: nothing to restore.", EXIT_PATH)
        chosen = backups[0].path
    elif not chosen.is_file():
        raise CliError(f"{chosen} is not a file.", EXIT_PATH)
    try:
        held = summarize_file(chosen)
    except Exception as exc:
        raise CliError(f"{chosen} is not a readable clipdesk backup ({exc}).", EXIT_PATH) from exc
    lost = recovery.losses(recovery.current_summary(data), held)
    print(f"Restoring {chosen}\n  it holds {_describe(held)}")
    print("  lost since it was taken: " + ("; ".join(lost) if lost else "nothing"))
    if not _confirm(args, "Restore this backup? The current catalog is kept aside, not deleted."):
        print("Nothing was changed.")
        return EXIT_OK
    lock = _hold_lock(data)
    try:
        result = recovery.restore(data, chosen)
    finally:
        lock.release()
    print(f"Restored. The previous catalog was kept as {result.moved_aside}.")
    print("Run `clipdesk index` to index photos added since the backup (the search index is rebuilt).")
    return EXIT_OK


def cmd_recover(args: argparse.Namespace) -> int:
    from ..catalog import recovery

    data = _data_dir(args)
    state = recovery.catalog_state(data, full=True)  # asked for: worth reading every page
    if args.from_backup is None and not args.salvage:
        if state.state == recovery.OK:
            print("The catalog is fine: nothing to recover.")
            return EXIT_OK
        print(state.message, file=sys.stderr)
        print(_choices(state), file=sys.stderr)
        return EXIT_DAMAGED
    if state.state == recovery.OK:
        print("The catalog is fine: nothing to recover (to go back to a backup, use `clipdesk restore`).")
        return EXIT_OK
    lock = _hold_lock(data)
    try:
        if args.salvage:
            result = recovery.recover(data, recovery.SALVAGE)
        else:
            backup = Path(args.from_backup).expanduser() if args.from_backup else None
            try:
                result = recovery.recover(data, recovery.FROM_BACKUP, backup)
            except FileNotFoundError as exc:
                raise CliError(f"{exc}: try `clipdesk recover --salvage`.", EXIT_PATH) from exc
    finally:
        lock.release()
    print(f"Recovered: {_describe(result.summary)}.")
    if result.salvage is not None:
        s = result.salvage
        print(
            f"  read from the damaged file ({s.method}): {sum(s.recovered.values())} rows; "
            f"filled in from the latest backup: {sum(s.from_backup.values())} rows"
        )
    if result.moved_aside is not None:
        print(f"  the damaged file was kept as {result.moved_aside}")
    print("Run `clipdesk index` to index whatever is missing (the search index is rebuilt).")
    return EXIT_OK


def cmd_move_data(args: argparse.Namespace) -> int:
    from .. import config
    from ..engine.datamove import MoveError, move_data

    uses_default = not args.data_dir and config.settings().data_dir is None
    source = _data_dir(args)
    try:
        result = move_data(source, Path(args.dest), uses_default)
    except MoveError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    if result.source == result.dest:
        print(f"The data folder is {result.dest}.")
        return EXIT_OK
    print(f"Moved clipdesk's data from {result.source} to {result.dest} ({result.bytes_copied / 1e6:.1f} MB).")
    if not result.pointer_written:
        print(f"From now on pass --data-dir {result.dest} (or set CLIPDESK_DATA_DIR); the old copy was kept.")
    return EXIT_OK


def damaged_hint(data_dir: Path) -> str:
    """The choices, for any command that met a damaged catalog."""
    from ..catalog import recovery

    try:
        return _choices(
            recovery.CatalogState(recovery.DAMAGED, recovery.catalog_path(data_dir), "", _backups(data_dir))
        )
    except Exception:
        return ""


def _backups(data_dir: Path) -> list[BackupInfo]:
    from ..catalog.backup import backup_folder, list_backups

    return list_backups(backup_folder(data_dir))


def _choices(state: CatalogState) -> str:
    lines = ["Choose one (the damaged file is moved aside, never deleted):"]
    if state.backups:
        b = state.backups[0]
        lines.append(f"  clipdesk recover --from-backup   restore the backup of {b.label} ({_describe(b.summary)})")
    else:
        lines.append("  (no backups yet)")
    lines.append("  clipdesk recover --salvage       keep what can still be read; missing photos are indexed again")
    return "\n".join(lines)


def _describe(summary: CatalogSummary) -> str:
    extra = {t: n for t, n in summary.user_rows.items() if t not in ("roots", "meta") and n}
    made = ", ".join(f"{n} {t}" for t, n in sorted(extra.items()))
    return f"{summary.indexed} indexed photos ({summary.photos} in all), {len(summary.roots)} folders" + (
        f", {made}" if made else ""
    )


def _confirm(args: argparse.Namespace, question: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise CliError("not confirmed: run it in a terminal, or add --yes.", EXIT_USAGE)
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
