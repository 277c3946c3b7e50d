#!/usr/bin/env python3
"""One disk budget for all torrents (--cache-budget): N torrents streamed in turn, whole, through
a budget smaller than any two of them. Prints the data dir's peak bytes on disk (sampled every
50 ms: allocated blocks of every content file, what `du` counts) against the budget plus the
active window (one reader at a time: its read-ahead), each torrent's rate, and checks every byte
against the source.

    bench/disk_budget_bench.py BUILD_DIR [--torrents 20] [--size-mib 24] [--budget-mib 40]
                               [--piece-kib 256] [--rate-mib 40] [--seed N]

The swarm is bench_swarm (tracker-found libtorrent seeders on 127.0.0.1, each torrent one
media-named file, movie_NN.mp4); the gateway runs with the README's defaults plus
--cache-budget. Every process it starts it ends by its pid."""

import argparse
import hashlib
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from churn_soak import Process, free_port  # noqa: E402

import socket  # noqa: E402


def allocated_bytes(root):
    total = 0
    for top, _, names in os.walk(root):
        for name in names:
            try:
                total += os.stat(os.path.join(top, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


class Sampler(threading.Thread):
    def __init__(self, root):
        super().__init__(daemon=True)
        self.root = root
        self.peak = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            self.peak = max(self.peak, allocated_bytes(self.root))
            time.sleep(0.05)


def start_swarm(build, media_dir, args, scratch):
    argv = [os.path.join(build, "bench", "bench_swarm"), "--media-dir", media_dir,
            "--piece-kib", str(args.piece_kib), "--rate-mib", str(args.rate_mib),
            "--seeders", "2", "--tracker", "1"]
    swarm = Process(argv, os.path.join(scratch, "swarm.log"))
    torrents = {}
    deadline = time.time() + 300
    while time.time() < deadline:
        line = swarm.proc.stdout.readline().decode()
        if not line:
            swarm.stop()
            raise RuntimeError("bench_swarm ended before READY")
        words = line.split()
        if words and words[0] == "TORRENT":
            torrents[os.path.basename(words[3])] = words[1]
        if words and words[0] == "READY":
            return swarm, words[2], torrents
    swarm.stop()
    raise RuntimeError("bench_swarm did not start")


def start_gateway(build, input_dir, data_dir, port, budget_mib, scratch):
    argv = [os.path.join(build, "seeder"), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--input", input_dir, "--data-dir", data_dir, "--bt-listen", "127.0.0.1:0",
            "--probe-port", "0", "--metrics-port", "0", "--cache-budget", f"{budget_mib}MiB"]
    gateway = Process(argv, os.path.join(scratch, "gateway.log"))
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return gateway
        except OSError:
            if gateway.proc.poll() is not None:
                raise RuntimeError("gateway exited at start (see gateway.log)")
            time.sleep(0.05)
    gateway.stop()
    raise RuntimeError("gateway did not listen")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--torrents", type=int, default=20)
    parser.add_argument("--size-mib", type=int, default=24)
    parser.add_argument("--budget-mib", type=int, default=40)
    parser.add_argument("--piece-kib", type=int, default=256)
    parser.add_argument("--rate-mib", type=int, default=40)
    parser.add_argument("--seed", type=int, default=random.randrange(1 << 30))
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    rng = random.Random(args.seed)
    print(f"disk budget bench: seed {args.seed}, {args.torrents} torrents of {args.size_mib} MiB, "
          f"--cache-budget {args.budget_mib} MiB", flush=True)
    scratch = tempfile.mkdtemp(prefix="seeder-disk-budget-")
    media = os.path.join(scratch, "media")
    os.makedirs(media)
    digests = {}
    for index in range(args.torrents):
        name = f"movie_{index:02d}.mp4"
        data = rng.randbytes(args.size_mib << 20)
        with open(os.path.join(media, name), "wb") as out:
            out.write(data)
        digests[name] = hashlib.sha256(data).hexdigest()
    swarm, input_dir, torrents = start_swarm(build, media, args, scratch)
    data_dir = os.path.join(scratch, "data")
    port = free_port()
    gateway = None
    sampler = Sampler(data_dir)
    wrong = 0
    try:
        gateway = start_gateway(build, input_dir, data_dir, port, args.budget_mib, scratch)
        sampler.start()
        for name in sorted(digests):
            started = time.time()
            url = f"http://127.0.0.1:{port}/{torrents[name]}/{name}"
            digest = hashlib.sha256()
            with urllib.request.urlopen(url, timeout=120) as response:
                while chunk := response.read(1 << 20):
                    digest.update(chunk)
            seconds = time.time() - started
            ok = digest.hexdigest() == digests[name]
            wrong += 0 if ok else 1
            print(f"  {name}: {args.size_mib / seconds:6.1f} MiB/s, bytes "
                  f"{'right' if ok else 'WRONG'}, on disk now "
                  f"{allocated_bytes(data_dir) / (1 << 20):6.1f} MiB, peak "
                  f"{sampler.peak / (1 << 20):6.1f} MiB", flush=True)
    finally:
        sampler.stopping.set()
        if gateway:
            gateway.stop()
        swarm.stop()
    readahead_mib = 20  # the read-ahead under a cache budget (README, --max-readahead)
    allowed = args.budget_mib + readahead_mib
    total = args.torrents * args.size_mib
    print(f"peak on disk {sampler.peak / (1 << 20):.1f} MiB = "
          f"{sampler.peak / (args.budget_mib << 20):.2f} x the budget ({args.budget_mib} MiB); "
          f"budget + one reader's window {allowed} MiB; without a budget the data dir would "
          f"hold {total} MiB ({total / args.budget_mib:.1f} x)")
    print(f"{args.torrents} torrents streamed whole, {wrong} with wrong bytes")
    shutil.rmtree(scratch, ignore_errors=True)  # the sources alone are N x size
    if wrong or sampler.peak > (allowed << 20):
        print("FAILED", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
