// Reads a profile written by profile-live.mjs (or any DevTools CPU profile) and answers two
// questions about one function, matched by a part of its name, in ms per `per` (e.g. the number
// of analyses the profile holds):
//   node profile-summary.mjs within <profile.json> <name part> [per]   what the samples whose
//     stack holds the function spent, by its direct callee and by the function running
//   node profile-summary.mjs callers <profile.json> <name part> [per]  who called it: its own
//     time by the chain of its six nearest callers
// Diagnostic only; the README's numbers say which profile and question they come from.
import { readFileSync } from 'node:fs';

const [question, file, part, per = 1] = process.argv.slice(2);
if (!['within', 'callers'].includes(question) || !part) {
  console.error('usage: node profile-summary.mjs within|callers <profile.json> <name part> [per]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parents = new Map();
for (const n of profile.nodes) for (const child of n.children || []) parents.set(child, n.id);
const nameOf = (id) => {
  const { functionName, url } = nodes.get(id).callFrame;
  return functionName || `(${url.split('/').pop() || 'anonymous'})`;
};
/// A sample's stack, innermost first.
const stackOf = (id) => {
  const names = [];
  for (let at = id; at !== undefined; at = parents.get(at)) names.push(nameOf(at));
  return names;
};

const tables = { first: new Map(), second: new Map() };
const add = (table, key, ms) => table.set(key, (table.get(key) || 0) + ms);
let total = 0;
profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i]) / 1000;
  const stack = stackOf(id);
  const at = stack.findIndex((name) => name.includes(part));
  if (at < 0 || (question === 'callers' && at !== 0)) return;
  total += ms;
  if (question === 'within') {
    add(tables.first, at === 0 ? '(itself)' : stack[at - 1], ms);
    add(tables.second, stack[0], ms);
  } else {
    add(tables.first, stack.slice(1, 7).map((name) => name.replace(/::h[0-9a-f]{16}/g, '')).join(' < '), ms);
  }
});
const print = (title, table, rows) => {
  console.log(title);
  for (const [key, ms] of [...table].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${(ms / per).toFixed(3)} | ${key.slice(0, 200)}`);
};
console.log(`${(total / per).toFixed(3)} ms (the profile's total / ${per}) in samples with "${part}"`);
if (question === 'within') {
  print('by direct callee', tables.first, 20);
  print('by function running', tables.second, 30);
} else {
  print('by callers', tables.first, 10);
}
