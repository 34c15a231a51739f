#!/usr/bin/env python3
"""Drives a running `sid serve` through a soak: thousands of requests at a fixed concurrency, mixing good uploads,
bad raws, malformed HTTP, slow clients and disconnects; then checks that the service survived, answered every good
upload with the right image, and gave back its memory and file descriptors. Started by scripts/ci/soak.sh, which
starts the server with short timeouts; see docs/soak.md. Python 3 standard library only.

Exit status: 0 when every check holds, 1 when one fails, 2 on bad arguments.
"""

import argparse
import collections
import os
import random
import select
import socket
import struct
import sys
import threading
import time

CRLF = b"\r\n"
# The API key every /v1/* request carries when the service has keys (--api-key); None when it has none.
API_KEY = None


class Outcome:
    """What one request got: a status (None when the connection closed without an answer) and whether it was right."""

    __slots__ = ("kind", "status", "ok", "detail", "seconds")

    def __init__(self, kind, status, ok, detail, seconds):
        self.kind, self.status, self.ok, self.detail, self.seconds = kind, status, ok, detail, seconds


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


class Closed(Exception):
    """The server closed (or reset) the connection before a whole response arrived."""


def read_response(sock, limit=64 << 20):
    """One HTTP/1.1 response with a Content-Length body (all the service sends); raises Closed on EOF or reset."""
    buffer = bytearray()
    while b"\r\n\r\n" not in buffer:
        chunk = receive(sock)
        if not chunk:
            raise Closed("closed before the response head" + (f" ({len(buffer)} bytes)" if buffer else ""))
        buffer += chunk
        if len(buffer) > 65536 and b"\r\n\r\n" not in buffer:
            raise ValueError("response head over 64 KB")
    head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
    lines = head.split(CRLF)
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ValueError(f"bad status line {lines[0][:80]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    length = int(headers.get("content-length", "0"))
    if length > limit:
        raise ValueError(f"Content-Length {length} over the limit")
    body = bytearray(rest)
    while len(body) < length:
        chunk = receive(sock)
        if not chunk:
            raise Closed(f"closed after {len(body)} of {length} body bytes")
        body += chunk
    return Response(int(parts[1]), headers, bytes(body[:length]))


def receive(sock):
    try:
        return sock.recv(262144)
    except (ConnectionResetError, BrokenPipeError):
        return b""


def send_all(sock, data):
    """Sends data; False when the server already closed (it may answer a request it refuses before reading it)."""
    try:
        sock.sendall(data)
        return True
    except (ConnectionResetError, BrokenPipeError):
        return False


def request_bytes(method, target, headers=(), body=b""):
    lines = [f"{method} {target} HTTP/1.1".encode(), b"Host: soak"]
    lines += [f"{name}: {value}".encode() for name, value in headers]
    return with_key(CRLF.join(lines) + CRLF + CRLF + body)


def with_key(data):
    """The request with the soak's API key after its Host line, if it targets /v1/ and names no key itself."""
    first = data.split(CRLF, 1)[0]
    if API_KEY is None or b" /v1/" not in first or b"\r\nAuthorization:" in data[:65536] or b"\r\nX-API-Key:" in data[:65536]:
        return data
    return data.replace(b"\r\nHost: soak\r\n", b"\r\nHost: soak\r\nAuthorization: Bearer " + API_KEY.encode() + CRLF, 1)


def decompression_bomb(side=9984):
    """The DNG of issue 14: side x side 16-bit CFA in 256x256 lossless-JPEG tiles that all point at one 8 KB tile
    whose Huffman table codes "no change" in one bit (about 21 KB; LibRaw would decode 100 MP from it)."""
    tile = (b"\xff\xd8" + b"\xff\xc3\x00\x0b\x10\x01\x00\x01\x00\x01\x01\x11\x00"
            + b"\xff\xc4\x00\x14\x00\x01" + bytes(15) + b"\x00" + b"\xff\xda\x00\x08\x01\x01\x00\x01\x00\x00"
            + bytes(256 * 256 // 8) + b"\xff\xd9")
    tiles = ((side + 255) // 256) ** 2
    entries = [  # tag, type, values
        (254, 4, [0]), (256, 4, [side]), (257, 4, [side]), (258, 3, [16]), (259, 3, [7]), (262, 3, [32803]),
        (277, 3, [1]), (284, 3, [1]), (322, 4, [256]), (323, 4, [256]), (324, 4, [8] * tiles),
        (325, 4, [len(tile)] * tiles), (33421, 3, [2, 2]), (33422, 1, [0, 1, 1, 2]), (50706, 1, [1, 4, 0, 0]),
        (50717, 4, [65535]),
    ]
    body = tile + b"\x00" * (len(tile) & 1)
    ifd_offset = 8 + len(body)
    extra_start = ifd_offset + 2 + 12 * len(entries) + 4
    table, extra = struct.pack("<H", len(entries)), b""
    for tag, kind, values in entries:
        payload = b"".join(struct.pack({1: "<B", 3: "<H", 4: "<I"}[kind], value) for value in values)
        if len(payload) <= 4:
            table += struct.pack("<HHI", tag, kind, len(values)) + payload.ljust(4, b"\x00")
        else:
            table += struct.pack("<HHII", tag, kind, len(values), extra_start + len(extra))
            extra += payload
    return b"II*\x00" + struct.pack("<I", ifd_offset) + body + table + struct.pack("<I", 0) + extra


def raw_upload(raw, ratio, bits, keep_alive=True):
    headers = [("Content-Type", "application/octet-stream"), ("Content-Length", len(raw))]
    if not keep_alive:
        headers.append(("Connection", "close"))
    return request_bytes("POST", f"/v1/enhance?ratio={ratio}&bits={bits}", headers, raw)


def multipart_upload(raw, ratio, bits, boundary):
    parts = []
    for name, value in (("ratio", str(ratio)), ("bits", str(bits))):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="soak.dng"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + raw + CRLF)
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    headers = [("Content-Type", f"multipart/form-data; boundary={boundary}"), ("Content-Length", len(body))]
    return request_bytes("POST", "/v1/enhance", headers, body)


def reset_close(sock):
    """Closes with a TCP reset rather than a FIN, as a crashed or killed client does."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def percentile(values, fraction):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Server:
    """The process under test, seen from /proc."""

    def __init__(self, pid):
        self.pid = pid

    def alive(self):
        try:
            with open(f"/proc/{self.pid}/status") as status:
                return not any(line.startswith("State:") and ("Z" in line.split()[1] or "X" in line.split()[1])
                               for line in status)
        except FileNotFoundError:
            return False

    def status_kb(self, field):
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)

    def fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def threads(self):
        return self.status_kb("Threads")

    def children(self):
        """Its child processes (decoder helpers, with isolation), zombies included: a child not waited for stays."""
        found = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    # The command name is in parentheses and may hold spaces; the parent pid is the 2nd field after it.
                    fields = stat.read().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
            if int(fields[1]) == self.pid:
                found += 1
        return found


class Soak:
    def __init__(self, options, server):
        self.options = options
        self.server = server
        self.port = options.port
        self.raws = {os.path.basename(path): open(path, "rb").read() for path in options.raw}
        self.crashers = [open(path, "rb").read() for path in options.crash_input]
        self.variants = [(name, ratio, bits) for name in sorted(self.raws) for ratio, bits in ((100, 8), (250, 16))]
        self.expected = {}
        self.outcomes = []
        self.lock = threading.Lock()
        self.bomb = decompression_bomb()
        self.kinds = self.mix()

    def mix(self):
        """Kind -> share of the requests. What can crash LibRaw only when the service decodes out of process: the
        known crashing raws, and raws with bytes changed in their IFDs (1 in a few thousand of those crashes it)."""
        shares = {
            "good-raw": 28, "good-multipart": 9, "good-raw-close": 4, "good-pipelined": 3,
            "bad-truncated-raw": 9, "bad-random-bytes": 5, "bad-mutated-pixels": 3,
            "malformed-http": 13, "slow-head": 2, "slow-body": 2,
            "disconnect-mid-upload": 7, "disconnect-mid-response": 6, "health": 5,
        }
        shares["bad-decompression-bomb"] = 1
        if API_KEY is not None:
            shares["no-key"] = 1
            shares["wrong-key"] = 1
        if self.options.isolated:
            shares["bad-mutated-ifd"] = 6
            if self.crashers:
                shares["bad-libraw-crasher"] = 2
        return shares

    # Connections.

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.options.socket_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def exchange(self, data, sock=None):
        """Sends one request on a new connection (or `sock`) and reads the answer; returns (response, sock)."""
        sock = sock or self.connect()
        sent = send_all(sock, with_key(data))
        try:
            return read_response(sock), sock
        except Closed:
            if not sent:
                raise Closed("closed while the request was being sent, without an answer")
            raise

    # Reference images.

    def fetch_references(self):
        """Each distinct good upload twice as a raw body and once as multipart: all three must be the same PNG."""
        for name, ratio, bits in self.variants:
            raw = self.raws[name]
            bodies = []
            for data in (raw_upload(raw, ratio, bits, keep_alive=False), raw_upload(raw, ratio, bits, keep_alive=False),
                         multipart_upload(raw, ratio, bits, "soakreference")):
                response, sock = self.exchange(data)
                sock.close()
                if response.status != 200 or not response.body.startswith(b"\x89PNG\r\n\x1a\n"):
                    raise SystemExit(f"reference request for {name} ratio {ratio} bits {bits} got {response.status}: "
                                     f"{response.body[:300]!r}")
                bodies.append(response.body)
            if len(set(bodies)) != 1:
                raise SystemExit(f"the service is not deterministic: {name} ratio {ratio} bits {bits} gave "
                                 f"{len(set(bodies))} different PNGs in three requests")
            self.expected[(name, ratio, bits)] = bodies[0]

    # The request kinds. Each returns (status or None, ok, detail).

    def good(self, rng, state, how):
        name, ratio, bits = rng.choice(self.variants)
        raw = self.raws[name]
        if how == "multipart":
            data = multipart_upload(raw, ratio, bits, f"soak{rng.getrandbits(48):012x}")
        else:
            data = raw_upload(raw, ratio, bits, keep_alive=(how == "keep-alive"))
        sock = state.get("sock") if how != "close" else None
        reused = sock is not None
        for attempt in (1, 2):
            try:
                response, sock = self.exchange(data, sock)
                break
            except (Closed, ConnectionError, socket.timeout) as error:
                if sock is not None:
                    sock.close()
                state["sock"] = sock = None
                # The server may have closed an idle kept-alive connection just as this request went out; a client
                # retries that once on a new connection. Anything else is a failure.
                if not (reused and attempt == 1 and isinstance(error, (Closed, ConnectionError))):
                    return None, False, f"good upload lost: {error}"
                reused = False
        else:
            return None, False, "unreachable"
        if how == "close" or response.headers.get("connection", "").lower() == "close":
            sock.close()
            state["sock"] = None
        else:
            state["sock"] = sock
        if response.status != 200:
            return response.status, False, f"{name} ratio {ratio} bits {bits}: {response.body[:200]!r}"
        if response.body != self.expected[(name, ratio, bits)]:
            return 200, False, f"{name} ratio {ratio} bits {bits}: the PNG differs from the reference"
        return 200, True, ""

    def pipelined(self, rng):
        """Two to four uploads sent back to back on one connection before reading: answers come in order."""
        chosen = [rng.choice(self.variants) for _ in range(rng.randint(2, 4))]
        sock = self.connect()
        try:
            send_all(sock, b"".join(raw_upload(self.raws[name], ratio, bits) for name, ratio, bits in chosen))
            for position, key in enumerate(chosen):
                response = read_response(sock)
                if response.status != 200:
                    return response.status, False, f"pipelined upload {position + 1}: {response.body[:200]!r}"
                if response.body != self.expected[key]:
                    return 200, False, f"pipelined upload {position + 1} of {len(chosen)}: the PNG differs"
        except (Closed, socket.timeout) as error:
            return None, False, f"pipelined uploads lost: {error}"
        finally:
            sock.close()
        return 200, True, ""

    def bad_raw(self, rng, body, expected=(400, 415, 422)):
        data = raw_upload(body, 100, 8, keep_alive=False)
        try:
            response, sock = self.exchange(data)
            sock.close()
        except (Closed, ConnectionError) as error:
            if self.options.keep_dir:
                # The input, for whoever looks into why the service gave no answer.
                os.makedirs(self.options.keep_dir, exist_ok=True)
                with open(os.path.join(self.options.keep_dir, f"no-answer-{rng.getrandbits(64):016x}.raw"), "wb") as out:
                    out.write(body)
            return None, False, f"no answer: {error}"
        ok = response.status in expected
        return response.status, ok, "" if ok else f"{response.body[:200]!r}"

    def malformed(self, rng):
        """A request the parser must refuse, with the statuses allowed for it."""
        long_target = "/" + "a" * rng.randint(9000, 70000)
        cases = [
            (b"\x00\x01\x02 GARBAGE\r\n\r\n", (400,)),
            (b"GET / HTTP/1.1\r\nHost: soak\r\nContent-Length: abc\r\n\r\n", (400,)),
            (b"POST /v1/enhance HTTP/1.1\r\nHost: soak\r\nContent-Length: -5\r\n\r\n", (400,)),
            (b"POST /v1/enhance HTTP/1.1\r\nHost: soak\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", (400,)),
            (b"POST /v1/enhance HTTP/1.1\r\nHost: soak\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"5\r\nhello\r\n0\r\n\r\n", (400,)),
            (b"POST /v1/enhance HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n", (400,)),
            (b"POST /v1/enhance HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: gzip\r\n\r\n", (501, 400)),
            (b"POST /v1/enhance HTTP/1.1\r\nHost: soak\r\n\r\n", (411,)),
            (b"GET / HTTP/2.0\r\nHost: soak\r\n\r\n", (505, 400)),
            (b"GET / HTTP/1.1\nHost: soak\n\n", (400,)),
            (b"GET / HTTP/1.1\r\nHost: soak\r\n folded: value\r\n\r\n", (400,)),
            (b"GET / HTTP/1.1\r\nHost: soak\r\nBad Header: x\r\n\r\n", (400,)),
            (b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", (400,)),
            (f"GET {long_target} HTTP/1.1\r\nHost: soak\r\n\r\n".encode(), (414,)),
            (b"GET / HTTP/1.1\r\nHost: soak\r\n" + b"".join(b"X-Flood-%d: %s\r\n" % (i, b"v" * 40)
                                                        for i in range(rng.randint(300, 3000))) + CRLF, (431,)),
            (b"GET / HTTP/1.1\r\nHost: soak\r\nX-Big: " + b"v" * rng.randint(70000, 200000) + b"\r\n\r\n", (431,)),
            (b"POST /v1/enhance HTTP/1.1\r\nHost: soak\r\nContent-Type: application/octet-stream\r\n"
             b"Content-Length: 999999999999\r\n\r\n", (413,)),
            (b"POST /v1/enhance HTTP/1.1\r\nHost: soak\r\nExpect: 100-nope\r\nContent-Length: 3\r\n\r\nabc", (417,)),
            (b"POST /v1/enhance HTTP/1.1\r\nHost: soak\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc",
             (415,)),
            (b"DELETE /v1/enhance HTTP/1.1\r\nHost: soak\r\n\r\n", (405,)),
            (b"GET /nowhere HTTP/1.1\r\nHost: soak\r\n\r\n", (404,)),
            (b"GET /v1/enhance?ratio=%zz HTTP/1.1\r\nHost: soak\r\n\r\n", (400, 405)),
            (bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 2000))) + b"\r\n\r\n", None),
        ]
        data, allowed = rng.choice(cases)
        try:
            response, sock = self.exchange(data)
            sock.close()
        except Closed as error:
            # Refusing a flood by closing before the whole request is sent is fair; a hang is not.
            return None, allowed is None or b"X-Flood" in data or b"X-Big" in data, f"closed: {error}"
        except socket.timeout:
            return None, False, f"no answer within {self.options.socket_timeout} s to {data[:60]!r}"
        if allowed is None:
            return response.status, 400 <= response.status < 600, f"random bytes got {response.status}"
        ok = response.status in allowed
        return response.status, ok, "" if ok else f"{data[:60]!r} got {response.status}, expected {allowed}"

    def slow_head(self, rng):
        """Drips a request head slower than the head timeout allows: the server must answer 408 (or close)."""
        sock = self.connect()
        data = raw_upload(self.raws[self.variants[0][0]], 100, 8)
        head = data[:data.index(b"\r\n\r\n")]
        started = time.monotonic()
        try:
            for index in range(0, len(head), 4):
                if not send_all(sock, head[index:index + 4]):
                    break
                # Stop dripping as soon as the server answers (or closes).
                if select.select([sock], [], [], self.options.drip_interval)[0]:
                    break
                if time.monotonic() - started > self.options.header_timeout * 3 + 5:
                    return None, False, "still waiting for the head long after the head timeout"
            response = read_response(sock)
        except Closed:
            return None, True, "closed"
        except socket.timeout:
            return None, False, "no answer to a slow head"
        finally:
            sock.close()
        return response.status, response.status == 408, f"a slow head got {response.status}"

    def slow_body(self, rng):
        """Sends a head and part of the body, then stalls past the body idle timeout: 408 (or close)."""
        sock = self.connect()
        data = raw_upload(self.raws[self.variants[0][0]], 100, 8)
        split = data.index(b"\r\n\r\n") + 4 + rng.randint(0, 2000)
        try:
            send_all(sock, data[:split])
            response = read_response(sock)
        except Closed:
            return None, True, "closed"
        except socket.timeout:
            return None, False, "no answer to a stalled body"
        finally:
            sock.close()
        return response.status, response.status == 408, f"a stalled body got {response.status}"

    def disconnect_upload(self, rng):
        """Sends part of an upload and goes away (FIN or reset)."""
        name, ratio, bits = rng.choice(self.variants)
        raw = self.raws[name]
        data = multipart_upload(raw, ratio, bits, "soakcut") if rng.random() < 0.3 else raw_upload(raw, ratio, bits)
        sock = self.connect()
        send_all(sock, data[:rng.randint(1, len(data) - 1)])
        reset_close(sock) if rng.random() < 0.5 else sock.close()
        return None, True, ""

    def disconnect_response(self, rng):
        """Sends a whole good upload, then leaves before reading the answer, or after its first bytes."""
        name, ratio, bits = rng.choice(self.variants)
        sock = self.connect()
        send_all(sock, raw_upload(self.raws[name], ratio, bits))
        if rng.random() < 0.5:
            time.sleep(rng.random() * 0.05)
        else:
            receive(sock)
        reset_close(sock) if rng.random() < 0.5 else sock.close()
        return None, True, ""

    def unauthorised(self, rng, kind):
        """An upload with no API key or a wrong one: 401 with WWW-Authenticate, before the body is read."""
        name, ratio, bits = rng.choice(self.variants)
        header = b"" if kind == "no-key" else (b"X-API-Key: wrong-" if rng.random() < 0.5 else b"Authorization: Bearer wrong-") \
            + f"{rng.getrandbits(64):016x}".encode() + CRLF
        data = raw_upload(self.raws[name], ratio, bits, keep_alive=False).replace(
            b"\r\nAuthorization: Bearer " + (API_KEY or "").encode() + CRLF, CRLF + header, 1)
        sock = self.connect()
        try:
            send_all(sock, data)
            response = read_response(sock)
        except (Closed, socket.timeout) as error:
            return None, False, f"no answer without a valid key: {error}"
        finally:
            sock.close()
        ok = response.status == 401 and response.headers.get("www-authenticate", "").startswith("Bearer")
        return response.status, ok, "" if ok else f"{kind}: {response.status} {response.headers}"

    def health(self, rng):
        path = rng.choice(["/healthz", "/readyz", "/v1/models", "/metrics", "/"])
        response, sock = self.exchange(request_bytes("GET", path, [("Connection", "close")]))
        sock.close()
        return response.status, response.status == 200, "" if response.status == 200 else f"{path}: {response.status}"

    def run_one(self, kind, rng, state):
        if kind == "good-raw":
            return self.good(rng, state, "keep-alive")
        if kind == "good-raw-close":
            return self.good(rng, state, "close")
        if kind == "good-multipart":
            return self.good(rng, state, "multipart")
        if kind == "good-pipelined":
            return self.pipelined(rng)
        if kind == "bad-truncated-raw":
            raw = self.raws[rng.choice(self.variants)[0]]
            # At least two bytes short: LibRaw decodes a DNG missing only its last byte, counting the half-read
            # sample (a known LibRaw leniency), and the service rightly answers it with an image.
            return self.bad_raw(rng, raw[:rng.randint(1, len(raw) - 2)])
        if kind == "bad-random-bytes":
            return self.bad_raw(rng, bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4096))))
        if kind in ("bad-mutated-ifd", "bad-mutated-pixels"):
            # Bytes changed in the TIFF header and IFDs (the first KB), where LibRaw's parser looks, or only in the
            # pixels after them, which LibRaw reads without interpreting.
            raw = bytearray(self.raws[rng.choice(self.variants)[0]])
            start, end = (4, min(len(raw), 1024)) if kind == "bad-mutated-ifd" else (1024, len(raw))
            for _ in range(rng.randint(1, 16)):
                raw[rng.randrange(start, end)] = rng.getrandbits(8)
            # A changed byte may leave a decodable raw: then the right answer is an image.
            return self.bad_raw(rng, bytes(raw), expected=(200, 400, 415, 422) if kind == "bad-mutated-ifd" else (200,))
        if kind == "bad-libraw-crasher":
            return self.bad_raw(rng, rng.choice(self.crashers), expected=(400, 415, 422, 500))
        if kind == "bad-decompression-bomb":
            # Refused from its header before it queues: 422 whatever the pixel budget.
            return self.bad_raw(rng, self.bomb, expected=(422,))
        if kind in ("no-key", "wrong-key"):
            return self.unauthorised(rng, kind)
        if kind == "malformed-http":
            return self.malformed(rng)
        if kind == "slow-head":
            return self.slow_head(rng)
        if kind == "slow-body":
            return self.slow_body(rng)
        if kind == "disconnect-mid-upload":
            return self.disconnect_upload(rng)
        if kind == "disconnect-mid-response":
            return self.disconnect_response(rng)
        if kind == "health":
            return self.health(rng)
        raise ValueError(kind)

    # Phases.

    def schedule(self, count, seed):
        rng = random.Random(seed)
        kinds, weights = zip(*sorted(self.kinds.items()))
        return rng.choices(kinds, weights=weights, k=count)

    def run_phase(self, count, seed, record):
        plan = self.schedule(count, seed)
        cursor = iter(enumerate(plan))
        cursor_lock = threading.Lock()
        outcomes = []

        server_gone = threading.Event()

        def client(number):
            rng = random.Random(seed * 1000 + number)
            state = {}
            while not server_gone.is_set():
                with cursor_lock:
                    item = next(cursor, None)
                if item is None:
                    break
                _, kind = item
                started = time.monotonic()
                try:
                    status, ok, detail = self.run_one(kind, rng, state)
                except (OSError, ValueError) as error:
                    status, ok, detail = None, False, f"{type(error).__name__}: {error}"
                outcome = Outcome(kind, status, ok, detail, time.monotonic() - started)
                with cursor_lock:
                    outcomes.append(outcome)
                # Once the server is gone, every request fails the same way: stop, so the first failures are the
                # ones printed.
                if not ok and not self.server.alive():
                    server_gone.set()
            if state.get("sock"):
                state["sock"].close()

        threads = [threading.Thread(target=client, args=(number,)) for number in range(self.options.concurrency)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        if record:
            self.outcomes = outcomes
        return outcomes, elapsed

    def settle(self, server, baseline_fds=None, baseline_children=None):
        """Waits until the server is idle: no connection fds or child processes beyond the baseline (or a stable
        fd count, when there is no baseline yet)."""
        deadline = time.monotonic() + self.options.settle_seconds
        last = None
        while time.monotonic() < deadline:
            count = server.fds()
            if baseline_fds is not None and count <= baseline_fds and server.children() <= baseline_children:
                return count
            if baseline_fds is None and count == last:
                return count
            last = count
            time.sleep(0.5)
        return server.fds()


def probe(port, path, timeout=5):
    """One GET on a new connection; the status, or None if there was no answer."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        try:
            send_all(sock, request_bytes("GET", path, [("Connection", "close")]))
            return read_response(sock).status
        finally:
            sock.close()
    except (OSError, Closed, ValueError):
        return None


def slowloris(options):
    """Clients trickling request heads at the main port, reconnecting whenever they are cut off, while the admin
    port's probes are asked every 0.1 s: every admin probe must answer 200. Returns the failures."""
    stop = threading.Event()
    reconnects = [0]

    def trickler():
        while not stop.is_set():
            try:
                sock = socket.create_connection(("127.0.0.1", options.port), timeout=5)
            except OSError:
                time.sleep(0.05)
                continue
            try:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: soak\r\nX-Trickle: ")
                while not stop.is_set():
                    sock.sendall(b"a")
                    if select.select([sock], [], [], 0.1)[0]:
                        break  # answered (408, 503) or closed: reconnect
            except OSError:
                pass
            finally:
                sock.close()
                reconnects[0] += 1

    threads = [threading.Thread(target=trickler, daemon=True) for _ in range(options.slowloris_connections)]
    for thread in threads:
        thread.start()
    admin, main_port = collections.Counter(), collections.Counter()
    deadline = time.monotonic() + options.slowloris_seconds
    while time.monotonic() < deadline:
        for path in ("/healthz", "/readyz"):
            admin[probe(options.admin_port, path)] += 1
        main_port[probe(options.port, "/healthz", timeout=2)] += 1
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
    print(f"# slowloris: {options.slowloris_connections} trickling clients on the main port for "
          f"{options.slowloris_seconds:.0f} s ({reconnects[0]} reconnects); admin probes {dict(admin)}; "
          f"main-port /healthz {dict(main_port)}")
    bad = sum(count for status, count in admin.items() if status != 200)
    return [f"{bad} of {sum(admin.values())} admin-port probes did not answer 200 during the slowloris"] if bad else []


def big_job_memory(options, server):
    """Idle RSS before and after one upload far larger than the soak's: the worker drops the buffers it sized for
    it and free memory goes back to the kernel. Returns the failures."""
    raw = open(options.big_raw, "rb").read()
    rss_before = server.status_kb("VmRSS")
    sock = socket.create_connection(("127.0.0.1", options.port), timeout=120)
    try:
        send_all(sock, raw_upload(raw, 100, 8, keep_alive=False))
        status = read_response(sock, limit=256 << 20).status
    except (OSError, Closed, ValueError) as error:
        status = f"no answer ({error})"
    finally:
        sock.close()
    time.sleep(2)
    rss_after = server.status_kb("VmRSS")
    print(f"# idle RSS before a {len(raw) / 1e6:.1f} MB upload {rss_before / 1024:.1f} MiB, after it "
          f"{rss_after / 1024:.1f} MiB (answer {status})")
    return [] if status == 200 else [f"the big upload got {status}"]


def drain_check(options):
    """Uploads that keep the worker busy and the queue full, then SIGTERM to a server whose grace period is shorter
    than their work: every upload must get an answer (200, or 503 with Retry-After), probes on the admin port must
    answer through the drain. Prints `expect-exit 3` when work was cut off (else 0) for soak.sh."""
    raw = open(options.big_raw, "rb").read()
    results = [None] * options.drain_uploads

    def upload(index):
        try:
            sock = socket.create_connection(("127.0.0.1", options.port), timeout=120)
            try:
                send_all(sock, raw_upload(raw, 100, 8, keep_alive=False))
                response = read_response(sock, limit=256 << 20)
                results[index] = (response.status, response.headers.get("retry-after"))
            finally:
                sock.close()
        except (OSError, Closed, ValueError) as error:
            results[index] = (None, str(error))

    threads = [threading.Thread(target=upload, args=(index,)) for index in range(options.drain_uploads)]
    for thread in threads:
        thread.start()
        time.sleep(0.2)
    time.sleep(1)
    os.kill(options.pid, 15)
    time.sleep(0.3)
    during = (probe(options.admin_port, "/readyz"), probe(options.admin_port, "/healthz"))
    for thread in threads:
        thread.join(timeout=180)
    answered = collections.Counter(status for status, _ in results)
    print(f"# drain past the grace period: {options.drain_uploads} uploads answered {dict(answered)}; "
          f"admin /readyz, /healthz during the drain: {during}")
    failures = []
    for status, detail in results:
        if status not in (200, 503) or (status == 503 and detail is None):
            failures.append(f"an upload in flight at SIGTERM got {status} ({detail})")
    if during != (503, 200):
        failures.append(f"admin probes during the drain answered {during}, not (503, 200)")
    print(f"expect-exit {3 if answered.get(503) else 0}")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server's process id, read from /proc")
    parser.add_argument("--raw", action="append", required=True, help="a good raw upload (repeatable)")
    parser.add_argument("--isolated", action="store_true",
                        help="the service decodes raws in a subprocess: send what can crash LibRaw")
    parser.add_argument("--crash-input", action="append", default=[],
                        help="a raw that crashes LibRaw (sent only with --isolated)")
    parser.add_argument("--keep-dir", help="where to keep the bad raws that got no answer")
    parser.add_argument("--requests", type=int, default=10000)
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--header-timeout", type=float, required=True, help="the server's, in seconds")
    parser.add_argument("--drip-interval", type=float, default=0.2)
    parser.add_argument("--socket-timeout", type=float, default=30)
    parser.add_argument("--settle-seconds", type=float, default=20)
    parser.add_argument("--rss-tolerance", type=float, default=0.10)
    parser.add_argument("--api-key", help="the key every /v1/* request carries; adds requests without one")
    parser.add_argument("--admin-port", type=int, help="the admin listener: probed through a slowloris")
    parser.add_argument("--slowloris-connections", type=int, default=80)
    parser.add_argument("--slowloris-seconds", type=float, default=10)
    parser.add_argument("--big-raw", help="an upload far larger than the --raw ones: idle RSS before and after it")
    parser.add_argument("--drain-check", action="store_true",
                        help="only the drain case: --drain-uploads of --big-raw, then SIGTERM to --pid")
    parser.add_argument("--drain-uploads", type=int, default=4)
    options = parser.parse_args()
    global API_KEY
    API_KEY = options.api_key
    if options.drain_check:
        failures = drain_check(options)
        for failure in failures:
            print(f"CHECK FAILED: {failure}")
        print("drain: " + ("ok" if not failures else "FAILED"))
        return 1 if failures else 0

    server = Server(options.pid)
    soak = Soak(options, server)
    print(f"# soak: {options.requests} requests after {options.warmup} warm-up requests, {options.concurrency} "
          f"clients, {len(soak.raws)} raws x 2 settings; "
          + (f"decoding isolated: mutated IFDs and {len(soak.crashers)} LibRaw-crashing inputs are sent"
             if options.isolated else "decoding in process: mutated IFDs and LibRaw-crashing inputs are NOT sent"))
    soak.fetch_references()
    print(f"# references: {len(soak.expected)} distinct uploads, each the same PNG twice as a raw body and once as "
          "multipart")

    warmup, warmup_seconds = soak.run_phase(options.warmup, options.seed + 1, record=False)
    warm_failures = [o for o in warmup if not o.ok]
    fds_warm = soak.settle(server)
    time.sleep(1)
    rss_warm, threads_warm, fds_warm = server.status_kb("VmRSS"), server.threads(), server.fds()
    children_warm = server.children()
    print(f"# warm-up: {len(warmup)} requests in {warmup_seconds:.1f} s, {len(warm_failures)} failed; "
          f"RSS {rss_warm / 1024:.1f} MiB, {fds_warm} fds, {threads_warm} threads, {children_warm} child processes")

    outcomes, seconds = soak.run_phase(options.requests, options.seed, record=True)
    alive_after_run = server.alive()
    fds_end = soak.settle(server, baseline_fds=fds_warm, baseline_children=children_warm) if alive_after_run else None
    time.sleep(1)
    failures = []
    if alive_after_run:
        rss_end, hwm, threads_end, fds_end = (server.status_kb("VmRSS"), server.status_kb("VmHWM"), server.threads(),
                                              server.fds())
        children_end = server.children()
        try:
            health, sock = soak.exchange(request_bytes("GET", "/healthz", [("Connection", "close")]))
            sock.close()
            health_status = health.status
        except (OSError, Closed) as error:
            health_status = f"no answer ({error})"
    else:
        rss_end = hwm = threads_end = fds_end = health_status = None
        failures.append("the server process died during the run")

    by_kind = collections.defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    print(f"\n{'kind':26} {'count':>6} {'failed':>6}  {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for kind in sorted(by_kind):
        group = by_kind[kind]
        statuses = collections.Counter("closed" if o.status is None else o.status for o in group)
        latencies = [o.seconds * 1000 for o in group]
        text = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items(), key=lambda item: str(item[0])))
        print(f"{kind:26} {len(group):6d} {sum(not o.ok for o in group):6d}  {percentile(latencies, 0.5):8.1f} "
              f"{percentile(latencies, 0.99):8.1f}  {text}")
    good = [o for o in outcomes if o.kind.startswith("good-")]
    all_latencies = [o.seconds * 1000 for o in outcomes]
    print(f"\n{len(outcomes)} requests in {seconds:.1f} s: {len(outcomes) / seconds:.1f} req/s; latency p50 "
          f"{percentile(all_latencies, 0.5):.1f} ms, p99 {percentile(all_latencies, 0.99):.1f} ms; good uploads "
          f"{sum(o.ok for o in good)}/{len(good)} right (p50 {percentile([o.seconds * 1000 for o in good], 0.5):.1f} "
          f"ms, p99 {percentile([o.seconds * 1000 for o in good], 0.99):.1f} ms)")

    wrong = [o for o in outcomes if not o.ok]
    for outcome in wrong[:20]:
        print(f"FAILED {outcome.kind}: status {outcome.status}: {outcome.detail}")
    if wrong:
        failures.append(f"{len(wrong)} requests got a wrong answer (first ones above)")
    if len(outcomes) != options.requests:
        failures.append(f"only {len(outcomes)} of {options.requests} requests ran")
    if alive_after_run:
        growth = (rss_end - rss_warm) / rss_warm
        print(f"RSS after warm-up {rss_warm / 1024:.1f} MiB, after the run {rss_end / 1024:.1f} MiB "
              f"({growth * 100:+.1f} %, limit {options.rss_tolerance * 100:.0f} %; "
              f"{(rss_end - rss_warm) * 1024 / len(outcomes):+.0f} bytes per request); peak {hwm / 1024:.1f} MiB")
        print(f"open fds after warm-up {fds_warm}, after the run {fds_end}; threads {threads_warm} -> {threads_end}; "
              f"child processes {children_warm} -> {children_end}; /healthz {health_status}")
        if growth > options.rss_tolerance:
            failures.append(f"RSS grew {growth * 100:.1f} % over the run")
        if fds_end > fds_warm:
            failures.append(f"{fds_end - fds_warm} file descriptors more than after the warm-up")
        if children_end > children_warm:
            failures.append(f"{children_end - children_warm} child processes more than after the warm-up "
                            "(decoders not waited for?)")
        if health_status != 200:
            failures.append(f"/healthz answered {health_status}")
    if alive_after_run and options.admin_port:
        failures += slowloris(options)
    if alive_after_run and options.big_raw:
        failures += big_job_memory(options, server)
    if warm_failures:
        print(f"warm-up failures: {len(warm_failures)}; first: {warm_failures[0].kind}: {warm_failures[0].detail}")
        failures.append(f"{len(warm_failures)} warm-up requests got a wrong answer")
    for failure in failures:
        print(f"CHECK FAILED: {failure}")
    print("soak: " + ("ok" if not failures else "FAILED"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
