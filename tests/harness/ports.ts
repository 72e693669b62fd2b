import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function tcpFree(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const port = await tcpFree(0);
  if (port === undefined) throw new Error('no free TCP port');
  return port;
}

/** Below Linux's ephemeral range (32768–60999): a client socket opened meanwhile cannot take the port. */
const MEDIA_PORTS = { from: 20000, to: 32768 };

/**
 * The first of `count` consecutive ports free for both TCP and UDP (a mediasoup WebRtcServer listens
 * on both; worker n of a pool takes base + n).
 */
export async function freeMediaPort(count = 1): Promise<number> {
  const free = async (port: number) => (await tcpFree(port)) === port && (await udpFree(port));
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = MEDIA_PORTS.from + Math.floor(Math.random() * (MEDIA_PORTS.to - MEDIA_PORTS.from - count));
    let all = true;
    for (let port = base; all && port < base + count; port++) all = await free(port);
    if (all) return base;
  }
  throw new Error(`no ${count} consecutive ports free for both TCP and UDP`);
}
