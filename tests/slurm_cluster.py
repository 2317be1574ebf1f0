"""A real one-node SLURM cluster on this machine, for tests/test_slurm.py and CI.

As a module: ``with slurm_cluster.running() as cluster: ...`` brings the cluster up (installing Debian's
``slurmctld slurmd slurm-client munge`` with apt-get if they are missing), waits until ``sinfo`` shows the
node idle, and afterwards cancels any job left and stops the daemons it started, by PID. From a shell:

    python tests/slurm_cluster.py up       # bring it up and leave it running
    python tests/slurm_cluster.py status
    python tests/slurm_cluster.py down     # stop the daemons that `up` started (PIDs in its state file)

The node is this machine (short hostname, address 127.0.0.1) with all its CPUs, its memory and one fake
GPU (``Gres=gpu:1`` backed by /dev/null), in a partition ``gpu``: enough for ``sbatch --gpus=1``. There
is no accounting database (slurmdbd), so ``sacct`` knows nothing; slurmctld keeps finished jobs for
``MinJobAge`` seconds, which is what ``squeue`` and ``scontrol show job`` answer from.

Needs root: it installs packages and writes /etc/slurm (the SLURM executor plugin's job steps drop
``SLURM_CONF``, so the configuration must sit at the default path). A configuration there that this
module did not write is never overwritten. Its own state (spool directories, logs, the PIDs it started)
lives under /var/lib/rnn-replication-slurm.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"]
PROGRAMS = ["slurmctld", "slurmd", "sinfo", "sbatch", "squeue", "scontrol", "munged", "munge"]
PARTITION = "gpu"
MIN_JOB_AGE = 300  # s slurmctld remembers a finished job; >= 3 x the plugin's first status-check delay

CONF_DIR = Path("/etc/slurm")
MUNGE_KEY = Path("/etc/munge/munge.key")
MUNGE_DIRS = [Path("/run/munge"), Path("/var/lib/munge"), Path("/var/log/munge")]
STATE_DIR = Path("/var/lib/rnn-replication-slurm")
STATE_FILE = STATE_DIR / "daemons.json"
MARKER = "# Written by tests/slurm_cluster.py (rnn-replication): a one-node test cluster."


@dataclass
class Daemon:
    """A daemon this module started: its PID and its start time (to tell it from a later process that
    reuses the PID)."""

    name: str
    pid: int
    start_ticks: int

    def alive(self) -> bool:
        return _start_ticks(self.pid) == self.start_ticks


@dataclass
class Cluster:
    node: str
    partition: str
    started: list[Daemon] = field(default_factory=list)
    bring_up_seconds: float = 0.0


def unavailable_reason() -> str | None:
    """Why this machine cannot run the cluster (for a test skip), or None if it can."""
    if sys.platform != "linux":
        return "a SLURM test cluster needs Linux"
    if os.geteuid() != 0:
        return "a SLURM test cluster needs root (it installs packages, writes /etc/slurm, starts daemons)"
    if _missing_programs() and not shutil.which("apt-get"):
        return f"SLURM is not installed and there is no apt-get to install {' '.join(PACKAGES)}"
    return None


def install() -> None:
    """apt-get install the SLURM and MUNGE packages if any of their programs is missing. Their
    maintainer scripts are kept from starting daemons (policy-rc.d): this module starts its own."""
    if not _missing_programs():
        return
    policy = Path("/usr/sbin/policy-rc.d")
    own_policy = not policy.exists()
    if own_policy:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    try:
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=600)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES],
            check=True,
            env=env,
            timeout=900,
            stdout=subprocess.DEVNULL,
        )
    finally:
        if own_policy:
            policy.unlink()
    if missing := _missing_programs():
        raise RuntimeError(f"installed {' '.join(PACKAGES)}, yet {', '.join(missing)} not found")


def up(timeout: float = 90) -> Cluster:
    """Start munged (unless one already answers), slurmctld and slurmd; return once the node is idle.
    A cluster that an earlier ``up`` left running is reused (and ``started`` is then empty)."""
    started_at = time.monotonic()
    node = socket.gethostname().split(".")[0]
    previous = _load_state()
    if previous and all(d.alive() for d in previous) and _node_state() == "idle":
        return Cluster(node, PARTITION, [], time.monotonic() - started_at)
    down()  # whatever an earlier up left half-running (only what it recorded)
    install()
    _write_config(node)
    started: list[Daemon] = []
    try:
        if not _munge_answers():
            _prepare_munge()
            started.append(_start("munged", ["setpriv", "--reuid=munge", "--regid=munge", "--init-groups"]))
            _save_state(started)
            _wait(_munge_answers, 20, "munged to answer", started)
        started.append(_start("slurmctld"))
        _save_state(started)
        _wait(lambda: _run(["scontrol", "ping"]).stdout.count("UP") > 0, 30, "slurmctld", started)
        started.append(_start("slurmd"))
        _save_state(started)
        _wait(lambda: _node_state() == "idle", timeout, f"node {node} to be idle", started)
    except BaseException:
        _stop(started)
        STATE_FILE.unlink(missing_ok=True)
        raise
    return Cluster(node, PARTITION, started, time.monotonic() - started_at)


def down(started: list[Daemon] | None = None) -> None:
    """Cancel every job left on the test cluster, then stop the daemons that ``up`` started (those given,
    or those in its state file), by PID: SIGTERM, then SIGKILL after 15 s; then remove the configuration
    ``up`` wrote. Nothing else is touched."""
    daemons = _load_state() if started is None else started
    if any(d.name == "slurmctld" and d.alive() for d in daemons):
        _cancel_all_jobs()
    _stop(daemons)
    STATE_FILE.unlink(missing_ok=True)
    _remove_config()


def _remove_config() -> None:
    """Remove the configuration this module wrote: with it and no controller, every SLURM client waits
    for one, and so does every Snakemake start (the SLURM executor plugin asks `scontrol show config`
    when it loads, ~9 s), long after the cluster is gone."""
    for name in ("slurm.conf", "gres.conf"):
        path = CONF_DIR / name
        if path.exists() and path.read_text().startswith(MARKER):
            path.unlink()


@contextlib.contextmanager
def running(timeout: float = 90) -> Iterator[Cluster]:
    """The cluster, up for the duration of the ``with`` block; the daemons started here are stopped
    afterwards, also when the block fails."""
    cluster = up(timeout)
    try:
        yield cluster
    finally:
        if cluster.started:
            down(cluster.started)


def logs_tail(characters: int = 3000) -> str:
    """The end of each daemon log, for failure messages."""
    parts = []
    for log in sorted(STATE_DIR.glob("*.log")):
        parts.append(f"--- {log} ---\n{log.read_text(errors='replace')[-characters:]}")
    return "\n".join(parts)


# --- configuration -------------------------------------------------------------------------------------


def _write_config(node: str) -> None:
    for name in ("slurm.conf", "gres.conf"):
        path = CONF_DIR / name
        if path.exists() and not path.read_text().startswith(MARKER):
            raise RuntimeError(f"{path} exists and was not written by {__file__}: not overwriting it")
    shutil.rmtree(STATE_DIR / "slurmctld", ignore_errors=True)  # a fresh cluster: no jobs from last time
    shutil.rmtree(STATE_DIR / "slurmd", ignore_errors=True)
    for old_log in [*STATE_DIR.glob("*.log"), *STATE_DIR.glob("*.out")]:
        old_log.unlink()
    for directory in (CONF_DIR, STATE_DIR / "slurmctld", STATE_DIR / "slurmd"):
        directory.mkdir(parents=True, exist_ok=True)
    memory_mb = _memory_mb()
    state = STATE_DIR
    (CONF_DIR / "slurm.conf").write_text(
        f"""{MARKER}
ClusterName=rnnreplication
# The controller and the only node are this machine, reached at 127.0.0.1 (no DNS needed).
SlurmctldHost={node}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation={state}/slurmctld
SlurmdSpoolDir={state}/slurmd
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/slurmctld.log
SlurmdLogFile={state}/slurmd.log
# No cgroups: processes tracked by parent PID, no CPU binding (works in containers and VMs).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
MailProg=/bin/true
# cons_tres: needed for --gpus; cores are the consumable resource, memory is only checked per node.
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
GresTypes=gpu
# No accounting database: sacct has nothing; finished jobs stay visible to squeue/scontrol this long.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge={MIN_JOB_AGE}
# A node that was down comes back by itself once its slurmd registers.
ReturnToService=2
SlurmdTimeout=60
NodeName={node} NodeAddr=127.0.0.1 CPUs={os.cpu_count()} RealMemory={memory_mb} Gres=gpu:1 State=UNKNOWN
PartitionName={PARTITION} Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""
    )
    # One fake GPU: a GRES needs a device file to be valid (without File= the node is INVAL).
    (CONF_DIR / "gres.conf").write_text(f"{MARKER}\nNodeName={node} Name=gpu File=/dev/null\n")


def _memory_mb() -> int:
    """The node's RealMemory: a little under the machine's total, so slurmd never finds less."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(int(line.split()[1]) / 1024 * 0.95)
    raise RuntimeError("no MemTotal in /proc/meminfo")


def _prepare_munge() -> None:
    munge = pwd.getpwnam("munge")
    for directory in MUNGE_DIRS:
        directory.mkdir(parents=True, exist_ok=True)
        os.chown(directory, munge.pw_uid, munge.pw_gid)
    if not MUNGE_KEY.exists():  # the package's postinst normally creates it
        MUNGE_KEY.parent.mkdir(parents=True, exist_ok=True)
        MUNGE_KEY.write_bytes(os.urandom(1024))
        os.chown(MUNGE_KEY, munge.pw_uid, munge.pw_gid)
        MUNGE_KEY.chmod(0o400)


# --- processes -----------------------------------------------------------------------------------------


def _start(name: str, prefix: list[str] | None = None) -> Daemon:
    """Start a daemon in the foreground (so the PID is its own) in a session of its own (so it outlives
    ``python tests/slurm_cluster.py up``), its console output in STATE_DIR/<name>.out."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    foreground = {"munged": ["--foreground"], "slurmctld": ["-D"], "slurmd": ["-D"]}[name]
    with open(STATE_DIR / f"{name}.out", "ab") as out:
        process = subprocess.Popen(
            [*(prefix or []), name, *foreground],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    time.sleep(0.2)
    ticks = _start_ticks(process.pid)
    if ticks is None or process.poll() is not None:
        output = (STATE_DIR / f"{name}.out").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{name} exited at once:\n{output}\n{logs_tail()}")
    return Daemon(name, process.pid, ticks)


def _stop(daemons: list[Daemon]) -> None:
    """SIGTERM each daemon that is still the process recorded (same PID and start time), last started
    first; SIGKILL what is left after 15 s."""
    alive = [d for d in reversed(daemons) if d.alive()]
    for daemon in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(daemon.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while any(_still_running(d) for d in alive) and time.monotonic() < deadline:
        time.sleep(0.2)
    for daemon in alive:
        if _still_running(daemon):
            with contextlib.suppress(ProcessLookupError):
                os.kill(daemon.pid, signal.SIGKILL)
    for daemon in alive:
        _reap(daemon.pid)


def _still_running(daemon: Daemon) -> bool:
    _reap(daemon.pid)
    return daemon.alive() and _process_state(daemon.pid) != "Z"


def _reap(pid: int) -> None:
    """Collect the exit status of a daemon started by this process (no zombie left behind)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _cancel_all_jobs() -> None:
    """Cancel every job on the test cluster (all of them were submitted for tests) and wait, at most
    30 s, until none is running, so that no job step outlives the daemons."""
    jobs = _active_jobs()
    if not jobs:
        return
    _run(["scancel", *jobs])
    deadline = time.monotonic() + 30
    while _active_jobs() and time.monotonic() < deadline:
        time.sleep(0.5)


def _active_jobs() -> list[str]:
    states = "PENDING,RUNNING,SUSPENDED,COMPLETING,CONFIGURING"
    return _run(["squeue", "-h", "-t", states, "-o", "%i"]).stdout.split()


def _stat_fields(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()  # fields after "pid (comm) "


def _start_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields else None  # field 22 of /proc/<pid>/stat: start time


def _process_state(pid: int) -> str | None:
    fields = _stat_fields(pid)
    return fields[0] if fields else None


def _save_state(daemons: list[Daemon]) -> None:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps([d.__dict__ for d in daemons], indent=1))


def _load_state() -> list[Daemon]:
    try:
        return [Daemon(**entry) for entry in json.loads(STATE_FILE.read_text())]
    except (OSError, ValueError, TypeError):
        return []


# --- queries -------------------------------------------------------------------------------------------


def _run(command: list[str], timeout: float = 20) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        return subprocess.CompletedProcess(command, 1, "", str(error))


def _missing_programs() -> list[str]:
    return [program for program in PROGRAMS if not shutil.which(program)]


def _munge_answers() -> bool:
    return shutil.which("munge") is not None and _run(["munge", "-n"]).returncode == 0


def _node_state() -> str | None:
    """The node's state as sinfo shows it (idle, mixed, allocated, down, inval, ...), or None."""
    if not shutil.which("sinfo"):
        return None
    result = _run(["sinfo", "-h", "-N", "-o", "%T"])
    if result.returncode != 0:
        return None
    return result.stdout.strip().rstrip("*~#$@+") or None


def _wait(condition, seconds: float, what: str, started: list[Daemon]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        for daemon in started:
            if not _still_running(daemon):
                raise RuntimeError(f"{daemon.name} stopped while waiting for {what}\n{logs_tail()}")
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"waited {seconds:.0f} s for {what} (node state: {_node_state()})\n{logs_tail()}"
            )
        time.sleep(0.5)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) == 2 else ""
    if command == "up":
        reason = unavailable_reason()
        if reason:
            print(reason, file=sys.stderr)
            return 1
        cluster = up()
        started = ", ".join(f"{d.name} (PID {d.pid})" for d in cluster.started) or "nothing (already up)"
        print(
            f"node {cluster.node} idle in partition {cluster.partition} after "
            f"{cluster.bring_up_seconds:.1f} s; started {started}"
        )
        return 0
    if command == "down":
        daemons = _load_state()
        down(daemons)
        print("stopped " + (", ".join(f"{d.name} (PID {d.pid})" for d in daemons) or "nothing"))
        return 0
    if command == "status":
        daemons = _load_state()
        for daemon in daemons:
            print(f"{daemon.name} PID {daemon.pid}: {'running' if daemon.alive() else 'gone'}")
        print(f"node state: {_node_state()}")
        return 0
    print(f"usage: {argv[0]} up|down|status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
