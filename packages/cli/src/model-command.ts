import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type * as tf from '@tensorflow/tfjs';
import { ModelCandidate, parseWithProblems } from '@anneal/contracts';
import { chooseCut, loadModel, modelSources, resolveBackend, type ModelSource } from '@anneal/models';
import { unsupportedReason } from '@anneal/tf-graph';
import { UsageError, type Cli } from './cli-context';
import type { Config } from './config';
import { mlflowOf } from './connect';

interface LayerRow {
  name: string;
  kind: string;
  output: string;
  params: number;
  trainable: boolean;
  /** Why the graph engine cannot train it; absent when it can. */
  graph?: string;
}

export function registerModelCommands(program: Command, cli: Cli): void {
  program
    .command('model')
    .description('models, before a pipeline uses them')
    .command('inspect')
    .description("a model's layers, parameters, suggested cut and graph-engine support")
    .argument(
      '<source>',
      'a TF.js model folder or model.json (LayersModel or GraphModel), a Keras .h5 or .keras file inside ANNEAL_DATA_ROOTS, an http(s) URL of a model.json, runs:/<run id>/<path>, mlflow-artifacts:/<path>, models:/<name>/<version> or models:/<name>@<alias>',
    )
    .option('--cut <layer>', "where a new head would go (default: the layer feeding the model's last layer)")
    .option('--json', 'print the description as JSON', false)
    .addHelpText('after', '\nexit 0: described; 2: the source cannot be read as a model')
    .action(cli.action((location: string, o: { cut?: string; json: boolean }) => inspectModel(cli.config, location, o)));
}

/** `anneal model inspect`: what a model source holds, before a pipeline uses it. */
export async function inspectModel(config: Config, location: string, values: { cut?: string; json: boolean }): Promise<number> {
  const parsed = parseWithProblems(ModelCandidate, { ...candidateOf(location), ...(values.cut ? { cutAt: values.cut } : {}) });
  if (!parsed.ok) throw new UsageError(`${location}: ${parsed.problems.join('; ')}`);
  const candidate = parsed.value;
  await resolveBackend('auto');
  const source = modelSources[candidate.kind] as ModelSource<ModelCandidate>;
  const { mlflow, artifacts } = mlflowOf(config);
  const loaded = await source.load(candidate, {
    mlflow,
    artifacts,
    dataRoots: config.dataRoots,
    downloadDir: `${config.cacheDir}/downloads`,
    task: { inputShape: [1], numClasses: 2 },
  });
  const model = 'stored' in loaded ? await loadModel(artifacts, loaded.stored) : loaded.model;
  try {
    const cut = 'cut' in loaded && loaded.cut ? loaded.cut : chooseCut(model, 'cutAt' in candidate ? candidate.cutAt : undefined);
    const description = describe(model, { cut, sha256: 'sha256' in loaded ? loaded.sha256 : undefined });
    process.stdout.write(values.json ? `${JSON.stringify(description, null, 2)}\n` : toText(location, description));
    return 0;
  } finally {
    model.dispose();
  }
}

function candidateOf(location: string): Record<string, unknown> {
  if (/^https?:\/\//.test(location)) return { kind: 'url', url: location };
  if (/^(runs|mlflow-artifacts|models):\//.test(location)) return { kind: 'mlflow', uri: location };
  if (/\.(h5|hdf5|keras)$/i.test(location)) return { kind: 'keras', path: resolve(location) };
  return { kind: isGraphModel(location) ? 'graph' : 'file', path: resolve(location) };
}

/** Whether a local model.json (or the one in a folder) is a TF.js GraphModel: read by the `graph` source. */
function isGraphModel(location: string): boolean {
  const json = location.endsWith('.json') ? location : join(location, 'model.json');
  try {
    return /"format"\s*:\s*"graph-model"/.test(readFileSync(json, 'utf8').slice(0, 4096));
  } catch {
    return false; // the source says what is wrong with it
  }
}

function describe(model: tf.LayersModel, o: { cut: string | undefined; sha256: string | undefined }) {
  const layers: LayerRow[] = model.layers.map((l) => {
    const graph = unsupportedReason(l);
    return {
      name: l.name,
      kind: l.getClassName(),
      output: JSON.stringify(l.outputShape).replaceAll('null', 'None'),
      params: l.countParams(),
      trainable: l.trainable,
      ...(graph ? { graph } : {}),
    };
  });
  const count = (trainable: boolean) => layers.filter((l) => l.trainable === trainable).reduce((n, l) => n + l.params, 0);
  return {
    name: model.name,
    inputShape: (model.inputs[0]?.shape ?? []).slice(1),
    cut: o.cut ?? 'head (an Anneal model: its head is replaced)',
    params: { trainable: count(true), frozen: count(false) },
    graphEngine: layers.every((l) => !l.graph) ? 'trains every layer' : `eager only: ${layers.find((l) => l.graph)?.graph}`,
    ...(o.sha256 ? { sha256: o.sha256 } : {}),
    layers,
  };
}

function toText(location: string, d: ReturnType<typeof describe>): string {
  const rows = d.layers.map(
    (l) =>
      `  ${l.name.padEnd(28)} ${l.kind.padEnd(22)} ${l.output.padEnd(22)} ${String(l.params).padStart(9)}  ${l.params === 0 ? '-        ' : l.trainable ? 'trainable' : 'frozen   '}  ${l.graph ? 'eager only' : 'graph'}`,
  );
  return [
    `${location}: ${d.name}, input [${d.inputShape.join(', ')}]`,
    `  ${'layer'.padEnd(28)} ${'class'.padEnd(22)} ${'output'.padEnd(22)} ${'params'.padStart(9)}  ${'in source'.padEnd(9)}  engine`,
    ...rows,
    `params: ${d.params.trainable} trainable, ${d.params.frozen} frozen in the source (the strategy decides what trains)`,
    `suggested cut: ${d.cut}`,
    `graph engine: ${d.graphEngine}`,
    ...(d.sha256 ? [`sha256 (pin a url source with it): ${d.sha256}`] : []),
    '',
  ].join('\n');
}
