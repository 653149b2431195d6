import {
  sameClasses,
  type AliasDescription,
  type DatasetRef,
  type EvaluationMetrics,
  type FineTuneSpec,
  type Objective,
  type PreparedCandidate,
  type RegisteredModel,
} from '@anneal/contracts';
import { bestBy, scoreOf } from '@anneal/tune';
import type { Activities } from './proxies';
import type { CandidateTrial, Searched } from './search-candidates';
import type { Stage } from './stages';
import type { TrialInput, TrialResult } from './trial';

/** The steps of fineTune around the search: arms from the search, testing them, the skip path, the gate's rows. */
export interface Arm {
  arm: string;
  candidate: number;
  result: TrialResult;
  fromTuning: boolean;
}

/**
 * The best tuning trial of each candidate and strategy, plus the probe of every candidate not selected (the
 * from-scratch baseline). With one tuned candidate an arm is named by kind and strategy (`pretrained full`).
 */
export function pickArms(from: { searched: Searched; candidates: PreparedCandidate[]; objective: Objective }): Arm[] {
  const { searched, candidates } = from;
  const kind = (i: number) => (candidates[i]?.pretrained ? 'pretrained' : 'scratch');
  const several = new Set(searched.trials.map((t) => t.candidate)).size > 1;
  const arms: Arm[] = [];
  const groups = new Map<string, CandidateTrial[]>();
  for (const t of searched.trials) {
    const name = `${kind(t.candidate)}${several ? ` ${candidates[t.candidate]?.label}` : ''} ${t.result.hyperparameters.strategy}`;
    groups.set(name, [...(groups.get(name) ?? []), t]);
  }
  for (const [arm, group] of groups) {
    const best = group[bestBy(group, (t) => scoreOf(from.objective, t.result.validation))] as CandidateTrial;
    arms.push({ arm, candidate: best.candidate, result: best.result, fromTuning: true });
  }
  for (const p of searched.probes) {
    if (p.candidate !== searched.selected)
      arms.push({ arm: `${kind(p.candidate)} probe ${candidates[p.candidate]?.label}`, candidate: p.candidate, result: p.result, fromTuning: false });
  }
  return arms;
}

/** What a pipeline's result says of an arm, whatever it did after the search: its trial, model and figures. */
export function armSummary(a: Arm) {
  return {
    arm: a.arm,
    trial: a.result.label,
    candidate: a.candidate,
    hyperparameters: a.result.hyperparameters,
    epochsRun: a.result.fineTune.epochsRun,
    validation: a.result.validation,
  };
}

export async function testArm(stage: Stage, arm: Arm, test: TrialInput['validation'], backend: TrialInput['backend']): Promise<EvaluationMetrics> {
  const out = await stage.acts.evaluation.evaluateModel({
    tracking: stage.ctx,
    runName: `evaluate ${arm.result.label} on test`,
    model: arm.result.fineTune.model,
    dataset: test,
    backend,
  });
  return out.metrics;
}

/** With skipIfDataUnchanged: the champion, when it was trained on rows with this content digest. */
export async function unchangedSince(
  acts: Activities,
  register: FineTuneSpec['register'],
  dataset: DatasetRef,
): Promise<{ registered: RegisteredModel; reason: { reason: string; contentDigest: string } } | undefined> {
  if (!register.skipIfDataUnchanged || !dataset.contentDigest) return undefined;
  const champion = await acts.evaluation.championData({ name: register.name, alias: register.alias });
  if (!champion.version || champion.contentDigest !== dataset.contentDigest) return undefined;
  return {
    registered: { name: register.name, version: champion.version, alias: register.alias },
    reason: { reason: `${register.name}@${register.alias} (version ${champion.version}) was trained on the same rows`, contentDigest: dataset.contentDigest },
  };
}

/** With the registry: the champion, when it was trained on rows with this content digest. */
export function unchangedFrom(
  champion: AliasDescription | null,
  register: FineTuneSpec['register'],
  dataset: DatasetRef,
): Awaited<ReturnType<typeof unchangedSince>> {
  if (!register.skipIfDataUnchanged || !dataset.contentDigest || !champion || champion.contentDigest !== dataset.contentDigest) return undefined;
  return {
    registered: { name: register.name, version: champion.version, alias: register.alias },
    reason: { reason: `${register.name}@${register.alias} (version ${champion.version}) was trained on the same rows`, contentDigest: dataset.contentDigest },
  };
}

/**
 * The rows the gate scores challenger and champion on: the champion's own test split, pinned, so that the
 * challenger is not trained on them and both are judged on the same rows; else this run's test split.
 */
export function gateRows(
  spec: FineTuneSpec,
  champion: AliasDescription | null,
  dataset: DatasetRef,
): { split: FineTuneSpec['split']; rowsFrom: 'pinned' | 'this split' } {
  if (spec.split.pinnedTest) return { split: spec.split, rowsFrom: 'pinned' };
  const test = champion?.testSplit;
  // A champion of another task (other classes) has no rows to share: the gate will say they cannot be compared.
  const sameTask = test !== undefined && sameClasses(test.classes, dataset.classes);
  if (!spec.register.gate.pinChampionTest || !test || !sameTask) return { split: spec.split, rowsFrom: 'this split' };
  return { split: { ...spec.split, pinnedTest: { uri: test.uri, digest: test.digest } }, rowsFrom: 'pinned' };
}

/** Drift is measured against the champion's training data unless the spec names a reference of its own. */
export function withDriftReference(spec: FineTuneSpec, champion: AliasDescription | null): FineTuneSpec['dataset'] {
  const { validation } = spec.dataset;
  if (!champion || validation.reference) return spec.dataset;
  return { ...spec.dataset, validation: { ...validation, reference: { model: spec.register.name, alias: spec.register.alias } } };
}

/** The dataset's image size, for an image model's input contract. */
export function imageShapeOf(dataset: FineTuneSpec['dataset']): { imageShape?: number[] } {
  return dataset.image ? { imageShape: [dataset.image.height, dataset.image.width, dataset.image.channels] } : {};
}

/** What the result says of model selection: the probe's pick, the search's best, or every candidate tuned. */
export function selectedModelOf(select: FineTuneSpec['model']['select'], selected: number | undefined, candidates: PreparedCandidate[]): string {
  const label = selected === undefined ? undefined : candidates[selected]?.label;
  if (select === 'all' || label === undefined) return 'all (every candidate tuned)';
  return select === 'search' ? `${candidates.length} searched together, best ${label}` : label;
}
