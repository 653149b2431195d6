import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { ErrorType } from '@anneal/contracts';
import { FIXTURES, connectHarness, runsByName, type Harness } from './integration/harness';

jest.setTimeout(120_000);

let h: Harness;
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => h?.close());

async function failureOf(spec: unknown): Promise<ApplicationFailure> {
  const err = await h.withWorker(() =>
    h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId: `bad-${randomUUID()}`, args: [spec] }).then(
      () => {
        throw new Error('workflow was expected to fail');
      },
      (e: unknown) => e,
    ),
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  // The ApplicationFailure may come wrapped (ActivityFailure, ChildWorkflowFailure): take the innermost.
  let cause: unknown = (err as WorkflowFailedError).cause;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

it('fails an invalid spec at once, non-retryable, naming every bad field', async () => {
  const failure = await failureOf({
    name: 'Not A Valid Name',
    dataset: { name: 'd', source: { kind: 'mnist', digits: [12], perClass: 10 } },
    model: { candidates: [] },
    tuning: { trials: 0 },
  });
  expect(failure.type).toBe(ErrorType.InvalidSpec);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('name: expected lower-case letters');
  expect(failure.message).toContain('(found: "Not A Valid Name")');
  expect(failure.message).toContain('dataset.source.digits.0');
  expect(failure.message).toContain('model.candidates');
  expect(failure.message).toContain('tuning.trials');
  expect(failure.message).toMatch(/4 problems/);
});

it('stops at validation on a dataset with a wrong label, naming row, field, expected and found; nothing downstream runs', async () => {
  const name = `wrong-label-${randomUUID().slice(0, 6)}`;
  const failure = await failureOf({
    name,
    dataset: { name: 'two-classes', source: { kind: 'jsonl', path: join(FIXTURES, 'wrong-label.jsonl') }, classes: ['0', '1'], minPerClass: 10 },
    model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } }] },
  });
  expect(failure.type).toBe(ErrorType.DatasetValidation);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('unknownLabels: 1 row(s) have a label outside the task\'s classes ("7" x1); first: ');
  expect(failure.message).toContain('wrong-label.jsonl:37, field "label", expected one of 0, 1, found "7"');

  const experimentId = await h.mlflow.getOrCreateExperiment(name);
  const runs = await runsByName(h.mlflow, experimentId);
  const validate = runs.get('validate two-classes');
  expect(validate?.info.status).toBe('FAILED');
  const report = JSON.parse(Buffer.from(await h.mlflow.downloadArtifact(`${validate!.info.artifact_uri}/validation/report.json`)).toString()) as {
    passed: boolean;
    checks: { check: string; status: string }[];
  };
  expect(report.passed).toBe(false);
  expect(report.checks.find((c) => c.check === 'unknownLabels')?.status).toBe('fail');
  expect(runs.get(`fineTune ${name}`)?.info.status).toBe('FAILED');
  expect([...runs.keys()].some((n) => n.startsWith('split ') || n.startsWith('prepare '))).toBe(false);
});
