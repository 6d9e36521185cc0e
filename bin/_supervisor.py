"""The supervisord configuration of production mode, the drills and the ops tests.

supervisord (PyPI `supervisor`) starts each program, restarts one that dies whatever its
exit (`autorestart=true`), and backs off when a program dies again within STARTSECS of its
start: it waits 1 s, then 2 s, 3 s … between tries, up to STARTRETRIES tries, after which
the program is FATAL and left alone until someone starts it (`supervisorctl start NAME`).
A process that ran longer than STARTSECS and then died (killed by the OOM killer, by
kombu's Redis transport as Redis went away, by `kill -9`) is started again at once.

Every program runs in a process group of its own, stopped as a group (`stopasgroup`,
`killasgroup`), so gunicorn's workers and a Celery worker's pool processes never outlive
their parent. Environment variables are inherited from whoever starts supervisord, so no
secret is written into the configuration file.

    bin/_supervisor.py serve --dir var/supervisor --port 8080 --web-concurrency 4 --workers 2

writes `<dir>/supervisord.conf` for bin/serve (gunicorn, the Celery workers, beat) and
prints its path. The drills and tests import `Program` and `write_config` and supervise
what they need.
"""

import argparse
import dataclasses
import shlex
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# A program that dies within this many seconds of its start counts as failing to start.
STARTSECS = 5
# Tries (with growing pauses: 1 s, 2 s, …) before a program that keeps failing at start-up
# is given up on (FATAL): about a minute.
STARTRETRIES = 10


@dataclasses.dataclass(frozen=True)
class Program:
    """One supervised program: its name (letters, digits, dashes), its argv, and how many
    seconds it has to stop after SIGTERM before its process group is killed."""

    name: str
    argv: list[str]
    stop_seconds: int = 20
    startsecs: int = STARTSECS
    startretries: int = STARTRETRIES


def escape(text: str) -> str:
    """supervisord expands %(name)s in its values: a literal % is written %%."""
    return text.replace("%", "%%")


def write_config(folder: Path, programs: list[Program], *, log_to_stdout: bool = False) -> Path:
    """Write `folder/supervisord.conf` for `programs` and return its path.

    supervisord runs in the foreground (`nodaemon`); its socket, pid file and logs are in
    `folder` (created, mode 0700): each program's output goes to `folder/<name>.log`, or,
    with `log_to_stdout`, to supervisord's own standard output."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    sock = folder / "supervisor.sock"
    sections = [
        f"""[unix_http_server]
file={escape(str(sock))}
chmod=0700

[supervisord]
nodaemon=true
logfile={escape(str(folder / "supervisord.log"))}
logfile_maxbytes=10MB
logfile_backups=2
pidfile={escape(str(folder / "supervisord.pid"))}
childlogdir={escape(str(folder))}
directory={escape(str(REPO))}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://{escape(str(sock))}
"""
    ]
    for program in programs:
        if log_to_stdout:
            logging = "stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0"
        else:
            logfile = escape(str(folder / f"{program.name}.log"))
            logging = f"stdout_logfile={logfile}\nstdout_logfile_maxbytes=50MB"
        sections.append(
            f"""[program:{program.name}]
command={escape(shlex.join(program.argv))}
directory={escape(str(REPO))}
autostart=true
autorestart=true
startsecs={program.startsecs}
startretries={program.startretries}
stopsignal=TERM
stopwaitsecs={program.stop_seconds}
stopasgroup=true
killasgroup=true
redirect_stderr=true
{logging}
"""
        )
    path = folder / "supervisord.conf"
    path.write_text("\n".join(sections))
    return path


def serve_programs(
    *, venv: Path, var: Path, port: int, web_concurrency: int, workers: int
) -> list[Program]:
    """bin/serve's programs: gunicorn, `workers` Celery workers (concurrency 1 each) and
    Celery beat. Workers and beat run under Linux's idle scheduling policy (chrt --idle),
    so that on a machine they share with gunicorn pages come first (docs/performance.md)."""
    celery = str(venv / "bin" / "celery")
    programs = [
        Program(
            "web",
            [str(venv / "bin" / "gunicorn"), "cme_site.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", str(web_concurrency),
             "--error-logfile", "-", "--log-level", "info",
             "--control-socket", str(var / f"gunicorn-{port}.ctl")],
            stop_seconds=30,
        )
    ]  # fmt: skip
    for n in range(1, workers + 1):
        programs.append(
            Program(
                f"worker-{n}",
                ["chrt", "--idle", "0", celery, "-A", "cme_site", "worker",
                 "--concurrency", "1", "--hostname", f"serve-{n}@%h", "--loglevel", "INFO"],
                stop_seconds=60,
            )
        )  # fmt: skip
    programs.append(
        Program(
            "beat",
            ["chrt", "--idle", "0", celery, "-A", "cme_site", "beat",
             "--schedule", str(var / "celerybeat-schedule-serve"), "--loglevel", "INFO"],
        )
    )  # fmt: skip
    return programs


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Write bin/serve's supervisord.conf.")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--dir", type=Path, required=True, help="folder for config and logs")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--web-concurrency", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    programs = serve_programs(
        venv=REPO / ".venv",
        var=REPO / "var",
        port=args.port,
        web_concurrency=args.web_concurrency,
        workers=args.workers,
    )
    print(write_config(args.dir, programs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
