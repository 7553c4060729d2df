// dom.js - build elements without HTML strings: every text goes in as a
// text node, so nothing a case or an order carries can become markup.

/* h("tag.class#id", {attrs, on: {click}}, ...children). Children: nodes,
 * strings, numbers, arrays, null/false (skipped). */
export function h(spec, attrs, ...children) {
	const m = /^([a-z0-9-]+)((?:[.#][A-Za-z0-9_-]+)*)$/.exec(spec);
	if (!m) throw new Error(`h: bad spec ${spec}`);
	const el = document.createElement(m[1]);
	for (const part of m[2].match(/[.#][^.#]+/g) ?? []) {
		if (part[0] === ".") el.classList.add(part.slice(1));
		else el.id = part.slice(1);
	}
	if (attrs && (typeof attrs !== "object" || attrs instanceof Node || Array.isArray(attrs))) {
		children.unshift(attrs);
		attrs = null;
	}
	for (const [k, v] of Object.entries(attrs ?? {})) {
		if (v === null || v === undefined || v === false) continue;
		if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
		else if (k === "class") el.className = v;
		else if (k === "dataset") Object.assign(el.dataset, v);
		else if (k in el && typeof v !== "string") el[k] = v;
		else el.setAttribute(k, v === true ? "" : String(v));
	}
	append(el, children);
	return el;
}

export function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false) continue;
		el.append(c instanceof Node ? c : String(c));
	}
	return el;
}

export function clear(el) {
	while (el.firstChild) el.firstChild.remove();
	return el;
}

/* A labelled control: <label for=id>text</label> + the control. */
let uid = 0;
export function field(label, control, hint) {
	if (!control.id) control.id = `f${++uid}`;
	return h("div.field", h("label", { for: control.id }, label), control, hint ? h("span.hint", hint) : null);
}

export function select(options, value, attrs = {}) {
	const s = h("select", attrs);
	for (const o of options) {
		const [v, text] = Array.isArray(o) ? o : [o, o];
		const opt = h("option", { value: v }, text);
		if (String(v) === String(value ?? "")) opt.selected = opt.defaultSelected = true; /* form.reset() comes back to it */
		s.append(opt);
	}
	return s;
}
