// npm run bench:ice — time from starting a video call to the agent's first decoded frame of the
// taxpayer, for the three ways out of a taxpayer's office (issue 20, item 3): an open network
// (direct UDP to the media server), UDP blocked (ICE-TCP to the media server), and only TCP 443
// to the TURN server (TURN over TLS). The taxpayer's browser is in a network namespace behind
// nftables; BENCH_CALLS calls per path, the paths taken in turn so that drift hits them alike.
import { OfficeNetwork } from '../harness/office-network.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 8);

const office = await OfficeNetwork.start('etaxbench', 60);
const { ns, firewall } = office;
const paths = {
  'direct UDP': () => firewall.none(),
  'ICE-TCP (UDP blocked)': () => firewall.allowOnlyTcp(ns.hostIp, [office.webPort, office.mediaPort]),
  'TURN/TLS on 443 only': () => firewall.allowOnlyTcp(ns.hostIp, [office.webPort, 443]),
};
const times: Record<string, number[]> = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
try {
  for (let round = 0; round < CALLS; round++) {
    for (const [name, apply] of Object.entries(paths)) {
      apply();
      const { path, firstFrameMs } = await office.call(`tp-bench-${round}-${name.length}`);
      times[name]!.push(firstFrameMs);
      if (round === 0) console.log(`${name}: media path ${JSON.stringify(path)}`);
    }
  }
} finally {
  await office.stop();
}
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
console.log(`\ntime to the first frame, ${CALLS} calls per path (ms)`);
console.log('| path | p50 | p90 | max |');
console.log('|---|---:|---:|---:|');
for (const [name, values] of Object.entries(times)) console.log(`| ${name} | ${quantile(values, 0.5)} | ${quantile(values, 0.9)} | ${Math.max(...values)} |`);
