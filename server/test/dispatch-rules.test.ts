import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.js';
import { agentSkills, priorityBand, routingPlan, skillKey, takesWholeAgent } from '../src/dispatcher/skills.js';
import { answeredFigures, displayState } from '../src/dispatcher/supervisor-metrics.js';
import { averageHandlingS, estimateWaitS } from '../src/sessions/wait-estimate.js';

describe('skill keys', () => {
  it('indexes an agent under every language × topic at its level for the topic, plus "any" without a level', () => {
    const topics = [
      { topic: 'invoice', level: 4 },
      { topic: 'refund', level: 2 },
    ];
    expect(agentSkills(['zh', 'en'], topics, 'frontline')).toEqual([
      'zh:invoice:frontline@4',
      'zh:refund:frontline@2',
      'zh:*:frontline',
      'en:invoice:frontline@4',
      'en:refund:frontline@2',
      'en:*:frontline',
      '*:invoice:frontline@4',
      '*:refund:frontline@2',
      '*:*:frontline',
    ]);
  });

  it('matches the exact skill first, then widens step by step without repeating a key', () => {
    const plan = routingPlan(
      'en',
      'refund',
      'frontline',
      [
        { afterS: 60, languages: 'same', topics: 'any' },
        { afterS: 180, languages: ['zh', 'en'], topics: 'any' },
        { afterS: 300, languages: 'same', topics: 'any' },
      ],
      [{ afterS: 0, minLevel: 1 }],
    );
    expect(plan.cands).toEqual([skillKey('en', 'refund', 'frontline')]);
    expect(plan.steps).toEqual([
      { afterMs: 60_000, cands: 'en:*:frontline' },
      { afterMs: 180_000, cands: 'zh:*:frontline' },
    ]);
    expect(plan.firstStepMs).toBe(60_000);
  });

  it('has no steps when widening is off and any level is accepted from the start', () => {
    expect(routingPlan('zh', 'invoice', 'expert', [], [{ afterS: 0, minLevel: 1 }])).toEqual({ cands: ['zh:invoice:expert'], minLevel: 1, steps: [], firstStepMs: undefined });
  });

  it('starts at the first proficiency step and merges the later ones with the widening steps in time order', () => {
    const plan = routingPlan(
      'zh',
      'invoice',
      'frontline',
      [
        { afterS: 60, languages: 'same', topics: 'any' },
        { afterS: 180, languages: ['en'], topics: 'any' },
      ],
      [
        { afterS: 0, minLevel: 4 },
        { afterS: 20, minLevel: 2 },
        { afterS: 60, minLevel: 1 },
      ],
    );
    expect(plan.minLevel).toBe(4);
    expect(plan.steps).toEqual([
      { afterMs: 20_000, minLevel: 2 },
      // due at once: one step both widens and relaxes
      { afterMs: 60_000, cands: 'zh:*:frontline', minLevel: 1 },
      { afterMs: 180_000, cands: 'en:*:frontline' },
    ]);
    expect(plan.firstStepMs).toBe(20_000);
  });
});

describe('capacity and priority', () => {
  it('charges a text session one unit and a call the whole capacity of its agent', () => {
    expect(takesWholeAgent('text')).toBe(false);
    expect(takesWholeAgent('voice')).toBe(true);
    expect(takesWholeAgent('video')).toBe(true);
  });

  it('puts the green channel ahead of normal requests', () => {
    for (const group of ['elderly', 'disabled', 'pregnant']) expect(priorityBand(group)).toBeLessThan(priorityBand('normal'));
  });
});

describe('wait estimate', () => {
  it('shares the queue ahead among the agents on duty', () => {
    expect(estimateWaitS(4, 2, 1, 300)).toBe(600);
    expect(estimateWaitS(4, 2, 5, 300)).toBe(120);
    expect(estimateWaitS(1, 0, 1, 300)).toBeUndefined();
  });

  it('averages recent handling times, else uses the default', () => {
    expect(averageHandlingS(['120000', '240000'], 300)).toBe(180);
    expect(averageHandlingS([], 300)).toBe(300);
  });
});

describe('supervisor figures', () => {
  it('computes average wait and service level from answered sessions', () => {
    expect(answeredFigures(['a|10000', 'b|50000', 'c|90000', 'd|30000'], 60_000)).toEqual({ answered: 4, averageWaitS: 45, serviceLevelPct: 75 });
    expect(answeredFigures([], 60_000)).toEqual({ answered: 0, averageWaitS: 0, serviceLevelPct: null });
  });

  it('derives busy and wrap-up from load and the wrap flag', () => {
    expect(displayState({ status: 'available', load: '5', wrap: '0' }, 5)).toBe('busy');
    expect(displayState({ status: 'available', load: '2', wrap: '0' }, 5)).toBe('available');
    expect(displayState({ status: 'available', load: '0', wrap: '1' }, 5)).toBe('wrap-up');
    expect(displayState({ status: 'away', load: '5', wrap: '0' }, 5)).toBe('away');
    expect(displayState({}, 5)).toBe('offline');
  });
});

describe('dispatch configuration', () => {
  it('takes widening steps as data (the first version of the catalog) and refuses malformed ones', () => {
    const steps = '[{"afterS":30,"languages":"any","topics":"same"}]';
    expect(loadConfig({ DISPATCH_WIDENING_STEPS: steps }).catalog.seed.wideningSteps).toEqual([{ afterS: 30, languages: 'any', topics: 'same' }]);
    expect(() => loadConfig({ DISPATCH_WIDENING_STEPS: '[{"afterS":30,"languages":"all","topics":"same"}]' })).toThrow(/languages/);
    expect(() => loadConfig({ DISPATCH_WIDENING_STEPS: '[{"afterS":60,"languages":"same","topics":"any"},{"afterS":30,"languages":"same","topics":"any"}]' })).toThrow(/afterS/);
    expect(() => loadConfig({ DISPATCH_WIDENING_STEPS: 'nope' })).toThrow(/JSON/);
  });

  it('takes proficiency steps as data and refuses steps that do not start at 0 s, come later and ask lower levels', () => {
    const steps = '[{"afterS":0,"minLevel":5},{"afterS":10,"minLevel":1}]';
    expect(loadConfig({ DISPATCH_PROFICIENCY_STEPS: steps }).catalog.seed.proficiencySteps).toEqual([
      { afterS: 0, minLevel: 5 },
      { afterS: 10, minLevel: 1 },
    ]);
    expect(loadConfig({}).catalog.seed.proficiencySteps).toEqual([
      { afterS: 0, minLevel: 3 },
      { afterS: 30, minLevel: 1 },
    ]);
    expect(() => loadConfig({ DISPATCH_PROFICIENCY_STEPS: '[{"afterS":5,"minLevel":3}]' })).toThrow(/afterS must be 0/);
    expect(() => loadConfig({ DISPATCH_PROFICIENCY_STEPS: '[{"afterS":0,"minLevel":3},{"afterS":0,"minLevel":1}]' })).toThrow(/afterS must be greater/);
    expect(() => loadConfig({ DISPATCH_PROFICIENCY_STEPS: '[{"afterS":0,"minLevel":3},{"afterS":9,"minLevel":4}]' })).toThrow(/minLevel must be lower/);
    expect(() => loadConfig({ DISPATCH_PROFICIENCY_STEPS: '[{"afterS":0,"minLevel":6}]' })).toThrow(/minLevel/);
    expect(() => loadConfig({ DISPATCH_PROFICIENCY_STEPS: '[]' })).toThrow(/DISPATCH_PROFICIENCY_STEPS/);
  });

  it('has the defaults the brief names', () => {
    const { dispatch, catalog } = loadConfig({});
    expect(dispatch).toMatchObject({ offerTimeoutS: 20, textSessionsPerAgent: 5, agentHeartbeatTimeoutS: 15, statsWindowS: 900 });
    expect(catalog.seed.serviceLevelS).toBe(60);
  });
});
