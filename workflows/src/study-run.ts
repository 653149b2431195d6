import { workflowInfo } from '@temporalio/workflow';
import { scoreOf } from '@anneal/tune';
import type { SearchResult } from './adaptive-search';
import { reportSearch } from './search-report';
import type { Activities } from './proxies';
import type { StudyInput } from './study-input';

type Options = StudyInput['options'];

/**
 * The study's MLflow run, a child of the pipeline's: what it searches and how, as params. Its trials become its
 * children, and it ends with the study's report (trials table, decision log, picture) and its figures.
 */
export async function openStudyRun(acts: Activities, input: StudyInput): Promise<string> {
  const { search, models, common } = input.options;
  const scheduler = search.scheduler.kind === 'none' ? '' : ` + ${search.scheduler.kind}`;
  const own = input.ids.perCandidate ? ` ${models[0]?.prepared.label}` : '';
  const run = await acts.tracking.openChildRun({
    tracking: common.tracking,
    runName: `study${own} ${search.sampler}${scheduler} (${search.trials} trials)`,
    params: {
      'study.sampler': search.sampler,
      'study.scheduler': JSON.stringify(search.scheduler),
      'study.trials': String(search.trials),
      'study.parallelism': String(search.parallelism),
      'study.seed': String(search.seed),
      'study.objective': `${search.objective.direction} validation ${search.objective.metric}`,
      'study.candidates': models.map((m) => m.prepared.label).join(', '),
      'study.warm_start': String(search.warmStart.length),
      'temporal.studyWorkflowId': workflowInfo().workflowId,
    },
  });
  return run.runId;
}

/** The options with the study's run as the parent of every trial's run. */
export function underStudyRun(options: Options, runId: string): Options {
  return { ...options, common: { ...options.common, tracking: { experimentId: options.common.tracking.experimentId, parentRunId: runId } } };
}

/** Reports the study on its run and ends it: FINISHED, or FAILED when every trial failed (fineTune then fails too). */
export async function closeStudyRun(acts: Activities, o: { options: Options; runId: string; result: SearchResult }): Promise<void> {
  const { options, runId, result } = o;
  const { objective, sampler } = options.search;
  const labels = new Map(options.models.map((m) => [m.index, m.prepared.label]));
  const table = result.table ?? [];
  await reportSearch(acts, {
    ctx: options.common.tracking,
    objective,
    sampler,
    searched: { table, failed: result.failed, decisions: result.decisions },
    labelOf: (c) => labels.get(c) ?? String(c),
  });
  const best = table.length ? Math.max(...table.map((r) => scoreOf(objective, r.validation))) : undefined;
  await acts.tracking.closeRun({
    runId,
    status: table.length ? 'FINISHED' : 'FAILED',
    metrics: {
      trials_finished: table.length,
      trials_failed: result.failed.length,
      rung_runs: result.decisions.length,
      ...(best === undefined ? {} : { [`best_val_${objective.metric}`]: objective.direction === 'minimize' ? -best : best }),
    },
  });
}
