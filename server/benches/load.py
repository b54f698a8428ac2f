#!/usr/bin/env python3
"""Load figures for README's "Reliability and security", measured with wrk
(Debian package `wrk`) on loopback against the release build:

  python3 server/benches/load.py            # builds `memoreez` in release first

It starts `memoreez serve` on a fresh SQLite file and folder, makes a
student's lab job (the status endpoint a student's page reads) and a
customer's model being made (its progress stream), then runs wrk for 10 s
each on the health check, the home page and the job status endpoint, and
once more on the status endpoint while 500 clients hold the progress stream
open. It prints requests/s and latency percentiles, and fails if a stream
was dropped. Nothing here is a pass/fail goal: the figures go to README.
"""

import asyncio
import json
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STREAMS = 500
DURATION = "10s"


def target_dir():
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def tetrahedron_stl():
    corners = [(0, 0, 0), (20, 0, 0), (0, 20, 0), (0, 0, 20)]
    faces = [(0, 2, 1), (0, 1, 3), (0, 3, 2), (1, 2, 3)]
    out = bytearray(b"load".ljust(80, b" ")) + struct.pack("<I", len(faces))
    for face in faces:
        out += struct.pack("<3f", 0, 0, 0)
        for index in face:
            out += struct.pack("<3f", *corners[index])
        out += b"\0\0"
    return bytes(out)


def lab_job(base):
    """A student's submission; the status URL their page reads."""
    boundary = "load-boundary-1234"
    fields = {
        "name": "Ada Lovelace", "email": "ada@example.edu", "discipline": "Mechanical Engineering",
        "class_number": "ME 2110", "method": "filament", "color": "Red", "notes": "", "acknowledged": "true",
    }
    body = b""
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="part.stl"\r\n'
             "Content-Type: application/octet-stream\r\n\r\n").encode() + tetrahedron_stl() + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    status, _, answer = request(f"{base}/api/lab/submissions", body,
                                {"content-type": f"multipart/form-data; boundary={boundary}"})
    assert status == 201, (status, answer)
    url = json.loads(answer)["url"]  # /lab/jobs/{id}?t=…
    return "/api" + url


def model_in_the_making(base):
    """A customer's chosen design whose model waits for a GPU worker: its progress stream."""
    story = json.dumps({"hobbies": ["sailing"], "facts": "Owns a beagle called Pip."}).encode()
    status, headers, answer = request(f"{base}/api/creations", story, {"content-type": "application/json"})
    assert status == 201, (status, answer)
    cookie = next(c.split(";")[0] for c in headers.get_all("Set-Cookie") if c.startswith("memoreez_visitor="))
    creation = json.loads(answer)["id"]
    for _ in range(300):
        status, _, answer = request(f"{base}/api/creations/{creation}/select", b'{"concept": 0}',
                                    {"content-type": "application/json", "cookie": cookie})
        if status == 202:
            return json.loads(answer)["events_url"]
        time.sleep(0.1)
    raise SystemExit(f"the design was never ready to pick: {status} {answer}")


def wrk(url, connections=64):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{DURATION}", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: re.search(rf"^\s+{p}%\s+(\S+)", out, re.M).group(1) for p in ("50", "90", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, latency, int(errors.group(1)) if errors else 0


async def hold_streams(port, path, count, ready, stop):
    """`count` clients reading the stream; sets `ready` when all are open."""
    opened = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n")[0] and b"text/event-stream" in head, head
        opened.append((reader, writer))
    ready.set()

    async def drain(reader):
        while not reader.at_eof():
            if not await reader.read(4096):
                return "closed"
        return "closed"

    readers = [asyncio.ensure_future(drain(reader)) for reader, _ in opened]
    await stop.wait()
    dropped = sum(task.done() for task in readers)
    for task in readers:
        task.cancel()
    for _, writer in opened:
        writer.close()
    return dropped


async def under_streams(port, path, status_url):
    ready, stop = asyncio.Event(), asyncio.Event()
    holder = asyncio.ensure_future(hold_streams(port, path, STREAMS, ready, stop))
    await asyncio.wait_for(ready.wait(), 60)
    figures = await asyncio.get_running_loop().run_in_executor(None, wrk, status_url)
    stop.set()
    return figures, await holder


def main():
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    subprocess.run(["cargo", "build", "--release", "-p", "memoreez"], cwd=ROOT, check=True)
    binary = target_dir() / "release" / "memoreez"
    folder = Path(tempfile.mkdtemp(prefix="memoreez-load-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, MEMOREEZ_ADDR=f"127.0.0.1:{port}", MEMOREEZ_DATABASE_URL=f"sqlite://{folder}/load.db",
               MEMOREEZ_FILES_DIR=str(folder / "files"), MEMOREEZ_LOG="warn", MEMOREEZ_REMOTE_MESH_WORKERS="true",
               MEMOREEZ_SITE_ROOT=str(target_dir() / "site"),
               # 500 streams from one address: past the per-client cap meant for browsers.
               MEMOREEZ_STREAMS_PER_CLIENT="1024")
    server = subprocess.Popen([str(binary), "serve"], env=env, cwd=folder)
    try:
        for _ in range(300):
            try:
                if request(f"{base}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        status_url = base + lab_job(base)
        events = model_in_the_making(base)
        rows = []
        for name, url in [("GET /healthz", f"{base}/healthz"), ("GET / (home page, rendered)", f"{base}/"),
                          ("GET /api/lab/jobs/{id}?t=… (job status)", status_url)]:
            rows.append((name, *wrk(url)))
        (rate, latency, errors), dropped = asyncio.run(under_streams(port, events, status_url))
        rows.append((f"job status, {STREAMS} progress streams open", rate, latency, errors))
        print(f"\nwrk -t2 -c64 -d{DURATION} on loopback, release build, SQLite; {os.cpu_count()} cores shared with wrk")
        print("| endpoint | requests/s | p50 | p90 | p99 | errors |\n| --- | --- | --- | --- | --- | --- |")
        for name, rate, latency, errors in rows:
            print(f"| {name} | {rate:,.0f} | {latency['50']} | {latency['90']} | {latency['99']} | {errors} |")
        print(f"streams dropped while measured: {dropped} of {STREAMS}")
        if dropped or any(row[3] for row in rows):
            sys.exit(1)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
