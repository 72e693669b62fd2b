import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new kiosk credential: 32 random bytes, base64url (43 characters). */
export function newKioskCredential(): string {
  return randomBytes(32).toString('base64url');
}

/** What the registry keeps of a credential (see 0004_devices.sql for why a plain SHA-256). */
export function credentialSha256(credential: string): string {
  return createHash('sha256').update(credential).digest('hex');
}

/** Whether `credential` is the one whose hash is kept, in time independent of where they differ. */
export function credentialMatches(credential: string, sha256: string): boolean {
  return timingSafeEqual(Buffer.from(credentialSha256(credential), 'hex'), Buffer.from(sha256, 'hex'));
}
