import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { withWarmStartFrom } from './warm-start';

const candidates = [
  { kind: 'registry', name: 'base' },
  { kind: 'scratch', architecture: { kind: 'mlp', hiddenUnits: [8] } },
];
const hp = { learningRate: 0.002, epochs: 9, strategy: 'full' };
const spec = (o: { select: string; candidates?: object[]; warmStart?: object[] }) => ({
  name: 'x',
  dataset: { name: 'd', source: { kind: 'mnist', digits: [1, 2], perClass: 10 } },
  model: { candidates: o.candidates ?? candidates, select: o.select },
  tuning: { warmStart: o.warmStart ?? [] },
});

/** A Temporal client that knows one finished workflow: its type, status, input and result. */
function clientWith(o: { type?: string; status?: string; input: object; arms: object[] }): Client {
  const handle = {
    describe: async () => ({ type: o.type ?? 'tune', status: { name: o.status ?? 'COMPLETED' } }),
    result: async () => ({ arms: o.arms }),
    fetchHistory: async () => ({
      events: [{ workflowExecutionStartedEventAttributes: { input: { payloads: [defaultPayloadConverter.toPayload(o.input)] } } }],
    }),
  };
  return { workflow: { getHandle: () => handle } } as unknown as Client;
}

it("prepends the earlier run's best configuration to the warm start, naming its candidate where this spec lists it", async () => {
  const earlier = spec({ select: 'search' });
  const arms = [
    { arm: 'scratch full', candidate: 1, hyperparameters: { ...hp, learningRate: 0.01 }, best: false },
    { arm: 'pretrained full', candidate: 0, hyperparameters: hp, best: true },
  ];
  // This spec lists the same two candidates the other way round: the registry base is its candidate 1.
  const raw = spec({ select: 'search', candidates: [candidates[1]!, candidates[0]!], warmStart: [{ learningRate: 0.1, epochs: 2, strategy: 'full' }] });
  const { raw: warmed, entry } = await withWarmStartFrom(clientWith({ input: earlier, arms }), raw, 'tune-x');
  expect(entry).toEqual({ ...hp, candidate: 1 });
  expect((warmed.tuning as { warmStart: object[] }).warmStart).toEqual([
    { ...hp, candidate: 1 },
    { learningRate: 0.1, epochs: 2, strategy: 'full' },
  ]);
  // A fineTune's champion serves as well; without `select: search` no candidate is named.
  const fineTuned = clientWith({ type: 'fineTune', input: earlier, arms: [{ arm: 'pretrained full', candidate: 0, hyperparameters: hp, champion: true }] });
  expect((await withWarmStartFrom(fineTuned, spec({ select: 'probe' }), 'f')).entry).toEqual(hp);
});

it('refuses a run that is not finished, not a search, or whose best candidate this spec does not list', async () => {
  const arms = [{ arm: 'pretrained full', candidate: 0, hyperparameters: hp, best: true }];
  const input = spec({ select: 'search' });
  await expect(withWarmStartFrom(clientWith({ status: 'RUNNING', input, arms }), spec({ select: 'search' }), 'w')).rejects.toThrow(
    '--warm-start-from w: it is running, not completed',
  );
  await expect(withWarmStartFrom(clientWith({ type: 'pretrain', input, arms }), spec({ select: 'search' }), 'w')).rejects.toThrow(
    '--warm-start-from w: a pretrain workflow, not a fineTune or tune',
  );
  const other = spec({ select: 'search', candidates: [candidates[1]!] });
  await expect(withWarmStartFrom(clientWith({ input, arms }), other, 'w')).rejects.toThrow(
    '--warm-start-from w: its best trained candidate {"kind":"registry","name":"base","alias":"base"}, which this spec does not list',
  );
});
