// state.js - what the console knows about the signed-in user and the
// reference data every page uses (rule titles, the resolution taxonomy,
// teams), loaded once after sign-in.
import { get } from "./api.js";

export const state = {
	me: null,        // the principal of GET /api/v1/me
	compLimit: null, // its compensation_limit: "20.00", or null for none (docs/compensation.md)
	rules: {},       // rule code -> {title: {zh,en}, category}
	taxonomy: null,  // GET /api/v1/resolutions
	teams: [],       // GET /api/v1/teams
};

export const may = (perm) => !!state.me?.perms?.includes(perm);

/* May the user work this case (cases:work, and an agent only on its teams)? */
export function mayWork(c) {
	if (!may("cases:work")) return false;
	return state.me.role !== "agent" || state.me.teams.includes(c.team);
}

export async function loadReference() {
	const [pb, tax, teams] = await Promise.all([get("/api/v1/playbooks"), get("/api/v1/resolutions"), get("/api/v1/teams")]);
	state.rules = Object.fromEntries(pb.playbooks.map((p) => [p.rule, { title: p.title, category: p.category }]));
	state.taxonomy = tax;
	state.teams = teams.teams.map((x) => x.team);
}
