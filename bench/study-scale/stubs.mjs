// Stub activities for bench/study-scale.mjs: every activity fineTune calls, answering at once with what a real one
// would return in shape. A trial's validation accuracy is a function of its learning rate (best at 0.01), the epochs
// it reached and its candidate, carried in the model URI the fine-tune stub writes; training takes 20 ms, and each of
// its epochs is reported to the study as the training activity does (a `trialEpoch` signal through the worker's client).
// Run ids, URIs and digests are shaped as MLflow's and sha256's, so payload sizes are what real runs would carry.
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';

const digest = (of) => createHash('sha256').update(of).digest('hex');
const mlflowRunId = () => randomUUID().replaceAll('-', '');
const dataset = (name, rows) => ({
  uri: `mem://${name}`,
  digest: digest(name),
  name,
  rows,
  featureShape: [4],
  classes: ['a', 'b'],
  contentDigest: digest(`${name}/content`),
});

function accuracyOf(uri) {
  const lr = Number(/lr=([\d.e-]+)/.exec(uri)?.[1]);
  const epochs = Number(/epochs=(\d+)/.exec(uri)?.[1] ?? 1);
  return 0.9 - Math.abs(Math.log10(lr) + 2) / 10 - 0.1 / epochs - (uri.endsWith('/scratch') ? 0.15 : 0);
}

/** Every epoch of the rung run, reported to the study in the background and awaited, as the real activity does. */
async function reportEpochs(i, until) {
  const study = Context.current().client.workflow.getHandle(i.reportTo.workflowId);
  const from = i.resumeFrom ? i.resumeFrom.epoch + 1 : 0;
  const reports = [];
  for (let epoch = from; epoch < until; epoch++) {
    const model = `mem://trained/lr=${i.hyperparameters.learningRate}/epochs=${epoch + 1}`;
    reports.push(study.signal('trialEpoch', { trial: i.reportTo.trial, epoch, valAccuracy: accuracyOf(model), valLoss: 0.5 }));
  }
  await Promise.all(reports);
}

export function stubActivities() {
  let version = 0;
  const model = (uri) => ({ uri, digest: digest(uri), name: 'm', inputShape: [4], baseLayers: 1 });
  const side = (v) => ({ version: v, metrics: { accuracy: 0.9, macroF1: 0.9, rocAucMacro: 0.9, loss: 0.1 }, recall: [0.9, 0.9] });
  return {
    openPipelineRun: async () => ({ experimentId: '1', runId: 'pipeline', runName: 'p' }),
    openChildRun: async (i) => ({ experimentId: '1', runId: mlflowRunId(), runName: i.runName }),
    closeRun: async () => undefined,
    ingestDataset: async () => ({ dataset: dataset('all', 100), runId: 'ingest' }),
    validateDataset: async () => ({ passed: true }),
    splitDataset: async () => ({ train: dataset('train', 60), validation: dataset('validation', 20), test: dataset('test', 20), runId: 'split' }),
    championData: async () => ({}),
    prepareCandidate: async (i) => ({
      model: model(`mem://${i.candidate.kind}`),
      label: i.candidate.kind,
      pretrained: i.candidate.kind !== 'scratch',
      runId: 'prepare',
    }),
    fineTune: async (i) => {
      const lr = i.hyperparameters.learningRate;
      const until = i.stopAfterEpochs ?? i.hyperparameters.epochs;
      const runId = mlflowRunId();
      const artifacts = `mlflow-artifacts:/1/${runId}/artifacts`;
      await sleep(20);
      if (i.reportTo) await reportEpochs(i, until);
      return {
        model: model(`${artifacts}/model/lr=${lr}/epochs=${until}${i.model.uri === 'mem://scratch' ? '/scratch' : ''}`),
        runId,
        backend: 'cpu',
        engine: 'eager',
        epochsRun: until,
        bestEpoch: until - 1,
        bestValLoss: 0.5,
        bestValAccuracy: 0.8,
        stoppedEarly: false,
        startEpoch: i.resumeFrom ? i.resumeFrom.epoch + 1 : 0,
        checkpoint: { uri: `${artifacts}/checkpoints/epoch-${until - 1}`, digest: digest(`${runId}/checkpoint`), epoch: until - 1 },
      };
    },
    evaluateModel: async (i) => {
      const accuracy = accuracyOf(i.model.uri);
      return {
        // Distinct figures, as real ones are (identical ones would deflate better than real runs do).
        metrics: { accuracy, macroF1: accuracy * 0.987, rocAucMacro: Math.sqrt(accuracy), loss: -Math.log(accuracy) },
        confusionMatrix: [
          [1, 0],
          [0, 1],
        ],
        classes: ['a', 'b'],
        runId: 'eval',
      };
    },
    plotLearningCurves: async () => undefined,
    reportSearch: async () => undefined,
    registerModel: async (i) => ({ name: i.name, version: '1', alias: i.alias }),
    describeAlias: async () => null,
    registerVersion: async () => ({ name: 'm', version: String(++version) }),
    moveAlias: async (i) => ({ name: 'm', alias: i.alias, from: null, to: i.version, auditRunId: 'audit' }),
    gateChallenger: async (i) => ({ passed: true, checks: [], classes: ['a', 'b'], rows: 20, rowsFrom: i.rowsFrom, challenger: side(i.challenger.version) }),
    recordDecision: async () => 'audit',
    promote: async () => [],
  };
}
