import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactRef } from '@anneal/contracts';
import type { MlflowClient } from './mlflow-client';

export interface ArtifactFile {
  name: string;
  bytes: Uint8Array;
}

interface Manifest {
  files: { name: string; size: number; sha256: string }[];
}

const MANIFEST = 'manifest.json';

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The digest does not match: the artifact changed or arrived broken. Not worth retrying. */
export class ArtifactIntegrityError extends Error {
  override readonly name = 'ArtifactIntegrityError';
}

/**
 * Multi-file artifacts in MLflow's artifact store, addressed by URI + digest.
 * The manifest is written last and its sha256 is the digest, so a reader never trusts a half-written artifact;
 * readers cache verified copies by digest.
 */
export class ArtifactStore {
  constructor(private readonly options: { client: MlflowClient; cacheDir: string }) {}

  async put(uri: string, files: ArtifactFile[]): Promise<ArtifactRef> {
    const manifest: Manifest = { files: [] };
    for (const file of files) {
      if (file.name === MANIFEST || file.name.includes('/')) throw new Error(`invalid artifact file name: ${file.name}`);
      await this.options.client.uploadArtifact(`${uri}/${file.name}`, file.bytes);
      manifest.files.push({ name: file.name, size: file.bytes.byteLength, sha256: sha256(file.bytes) });
    }
    const bytes = Buffer.from(JSON.stringify(manifest, null, 1));
    await this.options.client.uploadArtifact(`${uri}/${MANIFEST}`, bytes);
    return { uri, digest: sha256(bytes) };
  }

  /** Reads every file of the artifact, verified against the reference's digest. */
  async get(ref: ArtifactRef): Promise<Map<string, Uint8Array>> {
    const dir = join(this.options.cacheDir, ref.digest);
    const cached = await this.readCached(dir);
    if (cached) return cached;

    const manifestBytes = await this.options.client.downloadArtifact(`${ref.uri}/${MANIFEST}`);
    if (sha256(manifestBytes) !== ref.digest) {
      throw new ArtifactIntegrityError(`artifact ${ref.uri}: manifest digest ${sha256(manifestBytes)} does not match the reference's ${ref.digest}`);
    }
    const manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as Manifest;
    const files = new Map<string, Uint8Array>();
    for (const entry of manifest.files) {
      const bytes = await this.options.client.downloadArtifact(`${ref.uri}/${entry.name}`);
      if (sha256(bytes) !== entry.sha256) {
        throw new ArtifactIntegrityError(`artifact ${ref.uri}/${entry.name}: content digest does not match its manifest`);
      }
      files.set(entry.name, bytes);
    }
    await this.writeCache(dir, manifestBytes, files);
    return files;
  }

  private async readCached(dir: string): Promise<Map<string, Uint8Array> | undefined> {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
    } catch {
      return undefined; // not cached yet
    }
    const files = new Map<string, Uint8Array>();
    for (const entry of manifest.files) files.set(entry.name, await readFile(join(dir, entry.name)));
    return files;
  }

  private async writeCache(dir: string, manifest: Uint8Array, files: Map<string, Uint8Array>): Promise<void> {
    // Write beside, then rename: a crash leaves no half-filled cache entry under the digest.
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    await mkdir(tmp, { recursive: true });
    for (const [name, bytes] of files) await writeFile(join(tmp, name), bytes);
    await writeFile(join(tmp, MANIFEST), manifest);
    try {
      await rename(tmp, dir);
    } catch {
      await rm(tmp, { recursive: true, force: true }); // another activity cached it first
    }
  }
}
