import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  /** The test authority's certificate, which a browser is made to trust. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

/**
 * A certificate for a server at `ip`, issued by a throw-away authority, as a deployment's TURN
 * server has one from a real authority: browsers check TURN-over-TLS certificates like any other.
 */
export function issueTestCertificate(dir: string, ip: string): TestCertificate {
  const caKey = join(dir, 'ca-key.pem');
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'key.pem');
  const csr = join(dir, 'server.csr');
  const certFile = join(dir, 'cert.pem');
  const extensions = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=etax test authority', '-keyout', caKey, '-out', caFile);
  openssl('req', '-new', ...ec, '-subj', `/CN=${ip}`, '-keyout', keyFile, '-out', csr);
  writeFileSync(extensions, `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  openssl('x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-extfile', extensions, '-out', certFile);
  return { caFile, certFile, keyFile };
}

/** A HOME whose NSS database (what Chromium on Linux trusts) holds the test authority. */
export function homeTrusting(caFile: string): string {
  const home = mkdtempSync(join(tmpdir(), 'etax-home-'));
  const db = join(home, '.pki/nssdb');
  mkdirSync(db, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${db}`, '--empty-password'], { stdio: 'pipe' });
  execFileSync('certutil', ['-A', '-d', `sql:${db}`, '-n', 'etax test authority', '-t', 'C,,', '-i', caFile], { stdio: 'pipe' });
  return home;
}
