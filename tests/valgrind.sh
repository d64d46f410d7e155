#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# tests/valgrind.sh - run test binaries under valgrind (`make check-valgrind`)
#
#	tests/valgrind.sh BUILDDIR SRCDIR TEST...
#
# Each TEST (a Criterion binary, relative to BUILDDIR) runs under valgrind
# with --trace-children=yes, so the workers Criterion starts for each test
# are checked too; programs outside the build tree (sh, python3, dovecot)
# are skipped.  The harness runs baraza and barazad under valgrind as well
# through BARAZA_VALGRIND.  Every process writes its own log under
# BUILDDIR/tests/valgrind/TEST/; a log with a non-zero ERROR SUMMARY (memory
# errors, or definitely/indirectly lost blocks) fails the run.  Prints one
# line per binary and then
#	check-valgrind: N binaries, M tests, E errors, L leaks
# VALGRIND_EXTRA adds options (e.g. --gen-suppressions=all).
set -u
build=$1
src=$2
shift 2
cd "$build" || exit 1

flags="--leak-check=full --show-leak-kinds=definite,indirect \
--errors-for-leak-kinds=definite,indirect --error-exitcode=1 --num-callers=30 \
--suppressions=$src/tests/valgrind.supp ${VALGRIND_EXTRA:-}"

nbin=0
ntests=0
nerr=0
nleak=0
rc=0
for t in "$@"; do
	name=$(basename "$t")
	dir=$build/tests/valgrind/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	BARAZA_BUILDDIR=$build BARAZA_SRCDIR=$src \
	BARAZA_VALGRIND="valgrind $flags --log-file=$dir/child.%p.log" \
	    valgrind $flags --trace-children=yes \
	    --trace-children-skip='/bin/*,/usr/*,/sbin/*,/lib/*' \
	    --log-file="$dir/%p.log" "./$t" --jobs 1 >"$dir/out" 2>&1
	st=$?
	synth=$(sed 's/\x1b\[[0-9;]*m//g' "$dir/out" | grep 'Synthesis:' | tail -n 1)
	tested=$(echo "$synth" | sed -n 's/.*Tested: \([0-9]*\).*/\1/p')
	failing=$(echo "$synth" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	# leak records and other errors, over every process's log
	leaks=$(cat "$dir"/*.log | grep -c 'are \(definitely\|indirectly\) lost in loss record')
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$dir"/*.log |
	    awk '{s += $1} END {print s + 0}')
	errs=$((errs - leaks))
	procs=$(ls "$dir"/*.log | wc -l)
	nbin=$((nbin + 1))
	ntests=$((ntests + ${tested:-0}))
	nerr=$((nerr + errs))
	nleak=$((nleak + leaks))
	echo "$t: ${tested:-?} tests, ${failing:-?} failing, $procs processes," \
	    "$errs errors, $leaks leaks (exit $st)"
	if [ "$errs" != 0 ] || [ "$leaks" != 0 ]; then
		grep -l 'ERROR SUMMARY: [1-9]' "$dir"/*.log | sed 's/^/  see /'
		rc=1
	fi
	if [ "$st" != 0 ] || [ -z "$synth" ] || [ "${failing:-1}" != 0 ]; then
		echo "  test failures: see $dir/out"
		rc=1
	fi
done
echo "check-valgrind: $nbin binaries, $ntests tests, $nerr errors, $nleak leaks"
exit $rc
