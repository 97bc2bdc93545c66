import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Throwaway certificates made by the test with `openssl`, for real TLS redis-servers:
 *
 * - `ca`: the CA everything below is signed by (what `redis.tls.ca` must name);
 * - `server`: a server certificate for 127.0.0.1 and localhost (IP and DNS SANs);
 * - `wrongName`: a server certificate from the same CA naming only `wrong-name.lab.test`;
 * - `client`: a client certificate (for `--tls-auth-clients yes`);
 * - `otherCa`: an unrelated CA, i.e. "the CA bundle of another environment".
 *
 * EC P-256 keys and 2-day validity: quick to make, and never valid for long.
 */
export interface TlsFiles {
  dir: string;
  ca: string;
  server: { cert: string; key: string };
  wrongName: { cert: string; key: string; name: string };
  client: { cert: string; key: string };
  otherCa: string;
  /** Removes the directory. */
  cleanup(): void;
}

const WRONG_NAME = 'wrong-name.lab.test';

export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'manga-tls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = (name: string, cn: string) => ssl('req', '-x509', ...ec, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`);
  const leaf = (name: string, cn: string, ext: string) => {
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
  };
  ca('ca', 'manga-oncall test CA');
  ca('other-ca', 'another environment CA');
  leaf('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  leaf('wrong', WRONG_NAME, `subjectAltName=DNS:${WRONG_NAME}\nextendedKeyUsage=serverAuth\n`);
  leaf('client', 'manga-oncall on-call engineer', 'extendedKeyUsage=clientAuth\n');
  const p = (f: string) => join(dir, f);
  return {
    dir,
    ca: p('ca.crt'),
    server: { cert: p('server.crt'), key: p('server.key') },
    wrongName: { cert: p('wrong.crt'), key: p('wrong.key'), name: WRONG_NAME },
    client: { cert: p('client.crt'), key: p('client.key') },
    otherCa: p('other-ca.crt'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * redis-server arguments for TLS only on `port` (`--port 0` turns plain TCP off), with the
 * given certificate and client-certificate policy.
 */
export function tlsServerArgs(
  files: TlsFiles,
  port: number,
  opts: { cert?: 'server' | 'wrongName'; authClients?: 'yes' | 'no' | 'optional' } = {},
): string[] {
  const pair = opts.cert === 'wrongName' ? files.wrongName : files.server;
  return [
    '--port', '0',
    '--tls-port', String(port),
    '--tls-cert-file', pair.cert,
    '--tls-key-file', pair.key,
    '--tls-ca-cert-file', files.ca,
    '--tls-auth-clients', opts.authClients ?? 'no',
  ];
}
