import { join } from 'node:path';
import { ProtocolError } from '@etax-assist/protocol';
import { persistedSecret } from '../config/persisted-secret.js';
import type { DeviceRegistry } from '../devices/device-registry.js';
import { newKioskCredential } from '../devices/kiosk-credential.js';

/** The demo kiosk's id and credential, as a real kiosk keeps them in its local configuration. */
export interface DemoKiosk {
  kioskId: string;
  credential: string;
}

const DEMO_HALL = { id: 'pudong', nameZh: '浦东新区办税服务厅', nameEn: 'Pudong tax service hall', address: '上海市浦东新区', region: '浦东新区' };
/** Who the devices' audit trail says registered the demo kiosk. */
const DEMO_BY = 'demo-portal';
const DEMO_KIOSK = { id: 'K-01', hallId: DEMO_HALL.id, location: '大厅入口 · Entrance' };

const ignoreConflict = (error: unknown): undefined => {
  if (error instanceof ProtocolError && error.code === 'CONFLICT') return undefined;
  throw error;
};

/**
 * Registers the demo portal's kiosk (`/demo/kiosk`) so `npm start` shows the kiosk flow through
 * a real registry entry: its hall and kiosk are created when missing, and the kiosk is given the
 * credential kept in DATA_DIR/secrets (re-activated, should an administrator have disabled it).
 */
export async function demoKiosk(registry: DeviceRegistry, dataDir: string): Promise<DemoKiosk> {
  const credential = persistedSecret(join(dataDir, 'secrets'), 'demo-kiosk.credential', newKioskCredential);
  await registry.createHall(DEMO_HALL, DEMO_BY).catch(ignoreConflict);
  const registered = await registry.register(DEMO_KIOSK, DEMO_BY, credential).catch(ignoreConflict);
  if (!registered) await registry.rotate(DEMO_KIOSK.id, DEMO_BY, credential);
  return { kioskId: DEMO_KIOSK.id, credential };
}
