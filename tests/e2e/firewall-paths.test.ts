import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OfficeNetwork } from '../harness/office-network.js';

/**
 * Issue 20, item 3: the taxpayer's browser in a network namespace behind a firewall (nftables),
 * the agent outside. Each case first proves what the firewall lets through, then that the call
 * connects the only way left — and which way it took, from the browser's selected ICE pair.
 * Times to the first frame are measured by `npm run bench:ice` (docs/benchmarks.md).
 */
describe('calls through office firewalls: direct UDP, ICE-TCP, and TURN over TLS on 443 only', () => {
  let office: OfficeNetwork;
  beforeAll(async () => {
    office = await OfficeNetwork.start('etaxfw', 58);
  });
  afterAll(async () => {
    await office?.stop();
  });

  it('on an open network the media goes straight to the media server over UDP', async () => {
    office.firewall.none();
    expect(await office.udpArrives()).toBe(true);
    expect((await office.call('tp-open')).path).toEqual({ candidateType: 'host', protocol: 'udp' });
  });

  it('with UDP blocked but TCP to the service open, the call goes over ICE-TCP to the media server', async () => {
    const { ns, firewall } = office;
    firewall.allowOnlyTcp(ns.hostIp, [office.webPort, office.mediaPort]);
    // proof: UDP is dropped, TCP to the media server's port is answered, the TURN port is not
    expect(await office.udpArrives()).toBe(false);
    expect(ns.tcpReaches(ns.hostIp, office.mediaPort)).toBe(true);
    expect(ns.tcpReaches(ns.hostIp, 443)).toBe(false);
    const dropped = firewall.dropped();
    const { path } = await office.call('tp-ice-tcp');
    // Chromium's active TCP candidate shows as host or, once the server has answered, peer-reflexive
    expect(path).toMatchObject({ protocol: 'tcp', candidateType: expect.stringMatching(/^(host|prflx)$/) });
    // the browser tried its UDP candidates too, and the firewall dropped them
    expect(firewall.dropped()).toBeGreaterThan(dropped);
  });

  it('with only TCP 443 to the TURN server (and the web service), the call is relayed by TURN over TLS', async () => {
    const { ns, firewall } = office;
    firewall.allowOnlyTcp(ns.hostIp, [office.webPort, 443]);
    // proof: neither UDP nor TCP to the media server gets out; TCP 443 does
    expect(await office.udpArrives()).toBe(false);
    expect(ns.tcpReaches(ns.hostIp, office.mediaPort)).toBe(false);
    expect(ns.tcpReaches(ns.hostIp, 443)).toBe(true);
    expect((await office.call('tp-turn-tls')).path).toEqual({ candidateType: 'relay', protocol: 'udp', relayProtocol: 'tls' });
  });
});
