/**
 * Certificates made at test time with the `openssl` CLI in a temporary directory: a CA, a
 * server certificate for 127.0.0.1/localhost and client certificates, all signed by the CA,
 * with P-256 keys (fast to make). Nothing is checked in.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  /** CA certificate (PEM) and its path. */
  caCert: string;
  caPath: string;
  /** Makes a key and a certificate signed by the CA; `subject` as openssl takes it (/C=US/CN=x). */
  issue(name: string, subject: string, options?: { server?: boolean; keyPassword?: string }): IssuedCert;
  /** Another CA's self-signed certificate, for "untrusted" cases. */
  selfSigned(name: string, subject: string): IssuedCert;
  cleanup(): void;
}

export interface IssuedCert {
  /** PKCS#8 private key (PEM; encrypted when a keyPassword was given). */
  key: string;
  cert: string;
  keyPath: string;
  certPath: string;
  /** One file: the private key followed by the certificate and the CA (Kafka's PEM key store). */
  keystorePath: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'millrace-pki-'));
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=millrace-test-ca', '-days', '2']);
  const caPath = join(dir, 'ca.crt');
  const caCert = readFileSync(caPath, 'utf8');
  const finish = (name: string, keyPassword: string | undefined): IssuedCert => {
    let keyPath = join(dir, `${name}.key`);
    if (keyPassword !== undefined) {
      openssl(dir, ['pkcs8', '-topk8', '-in', `${name}.key`, '-out', `${name}.enc.key`, '-passout', `pass:${keyPassword}`, '-v2', 'aes-256-cbc']);
      keyPath = join(dir, `${name}.enc.key`);
    }
    const key = readFileSync(keyPath, 'utf8');
    const certPath = join(dir, `${name}.crt`);
    const cert = readFileSync(certPath, 'utf8');
    const keystorePath = join(dir, `${name}.keystore.pem`);
    writeFileSync(keystorePath, key + cert + caCert);
    return { key, cert, keyPath, certPath, keystorePath };
  };
  return {
    dir,
    caCert,
    caPath,
    issue(name, subject, options = {}) {
      openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
      const ext = join(dir, `${name}.ext`);
      writeFileSync(ext, options.server === true ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n');
      openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', ext]);
      return finish(name, options.keyPassword);
    },
    selfSigned(name, subject) {
      openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', subject, '-days', '2']);
      return finish(name, undefined);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
