import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { MLFLOW_TAGS, type FineTuneSpecInput, type PretrainSpecInput } from '@anneal/contracts';
import type { FineTuneResult, PretrainResult } from '@anneal/workflows';
import { REPO_ROOT, connectHarness, param, runsByName, tag, type Harness } from './integration/harness';

jest.setTimeout(300_000);

let h: Harness;
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => h?.close());

const suffix = randomUUID().slice(0, 6);
const baseName = `mini-base-${suffix}`;

const pretrainSpec: PretrainSpecInput = {
  name: baseName,
  dataset: { name: 'mnist-0-4-mini', source: { kind: 'mnist', digits: [0, 1, 2, 3, 4], perClass: 60 }, minPerClass: 20 },
  split: { validation: 0.2, test: 0.2, seed: 1 },
  architecture: { kind: 'mlp', hiddenUnits: [64, 32] },
  training: { epochs: 3, batchSize: 32, learningRate: 0.003, patience: 5 },
  register: { name: baseName, alias: 'base' },
};

const fineTuneSpec: FineTuneSpecInput = {
  name: `mini-5-9-${suffix}`,
  dataset: { name: 'mnist-5-9-mini', source: { kind: 'mnist', digits: [5, 6, 7, 8, 9], perClass: 40 }, classes: ['5', '6', '7', '8', '9'], minPerClass: 20 },
  split: { validation: 0.25, test: 0.25, seed: 3 },
  model: {
    candidates: [
      { kind: 'registry', name: baseName, alias: 'base' },
      { kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [64, 32] } },
    ],
    probeEpochs: 2,
  },
  tuning: { trials: 2, seed: 4, strategies: ['feature-extraction', 'full'], epochs: [3], batchSize: 32, patience: 5 },
  register: { name: `mini-5-9-${suffix}`, alias: 'champion' },
};

describe('the whole pipeline on real Temporal and MLflow servers', () => {
  let pretrained: PretrainResult;
  let tuned: FineTuneResult;
  let fineTuneWorkflowId: string;

  beforeAll(async () => {
    await h.withWorker(async () => {
      pretrained = await h.client.workflow.execute('pretrain', { taskQueue: 'anneal', workflowId: `pretrain-${suffix}`, args: [pretrainSpec] });
      fineTuneWorkflowId = `fineTune-${suffix}`;
      tuned = await h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: fineTuneWorkflowId, args: [fineTuneSpec] });
    });
  });

  it('pretrains a base model and registers it under alias base', async () => {
    expect(pretrained.registered).toMatchObject({ name: baseName, alias: 'base', version: '1' });
    expect(pretrained.test.accuracy).toBeGreaterThan(0.5); // 5 classes: chance is 0.2
    const version = await h.mlflow.getModelVersionByAlias(baseName, 'base');
    expect(version?.version).toBe('1');
  });

  it('completes fineTune in Temporal with a champion and a table of arms', async () => {
    const description = await h.client.workflow.getHandle(fineTuneWorkflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(tuned.probes).toHaveLength(2);
    expect(tuned.trials).toHaveLength(2);
    expect(tuned.arms.filter((a) => a.champion)).toHaveLength(1);
    for (const arm of tuned.arms) {
      for (const v of [arm.test.accuracy, arm.test.macroF1, arm.test.rocAucMacro]) expect(v).toBeGreaterThanOrEqual(0);
      expect(arm.test.rocAucMacro).toBeLessThanOrEqual(1);
    }
    expect(tuned.registered).toMatchObject({ name: fineTuneSpec.register?.name, alias: 'champion' });
  });

  it('leaves in MLflow what a user audits: parent and child runs, params, metric histories, artifacts', async () => {
    const runs = await runsByName(h.mlflow, tuned.experimentId);
    const parent = runs.get(`fineTune ${fineTuneSpec.name}`);
    expect(parent?.info.status).toBe('FINISHED');
    expect(parent?.info.run_id).toBe(tuned.pipelineRunId);
    expect(param(parent!, 'tuning.trials')).toBe('2');
    expect(tag(parent!, MLFLOW_TAGS.workflowId)).toBe(fineTuneWorkflowId);
    expect(parent?.data.metrics.map((m) => m.key)).toEqual(expect.arrayContaining(['test_accuracy', 'test_macro_f1']));
    // Where it came from, in MLflow's own source tags, and an experiment the UI opens as model training.
    expect(tag(parent!, 'mlflow.source.name')).toBe('anneal fineTune');
    expect(tag(parent!, 'mlflow.source.type')).toBe('JOB');
    expect(tag(parent!, 'mlflow.source.git.commit')).toBe(execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT }).toString().trim());
    const experiment = (await (await fetch(`${h.stack.mlflowUri}/api/2.0/mlflow/experiments/get?experiment_id=${tuned.experimentId}`)).json()) as {
      experiment: { tags: { key: string; value: string }[] };
    };
    expect(experiment.experiment.tags).toContainEqual({ key: 'mlflow.experimentKind', value: 'finetuning' });

    const names = [...runs.keys()];
    for (const prefix of ['ingest ', 'validate ', 'split ', 'prepare ', 'probe ', 'fine-tune trial 0', 'evaluate ', 'register ']) {
      expect(names.some((n) => n.startsWith(prefix))).toBe(true);
    }
    // Every run but the pipeline's hangs under another run of the same pipeline and names its Temporal activity.
    const ids = new Set([...runs.values()].map((r) => r.info.run_id));
    for (const [name, run] of runs) {
      if (run === parent) continue;
      expect({ name, parent: ids.has(tag(run, MLFLOW_TAGS.parentRunId) ?? '') }).toEqual({ name, parent: true });
      expect(tag(run, MLFLOW_TAGS.activityId)).toBeDefined();
      expect(tag(run, MLFLOW_TAGS.workflowId)).toMatch(new RegExp(`^${fineTuneWorkflowId}`));
    }
    // No activity made two runs.
    const keys = [...runs.values()].map((r) => tag(r, MLFLOW_TAGS.idempotencyKey));
    expect(new Set(keys).size).toBe(keys.length);

    const fineTuneRun = [...runs.values()].find((r) => r.info.run_name?.startsWith('fine-tune trial 0'))!;
    expect(param(fineTuneRun, 'strategy')).toMatch(/^(feature-extraction|full)$/);
    expect(param(fineTuneRun, 'backend')).toBe('tensorflow'); // the native backend deploy/native builds
    expect(param(fineTuneRun, 'engine')).toBe('graph'); // and the graph engine built beside it
    expect(param(fineTuneRun, 'device')).toBeTruthy();
    expect(param(fineTuneRun, 'train.digest')).toMatch(/^[a-f0-9]{64}$/);
    const loss = await h.mlflow.getMetricHistory(fineTuneRun.info.run_id, 'val_loss');
    expect(loss.map((m) => m.step)).toEqual([0, 1, 2]);
    const files = await h.mlflow.listArtifacts(`${fineTuneRun.info.artifact_uri}/model`);
    expect(files.map((f) => f.path).sort()).toEqual(['manifest.json', 'model.json', 'weights.bin']);
    // Its learning curves, drawn from the metric history it logged: three epochs of both splits.
    const curves = Buffer.from(await h.mlflow.downloadArtifact(`${fineTuneRun.info.artifact_uri}/learning_curves.svg`)).toString();
    for (const text of ['trial 0', 'loss', 'accuracy', 'validation', 'training']) expect(curves).toContain(text);

    const validateRun = [...runs.values()].find((r) => r.info.run_name?.startsWith('validate '))!;
    const report = JSON.parse(Buffer.from(await h.mlflow.downloadArtifact(`${validateRun.info.artifact_uri}/validation/report.json`)).toString()) as {
      rows: number;
      passed: boolean;
      failures: string[];
      warnings: string[];
    };
    expect(report).toMatchObject({ rows: 200, passed: true, failures: [] });
    // 200 digits is below the recommended few hundred per task: a warning, not a failure.
    expect(report.warnings).toEqual(['datasetSize: only 200 rows; fine-tuning usually wants a few hundred to thousands (recommendedRows 500)']);

    const testEval = [...runs.values()].find((r) => /^evaluate .* on test$/.test(r.info.run_name ?? ''))!;
    const png = await h.mlflow.downloadArtifact(`${testEval.info.artifact_uri}/confusion_matrix.png`);
    expect(Buffer.from(png.subarray(0, 8)).toString('hex')).toBe('89504e470d0a1a0a');
    // The pictures as SVG too, with the task's class names and the curves of every class.
    const confusion = Buffer.from(await h.mlflow.downloadArtifact(`${testEval.info.artifact_uri}/confusion_matrix.svg`)).toString();
    for (const name of ['5', '6', '7', '8', '9', 'predicted class', 'actual class']) expect(confusion).toContain(name);
    const roc = Buffer.from(await h.mlflow.downloadArtifact(`${testEval.info.artifact_uri}/roc_curves.svg`)).toString();
    // The legend names every class with its area (each label stands in the SVG more than once: text and aria).
    const classes = [...new Set(roc.match(/\b[5-9] \(AUC \d\.\d{3}\)/g))].map((label) => label[0]).sort();
    expect(classes).toEqual(['5', '6', '7', '8', '9']);
  });

  it('registers the champion as a model version of a logged model of its fine-tune run', async () => {
    const version = await h.mlflow.getModelVersionByAlias(tuned.registered.name, 'champion');
    expect(version?.version).toBe(tuned.registered.version);
    const run = await h.mlflow.getRun(version!.run_id!);
    expect(run.info.run_name).toMatch(/^fine-tune /);
    const modelId = /^models:\/(m-[0-9a-f]+)$/.exec(version?.source ?? '')?.[1];
    const logged = (await h.mlflow.call('GET', `logged-models/${modelId}`, {})) as { model: { info: { source_run_id: string; status: string } } };
    expect(logged.model.info).toMatchObject({ source_run_id: run.info.run_id, status: 'LOGGED_MODEL_READY' });
  });

  it('a rerun on the same rows with skipIfDataUnchanged trains nothing and says why', async () => {
    const rerun = (await h.withWorker(() =>
      h.client.workflow.execute('fineTune', {
        taskQueue: 'anneal',
        workflowId: `fineTune-again-${suffix}`,
        args: [{ ...fineTuneSpec, register: { ...fineTuneSpec.register, skipIfDataUnchanged: true } }],
      }),
    )) as FineTuneResult;
    expect(rerun.skipped?.reason).toBe(`${fineTuneSpec.register?.name}@champion (version ${tuned.registered.version}) was trained on the same rows`);
    expect(rerun).toMatchObject({ trials: [], arms: [], registered: tuned.registered });
    const parent = await h.mlflow.getRun(rerun.pipelineRunId);
    expect(parent.info.status).toBe('FINISHED');
    expect(tag(parent, 'anneal.skipped')).toBe(rerun.skipped?.reason);
    const version = await h.mlflow.getModelVersionByAlias(fineTuneSpec.register!.name, 'champion');
    expect(version?.tags.find((t) => t.key === 'anneal.dataset.contentDigest')?.value).toBe(rerun.skipped?.contentDigest);
    // The data it was trained on, for drift checks of the next batch (`validation.reference: { model }`).
    const trainedOn = JSON.parse(version?.tags.find((t) => t.key === 'anneal.dataset.ref')?.value ?? '{}') as { uri?: string; digest?: string };
    expect(trainedOn.digest).toMatch(/^[a-f0-9]{64}$/);
  });
});
