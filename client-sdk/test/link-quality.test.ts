import { describe, expect, it } from 'vitest';
import { DEFAULT_LINK_THRESHOLDS, LinkJudge, type LinkSample } from '../src/media/link-quality.js';

const sample = (availableKbps: number | undefined, lossPct = 0): LinkSample => ({ availableKbps, lossPct, rttMs: 50, sendKbps: 0, video: undefined });

/** Feeds the judge one reading every 2 s; what it said at each. */
function run(judge: LinkJudge, readings: LinkSample[], fromMs = 0): { quality: string; video: string | undefined }[] {
  return readings.map((reading, i) => judge.observe(reading, fromMs + i * 2000));
}

describe('judging the link', () => {
  it('says poor below the estimate or above the loss threshold, and good only past the upper ones (hysteresis)', () => {
    const judge = new LinkJudge(DEFAULT_LINK_THRESHOLDS);
    const said = run(judge, [sample(1200), sample(300), sample(420), sample(600, 3), sample(600, 1), sample(800, 6)]);
    expect(said.map((s) => s.quality)).toEqual(['good', 'poor', 'poor', 'poor', 'good', 'poor']);
  });

  it('drops video after the estimate stayed thin for voiceAfterS, and brings it back after videoAfterS of good link', () => {
    const judge = new LinkJudge(DEFAULT_LINK_THRESHOLDS);
    // 100 kbps: thin from 0 s; the drop at 6 s (the fourth reading)
    const thin = run(
      judge,
      Array.from({ length: 4 }, () => sample(100)),
    );
    expect(thin.map((s) => s.video)).toEqual([undefined, undefined, undefined, 'drop']);
    // the camera is off: a low estimate with no loss is a good link, and video is tried again 10 s on
    const back = run(
      judge,
      Array.from({ length: 7 }, () => sample(120, 0)),
      8000,
    );
    expect(back.map((s) => s.video)).toEqual([undefined, undefined, undefined, undefined, undefined, 'restore', undefined]);
    // until video is back and the estimate counts again
    expect(back.map((s) => s.quality)).toEqual([...Array(6).fill('good'), 'poor']);
  });

  it('waits twice as long after a try that failed, and never drops with voiceAfterS 0', () => {
    const judge = new LinkJudge(DEFAULT_LINK_THRESHOLDS);
    run(
      judge,
      Array.from({ length: 4 }, () => sample(100)),
    ); // drop at 6 s
    run(
      judge,
      Array.from({ length: 6 }, () => sample(120)),
      8000,
    ); // restore at 18 s
    const again = run(
      judge,
      Array.from({ length: 6 }, () => sample(100)),
      20_000,
    ); // thin again at once: counted once the estimate had rampS (6 s) to climb, dropped at 30 s
    expect(again.map((s) => s.video)).toEqual([undefined, undefined, undefined, undefined, undefined, 'drop']);
    const waits = run(
      judge,
      Array.from({ length: 12 }, () => sample(120)),
      32_000,
    );
    // 20 s of good link this time, not 10
    expect(waits.findIndex((s) => s.video === 'restore')).toBe(10);

    const never = new LinkJudge({ ...DEFAULT_LINK_THRESHOLDS, voiceAfterS: 0 });
    expect(
      run(
        never,
        Array.from({ length: 20 }, () => sample(50)),
      ).some((s) => s.video === 'drop'),
    ).toBe(false);
  });

  it('judges by loss alone where the browser gives no estimate', () => {
    const judge = new LinkJudge(DEFAULT_LINK_THRESHOLDS);
    expect(run(judge, [sample(undefined, 0), sample(undefined, 9), sample(undefined, 1)]).map((s) => [s.quality, s.video])).toEqual([
      ['good', undefined],
      ['poor', undefined],
      ['good', undefined],
    ]);
  });
});
