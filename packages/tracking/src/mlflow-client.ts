import type { z } from 'zod';
import { authFailure, resolveAuth, type MlflowAuth } from './mlflow-auth';
import { MlflowError } from './mlflow-error';
import { splitBatch, type Batch } from './log-batch';
import {
  ArtifactListResponse,
  CreateExperimentResponse,
  ErrorBody,
  ExperimentResponse,
  MetricHistoryResponse,
  ModelVersionResponse,
  RunResponse,
  SearchModelVersions,
  SearchRunsResponse,
  type ModelVersion,
  type Run,
} from './schemas';

export interface MlflowClientOptions {
  trackingUri: string;
  auth?: MlflowAuth;
  /** Attempts for a request that failed on the network or with 429/5xx. */
  attempts?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

type Query = Record<string, string | number | undefined>;

/** A small typed client of MLflow's REST API (tracking, artifacts through the server's proxy, model registry). */
/** MLflow 3's experiment kind: `finetuning` puts Anneal's experiments in the UI's machine-learning view. */
export const EXPERIMENT_KIND_TAG = 'mlflow.experimentKind';
const EXPERIMENT_KIND = 'finetuning';

export class MlflowClient {
  readonly trackingUri: string;
  private readonly headers: Record<string, string>;
  /** Who the requests authenticate as, for error messages. */
  private readonly who: string;
  private readonly attempts: number;
  private readonly timeoutMs: number;

  constructor(options: MlflowClientOptions) {
    const auth = resolveAuth(options.trackingUri, options.auth);
    this.trackingUri = auth.trackingUri;
    this.headers = auth.headers;
    this.who = auth.who;
    this.attempts = options.attempts ?? 4;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** One cheap authenticated read: throws what any call would (a refused credential as a 401/403 MlflowError). */
  async checkAccess(): Promise<void> {
    await this.call('GET', 'experiments/search', { query: { max_results: 1 } });
  }

  // experiments and runs
  /**
   * The experiment of that name, created when missing. Anneal's experiments are of kind `finetuning`, so MLflow 3's
   * UI opens them as model training (runs, metrics, models), not as a GenAI app; one made elsewhere gets the tag.
   */
  async getOrCreateExperiment(name: string): Promise<string> {
    const found = await this.call('GET', 'experiments/get-by-name', { query: { experiment_name: name }, schema: ExperimentResponse, allow404: true });
    if (found) {
      const id = found.experiment.experiment_id;
      if (!found.experiment.tags.some((t) => t.key === EXPERIMENT_KIND_TAG))
        await this.call('POST', 'experiments/set-experiment-tag', { body: { experiment_id: id, key: EXPERIMENT_KIND_TAG, value: EXPERIMENT_KIND } });
      return id;
    }
    try {
      const tags = [{ key: EXPERIMENT_KIND_TAG, value: EXPERIMENT_KIND }];
      return (await this.call('POST', 'experiments/create', { body: { name, tags }, schema: CreateExperimentResponse })).experiment_id;
    } catch (err) {
      // Another worker created it between our two calls.
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') return this.getOrCreateExperiment(name);
      throw err;
    }
  }

  async createRun(options: { experimentId: string; runName: string; tags?: Record<string, string> }): Promise<Run> {
    const tags = Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value }));
    const body = { experiment_id: options.experimentId, run_name: options.runName, start_time: Date.now(), tags };
    return (await this.call('POST', 'runs/create', { body, schema: RunResponse })).run;
  }

  async getRun(runId: string): Promise<Run> {
    return (await this.call('GET', 'runs/get', { query: { run_id: runId }, schema: RunResponse })).run;
  }

  async searchRuns(options: { experimentIds: string[]; filter?: string; maxResults?: number; orderBy?: string[] }): Promise<Run[]> {
    const runs: Run[] = [];
    let pageToken: string | undefined;
    do {
      const body = {
        experiment_ids: options.experimentIds,
        filter: options.filter ?? '',
        max_results: options.maxResults ?? 1000,
        page_token: pageToken,
        order_by: options.orderBy ?? [],
      };
      const page = await this.call('POST', 'runs/search', { body, schema: SearchRunsResponse });
      runs.push(...page.runs);
      pageToken = page.next_page_token || undefined;
    } while (pageToken && runs.length < (options.maxResults ?? Infinity));
    return runs;
  }

  async updateRun(options: { runId: string; status: 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED' }): Promise<void> {
    const endTime = options.status === 'RUNNING' ? undefined : Date.now();
    await this.call('POST', 'runs/update', { body: { run_id: options.runId, status: options.status, end_time: endTime } });
  }

  /** Logs metrics, params and tags, split into as many requests as the server's limits need. */
  async logBatch(runId: string, batch: Partial<Batch>): Promise<void> {
    const full: Batch = { metrics: batch.metrics ?? [], params: batch.params ?? [], tags: batch.tags ?? [] };
    for (const request of splitBatch(full)) {
      await this.call('POST', 'runs/log-batch', { body: { run_id: runId, ...request } });
    }
  }

  async getMetricHistory(runId: string, metricKey: string): Promise<z.infer<typeof MetricHistoryResponse>['metrics']> {
    const out: z.infer<typeof MetricHistoryResponse>['metrics'] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.call('GET', 'metrics/get-history', {
        query: { run_id: runId, metric_key: metricKey, max_results: 25000, page_token: pageToken },
        schema: MetricHistoryResponse,
      });
      out.push(...page.metrics);
      pageToken = page.next_page_token || undefined;
    } while (pageToken);
    return out.sort((a, b) => a.step - b.step);
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    const body = {
      run_id: runId,
      datasets: datasets.map((d) => ({
        dataset: { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source, schema: d.schema, profile: d.profile },
        tags: [{ key: 'mlflow.data.context', value: d.context }],
      })),
    };
    await this.call('POST', 'runs/log-inputs', { body });
  }

  // artifacts, through the tracking server's proxy (`mlflow-artifacts:/...`)
  async uploadArtifact(artifactUri: string, bytes: Uint8Array): Promise<void> {
    await this.request('PUT', artifactUrl(this.trackingUri, artifactUri), { raw: bytes });
  }

  async downloadArtifact(artifactUri: string): Promise<Uint8Array> {
    const res = await this.request('GET', artifactUrl(this.trackingUri, artifactUri), {});
    return new Uint8Array(await res.arrayBuffer());
  }

  /**
   * Where to GET an artifact over HTTP, for callers that stream it themselves: `runs:/<run id>/<path>`
   * is resolved through the run's artifact root; `mlflow-artifacts:/...` maps to the server's proxy.
   */
  async artifactDownload(uri: string): Promise<{ url: string; headers: Record<string, string> }> {
    let artifactUri = uri;
    const runs = /^runs:\/([^/]+)\/(.+)$/.exec(uri);
    if (runs) artifactUri = `${(await this.getRun(runs[1] as string)).info.artifact_uri}/${runs[2] as string}`;
    return { url: artifactUrl(this.trackingUri, artifactUri), headers: { ...this.headers } };
  }

  async listArtifacts(artifactUri: string): Promise<z.infer<typeof ArtifactListResponse>['files']> {
    const path = artifactPath(artifactUri);
    const url = `${this.trackingUri}/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}`;
    const res = await this.request('GET', url, {});
    return ArtifactListResponse.parse(await res.json()).files;
  }

  // model registry
  async createRegisteredModel(name: string, description = ''): Promise<void> {
    try {
      await this.call('POST', 'registered-models/create', { body: { name, description } });
    } catch (err) {
      if (!(err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
    }
  }

  async createModelVersion(options: {
    name: string;
    source: string;
    runId: string;
    tags?: Record<string, string>;
    description?: string;
    /** The MLflow 3 logged model the version is of (its source is then `models:/<model id>`). */
    modelId?: string;
  }): Promise<ModelVersion> {
    const tags = Object.entries(options.tags ?? {}).map(([key, value]) => ({ key, value }));
    const body = { name: options.name, source: options.source, run_id: options.runId, tags, description: options.description ?? '', model_id: options.modelId };
    return (await this.call('POST', 'model-versions/create', { body, schema: ModelVersionResponse })).model_version;
  }

  async searchModelVersions(filter: string): Promise<ModelVersion[]> {
    const res = await this.call('GET', 'model-versions/search', { query: { filter, max_results: 1000 }, schema: SearchModelVersions });
    return res.model_versions;
  }

  async setAlias(options: { name: string; alias: string; version: string }): Promise<void> {
    await this.call('POST', 'registered-models/alias', { body: options });
  }

  async setModelVersionTag(options: { name: string; version: string; key: string; value: string }): Promise<void> {
    await this.call('POST', 'model-versions/set-tag', { body: options });
  }

  /** One version of a registered model, or undefined when there is no such model or version. */
  async getModelVersion(name: string, version: string): Promise<ModelVersion | undefined> {
    try {
      const res = await this.call('GET', 'model-versions/get', { query: { name, version }, schema: ModelVersionResponse, allow404: true });
      return res?.model_version;
    } catch (err) {
      return this.absentWhenUnknownModel(err, name);
    }
  }

  /** The version an alias points at, or undefined when the model or the alias does not exist. */
  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    try {
      const res = await this.call('GET', 'registered-models/alias', { query: { name, alias }, schema: ModelVersionResponse, allow404: true });
      return res?.model_version;
    } catch (err) {
      // MLflow answers an unknown alias of a known model with 400 and this code (an unknown model is a 404).
      if (err instanceof MlflowError && err.errorCode === 'INVALID_PARAMETER_VALUE' && /not found/i.test(err.message)) return undefined;
      return this.absentWhenUnknownModel(err, name);
    }
  }

  /**
   * MLflow with authentication answers a read of a model that does not exist with 403, not 404 (its permission
   * check finds no model to check). A search, which lists only what the user may read, tells the two apart.
   */
  private async absentWhenUnknownModel(err: unknown, name: string): Promise<undefined> {
    if (!(err instanceof MlflowError && err.status === 403)) throw err;
    const filter = `name = '${name.replace(/'/g, "\\'")}'`;
    const found = (await this.call('GET', 'registered-models/search', { query: { filter, max_results: 1 } })) as { registered_models?: unknown[] };
    if (found.registered_models?.length) throw err;
    return undefined;
  }

  // transport
  /** One REST call to `/api/2.0/mlflow/<endpoint>`, for endpoints this class does not wrap; the answer checked by `schema`. */
  async call<S extends z.ZodType = z.ZodType<unknown>>(
    method: 'GET' | 'POST' | 'PATCH',
    endpoint: string,
    options: { query?: Query; body?: unknown; schema?: S; allow404?: boolean },
  ): Promise<z.output<S>> {
    const qs = options.query ? `?${toQueryString(options.query)}` : '';
    const url = `${this.trackingUri}/api/2.0/mlflow/${endpoint}${qs}`;
    const res = await this.request(method, url, { json: options.body, allow404: options.allow404 });
    if (res.status === 404) return undefined as z.output<S>;
    const json: unknown = await res.json();
    if (!options.schema) return json as z.output<S>;
    const parsed = options.schema.safeParse(json);
    if (!parsed.success) throw new MlflowError(`MLflow ${endpoint} answered in an unexpected shape: ${parsed.error.message}`, res.status, 'BAD_RESPONSE');
    return parsed.data;
  }

  private async request(method: string, url: string, options: { json?: unknown; raw?: Uint8Array; allow404?: boolean }): Promise<Response> {
    const headers: Record<string, string> = { ...this.headers };
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.raw) {
      headers['content-type'] = 'application/octet-stream';
      body = options.raw;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
        if (res.ok || (res.status === 404 && options.allow404)) return res;
        throw await toMlflowError(method, url, res, this.who);
      } catch (err) {
        const retryable = !(err instanceof MlflowError) || err.retryable;
        if (!retryable || attempt >= this.attempts) throw err;
        await new Promise((r) => setTimeout(r, 200 * 2 ** (attempt - 1)));
      }
    }
  }
}

export interface DatasetInput {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema: string;
  profile: string;
  /** `training`, `validation`, `test` or `source`: shown in the MLflow UI's Datasets tab. */
  context: string;
}

async function toMlflowError(method: string, url: string, res: Response, who: string): Promise<MlflowError> {
  const text = await res.text();
  if (res.status === 401 || res.status === 403) return authFailure({ status: res.status, method, url, who });
  let code: string | undefined;
  let message = text.slice(0, 500);
  try {
    const parsed = ErrorBody.parse(JSON.parse(text));
    code = parsed.error_code;
    message = parsed.message ?? message;
  } catch {
    // not JSON: keep the raw text as the message
  }
  return new MlflowError(`MLflow ${method} ${new URL(url).pathname} failed with ${res.status}: ${message}`, res.status, code);
}

function toQueryString(query: Query): string {
  return Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
}

/** `mlflow-artifacts:/1/abc/artifacts/x` -> `1/abc/artifacts/x`. */
export function artifactPath(artifactUri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri);
  if (!match?.[1]) throw new Error(`not an mlflow-artifacts URI: ${artifactUri} (the MLflow server must run with --serve-artifacts)`);
  return match[1];
}

function artifactUrl(trackingUri: string, artifactUri: string): string {
  const path = artifactPath(artifactUri).split('/').map(encodeURIComponent).join('/');
  return `${trackingUri}/api/2.0/mlflow-artifacts/artifacts/${path}`;
}
