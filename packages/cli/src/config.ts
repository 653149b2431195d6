import { resolve } from 'node:path';
import { z } from 'zod';
import { BackendName, formatIssues } from '@anneal/contracts';
import { Failpoints } from '@anneal/tracking';
import { loadTemporalConnection, type TemporalConnectionOptions } from './temporal-config';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Everything a process reads from its environment, parsed once at start. Defaults run the embedded local stack. */
export const Config = z.object({
  // Temporal's own variables are read by @temporalio/envconfig (see temporal-config.ts); these are checked here.
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d+$/, 'expected host:port')
    .optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: flag.optional(),
  TEMPORAL_TLS_CLIENT_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_CLIENT_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: flag.optional(),
  TEMPORAL_PROFILE: z.string().optional(),
  TEMPORAL_CONFIG_FILE: z.string().optional(),
  TEMPORAL_UI_URL: z.string().url().default('http://127.0.0.1:8233'),
  MLFLOW_TRACKING_URI: z.string().url().default('http://127.0.0.1:5000'),
  MLFLOW_TRACKING_USERNAME: z.string().optional(),
  MLFLOW_TRACKING_PASSWORD: z.string().optional(),
  MLFLOW_TRACKING_TOKEN: z.string().optional(),
  ANNEAL_HOME: z.string().default('.anneal'),
  ANNEAL_BACKEND: BackendName.default('auto'),
  /** Colon-separated folders that file sources (and `anneal dataset validate`) may read. */
  ANNEAL_DATA_ROOTS: z.string().default('.'),
  /** Concurrent training activities on this worker: one per GPU. */
  ANNEAL_GPU_SLOTS: z.coerce.number().int().positive().default(1),
  /** A workflow bundle built ahead of time (`bundleWorkflowCode`); the worker bundles from source when absent. */
  ANNEAL_WORKFLOW_BUNDLE: z.string().optional(),
  /** On SIGTERM/SIGINT: how long running activities may finish before they are told to stop (training then checkpoints). */
  ANNEAL_SHUTDOWN_GRACE_SECONDS: z.coerce.number().nonnegative().max(3600).default(5),
  /** ... and when the worker exits regardless. */
  ANNEAL_SHUTDOWN_FORCE_SECONDS: z.coerce.number().positive().max(3600).default(55),
  /** `anneal worker` answers /livez and /readyz on this port (container health checks, Kubernetes probes). */
  ANNEAL_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** ... on this address: loopback, or 0.0.0.0 in a container whose probes come from outside it. */
  ANNEAL_HEALTH_HOST: z.string().default('127.0.0.1'),
  /** Faults to inject into activities (a JSON array, see `Failpoint`): for fault-injection tests and drills only. */
  ANNEAL_FAILPOINTS: z.string().transform(parseJson).pipe(Failpoints).optional(),
});
export type Config = Omit<z.infer<typeof Config>, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'> & {
  /** From the variable, else the temporal CLI's config profile, else the local dev server. */
  TEMPORAL_ADDRESS: string;
  TEMPORAL_NAMESPACE: string;
  /** How to connect: TLS, API key and gRPC metadata as the profile and the TEMPORAL_* variables say. */
  temporalConnection: TemporalConnectionOptions;
  home: string;
  cacheDir: string;
  dataRoots: string[];
};

function parseJson(text: string, ctx: z.RefinementCtx): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `expected JSON: ${(err as Error).message}` });
    return z.NEVER;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.fromEntries(Object.keys(Config.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = Config.safeParse(known, { reportInput: true });
  if (!parsed.success) throw new Error(`invalid configuration:\n  ${formatIssues(parsed.error.issues).join('\n  ')}`);
  const temporal = loadTemporalConnection(env);
  const home = resolve(parsed.data.ANNEAL_HOME);
  return {
    ...parsed.data,
    TEMPORAL_ADDRESS: temporal.connection.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    temporalConnection: temporal.connection,
    home,
    cacheDir: resolve(home, 'cache'),
    dataRoots: parsed.data.ANNEAL_DATA_ROOTS.split(':').map((p) => resolve(p)),
  };
}
