import type { Logger } from 'pino';
import type { RealtimePrincipal } from '@etax-assist/protocol';

/** Who sent a media request: a socket, connected to this instance or to `home`. */
export interface MediaPeer {
  socketId: string;
  principal: RealtimePrincipal;
  home: string;
  log: Logger;
}
