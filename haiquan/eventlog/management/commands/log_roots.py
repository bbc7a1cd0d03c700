"""`haiquan log-roots`: the daily roots of the event log and the access trail.

haiquan log-roots close [--day YYYY-MM-DD]   # close a day (default yesterday); the scheduler does it
haiquan log-roots keygen --key root.key --public-key root.pub   # once: the signing key
haiquan log-roots export [--since YYYY-MM-DD] [--key root.key] > roots.jsonl   # signed to send
haiquan log-roots print [--since YYYY-MM-DD] [--key root.key]   # the same, to print on paper
haiquan log-roots verify roots.jsonl --public-key root.pub      # a copy against this log
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from haiquan.eventlog.chain import CHAINS, RootNotReady, log_root_close
from haiquan.eventlog.models import LogRoot
from haiquan.eventlog.signing import (
    exported_root_check,
    key_generate,
    private_key_load,
    public_key_load,
    root_sign,
)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("%(value)s is not a date (YYYY-MM-DD).") % {"value": value}) from exc


def _load(loader: Any, path: str | None) -> Any:
    if not path:
        return None
    try:
        return loader(Path(path))
    except (OSError, ValueError) as exc:
        raise CommandError(
            _("Cannot read the key %(file)s: %(error)s") % {"file": path, "error": exc}
        ) from exc


class Command(BaseCommand):
    help = (
        "Close a day's roots of the event log and the access trail; export or print them, "
        "signed with the administration's Ed25519 key, to send to a partner; verify a copy "
        "(its signature, and that this log still hashes to it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["close", "keygen", "export", "print", "verify"])
        parser.add_argument("file", nargs="?", help="verify: the exported roots (JSON lines)")
        parser.add_argument("--day", help="the day to close (default: yesterday)")
        parser.add_argument("--since", help="export or print the roots from this day on")
        parser.add_argument("--key", help="the Ed25519 private key (PEM) that signs")
        parser.add_argument("--public-key", help="the Ed25519 public key (PEM) that verifies")

    def handle(self, *args: Any, **o: Any) -> None:
        action = o["action"]
        if action == "close":
            self._close(o)
        elif action == "keygen":
            self._keygen(o)
        elif action == "verify":
            self._verify(o)
        else:
            self._export(o, printed=action == "print")

    def _close(self, o: dict[str, Any]) -> None:
        day = _day(o["day"]) if o["day"] else timezone.localdate() - timedelta(days=1)
        for chain in CHAINS.values():
            try:
                root = log_root_close(chain, day=day)
            except RootNotReady as exc:
                raise CommandError(
                    _("Transactions begun before the cut are still open; try again later.")
                ) from exc
            except ValueError as exc:
                raise CommandError(
                    _("A later day than %(day)s is already closed.") % {"day": day}
                ) from exc
            self.stdout.write(json.dumps(root.as_export()))

    def _keygen(self, o: dict[str, Any]) -> None:
        if not o["key"] or not o["public_key"]:
            raise CommandError(_("Give --key and --public-key: where to write the two keys."))
        try:
            fingerprint = key_generate(Path(o["key"]), Path(o["public_key"]))
        except FileExistsError as exc:
            raise CommandError(
                _("%(file)s exists: a signing key is never overwritten.") % {"file": o["key"]}
            ) from exc
        self.stdout.write(_("Signing key %(key)s written.") % {"key": fingerprint})

    def _export(self, o: dict[str, Any], *, printed: bool) -> None:
        key = _load(private_key_load, o["key"])
        roots = LogRoot.objects.all()
        if o["since"]:
            roots = roots.filter(day__gte=_day(o["since"]))
        for root in roots.order_by("day", "log"):
            out = root.as_export()
            if key is not None:
                out = root_sign(out, key)
            if not printed:
                self.stdout.write(json.dumps(out))
                continue
            self.stdout.write(f"{out['day']}  {out['log']}  #{out['after_id']}-#{out['up_to_id']}")
            self.stdout.write(f"  {_('rows')}: {out['rows']}  {_('root')}: {out['root']}")
            if "signature" in out:
                self.stdout.write(f"  {_('key')}: {out['key']}  {_('signature')}:")
                self.stdout.write(f"  {out['signature']}")

    def _verify(self, o: dict[str, Any]) -> None:
        public = _load(public_key_load, o["public_key"])
        if not o["file"] or public is None:
            raise CommandError(_("Give the exported roots and --public-key."))
        try:
            text = Path(o["file"]).read_text(encoding="utf-8")
            roots = [json.loads(line) for line in text.splitlines() if line.strip()]
        except (OSError, ValueError) as exc:
            raise CommandError(
                _("Cannot read the roots file %(file)s: %(error)s")
                % {"file": o["file"], "error": exc}
            ) from exc
        words = {
            "signature": _("not signed by this key, or changed since it was signed"),
            "log": _("no such log"),
            "stored": _("this database keeps another root for that day, or none"),
            "rows": _("the log's rows no longer hash to it (rewritten since)"),
        }
        broken = 0
        for root in roots:
            problems = exported_root_check(root, public)
            what = f"{root.get('day')} {root.get('log')}"
            if problems:
                broken += 1
                self.stdout.write(f"{what}: " + "; ".join(words[p] for p in problems))
            else:
                self.stdout.write(f"{what}: " + _("verifies"))
        if broken:
            raise CommandError(
                _("%(n)d of %(total)d roots do not verify.") % {"n": broken, "total": len(roots)}
            )
