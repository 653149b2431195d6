import { ErrorType, InputError } from '@anneal/contracts';

type Json = Record<string, unknown>;
type Node = [string, number, number, Json];

/** Keys of a Keras 3 config that tf.keras 2 (what tfjs reads) does not have and tfjs does not need. */
const DROPPED = new Set(['module', 'registered_name', 'shared_object_id', 'build_config', 'compile_config', 'quantization_config']);

/**
 * A Keras 3 model config (`config.json` of a `.keras` archive) in the tf.keras 2 form that tfjs-layers reads:
 * `Functional` is `Model`; serialized objects lose `module` and `registered_name`; dtype policies become their dtype;
 * L1 and L2 regularizers become L1L2;
 * an InputLayer's `batch_shape` is `batch_input_shape` (the trap tfjs issues report); inbound nodes, recorded as call
 * arguments holding `__keras_tensor__` references, become `[layer, node, tensor, {}]` lists; a Sequential model's
 * InputLayer becomes the first layer's input shape. What has no such form is a ModelIncompatibleError naming it.
 */
export function fromKeras3(config: Json, shown: string): Json {
  const kind = config.class_name;
  const body = (config.config ?? {}) as Json;
  const layers = ((body.layers ?? []) as Json[]).map((l) => layerOf(l, shown));
  if (kind === 'Sequential') return { class_name: 'Sequential', config: { name: body.name, layers: withInputShape(layers, shown) } };
  if (kind !== 'Functional' && kind !== 'Model') {
    throw new InputError(ErrorType.ModelIncompatible, `${shown}: config.json holds a ${String(kind)}, not a Sequential or Functional model`);
  }
  return {
    class_name: 'Model',
    config: { name: body.name, layers, input_layers: tensorList(body.input_layers), output_layers: tensorList(body.output_layers) },
  };
}

function layerOf(layer: Json, shown: string): Json {
  const kind = String(layer.class_name);
  if (kind === 'Functional' || kind === 'Sequential' || kind === 'Model') {
    throw new InputError(
      ErrorType.ModelIncompatible,
      `${shown}: layer ${String(layer.name)} is a nested ${kind} model, which the .keras import does not read; save the model flat`,
    );
  }
  const config = clean(layer.config) as Json;
  if (kind === 'InputLayer' && 'batch_shape' in config) {
    config.batch_input_shape = config.batch_shape;
    delete config.batch_shape;
  }
  return { class_name: kind, name: layer.name ?? config.name, config, inbound_nodes: ((layer.inbound_nodes ?? []) as Json[]).map(nodeOf) };
}

/** One call of a layer: the Keras tensors among its arguments, in order, as tf.keras 2 node entries. */
function nodeOf(call: Json): Node[] {
  const found: Node[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') {
      const o = value as { class_name?: unknown; config?: { keras_history?: [string, number, number] } };
      if (o.class_name === '__keras_tensor__' && o.config?.keras_history) {
        const [name, node, tensor] = o.config.keras_history;
        found.push([name, node, tensor, {}]);
      }
    }
  };
  visit(call.args);
  return found;
}

/** Serialized objects (`{module, class_name, config, registered_name}`) as `{class_name, config}`, recursively. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (!value || typeof value !== 'object') return value;
  const o = value as Json;
  if (o.class_name === 'DTypePolicy' || o.class_name === 'FloatDTypePolicy') return ((o.config ?? {}) as Json).name ?? 'float32';
  // tfjs knows one weight regularizer, L1L2, which Keras 3's L1 and L2 are special cases of.
  if (o.class_name === 'L1' || o.class_name === 'L2') return { class_name: 'L1L2', config: { l1: 0, l2: 0, ...(o.config as Json) } };
  return Object.fromEntries(
    Object.entries(o)
      .filter(([k]) => !DROPPED.has(k))
      .map(([k, v]) => [k, clean(v)]),
  );
}

/** Keras 3 writes one input or output as `[name, 0, 0]`; tf.keras 2 always as a list of them. */
function tensorList(value: unknown): unknown {
  return Array.isArray(value) && typeof value[0] === 'string' ? [value] : value;
}

/** A Sequential model's leading InputLayer as the first layer's `batch_input_shape`, as tf.keras 2 saved it. */
function withInputShape(layers: Json[], shown: string): Json[] {
  const [first, ...rest] = layers;
  if (first?.class_name !== 'InputLayer') return layers;
  const next = rest[0];
  if (!next) throw new InputError(ErrorType.ModelIncompatible, `${shown}: a Sequential model with no layer after its input`);
  next.config = { ...(next.config as Json), batch_input_shape: (first.config as Json).batch_input_shape };
  return rest.map((l) => ({ class_name: l.class_name, config: { ...(l.config as Json), name: l.name } }));
}
