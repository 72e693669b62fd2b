import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Reads a secret kept in a private directory under DATA_DIR, creating it on first use. */
export function persistedSecret(dir: string, name: string, create: () => string): string {
  const path = join(dir, name);
  if (existsSync(path)) return readFileSync(path, 'utf8');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const value = create();
  writeFileSync(path, value, { mode: 0o600 });
  return value;
}
