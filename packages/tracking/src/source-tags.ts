import { execFileSync } from 'node:child_process';

let commit: string | null | undefined;

/** The commit of the code this worker runs: ANNEAL_GIT_COMMIT (set in images), else `git rev-parse HEAD` here, once. */
export function gitCommit(): string | undefined {
  if (commit === undefined) {
    commit = process.env.ANNEAL_GIT_COMMIT ?? null;
    if (commit === null) {
      try {
        commit =
          execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
            .toString()
            .trim() || null;
      } catch {
        commit = null; // not a checkout (an installed package, an image without .git): no commit tag
      }
    }
  }
  return commit ?? undefined;
}

/** MLflow's source tags for a pipeline run: what ran it (`anneal fineTune`), as a job, at which commit. */
export function sourceTags(workflowType: string): Record<string, string> {
  const sha = gitCommit();
  return { 'mlflow.source.name': `anneal ${workflowType}`, 'mlflow.source.type': 'JOB', ...(sha ? { 'mlflow.source.git.commit': sha } : {}) };
}
