#!/usr/bin/env bash
# services.sh — the real Redis and Neo4j servers that integration tests use.
#
#   scripts/services.sh up      install what is missing, start both servers on
#                               free loopback ports, wait until both answer and
#                               print `export VAR=...` lines on stdout
#                               (eval "$(scripts/services.sh up)")
#   scripts/services.sh env     print the export lines of the running servers
#   scripts/services.sh status  say whether both servers answer (exit 0) or not (exit 1)
#   scripts/services.sh down    stop both servers and remove their data
#
# `up` is idempotent: when both servers already answer it only prints the
# variables again. Progress goes to stderr, only the export lines to stdout.
#
# Redis: Debian's redis-server (installed with apt-get when absent), bound to
# 127.0.0.1, no RDB or AOF persistence, data in its own temporary directory.
# Neo4j: Neo4j 5.26 Community (org.neo4j.test:neo4j-harness from Maven Central)
# started by the launcher in infra/neo4j on Java 17, Bolt only on 127.0.0.1,
# auth enabled for user neo4j with a fixed test password, data in a temporary
# directory. The launcher is compiled into .cache/neo4j; Maven keeps its
# repository in ~/.m2.
#
# State (pid files, logs, the env file) lives in .cache/services/ of this work
# tree, so several clones can run their own servers side by side.
#
# Tunables (environment): NEO4J_START_TIMEOUT (seconds, default 300),
# NEO4J_HEAP (default 1g), RESYNC_TEST_NEO4J_PASSWORD (default below).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/.cache/services"
LAUNCHER_DIR="$ROOT/infra/neo4j"
LAUNCHER_BUILD="$ROOT/.cache/neo4j"
NEO4J_USER="neo4j"
NEO4J_PASSWORD="${RESYNC_TEST_NEO4J_PASSWORD:-resync-test-password}"
NEO4J_START_TIMEOUT="${NEO4J_START_TIMEOUT:-300}"
NEO4J_HEAP="${NEO4J_HEAP:-1g}"

say() { printf 'services: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

now_ms() { date +%s%3N; }
secs_since() { # start_ms -> "12.3"
	local d=$(($(now_ms) - $1))
	printf '%d.%d' $((d / 1000)) $(((d % 1000) / 100))
}

# ---------------------------------------------------------------- installing

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		die "need root to run: $*"
	fi
}

APT_UPDATED=""
apt_install() {
	if [ -z "$APT_UPDATED" ]; then
		say "apt-get update"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
		APT_UPDATED=1
	fi
	say "apt-get install -y $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

ensure_installed() {
	local pkgs=()
	command -v redis-server >/dev/null || pkgs+=(redis-server)
	command -v java >/dev/null || pkgs+=(openjdk-17-jdk-headless)
	command -v mvn >/dev/null || pkgs+=(maven)
	if [ ${#pkgs[@]} -gt 0 ]; then
		apt_install "${pkgs[@]}"
	fi
	command -v redis-server >/dev/null || die "redis-server is still missing after apt-get install"
	command -v java >/dev/null || die "java is still missing after apt-get install"
	command -v mvn >/dev/null || die "mvn is still missing after apt-get install"
}

# ------------------------------------------------------------------ helpers

pid_alive() { # pidfile expected-cmdline-substring
	local pid
	[ -s "$1" ] || return 1
	pid="$(cat "$1")"
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2"
}

tcp_open() { # port
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

redis_ping() { # port
	local reply
	if command -v redis-cli >/dev/null; then
		reply="$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null || true)"
	else
		reply="$(
			exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
			printf 'PING\r\n' >&3
			timeout 2 head -c 7 <&3 || true
		)" 2>/dev/null || true
	fi
	[[ "$reply" == *PONG* ]]
}

free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		tcp_open "$p" || {
			echo "$p"
			return 0
		}
	done
	return 1
}

read_env_value() { # VAR -> value from the env file
	sed -n "s/^export $1=//p" "$STATE/env" | tr -d "'"
}

# ------------------------------------------------------------------- status

is_up() {
	[ -s "$STATE/env" ] || return 1
	pid_alive "$STATE/redis.pid" redis-server || return 1
	pid_alive "$STATE/neo4j.pid" neo4jlauncher || return 1
	local raddr nuri
	raddr="$(read_env_value RESYNC_TEST_REDIS_ADDR)"
	nuri="$(read_env_value RESYNC_TEST_NEO4J_URI)"
	redis_ping "${raddr##*:}" || return 1
	tcp_open "${nuri##*:}" || return 1
}

# -------------------------------------------------------------------- Redis

start_redis() {
	local dir="$1" port try
	mkdir -p "$dir"
	for try in 1 2 3 4 5; do
		port="$(free_port)" || die "no free loopback port for Redis"
		rm -f "$STATE/redis.pid"
		redis-server --bind 127.0.0.1 --port "$port" --protected-mode yes \
			--save '' --appendonly no --dir "$dir" \
			--daemonize yes --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log" \
			--databases 16 </dev/null >&2 || true
		local i
		for i in $(seq 50); do
			if redis_ping "$port"; then
				REDIS_PORT="$port"
				return 0
			fi
			sleep 0.1
		done
		say "Redis did not answer on port $port (try $try); log tail:"
		tail -n 5 "$STATE/redis.log" >&2 || true
		stop_pid "$STATE/redis.pid" redis-server
	done
	die "Redis would not start"
}

# -------------------------------------------------------------------- Neo4j

launcher_stamp() {
	cat "$LAUNCHER_DIR/pom.xml" $(find "$LAUNCHER_DIR/src" -type f | sort) | sha256sum | cut -d' ' -f1
}

build_launcher() {
	local stamp t0
	stamp="$(launcher_stamp)"
	if [ -s "$LAUNCHER_BUILD/classpath.txt" ] && [ -d "$LAUNCHER_BUILD/target/classes" ] &&
		[ "$(cat "$LAUNCHER_BUILD/stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	t0="$(now_ms)"
	mkdir -p "$LAUNCHER_BUILD"
	local goals=(compile dependency:build-classpath "-Dmdep.outputFile=$LAUNCHER_BUILD/classpath.txt")
	# Offline first (everything already in ~/.m2), then online (first run:
	# downloads Neo4j and its dependencies from Maven Central).
	if ! mvn -B -q -o -f "$LAUNCHER_DIR/pom.xml" "${goals[@]}" >"$LAUNCHER_BUILD/mvn.log" 2>&1; then
		say "building the Neo4j launcher (downloads Neo4j 5.26 from Maven Central on the first run)"
		if ! mvn -B -q -f "$LAUNCHER_DIR/pom.xml" "${goals[@]}" >"$LAUNCHER_BUILD/mvn.log" 2>&1; then
			tail -n 40 "$LAUNCHER_BUILD/mvn.log" >&2
			die "mvn could not build infra/neo4j (log: $LAUNCHER_BUILD/mvn.log)"
		fi
	fi
	echo "$stamp" >"$LAUNCHER_BUILD/stamp"
	say "Neo4j launcher built in $(secs_since "$t0")s"
}

start_neo4j() { # datadir — starts in the background; wait_neo4j waits
	local dir="$1"
	rm -f "$STATE/neo4j.ready" "$STATE/neo4j.pid"
	nohup java -Xms256m "-Xmx$NEO4J_HEAP" -XX:+ExitOnOutOfMemoryError \
		--add-opens=java.base/java.nio=ALL-UNNAMED \
		--add-opens=java.base/java.io=ALL-UNNAMED \
		--add-opens=java.base/java.lang=ALL-UNNAMED \
		--add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
		-Dio.netty.tryReflectionSetAccessible=true \
		-Djdk.attach.allowAttachSelf=true \
		-Dresync.service=neo4jlauncher \
		-cp "$LAUNCHER_BUILD/target/classes:$(cat "$LAUNCHER_BUILD/classpath.txt")" \
		dev.resync.neo4jlauncher.Launcher "$dir" "$STATE/neo4j.ready" "$NEO4J_PASSWORD" 0 \
		</dev/null >"$STATE/neo4j.log" 2>&1 &
	echo $! >"$STATE/neo4j.pid"
}

wait_neo4j() { # start_ms
	local t0="$1" deadline=$(($(date +%s) + NEO4J_START_TIMEOUT))
	while [ ! -s "$STATE/neo4j.ready" ]; do
		if ! pid_alive "$STATE/neo4j.pid" neo4jlauncher; then
			say "Neo4j exited during start; log tail:"
			tail -n 40 "$STATE/neo4j.log" >&2 || true
			return 1
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			say "Neo4j did not start within ${NEO4J_START_TIMEOUT}s; log tail:"
			tail -n 40 "$STATE/neo4j.log" >&2 || true
			return 1
		fi
		sleep 0.25
	done
	local uri
	uri="$(head -n1 "$STATE/neo4j.ready")"
	uri="${uri%/}"
	NEO4J_PORT="${uri##*:}"
	tcp_open "$NEO4J_PORT" || {
		say "Neo4j wrote $uri but nothing listens there"
		return 1
	}
	NEO4J_SECS="$(secs_since "$t0")"
}

# ------------------------------------------------------------------ up/down

stop_pid() { # pidfile cmdline-substring
	local pid i
	pid_alive "$1" "$2" || {
		rm -f "$1"
		return 0
	}
	pid="$(cat "$1")"
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 600); do # up to 60s: Neo4j checkpoints on shutdown
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	if [ -d "/proc/$pid" ]; then
		say "pid $pid ($2) ignored SIGTERM for 60s; sending SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$1"
}

print_env() { cat "$STATE/env"; }

cmd_down() {
	local quiet="${1:-}"
	mkdir -p "$STATE"
	local had=""
	pid_alive "$STATE/neo4j.pid" neo4jlauncher && had=1
	pid_alive "$STATE/redis.pid" redis-server && had=1
	stop_pid "$STATE/neo4j.pid" neo4jlauncher
	stop_pid "$STATE/redis.pid" redis-server
	if [ -s "$STATE/tmpdir" ]; then
		local tmp
		tmp="$(cat "$STATE/tmpdir")"
		case "$tmp" in */resync-services.*) rm -rf "$tmp" ;; esac
	fi
	rm -f "$STATE/tmpdir" "$STATE/env" "$STATE/neo4j.ready"
	if [ -n "$had" ] && [ -z "$quiet" ]; then say "stopped Redis and Neo4j"; fi
	return 0
}

cmd_up() {
	mkdir -p "$STATE"
	if is_up; then
		say "already up (Redis $(read_env_value RESYNC_TEST_REDIS_ADDR), Neo4j $(read_env_value RESYNC_TEST_NEO4J_URI))"
		print_env
		return 0
	fi
	cmd_down quiet # clear a half-started or dead previous run
	# Any failure from here on (die, set -e) stops what was started.
	UP_OK=""
	trap 'if [ -z "$UP_OK" ]; then say "start failed; stopping what was started"; cmd_down quiet; fi' EXIT

	ensure_installed
	build_launcher

	local tmp t0
	tmp="$(mktemp -d "${TMPDIR:-/tmp}/resync-services.XXXXXX")"
	echo "$tmp" >"$STATE/tmpdir"

	t0="$(now_ms)"
	start_neo4j "$tmp/neo4j" # slow: start first, Redis meanwhile
	start_redis "$tmp/redis"
	say "Redis ready on 127.0.0.1:$REDIS_PORT (Redis $(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p'))"
	wait_neo4j "$t0" || exit 1
	say "Neo4j ready on bolt://127.0.0.1:$NEO4J_PORT in ${NEO4J_SECS}s ($(grep -o 'Neo4j [0-9.]*' "$STATE/neo4j.log" | head -n1), auth user $NEO4J_USER)"

	cat >"$STATE/env" <<EOF
export RESYNC_TEST_REDIS_ADDR='127.0.0.1:$REDIS_PORT'
export RESYNC_TEST_NEO4J_URI='bolt://127.0.0.1:$NEO4J_PORT'
export RESYNC_TEST_NEO4J_USER='$NEO4J_USER'
export RESYNC_TEST_NEO4J_PASSWORD='$NEO4J_PASSWORD'
EOF
	UP_OK=1
	print_env
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
env)
	is_up || die "not up; run: scripts/services.sh up"
	print_env
	;;
status)
	if is_up; then
		say "up: Redis $(read_env_value RESYNC_TEST_REDIS_ADDR), Neo4j $(read_env_value RESYNC_TEST_NEO4J_URI)"
	else
		say "down"
		exit 1
	fi
	;;
*)
	echo "usage: $0 up|down|env|status" >&2
	exit 2
	;;
esac
