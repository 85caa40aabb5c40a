"""Fuzz the REST API against its own OpenAPI schema with schemathesis, as .ci/run does once.

    python scripts/api_fuzz.py [--members 120] [--max-examples 10] [--seed 2026] [--roles demo-secretary,demo-member]

A bounded run on a throw-away copy of the demo province, so that what the schema says stays what
the API answers (issue 12, "Keep it true"):

1. a temporary folder holds a new SQLite database (or `--database-url` names an empty one), the
   media folder and fresh keys (var/keys.json and db.sqlite3 are not touched);
2. `migrate`, then `seed_demo` loads a small demo province (the README's demo accounts);
3. gunicorn serves it on a free port of 127.0.0.1 with the settings `make run` uses (debug off);
4. each role logs in through `POST /api/v1/auth/token/` and schemathesis runs every operation of
   `/api/schema/` with that token, a fixed seed and a bounded number of cases per operation;
5. the server stops and the folder is deleted, whatever happened.

It fails (exit 1) on any 5xx answer and on any answer that the schema does not describe: an
undocumented status code, a body or a header that breaks the documented schema, another content
type. The figures of each role (operations, cases, failures) are printed at the end.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "dangwu-demo-2026"  # dangwu.demo.accounts.DEMO_PASSWORD (not imported: no Django here)
# What a response must satisfy. negative_data_rejection and positive_data_acceptance are left out on
# purpose: the API accepts some inputs the schema cannot describe exactly (a month as YYYY-MM or a
# date) and refuses some the schema allows (a rule of the regulation, a member out of scope).
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, *, data: dict | None = None, token: str = "") -> tuple[int, bytes]:
    headers = {"Accept": "application/json"}
    body = None
    if data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers), timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_for(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            _request(url)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url} within {seconds:.0f} s")


def _schemathesis() -> str:
    found = Path(sys.executable).parent / "st"
    if found.exists():
        return str(found)
    return shutil.which("st") or "st"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=120, help="members of the demo province (at least 50)")
    parser.add_argument("--max-examples", type=int, default=10, help="cases per operation and phase")
    parser.add_argument("--seed", type=int, default=2026, help="schemathesis' random seed")
    parser.add_argument("--roles", default="demo-secretary,demo-member", help="demo accounts to fuzz as")
    parser.add_argument("--st", default=os.environ.get("SCHEMATHESIS", ""), help="the schemathesis command")
    parser.add_argument("--workers", default="1", help="schemathesis workers (1: the same cases every run)")
    parser.add_argument("--database-url", default="",
                        help="an empty database to use instead of a temporary SQLite file (e.g. PostgreSQL)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="dangwu-fuzz-"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "dangwu.settings", "DANGWU_DEBUG": "0",
           "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'db.sqlite3'}", "DANGWU_MEDIA_ROOT": str(tmp / "media"),
           "DANGWU_KEY_FILE": str(tmp / "no-keys.json"),
           "DANGWU_SECRET_KEY": secrets.token_urlsafe(40),
           "DANGWU_FIELD_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
           "DANGWU_HASH_KEY": secrets.token_hex(32), "DANGWU_REQUIRE_2FA": "0"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    server = server_log = None
    failed = False
    try:
        started = time.monotonic()
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "seed_demo", "--members", str(args.members), "--seed", "2026"], cwd=ROOT, env=env,
                       check=True, stdout=subprocess.DEVNULL)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        # The server's log (a line for every 4xx) goes to a file: its last lines are shown on a failure.
        server_log = open(tmp / "server.log", "w")  # closed when the server has stopped
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "dangwu.wsgi:application", "--bind",
                                   f"127.0.0.1:{port}", "--workers", "2", "--threads", "2", "--timeout", "60",
                                   "--log-level", "warning"], cwd=ROOT, env=env, stdout=server_log,
                                  stderr=subprocess.STDOUT)
        _wait_for(f"{base}/api/schema/", server)
        print(f"== demo province of {args.members} members served at {base} "
              f"({time.monotonic() - started:.0f} s to set up)", flush=True)
        figures = []
        for role in [r for r in args.roles.split(",") if r]:
            status, body = _request(f"{base}/api/v1/auth/token/", data={"username": role, "password": PASSWORD})
            if status != 200:
                raise SystemExit(f"{role}: no token ({status} {body[:200]!r})")
            token = json.loads(body)["token"]
            status, schema = _request(f"{base}/api/schema/?format=json", token=token)
            if status != 200:
                raise SystemExit(f"{role}: no schema ({status})")
            schema_file = tmp / "schema.json"
            schema_file.write_bytes(schema)
            report = tmp / f"report-{role}.ndjson"
            command = [args.st or _schemathesis(), "run", str(schema_file), "--url", base,
                       "--header", f"Authorization: Token {token}", "--checks", ",".join(CHECKS),
                       "--phases", "examples,coverage,fuzzing", "--max-examples", str(args.max_examples),
                       "--seed", str(args.seed), "--workers", args.workers, "--request-timeout", "30",
                       "--suppress-health-check", "all", "--no-color", "--output-truncate", "true",
                       "--report", "ndjson", "--report-ndjson-path", str(report)]
            print(f"== schemathesis as {role}", flush=True)
            role_started = time.monotonic()
            code = subprocess.run(command, cwd=tmp, env={**env, "NO_COLOR": "1"}).returncode
            figures.append((role, _figures(report), code, time.monotonic() - role_started))
            failed = failed or code != 0
        if failed:
            lines = (tmp / "server.log").read_text(encoding="utf-8", errors="replace").splitlines()
            print("== the server's last log lines", *lines[-60:], sep="\n")
        print("== figures")
        for role, (operations, cases, failures), code, seconds in figures:
            print(f"{role}: {operations} operations, {cases} cases, {failures} failures "
                  f"({'passed' if code == 0 else f'FAILED, exit {code}'}) in {seconds:.0f} s")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        if server_log is not None:
            server_log.close()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


def _figures(report: Path) -> tuple[int, int, int]:
    """(operations, cases, failing cases) of one schemathesis run, from its ndjson events."""
    operations: set[str] = set()
    cases = failures = 0
    if not report.exists():
        return 0, 0, 0
    for line in report.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        for kind, data in event.items():
            if kind == "ScenarioFinished":
                recorder = data.get("recorder") or {}
                label = recorder.get("label")
                if label:
                    operations.add(label)
                cases += len(recorder.get("cases") or {})
                failures += sum(1 for checks in (recorder.get("checks") or {}).values()
                                if any(check.get("status") == "failure" for check in checks))
    return len(operations), cases, failures


if __name__ == "__main__":
    sys.exit(main())
