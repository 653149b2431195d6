import { SingleBar } from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import type { FineTuneProgress } from '@anneal/workflows';

export interface ProgressUpdate {
  value: number;
  total: number;
  /** What the bar says after the count. */
  detail: string;
  /** Off a terminal one line is printed each time this changes (a pipeline's stage); nothing when absent. */
  milestone?: string;
}

export interface ProgressDisplay {
  update(p: ProgressUpdate): void;
  stop(): void;
}

/**
 * The one progress display of the command line, for pipelines and dataset reads: a bar on stderr (cli-progress) on a
 * terminal, one line per milestone when stderr is a file or a pipe (a log should not fill with redraws).
 */
export function progressDisplay(options: { interactive: boolean; stream?: NodeJS.WriteStream }): ProgressDisplay {
  const stream = options.stream ?? process.stderr;
  let bar: SingleBar | undefined;
  let milestone: string | undefined;
  return {
    update(p) {
      if (!options.interactive) {
        if (p.milestone !== undefined && p.milestone !== milestone) stream.write(`${p.milestone}\n`);
        milestone = p.milestone;
        return;
      }
      if (!bar) {
        bar = new SingleBar({ stream, format: '[{bar}] {percentage}% {detail}', barsize: 24, hideCursor: true, clearOnComplete: false, fps: 10 });
        bar.start(p.total, p.value, { detail: p.detail });
      }
      bar.setTotal(p.total);
      bar.update(p.value, { detail: p.detail });
    },
    stop() {
      bar?.stop();
    },
  };
}

/** A dataset read's progress (`onProgress` of readSource) as a display update. */
export function readProgress(p: { done: number; total: number; unit: 'bytes' | 'files' }): ProgressUpdate {
  const detail = p.unit === 'bytes' ? `${(p.done / 2 ** 20).toFixed(0)}/${(p.total / 2 ** 20).toFixed(0)} MB` : `${p.done}/${p.total} files`;
  return { value: p.done, total: Math.max(p.total, 1), detail };
}

/** A pipeline's `progress` query result as a display update: trials done out of all, the best epoch so far, the stage. */
export function pipelineProgress(p: FineTuneProgress): ProgressUpdate {
  const best = p.best ? ` · best ${p.best.metric} ${p.best.value.toFixed(4)} (trial ${p.best.trial}, epoch ${p.best.epoch + 1})` : '';
  const detail = `${p.trialsDone}/${p.trialsTotal} trials${best} · ${p.stage}`;
  return { value: p.trialsDone, total: Math.max(p.trialsTotal, 1), detail, milestone: `[${p.trialsDone}/${p.trialsTotal} trials] ${p.stage}` };
}

/** Polls the workflow's `progress` query once a second into the display until stopped. */
export function watchProgress(handle: WorkflowHandle, display: ProgressDisplay): () => void {
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    try {
      display.update(pipelineProgress(await handle.query<FineTuneProgress>('progress')));
    } catch {
      // The query fails before the first workflow task, after completion and while the server is away; the next tick tries again.
    }
  };
  const timer = setInterval(() => void tick(), 1000);
  return () => {
    stopped = true;
    clearInterval(timer);
    display.stop();
  };
}
