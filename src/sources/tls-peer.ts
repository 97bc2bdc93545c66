import { connect, type PeerCertificate } from 'node:tls';

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

/**
 * The server's certificate chain as far as it sends it, or undefined when the probe
 * fails or `timeoutMs` passes (the original error stands on its own then).
 */
export function peerCertificateSummary(host: string, port: number, opts: { servername?: string; timeoutMs: number }): Promise<PeerCertificateSummary | undefined> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: PeerCertificateSummary | undefined) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const isIp = /^[\d.]+$|:/.test(host);
    const socket = connect({
      host,
      port,
      // Only to read the certificate; nothing is sent and nothing learnt is trusted.
      rejectUnauthorized: false,
      ...(opts.servername ? { servername: opts.servername } : isIp ? {} : { servername: host }),
    });
    const timer = setTimeout(() => finish(undefined), opts.timeoutMs);
    socket.once('error', () => finish(undefined));
    socket.once('secureConnect', () => {
      const leaf = socket.getPeerCertificate(true);
      if (!leaf || !leaf.subject) return finish(undefined);
      let top = leaf;
      // issuerCertificate points to itself at the top of the chain.
      for (let i = 0; i < 10 && top.issuerCertificate && top.issuerCertificate !== top && top.issuerCertificate.fingerprint256 !== top.fingerprint256; i++) {
        top = top.issuerCertificate;
      }
      const selfSigned = leaf.fingerprint256 === leaf.issuerCertificate?.fingerprint256 || (nameOf(leaf.subject) === nameOf(leaf.issuer) && top === leaf);
      finish({ subject: nameOf(leaf.subject), issuer: nameOf(leaf.issuer), root: nameOf(top === leaf ? leaf.issuer : top.issuer), selfSigned });
    });
  });
}
