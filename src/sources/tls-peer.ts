import { connect, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';

/**
 * Who issued a server's certificate, read after a verification failure so the error can
 * say which CA is missing ("issued by CN=Amazon RSA 2048 M01, not in redis.tls.ca"). The
 * probe completes a handshake without verification only to read the chain, sends no byte
 * of application data (never AUTH), and closes at once; nothing it learns is trusted.
 */
export interface PeerCertificateSummary {
  /** `CN=...` of the leaf certificate. */
  subject: string;
  /** `CN=...` (or O=...) of the certificate that signed the leaf. */
  issuer: string;
  /** The top of the chain the server sent: the CA the client would need. */
  root: string;
  /** True when the server sent a self-signed leaf (no CA at all). */
  selfSigned: boolean;
}

function nameOf(dn: PeerCertificate['subject'] | undefined): string {
  if (!dn) return 'an unnamed certificate';
  const cn = dn.CN;
  if (cn) return `CN=${Array.isArray(cn) ? cn.join(',') : cn}`;
  const o = dn.O;
  return o ? `O=${Array.isArray(o) ? o.join(',') : o}` : 'an unnamed certificate';
}

/** What a verification-free handshake learnt about the server. */
export interface TlsProbe {
  /** The certificate chain, when the handshake completed. */
  peer: PeerCertificateSummary | undefined;
  /**
   * The OpenSSL alert the server sent after the handshake (with TLS 1.3 a server that
   * requires client certificates says so only then, e.g. ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED).
   */
  alert: string | undefined;
}

/**
 * Completes a TLS handshake with the server without verifying it, reads its certificate
 * chain, then listens (sending nothing) for up to `listenMs` for an alert refusing us.
 * Resolves with what it learnt, never rejects; everything is bounded by `timeoutMs`.
 */
export function probeTlsServer(host: string, port: number, opts: { servername?: string; timeoutMs: number; listenMs?: number }): Promise<TlsProbe> {
  return new Promise((resolve) => {
    let peer: PeerCertificateSummary | undefined;
    let done = false;
    const finish = (alert?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ peer, alert });
    };
    const isIp = /^[\d.]+$|:/.test(host);
    const socket = connect({
      host,
      port,
      // Only to read the certificate; nothing is sent and nothing learnt is trusted.
      rejectUnauthorized: false,
      ...(opts.servername ? { servername: opts.servername } : isIp ? {} : { servername: host }),
    });
    const timer = setTimeout(() => finish(), opts.timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => finish(typeof err.code === 'string' && err.code.startsWith('ERR_SSL_') ? err.code : undefined));
    socket.once('close', () => finish());
    // Reading (not writing) lets a post-handshake alert arrive instead of a reset.
    socket.on('data', () => undefined);
    socket.once('secureConnect', () => {
      peer = summarize(socket.getPeerCertificate(true));
      setTimeout(() => finish(), Math.min(opts.listenMs ?? 500, opts.timeoutMs)).unref();
    });
  });
}

function summarize(leaf: DetailedPeerCertificate | undefined): PeerCertificateSummary | undefined {
  if (!leaf || !leaf.subject) return undefined;
  let top = leaf;
  // issuerCertificate points to itself at the top of the chain (or is absent for a bare leaf).
  for (let i = 0; i < 10 && top.issuerCertificate && top.issuerCertificate.fingerprint256 !== top.fingerprint256; i++) top = top.issuerCertificate;
  const selfSigned = top === leaf && nameOf(leaf.subject) === nameOf(leaf.issuer);
  return { subject: nameOf(leaf.subject), issuer: nameOf(leaf.issuer), root: nameOf(top.issuer), selfSigned };
}
