#!/usr/bin/env python3
"""An outage is not a logout: runs the release server on PostgreSQL through a TCP relay,
logs in (a browser's cookies and an API client's bearer token), cuts the relay so the
database is unreachable, and checks every way in answers 503 with Retry-After, clears no
cookie and never panics; then restores the relay and checks the same session works again
without a restart. Prints the timings it measured.

Usage: end2end/outage-check.py SERVER_BIN   (PostgreSQL on 127.0.0.1:5432, trust auth)
"""
import asyncio
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

PASSWORD = "correct horse battery staple"


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Relay:
    """A TCP relay (to PostgreSQL unless told otherwise) that can be cut (listener and live
    connections). It runs its own event loop on a thread, so the blocking HTTP checks never
    stall it. The fleet checks use it for Redis."""

    def __init__(self, port: int, upstream: int = 5432):
        self.port = port
        self.upstream = upstream
        self.server = None
        self.conns = set()
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=10)

    async def handle(self, reader, writer):
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            writer.close()
            return
        self.conns.update({writer, up_w})

        async def pipe(r, w):
            try:
                while data := await r.read(65536):
                    w.write(data)
                    await w.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                w.close()

        await asyncio.gather(pipe(reader, up_w), pipe(up_r, writer))

    async def _start(self):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", self.port)

    def start(self):
        self.run(self._start())

    def cut(self):
        self.run(self._cut())

    async def _cut(self):
        self.server.close()
        for w in list(self.conns):
            w.transport.abort()
        self.conns.clear()
        await self.server.wait_closed()


def request(port, method, path, body=None, headers=None, form=False):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = dict(headers or {})
    data = None
    if body is not None:
        if form:
            data = "&".join(f"{k}={v}" for k, v in body.items())
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    conn.request(method, path, body=data, headers=headers)
    res = conn.getresponse()
    payload = res.read().decode("utf-8", "replace")
    elapsed = (time.perf_counter() - start) * 1000
    return res.status, res.getheaders(), payload, elapsed


def header(headers, name):
    return [v for k, v in headers if k.lower() == name]


FAILURES = []


def check(cond, what):
    # OUTAGE_REPORT_ONLY=1 goes on after a failure (to describe an older build).
    if not cond:
        print(f"FAILED: {what}")
        FAILURES.append(what)
        if not os.environ.get("OUTAGE_REPORT_ONLY"):
            raise SystemExit(1)
        return
    print(f"ok: {what}")


def main(bin_path: str) -> None:
    db = f"gatehouse_outage_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", f'create database "{db}"'], check=True)
    relay = Relay(free_port())
    relay.start()
    port = free_port()
    data = tempfile.mkdtemp()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env.pop("GATEHOUSE_JWT_PRIVATE_KEY", None)
    env.setdefault("GATEHOUSE_CONFIG", os.path.join(root, "Leptos.toml"))
    env.update({
        "GATEHOUSE_SERVER__ADDRESS": f"127.0.0.1:{port}",
        "GATEHOUSE_SERVER__PUBLIC_URL": f"http://127.0.0.1:{port}",
        "GATEHOUSE_SERVER__DATA_DIR": data,
        "GATEHOUSE_SERVER__SITE_ROOT": os.environ.get("LEPTOS_SITE_ROOT", os.path.join(root, "target", "site")),
        "GATEHOUSE_ACCOUNTS__REQUIRE_VERIFIED_EMAIL": "false",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{relay.port}/{db}",
        "GATEHOUSE_LOG": "warn",
    })
    log_path = os.path.join(data, "server.log")
    log = open(log_path, "w")
    server = subprocess.Popen([bin_path, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                if request(port, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        origin = {"Origin": f"http://127.0.0.1:{port}", "Accept": "application/json"}
        status, headers, body, _ = request(port, "POST", "/fn/signup", {
            "username": "olive", "email": "olive%40example.com", "password": PASSWORD.replace(" ", "+"),
            "password_confirm": PASSWORD.replace(" ", "+"), "display_name": "",
        }, origin, form=True)
        check(status == 200, f"signup in a browser ({status} {body[:120]})")
        cookies = "; ".join(c.split(";")[0] for c in header(headers, "set-cookie"))
        status, _, body, _ = request(port, "POST", "/api/v1/auth/login", {"login": "olive", "password": PASSWORD})
        check(status == 200, "login through the API")
        token = json.loads(body)["access_token"]
        check(request(port, "GET", "/profile", headers={"Cookie": cookies, "Accept": "text/html"})[0] == 200, "profile page before the outage")

        relay.cut()
        print("-- database unreachable --")
        status, headers, body, ms = request(port, "GET", "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        print(f"   GET /api/v1/auth/me: {status} in {ms:.0f} ms")
        check(status == 503 and header(headers, "retry-after") and '"unavailable"' in body, "API: 503, Retry-After, code unavailable (not 401)")
        status, headers, body, ms = request(port, "GET", "/profile", headers={"Cookie": cookies, "Accept": "text/html"})
        print(f"   GET /profile (logged in): {status} in {ms:.0f} ms")
        check(status == 503 and "Your session is safe" in body, "page: 503 with a calm page")
        check(not header(headers, "set-cookie"), "page: no cookie cleared")
        status, headers, _, ms = request(port, "POST", "/api/v1/auth/login", {"login": "olive", "password": PASSWORD})
        print(f"   POST /api/v1/auth/login: {status} in {ms:.0f} ms")
        check(status == 503 and header(headers, "retry-after"), "API login: 503 (not 500)")
        status, headers, body, ms = request(port, "POST", "/fn/login", {"login": "olive", "password": PASSWORD.replace(" ", "+"), "next": ""}, origin, form=True)
        print(f"   POST /fn/login: {status} in {ms:.0f} ms")
        check(status == 503 and header(headers, "retry-after"), "page login: 503 (not 500)")
        check(request(port, "GET", "/readyz")[0] == 503, "/readyz 503")
        check(request(port, "GET", "/healthz")[0] == 200, "/healthz 200")

        relay.start()
        print("-- database back --")
        recovered = False
        for _ in range(50):
            status = request(port, "GET", "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})[0]
            if status == 200:
                recovered = True
                break
            time.sleep(0.2)
        check(recovered, "the same bearer token works again, no restart")
        check(request(port, "GET", "/profile", headers={"Cookie": cookies, "Accept": "text/html"})[0] == 200, "the same browser session works again")
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
        text = open(log_path).read()
        shutil.rmtree(data, ignore_errors=True)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", f'drop database if exists "{db}" with (force)'], check=False)
    check("panicked" not in text, "no panic in the server log")


if __name__ == "__main__":
    main(sys.argv[1])
    if FAILURES:
        raise SystemExit(f"{len(FAILURES)} check(s) failed")
