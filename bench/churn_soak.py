#!/usr/bin/env python3
"""Randomized churn soak: never a wrong byte, whatever the shape.

Each round draws its own shape from the seed: a fresh gateway (empty data dir) with the
README's default flags, a random cache budget (8-64 MB, or none; each torrent's, or the data
dir's for seeds from 2^31 up), a random multi-file layout
(odd sizes, tiny and empty files, files straddling pieces, media names), a random piece size,
1-3 seeders found through a tracker, and a random client mix (fast, slow, pausing, hanging up,
multi-range). Faults come at random moments: content files deleted or truncated behind the
gateway's back, the gateway killed (SIGKILL) and started again on the same data dir. Every
body byte of every 200/206 is compared with the source; any difference fails the run.

    bench/churn_soak.py BUILD_DIR [--seed N] [--rounds N] [--seconds S] [--seeds-file F]

--seeds-file runs every seed listed there (one per line, '#' comments) before the new ones:
the seeds that ever failed stay as regression cases. Prints the seed of each round first, so a
failure can be replayed with --seed N --rounds 1. Exits 1 on any wrong byte, 2 on a set-up
failure. Traffic stays on 127.0.0.1; every process started is ended by its pid.
"""
import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

MEDIA_NAMES = ["movie.mp4", "film.mkv", "clip.webm", "episode.avi", "song.mp3", "trailer.mp4"]
OTHER_NAMES = ["cover.jpg", "sample.bin", "subs/en.srt", "subs/fr.srt", "info.nfo", "readme.txt",
               "extras/making-of.mkv", "extras/deleted-scene.mp4", "data/part.bin"]
CLIENT_KINDS = ["fast", "fast", "fast", "slow", "pausing", "hangup", "multirange"]


def bdecode(data, at=0):
    """(value, next offset) of the bencoded value at `at`."""
    lead = data[at:at + 1]
    if lead == b"i":
        end = data.index(b"e", at)
        return int(data[at + 1:end]), end + 1
    if lead in (b"l", b"d"):
        items, at = [], at + 1
        while data[at:at + 1] != b"e":
            item, at = bdecode(data, at)
            items.append(item)
        return (items if lead == b"l" else dict(zip(items[::2], items[1::2]))), at + 1
    colon = data.index(b":", at)
    length = int(data[at:colon])
    return data[colon + 1:colon + 1 + length], colon + 1 + length


def torrent_offsets(path):
    """{path inside the torrent: offset in its byte stream}, pad files included in the count."""
    with open(path, "rb") as f:
        info = bdecode(f.read())[0][b"info"]
    offsets, at = {}, 0
    for entry in info.get(b"files", []):
        offsets["/".join(p.decode() for p in entry[b"path"])] = at
        at += entry[b"length"]
    return offsets


def log(*args):
    print(*args, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Shape:
    """Everything random about one round, drawn from its seed."""

    def __init__(self, seed, seconds, faults=True):
        rng = random.Random(seed)
        self.seed = seed
        self.seconds = seconds
        self.piece_kib = rng.choice([32, 64, 128, 256, 256, 256, 512, 1024])
        self.budget_mb = rng.choice([0, 8, 12, 16, 16, 24, 32, 64])
        self.seeders = rng.randint(1, 3)
        self.rate_mib = rng.choice([0, 0, 8, 20, 40])
        self.clients = rng.randint(10, 100)
        self.kinds = [rng.choice(CLIENT_KINDS) for _ in range(self.clients)]
        names = rng.sample(MEDIA_NAMES, rng.randint(1, 3)) + rng.sample(OTHER_NAMES,
                                                                         rng.randint(2, 6))
        rng.shuffle(names)
        self.files = []
        total = 0
        for name in names:
            kind = rng.choice(["empty", "tiny", "small", "medium", "medium", "large"])
            size = {"empty": 0, "tiny": rng.randint(1, 5000), "small": rng.randint(5000, 400_000),
                    "medium": rng.randint(400_000, 12 << 20),
                    "large": rng.randint(12 << 20, 40 << 20)}[kind]
            if total + size > (96 << 20):
                size = rng.randint(1, 300_000)
            total += size
            self.files.append((name, size))
        # Faults: (second, what), in time order.
        self.faults = []
        for _ in range(rng.choice([0, 0, 1, 2, 3]) if faults else 0):
            what = rng.choice(["delete", "truncate", "kill", "kill", "evict-storm"])
            self.faults.append((rng.uniform(1, max(1.5, seconds - 2)), what))
        self.faults.sort()
        # The budget is the data dir's (--cache-budget) for seeds from 2^31 up, each torrent's
        # below: every seed kept before there was a choice replays as it was.
        self.whole_dir_budget = bool(self.budget_mb) and seed >= (1 << 31)
        self.rng = rng

    def describe(self):
        budget = (f"{self.budget_mb} MB" + (" for the data dir" if self.whole_dir_budget else "")
                  if self.budget_mb else "none")
        files = ", ".join(f"{n} {s}" for n, s in self.files)
        kinds = {k: self.kinds.count(k) for k in sorted(set(self.kinds))}
        return (f"pieces {self.piece_kib} KiB, budget {budget}, {self.seeders} seeder(s) at "
                f"{self.rate_mib or 'unlimited'} MiB/s, {self.clients} clients {kinds}, "
                f"faults {[(round(t, 1), w) for t, w in self.faults]}\n    files: {files}")


class Process:
    """A child process ended by its pid, whatever happens."""

    def __init__(self, argv, log_path, env=None):
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.log, env=env,
                                     start_new_session=True)

    def stop(self, sig=signal.SIGTERM, wait=10):
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
                self.proc.wait(timeout=wait)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.responses = 0
        self.statuses = {}
        self.bytes_checked = 0
        self.wrong_bytes = 0
        self.wrong_responses = 0
        self.framing = 0
        self.transport = 0
        self.examples = []
        self.transport_examples = []

    def add(self, **kw):
        with self.lock:
            for key, value in kw.items():
                setattr(self, key, getattr(self, key) + value)

    def status(self, code):
        with self.lock:
            self.responses += 1
            self.statuses[code] = self.statuses.get(code, 0) + 1

    def wrong(self, what):
        with self.lock:
            self.wrong_responses += 1
            if len(self.examples) < 10:
                self.examples.append(what)


class Round:
    def __init__(self, build, shape, scratch):
        self.build = build
        self.shape = shape
        self.dir = scratch
        self.content = os.path.join(scratch, "content", "pack")
        self.data_dir = os.path.join(scratch, "data")
        self.stats = Stats()
        self.stop_at = 0
        self.gateway = None
        self.gateway_lock = threading.Lock()
        self.port = 0
        self.sources = {}  # name -> bytes

    def write_content(self):
        for name, size in self.shape.files:
            path = os.path.join(self.content, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = os.urandom(size)
            with open(path, "wb") as out:
                out.write(data)
            self.sources[name] = data

    def start_swarm(self):
        argv = [os.path.join(self.build, "bench", "bench_swarm"), "--content-dir", self.content,
                "--piece-kib", str(self.shape.piece_kib), "--rate-mib", str(self.shape.rate_mib),
                "--seeders", str(self.shape.seeders), "--tracker", "1"]
        self.swarm = Process(argv, os.path.join(self.dir, "swarm.log"))
        deadline = time.time() + 120
        while time.time() < deadline:
            line = self.swarm.proc.stdout.readline().decode()
            if not line:
                raise RuntimeError("bench_swarm ended before READY")
            words = line.split()
            if words and words[0] == "TORRENT":
                self.hash = words[1]
                self.offsets = torrent_offsets(words[2])
            if words and words[0] == "READY":
                self.input_dir = words[2]
                return
        raise RuntimeError("bench_swarm did not start")

    def start_gateway(self):
        # The README's defaults, but for what a test must pin: loopback only, its own ports.
        self.port = self.port or free_port()
        argv = [os.path.join(self.build, "seeder"), "serve", "--host", "127.0.0.1", "--port",
                str(self.port), "--input", self.input_dir, "--data-dir", self.data_dir,
                "--bt-listen", "127.0.0.1:0", "--no-dht", "--no-lsd", "--probe-port", "0",
                "--metrics-port", "0", "--log-level", "info", "--verify-sent"]
        if self.shape.budget_mb:
            flag = "--cache-budget" if self.shape.whole_dir_budget else "--per-torrent-cache-budget"
            argv += [flag, f"{self.shape.budget_mb}MB"]
        gateway = Process(argv, os.path.join(self.dir, "gateway.log"))
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if gateway.proc.poll() is not None:
                    raise RuntimeError("gateway exited at start")
                time.sleep(0.05)
        with self.gateway_lock:
            self.gateway = gateway

    def content_files(self):
        root = os.path.join(self.data_dir, self.hash, "content")
        found = []
        for top, _, names in os.walk(root):
            found += [os.path.join(top, n) for n in names]
        return found

    # ---- clients ----
    def pick_range(self, rng, size):
        """(header value or None, [(first, last)] expected, whole?)"""
        choice = rng.random()
        if size == 0 or choice < 0.08:
            return None, [(0, size - 1)] if size else []
        if choice < 0.55:
            first = rng.randrange(size)
            last = min(size - 1, first + rng.choice([1, 100, 4096, 65536, 1 << 20, 3 << 20]))
            return f"bytes={first}-{last}", [(first, last)]
        if choice < 0.7:
            first = rng.randrange(size)
            return f"bytes={first}-", [(first, size - 1)]
        if choice < 0.8:
            n = rng.randint(1, min(size, 300_000))
            return f"bytes=-{n}", [(size - n, size - 1)]
        return None, [(0, size - 1)]

    def multi_range(self, rng, size):
        parts = sorted(rng.sample(range(size), min(size, rng.randint(2, 4))))
        ranges = []
        for first in parts:
            last = min(size - 1, first + rng.randint(0, 20000))
            ranges.append((first, last))
        header = "bytes=" + ",".join(f"{a}-{b}" for a, b in ranges)
        return header, ranges

    def client(self, index, kind):
        rng = random.Random(f"{self.shape.seed}/client/{index}")
        names = [n for n, _ in self.shape.files]
        conn = None
        while time.time() < self.stop_at:
            name = rng.choice(names)
            size = len(self.sources[name])
            if kind == "multirange" and size > 2 and rng.random() < 0.5:
                header, ranges = self.multi_range(rng, size)
            else:
                header, ranges = self.pick_range(rng, size)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
                path = f"/{self.hash}/pack/{name}"
                conn.request("GET", path, headers={"Range": header} if header else {})
                response = conn.getresponse()
                keep = self.check(rng, kind, name, header, ranges, response)
                if keep and response.read(1):  # bytes past the body's end (and marks it read)
                    self.stats.add(framing=1)
                    keep = False
                if not keep:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as error:
                self.stats.add(transport=1)
                with self.stats.lock:
                    if len(self.stats.transport_examples) < 3:
                        self.stats.transport_examples.append(f"{kind} {header}: {error!r}")
                if conn:
                    conn.close()
                conn = None
                time.sleep(0.05)
        if conn:
            conn.close()

    def read_body(self, rng, kind, response, length):
        """Reads up to `length` bytes the way this kind of client does; None when it hung up."""
        chunks = []
        got = 0
        hang_at = rng.randrange(length) if kind == "hangup" and length and rng.random() < 0.3 else -1
        pause_at = rng.randrange(length) if kind == "pausing" and length else -1
        while got < length:
            step = 16384 if kind == "slow" else 262144
            data = response.read(min(step, length - got))
            if not data:
                break
            chunks.append(data)
            got += len(data)
            if kind == "slow":
                time.sleep(0.005)
            if 0 <= pause_at < got:
                time.sleep(rng.uniform(0.5, 3))
                pause_at = -1
            if 0 <= hang_at < got:
                return b"".join(chunks), False
        # Cut short (the gateway stopped the response, or was killed): not complete, not framing.
        return b"".join(chunks), got == length

    def compare(self, name, first, body, what):
        source = self.sources[name][first:first + len(body)]
        self.stats.add(bytes_checked=len(body))
        if body == source:
            return True
        spans = []  # (first, last) file offsets of each run of wrong bytes
        for i, (a, b) in enumerate(zip(body, source)):
            if a != b:
                # A source byte that happens to equal the wrong one does not split a run.
                if spans and spans[-1][1] >= first + i - 16:
                    spans[-1][1] = first + i
                else:
                    spans.append([first + i, first + i])
        wrong = sum(b - a + 1 for a, b in spans)
        zeros = all(body[a - first:b - first + 1].count(0) == b - a + 1 for a, b in spans)
        self.stats.add(wrong_bytes=wrong)
        piece = self.shape.piece_kib * 1024
        base = self.offsets.get(name, 0)
        shown = ", ".join(f"{a}-{b} (piece {(base + a) // piece} +{(base + a) % piece}"
                          f"..+{(base + b) % piece})" for a, b in spans[:6])
        shown += " ..." if len(spans) > 6 else ""
        self.stats.wrong(f"{what} {name} [{first}+{len(body)}]: {wrong} wrong bytes "
                         f"({'all zeros' if zeros else 'not all zeros'}) at {shown}")
        return False

    def check(self, rng, kind, name, header, ranges, response):
        status = response.status
        self.stats.status(status)
        size = len(self.sources[name])
        ctype = response.getheader("Content-Type", "")
        if status in (200, 206) and ctype.startswith("multipart/byteranges"):
            body, complete = self.read_body(rng, kind, response,
                                            int(response.getheader("Content-Length", "0")))
            self.check_multipart(name, ctype, body, complete)
            return complete and not response.will_close
        if status == 200:
            body, complete = self.read_body(rng, kind, response, size)
            if complete and len(body) != size:
                self.stats.add(framing=1)
            self.compare(name, 0, body, f"200 {header}")
            return complete and not response.will_close
        if status == 206:
            match = re.match(r"bytes (\d+)-(\d+)/(\d+)", response.getheader("Content-Range", ""))
            if not match or int(match.group(3)) != size:
                self.stats.add(framing=1)
                return False
            first, last = int(match.group(1)), int(match.group(2))
            if len(ranges) == 1 and (first, last) != ranges[0]:
                self.stats.add(framing=1)
            body, complete = self.read_body(rng, kind, response, last - first + 1)
            self.compare(name, first, body, f"206 {header}")
            return complete and not response.will_close
        response.read()  # errors: a short body, never a wrong byte
        return not response.will_close

    def check_multipart(self, name, ctype, body, complete):
        boundary = ctype.split("boundary=")[-1].strip('"').encode()
        for part in body.split(b"--" + boundary)[1:]:
            if part.startswith(b"--"):
                break
            head, _, rest = part.partition(b"\r\n\r\n")
            match = re.search(rb"Content-Range: bytes (\d+)-(\d+)/(\d+)", head)
            if not match:
                continue
            first, last = int(match.group(1)), int(match.group(2))
            data = rest[:last - first + 1]
            if complete and len(data) != last - first + 1:
                self.stats.add(framing=1)
            self.compare(name, first, data, "206 multipart")

    # ---- faults ----
    def fault(self, what):
        files = self.content_files()
        if what == "delete" and files:
            victim = self.shape.rng.choice(files)
            os.unlink(victim)
            log(f"    fault: deleted {os.path.relpath(victim, self.data_dir)}")
        elif what == "truncate" and files:
            victim = self.shape.rng.choice(files)
            size = os.path.getsize(victim)
            os.truncate(victim, self.shape.rng.randrange(size + 1) if size else 0)
            log(f"    fault: truncated {os.path.relpath(victim, self.data_dir)}")
        elif what == "kill":
            with self.gateway_lock:
                gateway, self.gateway = self.gateway, None
            gateway.stop(signal.SIGKILL)
            log("    fault: gateway killed (SIGKILL), starting it again")
            self.start_gateway()
        elif what == "evict-storm":
            # Many whole-file reads at once: every piece wanted, the budget overrun at once.
            def storm(name):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
                    conn.request("GET", f"/{self.hash}/pack/{name}")
                    response = conn.getresponse()
                    if response.status == 200:
                        self.compare(name, 0, response.read(), "200 storm")
                    conn.close()
                except (OSError, http.client.HTTPException):
                    self.stats.add(transport=1)
            names = [n for n, s in self.shape.files if s > 0]
            threads = [threading.Thread(target=storm, args=(n,), daemon=True) for n in names]
            for t in threads:
                t.start()
            log("    fault: eviction storm (every file at once)")

    def sent_pieces_failed(self):
        """Lines of --verify-sent: a piece hashed again after a response sent from it failed."""
        try:
            with open(os.path.join(self.dir, "gateway.log"), "rb") as log_file:
                return sum(1 for line in log_file
                           if b"failed verification after it was sent" in line)
        except OSError:
            return 0

    def run(self):
        self.write_content()
        self.start_swarm()
        try:
            self.start_gateway()
            started = time.time()
            self.stop_at = started + self.shape.seconds
            threads = [threading.Thread(target=self.client, args=(i, k), daemon=True)
                       for i, k in enumerate(self.shape.kinds)]
            for t in threads:
                t.start()
            for at, what in self.shape.faults:
                delay = started + at - time.time()
                if delay > 0:
                    time.sleep(delay)
                self.fault(what)
            for t in threads:
                t.join(timeout=max(1, self.stop_at - time.time()) + 100)
        finally:
            with self.gateway_lock:
                gateway = self.gateway
            if gateway:
                gateway.stop()
            self.swarm.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seeds-file", default=None)
    parser.add_argument("--no-faults", action="store_true",
                        help="no deleted or truncated files, no restarts")
    parser.add_argument("--keep", action="store_true", help="keep each round's scratch dir")
    parser.add_argument("--shard", default="1/1",
                        help="K/N: run every Nth round from the Kth, so that N processes share "
                             "the rounds (CI runs two side by side)")
    args = parser.parse_args()
    shard, shards = (int(x) for x in args.shard.split("/"))
    if not 1 <= shard <= shards:
        parser.error(f"--shard {args.shard}: K must be 1 to N")

    seeds = []
    if args.seeds_file:
        with open(args.seeds_file) as f:
            seeds += [int(line.split("#")[0]) for line in f if line.split("#")[0].strip()]
    base = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    seeds += [base + i for i in range(args.rounds)]
    seeds = seeds[shard - 1::shards]
    log(f"churn soak: {len(seeds)} round(s), {args.seconds:g} s each: seeds {seeds}"
        f"{f' (shard {shard} of {shards})' if shards > 1 else ''}")

    totals = Stats()
    failed = []
    scratch_root = tempfile.mkdtemp(prefix="seeder-churn-", dir=os.environ.get("TMPDIR", "/tmp"))
    try:
        for seed in seeds:
            shape = Shape(seed, args.seconds, faults=not args.no_faults)
            log(f"round seed {seed}: {shape.describe()}")
            scratch = os.path.join(scratch_root, str(seed))
            os.makedirs(scratch)
            one = Round(os.path.abspath(args.build), shape, scratch)
            try:
                one.run()
            except RuntimeError as error:
                log(f"  set-up failed: {error}")
                return 2
            s = one.stats
            log(f"  responses {s.responses} {dict(sorted(s.statuses.items()))}, bytes checked "
                f"{s.bytes_checked}, wrong bytes {s.wrong_bytes} in {s.wrong_responses} "
                f"response(s), framing errors {s.framing}, transport errors {s.transport}, "
                f"sent pieces failing re-verification {one.sent_pieces_failed()}")
            for example in s.examples:
                log(f"    wrong: {example}")
            for example in s.transport_examples:
                log(f"    transport: {example}")
            for key in ("responses", "bytes_checked", "wrong_bytes", "wrong_responses",
                        "framing"):
                totals.add(**{key: getattr(s, key)})
            if s.wrong_bytes or s.wrong_responses or s.framing or one.sent_pieces_failed():
                failed.append(seed)
                log(f"  FAILED: seed {seed} (log: {scratch}/gateway.log)")
            elif not args.keep:
                shutil.rmtree(scratch, ignore_errors=True)
    finally:
        if not failed and not args.keep:
            shutil.rmtree(scratch_root, ignore_errors=True)
    log(f"churn soak: {len(seeds)} rounds, {totals.responses} responses, {totals.bytes_checked} "
        f"bytes checked, {totals.wrong_bytes} wrong bytes, {totals.framing} framing errors")
    if failed:
        log(f"failed seeds (add them to bench/churn_seeds.txt): {failed}")
        return 1
    log(f"{len(seeds)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
