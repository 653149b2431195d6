import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FineTuneSpecInput } from '@anneal/contracts';
import { AUDIT_EXPERIMENT, ModelRegistry, aliasHistory } from '@anneal/registry';
import type { FineTuneResult, PromotionStatus } from '@anneal/workflows';
import { REPO_ROOT, connectHarness, tag, type Harness } from './integration/harness';
import { spawnWorker, waitFor, type WorkerProcess } from './integration/processes';

// Retraining on real Temporal and MLflow servers: the gate, approval through a worker restart, rollback, the audit
// trail, Temporal Schedules and the data-arrived trigger, each through the `anneal` command a user types.
jest.setTimeout(600_000);

let h: Harness;
const workers: WorkerProcess[] = [];
beforeAll(async () => {
  h = await connectHarness();
});
afterAll(async () => {
  workers.forEach((w) => w.child.kill('SIGKILL'));
  await h?.close();
});

const suffix = randomUUID().slice(0, 6);
const model = `retrain-${suffix}`;
const spec = (o: { lr?: number; epochs?: number; register?: Partial<NonNullable<FineTuneSpecInput['register']>> } = {}): FineTuneSpecInput => ({
  name: model,
  dataset: { name: 'digits-5-9', source: { kind: 'mnist', digits: [5, 6, 7, 8, 9], perClass: 40 }, classes: ['5', '6', '7', '8', '9'], minPerClass: 20 },
  split: { validation: 0.25, test: 0.25, seed: 3 },
  model: { candidates: [{ kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [64] } }] },
  tuning: {
    trials: 1,
    seed: 4,
    strategies: ['full'],
    epochs: [o.epochs ?? 8],
    learningRate: { min: o.lr ?? 3e-3, max: o.lr ?? 3e-3 },
    batchSize: 32,
    patience: 8,
  },
  register: { name: model, ...o.register },
});
const specFile = (s: FineTuneSpecInput) => {
  const path = join(mkdtempSync(join(tmpdir(), 'retrain-spec-')), 'spec.json');
  writeFileSync(path, JSON.stringify(s));
  return path;
};
const anneal = async (...args: string[]) => {
  const env = { ...process.env, TEMPORAL_ADDRESS: h.stack.temporalAddress, MLFLOW_TRACKING_URI: h.stack.mlflowUri, ANNEAL_HOME: join(h.stack.home, 'cli') };
  const out = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'packages', 'cli', 'bin', 'anneal.js'), ...args], { env }).catch(
    (e: { stdout: string; stderr: string; code: number }) => e,
  );
  return { stdout: out.stdout, stderr: out.stderr, code: 'code' in out ? out.code : 0 };
};
const fineTune = (s: FineTuneSpecInput, workflowId = `retrain-${randomUUID().slice(0, 8)}`) =>
  h.withWorker(() => h.client.workflow.execute('fineTune', { taskQueue: 'anneal', workflowId, args: [s] }) as Promise<FineTuneResult>);
/** The workflow's history (updates, a worker lost mid-wait) replays against today's code; recorded with ANNEAL_RECORD_HISTORIES=1. */
const replaysDeterministically = async (workflowId: string, fixture: string) => {
  const dir = process.env.ANNEAL_RECORD_HISTORIES ? join(REPO_ROOT, 'workflows', 'test', 'histories') : mkdtempSync(join(tmpdir(), 'histories-'));
  const show = ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', h.stack.temporalAddress];
  const { stdout } = await promisify(execFile)(h.stack.temporalBin, show, { maxBuffer: 64 << 20 });
  const file = join(dir, `${fixture}.json`);
  writeFileSync(file, JSON.stringify({ workflowId, history: JSON.parse(stdout) }));
  const replayed = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'workflows', 'test', 'replay-histories.js'), file]);
  expect(replayed.stdout).toContain(`replayed ${fixture}.json`);
};
const aliasOf = async (alias: string) => (await h.mlflow.getModelVersionByAlias(model, alias))?.version;

describe('retraining with a gate, approval and rollback', () => {
  let first: FineTuneResult;

  it('the first retrain has no champion to beat: only the floors apply, and it is promoted', async () => {
    first = await fineTune(spec({ register: { gate: { floors: { accuracy: 0.5 } } } }));
    expect(first.gate).toMatchObject({ passed: true, rowsFrom: 'this split', checks: [{ name: 'floor accuracy', passed: true }] });
    expect(first.promotion).toMatchObject({ promoted: true });
    expect(first.registered).toEqual({ name: model, version: '1', alias: 'champion' });
    expect(await aliasOf('champion')).toBe('1');
    expect(await aliasOf('challenger')).toBe('1');
    // The version carries its test split and figures, for the next gate.
    const described = await new ModelRegistry(h.mlflow).describeAlias(model, 'champion');
    expect(described?.testSplit?.rows).toBe(first.gate!.rows);
    expect(described?.testMetrics?.accuracy).toBeCloseTo(first.arms[0]!.test.accuracy, 6);
  });

  it("a worse challenger, scored with the champion on the champion's pinned test rows, is refused and the champion stays", async () => {
    const worse = await fineTune(spec({ lr: 1e-5, epochs: 1 }));
    const gate = worse.gate!;
    expect(gate.rowsFrom).toBe('pinned');
    expect(gate.rows).toBe(first.gate!.rows);
    expect(gate.champion?.version).toBe('1');
    // The champion scored on its own pinned rows gives its own test figure again.
    expect(gate.champion!.metrics.accuracy).toBeCloseTo(first.gate!.challenger.metrics.accuracy, 6);
    expect(gate.passed).toBe(false);
    expect(gate.checks.find((c) => c.name === 'improvement accuracy')?.passed).toBe(false);
    expect(gate.mcnemar!.championOnly).toBeGreaterThan(gate.mcnemar!.challengerOnly);
    // Drift is measured against the champion's training data: the same rows, so none.
    expect(gate.drift).toMatchObject({ reference: `drift measured against the data ${model}@champion (version 1) was trained on`, maxPsi: 0, labelShift: 0 });
    expect(worse.registered).toEqual({ name: model, version: '2', alias: 'challenger' });
    expect(worse.promotion?.reason).toMatch(/^the gate refused v2: improvement accuracy/);
    expect(await aliasOf('champion')).toBe('1');
    expect(await aliasOf('challenger')).toBe('2');
    // Both sides' figures, the verdict and the side-by-side confusion matrices are on the gate's run.
    const runs = await h.mlflow.searchRuns({ experimentIds: [worse.experimentId], filter: `tags.\`mlflow.parentRunId\` = '${worse.pipelineRunId}'` });
    const gateRun = runs.find((r) => r.info.run_name === 'gate v2 against champion v1')!;
    expect(tag(gateRun, 'anneal.gate')).toMatch(/^failed: improvement accuracy/);
    expect(Object.fromEntries(gateRun.data.metrics.map((m) => [m.key, m.value]))).toMatchObject({
      'gate.passed': 0,
      'drift.label_shift': 0,
      'challenger.accuracy': gate.challenger.metrics.accuracy,
      'champion.accuracy': gate.champion!.metrics.accuracy,
    });
    const files = (await h.mlflow.listArtifacts(`${gateRun.info.artifact_uri}/gate`)).map((f) => f.path.split('/').pop());
    expect(files).toEqual(expect.arrayContaining(['verdict.json', 'confusion_matrices.svg', 'confusion_matrices.png', 'confusion_matrices.vl.json']));
  });

  it('waits for approval through a worker killed and replaced, then `anneal approve` promotes; `anneal rollback` undoes it; all audited', async () => {
    const s = spec({ register: { approval: { required: true }, gate: { minImprovement: { absolute: -0.5 }, maxRecallDrop: null } } });
    const workflowId = `approve-${suffix}`;
    const start = () => [spawnWorker(h.stack, { queue: 'cpu' }), spawnWorker(h.stack, { queue: 'gpu' })];
    workers.push(...start());
    await Promise.all(workers.map((w) => w.ready));
    const handle = await h.client.workflow.start('fineTune', { taskQueue: 'anneal', workflowId, args: [s] });
    await waitFor(
      'the approval wait',
      async () => {
        const { status } = await handle.describe();
        if (status.name !== 'RUNNING')
          throw new Error(`${workflowId} is ${status.name}: ${JSON.stringify(await handle.result().catch((e: Error) => e.cause ?? e))}`);
        return (await handle.query<PromotionStatus>('status')).waitingFor === 'approval' ? true : undefined;
      },
      300_000,
      500,
    );
    expect((await anneal('status', workflowId)).stdout).toMatch(/waiting for approval\n {2}challenger v3 against champion v1\n {2}gate passed/);

    // The workers die during the wait; the workflow waits on in Temporal, and new workers take it up.
    await Promise.all(workers.splice(0).map((w) => (w.child.kill('SIGKILL'), w.exited)));
    const replacements = start();
    workers.push(...replacements);
    await Promise.all(replacements.map((w) => w.ready));
    const refused = await anneal('approve', workflowId, '--approver', 'ana', '--version', '2');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/approve refused: the challenger waiting for approval is v3, not v2/);
    const approved = await anneal('approve', workflowId, '--approver', 'ana', '--comment', 'checked the gate run');
    expect(approved.stdout).toBe(`approved v3 of ${workflowId}\n`);
    const result = (await handle.result()) as FineTuneResult;
    expect(result.promotion).toMatchObject({ promoted: true, approver: 'ana' });
    expect([await aliasOf('champion'), await aliasOf('previous')]).toEqual(['3', '1']);
    await replaysDeterministically(workflowId, 'fine-tune-approved');

    const rolledBack = await anneal('rollback', model, '--by', 'ops', '--comment', 'latency regression');
    expect(rolledBack.stdout).toMatch(new RegExp(`${model}@champion: v3 -> v1`));
    expect([await aliasOf('champion'), await aliasOf('previous')]).toEqual(['1', '3']);

    const history = await aliasHistory(h.mlflow, model);
    const line = (e: (typeof history)[number]) => `${e.decision ?? e.alias} ${e.from ?? '-'}->${e.to} ${e.approver ?? ''}`.trim();
    expect(history.map(line).reverse()).toEqual([
      'challenger -->1',
      'champion -->1',
      'challenger 1->2',
      'challenger 2->3',
      'approved -->3 ana',
      'previous -->1 ana',
      'champion 1->3 ana',
      'champion 3->1 ops',
      'previous 1->3 ops',
    ]);
    expect(history.find((e) => e.alias === 'champion' && e.to === '3')).toMatchObject({ workflowId, comment: 'checked the gate run' });
    expect((await anneal('history', model)).stdout.split('\n')[0]).toMatch(
      /@previous: v1 -> v3 {2}\(rollback of champion from v3 to v1; approver ops, "latency regression"\)/,
    );
    const version3 = await h.mlflow.getModelVersion(model, '3');
    expect(version3?.tags.find((t) => t.key === 'anneal.approval')?.value).toBe('approved by ana: checked the gate run');
    expect(await h.mlflow.getOrCreateExperiment(AUDIT_EXPERIMENT)).toBeTruthy();
    workers.splice(0).forEach((w) => w.child.kill('SIGKILL'));
  });

  it('compare-and-set: a promotion whose champion moved since the gate read it moves no alias', async () => {
    const registry = new ModelRegistry(h.mlflow);
    await expect(
      registry.promote({ name: model, version: '2', expectedChampion: '3', reason: 'stale gate', workflowId: `stale-${suffix}` }),
    ).rejects.toMatchObject({ type: 'AliasMovedError', message: expect.stringContaining(`${model}@champion moved since it was read: expected v3, found v1`) });
    expect([await aliasOf('champion'), await aliasOf('previous')]).toEqual(['1', '3']);
  });
});

describe('retraining on a schedule and when data arrives', () => {
  const scheduled = spec();
  const byScheduleId = async (scheduleId: string) => {
    const found: { workflowId: string; start: number; close: number; result?: FineTuneResult }[] = [];
    for await (const w of h.client.workflow.list({ query: `TemporalScheduledById = '${scheduleId}'` }))
      found.push({ workflowId: w.workflowId, start: w.startTime.getTime(), close: w.closeTime?.getTime() ?? Infinity });
    return found.sort((a, b) => a.start - b.start);
  };

  it('`anneal schedule` wraps a Temporal Schedule: a trigger starts a retrain that trains nothing on unchanged data; buffer-one runs two triggers in turn; pause and unpause', async () => {
    const id = `nightly-${suffix}`;
    const created = await anneal('schedule', 'create', id, specFile(scheduled), '--cron', '0 3 * * *', '--pause-on-failure', '--note', 'test');
    expect(created.stdout).toMatch(
      new RegExp(
        `schedule ${id}: fineTune on anneal of .*spec.json, cron 0 3 \\* \\* \\*\n {2}state: active \\(test\\)\n {2}policies: overlap BUFFER_ONE, catch-up window 3600 s, pause on failure yes`,
      ),
    );
    expect((await anneal('schedule', 'list')).stdout).toContain(`${id}  active  fineTune`);
    // Buffer-one: with no worker yet, the first trigger's run waits and the second trigger is buffered behind it.
    await anneal('schedule', 'trigger', id);
    await anneal('schedule', 'trigger', id);
    await waitFor('the first scheduled run', async () => ((await byScheduleId(id)).length > 0 ? true : undefined), 30_000, 200);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await byScheduleId(id)).toHaveLength(1);
    expect((await h.client.schedule.getHandle(id).describe()).info.runningActions).toHaveLength(1);
    await h.withWorker(() =>
      waitFor(
        'two scheduled runs to close',
        async () => {
          const runs = await byScheduleId(id);
          return runs.length === 2 && runs.every((r) => r.close !== Infinity) ? runs : undefined;
        },
        240_000,
        500,
      ),
    );
    const [a, b] = await byScheduleId(id);
    // Visibility's close time is stamped a little after the scheduler hears of the completion.
    expect(b!.start).toBeGreaterThan(a!.close - 1000);
    for (const run of [a!, b!]) {
      const result = (await h.client.workflow.getHandle(run.workflowId).result()) as FineTuneResult;
      expect(result.skipped?.reason).toBe(`${model}@champion (version 1) was trained on the same rows`);
    }
    expect(await h.mlflow.searchModelVersions(`name = '${model}'`)).toHaveLength(3);
    await anneal('schedule', 'pause', id, '--note', 'data freeze');
    expect((await anneal('schedule', 'describe', id)).stdout).toContain('state: paused (data freeze)');
    await anneal('schedule', 'unpause', id);
    expect((await anneal('schedule', 'describe', id)).stdout).toMatch(/state: active/);
    expect((await anneal('schedule', 'delete', id)).stdout).toBe(`deleted ${id}\n`);
  });

  it('`anneal data arrived` twice for the same rows starts one retrain', async () => {
    const path = specFile(scheduled);
    const { outcomes, id, result } = await h.withWorker(async () => {
      const one = (await anneal('data', 'arrived', path)).stdout;
      const two = (await anneal('data', 'arrived', path)).stdout;
      const workflowId = /(retrain-\S+-[0-9a-f]{16})/.exec(one)?.[1] as string;
      return { outcomes: [one, two], id: workflowId, result: (await h.client.workflow.getHandle(workflowId).result()) as FineTuneResult };
    });
    expect(outcomes[0]).toMatch(/^started the retrain retrain-/);
    expect(outcomes[1]).toMatch(new RegExp(`^(the retrain of this data is running; signalled it|this data was retrained on already by) ${id}`));
    const runs: string[] = [];
    for await (const w of h.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs.push(w.runId);
    expect(runs).toHaveLength(1);
    expect(result.skipped?.contentDigest.startsWith(id.slice(-16))).toBe(true);
  });
});
