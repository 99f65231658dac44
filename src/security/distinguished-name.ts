/**
 * A certificate subject as Java's X500Principal.getName() prints it (RFC 2253), which is what
 * Kafka's principal mapping rules are written against: relative names from the last to the
 * first, `,` between them, `+` inside a multi-valued one, Java's keywords (CN, C, L, ST, O,
 * OU, DC, UID, STREET) and any other attribute as its OID with the DER value in hex.
 *
 * Node gives the subject in encoding order, one relative name a line, values already escaped
 * as RFC 2253 asks (OpenSSL's ASN1_STRFLGS_ESC_2253), attributes by OpenSSL's short names.
 */
import type { X509Certificate } from 'node:crypto';

/** OpenSSL short name to Java's RFC 2253 keyword. */
const JAVA_KEYWORDS: Readonly<Record<string, string>> = {
  CN: 'CN', C: 'C', L: 'L', ST: 'ST', O: 'O', OU: 'OU', DC: 'DC', UID: 'UID', street: 'STREET',
};

/** OpenSSL short name to OID and DER string tag, for attributes Java prints as `OID=#hex`. */
const OID_ATTRIBUTES: Readonly<Record<string, { oid: string; tag: number }>> = {
  emailAddress: { oid: '1.2.840.113549.1.9.1', tag: 0x16 },
  serialNumber: { oid: '2.5.4.5', tag: 0x13 },
  title: { oid: '2.5.4.12', tag: 0x0c },
  GN: { oid: '2.5.4.42', tag: 0x0c },
  SN: { oid: '2.5.4.4', tag: 0x0c },
  postalCode: { oid: '2.5.4.17', tag: 0x0c },
};

export function subjectRfc2253(cert: X509Certificate): string {
  return rfc2253FromOpenSsl(cert.subject);
}

/** `cert.subject` (one relative name a line, in encoding order) in Java's RFC 2253 form. */
export function rfc2253FromOpenSsl(subject: string): string {
  const rdns = subject.split('\n').filter((line) => line !== '');
  const out: string[] = [];
  for (let i = rdns.length - 1; i >= 0; i--) {
    out.push(rdns[i]!.split(' + ').map(attribute).join('+'));
  }
  return out.join(',');
}

function attribute(ava: string): string {
  const eq = ava.indexOf('=');
  if (eq <= 0) return ava;
  const type = ava.slice(0, eq);
  const value = ava.slice(eq + 1);
  const keyword = JAVA_KEYWORDS[type];
  if (keyword !== undefined) return `${keyword}=${value}`;
  const oid = OID_ATTRIBUTES[type];
  if (oid === undefined) return `${type}=${value}`;
  return `${oid.oid}=#${derString(oid.tag, unescape2253(value))}`;
}

/** A DER string of `tag` holding `value`, in lower-case hex as Java prints it. */
function derString(tag: number, value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let length: Buffer;
  if (bytes.length < 0x80) length = Buffer.from([bytes.length]);
  else if (bytes.length < 0x100) length = Buffer.from([0x81, bytes.length]);
  else length = Buffer.from([0x82, bytes.length >> 8, bytes.length & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, bytes]).toString('hex');
}

function unescape2253(value: string): string {
  return value.replace(/\\([0-9A-Fa-f]{2}|.)/g, (_, e: string) => (e.length === 2 ? String.fromCharCode(parseInt(e, 16)) : e));
}
