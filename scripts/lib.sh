# SPDX-License-Identifier: GPL-3.0-or-later
# scripts/lib.sh - shared by scripts/test and scripts/demo (sourced, not run)
#
# bz_install_deps   on Debian as root: install the packages that are missing
# bz_autoreconf     regenerate configure and Makefile.in
# bz_build DIR ARGS configure (out of tree, in DIR) and make
# bz_say MSG        a progress line, with the seconds since the script began
#
# The caller has done `cd` to the top of the source tree.

# Debian 12 packages: the build, the tests' real servers (Dovecot, the
# Python SMTP capture, Postfix's smtp-sink/smtp-source), Chromium for the
# archive's browser test, the tools the scripts use, and the servers whose
# configuration scripts/deploy-check runs through their own checkers
# (nginx -t, caddy validate, opendkim -n; never started).
BZ_PACKAGES="build-essential autoconf automake libtool pkg-config \
libetpan-dev libsqlite3-dev sqlite3 libcurl4-gnutls-dev libpcre2-dev \
libgnutls28-dev libmicrohttpd-dev libcriterion-dev clang dovecot-imapd postfix \
python3-aiosmtpd curl openssl ca-certificates chromium \
gettext python3-langdetect nodejs npm \
libc-ares-dev libpsl-dev libopendkim-dev libzstd-dev opendkim-tools python3-dkim \
dnsmasq-base dovecot-lmtpd \
postfix-pcre nginx-light caddy opendkim scdoc man-db systemd"

bz_t0=$(date +%s)
bz_say() {
	printf '==> [%4ss] %s\n' "$(( $(date +%s) - bz_t0 ))" "$*"
}

bz_die() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# bz_install_deps - install what is missing (checked with dpkg -s first).
# Services of freshly installed packages (postfix, dovecot) are kept from
# starting by a temporary policy-rc.d, and stopped if they started anyway:
# the tests run their own throwaway servers and need no system MTA.
bz_install_deps() {
	if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
		bz_say "not a Debian system: install these yourself if the build fails: $BZ_PACKAGES"
		return 0
	fi
	missing=""
	for p in $BZ_PACKAGES; do
		# A Node.js from outside Debian (NodeSource's nodejs carries its
		# own npm and conflicts with Debian's npm package) will do.
		[ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
		if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
			missing="$missing $p"
		fi
	done
	if [ -z "$missing" ]; then
		bz_say "all packages present"
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		bz_die "missing packages:$missing (run as root, or: apt-get install$missing)"
	fi
	bz_say "installing:$missing"
	policy=/usr/sbin/policy-rc.d
	made_policy=no
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# written by baraza scripts/lib.sh during apt-get install\nexit 101\n' > "$policy"
		chmod 755 "$policy"
		made_policy=yes
	fi
	# Postfix only for smtp-sink/smtp-source: no configuration, no MTA.
	if command -v debconf-set-selections >/dev/null 2>&1; then
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	fi
	rc=0
	DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
	if [ $rc = 0 ]; then
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    --no-install-recommends $missing || rc=$?
	fi
	[ "$made_policy" = yes ] && rm -f "$policy"
	# policy-rc.d should have kept them from starting; make sure.
	case "$missing" in
	*postfix*|*dovecot*|*nginx*|*caddy*|*opendkim*)
		if command -v service >/dev/null 2>&1; then
			for s in postfix dovecot nginx caddy opendkim; do
				service "$s" stop >/dev/null 2>&1 || true
			done
		fi;;
	esac
	[ $rc = 0 ] || bz_die "apt-get failed (exit $rc)"
}

# bz_autoreconf - generate the build system from configure.ac/Makefile.am
bz_autoreconf() {
	bz_say "autoreconf -fi"
	autoreconf -fi || bz_die "autoreconf failed"
}

# bz_build DIR [CONFIGURE ARGS...] - a VPATH build in DIR; 0 or 1 (with
# the end of the compiler output shown)
bz_build() {
	dir=$1
	shift
	bz_say "configure in ./$dir: --enable-werror $*"
	mkdir -p "$dir"
	if ! (cd "$dir" && ../configure -q --enable-werror "$@"); then
		echo "${0##*/}: configure failed in $dir" >&2
		return 1
	fi
	bz_say "make -j2 in ./$dir"
	if ! make -C "$dir" -j2 >"$dir/make.out" 2>&1; then
		tail -n 60 "$dir/make.out" >&2
		echo "${0##*/}: build failed in $dir (see $dir/make.out)" >&2
		return 1
	fi
}
