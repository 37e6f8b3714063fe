#!/usr/bin/env bash
# smoke.sh — the Lambda runtime smoke test: every function is built for this
# machine, run under the AWS Lambda Runtime Interface Emulator (built from its
# Go module into .cache/bin), and invoked with every events/<fn>/*.json.
#
#   scripts/smoke.sh              every functions/<fn>/ that has sample events
#   scripts/smoke.sh status chat  only these
#
# A response passes when the invoke succeeded (HTTP 200 from the emulator, no
# errorType in the body) and, for an API Gateway event, it carries an integer
# statusCode below 500. events/<fn>/<name>.expect.json, when present, lists
# fields the response must contain (objects match as subsets), e.g.
# {"statusCode": 404}. Init durations come from the emulator's REPORT lines.
#
# The functions run with the shared/edge/config contract pointed at loopback
# stand-ins: a Redis (RESYNC_TEST_REDIS_ADDR under make test or from a
# running scripts/services.sh, else a redis-server started here), the HWA simulator (shared/adapter/hwa/hwasim) with Basic
# auth, the test Neo4j when RESYNC_TEST_NEO4J_URI is set (or services.sh has
# it up), HS256 tokens
# (AUTH_HS256_SECRET), a sink for WebSocket @connections posts (WS_ENDPOINT),
# dummy AWS credentials, no BEDROCK_MODEL_ID (the functions' offline model
# answers), and STAGE=test. events/<fn>/smoke.env (KEY=VALUE
# lines) adds or overrides variables for one function. In events,
# {{VIEWER_TOKEN}}, {{OPERATOR_TOKEN}}, {{ADMIN_TOKEN}} become valid tokens
# and {{JOB_ID}} the id of an abended job in the simulator.
#
# SMOKE_FUNCTIONS_DIR and SMOKE_EVENTS_DIR point it at other folders (its own
# self-check uses a throwaway function under .cache/).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RIE_MODULE=github.com/aws/aws-lambda-runtime-interface-emulator
RIE_VERSION="${RIE_VERSION:-v0.0.0-20261030222936-bef5c4ba774d}"
RIE="$ROOT/.cache/bin/aws-lambda-rie"
WORK="$ROOT/.cache/smoke"
FUNCS_DIR="${SMOKE_FUNCTIONS_DIR:-functions}"
EVENTS_DIR="${SMOKE_EVENTS_DIR:-events}"
mkdir -p "$WORK/bin" "$ROOT/.cache/bin"

if [ ! -x "$RIE" ] || [ "$(cat "$RIE.version" 2>/dev/null)" != "$RIE_VERSION" ]; then
	echo "smoke: building the Runtime Interface Emulator ($RIE_MODULE@$RIE_VERSION)"
	GOBIN="$ROOT/.cache/bin" go install "$RIE_MODULE/cmd/aws-lambda-rie@$RIE_VERSION"
	echo "$RIE_VERSION" >"$RIE.version"
fi

# Outside make test, use the test servers if scripts/services.sh has them up.
if [ -z "${RESYNC_TEST_NEO4J_URI:-}" ] && [ -x scripts/services.sh ]; then
	if envs="$(scripts/services.sh env 2>/dev/null)"; then
		eval "$envs"
		export RESYNC_TEST_REDIS_ADDR RESYNC_TEST_NEO4J_URI RESYNC_TEST_NEO4J_USER RESYNC_TEST_NEO4J_PASSWORD
	fi
fi

if [ $# -gt 0 ]; then
	fns=("$@")
else
	fns=()
	for dir in "$FUNCS_DIR"/*/; do
		[ -d "$dir" ] || continue
		grep -qs '^package main' "$dir"*.go && fns+=("$(basename "$dir")")
	done
fi

# Build each function that has events, once, for this machine.
targets=()
skipped=()
for fn in "${fns[@]}"; do
	shopt -s nullglob
	evs=()
	for e in "$EVENTS_DIR/$fn"/*.json; do
		[[ "$e" == *.expect.json ]] || evs+=("$e")
	done
	shopt -u nullglob
	if [ ${#evs[@]} -eq 0 ]; then
		skipped+=("$fn")
		echo "smoke: skip $fn: no sample events in $EVENTS_DIR/$fn/"
		continue
	fi
	mkdir -p "$WORK/bin/$fn"
	if ! go build -tags lambda.norpc -o "$WORK/bin/$fn/bootstrap" "./$FUNCS_DIR/$fn"; then
		echo "smoke: FAIL $fn: build failed" >&2
		targets+=("$fn::$EVENTS_DIR/$fn")
		continue
	fi
	targets+=("$fn:$WORK/bin/$fn/bootstrap:$EVENTS_DIR/$fn")
done
if [ ${#targets[@]} -eq 0 ]; then
	echo "smoke: no function has sample events yet (skipped: ${skipped[*]:-none}); nothing to invoke"
	exit 0
fi

hwasim=""
if [ -d shared/adapter/hwa/hwasim/cmd/hwasim ]; then
	go build -o "$WORK/hwasim" ./shared/adapter/hwa/hwasim/cmd/hwasim
	hwasim="$WORK/hwasim"
fi

exec python3 - "$RIE" "$hwasim" "$WORK" "${targets[@]}" <<'PY'
import base64, glob, hashlib, hmac, http.server, json, os, re, secrets, shutil
import signal, socket, subprocess, sys, threading, time, urllib.error, urllib.request

rie, hwasim, work, targets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
procs = []  # processes this script started; each leads its own process group


def start(cmd, env=None, log=None):
    out = open(log, "wb") if log else subprocess.DEVNULL
    p = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    procs.append(p)
    return p


def stop(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            p.wait()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, secs=10):
    deadline = time.time() + secs
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def mint(secret, issuer, client, role):
    now = int(time.time())
    head = {"alg": "HS256", "typ": "JWT"}
    claims = {"iss": issuer, "sub": "smoke-" + role, "username": "smoke-" + role, "client_id": client,
              "token_use": "access", "scope": "aws.cognito.signin.user.admin", "cognito:groups": [role],
              "auth_time": now, "iat": now, "exp": now + 3600, "jti": secrets.token_hex(16)}
    signing = b64(json.dumps(head, separators=(",", ":")).encode()) + "." + b64(json.dumps(claims, separators=(",", ":")).encode())
    sig = hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64(sig)


class Sink(http.server.BaseHTTPRequestHandler):
    """Plays the API Gateway management API: accepts @connections posts."""
    posts = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        Sink.posts += 1
        self.send_response(200 if "@connections" in self.path else 404)
        self.end_headers()

    do_DELETE = do_POST

    def do_GET(self):
        self.send_response(200 if "@connections" in self.path else 404)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"connectedAt":"2026-01-01T00:00:00Z","identity":{"sourceIp":"127.0.0.1"}}')

    def log_message(self, *a):
        pass


def subset(want, got):
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and subset(v, got[k]) for k, v in want.items())
    return want == got


def is_api_event(ev):
    return isinstance(ev, dict) and "requestContext" in ev and ("routeKey" in ev or "httpMethod" in ev)


def main():
    env = {k: os.environ[k] for k in ("PATH", "HOME", "TMPDIR", "GOCOVERDIR") if k in os.environ}
    secret = secrets.token_hex(32)
    issuer = client = "resync-smoke"
    env.update({
        "STAGE": "test", "LOG_LEVEL": "warn",
        "AUTH_ISSUER": issuer, "AUTH_CLIENT_ID": client, "AUTH_HS256_SECRET": secret,
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDSMOKE", "AWS_SECRET_ACCESS_KEY": "smoke", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_LAMBDA_FUNCTION_TIMEOUT": "30", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    })
    notes = []

    redis_addr = os.environ.get("RESYNC_TEST_REDIS_ADDR", "")
    if not redis_addr and shutil.which("redis-server"):
        port = free_port()
        p = start(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"])
        if wait_port(port, p):
            redis_addr = "127.0.0.1:%d" % port
            notes.append("Redis: redis-server started here on " + redis_addr)
    elif redis_addr:
        notes.append("Redis: the test server " + redis_addr)
    if redis_addr:
        env["REDIS_URL"] = "redis://" + redis_addr
    else:
        notes.append("Redis: none (no RESYNC_TEST_REDIS_ADDR, no redis-server)")

    job_id = ""
    if hwasim:
        log = os.path.join(work, "hwasim.log")
        p = start([hwasim, "-addr", "127.0.0.1:0", "-user", "smoke:smoke"], log=log)
        url = ""
        for _ in range(100):
            m = re.search(r"serving (http://\S+)/twsd/api/v2", open(log).read())
            if m:
                url = m.group(1)
                break
            time.sleep(0.05)
        if url:
            env.update({"HWA_URL": url, "HWA_USER": "smoke", "HWA_PASSWORD": "smoke"})
            notes.append("HWA: simulator at " + url)
            try:
                req = urllib.request.Request(url + "/twsd/api/v2/plan/job?limit=1000",
                                             headers={"Authorization": "Basic " + base64.b64encode(b"smoke:smoke").decode()})
                jobs = json.load(urllib.request.urlopen(req, timeout=5))["results"]
                abended = [j for j in jobs if (j.get("lastRunCompositeStatus") or {}).get("status") == "ABEND"]
                job_id = (abended or jobs)[0]["id"]
            except Exception as e:  # the placeholder stays; the event shows it
                notes.append("HWA: no job id for {{JOB_ID}}: %s" % e)

    if os.environ.get("RESYNC_TEST_NEO4J_URI"):
        env.update({"NEO4J_URI": os.environ["RESYNC_TEST_NEO4J_URI"],
                    "NEO4J_USER": os.environ.get("RESYNC_TEST_NEO4J_USER", "neo4j"),
                    "NEO4J_PASSWORD": os.environ.get("RESYNC_TEST_NEO4J_PASSWORD", "")})
        notes.append("Neo4j: the test server " + os.environ["RESYNC_TEST_NEO4J_URI"])

    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    env["WS_ENDPOINT"] = "http://127.0.0.1:%d" % sink.server_address[1]

    repl = {"{{VIEWER_TOKEN}}": mint(secret, issuer, client, "viewer"),
            "{{OPERATOR_TOKEN}}": mint(secret, issuer, client, "operator"),
            "{{ADMIN_TOKEN}}": mint(secret, issuer, client, "admin")}
    if job_id:
        repl["{{JOB_ID}}"] = job_id

    for n in notes:
        print("smoke:", n)
    rows, failures = [], 0
    for t in targets:
        fn, binary, evdir = t.split(":", 2)
        events = sorted(e for e in glob.glob(os.path.join(evdir, "*.json")) if not e.endswith(".expect.json"))
        if not binary:
            rows.append((fn, len(events), 0, "-", "-", "-", "build failed"))
            failures += 1
            continue
        fenv = dict(env, AWS_LAMBDA_FUNCTION_NAME=fn)
        extra = os.path.join(evdir, "smoke.env")
        if os.path.exists(extra):
            for line in open(extra):
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    k, v = line.split("=", 1)
                    fenv[k.strip()] = v.strip()
        log = os.path.join(work, fn + ".rie.log")
        for attempt in range(2):  # a second try with new ports if another process took one
            port, api = free_port(), free_port()
            p = start([rie, "--runtime-interface-emulator-address", "127.0.0.1:%d" % port,
                       "--runtime-api-address", "127.0.0.1:%d" % api, "--log-level", "info", binary], env=fenv, log=log)
            if wait_port(port, p):
                break
            stop(p)
        ok = 0
        if p.poll() is not None or not wait_port(port, p, secs=1):
            print("smoke: FAIL %s: the emulator did not start; see %s" % (fn, log))
            rows.append((fn, len(events), 0, "-", "-", "-", "emulator did not start"))
            failures += len(events)
            stop(p)
            continue
        url = "http://127.0.0.1:%d/2015-03-31/functions/function/invocations" % port
        for e in events:
            name = os.path.basename(e)
            raw = open(e).read()
            for k, v in repl.items():
                raw = raw.replace(k, v)
            left = sorted(set(re.findall(r"\{\{[A-Z_]+\}\}", raw)))
            why = ""
            try:
                ev = json.loads(raw)
                req = urllib.request.Request(url, data=raw.encode(), method="POST")
                t0 = time.time()
                try:
                    resp = urllib.request.urlopen(req, timeout=40)
                    code, body = resp.status, resp.read()
                except urllib.error.HTTPError as he:
                    code, body = he.code, he.read()
                ms = (time.time() - t0) * 1000
                try:
                    out = json.loads(body) if body.strip() else None
                except ValueError:
                    out = body.decode(errors="replace")
                expect_file = e[:-5] + ".expect.json"
                expect = json.load(open(expect_file)) if os.path.exists(expect_file) else None
                if code != 200:
                    why = "emulator answered HTTP %d: %.200s" % (code, body.decode(errors="replace"))
                elif isinstance(out, dict) and "errorType" in out and not (expect and "errorType" in expect):
                    why = "function error %s: %.200s" % (out.get("errorType"), out.get("errorMessage"))
                elif expect is not None and not subset(expect, out):
                    why = "response %.300s does not contain %s" % (json.dumps(out), json.dumps(expect))
                elif is_api_event(ev) and not isinstance(out, dict):
                    why = "API Gateway event but the response is not an object: %.200s" % out
                elif is_api_event(ev) and not isinstance(out.get("statusCode"), int):
                    why = "API Gateway event but no integer statusCode: %.200s" % json.dumps(out)
                elif is_api_event(ev) and expect is None and out["statusCode"] >= 500:
                    why = "statusCode %d: %.200s" % (out["statusCode"], out.get("body"))
            except Exception as ex:
                why, ms, out = "invoke failed: %s" % ex, 0, None
            status = out.get("statusCode", "") if isinstance(out, dict) else ""
            if why:
                failures += 1
                print("smoke: FAIL %s/%s: %s%s" % (fn, name, why, "  (unfilled %s)" % " ".join(left) if left else ""))
            else:
                ok += 1
                print("smoke: ok   %s/%s %s %.0f ms" % (fn, name, status, ms))
        stop(p)
        text = open(log, errors="replace").read()
        # The emulator's REPORT line says "Init Duration: 0.02 ms" because it
        # starts the runtime asynchronously; its INIT REPORT log line holds
        # the real time from exec to the runtime's first /next.
        inits = re.findall(r"INIT REPORT\(durationMs: ([0-9.]+)\)", text) or re.findall(r"Init Duration: ([0-9.]+) ms", text)
        durs = [float(d) for d in re.findall(r"\tDuration: ([0-9.]+) ms", text)]
        rows.append((fn, len(events), ok, "%.1f" % float(inits[0]) if inits else "-",
                     "%.1f" % durs[0] if durs else "-", "%.1f" % max(durs[1:]) if len(durs) > 1 else "-",
                     "" if ok == len(events) else "see .cache/smoke/%s.rie.log" % fn))
    sink.shutdown()
    for p in procs:
        stop(p)

    print()
    # init: exec to the runtime's first /next; first: the cold invoke
    # including init; warm max: the slowest of the later invokes.
    print("%-10s %7s %7s %14s %14s %14s  %s" % ("function", "events", "passed", "init ms", "first ms", "warm max ms", ""))
    for r in rows:
        print("%-10s %7d %7d %14s %14s %14s  %s" % r)
    print("smoke: %d management API posts received" % Sink.posts)
    if failures:
        print("smoke: %d invocation(s) FAILED" % failures)
        return 1
    print("smoke: all %d invocations passed" % sum(r[2] for r in rows))
    return 0


try:
    code = main()
finally:
    for p in procs:
        stop(p)
sys.exit(code)
PY
