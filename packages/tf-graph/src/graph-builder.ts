import { DType, type Attr, type NativeGraph, type Out } from './native';

type AttrValue = Omit<Attr, 'name'>;

/** Attribute values, typed the way TensorFlow's op registry reads them. */
export const attr = {
  type: (value: DType): AttrValue => ({ kind: 'type', value }),
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  bool: (value: boolean): AttrValue => ({ kind: 'bool', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  shape: (value: readonly number[] | null): AttrValue => ({ kind: 'shape', value }),
};

const T = { T: attr.type(DType.float) };

/** Builds a graph with unique op names and the handful of ops training needs, each a one-liner over `op`. */
export class GraphBuilder {
  private count = 0;

  constructor(readonly graph: NativeGraph) {}

  op(type: string, inputs: readonly (Out | readonly Out[])[], attrs: Record<string, AttrValue> = {}, control: readonly number[] = []): number {
    const list = Object.entries(attrs).map(([name, value]) => ({ name, ...value }) as Attr);
    return this.graph.op(type, `${type}_${this.count++}`, inputs, list, control);
  }

  /** The op's first output. */
  out(type: string, inputs: readonly (Out | readonly Out[])[], attrs: Record<string, AttrValue> = {}): Out {
    return [this.op(type, inputs, attrs), 0];
  }

  shape(output: Out): number[] | null {
    return this.graph.shape(output);
  }

  placeholder(shape: readonly number[] | null, dtype: DType = DType.float): Out {
    return this.out('Placeholder', [], { dtype: attr.type(dtype), shape: attr.shape(shape) });
  }

  scalar(value: number): Out {
    return this.constant(Float32Array.of(value), []);
  }

  constant(data: Float32Array | Int32Array, dims: readonly number[]): Out {
    const dtype = data instanceof Int32Array ? DType.int32 : DType.float;
    return this.out('Const', [], { dtype: attr.type(dtype), value: { kind: 'tensor', value: { dtype, dims, data } } });
  }

  ints(values: readonly number[]): Out {
    return this.constant(Int32Array.from(values), [values.length]);
  }

  /** A resource variable's handle; one per model weight or optimizer slot. */
  variable(shape: readonly number[]): Out {
    return this.out('VarHandleOp', [], { dtype: attr.type(DType.float), shape: attr.shape(shape), shared_name: attr.string(`var_${this.count}`) });
  }

  read(handle: Out): Out {
    return this.out('ReadVariableOp', [handle], { dtype: attr.type(DType.float) });
  }

  assign(handle: Out, value: Out, control: readonly number[] = []): number {
    return this.op('AssignVariableOp', [handle, value], { dtype: attr.type(DType.float) }, control);
  }

  unary(
    type: 'Relu' | 'Relu6' | 'Sigmoid' | 'Tanh' | 'Softmax' | 'Square' | 'Abs' | 'Shape' | 'Identity' | 'Elu' | 'Selu' | 'Softplus' | 'Softsign',
    x: Out,
  ): Out {
    return this.out(type, [x], type === 'Shape' ? { T: attr.type(DType.float), out_type: attr.type(DType.int32) } : T);
  }

  binary(type: 'AddV2' | 'Sub' | 'Mul' | 'RealDiv' | 'Minimum' | 'MatMul' | 'BiasAdd' | 'GreaterEqual' | 'Equal', a: Out, b: Out): Out {
    return this.out(type, [a, b], type === 'Equal' ? { T: attr.type(DType.int64) } : T);
  }

  /** Sum or Mean over `axes`. */
  reduce(type: 'Sum' | 'Mean', x: Out, axes: readonly number[], keepDims = false): Out {
    return this.out(type, [x, this.ints(axes)], { ...T, Tidx: attr.type(DType.int32), keep_dims: attr.bool(keepDims) });
  }

  /** Sum of all elements, whatever the rank. */
  total(x: Out): Out {
    const rank = (this.shape(x) ?? []).length;
    return this.reduce(
      'Sum',
      x,
      Array.from({ length: rank }, (_, i) => i),
    );
  }

  reshape(x: Out, dims: readonly number[]): Out {
    return this.out('Reshape', [x, this.ints(dims)], { ...T, Tshape: attr.type(DType.int32) });
  }

  cast(x: Out, from: DType, to: DType): Out {
    return this.out('Cast', [x], { SrcT: attr.type(from), DstT: attr.type(to) });
  }

  argMax(x: Out): Out {
    return this.out('ArgMax', [x, this.constant(Int32Array.of(1), [])], { ...T, Tidx: attr.type(DType.int32), output_type: attr.type(DType.int64) });
  }

  /** One op that runs once all of `ops` have. */
  group(ops: readonly number[]): number {
    return this.op('NoOp', [], {}, ops);
  }
}
