// SPDX-License-Identifier: GPL-3.0-or-later
// doiuse-check.cjs FILE.html... - check HTML mail against the caniemail
// data (npm doiuse-email) for Gmail and Outlook, every platform: prints
// each feature a client does not support and exits 1 if there is one.
// Partial support ("warnings") is printed but allowed.
const fs = require('fs');
const { doIUseEmail } = require('doiuse-email');
let bad = 0;
for (const file of process.argv.slice(2)) {
	const r = doIUseEmail(fs.readFileSync(file, 'utf8'),
	    { emailClients: ['gmail.*', 'outlook.*'] });
	const errors = r.errors || [];
	console.log(`${file}: ${errors.length} unsupported, ${(r.warnings || []).length} partly supported`);
	for (const e of errors)
		console.log(`  unsupported: ${e}`);
	if (!r.success || errors.length)
		bad = 1;
}
process.exit(bad);
