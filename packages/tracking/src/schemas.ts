import { z } from 'zod';

// Only the fields Anneal reads; MLflow adds more and zod strips them.
const Tag = z.object({ key: z.string(), value: z.string().default('') });

export const RunInfo = z.object({
  run_id: z.string(),
  experiment_id: z.string(),
  run_name: z.string().optional(),
  status: z.string(),
  artifact_uri: z.string(),
  start_time: z.coerce.number().optional(),
  end_time: z.coerce.number().optional(),
});

export const Run = z.object({
  info: RunInfo,
  data: z
    .object({
      metrics: z.array(z.object({ key: z.string(), value: z.number(), step: z.coerce.number().default(0) })).default([]),
      params: z.array(Tag).default([]),
      tags: z.array(Tag).default([]),
    })
    .default({ metrics: [], params: [], tags: [] }),
  inputs: z
    .object({
      dataset_inputs: z
        .array(
          z.object({
            dataset: z.object({
              name: z.string(),
              digest: z.string(),
              source: z.string().optional(),
              schema: z.string().optional(),
              profile: z.string().optional(),
            }),
          }),
        )
        .default([]),
    })
    .optional(),
});
export type Run = z.infer<typeof Run>;

export const RunResponse = z.object({ run: Run });
export const SearchRunsResponse = z.object({ runs: z.array(Run).default([]), next_page_token: z.string().optional() });
export const ExperimentResponse = z.object({
  experiment: z.object({ experiment_id: z.string(), name: z.string(), tags: z.array(z.object({ key: z.string(), value: z.string() })).default([]) }),
});
export const CreateExperimentResponse = z.object({ experiment_id: z.string() });
export const MetricHistoryResponse = z.object({
  metrics: z.array(z.object({ key: z.string(), value: z.number(), step: z.coerce.number().default(0), timestamp: z.coerce.number() })).default([]),
  next_page_token: z.string().optional(),
});

export const ModelVersion = z.object({
  name: z.string(),
  version: z.string(),
  source: z.string().optional(),
  run_id: z.string().optional(),
  status: z.string().optional(),
  aliases: z.array(z.string()).default([]),
  tags: z.array(Tag).default([]),
});
export type ModelVersion = z.infer<typeof ModelVersion>;
export const ModelVersionResponse = z.object({ model_version: ModelVersion });
export const SearchModelVersions = z.object({ model_versions: z.array(ModelVersion).default([]) });

export const ArtifactListResponse = z.object({
  files: z.array(z.object({ path: z.string(), is_dir: z.boolean().default(false), file_size: z.coerce.number().optional() })).default([]),
});

export const ErrorBody = z.object({ error_code: z.string().optional(), message: z.string().optional() }).passthrough();
