import { describeDevices, tensorflowDevices } from './devices';
import { GraphBuilder } from './graph-builder';
import { addonOrThrow, DType, sessionConfig, type HostTensor } from './native';

const floats = (data: number[], dims: number[]): HostTensor => ({ dtype: DType.float, dims, data: Float32Array.from(data) });

describe('the graph addon', () => {
  const addon = addonOrThrow();

  it('builds, runs and returns values; gradients come from TensorFlow', async () => {
    const b = new GraphBuilder(new addon.Graph());
    const x = b.placeholder([2]);
    const y = b.total(b.binary('Mul', b.unary('Square', x), b.scalar(3))); // 3 * sum(x^2)
    const [dx] = b.graph.gradients([y], [x]);
    const session = new addon.Session(b.graph, sessionConfig(1));
    const [value, grad] = await session.run([[x, floats([1, 2], [2])]], [y, dx as NonNullable<typeof dx>], []);
    expect(Array.from(value?.data ?? [])).toEqual([15]);
    expect(Array.from(grad?.data ?? [])).toEqual([6, 12]);
    expect(b.shape(x)).toEqual([2]);
    // Traced, the same run also returns TensorFlow's step stats, which name the ops that ran.
    const traced = await session.trace([[x, floats([1, 2], [2])]], [y], []);
    expect(Array.from(traced.outputs[0]?.data ?? [])).toEqual([15]);
    expect(Buffer.from(traced.runMetadata).toString('latin1')).toMatch(/= Square\(/);
    session.close();
  });

  it("fails with TensorFlow's reason: a bad op, a feed of the wrong size or dtype, a session closed mid-run", async () => {
    const b = new GraphBuilder(new addon.Graph());
    const x = b.placeholder([2]);
    expect(() => b.out('MatMul', [x, x], { T: { kind: 'type', value: DType.float } })).toThrow(/^MatMul MatMul_\d+: .*rank 2/);
    const session = new addon.Session(b.graph);
    const y = b.unary('Relu', x);
    expect(() => session.run([[x, { dtype: DType.float, dims: [3], data: new Float32Array(2) }]], [y], [])).toThrow(
      'tensor data has 8 bytes, its shape needs 12',
    );
    expect(() => session.run([[x, { dtype: DType.float, dims: [2], data: new Int32Array(2) }]], [y], [])).toThrow(
      'tensor data is not the typed array of dtype 1',
    );
    const any = b.placeholder(null);
    const product = b.binary('MatMul', any, any); // shapes known only at run time
    await expect(session.run([[any, floats([1, 2, 3, 4, 5, 6], [2, 3])]], [product], [])).rejects.toThrow(/Matrix size-incompatible/);
    const running = session.run([[x, floats([1, 2], [2])]], [y], []);
    expect(() => session.close()).toThrow('session is running: await its runs before closing it');
    await running;
    session.close();
    await expect(Promise.resolve().then(() => session.run([], [y], []))).rejects.toThrow('session is closed');
  });

  it('lists the devices its TensorFlow places ops on, and names the GPUs first where there are any', () => {
    const devices = tensorflowDevices();
    if (devices instanceof Error) throw devices;
    // The session config (threads, GPU memory growth, soft placement) parsed: a bad one fails the session.
    expect(devices.map((d) => d.type)).toContain('CPU');
    expect(devices.find((d) => d.type === 'CPU')?.name).toMatch(/device:CPU:0$/);
    const gpus = devices.filter((d) => d.type === 'GPU');
    expect(describeDevices(devices)).toMatch(gpus.length > 0 ? /^GPU:0 \(\d+\.\d GiB\)/ : /^CPU:0/);
    const cpu = { name: '/job:localhost/replica:0/task:0/device:CPU:0', type: 'CPU', memoryBytes: 268435456 };
    const gpu = { name: '/job:localhost/replica:0/task:0/device:GPU:0', type: 'GPU', memoryBytes: 79.1 * 2 ** 30 };
    expect(describeDevices([cpu])).toBe('CPU:0');
    expect(describeDevices([cpu, gpu])).toBe('GPU:0 (79.1 GiB)');
  });
});
