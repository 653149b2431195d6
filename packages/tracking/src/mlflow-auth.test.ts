import { authFailure, resolveAuth } from './mlflow-auth';

describe('resolveAuth', () => {
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('sends a token as a bearer, else a username and password as basic auth, else nothing', () => {
    expect(resolveAuth('http://m:5000/', { token: 't0k', username: 'u', password: 'p' }).headers).toEqual({ authorization: 'Bearer t0k' });
    expect(resolveAuth('http://m:5000', { username: 'u', password: 'p' })).toEqual({
      trackingUri: 'http://m:5000',
      headers: { authorization: basic('u', 'p') },
      who: 'user "u"',
    });
    expect(resolveAuth('http://m:5000', { username: '', password: undefined }).headers).toEqual({});
  });

  it('moves user information out of the tracking URI into the header, so the URI carries no secret', () => {
    const auth = resolveAuth('https://bot:p%40ss@mlflow.example.com/prefix/');
    expect(auth.trackingUri).toBe('https://mlflow.example.com/prefix');
    expect(auth.headers).toEqual({ authorization: basic('bot', 'p@ss') });
    // Variables win over the URI.
    expect(resolveAuth('http://bot:old@m:5000', { password: 'new' }).headers).toEqual({ authorization: basic('bot', 'new') });
  });
});

describe('authFailure', () => {
  it('says whose credentials were refused, where, and what to set, in one line without the server text', () => {
    const e = authFailure({ status: 401, method: 'GET', url: 'http://m:5000/api/2.0/mlflow/runs/get?run_id=1', who: 'user "bot"' });
    expect(e.message).toBe(
      'MLflow at http://m:5000 did not accept user "bot" (401 Unauthorized): set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN',
    );
    expect([e.status, e.errorCode, e.retryable]).toEqual([401, 'UNAUTHENTICATED', false]);
    const denied = authFailure({ status: 403, method: 'POST', url: 'http://m:5000/api/2.0/mlflow/runs/create', who: 'user "bot"' });
    expect(denied.message).toBe(
      'MLflow at http://m:5000 denied user "bot" permission for POST /api/2.0/mlflow/runs/create (403 Forbidden): ask its admin for access',
    );
  });
});
