import { Device } from 'mediasoup-client';
import type { types } from 'mediasoup-client';
import type { MediaJoinResult } from '@etax-assist/protocol';

/** A mediasoup-client Device loaded with the session router's capabilities. */
export async function loadDevice(join: MediaJoinResult): Promise<Device> {
  const device = new Device();
  await device.load({ routerRtpCapabilities: join.routerRtpCapabilities as unknown as types.RtpCapabilities });
  return device;
}
