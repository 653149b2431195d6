import { basename, dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ErrorType, InputError, type GraphModelSource } from '@anneal/contracts';
import type { z } from 'zod';
import { GraphFeatures, graphFiles, registerGraph } from '../graph-features';
import { folderReader } from './folder-reader';
import type { ModelSource } from './model-source';
import { readModelFiles, sourceError, type ModelJson } from './read-layers-model';

type GraphNode = { name: string; op: string; input?: string[] };
const MATMUL = new Set(['MatMul', '_FusedMatMul']);

/**
 * A TF.js GraphModel folder inside the data roots, as a frozen feature extractor: the graph is stored once in the
 * artifact store by digest and wrapped as one GraphFeatures layer, whose output at the cut node feeds the new head.
 */
export const graphSource: ModelSource<z.output<typeof GraphModelSource>> = {
  label: (c) => `graph:${basename(folderOf(c.path))}`,
  pretrained: true,
  async load(c, ctx) {
    const files = await readModelFiles(folderReader(folderOf(c.path), ctx.dataRoots), c.path, 'graph-model');
    const stored = graphFiles(files);
    // Outside a pipeline (`anneal model inspect`) nothing is stored: the graph is known by its content digest alone.
    const ref = ctx.storeAt ? await ctx.artifacts.put(`${ctx.storeAt}/graph`, stored) : { uri: `memory:${c.path}`, digest: files.sha256 };
    let graph: tf.GraphModel;
    try {
      graph = await registerGraph(ref.digest, new Map(stored.map((f) => [f.name, f.bytes])));
    } catch (err) {
      throw new InputError(ErrorType.ModelIncompatible, `${c.path}: tfjs cannot build this graph: ${(err as Error).message}`);
    }
    const node = cutNode(files.json, c.cutAt, c.path);
    const imageShape = (graph.inputs[0]?.shape ?? []).slice(1);
    if (graph.inputs.length !== 1 || imageShape.length === 0 || imageShape.some((d) => d <= 0)) {
      throw new InputError(
        ErrorType.ModelIncompatible,
        `${c.path}: the graph must take one input of a fixed shape; it takes ${graph.inputs.map((i) => `${i.name} [${(i.shape ?? []).join(', ')}]`).join(', ')}`,
      );
    }
    // A plain array of this realm: a shape from the native backend may come from another (jest), which tfjs's
    // config conversion would not recognise as an array.
    const featureShape = Array.from(
      tf.tidy(() => (graph.execute(tf.zeros([1, ...imageShape]), node) as tf.Tensor).shape.slice(1)),
      Number,
    );
    const input = tf.input({ shape: imageShape, name: 'image' });
    const features = new GraphFeatures({ name: 'graph_features', graph: ref, node, imageShape, featureShape }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: features, name: basename(folderOf(c.path)).replace(/[^\w]/g, '_') });
    return { model, sha256: files.sha256, frozenInSource: 1, cut: 'graph_features' };
  },
};

/**
 * The node whose output feeds the new head: the spec's, or the input of the graph's last matrix multiplication (its
 * old classifier), or the graph's output when it has none (a feature-vector graph).
 */
export function cutNode(json: ModelJson, cutAt: string | undefined, shown: string): string {
  const nodes = ((json.modelTopology?.node ?? []) as GraphNode[]).filter((n) => n.op !== 'Const');
  if (cutAt !== undefined) {
    const name = cutAt.replace(/:0$/, '');
    if (nodes.some((n) => n.name === name)) return name;
    const shownNodes = nodes.slice(-12).map((n) => `${n.name} (${n.op})`);
    throw new InputError(ErrorType.ModelIncompatible, `cutAt: ${shown} has no graph node "${cutAt}"; its last nodes are: ${shownNodes.join(', ')}`);
  }
  const classifier = [...nodes].reverse().find((n) => MATMUL.has(n.op));
  const feeding = classifier?.input?.[0]?.replace(/:\d+$/, '');
  const last = nodes[nodes.length - 1];
  if (feeding) return feeding;
  if (!last) throw sourceError(`${shown}: the graph has no nodes`);
  return last.name;
}

function folderOf(path: string): string {
  return path.endsWith('.json') ? dirname(path) : path;
}
