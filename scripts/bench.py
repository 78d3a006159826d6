#!/usr/bin/env python3
"""Gatehouse's benchmark: the release server against a bare axum route in the same run.

Started by `scripts/bench` (which builds and installs wrk); see the README's Performance
section. Each run starts the bare reference (examples/bare.rs) and Gatehouse on a fresh
SQLite database, then measures every scenario below with wrk for a fixed time. The
report is the median of the runs: a table on stdout, `results.json` and `chart.svg` in
the output folder. It is a benchmark, not a test: nothing here fails on a slow machine.
"""

import argparse
import gzip
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import brotli  # PyPI; scripts/bench installs it

ROOT = Path(__file__).resolve().parent.parent
BARE_PORT = 3900
PORT = 3901
USER, EMAIL = "bench", "bench@example.com"
PASSWORD = "Bench-run correct horse battery staple 42"
MIB = 1024 * 1024

# (key, what, target as text, check on the median results)
TARGETS = [
    ("me", "GET /api/v1/auth/me, bearer, 64 conn.", ">= 40 % of bare, p99 < 5 ms",
     lambda r: r["me"]["ratio"] >= 0.40 and r["me"]["p99_ms"] < 5),
    ("login_page", "GET /login, 64 conn.", ">= 15 % of bare",
     lambda r: r["login_page"]["ratio"] >= 0.15),
    ("profile", "GET /profile, logged in, 64 conn.", ">= 10 % of bare",
     lambda r: r["profile"]["ratio"] >= 0.10),
    ("login", "password login, 8 conn.", ">= 90 % of the argon2 limit",
     lambda r: r["login"]["ratio"] >= 0.90),
    ("storm", "health and me p99 in a 64-conn. login storm", "health < 10 ms, me < 20 ms",
     lambda r: r["storm"]["health_p99_ms"] < 10 and r["storm"]["me_p99_ms"] < 20),
    ("memory", "resident memory", "idle < 48 MiB; storm and after < 128 MiB",
     lambda r: r["memory"]["idle_mib"] < 48 and r["memory"]["storm_max_mib"] < 128
     and r["memory"]["after_mib"] < 128),
    ("bundle", "first load of /login, compressed", "wasm <= 300 KiB gzip; all <= 350 KiB",
     lambda r: r["bundle"] is not None and r["bundle"].get("wasm_gzip_kib", 1e9) <= 300
     and r["bundle"]["total_kib"] <= 350),
    ("startup", "start to /healthz (SQLite, migrated)", "< 300 ms",
     lambda r: r["startup"]["ms"] < 300),
]


def log(msg):
    print(f"\033[1m==> {msg}\033[0m", file=sys.stderr, flush=True)


def port_free(port):
    """Refuses to measure whatever else already listens where a reference should."""
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is already taken; stop what listens there")


def wait_port(port, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"nothing answers on port {port}")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def http(method, path, body=None, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", method=method,
                                 data=body, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as res:
        return res.status, res.headers, res.read()


class Server:
    """Gatehouse on a fresh data folder, with the settings a benchmark needs."""

    def __init__(self, binary, site_root, data):
        self.binary, self.data = binary, data
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("GATEHOUSE_", "LEPTOS_")) and k != "DATABASE_URL"}
        self.env.update({
            "GATEHOUSE_CONFIG": str(data / "none.toml"),
            "GATEHOUSE_SERVER__ADDRESS": f"127.0.0.1:{PORT}",
            "GATEHOUSE_SERVER__PUBLIC_URL": f"http://localhost:{PORT}",
            "GATEHOUSE_SERVER__DATA_DIR": str(data),
            "GATEHOUSE_SERVER__SITE_ROOT": str(site_root),
            # A run lasts minutes: one token for all of it.
            "GATEHOUSE_TOKENS__ACCESS_TTL": "1h",
            # All load comes from 127.0.0.1: per-address limits would measure themselves.
            "GATEHOUSE_ACCOUNTS__LOGIN_ATTEMPTS_PER_IP_PER_MINUTE": "0",
            "GATEHOUSE_ACCOUNTS__HASHES_PER_IP_PER_MINUTE": "0",
            "GATEHOUSE_LOG": "warn",
        })
        self.proc = None

    def run(self, *args, stdin=None):
        subprocess.run([self.binary, *args], env=self.env, input=stdin, check=True,
                       capture_output=True, text=True)

    def start(self):
        """Starts the server; returns milliseconds from spawn to the first 200 of /healthz."""
        started = time.perf_counter()
        self.proc = subprocess.Popen([self.binary, "serve"], env=self.env,
                                     stdout=open(self.data / "server.log", "ab"),
                                     stderr=subprocess.STDOUT)
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited; see {self.data / 'server.log'}")
            try:
                with socket.create_connection(("127.0.0.1", PORT), timeout=0.05) as s:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    if s.recv(16).startswith(b"HTTP/1.1 200"):
                        return (time.perf_counter() - started) * 1000
            except OSError:
                pass
            time.sleep(0.002)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(out):
    def ms(pct):
        m = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(m.group(1)) * UNITS[m.group(2)] if m else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": ms(50), "p99_ms": ms(99),
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (sum(int(x) for x in sock.groups()) if sock else 0),
    }


def wrk(url, conns, seconds, headers=(), script=None):
    cmd = ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


class Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("href") and a.get("rel") in ("stylesheet", "modulepreload", "preload"):
            self.urls.append(a["href"])
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"])


def first_load():
    """Bytes on the wire for a first visit to /login: as a browser asks (br, gzip), and
    the wasm again as gzip alone, the unit the target is stated in."""
    enc = {"Accept-Encoding": "br, gzip"}
    _, headers, page = http("GET", "/login", headers=enc)
    coding = headers.get("Content-Encoding")
    html = {"gzip": gzip.decompress, "br": brotli.decompress}.get(coding, bytes)(page)
    parser = Assets()
    parser.feed(html.decode())
    total, wasm, wasm_gzip, files = len(page), 0, 0, 1
    for u in dict.fromkeys(parser.urls):
        try:
            _, _, body = http("GET", u, headers=enc)
        except Exception:
            continue
        total += len(body)
        files += 1
        if u.endswith(".wasm"):
            wasm += len(body)
            _, h, gz = http("GET", u, headers={"Accept-Encoding": "gzip"})
            wasm_gzip += len(gz) if h.get("Content-Encoding") == "gzip" else len(gzip.compress(gz, 9))
    if not wasm:
        return None  # no built site to measure
    return {"total_kib": total / 1024, "wasm_kib": wasm / 1024,
            "wasm_gzip_kib": wasm_gzip / 1024, "files": files}


def one_run(args, workdir, n):
    log(f"Run {n}: starting the bare reference and Gatehouse")
    data = workdir / f"run{n}"
    data.mkdir()
    port_free(BARE_PORT)
    port_free(PORT)
    bare = subprocess.Popen([args.bare, f"127.0.0.1:{BARE_PORT}"])
    server = Server(args.bin, args.site, data)
    res = {}
    try:
        wait_port(BARE_PORT)
        server.run("migrate")
        server.run("create-admin", "--username", USER, "--email", EMAIL, stdin=PASSWORD + "\n")
        # The first start compresses the site's assets in the background; let it finish
        # before measuring anything.
        wasm = list(Path(args.site).glob("pkg/*.wasm"))
        if wasm:
            server.start()
            end = time.time() + 120
            while time.time() < end and not all(Path(f"{w}.br").exists() for w in wasm):
                time.sleep(0.2)
            server.stop()
        startups = []
        for _ in range(5):
            startups.append(server.start())
            server.stop()
        res["startup"] = {"ms": statistics.median(startups), "all_ms": startups}
        server.start()
        time.sleep(1)
        idle = rss_mib(server.proc.pid)
        login_body = json.dumps({"login": USER, "password": PASSWORD}).encode()
        _, _, body = http("POST", "/api/v1/auth/login", login_body,
                          {"Content-Type": "application/json"})
        token = json.loads(body)["access_token"]
        auth = f"Authorization: Bearer {token}"
        script = workdir / "login.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(login_body.decode())}\n"
            'wrk.headers["Content-Type"] = "application/json"\n')
        d = args.duration
        base = f"http://127.0.0.1:{PORT}"

        log(f"Run {n}: bare axum, me, /login, /profile ({d} s each, 64 connections)")
        res["bare"] = wrk(f"http://127.0.0.1:{BARE_PORT}/me", 64, d)
        res["me"] = wrk(f"{base}/api/v1/auth/me", 64, d, [auth])
        res["login_page"] = wrk(f"{base}/login", 64, d)
        res["profile"] = wrk(f"{base}/profile", 64, d, [f"Cookie: gatehouse_access={token}"])
        for k in ("me", "login_page", "profile"):
            res[k]["ratio"] = res[k]["rps"] / res["bare"]["rps"]

        log(f"Run {n}: password login (8 connections) and the argon2 limit, {d} s each")
        res["login"] = wrk(f"{base}/api/v1/auth/login", 8, d, script=script)
        limit = json.loads(subprocess.run([args.hash_limit, "8", str(d)], capture_output=True,
                                          text=True, check=True).stdout)
        res["login"]["limit_rps"] = limit["per_second"]
        res["login"]["ratio"] = res["login"]["rps"] / limit["per_second"]

        s = args.storm
        log(f"Run {n}: {s}-second login storm at 64 connections, probing health and me")
        samples, stop = [], threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(rss_mib(server.proc.pid))
                time.sleep(0.25)

        sampler = threading.Thread(target=sample)
        sampler.start()
        probes = {}

        def probe(name, url, headers=()):
            time.sleep(2)  # let the storm build up first
            probes[name] = wrk(url, 2, max(s - 4, 1), list(headers))

        threads = [threading.Thread(target=probe, args=("health", f"{base}/healthz")),
                   threading.Thread(target=probe, args=("me", f"{base}/api/v1/auth/me", [auth]))]
        for t in threads:
            t.start()
        storm = wrk(f"{base}/api/v1/auth/login", 64, s, script=script)
        for t in threads:
            t.join()
        time.sleep(3)
        stop.set()
        sampler.join()
        res["storm"] = {"login_rps": storm["rps"], "login_errors": storm["errors"],
                        "health_p99_ms": probes["health"]["p99_ms"],
                        "me_p99_ms": probes["me"]["p99_ms"],
                        "probe_errors": probes["health"]["errors"] + probes["me"]["errors"]}
        res["memory"] = {"idle_mib": idle, "storm_max_mib": max(samples),
                         "after_mib": rss_mib(server.proc.pid)}
        res["bundle"] = first_load()
    finally:
        server.stop()
        bare.terminate()
        bare.wait()
    return res


def median_results(runs):
    """Each number is the median over the runs."""
    def merge(values):
        if values[0] is None:
            return None
        if isinstance(values[0], dict):
            return {k: merge([v[k] for v in values]) for k in values[0]}
        if isinstance(values[0], (int, float)):
            return statistics.median(values)
        return values[0]
    return merge(runs)


def table(r):
    rows = [
        ("bare axum GET /me (reference)", f"{r['bare']['rps']:.0f} req/s", f"p50 {r['bare']['p50_ms']:.2f} ms, p99 {r['bare']['p99_ms']:.2f} ms", ""),
    ]
    for key in ("me", "login_page", "profile"):
        x = r[key]
        rows.append((key, f"{x['rps']:.0f} req/s = {x['ratio']*100:.1f} % of bare",
                     f"p50 {x['p50_ms']:.2f} ms, p99 {x['p99_ms']:.2f} ms, errors {x['errors']:.0f}", ""))
    x = r["login"]
    rows.append(("login", f"{x['rps']:.1f} req/s = {x['ratio']*100:.0f} % of {x['limit_rps']:.1f}/s argon2 limit",
                 f"p50 {x['p50_ms']:.0f} ms, p99 {x['p99_ms']:.0f} ms, errors {x['errors']:.0f}", ""))
    x = r["storm"]
    rows.append(("storm", f"health p99 {x['health_p99_ms']:.2f} ms, me p99 {x['me_p99_ms']:.2f} ms",
                 f"logins {x['login_rps']:.1f}/s, errors {x['login_errors'] + x['probe_errors']:.0f}", ""))
    x = r["memory"]
    rows.append(("memory", f"idle {x['idle_mib']:.1f} MiB", f"storm max {x['storm_max_mib']:.1f} MiB, after {x['after_mib']:.1f} MiB", ""))
    x = r["bundle"]
    if x is None:
        rows.append(("bundle", "not measured (no built site)", "", ""))
    else:
        rows.append(("bundle", f"wasm {x.get('wasm_gzip_kib', 0):.0f} KiB gzip, {x['wasm_kib']:.0f} KiB as sent (br)", f"first load {x['total_kib']:.0f} KiB in {x['files']:.0f} files", ""))
    rows.append(("startup", f"{r['startup']['ms']:.0f} ms", "", ""))
    status = {k: ("meets" if check(r) else "MISSES") + f" target: {t}" for k, _, t, check in TARGETS}
    lines = []
    for name, a, b, _ in rows:
        lines.append(f"{name:<32} {a:<48} {b:<52} {status.get(name, '')}")
    return "\n".join(lines)


def chart(r, path):
    """Each scenario's result as a share of its target (100 % = just meets it)."""
    bars = [
        ("me, req/s vs bare", r["me"]["ratio"] / 0.40),
        ("me, p99", 5 / max(r["me"]["p99_ms"], 1e-3)),
        ("/login, req/s vs bare", r["login_page"]["ratio"] / 0.15),
        ("/profile, req/s vs bare", r["profile"]["ratio"] / 0.10),
        ("login vs argon2 limit", r["login"]["ratio"] / 0.90),
        ("health p99 in storm", 10 / max(r["storm"]["health_p99_ms"], 1e-3)),
        ("me p99 in storm", 20 / max(r["storm"]["me_p99_ms"], 1e-3)),
        ("idle memory", 48 / max(r["memory"]["idle_mib"], 1e-3)),
        ("memory in storm", 128 / max(r["memory"]["storm_max_mib"], 1e-3)),
        ("start-up", 300 / max(r["startup"]["ms"], 1e-3)),
    ]
    if r["bundle"] is not None:
        bars += [("wasm, gzip", 300 / max(r["bundle"].get("wasm_gzip_kib", 1e9), 1e-3)),
                 ("first load, compressed", 350 / max(r["bundle"]["total_kib"], 1e-3))]
    w, left, bar_h, gap, top = 760, 200, 18, 8, 40
    scale = (w - left - 60) / 3.0  # up to 3x the target
    h = top + len(bars) * (bar_h + gap) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="#fff"/>',
           '<text x="10" y="20" font-size="14" font-weight="bold">Gatehouse benchmark: '
           'each result as a multiple of its target (right of the line meets it)</text>']
    for i, (label, v) in enumerate(bars):
        y = top + i * (bar_h + gap)
        width = min(v, 3.0) * scale
        color = "#2e7d32" if v >= 1 else "#c62828"
        out.append(f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{label}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{width:.1f}" height="{bar_h}" fill="{color}"/>')
        out.append(f'<text x="{left + width + 4:.1f}" y="{y + 13}">{v:.2f}×</text>')
    x1 = left + scale
    out.append(f'<line x1="{x1}" y1="{top - 6}" x2="{x1}" y2="{h - 24}" stroke="#333" stroke-dasharray="4 3"/>')
    out.append(f'<text x="{x1}" y="{h - 8}" text-anchor="middle">target</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--bare", required=True)
    p.add_argument("--hash-limit", required=True)
    p.add_argument("--site", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    p.add_argument("--storm", type=int, default=60, help="seconds of the login storm")
    p.add_argument("--out", default=str(ROOT / "target" / "bench"))
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gatehouse-bench-") as tmp:
        runs = [one_run(args, Path(tmp), n + 1) for n in range(args.runs)]
    result = median_results(runs)
    doc = {"machine": {"cores": os.cpu_count(), "kernel": os.uname().release},
           "settings": {"runs": args.runs, "duration_s": args.duration, "storm_s": args.storm},
           "median": result, "runs": runs,
           "targets": {k: {"what": w, "target": t, "met": check(result)} for k, w, t, check in TARGETS}}
    (out / "results.json").write_text(json.dumps(doc, indent=2) + "\n")
    chart(result, out / "chart.svg")
    print(table(result))
    print(f"\nMedians of {args.runs} runs; results in {out / 'results.json'}, chart in {out / 'chart.svg'}")


if __name__ == "__main__":
    main()
