import { z } from 'zod';

export const BackendName = z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

export const Strategy = z.enum(['feature-extraction', 'full']);
export type Strategy = z.infer<typeof Strategy>;

export const RunStatus = z.enum(['RUNNING', 'FINISHED', 'FAILED', 'KILLED']);
export type RunStatus = z.infer<typeof RunStatus>;
