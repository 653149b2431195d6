import { connect as tlsConnect } from 'node:tls';
import type { TemporalConnectionOptions } from './temporal-config';

/**
 * Why a TLS connection to Temporal fails, in Node's words ("self-signed certificate in certificate chain",
 * "tlsv13 alert certificate required"), found by one handshake with the same settings: the SDK's own error for a
 * failed handshake is only "Failed to connect before the deadline". Undefined when the handshake succeeds.
 */
export async function tlsHandshakeFailure(options: TemporalConnectionOptions): Promise<string | undefined> {
  const tls = typeof options.tls === 'object' && options.tls !== null ? options.tls : options.tls ? {} : undefined;
  if (!tls) return undefined;
  const [host, port] = splitAddress(options.address);
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      servername: tls.serverNameOverride ?? host,
      ALPNProtocols: ['h2'],
      ...(tls.serverRootCACertificate ? { ca: Buffer.from(tls.serverRootCACertificate) } : {}),
      ...(tls.clientCertPair ? { cert: Buffer.from(tls.clientCertPair.crt), key: Buffer.from(tls.clientCertPair.key) } : {}),
    });
    const done = (reason: string | undefined) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(5000, () => done('no TLS handshake within 5 s'));
    // OpenSSL's errors carry a short `reason` ("tlsv13 alert certificate required") beside a multi-line message.
    socket.once('error', (err: Error & { reason?: string }) => done(err.reason ?? err.message.split('\n')[0]));
    // With TLS 1.3 a server refuses a client certificate after the handshake: wait a moment for its alert.
    socket.once('secureConnect', () => setTimeout(() => done(undefined), 300));
  });
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}
