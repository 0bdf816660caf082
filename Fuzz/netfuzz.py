#!/usr/bin/env python3
"""Hostile requests against the real servers on loopback (issue 16, `make fuzz`).

Starts the built fotobox-office (mutual TLS, a test PKI made with the openssl CLI) or fotoboxd (the kiosk
API over plain HTTP, replay camera, simulated pad) and sends them mutated requests for a fixed time from a
fixed random seed: methods, paths, headers (lying Content-Lengths, chunked bodies, foreign Hosts and
Origins, oversized and repeated headers), bodies (JSON of the wrong shape, broken multipart, mutated
photos), raw bytes, and for the office TLS without a certificate, with each role's certificate, and no TLS
at all. A finding is a server that died, a health check that got no answer within its deadline (during or
after the campaign), or a 5xx other than 501/505 (method or HTTP version not supported, libmicrohttpd's
answers) and the documented 503/507. Prints one JSON line of figures.

Usage: netfuzz.py office|kiosk --build DIR --photos DIR --seconds N [--seed N] [--workers N]
"""
import argparse
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HEALTH_DEADLINE = 5.0       # seconds: a health check must be answered within this during and after the run
READ_DEADLINE = 1.0         # seconds a single hostile request may go unanswered (a body announced but not sent)
HEALTH_EVERY = 0.5          # seconds between health checks while fuzzing

PKI_SCRIPT = r"""
set -e
cd "$1"
ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.pem -days 2 -subj "/CN=$1 fuzz CA" 2>/dev/null; }
cert() { openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $1.key -out $1.csr -subj "$3" 2>/dev/null
         printf '%s\n' "$4" > $1.ext
         openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -out $1.pem -days 2 -extfile $1.ext 2>/dev/null; }
ca office-ca; ca station-ca
cert office office-ca "/CN=127.0.0.1" "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth"
cert station station-ca "/CN=station-1/OU=station" "extendedKeyUsage=clientAuth"
cert clerk station-ca "/CN=Clerk Fuzz/OU=clerk" "extendedKeyUsage=clientAuth"
cert monitoring station-ca "/CN=prometheus/OU=monitoring" "extendedKeyUsage=clientAuth"
chmod 600 *.key
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mutator:
    """Request-level and byte-level mutations, all drawn from one seeded generator per worker."""

    METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "CONNECT", "get", "G\x00T", "", "A" * 3000]
    VERSIONS = ["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "HTTP/1.1x", "", "http/1.1"]
    PATH_TAILS = ["/..", "/../../etc/passwd", "%2e%2e%2f", "%00", "%", "%zz", "?", "?a=1&a=2&=&&", "#frag", "//", "/.",
                  "?token=" + "A" * 2000, "/\u00e4\u00f6", "\\", ";x=1", "/" + "a" * 9000]
    JSON_VALUES = [None, True, False, 0, -1, 2 ** 63, 1e308, -0.0, "", "A" * 10000, "\u202e\u0000\ud7ff", [], {}, [[[]]], "ABCD-1234",
                   "de", "ar", "xx", "../../x", {"a": [1, 2, {"b": None}]}]

    def __init__(self, rng, tokens):
        self.rng = rng
        self.tokens = tokens

    def header_edit(self, headers, body):
        r = self.rng
        choice = r.randrange(14)
        if choice == 0:
            headers.append(("Content-Length", r.choice(["-1", "0", "18446744073709551616", "99999999", str(len(body) + r.randrange(1, 50)),
                                                      str(max(len(body) - 1, 0)), "1e3", " 5", "0x10", "1, 2"])))
        elif choice == 1:
            headers.append(("Transfer-Encoding", r.choice(["chunked", "gzip, chunked", "identity", "chunked, chunked", "x"])))
        elif choice == 2:
            headers[:] = [h for h in headers if h[0].lower() != "host"]
            if r.random() < 0.7:
                headers.append(("Host", r.choice(["evil.example", "127.0.0.1:1", "", "localhost", "[::1]:80", "127.0.0.1:99999", "a" * 500])))
        elif choice == 3:
            headers.append(("Origin", r.choice(["null", "NULL", "http://evil.example", "file://", "", "http://127.0.0.1:1"])))
        elif choice == 4:
            headers.append(("X-Visit-Token", r.choice(self.tokens + ["", "x" * 5000, "\u00ff\u00fe", "../"])))
        elif choice == 5:
            headers.append(("Idempotency-Key", r.choice(["", "short", "A" * 129, "has space!", secrets.token_hex(16), "a" * 8])))
        elif choice == 6:
            headers.append(("Content-Type", r.choice(["application/json", "text/plain", "multipart/form-data", "multipart/form-data; boundary=",
                                                      "multipart/form-data; boundary=" + "b" * 300, "application/json; charset=utf-16", "*/*"])))
        elif choice == 7:
            headers.append(("X-Long", "v" * r.choice([100, 8000, 70000])))
        elif choice == 8:
            for i in range(r.choice([50, 400])):
                headers.append(("X-Many-%d" % i, "x"))
        elif choice == 9 and headers:
            del headers[r.randrange(len(headers))]
        elif choice == 10 and headers:
            headers.append(headers[r.randrange(len(headers))])
        elif choice == 11:
            headers.append(("Connection", r.choice(["keep-alive", "close", "upgrade", ""])))
        elif choice == 12:
            headers.append(("Expect", "100-continue"))
        else:
            headers.append((r.choice(["", " X", "X:Y", "\u00e4", "X\r\nInjected"]), "v"))

    def json_mutation(self, body):
        r = self.rng
        try:
            value = json.loads(body)
        except Exception:
            return body
        if isinstance(value, dict) and value and r.random() < 0.6:
            key = r.choice(list(value))
            value[key] = r.choice(self.JSON_VALUES)
        elif isinstance(value, dict) and r.random() < 0.5:
            value[r.choice(["extra", "token", "caseNumber", "language", "accept", "__proto__"])] = r.choice(self.JSON_VALUES)
        else:
            depth = r.choice([10, 1000, 20000])
            return ("[" * depth + "]" * depth).encode()
        return json.dumps(value).encode()

    def bytes_mutation(self, raw):
        r = self.rng
        raw = bytearray(raw)
        for _ in range(r.randrange(1, 5)):
            if not raw:
                raw += bytes([r.randrange(256)])
                continue
            kind = r.randrange(6)
            at = r.randrange(len(raw))
            if kind == 0:
                raw[at] ^= 1 << r.randrange(8)
            elif kind == 1:
                raw[at:at] = bytes(r.randrange(256) for _ in range(r.randrange(1, 16)))
            elif kind == 2:
                del raw[at:at + r.randrange(1, 64)]
            elif kind == 3:
                raw = raw[:at]
            elif kind == 4:
                raw[at:at] = raw[at:at + r.randrange(1, 256)] * r.randrange(1, 8)
            else:
                raw[at] = r.choice(b"\r\n\x00:% \t\xff")
        return bytes(raw)

    def mutate(self, seed):
        r = self.rng
        method, path, headers, body = seed["method"], seed["path"], list(seed["headers"]), seed["body"]
        for _ in range(r.randrange(0, 4)):
            what = r.randrange(6)
            if what == 0:
                method = r.choice(self.METHODS)
            elif what == 1:
                path = path + r.choice(self.PATH_TAILS)
            elif what == 2:
                self.header_edit(headers, body)
            elif what == 3:
                body = self.json_mutation(body) if body[:1] in (b"{", b"[") else self.bytes_mutation(body)
            elif what == 4:
                path = r.choice(["*", "", "http://127.0.0.1/api/v1/health", "/" + "%41" * 3000, path.upper()])
            else:
                body = body[:r.randrange(len(body) + 1)]
        version = seed.get("version", "HTTP/1.1") if r.random() < 0.9 else r.choice(self.VERSIONS)
        has_length = any(h[0].lower() == "content-length" for h in headers)
        if body and not has_length and r.random() < 0.9:
            headers.append(("Content-Length", str(len(body))))
        head = "%s %s %s\r\n" % (method, path, version) + "".join("%s: %s\r\n" % h for h in headers) + "\r\n"
        raw = head.encode("utf-8", "surrogateescape") + body
        if r.random() < 0.25:
            raw = self.bytes_mutation(raw)
        return raw


def read_answer(sock, deadline):
    """The status code of the answer (or 'closed' / 'no-answer'); reads the head only."""
    sock.settimeout(deadline)
    data = b""
    try:
        while b"\r\n" not in data and len(data) < 65536:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, TimeoutError):
        return "no-answer" if not data else "partial"
    except (ConnectionError, OSError, ssl.SSLError):
        return "reset"
    if not data:
        return "closed"
    parts = data.split(b" ", 2)
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/") and parts[1].isdigit():
        return int(parts[1])
    return "not-http"


class Target:
    """One server under test: how to start it, connect to it, check its health and make seed requests."""

    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.process = None
        self.log_path = os.path.join(work, "server.log")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
                return "stopped on SIGTERM"
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return "did not stop within 15 s of SIGTERM (killed)"
        return "exited before the end with %s" % self.process.returncode

    def exchange(self, raw, deadline=READ_DEADLINE, client=None):
        sock = self.connect(client)
        if isinstance(sock, str):
            return sock
        try:
            try:
                sock.sendall(raw)
            except (ConnectionError, OSError, ssl.SSLError):
                pass
            return read_answer(sock, deadline)
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def healthy(self):
        started = time.monotonic()
        while time.monotonic() - started < HEALTH_DEADLINE:
            answer = self.exchange(self.health_request(), deadline=HEALTH_DEADLINE, client=self.health_client())
            if answer == 200:
                return True
            time.sleep(0.05)
        return False


class Office(Target):
    name = "office"

    def start(self):
        pki = os.path.join(self.work, "pki")
        os.mkdir(pki)
        subprocess.run(["bash", "-c", PKI_SCRIPT, "pki", pki], check=True)
        self.pki = pki
        inbox = os.path.join(self.work, "inbox")
        os.mkdir(inbox)
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [os.path.join(self.args.build, "fotobox-office"), "--listen", "127.0.0.1:0", "--inbox", inbox,
             "--tls-cert", pki + "/office.pem", "--tls-key", pki + "/office.key", "--client-ca", pki + "/station-ca.pem",
             "--handshake-timeout", "3"],
            stdout=subprocess.PIPE, stderr=log)
        line = self.process.stdout.readline().decode()
        match = re.search(r"https://127\.0\.0\.1:([0-9]+)", line)
        if not match:
            raise RuntimeError("fotobox-office did not start: %s" % line)
        self.port = int(match.group(1))
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        self.contexts = {}
        for role in ["station", "clerk", "monitoring", None]:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.load_verify_locations(pki + "/office-ca.pem")
            if role:
                context.load_cert_chain(pki + "/%s.pem" % role, pki + "/%s.key" % role)
            self.contexts[role] = context

    def connect(self, client):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=HEALTH_DEADLINE)
        if client == "raw":
            return sock
        try:
            return self.contexts[client].wrap_socket(sock)
        except (ssl.SSLError, ConnectionError, OSError, socket.timeout):
            sock.close()
            return "tls-refused"

    def health_client(self):
        return "station"

    def health_request(self):
        return b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"

    def client(self, rng):
        return rng.choices(["station", "clerk", "monitoring", None, "raw"], [60, 15, 5, 10, 10])[0]

    def seeds(self):
        with open(os.path.join(self.args.photos, "photo.jpg"), "rb") as f:
            photo = f.read()
        with open(os.path.join(self.args.photos, "signature.jpg"), "rb") as f:
            signature = f.read()
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        metadata = {"caseId": "ABCD-1234", "stationId": "station-1", "capturedAt": now, "queuedAt": now,
                    "softwareVersion": "fuzz", "camera": "replay", "profile": "live",
                    "visit": {"language": "de", "retakes": 0, "compliant": True, "visitSeconds": 90}}
        report = {"compliant": True, "checks": [{"id": "interEyeDistance", "pass": True, "value": 0.3, "mandatory": True}]}
        boundary = "fuzzboundary7MA4YWxk"

        def part(name, content_type, data, filename=None):
            disposition = 'form-data; name="%s"' % name + ('; filename="%s"' % filename if filename else "")
            return (b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disposition.encode() + b"\r\nContent-Type: "
                    + content_type.encode() + b"\r\n\r\n" + data + b"\r\n")
        multipart = (part("metadata", "application/json", json.dumps(metadata).encode())
                     + part("report", "application/json", json.dumps(report).encode())
                     + part("photo", "image/jpeg", photo, "photo.jpg") + part("signature", "image/jpeg", signature, "signature.jpg")
                     + b"--" + boundary.encode() + b"--\r\n")
        host = ("Host", "127.0.0.1:%d" % self.port)
        health = {"stationId": "station-1", "softwareVersion": "fuzz", "sentAt": now, "camera": {"up": True, "detail": "ok"},
                  "pad": {"up": True, "detail": "ok"}, "diskFreeBytes": 10 ** 9, "queueDepth": 0, "oldestQueuedSeconds": 0,
                  "submissionsQueued": 1}
        return [
            {"method": "GET", "path": "/v1/health", "headers": [host, ("Connection", "close")], "body": b""},
            {"method": "POST", "path": "/v1/submissions", "body": multipart,
             "headers": [host, ("Connection", "close"), ("Content-Type", "multipart/form-data; boundary=" + boundary),
                         ("Idempotency-Key", "fuzz-" + secrets.token_hex(8))]},
            {"method": "POST", "path": "/v1/fleet/health", "body": json.dumps(health).encode(),
             "headers": [host, ("Connection", "close"), ("Content-Type", "application/json")]},
            {"method": "GET", "path": "/v1/submissions/ABCD-1234", "headers": [host, ("Connection", "close")], "body": b""},
            {"method": "GET", "path": "/v1/desk/search/ABCD-1234", "headers": [host, ("Connection", "close")], "body": b""},
            {"method": "POST", "path": "/v1/desk/submissions/r1/take-over", "headers": [host, ("Connection", "close")], "body": b"{}"},
            {"method": "GET", "path": "/desk/index.html", "headers": [host, ("Connection", "close")], "body": b""},
            {"method": "GET", "path": "/metrics", "headers": [host, ("Connection", "close")], "body": b""},
            {"method": "GET", "path": "/v1/fleet", "headers": [host, ("Connection", "close")], "body": b""},
        ]


class Kiosk(Target):
    name = "kiosk"

    def start(self):
        self.port = free_port()
        frames = os.path.join(self.work, "frames")
        os.mkdir(frames)
        shutil.copy(os.path.join(self.args.photos, "frame.jpg"), frames + "/frame.jpg")
        key = os.path.join(self.work, "outbox.key")
        with open(key, "w") as f:
            f.write(secrets.token_hex(32))
        os.chmod(key, 0o600)
        root = self.args.root
        config = os.path.join(self.work, "kiosk.conf")
        with open(config, "w") as f:
            f.write("[station]\nid = station-1\n[outbox]\npath = %s/outbox\nkey-file = %s\n[backend]\nurl = https://127.0.0.1:9\n"
                    "connect-timeout = 1\n[camera]\ndevice = replay:%s\n[pad]\ndevice = simulated\n[models]\ndirectory = %s/models\n"
                    "[kiosk]\nlisten = 127.0.0.1:%d\nstatic-directory = %s/ui\n" % (self.work, key, frames, root, self.port, root))
        self.process = subprocess.Popen([os.path.join(self.args.build, "fotoboxd"), "--config", config],
                                        stdout=subprocess.DEVNULL, stderr=open(self.log_path, "wb"))
        started = time.monotonic()
        while time.monotonic() - started < 60:
            if not self.alive():
                raise RuntimeError("fotoboxd exited at start: %s" % open(self.log_path).read()[-2000:])
            try:
                if self.exchange(self.health_request(), deadline=2) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("fotoboxd did not answer health within 60 s")

    def connect(self, client):
        try:
            return socket.create_connection(("127.0.0.1", self.port), timeout=HEALTH_DEADLINE)
        except OSError:
            return "refused"

    def health_client(self):
        return None

    def health_request(self):
        return ("GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n" % self.port).encode()

    def client(self, rng):
        return None

    def token(self):
        raw = ('POST /api/v1/visit HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\nContent-Type: application/json\r\n'
               'Content-Length: 17\r\n\r\n{"language":"de"}' % self.port).encode()
        sock = self.connect(None)
        try:
            sock.sendall(raw)
            sock.settimeout(5)
            data = b""
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
            body = data.split(b"\r\n\r\n", 1)[1]
            return json.loads(body).get("token", "")
        except Exception:
            return ""
        finally:
            sock.close()

    def seeds(self):
        host = ("Host", "127.0.0.1:%d" % self.port)
        json_type = ("Content-Type", "application/json")
        seeds = [{"method": "GET", "path": p, "headers": [host, ("Connection", "close")], "body": b""}
                 for p in ["/api/v1/health", "/api/v1/visit", "/api/v1/station", "/", "/index.html", "/i18n/de.json",
                           "/api/v1/speech?lang=de&text=Hallo", "/api/v1/visit/photo?token=x", "/api/v1/visit/signature", "/metrics"]]
        for path, body in [("/api/v1/visit", '{"language":"de"}'), ("/api/v1/visit/language", '{"language":"ar"}'),
                           ("/api/v1/visit/case-number", '{"caseNumber":"ABCD-1234"}'), ("/api/v1/visit/consent", '{"accepted":true}'),
                           ("/api/v1/visit/capture", ""), ("/api/v1/visit/review", '{"accept":true}'),
                           ("/api/v1/visit/signature", '{"accept":true}'), ("/api/v1/visit/confirm", ""),
                           ("/api/v1/visit/finish", ""), ("/api/v1/visit/cancel", ""), ("/api/v1/visit/keep-alive", "")]:
            seeds.append({"method": "POST", "path": path, "headers": [host, ("Connection", "close"), json_type, ("X-Visit-Token", "TOKEN")],
                          "body": body.encode()})
        seeds.append({"method": "DELETE", "path": "/api/v1/visit", "headers": [host, ("Connection", "close"), ("X-Visit-Token", "TOKEN")], "body": b""})
        # Streams are read up to their head only, then dropped.
        seeds.append({"method": "GET", "path": "/api/v1/events", "headers": [host], "body": b""})
        seeds.append({"method": "GET", "path": "/api/v1/preview?token=TOKEN", "headers": [host], "body": b""})
        return seeds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("target", choices=["office", "kiosk"])
    parser.add_argument("--build", required=True, help="directory of the built binaries")
    parser.add_argument("--root", default=os.getcwd(), help="the repository (models/, ui/)")
    parser.add_argument("--photos", required=True, help="photo.jpg, signature.jpg, frame.jpg")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="fotobox-netfuzz-")
    target = (Office if args.target == "office" else Kiosk)(args, work)
    figures = {"target": args.target, "seed": args.seed, "workers": args.workers}
    findings = []
    try:
        target.start()
        tokens = [target.token()] if isinstance(target, Kiosk) else []
        seeds = target.seeds()
        counts = {}
        lock = threading.Lock()
        stop = threading.Event()

        def worker(index):
            rng = random.Random(args.seed * 1000 + index)
            mutator = Mutator(rng, tokens)
            while not stop.is_set():
                seed = rng.choice(seeds)
                if tokens:
                    token = rng.choice(tokens)
                    seed = dict(seed, path=seed["path"].replace("TOKEN", token),
                                headers=[(k, v.replace("TOKEN", token)) for k, v in seed["headers"]])
                raw = mutator.mutate(seed)
                client = target.client(rng)
                try:
                    answer = target.exchange(raw, client=client)
                except OSError as error:
                    answer = "connect-failed: %s" % error.__class__.__name__
                with lock:
                    counts[answer] = counts.get(answer, 0) + 1

        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.workers)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        health_checks = 0
        while time.monotonic() - started < args.seconds:
            time.sleep(HEALTH_EVERY)
            if not target.alive():
                findings.append("the server died during the campaign (status %s)" % target.process.returncode)
                break
            if isinstance(target, Kiosk) and len(tokens) < 4:
                tokens.append(target.token())
            health_checks += 1
            if not target.healthy():
                findings.append("health got no answer within %.0f s during the campaign" % HEALTH_DEADLINE)
                break
        stop.set()
        for thread in threads:
            thread.join(30)
        elapsed = time.monotonic() - started
        if target.alive() and not target.healthy():
            findings.append("health got no answer within %.0f s after the campaign" % HEALTH_DEADLINE)
        server_errors = {k: v for k, v in counts.items() if isinstance(k, int) and k >= 500 and k not in (501, 503, 505, 507)}
        if server_errors:
            findings.append("5xx answers: %s" % server_errors)
        figures.update({"requests": sum(counts.values()), "seconds": round(elapsed, 1), "health_checks": health_checks,
                        "answers": {str(k): v for k, v in sorted(counts.items(), key=lambda kv: str(kv[0]))}})
    except Exception as error:
        findings.append("netfuzz could not run: %s" % error)
    finally:
        figures["exit"] = target.stop() if target.process else "not started"
        if "exited before the end" in figures["exit"] and not any("died" in f for f in findings):
            findings.append("the server " + figures["exit"])
        if findings:
            try:
                figures["server_log_tail"] = open(target.log_path, errors="replace").read()[-3000:]
            except OSError:
                pass
        figures["findings"] = findings
        print(json.dumps(figures))
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
