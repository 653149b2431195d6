import { GateInput, sameClasses, type BackendName, type GateCheck, type GateSide, type GateVerdict, type In, type ModelRef } from '@anneal/contracts';
import { loadDataset, type Dataset } from '@anneal/dataset';
import { loadModel, resolveBackend } from '@anneal/models';
import { withActivityRun, type ArtifactStore, type MlflowClient } from '@anneal/tracking';
import { classificationReport, headlineMetrics } from '../classification-metrics';
import { renderChart, uploadChart } from '../charts';
import { labelIndices, predictRows, recallPerClass, rowCorrectness } from '../predict-rows';
import { gateConfusionSpec } from './gate-charts';
import { decideGate } from './gate-decision';
import { discordantPairs } from './mcnemar';

interface Scored {
  side: GateSide;
  correct: boolean[];
  confusion: number[][];
}

/**
 * The gate: challenger and champion scored on the same rows, then the policy's decision table. Both sides'
 * figures, the verdict and their confusion matrices side by side go to the gate's MLflow run.
 */
export function gateChallengerActivity(deps: { mlflow: MlflowClient; artifacts: ArtifactStore; backend: BackendName }) {
  const { mlflow } = deps;
  return async function gateChallenger(raw: In<typeof GateInput>): Promise<GateVerdict> {
    const input = GateInput.parse(raw);
    const against = input.champion ? `champion v${input.champion.version}` : 'no champion';
    const params = {
      'gate.challenger': input.challenger.version,
      'gate.champion': input.champion?.version ?? 'none',
      'gate.rows_from': input.rowsFrom,
      'gate.policy': JSON.stringify(input.policy),
    };
    return withActivityRun(mlflow, { tracking: input.tracking, runName: `gate v${input.challenger.version} against ${against}`, params }, async (run) => {
      await resolveBackend(input.backend === 'auto' ? deps.backend : input.backend);
      const rows = await loadDataset(deps.artifacts, input.test);
      const classes = input.challenger.classes ?? rows.classes;
      const challenger = await scoreVersion(deps.artifacts, { ref: input.challenger, rows, order: classes });
      const sameTask = !input.champion || sameClasses(input.champion.classes ?? rows.classes, classes);
      const champion = input.champion && sameTask ? await scoreVersion(deps.artifacts, { ref: input.champion, rows, order: classes }) : undefined;
      const decision = decideGate({
        policy: input.policy,
        classes,
        challenger: challenger.side,
        ...(champion ? { champion: champion.side, discordant: discordantPairs(challenger.correct, champion.correct) } : {}),
      });
      if (!sameTask) decision.checks.push(classesCheck(input.champion as ModelRef, classes));
      const verdict: GateVerdict = {
        ...decision,
        passed: decision.passed && sameTask,
        classes,
        rows: rows.labels.length,
        rowsFrom: input.rowsFrom,
        challenger: challenger.side,
        ...(champion ? { champion: champion.side } : {}),
        ...(input.drift ? { drift: input.drift } : {}),
      };
      await logVerdict(mlflow, { runId: run.runId, artifactUri: run.artifactUri, verdict, confusions: [challenger, ...(champion ? [champion] : [])] });
      return verdict;
    });
  };
}

/** One registered version on the gate's rows; its recall is listed in `order` (the challenger's classes). */
async function scoreVersion(artifacts: ArtifactStore, o: { ref: ModelRef & { version: string }; rows: Dataset; order: string[] }): Promise<Scored> {
  const model = await loadModel(artifacts, o.ref);
  try {
    const own = o.ref.classes ?? o.rows.classes;
    const labels = labelIndices(o.rows, own);
    const probs = await predictRows(model, o.rows);
    const report = classificationReport(probs, labels, own.length);
    const metrics = headlineMetrics(report);
    const recall = recallPerClass(report.confusion);
    const side = { version: o.ref.version, metrics, recall: o.order.map((c) => recall[own.indexOf(c)] ?? 0) };
    return { side, correct: rowCorrectness(probs, labels), confusion: report.confusion };
  } finally {
    model.dispose();
  }
}

function classesCheck(champion: ModelRef, classes: string[]): GateCheck {
  return {
    name: 'same classes',
    passed: false,
    detail: `champion v${champion.version} predicts ${(champion.classes ?? []).join(', ')}; the challenger predicts ${classes.join(', ')}: they cannot be compared`,
  };
}

async function logVerdict(mlflow: MlflowClient, o: { runId: string; artifactUri: string; verdict: GateVerdict; confusions: Scored[] }): Promise<void> {
  const { verdict } = o;
  const now = Date.now();
  const metric = (key: string, value: number) => ({ key, value, step: 0, timestamp: now });
  const sides = [
    ['challenger', verdict.challenger],
    ['champion', verdict.champion],
  ] as const;
  const metrics = sides.flatMap(([who, side]) => (side ? Object.entries(side.metrics).map(([k, v]) => metric(`${who}.${k}`, v)) : []));
  metrics.push(metric('gate.passed', verdict.passed ? 1 : 0), metric('gate.rows', verdict.rows));
  if (verdict.mcnemar) metrics.push(metric('gate.mcnemar_p', verdict.mcnemar.pValue));
  if (verdict.drift) metrics.push(metric('drift.max_psi', verdict.drift.maxPsi), metric('drift.label_shift', verdict.drift.labelShift));
  const failed = verdict.checks.filter((c) => !c.passed).map((c) => c.name);
  await mlflow.logBatch(o.runId, { metrics, tags: [{ key: 'anneal.gate', value: verdict.passed ? 'passed' : `failed: ${failed.join(', ')}` }] });
  await mlflow.uploadArtifact(`${o.artifactUri}/gate/verdict.json`, Buffer.from(JSON.stringify(verdict, null, 2)));
  const panels = o.confusions.map((s, i) => ({ title: `${i === 0 ? 'challenger' : 'champion'} v${s.side.version}`, confusion: s.confusion }));
  await uploadChart(mlflow, `${o.artifactUri}/gate/confusion_matrices`, await renderChart(gateConfusionSpec(panels, verdict.classes)));
}
