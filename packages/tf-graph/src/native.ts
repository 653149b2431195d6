import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadTensorflow } from './load-tensorflow';

/** An op's output: [operation index, output index]. */
export type Out = readonly [number, number];

export const DType = { float: 1, int32: 3, int64: 9, bool: 10 } as const;
export type DType = (typeof DType)[keyof typeof DType];

export interface HostTensor {
  dtype: DType;
  dims: readonly number[];
  data: Float32Array | Int32Array;
}

export type Attr =
  | { name: string; kind: 'type'; value: DType }
  | { name: string; kind: 'int' | 'float'; value: number }
  | { name: string; kind: 'bool'; value: boolean }
  | { name: string; kind: 'string'; value: string }
  | { name: string; kind: 'ints'; value: readonly number[] }
  | { name: string; kind: 'shape'; value: readonly number[] | null }
  | { name: string; kind: 'tensor'; value: HostTensor };

export interface NativeGraph {
  op(type: string, name: string, inputs: readonly (Out | readonly Out[])[], attrs: readonly Attr[], control?: readonly number[]): number;
  gradients(ys: readonly Out[], xs: readonly Out[], prefix?: string): (Out | null)[];
  shape(output: Out): number[] | null;
}

export interface TensorflowDevice {
  /** TensorFlow's full name, e.g. /job:localhost/replica:0/task:0/device:GPU:0 */
  name: string;
  type: string;
  memoryBytes: number;
}

export interface NativeSession {
  run(feeds: readonly (readonly [Out, HostTensor])[], fetches: readonly Out[], targets: readonly number[]): Promise<HostTensor[]>;
  /** The same run, with TensorFlow's step stats: a serialized tensorflow.RunMetadata (each op's device, start, duration). */
  trace(
    feeds: readonly (readonly [Out, HostTensor])[],
    fetches: readonly Out[],
    targets: readonly number[],
  ): Promise<{ outputs: HostTensor[]; runMetadata: Uint8Array }>;
  devices(): TensorflowDevice[];
  close(): void;
}

interface Addon {
  Graph: new () => NativeGraph;
  Session: new (graph: NativeGraph, config?: Uint8Array) => NativeSession;
  tensorflowVersion: string;
}

/** A tensor's values as float32 (tfjs's cpu backend can hold a cast tensor's values in an Int32Array). */
export function floats(values: ArrayLike<number>): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

/** Where deploy/native/build-tfjs-node.sh builds the addon (against the same TensorFlow library as tfjs-node). */
export const ADDON_PATH = join(__dirname, '..', 'build', 'Release', 'tf_graph.node');

let loaded: Addon | Error | undefined;

/** The native addon, or why it cannot load (not built on this machine, or TensorFlow missing). */
export function loadAddon(): Addon | Error {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) return (loaded = new Error(`graph addon not built (${ADDON_PATH} is missing; run npm run setup)`));
  try {
    loaded = loadTensorflow(() => require(ADDON_PATH) as Addon);
  } catch (err) {
    loaded = new Error(`graph addon does not load: ${(err as Error).message}`);
  }
  return loaded;
}

export function addonOrThrow(): Addon {
  const addon = loadAddon();
  if (addon instanceof Error) throw addon;
  return addon;
}

/**
 * A serialized tensorflow.ConfigProto, written by hand so that no protobuf schema is needed: the thread pools' sizes
 * (fields 2 and 5, varints); gpu_options.allow_growth (field 6, GPUOptions field 4), so sessions share a GPU; and
 * allow_soft_placement (field 7), so an op without a GPU kernel runs on the CPU instead of failing the graph.
 */
export function sessionConfig(threads: number): Uint8Array {
  const varint = (n: number) => {
    const bytes: number[] = [];
    for (; n > 0x7f; n >>>= 7) bytes.push((n & 0x7f) | 0x80);
    bytes.push(n);
    return bytes;
  };
  return Uint8Array.from([0x10, ...varint(threads), 0x28, ...varint(threads), 0x32, 0x02, 0x20, 0x01, 0x38, 0x01]);
}
