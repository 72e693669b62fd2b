import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InstanceList, OfferEvent } from '@etax-assist/protocol';
import { compareStreamIds } from '@etax-assist/server';
import { EventLog } from '../harness/events.js';
import { freePort } from '../harness/ports.js';
import { spawnService } from '../harness/process.js';
import { CLUSTER_SECRETS, DEV_PASSWORDS, startTestService, startTestStores, instanceProcessEnv } from '../harness/service.js';
import { connectSocket, requestOk } from '../harness/socket.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Issue 15, item 11: the heartbeat measures that an instance's event loop ran and reached Redis
 * within INSTANCE_HEARTBEAT_TIMEOUT_MS. A stall shorter than that (minus one interval) is no death;
 * past it the instance is declared dead, drops the calls it held and serves on.
 */
describe('an instance whose event loop stalls (SIGSTOP) while it holds a call', () => {
  it('is not declared dead for a stall shorter than the timeout; past it, it is, its call is re-homed, and it comes back', async () => {
    const stores = await startTestStores();
    // a small adapter stream, trimmed while the instance is paused past the timeout
    const timing = { INSTANCE_HEARTBEAT_INTERVAL_MS: '200', INSTANCE_HEARTBEAT_TIMEOUT_MS: '3000', SOCKET_ADAPTER_STREAM_MAXLEN: '100', CHAT_MAX_PER_MINUTE: '10000' };
    const survivor = await startTestService({ ...CLUSTER_SECRETS, ...timing, INSTANCE_ID: 'survivor' }, stores);
    const dataDir = mkdtempSync(join(tmpdir(), 'etax-stalled-'));
    const port = await freePort();
    const stalledUrl = `http://127.0.0.1:${port}`;
    const stalled = spawnService({
      ...(await instanceProcessEnv(stores, port, dataDir)),
      ...CLUSTER_SECRETS,
      ...timing,
      INSTANCE_ID: 'stalled',
    });
    const lost: string[] = [];
    survivor.service.app.registry.on('lost', (id) => lost.push(id));
    try {
      await stalled.waitFor('agent console');
      // the agent on the survivor, the taxpayer on the other instance, which holds their call (the survivor drains)
      const supervisorToken = await survivor.staffToken('super1', DEV_PASSWORDS.super1);
      const auth = { authorization: `Bearer ${supervisorToken}` };
      await fetch(`${survivor.url}/api/instances/survivor/drain`, { method: 'POST', headers: auth });
      const agentSocket = await connectSocket(survivor.url, await survivor.staffToken('agent1', DEV_PASSWORDS.agent1));
      const agentLog = new EventLog(agentSocket);
      const taxpayerSocket = await connectSocket(stalledUrl, survivor.taxpayerToken({ sub: 'tp-stalled' }));
      const taxpayerLog = new EventLog(taxpayerSocket);
      await requestOk(agentSocket, 'agent:status', { status: 'available' });
      const { sessionId } = await requestOk(taxpayerSocket, 'help:request', { language: 'zh', topic: 'invoice', channel: 'voice', entry: { kind: 'portal', page: '/' } });
      await requestOk(agentSocket, 'offer:accept', { offerId: (await agentLog.next<OfferEvent>('offer:new')).offerId });
      await requestOk(taxpayerSocket, 'media:join', { sessionId });
      expect(await survivor.service.redis.get(`media:owner:${sessionId}`)).toBe('stalled');
      const live = async () => ((await (await fetch(`${survivor.url}/api/instances`, { headers: auth })).json()) as InstanceList).instances.map((i) => i.id).sort();

      // a stall of 1.5 s, well inside the 3 s timeout minus one 200 ms interval (a loaded machine adds its delays)
      stalled.child.kill('SIGSTOP');
      await sleep(1500);
      stalled.child.kill('SIGCONT');
      // as long again as the timeout: a survivor that took the stall for death would have said so by now
      await sleep(3500);
      expect(lost).toEqual([]);
      expect(await survivor.service.redis.get(`media:owner:${sessionId}`)).toBe('stalled');
      expect(taxpayerLog.of('media:rejoin')).toEqual([]);
      expect(await live()).toEqual(['stalled', 'survivor']);
      // and it serves as before: the call is still there
      await requestOk(taxpayerSocket, 'media:create-transport', { sessionId, direction: 'send' });
      expect(stalled.output()).not.toContain('declared dead');

      // past the timeout: declared dead, the call's clients are told to rejoin, the room is placed again
      const agentRejoin = agentLog.next<{ reason: string }>('media:rejoin', () => true, 10_000);
      const taxpayerRejoin = taxpayerLog.next<{ reason: string }>('media:rejoin', () => true, 20_000);
      stalled.child.kill('SIGSTOP');
      // (the paused instance's pending read takes the first packet after the pause: this one)
      await requestOk(agentSocket, 'chat:send', { sessionId, text: 'paused' });
      await expect.poll(() => lost, { timeout: 10_000 }).toEqual(['stalled']);
      expect((await agentRejoin).reason).toBe('instance-lost');
      expect(await live()).toEqual(['survivor']);
      // meanwhile the adapter stream is trimmed past the survivor's rejoin for the paused instance's taxpayer
      const rejoinSent = (await survivor.service.redis.xRevRange('etax:socket.io', '+', '-', { COUNT: 1 }))[0]!.id;
      for (let i = 0; i < 300; i++) await requestOk(agentSocket, 'chat:send', { sessionId, text: `meanwhile ${i}` });
      const [oldestKept] = await survivor.service.redis.xRange('etax:socket.io', '-', '+', { COUNT: 1 });
      expect(compareStreamIds(oldestKept!.id, rejoinSent)).toBeGreaterThan(0);
      stalled.child.kill('SIGCONT');
      // the paused instance learns it was declared dead, drops what it held (telling its own clients), and is live again
      await stalled.waitFor('this instance was declared dead by the others');
      expect((await taxpayerRejoin).reason).toBe('instance-lost');
      await expect.poll(live, { timeout: 10_000 }).toEqual(['stalled', 'survivor']);
      taxpayerSocket.close();
      agentSocket.close();
    } finally {
      stalled.child.kill('SIGCONT');
      stalled.child.kill('SIGKILL');
      await stalled.exited;
      await survivor.stop();
      await stores.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
