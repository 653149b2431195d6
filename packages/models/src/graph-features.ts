import * as tf from '@tensorflow/tfjs';
import { ArtifactRef, ErrorType, InputError } from '@anneal/contracts';
import type { ArtifactFile, ArtifactStore } from '@anneal/tracking';

/** The class name a model.json gives the layer: what `loadLayersModel` needs registered to read such a model. */
export const GRAPH_FEATURES_CLASS = 'AnnealGraphFeatures';

/** GraphModels loaded in this process, by the digest of their artifact: loaded once, shared by every model using them. */
const graphs = new Map<string, tf.GraphModel>();

type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

export interface GraphFeaturesArgs extends LayerArgs {
  /** Where the GraphModel is stored (model.json and weights.bin); its digest is the key it is loaded under. */
  graph: ArtifactRef;
  /** The graph node whose output the layer gives. */
  node: string;
  /** The graph's input, without the batch dimension. */
  imageShape: number[];
  /** The node's output, without the batch dimension. */
  featureShape: number[];
}

/**
 * A frozen TF.js GraphModel as one layer of a LayersModel: the graph runs up to `node` and its output is the layer's.
 * It has no weights of its own (the graph's constants are not variables) and never trains, so a model built on it
 * is a frozen feature extractor with a head: it trains, saves, loads and is evaluated as any LayersModel, the graph
 * being loaded from the artifact store beforehand (`loadGraphsOf`).
 */
export class GraphFeatures extends tf.layers.Layer {
  static readonly className = GRAPH_FEATURES_CLASS;
  private readonly args: Pick<GraphFeaturesArgs, 'graph' | 'node' | 'imageShape' | 'featureShape'>;

  constructor(args: GraphFeaturesArgs) {
    super({ ...args, trainable: false });
    this.args = { graph: args.graph, node: args.node, imageShape: args.imageShape, featureShape: args.featureShape };
    this.trainable = false;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const given = shape
      .slice(1)
      .map((d) => d ?? -1)
      .join('x');
    if (given !== this.args.imageShape.join('x')) {
      // A fixed-size graph: the input contract must bring the images to exactly its size (input.size).
      throw new InputError(
        ErrorType.ModelIncompatible,
        `layer ${this.name}: the graph takes images of ${this.args.imageShape.join('x')}, not ${given}; set input.size to ${this.args.imageShape[0]}`,
      );
    }
    return [shape[0] ?? null, ...this.args.featureShape];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    const graph = graphs.get(this.args.graph.digest);
    if (!graph) throw new InputError(ErrorType.ArtifactIntegrity, `layer ${this.name}: its graph (${this.args.graph.uri}) was not loaded before the model`);
    try {
      return graph.execute(x, this.args.node) as tf.Tensor;
    } catch (err) {
      // The graph and the layer were stored together: a graph that does not run as recorded will not on a retry.
      throw new InputError(
        ErrorType.ModelIncompatible,
        `layer ${this.name}: graph ${this.args.graph.uri} does not run to node ${this.args.node}: ${(err as Error).message}`,
      );
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { graph, node, imageShape, featureShape } = this.args;
    // tfjs camel-cases every string of a saved config as it loads it, except the values of `name` keys: the node
    // and the URI travel as names, so `feature_vector/SpatialSqueeze` comes back as it was.
    return { ...super.getConfig(), graphArtifact: { name: graph.uri, digest: graph.digest }, graphNode: { name: node }, imageShape, featureShape };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { graphArtifact, graphNode, ...rest } = config as unknown as {
      graphArtifact: { name: string; digest: string };
      graphNode: { name: string };
    } & GraphFeaturesArgs;
    return new cls({ ...rest, graph: { uri: graphArtifact.name, digest: graphArtifact.digest }, node: graphNode.name });
  }
}
tf.serialization.registerClass(GraphFeatures);

/** A GraphModel's files as Anneal stores them: one model.json and one weights.bin. */
export function graphFiles(o: { json: object; weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer }): ArtifactFile[] {
  const modelJson = { ...o.json, weightsManifest: [{ paths: ['weights.bin'], weights: o.weightSpecs }] };
  return [
    { name: 'model.json', bytes: Buffer.from(JSON.stringify(modelJson)) },
    { name: 'weights.bin', bytes: new Uint8Array(o.weightData) },
  ];
}

/** Builds a GraphModel from its files and keeps it under `digest` for the GraphFeatures layers that name it. */
export async function registerGraph(digest: string, files: Map<string, Uint8Array>): Promise<tf.GraphModel> {
  const known = graphs.get(digest);
  if (known) return known;
  const json = JSON.parse(Buffer.from(files.get('model.json') ?? '{}').toString('utf8')) as tf.io.ModelJSON & {
    weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weights = files.get('weights.bin') ?? new Uint8Array();
  const graph = await tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((m) => m.weights),
      weightData: new Uint8Array(weights).buffer,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
      signature: json.signature,
      userDefinedMetadata: json.userDefinedMetadata,
    }),
  );
  graphs.set(digest, graph);
  return graph;
}

/** Loads every graph that a model's GraphFeatures layers name, so the model can be deserialized. */
export async function loadGraphsOf(store: ArtifactStore, modelJson: Uint8Array | undefined): Promise<void> {
  if (!modelJson) return;
  const text = Buffer.from(modelJson).toString('utf8');
  if (!text.includes(GRAPH_FEATURES_CLASS)) return;
  const refs: ArtifactRef[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as { class_name?: unknown; config?: { graph_artifact?: { name?: unknown; digest?: unknown } } };
      if (o.class_name === GRAPH_FEATURES_CLASS)
        refs.push(ArtifactRef.parse({ uri: o.config?.graph_artifact?.name, digest: o.config?.graph_artifact?.digest }));
      Object.values(node).forEach(visit);
    }
  };
  visit(JSON.parse(text));
  for (const ref of refs) if (!graphs.has(ref.digest)) await registerGraph(ref.digest, await store.get(ref));
}
