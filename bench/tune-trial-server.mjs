// Real training for the peers' searches (bench/tune_peers.py given a port): `node bench/tune-trial-server.mjs <task>` loads
// the task's trainer (bench/tune-tasks.mjs, the one Anneal's real searches use), listens on a loopback port, prints
// {"port": N} and serves JSON lines, so an Optuna or Ray Tune trial trains through Anneal's trainer:
//   {"op": "start", "trial": id, "candidate": 0, "strategy": "full", "lr": 0.001} -> {"ok": true}
//   {"op": "train", "trial": id, "to": epochs} -> {"epochs": [{"value": validation accuracy, "seconds": s}, ...]}
//   {"op": "stop", "trial": id} -> {"ok": true}
// A trial trains one fit, held between requests (bench/tune-real.mjs); a connection's trials stop when it closes.
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { realTrainer } from './tune-real.mjs';
import { TASKS } from './tune-tasks.mjs';

const name = process.argv[2];
if (!TASKS[name]) throw new Error(`tune-trial-server: no task ${name}; the tasks are ${Object.keys(TASKS).join(', ')}`);
const train = await TASKS[name].trainer();

const server = createServer((socket) => {
  const trainer = realTrainer(train);
  const reply = (message) => socket.write(`${JSON.stringify(message)}\n`);
  const handle = async (r) => {
    if (r.op === 'train') return { epochs: await trainer.train(r.trial, undefined, r.to) };
    if (r.op === 'start') await trainer.start(r.trial, { candidate: r.candidate, strategy: r.strategy, learningRate: r.lr });
    else if (r.op === 'stop') await trainer.stop(r.trial);
    else throw new Error(`unknown op ${r.op}`);
    return { ok: true };
  };
  // One request at a time, in order: a trial's epochs are trained before the next request is read.
  let queue = Promise.resolve();
  createInterface({ input: socket }).on('line', (line) => {
    queue = queue.then(async () => {
      try {
        reply(await handle(JSON.parse(line)));
      } catch (err) {
        reply({ error: String(err?.message ?? err) });
      }
    });
  });
  socket.on('close', () => void queue.then(() => trainer.close()));
  socket.on('error', () => undefined); // a peer's trial process killed mid-request: its trials stop on close
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
