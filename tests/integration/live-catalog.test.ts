import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogAdminView, CatalogChangedEvent, HallsChangedEvent } from '@etax-assist/protocol';
import { EventLog } from '../harness/events.js';
import { DEV_PASSWORDS, startTestCluster, type TestCluster, type TestService } from '../harness/service.js';
import { connectSocket, type TestSocket } from '../harness/socket.js';

/** Issue 18, items 3 and 5: a catalog published, a hall changed on one instance is announced to the staff consoles connected to every instance. */
describe('the live catalog and halls announced to open consoles (two instances, real Redis and PostgreSQL)', () => {
  let cluster: TestCluster;
  let one: TestService;
  let two: TestService;
  const sockets: TestSocket[] = [];

  const connect = async (t: TestService, token: string) => {
    const socket = await connectSocket(t.url, token);
    sockets.push(socket);
    return new EventLog(socket);
  };

  beforeAll(async () => {
    cluster = await startTestCluster(2, { CATALOG_REFRESH_MS: '500' });
    [one, two] = cluster.instances as [TestService, TestService];
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await cluster?.stop();
  });

  it('a publish on instance 1 reaches the agents and supervisors of instance 2 once, with its version, and no taxpayer', async () => {
    const agent = await connect(two, await two.staffToken('agent1', DEV_PASSWORDS.agent1));
    const supervisor = await connect(two, await two.staffToken('super1', DEV_PASSWORDS.super1));
    const sameInstance = await connect(one, await one.staffToken('expert1', DEV_PASSWORDS.expert1));
    const taxpayer = await connect(two, two.taxpayerToken({ sub: 'tp-live-catalog' }));

    const admin = await one.staffToken('admin1', 'admin1-pass');
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    const { current } = (await (await fetch(`${one.url}/api/admin/catalog`, { headers })).json()) as CatalogAdminView;
    const { version, ...content } = current;
    const published = await fetch(`${one.url}/api/admin/catalog/versions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        baseVersion: version,
        catalog: { ...content, outcomes: [...content.outcomes, { id: 'visit-hall', label: { zh: '请到大厅办理', en: 'Visit a hall' } }] },
      }),
    });
    expect(published.status).toBe(201);

    for (const log of [agent, supervisor, sameInstance]) expect(await log.next<CatalogChangedEvent>('catalog:changed', () => true, 5000)).toEqual({ version: version + 1 });
    // what the announcement says is there to fetch on the instance that announced it
    const staffCatalog = (await (
      await fetch(`${two.url}/api/catalog`, { headers: { authorization: `Bearer ${await two.staffToken('agent1', DEV_PASSWORDS.agent1)}` } })
    ).json()) as CatalogAdminView['current'];
    expect(staffCatalog.version).toBe(version + 1);
    // each instance tells its own sockets: none hears it twice (several refreshes, no echo across the adapter)
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const log of [agent, supervisor, sameInstance]) expect(log.of('catalog:changed')).toHaveLength(1);
    expect(taxpayer.of('catalog:changed')).toEqual([]);
  });

  it('a hall added or renamed on instance 1 is announced to the staff of instance 2, so open consoles name it anew', async () => {
    const agent = await connect(two, await two.staffToken('agent2', DEV_PASSWORDS.agent2));
    const taxpayer = await connect(two, two.taxpayerToken({ sub: 'tp-live-halls' }));
    const headers = { authorization: `Bearer ${await one.staffToken('admin1', 'admin1-pass')}`, 'content-type': 'application/json' };
    const hall = { id: 'baoshan', nameZh: '宝山区办税服务厅', nameEn: 'Baoshan tax service hall', address: '', region: '宝山区' };
    expect((await fetch(`${one.url}/api/devices/halls`, { method: 'POST', headers, body: JSON.stringify(hall) })).status).toBe(201);
    expect(await agent.next<HallsChangedEvent>('halls:changed', () => true, 5000)).toEqual({ hallId: 'baoshan' });
    const from = agent.mark();
    expect((await fetch(`${one.url}/api/devices/halls/baoshan`, { method: 'PATCH', headers, body: JSON.stringify({ nameEn: 'Baoshan hall' }) })).status).toBe(200);
    expect(await agent.next<HallsChangedEvent>('halls:changed', () => true, 5000, from)).toEqual({ hallId: 'baoshan' });
    expect(taxpayer.of('halls:changed')).toEqual([]);
  });
});
