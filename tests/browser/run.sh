#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run.sh - the archive's browser checks (archive_check.js) in headless
# Chromium, with axe-core; installs the two npm packages into this folder
# (node_modules, git-ignored) the first time, so a fresh clone works.
# usage: run.sh BASE_URL ARCHIVE_DIR WORD_DEEP_IN_A_POST
set -e
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/node_modules/axe-core/axe.min.js" ] ||
   [ ! -d "$here/node_modules/puppeteer-core" ]; then
	# serialised: several test processes may get here at once
	exec 9>"$here/.install.lock"
	flock 9
	if [ ! -f "$here/node_modules/axe-core/axe.min.js" ] ||
	   [ ! -d "$here/node_modules/puppeteer-core" ]; then
		(cd "$here" && npm install --no-audit --no-fund --no-save --loglevel=error) >&2
	fi
	flock -u 9
fi
exec node "$here/archive_check.js" "$@"
