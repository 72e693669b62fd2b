import { describe, expect, it } from 'vitest';
import { fitViewport } from '../src/cobrowse/fit.js';

/** A mirrored document as fitViewport reads it: only whether its root marks a split kiosk screen. */
const page = (dualScreen: boolean) => ({ documentElement: { hasAttribute: () => dualScreen } }) as unknown as Document;

describe("fitting the taxpayer's screen into the agent's panel", () => {
  it('fits a page whole, never scaled up', () => {
    expect(fitViewport({ width: 1280, height: 800 }, { width: 640, height: 600 }, page(false))).toEqual({ scale: 0.5, cropTop: 0, height: 400 });
    expect(fitViewport({ width: 1280, height: 800 }, { width: 1280, height: 400 }, page(false))).toEqual({ scale: 0.5, cropTop: 0, height: 400 });
    expect(fitViewport({ width: 390, height: 844 }, { width: 1000, height: 900 }, undefined)).toEqual({ scale: 1, cropTop: 0, height: 844 });
  });

  it("shows a split kiosk screen's lower half at the panel's width, taller than the panel if need be", () => {
    // fitted whole, a 1080x1920 kiosk in an 870x576 panel came out at 0.3
    expect(fitViewport({ width: 1080, height: 1920 }, { width: 864, height: 576 }, page(true))).toEqual({ scale: 0.8, cropTop: 960, height: 768 });
    expect(fitViewport({ width: 1080, height: 1920 }, { width: 2000, height: 576 }, page(true))).toEqual({ scale: 1, cropTop: 960, height: 960 });
  });
});
