#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# unit-check.sh - the systemd units make writes (run by make check)
#
#  1. conf/barazad.service and conf/baraza-web.service carry this build's
#     paths (no @...@ left; ExecStart under the configured sbindir/bindir;
#     the configuration at the binaries' default, sysconfdir/baraza.conf);
#  2. both pass systemd-analyze verify (their ExecStart pointed at this
#     build's programs and MANPATH at its man pages, as neither is
#     installed yet);
#  3. systemd-analyze security --offline rates each at most 1.6 ("OK"),
#     the exposure of the hand-written unit this replaced.
# Exit 0 pass, 1 fail, 77 skip (no systemd-analyze: 2 and 3 need it).
set -u
src=${BARAZA_SRCDIR:?} build=${BARAZA_BUILDDIR:?}
sa=${BARAZA_SYSTEMD_ANALYZE:-}
max_exposure=1.6
fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

dflt=$(env -u BARAZA_CONF "$build/admin/baraza" --help | sed -n 's/.*\$BARAZA_CONF, or \(.*\)\.$/\1/p')
for u in barazad baraza-web; do
	f="$build/conf/$u.service"
	[ -f "$f" ] || { echo "FAIL: $f was not made"; fail=1; continue; }
	if grep -n '@[A-Za-z_]*@' "$f"; then
		echo "FAIL: $u.service has unsubstituted names"; fail=1
	fi
	exec_line=$(sed -n 's/^ExecStart=//p' "$f")
	case "$exec_line" in
	*" -c $dflt "* | *" -c $dflt") echo "ok: $u.service reads $dflt, the programs' default";;
	*) echo "FAIL: $u.service: ExecStart=$exec_line does not read $dflt"; fail=1;;
	esac
done
exec_d=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$build/conf/barazad.service")
exec_w=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$build/conf/baraza-web.service")
case "$exec_d" in */sbin/barazad) ;; *) echo "FAIL: barazad.service runs $exec_d"; fail=1;; esac
case "$exec_w" in */bin/baraza) ;; *) echo "FAIL: baraza-web.service runs $exec_w"; fail=1;; esac

if [ -z "$sa" ] || ! command -v "$sa" >/dev/null 2>&1; then
	echo "unit-check: no systemd-analyze: verify and security skipped"
	[ $fail = 0 ] && exit 77
	exit 1
fi
# verify runs man(1) for the Documentation= pages: this build's pages
for p in ${BARAZA_MAN_PAGES:-}; do
	sec=${p##*.}
	mkdir -p "$tmp/man/man$sec" && cp "$build/$p" "$tmp/man/man$sec/"
done
MANPATH=$tmp/man; export MANPATH
sed "s|$exec_d|$build/daemon/barazad|" "$build/conf/barazad.service" > "$tmp/barazad.service"
sed "s|$exec_w|$build/admin/baraza|" "$build/conf/baraza-web.service" > "$tmp/baraza-web.service"
for u in barazad baraza-web; do
	out=$("$sa" verify "$tmp/$u.service" 2>&1)
	rc=$?
	# verify also reports on units it pulls in; only ours counts
	mine=$(printf '%s\n' "$out" | grep "$u.service" || true)
	if [ $rc != 0 ] || [ -n "$mine" ]; then
		echo "FAIL: systemd-analyze verify $u.service (exit $rc):"; echo "$out"; fail=1
	else
		echo "ok: systemd-analyze verify $u.service"
	fi
	score=$("$sa" security --offline=true "$tmp/$u.service" 2>/dev/null |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -z "$score" ]; then
		echo "note: systemd-analyze security gave no score for $u.service"
	elif awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
		echo "ok: $u.service exposure $score (at most $max_exposure)"
	else
		echo "FAIL: $u.service exposure $score, more than $max_exposure"; fail=1
	fi
done
exit $fail
