import { MlflowError } from './mlflow-error';

export interface MlflowAuth {
  username?: string;
  password?: string;
  token?: string;
}

/** How requests authenticate: the header they carry and who that is, for error messages (never the secret). */
export interface ResolvedAuth {
  /** The tracking URI without user information. */
  trackingUri: string;
  headers: Record<string, string>;
  who: string;
}

/**
 * A token wins over a username, as in MLflow's own client. A tracking URI may carry `user:password@` (Node's fetch
 * refuses such URLs); it is moved into the header, so the URI that runs, tags and messages show has no secret in it.
 */
export function resolveAuth(trackingUri: string, auth: MlflowAuth = {}): ResolvedAuth {
  const url = new URL(trackingUri.replace(/\/+$/, ''));
  const fromUri = url.username ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : {};
  url.username = '';
  url.password = '';
  const bare = url.toString().replace(/\/+$/, '');
  const { token, username, password } = { ...fromUri, ...definedOnly(auth) };
  if (token) return { trackingUri: bare, headers: { authorization: `Bearer ${token}` }, who: 'the token in MLFLOW_TRACKING_TOKEN' };
  if (username)
    return {
      trackingUri: bare,
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` },
      who: `user "${username}"`,
    };
  return { trackingUri: bare, headers: {}, who: 'an unauthenticated client' };
}

/** 401 and 403 as one line that says whose credentials, where, and what to set; the server's text is dropped. */
export function authFailure(o: { status: number; method: string; url: string; who: string; errorCode?: string }): MlflowError {
  const where = new URL(o.url);
  const hint = 'set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN';
  if (o.status === 401)
    return new MlflowError(`MLflow at ${where.origin} did not accept ${o.who} (401 Unauthorized): ${hint}`, 401, o.errorCode ?? 'UNAUTHENTICATED');
  return new MlflowError(
    `MLflow at ${where.origin} denied ${o.who} permission for ${o.method} ${where.pathname} (403 Forbidden): ask its admin for access`,
    403,
    o.errorCode ?? 'PERMISSION_DENIED',
  );
}

function definedOnly(auth: MlflowAuth): MlflowAuth {
  return Object.fromEntries(Object.entries(auth).filter(([, v]) => v !== undefined && v !== '')) as MlflowAuth;
}
