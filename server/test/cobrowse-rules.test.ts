import { describe, expect, it } from 'vitest';
import { fullSnapshotStart } from '../src/cobrowse/relay.js';

const e = (type: number) => ({ type, data: {}, timestamp: 0 });

describe('live buffer', () => {
  it('starts afresh at the Meta event that opens the last full snapshot of a batch', () => {
    expect(fullSnapshotStart([e(3), e(3)])).toBe(-1);
    expect(fullSnapshotStart([e(4), e(2), e(3)])).toBe(0);
    expect(fullSnapshotStart([e(3), e(4), e(2), e(3), e(4), e(2), e(3)])).toBe(4);
    expect(fullSnapshotStart([e(3), e(2)])).toBe(1);
  });
});
