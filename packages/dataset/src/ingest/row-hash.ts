import { createHash } from 'node:crypto';

/**
 * 128-bit content hashes of rows, four 32-bit lanes each, kept in one growable Uint32Array.
 * Not cryptographic: it finds duplicates and leaks across splits at a few ns per value, where
 * sha1 per row would cost more than parsing the row.
 */
export class RowHashes {
  private lanes = new Uint32Array(4 * 1024);
  private count = 0;

  get rows(): number {
    return this.count;
  }

  /** Hashes `values` (the row's features, bit for bit) and returns the row's index. */
  add(values: Float32Array): number {
    this.reserve();
    hashInto(values, this.lanes, 4 * this.count);
    return this.count++;
  }

  /** Appends hashes computed elsewhere (four lanes a row), e.g. by a worker thread; returns the first new row. */
  addComputed(lanes: Uint32Array): number {
    const first = this.count;
    const rows = lanes.length / 4;
    this.reserve(rows);
    this.lanes.set(lanes, 4 * first);
    this.count += rows;
    return first;
  }

  /** The lanes of all rows so far (a copy that can be transferred to another thread). */
  export(): Uint32Array {
    return this.lanes.slice(0, 4 * this.count);
  }

  private reserve(rows = 1): void {
    if (4 * (this.count + rows) > this.lanes.length) {
      const grown = new Uint32Array(Math.max(this.lanes.length * 2, 4 * (this.count + rows)));
      grown.set(this.lanes);
      this.lanes = grown;
    }
  }

  equal(a: number, b: number): boolean {
    const l = this.lanes;
    return l[4 * a] === l[4 * b] && l[4 * a + 1] === l[4 * b + 1] && l[4 * a + 2] === l[4 * b + 2] && l[4 * a + 3] === l[4 * b + 3];
  }

  /** Lane 0 of row `i`: spread well enough to index a hash table. */
  bucketKey(i: number): number {
    return this.lanes[4 * i] as number;
  }

  /** The row's hash as 32 hex digits (for reports and for comparing datasets). */
  hex(i: number): string {
    return [0, 1, 2, 3].map((k) => (this.lanes[4 * i + k] as number).toString(16).padStart(8, '0')).join('');
  }

  /**
   * Digests of the whole dataset. `ordered` follows row order; `content` does not: it is sha256 of the
   * per-lane sums (mod 2^32) of the rows' hashes mixed with their labels, so shuffled rows give the same value.
   */
  digests(labelCodes: ArrayLike<number>, classes: readonly string[]): { ordered: string; content: string } {
    const classLanes = classes.map((c) => {
      const h = createHash('sha256').update(c).digest();
      return [h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)];
    });
    const sums = new Uint32Array(4);
    const ordered = createHash('sha256');
    for (let i = 0; i < this.count; i++) {
      const label = classLanes[labelCodes[i] as number] ?? [0, 0, 0, 0];
      for (let k = 0; k < 4; k++) sums[k] = ((sums[k] as number) + mix32(((this.lanes[4 * i + k] as number) ^ (label[k] as number)) >>> 0)) >>> 0;
    }
    ordered.update(new Uint8Array(this.lanes.buffer, 0, 16 * this.count));
    ordered.update(Buffer.from(Uint32Array.from(labelCodes).buffer));
    const content = createHash('sha256')
      .update(Buffer.from(sums.buffer))
      .update(`${this.count}:${[...classes].sort().join('\u0000')}`)
      .digest('hex');
    return { ordered: ordered.digest('hex'), content };
  }
}

const SEEDS = [0x9e3779b1, 0x85ebca77, 0xc2b2ae3d, 0x27d4eb2f];

function hashInto(values: Float32Array, out: Uint32Array, at: number): void {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let k = 0; k < 4; k++) {
    let h = (SEEDS[k] as number) ^ values.length;
    for (let i = 0; i < words.length; i++) {
      h = Math.imul(h ^ Math.imul(words[i] as number, 0xcc9e2d51), 0x1b873593);
      h = (h << 13) | (h >>> 19);
    }
    out[at + k] = mix32((h ^ k) >>> 0);
  }
}

/** murmur3's finalizer: every input bit affects every output bit. */
function mix32(x: number): number {
  let h = x;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Open-addressing set of row hashes: finds the first earlier row with the same content in O(1). */
export class DuplicateFinder {
  private slots = new Int32Array(1 << 12).fill(-1);
  private used = 0;

  constructor(private readonly hashes: RowHashes) {}

  /** Makes room for `rows` more rows at once (one rehash instead of several). */
  reserve(rows: number): void {
    while (2 * (this.used + rows) > this.slots.length) this.grow();
  }

  /** Registers row `i`; returns an earlier row with the same hash, or -1. */
  firstEqual(i: number): number {
    if (2 * (this.used + 1) > this.slots.length) this.grow();
    const found = this.probe(i);
    if (found >= 0) return found;
    this.place(i);
    this.used++;
    return -1;
  }

  private probe(i: number): number {
    const mask = this.slots.length - 1;
    for (let s = this.hashes.bucketKey(i) & mask; ; s = (s + 1) & mask) {
      const row = this.slots[s] as number;
      if (row < 0) return -1;
      if (this.hashes.equal(row, i)) return row;
    }
  }

  private place(i: number): void {
    const mask = this.slots.length - 1;
    let s = this.hashes.bucketKey(i) & mask;
    while ((this.slots[s] as number) >= 0) s = (s + 1) & mask;
    this.slots[s] = i;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2).fill(-1);
    for (const row of old) if (row >= 0) this.place(row);
  }
}
