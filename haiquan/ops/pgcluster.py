"""PostgreSQL clusters of our own on this machine: the scratch cluster a restore drill restores
into, and the primary and standby the failover drill and its fault test run.

A cluster here is a data directory and a port, run by PostgreSQL's own tools (`initdb`,
`pg_ctl`, `pg_basebackup`) from the server's package (`pg_config --bindir`, else Debian's
/usr/lib/postgresql/<version>/bin). PostgreSQL refuses to run as root: when we are root the tools
run as the `postgres` user, which then owns the directories. The clusters listen on 127.0.0.1
only, with their sockets in their own directory, and trust local connections: they are drills'
clusters, made and removed by the command that needs them.
"""

from __future__ import annotations

# PostgreSQL's own programs, run with arguments this module builds (no shell).
# ruff: noqa: S603
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

OWNER = "postgres"


class ClusterError(RuntimeError):
    """A PostgreSQL tool failed; the message carries its output."""


def bindir() -> Path:
    """The server's programs: pg_config's, else the newest Debian package's."""
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True)
        path = Path(out.stdout.strip())
        if (path / "initdb").exists():
            return path
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        raise ClusterError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    return versions[-1].parent


def as_owner() -> list[str]:
    """The prefix that runs a PostgreSQL program as a user it accepts."""
    return ["runuser", "-u", OWNER, "--"] if os.geteuid() == 0 else []


def owned_dir(prefix: str) -> Path:
    """A new temporary directory the cluster's programs may write to."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    give_to_owner(path)
    return path


def give_to_owner(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, OWNER, OWNER)
        for p in path.rglob("*"):
            shutil.chown(p, OWNER, OWNER)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def free_port(start: int) -> int:
    """The first port from `start` that nothing listens on."""
    for port in range(start, start + 100):
        if port_free(port):
            return port
    raise ClusterError(f"no free port in {start}..{start + 99}")


@dataclass
class Cluster:
    """One cluster: its data directory and its port."""

    datadir: Path
    port: int

    @property
    def log(self) -> Path:
        return self.datadir.parent / f"{self.datadir.name}.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, program: str, *args: str, timeout: float = 300) -> str:
        cmd = [*as_owner(), str(bindir() / program), *args]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/")
        if out.returncode != 0:
            raise ClusterError(f"{program} failed: {(out.stderr or out.stdout).strip()[-2000:]}")
        return out.stdout

    def initdb(self) -> None:
        self.run(
            "initdb", "-D", str(self.datadir), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync", "--no-instructions",
        )  # fmt: skip

    def configure(self, *, file: str = "postgresql.conf", **settings: str | int) -> None:
        """Settings appended to postgresql.conf (later lines win; postgresql.auto.conf, read
        last, wins over both). Always: this port, 127.0.0.1 only, sockets beside the data
        directory."""
        base: dict[str, str | int] = {
            "port": self.port,
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.datadir.parent),
        }
        lines = [f"{k} = '{v}'" for k, v in {**base, **settings}.items()]
        conf = self.datadir / file
        with conf.open("a", encoding="utf-8") as f:
            f.write("\n# haiquan drill\n" + "\n".join(lines) + "\n")

    def start(self, timeout: int = 120) -> None:
        self.run(
            "pg_ctl", "-D", str(self.datadir), "-l", str(self.log), "-w", "-t", str(timeout),
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """mode: fast (clean shutdown) or immediate (as a crash: no shutdown checkpoint)."""
        if self.running():
            self.run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return (self.datadir / "postmaster.pid").exists()

    def sql(self, statement: str, database: str = "postgres") -> str:
        """One statement through psql; its rows, unaligned."""
        out = subprocess.run(
            [str(bindir() / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA",
             "-d", self.url(database), "-c", statement],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if out.returncode != 0:
            raise ClusterError(f"psql on port {self.port}: {out.stderr.strip()}")
        return out.stdout.strip()

    def in_recovery(self) -> bool:
        return self.sql("SELECT pg_is_in_recovery()") == "t"

    def wait_until(self, what: str, check: object, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if callable(check) and check():
                    return
            except ClusterError:
                pass
            time.sleep(0.3)
        raise ClusterError(f"port {self.port}: {what} did not happen within {timeout:.0f} s")

    def tail_log(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def standby_of(primary: Cluster, datadir: Path, port: int, *, name: str = "standby") -> Cluster:
    """A streaming standby: a base backup of `primary` with its replication settings written
    (`pg_basebackup -R`), started. `name` is the application_name it connects with, which the
    primary's synchronous_standby_names may list."""
    standby = Cluster(datadir, port)
    standby.run(
        "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
        "-D", str(datadir), "-R", "-X", "stream", "-c", "fast", "--no-sync",
    )  # fmt: skip
    conninfo = f"host=127.0.0.1 port={primary.port} user=postgres application_name={name}"
    # After what pg_basebackup -R wrote to postgresql.auto.conf, so that these win.
    standby.configure(file="postgresql.auto.conf", primary_conninfo=conninfo, hot_standby="on")
    standby.start()
    return standby


def copy_database(source_url: str, target: Cluster, name: str) -> None:
    """A database copied from another server into `target` (schema, rows, triggers; owners
    and grants left out: a drill's cluster has only its superuser)."""
    target.sql(f'CREATE DATABASE "{name}"')
    dump = subprocess.Popen(
        [str(bindir() / "pg_dump"), "-Fc", "--no-owner", "--no-acl", "-d", source_url],
        stdout=subprocess.PIPE,
    )
    restore = subprocess.run(
        [str(bindir() / "pg_restore"), "--no-owner", "--no-acl", "-d", target.url(name)],
        stdin=dump.stdout,
        capture_output=True,
        text=True,
    )
    if dump.stdout is not None:
        dump.stdout.close()
    if dump.wait() != 0 or restore.returncode != 0:
        raise ClusterError(f"copying the database failed: {restore.stderr.strip()[-2000:]}")
