import type { WorkflowHandle } from '@temporalio/client';
import type { FineTuneProgress } from '@anneal/workflows';

const WIDTH = 24;

/** Polls the workflow's `progress` query: a redrawn bar on a terminal, one line per stage change otherwise. */
export function watchProgress(handle: WorkflowHandle, options: { interactive: boolean }): () => void {
  let last = '';
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try {
      const p = await handle.query<FineTuneProgress>('progress');
      const line = render(p);
      if (options.interactive) process.stderr.write(`\r${line}\x1b[K`);
      else if (p.stage !== last) process.stderr.write(`${line}\n`);
      last = options.interactive ? line : p.stage;
    } catch {
      // The query can fail before the first workflow task or after completion; the next tick tries again.
    }
  };
  const timer = setInterval(() => void tick(), 1000);
  return () => {
    stopped = true;
    clearInterval(timer);
    if (options.interactive && last) process.stderr.write('\n');
  };
}

function render(p: FineTuneProgress): string {
  const done = p.trialsTotal === 0 ? 0 : p.trialsDone / p.trialsTotal;
  const filled = Math.round(done * WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${p.trialsDone}/${p.trialsTotal} trials · ${p.stage}`;
}
