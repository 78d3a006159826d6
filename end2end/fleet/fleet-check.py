#!/usr/bin/env python3
"""Fault checks of a fleet: two release instances on one PostgreSQL database and one
Redis behind HAProxy (haproxy.sh), as an operator runs them. Measures and checks:

- revocation: a logout through one instance, and how long until the other refuses the
  token (it must be well under a second);
- a brute force spread over both instances is throttled as on one;
- a rolling restart (SIGTERM, restart, the same for the other) under steady traffic
  through the balancer: no request fails;
- kill -9 of one instance under traffic: users stay logged in, every acknowledged signup
  survives, and the restarted instance rejoins;
- Redis cut under traffic (through a TCP relay): /readyz says "degraded", nothing answers
  500 and nobody is logged out; once it is back, the throttles are shared again.

Prints what it measured. Usage: end2end/fleet/fleet-check.py SERVER_BIN
(PostgreSQL on 127.0.0.1:5432 with trust auth, Redis on 127.0.0.1:6379, haproxy on PATH)
"""
import http.client
import importlib.util
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

PASSWORD = "correct horse battery staple"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FAILURES = []
# The outage check's cuttable TCP relay (pointed at Redis here) and its free_port.
_spec = importlib.util.spec_from_file_location("outage_check", os.path.join(ROOT, "end2end", "outage-check.py"))
_outage = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_outage)
Relay = _outage.Relay
free_port = _outage.free_port
# How long an instance keeps serving after SIGTERM while the balancer takes it out.
DRAIN = "2s"


def check(cond, what):
    print(f"{'ok' if cond else 'FAILED'}: {what}", flush=True)
    if not cond:
        FAILURES.append(what)


def request(port, method, path, body=None, headers=None, timeout=30):
    """(status, headers dict (lower-case names), body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        res = conn.getresponse()
        text = res.read().decode("utf-8", "replace")
        return res.status, {k.lower(): v for k, v in res.getheaders()}, text
    finally:
        conn.close()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class Instance:
    """One Gatehouse process; its output is appended to its log."""

    def __init__(self, name, bin_path, port, env, log_path):
        self.name, self.bin, self.port, self.env, self.log_path = name, bin_path, port, env, log_path
        self.proc = None

    def start(self):
        env = dict(self.env, GATEHOUSE_SERVER__ADDRESS=f"127.0.0.1:{self.port}")
        log = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.bin, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                if request(self.port, "GET", "/readyz", timeout=2)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit(f"instance {self.name} did not become ready")

    def stop(self, sig=signal.SIGTERM):
        """Sends `sig`; returns the seconds the process took to exit."""
        start = time.time()
        self.proc.send_signal(sig)
        self.proc.wait(timeout=30)
        return time.time() - start


class Load:
    """Steady traffic through the balancer from a few threads: `step(i)` returns None
    when a request went as it should, else what went wrong."""

    def __init__(self, step, threads=4):
        self.step, self.threads = step, threads
        self.stop_flag = threading.Event()
        self.count = 0
        self.failures = []
        self.lock = threading.Lock()
        self.workers = [threading.Thread(target=self.run, args=(t,), daemon=True) for t in range(threads)]

    def run(self, t):
        i = 0
        while not self.stop_flag.is_set():
            i += 1
            try:
                problem = self.step(t * 1_000_000 + i)
            except Exception as e:  # a refused or reset connection is a failed request
                problem = f"{type(e).__name__}: {e}"
            with self.lock:
                self.count += 1
                if problem:
                    self.failures.append(problem)
            time.sleep(0.01)

    def __enter__(self):
        for w in self.workers:
            w.start()
        return self

    def __exit__(self, *exc):
        self.stop_flag.set()
        for w in self.workers:
            w.join(timeout=60)


def wait_served_by(lb, server, seconds=20):
    """Waits until the balancer sends a request to `server` (it rejoined)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            _, headers, _ = request(lb, "GET", "/healthz", timeout=2)
            if headers.get("x-served-by") == server:
                return time.time()
        except OSError:
            pass
        time.sleep(0.05)
    return None


def signup(port, username):
    return request(port, "POST", "/api/v1/auth/signup", {
        "username": username, "email": f"{username}@example.com", "password": PASSWORD, "display_name": "",
    })


def login(port, username, password=PASSWORD):
    status, _, body = request(port, "POST", "/api/v1/auth/login", {"login": username, "password": password})
    return status, (json.loads(body).get("access_token") if status == 200 else None)


def check_revocation(a, b):
    print("-- revocation across instances --", flush=True)
    timings = []
    for n in range(5):
        user = f"rev{n}-{uuid.uuid4().hex[:6]}"
        signup(a.port, user)
        _, token = login(a.port, user)
        warm = request(b.port, "GET", "/api/v1/auth/me", headers=bearer(token))[0]
        status = request(a.port, "POST", "/api/v1/auth/logout", headers=bearer(token))[0]
        start = time.perf_counter()
        while request(b.port, "GET", "/api/v1/auth/me", headers=bearer(token))[0] == 200:
            if time.perf_counter() - start > 5:
                break
        timings.append((time.perf_counter() - start) * 1000)
        check(warm == 200 and status == 204, f"logout {n + 1} through instance A with the session warm on B")
    print(f"   token refused on the other instance after: median {statistics.median(timings):.1f} ms, "
          f"max {max(timings):.1f} ms (each includes one request)")
    check(max(timings) < 1000, "the other instance refuses the token within one second")
    return timings


def check_brute_force(a, b):
    print("-- a brute force spread over both instances --", flush=True)
    user = f"bf-{uuid.uuid4().hex[:6]}"
    signup(a.port, user)
    statuses = [login((a, b)[i % 2].port, user, f"wrong guess {i}")[0] for i in range(10)]
    refused = statuses.count(401)
    print(f"   ten wrong passwords, alternating A and B: {statuses}")
    check(refused == 5 and statuses[5] == 429,
          "five failures (the one account budget), then 429 on either instance")
    return statuses


def check_rolling_restart(lb, a, b, token):
    print("-- rolling restart under traffic --", flush=True)

    def step(i):
        if i % 2 == 0:
            status = request(lb, "GET", "/api/v1/auth/me", headers=bearer(token))[0]
            return None if status == 200 else f"me answered {status}"
        status = request(lb, "GET", "/login", headers={"Accept": "text/html"})[0]
        return None if status == 200 else f"/login answered {status}"

    exits = []
    with Load(step) as load:
        time.sleep(1)
        for inst, server in ((a, "instance1"), (b, "instance2")):
            exits.append(inst.stop(signal.SIGTERM))
            inst.start()
            check(wait_served_by(lb, server) is not None, f"{inst.name} restarted and the balancer sends it traffic again")
            time.sleep(0.5)
    print(f"   {load.count} requests through the balancer, {len(load.failures)} failed; "
          f"each instance exited {', '.join(f'{s:.1f}' for s in exits)} s after SIGTERM ({DRAIN} of drain)")
    for f in load.failures[:5]:
        print(f"   failed: {f}")
    check(not load.failures, "no request failed during the rolling restart")
    return load.count, len(load.failures)


def check_kill(lb, a, tokens):
    print("-- kill -9 of one instance under traffic --", flush=True)
    acknowledged = []
    lock = threading.Lock()
    logged_out = []

    def step(i):
        if i % 3 == 0:
            user = f"k{i}-{uuid.uuid4().hex[:6]}"
            status = signup(lb, user)[0]
            if status == 201:
                with lock:
                    acknowledged.append(user)
            return None if status == 201 else f"signup answered {status}"
        token = tokens[i % len(tokens)]
        status = request(lb, "GET", "/api/v1/auth/me", headers=bearer(token))[0]
        if status == 401:
            logged_out.append(token)
        return None if status == 200 else f"me answered {status}"

    with Load(step) as load:
        time.sleep(1.5)
        a.proc.kill()
        a.proc.wait()
        killed = time.time()
        time.sleep(3)
        a.start()
        rejoined = wait_served_by(lb, "instance1")
        time.sleep(1)
    print(f"   {load.count} requests through the balancer; {len(load.failures)} failed around the kill")
    for f in load.failures[:5]:
        print(f"   failed: {f}")
    check(not logged_out, "nobody was logged out (the other instance served them)")
    check(rejoined is not None, f"the restarted instance rejoined ({(rejoined or killed) - killed:.1f} s after the kill)")
    lost = [u for u in acknowledged if login(lb, u)[0] != 200]
    print(f"   {len(acknowledged)} signups acknowledged, {len(lost)} lost")
    check(acknowledged and not lost, "every acknowledged signup survived")
    return load.count, len(load.failures), len(acknowledged), len(lost)


def check_redis_outage(lb, a, b, relay, users, tokens):
    print("-- Redis cut under traffic --", flush=True)

    def step(i):
        if i % 5 == 0:
            status = signup(lb, f"r{i}-{uuid.uuid4().hex[:6]}")[0]
            return None if status == 201 else f"signup answered {status}"
        if i % 5 == 1:
            # A login goes through the account throttle, which lives in Redis.
            status = login(lb, users[i % len(users)])[0]
            return None if status == 200 else f"login answered {status}"
        status = request(lb, "GET", "/api/v1/auth/me", headers=bearer(tokens[i % len(tokens)]))[0]
        return None if status == 200 else f"me answered {status}"

    with Load(step) as load:
        time.sleep(1)
        relay.cut()
        cut = time.time()
        time.sleep(1)
        states = [json.loads(request(i.port, "GET", "/readyz")[2]) for i in (a, b)]
        print(f"   /readyz with Redis cut: {states}")
        check(all(s.get("status") == "degraded" and s.get("redis") == "unreachable" for s in states),
              "both instances say degraded (200), not failed")
        time.sleep(2)
        relay.start()
        back = None
        deadline = time.time() + 20
        while time.time() < deadline:
            states = [json.loads(request(i.port, "GET", "/readyz")[2]).get("status") for i in (a, b)]
            if states == ["ok", "ok"]:
                back = time.time()
                break
            time.sleep(0.1)
    print(f"   {load.count} requests through the balancer while Redis was cut and back; {len(load.failures)} failed")
    for f in load.failures[:5]:
        print(f"   failed: {f}")
    check(not load.failures, "no request failed while Redis was away (limits fell back to each instance)")
    check(back is not None, f"both instances use Redis again once it is back ({(back or cut) - cut - 3:.1f} s after)")
    # Shared again: one account's budget over both instances.
    user = f"bf2-{uuid.uuid4().hex[:6]}"
    signup(a.port, user)
    statuses = [login((a, b)[i % 2].port, user, f"wrong guess {i}")[0] for i in range(7)]
    check(statuses.count(401) == 5 and statuses[5] == 429, f"the throttles are shared again: {statuses}")


def main(bin_path):
    for tool in ("haproxy", "psql"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is needed (scripts/setup.sh installs it)")
    db = f"gatehouse_test_fleet_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", f'create database "{db}"'], check=True)
    data = tempfile.mkdtemp()
    lb = free_port()
    env = dict(os.environ)
    for name in ("GATEHOUSE_JWT_PRIVATE_KEY", "LEPTOS_SITE_ROOT"):
        env.pop(name, None)
    env.update({
        "GATEHOUSE_CONFIG": os.path.join(ROOT, "Leptos.toml"),
        "GATEHOUSE_SERVER__PUBLIC_URL": f"http://127.0.0.1:{lb}",
        "GATEHOUSE_SERVER__DATA_DIR": data,
        "GATEHOUSE_SERVER__SITE_ROOT": os.environ.get("LEPTOS_SITE_ROOT", os.path.join(ROOT, "target", "site")),
        "GATEHOUSE_SERVER__TRUST_FORWARDED_FOR": "true",
        "GATEHOUSE_SERVER__TRUSTED_PROXIES": '["127.0.0.1/32"]',
        "GATEHOUSE_ACCOUNTS__REQUIRE_VERIFIED_EMAIL": "false",
        "GATEHOUSE_ACCOUNTS__LOGIN_ATTEMPTS_PER_IP_PER_MINUTE": "0",
        "GATEHOUSE_ACCOUNTS__HASHES_PER_IP_PER_MINUTE": "0",
        "GATEHOUSE_OPERATIONS__SHUTDOWN_DRAIN": DRAIN,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
        "GATEHOUSE_REDIS__KEY_PREFIX": db,
        "GATEHOUSE_LOG": "info",
    })
    # Redis through a relay the checks can cut.
    relay = Relay(free_port(), upstream=int(os.environ.get("E2E_REDIS_PORT", "6379")))
    relay.start()
    env["REDIS_URL"] = f"redis://127.0.0.1:{relay.port}"
    a = Instance("A", bin_path, free_port(), env, os.path.join(data, "server-a.log"))
    b = Instance("B", bin_path, free_port(), env, os.path.join(data, "server-b.log"))
    balancer = None
    try:
        a.start()  # first: it creates the development keys both share
        b.start()
        balancer = subprocess.Popen([os.path.join(HERE, "haproxy.sh"), str(lb), os.path.join(data, "haproxy.cfg"),
                                     str(a.port), str(b.port)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        check(wait_served_by(lb, "instance1") and wait_served_by(lb, "instance2"), "the balancer sends traffic to both instances")

        check_revocation(a, b)
        check_brute_force(a, b)
        users = [f"steady{n}-{uuid.uuid4().hex[:6]}" for n in range(4)]
        for u in users:
            signup(lb, u)
        tokens = [login(lb, u)[1] for u in users]
        check(all(tokens), "steady users logged in through the balancer")
        check_rolling_restart(lb, a, b, tokens[0])
        check_kill(lb, a, tokens)
        check_redis_outage(lb, a, b, relay, users, tokens)
    finally:
        if balancer:
            balancer.terminate()
            balancer.wait(timeout=10)
        for inst in (a, b):
            if inst.proc and inst.proc.poll() is None:
                inst.stop()
        logs = "".join(open(i.log_path).read() for i in (a, b) if os.path.exists(i.log_path))
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc",
                        f'drop database if exists "{db}" with (force)'], check=False)
    check("panicked" not in logs, "no panic in either instance's log")


if __name__ == "__main__":
    main(sys.argv[1])
    if FAILURES:
        raise SystemExit(f"{len(FAILURES)} check(s) failed: {FAILURES}")
    print("all fleet checks passed")
