import { constants, connect, createSecureServer, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface TlsProxyOptions {
  /** The plaintext Temporal frontend, `host:port`. */
  upstream: string;
  key: string;
  cert: string;
  /** The CA that client certificates must chain to; with it, a client without a valid certificate is refused. */
  clientCa?: string;
  /** When set, a call without `authorization: Bearer <apiKey>` is answered UNAUTHENTICATED, as Temporal Cloud does. */
  apiKey?: string;
}

/**
 * A TLS front for Temporal's dev server (which serves plaintext only): gRPC over HTTP/2 with TLS, optionally mutual,
 * optionally checking an API key, forwarded call by call to the dev server, the way a TLS-terminating proxy in front
 * of a Temporal cluster does. Test code only.
 */
export async function startTlsProxy(o: TlsProxyOptions): Promise<{ port: number; close(): Promise<void> }> {
  const upstream = connect(`http://${o.upstream}`);
  const server = createSecureServer({
    key: o.key,
    cert: o.cert,
    ...(o.clientCa ? { ca: o.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  });
  server.on('stream', (stream, headers) => {
    if (o.apiKey !== undefined && headers.authorization !== `Bearer ${o.apiKey}`) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '16', 'grpc-message': 'invalid API key' }, { endStream: true });
      return;
    }
    const call = upstream.request(forwarded(headers), { endStream: false });
    let trailers: OutgoingHttpHeaders = {};
    call.on('response', (responseHeaders, flags) => {
      if (stream.destroyed) return;
      // A trailers-only answer (an error status) ends with its headers.
      if (flags & constants.NGHTTP2_FLAG_END_STREAM) stream.respond(responseHeaders, { endStream: true });
      else stream.respond(responseHeaders, { waitForTrailers: true });
    });
    call.on('trailers', (t) => (trailers = t));
    stream.on('wantTrailers', () => {
      if (!stream.closed && !stream.destroyed) stream.sendTrailers(trailers);
    });
    // Bodies forwarded by hand, not piped: either side may end or reset first, and nothing is written after that.
    forward(stream, call);
    forward(call, stream);
    call.on('error', () => stream.destroy());
    stream.on('error', () => call.destroy());
    stream.on('close', () => call.close());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      upstream.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function forward(from: NodeJS.ReadableStream, to: NodeJS.WritableStream & { writableEnded: boolean; destroyed: boolean }): void {
  from.on('data', (chunk: Buffer) => {
    if (!to.writableEnded && !to.destroyed) to.write(chunk);
  });
  from.on('end', () => {
    if (!to.writableEnded && !to.destroyed) to.end();
  });
}

function forwarded(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (k !== ':scheme' && k !== ':authority') out[k] = v;
  return out;
}
