#!/usr/bin/env python3
"""Crash safety: SIGKILL keyward under write load, restart, check nothing
acknowledged was lost and the store is consistent.

Each round starts `keyward serve`, runs 4 threads of createUser (half with a
password) and one thread of `keyward key create` / `key delete` (the CLI,
another process on the same database), kills the server with SIGKILL at a
random moment, and then checks, with the server down:

- every createUser that got a 200 without errors is stored (its email is an
  identity of the project);
- every key whose create or delete was acknowledged is present or absent;
- the store is consistent: SQLite `PRAGMA integrity_check` is `ok` and
  `PRAGMA foreign_key_check` finds nothing; on PostgreSQL, which enforces
  its constraints itself, the same cross-table checks as below;
- each stored user has exactly one identity and one creation audit entry
  (a user, its identity and its audit entry are written in one transaction).

Usage (from the repository root, after `cargo build`):
    python3 reliability/crash_safety.py --backend sqlite --rounds 20
    python3 reliability/crash_safety.py --backend postgres --rounds 20 \\
        --pg-url postgres://postgres@127.0.0.1:5432/test
Prints one summary line; exit 1 on any loss or inconsistency.
Only loopback addresses are used; every loop is bounded in count and time.
"""
import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

PROJECT = "crash"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Keyward:
    def __init__(self, binary, workdir, database):
        self.binary = binary
        self.workdir = workdir
        self.env = dict(os.environ)
        for var in ("KEYWARD_MASTER_KEY", "KEYWARD_LOG", "KEYWARD_DATA_DIR"):
            self.env.pop(var, None)
        self.env["KEYWARD_DATA_DIR"] = os.path.join(workdir, "data")
        if database:
            self.env["KEYWARD_DATABASE_URL"] = database

    def run(self, *args, check=True):
        out = subprocess.run(
            [self.binary, *args], cwd=self.workdir, env=self.env,
            capture_output=True, text=True, timeout=60,
        )
        if check and out.returncode != 0:
            raise SystemExit(f"keyward {' '.join(args)} failed: {out.stderr.strip()}")
        return out

    def serve(self, port):
        return subprocess.Popen(
            [self.binary, "serve", "--listen", f"127.0.0.1:{port}"],
            cwd=self.workdir, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )


def wait_ready(port, deadline=20.0):
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.05)
    raise SystemExit("server did not become ready")


def create_users(port, token, tag, acknowledged, stop, with_password):
    url = f"http://127.0.0.1:{port}/projects/{PROJECT}/_api/admin/graphql"
    for n in range(100_000):
        if stop.is_set():
            return
        email = f"{tag}-{n}@example.com"
        password = ', password: "correct horse battery staple"' if with_password else ""
        query = ('mutation { createUser(input: {definition: {loginID: {key: "email", value: "%s"}}%s}) '
                 '{ user { id } } }' % (email, password))
        request = urllib.request.Request(
            url, data=json.dumps({"query": query}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                body = json.loads(r.read())
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            return  # the server died: this request's outcome is unknown
        if body.get("errors"):
            raise SystemExit(f"createUser failed: {body}")
        acknowledged.append(email)


def churn_keys(kw, round_no, created, deleted, stop):
    for n in range(1000):
        if stop.is_set():
            return
        out = kw.run("key", "create", "--project", PROJECT, "--label", f"r{round_no}-{n}",
                     "--out", f"keys/r{round_no}-{n}.pem", check=False)
        if out.returncode != 0:
            continue
        kid = out.stdout.strip()
        created.append(kid)
        if kw.run("key", "delete", "--project", PROJECT, "--kid", kid, check=False).returncode == 0:
            deleted.append(kid)


class Sqlite:
    def __init__(self, path):
        self.path = path

    def query(self, sql):
        con = sqlite3.connect(self.path)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def integrity(self):
        problems = []
        result = self.query("PRAGMA integrity_check")
        if result != [("ok",)]:
            problems.append(f"integrity_check: {result}")
        fk = self.query("PRAGMA foreign_key_check")
        if fk:
            problems.append(f"foreign_key_check: {fk[:5]}")
        return problems


class Postgres:
    def __init__(self, url, schema):
        self.url, self.schema = url, schema

    def query(self, sql):
        out = subprocess.run(
            ["psql", self.url, "-v", "ON_ERROR_STOP=1", "-At", "-F", "\t",
             "-c", f"SET search_path TO {self.schema}", "-c", sql],
            capture_output=True, text=True, timeout=60,
        )
        if out.returncode != 0:
            raise SystemExit(f"psql failed: {out.stderr.strip()}")
        lines = [l for l in out.stdout.splitlines() if l and l != "SET"]
        return [tuple(l.split("\t")) for l in lines]

    def integrity(self):
        return []  # PostgreSQL enforces its constraints itself


def check(db, acknowledged, keys_created, keys_deleted):
    problems = list(db.integrity())
    emails = {row[0] for row in db.query(
        f"SELECT login_id FROM identities WHERE project_id = '{PROJECT}'")}
    lost = [e for e in acknowledged if e not in emails]
    if lost:
        problems.append(f"{len(lost)} acknowledged users missing, e.g. {lost[:3]}")
    kids = {row[0] for row in db.query(
        f"SELECT kid FROM admin_api_keys WHERE project_id = '{PROJECT}'")}
    kept = [k for k in keys_created if k not in keys_deleted]
    if missing := [k for k in kept if k not in kids]:
        problems.append(f"acknowledged keys missing: {missing}")
    if resurrected := [k for k in keys_deleted if k in kids]:
        problems.append(f"deleted keys present: {resurrected}")
    orphans = db.query(
        "SELECT u.id FROM users u WHERE u.project_id = '%s' AND "
        "(SELECT COUNT(*) FROM identities i WHERE i.project_id = u.project_id AND i.user_id = u.id) <> 1"
        % PROJECT)
    if orphans:
        problems.append(f"{len(orphans)} users without exactly one identity")
    unaudited = db.query(
        "SELECT u.id FROM users u WHERE u.project_id = '%s' AND "
        "(SELECT COUNT(*) FROM audit_log a WHERE a.project_id = u.project_id AND a.user_id = u.id "
        "AND a.activity_type = 'admin_api.mutation.create_user.executed') <> 1" % PROJECT)
    if unaudited:
        problems.append(f"{len(unaudited)} users without exactly one creation audit entry")
    return problems, len(emails)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pg-url", default=os.environ.get("KEYWARD_TEST_DATABASE_URL"))
    parser.add_argument("--bin", default=os.environ.get("KEYWARD_BIN"))
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()

    binary = args.bin or next(
        (p for p in ("target/release/keyward", "target/debug/keyward") if os.path.exists(p)), None)
    if not binary:
        raise SystemExit("no keyward binary: run `cargo build` first or pass --bin")
    binary = os.path.abspath(binary)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)

    workdir = tempfile.mkdtemp(prefix="keyward-crash-")
    os.makedirs(os.path.join(workdir, "keys"))
    if args.backend == "postgres":
        if not args.pg_url:
            raise SystemExit("--pg-url (or KEYWARD_TEST_DATABASE_URL) is required for postgres")
        schema = f"keyward_crash_{uuid.uuid4().hex}"
        subprocess.run(["psql", args.pg_url, "-c", f"CREATE SCHEMA {schema}"],
                       check=True, capture_output=True, timeout=60)
        sep = "&" if "?" in args.pg_url else "?"
        database = f"{args.pg_url}{sep}options[search_path]={schema}"
        db = Postgres(args.pg_url, schema)
    else:
        database = None
        db = Sqlite(os.path.join(workdir, "data", "keyward.db"))

    kw = Keyward(binary, workdir, database)
    kw.run("project", "create", PROJECT)
    kid = kw.run("key", "create", "--project", PROJECT, "--out", "keys/base.pem").stdout.strip()
    token = kw.run("token", "--project", PROJECT, "--kid", kid, "--key", "keys/base.pem",
                   "--ttl", "3600").stdout.strip()

    acknowledged, keys_created, keys_deleted = [], [], []
    kills, problems, started = 0, [], time.monotonic()
    for round_no in range(args.rounds):
        port = free_port()
        server = kw.serve(port)
        try:
            wait_ready(port)
            # Before new load: everything acknowledged so far survived the
            # previous kill (and the restart's recovery).
            found, _ = check(db, acknowledged, keys_created, keys_deleted)
            problems += [f"round {round_no}: {p}" for p in found]
            stop = threading.Event()
            threads = [threading.Thread(target=create_users, args=(
                port, token, f"r{round_no}t{t}", acknowledged, stop, t % 2 == 0)) for t in range(4)]
            threads.append(threading.Thread(target=churn_keys, args=(
                kw, round_no, keys_created, keys_deleted, stop)))
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.3, 2.0))
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=10)
            kills += 1
            stop.set()
            for t in threads:
                t.join(timeout=70)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()

    found, stored = check(db, acknowledged, keys_created, keys_deleted)
    problems += [f"final: {p}" for p in found]
    summary = (f"crash safety ({args.backend}): {kills} SIGKILLs under load, {len(acknowledged)} "
               f"acknowledged createUser, {stored} stored, {len(keys_created)} key creates and "
               f"{len(keys_deleted)} deletes acknowledged, losses/inconsistencies: {len(problems)} "
               f"(seed {seed}, {time.monotonic() - started:.0f} s)")
    print(summary)
    for p in problems:
        print("  " + p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
