// summary-reporter.mjs - a node:test reporter for tests/run-http.sh: after
// the spec reporter's output, one summary: tests passed / failed / todo per
// file, the failures by name with their first error line, and the time.
import { relative } from "node:path";

const firstLine = (err) => {
	const e = err?.cause ?? err;
	const msg = e?.message ?? String(e ?? "");
	return msg.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
};

export default async function* summary(source) {
	const files = new Map();
	const failures = [];
	const todos = [];
	const t0 = Date.now();
	const fileOf = (data) => (data.file ? relative(process.cwd(), data.file) : "(no file)");
	const counts = (f) => {
		if (!files.has(f)) files.set(f, { pass: 0, fail: 0, todo: 0, skip: 0 });
		return files.get(f);
	};
	for await (const { type, data } of source) {
		if (type !== "test:pass" && type !== "test:fail") continue;
		const isSuite = data.details?.type === "suite";
		const f = fileOf(data);
		// a file that fails outside any test (it does not load, or exits early)
		// is a failure of its own: the runner reports it as a top-level test named by its path
		if (isSuite) continue;
		if (type === "test:fail" && data.nesting === 0 && data.file && data.name === data.file) {
			failures.push(`${f}: the file failed: ${firstLine(data.details?.error)}`);
			counts(f).fail++;
			continue;
		}
		const c = counts(f);
		if (data.todo !== undefined && data.todo !== false) {
			c.todo++;
			todos.push(`${f}: ${data.name}${type === "test:fail" ? " (still failing)" : " (passes now)"}`);
		} else if (data.skip !== undefined && data.skip !== false) c.skip++;
		else if (type === "test:pass") c.pass++;
		else {
			c.fail++;
			failures.push(`${f}: ${data.name}\n      ${firstLine(data.details?.error)}`);
		}
	}
	let out = "\n==== HTTP API tests: summary ====\n";
	const total = { pass: 0, fail: 0, todo: 0, skip: 0 };
	for (const [f, c] of [...files].sort()) {
		out += `  ${f}: ${c.pass} passed, ${c.fail} failed${c.todo ? `, ${c.todo} todo` : ""}${c.skip ? `, ${c.skip} skipped` : ""}\n`;
		for (const k of Object.keys(total)) total[k] += c[k];
	}
	if (todos.length) out += `\n  todo (known doubts, not counted as failures):\n${todos.map((t) => `    - ${t}`).join("\n")}\n`;
	if (failures.length) out += `\n  FAILED:\n${failures.map((t) => `    - ${t}`).join("\n")}\n`;
	out += `\n  ${total.fail ? "FAIL" : "PASS"}: ${total.pass} passed, ${total.fail} failed, ${total.todo} todo, ${total.skip} skipped in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`;
	yield out;
}
