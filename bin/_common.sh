#!/usr/bin/env bash
# Helpers shared by bin/run and bin/test. Sourced, never run on its own.
#
# The caller must set ROOT (the repository root, which is also the current directory)
# and SCRIPT_NAME (used as the prefix of every message) before sourcing this file.

set -euo pipefail

VENV="$ROOT/.venv"
VAR="$ROOT/var"

# --- Messages ---------------------------------------------------------------------

say() { printf '%s: %s\n' "$SCRIPT_NAME" "$*"; }
die() {
	printf '%s: ERROR: %s\n' "$SCRIPT_NAME" "$*" >&2
	exit 1
}

# Print a log file to stderr (used when a quiet install step fails).
show_log() {
	printf '%s: ---- %s ----\n' "$SCRIPT_NAME" "$1" >&2
	cat "$1" >&2 || true
	printf '%s: ---- end of %s ----\n' "$SCRIPT_NAME" "$1" >&2
}

# --- System packages (Debian) ---------------------------------------------------------

# True when a Debian package is fully installed. `dpkg -s` alone also succeeds for a
# package that was removed but left its configuration files behind, so read the status.
pkg_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

APT_UPDATED=0

# apt_install PKG...: install the packages with apt-get, quietly. The output goes to
# var/apt.log and is shown only if apt-get fails. Without root, print one line saying
# what to install and exit 1 instead (we never call sudo on the user's behalf).
apt_install() {
	[ "$#" -gt 0 ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		printf '%s: missing system packages; install them and re-run: sudo apt-get install %s\n' \
			"$SCRIPT_NAME" "$*" >&2
		exit 1
	fi
	command -v apt-get >/dev/null 2>&1 ||
		die "missing system packages ($*) and apt-get is not available to install them."
	mkdir -p "$VAR"
	local log="$VAR/apt.log"
	# Wait for a concurrent apt/dpkg run (e.g. unattended-upgrades) instead of failing.
	local -a apt=(apt-get -q -y -o DPkg::Lock::Timeout=300)
	say "installing system packages: $* (log: var/apt.log)"
	if [ "$APT_UPDATED" -eq 0 ]; then
		# Fresh machines and containers often have empty package lists: update once.
		if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" update >"$log" 2>&1; then
			show_log "$log"
			die "apt-get update failed."
		fi
		APT_UPDATED=1
	fi
	if ! DEBIAN_FRONTEND=noninteractive "${apt[@]}" install --no-install-recommends "$@" \
		>>"$log" 2>&1; then
		show_log "$log"
		die "apt-get install $* failed."
	fi
}

# ensure_packages PKG...: apt_install only the packages that are not installed yet, so a
# machine that is already set up does no apt work at all.
ensure_packages() {
	local -a missing=()
	local pkg
	for pkg in "$@"; do
		pkg_installed "$pkg" || missing+=("$pkg")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		apt_install "${missing[@]}"
	fi
}

# Python's venv module needs ensurepip to create a virtualenv with pip in it; Debian
# ships that separately, in python3-venv. Test the capability, not the package name.
venv_supported() {
	command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip, venv' >/dev/null 2>&1
}

# Libraries WeasyPrint loads at run time to draw the PDF certificates. Without
# libharfbuzz-subset0 importing weasyprint emits a DeprecationWarning, which fails a test
# run that turns warnings into errors.
# shellcheck disable=SC2034 # used by the scripts that source this file
# fonts-noto-core and fonts-noto-cjk: glyphs for the scripts learners' names are written in
# (Latin, Greek, Cyrillic, Arabic, Hebrew, Devanagari, Thai, CJK, Hangul and more); a
# certificate that would print a missing glyph is not issued (certificates.issuance).
WEASYPRINT_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
	fonts-noto-core fonts-noto-cjk)

# --- Virtualenv ---------------------------------------------------------------------

# The stamp files record a sha256 of both requirements files at the time of the last
# successful install, so pip runs only when a requirements file changes.
#   .venv/.stamp-runtime: requirements.txt is installed
#   .venv/.stamp-dev:     requirements-dev.txt (which includes requirements.txt) is installed
requirements_hash() {
	cat "$ROOT/requirements.txt" "$ROOT/requirements-dev.txt" | sha256sum | cut -d' ' -f1
}

stamp_matches() { # $1 = runtime|dev
	[ -f "$VENV/.stamp-$1" ] && [ "$(cat "$VENV/.stamp-$1")" = "$(requirements_hash)" ]
}

# ensure_venv runtime|dev: create .venv if needed and install the requirements of that
# level if they changed since the last install.
ensure_venv() {
	local level="$1" reqfile
	case "$level" in
	runtime) reqfile="requirements.txt" ;;
	dev) reqfile="requirements-dev.txt" ;;
	*) die "ensure_venv: unknown level $level" ;;
	esac
	mkdir -p "$VAR"
	local log="$VAR/pip.log"

	# A venv whose interpreter no longer runs (e.g. the system Python was upgraded or
	# removed) cannot be repaired by pip: start again.
	if [ -d "$VENV" ] && ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
		say "the virtualenv in .venv is broken; recreating it"
		rm -rf "$VENV"
	fi
	if [ ! -d "$VENV" ]; then
		say "creating the virtualenv in .venv"
		python3 -m venv "$VENV" || die "python3 -m venv .venv failed."
		if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip \
			>"$log" 2>&1; then
			show_log "$log"
			die "upgrading pip in .venv failed."
		fi
	fi

	# The dev requirements include the runtime ones, so a dev install satisfies runtime.
	if stamp_matches "$level" || { [ "$level" = runtime ] && stamp_matches dev; }; then
		return 0
	fi
	say "installing Python packages from $reqfile (log: var/pip.log)"
	rm -f "$VENV/.stamp-runtime" "$VENV/.stamp-dev"
	if ! PIP_NO_INPUT=1 "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
		-r "$ROOT/$reqfile" >"$log" 2>&1; then
		show_log "$log"
		die "pip install -r $reqfile failed."
	fi
	requirements_hash >"$VENV/.stamp-runtime"
	if [ "$level" = dev ]; then
		requirements_hash >"$VENV/.stamp-dev"
	fi
}

# --- Network probes -----------------------------------------------------------------

# tcp_open HOST PORT: true when something accepts a TCP connection there (2 s timeout).
tcp_open() {
	python3 - "$1" "$2" <<-'PY' >/dev/null 2>&1
		import socket, sys
		socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
	PY
}

# redis_answers HOST PORT: true when a Redis server answers there. Any reply counts
# (also "NOAUTH" from a password-protected server): something is serving that port.
redis_answers() {
	local host="$1" port="$2"
	if command -v redis-cli >/dev/null 2>&1; then
		# redis-cli prints a connection failure on stderr and a reply on stdout.
		[ -n "$(timeout 5 redis-cli -h "$host" -p "$port" ping 2>/dev/null)" ]
	else
		python3 - "$host" "$port" <<-'PY' >/dev/null 2>&1
			import socket, sys
			with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2) as s:
			    s.settimeout(2)
			    s.sendall(b"PING\r\n")
			    reply = s.recv(64)
			sys.exit(0 if reply[:1] in (b"+", b"-") else 1)
		PY
	fi
}

# wait_for SECONDS DESCRIPTION COMMAND...: run COMMAND every half second until it
# succeeds; give up (return 1) after SECONDS.
wait_for() {
	local seconds="$1" what="$2" tries
	shift 2
	tries=$((seconds * 2))
	while [ "$tries" -gt 0 ]; do
		if "$@"; then
			return 0
		fi
		sleep 0.5
		tries=$((tries - 1))
	done
	say "gave up waiting for $what after ${seconds}s"
	return 1
}
