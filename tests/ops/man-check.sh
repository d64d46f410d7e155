#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# man-check.sh - the man pages are clean and complete (run by make check)
#
#  1. man --warnings finds nothing to say about any built page;
#  2. every key of daemon/config/conf_keys.c is documented in
#     man/baraza.conf.5.scd under its section ("*key*" lines after
#     "## [section"); a documented key not in the table is only reported
#     (keys are documented ahead of the branches that add them);
#  3. every command of admin/baraza.c has its "## NAME" in man/baraza.1.scd
#     (a documented command not in the table is only reported).
# Exit 0 pass, 1 fail, 77 skip (no pages built: --disable-man).
set -u
src=${BARAZA_SRCDIR:?} build=${BARAZA_BUILDDIR:?}
pages=${BARAZA_MAN_PAGES:-}
fail=0
[ -n "$pages" ] || { echo "man-check: no man pages built (--disable-man): skipped"; exit 77; }
command -v man >/dev/null 2>&1 || { echo "man-check: no man(1): skipped"; exit 77; }

for p in $pages; do
	w=$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$build/$p" 2>&1 >/dev/null)
	if [ -n "$w" ]; then
		echo "FAIL: man --warnings $p:"; echo "$w"; fail=1
	else
		echo "ok: man --warnings $p"
	fi
	if grep -q '@[a-z]*dir@' "$build/$p"; then
		echo "FAIL: $p has an unsubstituted @...dir@"; fail=1
	fi
done

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# section.key from the table: { S_LIST, "name", ...
sed -n 's/^[[:space:]]*{ *S_\([A-Z_]*\), *"\([a-z_0-9]*\)".*/\1.\2/p' \
    "$src/daemon/config/conf_keys.c" | tr 'A-Z' 'a-z' | sort -u > "$tmp/table"
# section.key from the page
awk '/^## \[/ { s = $2; sub(/^\[/, "", s); sub(/\]$/, "", s); next }
     /^## / || /^# / { s = ""; next }
     s != "" && /^\*[a-z_0-9]+\* / { k = $1; gsub(/\*/, "", k); print s "." k }' \
    "$src/man/baraza.conf.5.scd" | sort -u > "$tmp/page"
[ -s "$tmp/table" ] || { echo "FAIL: no keys read from conf_keys.c"; fail=1; }
for k in $(comm -23 "$tmp/table" "$tmp/page"); do
	echo "FAIL: key [${k%%.*}] ${k#*.} (conf_keys.c) is not in baraza.conf(5)"; fail=1
done
for k in $(comm -13 "$tmp/table" "$tmp/page"); do
	echo "note: baraza.conf(5) documents [${k%%.*}] ${k#*.}, which conf_keys.c does not have (yet)"
done
echo "keys: $(wc -l < "$tmp/table") in conf_keys.c, $(wc -l < "$tmp/page") in baraza.conf(5)"

sed -n 's/^[[:space:]]*{ *"\([a-z][a-z-]*\)", *cmd_.*/\1/p' "$src/admin/baraza.c" |
    sort -u > "$tmp/cmds"
sed -n 's/^## \([a-z][a-z-]*\)$/\1/p' "$src/man/baraza.1.scd" | sort -u > "$tmp/doc"
[ -s "$tmp/cmds" ] || { echo "FAIL: no commands read from admin/baraza.c"; fail=1; }
for c in $(comm -23 "$tmp/cmds" "$tmp/doc"); do
	echo "FAIL: command $c (admin/baraza.c) is not in baraza(1)"; fail=1
done
for c in $(comm -13 "$tmp/cmds" "$tmp/doc"); do
	echo "note: baraza(1) documents $c, which admin/baraza.c does not have (yet)"
done
echo "commands: $(wc -l < "$tmp/cmds") in admin/baraza.c, $(wc -l < "$tmp/doc") in baraza(1)"
exit $fail
