import type { Channel, ProficiencyStep, Tier, TopicSkill, WideningStep } from '@etax-assist/protocol';

/**
 * Routing works on skill keys "language:topic:tier", with '*' standing for any language or any
 * topic. An agent is indexed under every combination of its languages and topics (and '*'); a
 * request matches its exact key first and gains wider keys as its widening steps come due.
 * A topic's keys carry the agent's level for the topic ("zh:invoice:frontline@4"): routing asks
 * the higher levels first and a request accepts lower ones as its proficiency steps come due;
 * the any-topic keys carry no level (the agent may not serve the topic at all).
 */
export const ANY = '*';

export function skillKey(language: string, topic: string, tier: Tier): string {
  return `${language}:${topic}:${tier}`;
}

/** The agent's skill keys, each of a topic with the agent's level for it. */
export function agentSkills(languages: readonly string[], topics: readonly TopicSkill[], tier: Tier): string[] {
  const keys: string[] = [];
  for (const language of [...languages, ANY]) {
    for (const { topic, level } of topics) keys.push(`${skillKey(language, topic, tier)}@${level}`);
    keys.push(skillKey(language, ANY, tier));
  }
  return keys;
}

/** One step of a plan: after `afterMs` in the queue, also match `cands` and/or accept levels down to `minLevel`. */
export interface RoutingStep {
  afterMs: number;
  cands?: string;
  minLevel?: number;
}

export interface RoutingPlan {
  /** Skill keys the request matches from the start. */
  cands: string[];
  /** The lowest level for the topic it accepts from the start. */
  minLevel: number;
  /** Later steps, widening and relaxing merged in time order (one timed step when both come due at once). */
  steps: RoutingStep[];
  firstStepMs: number | undefined;
}

function stepKeys(step: WideningStep, language: string, topic: string, tier: Tier): string[] {
  const languages = step.languages === 'same' ? [language] : step.languages === 'any' ? [ANY] : step.languages;
  const topicKey = step.topics === 'same' ? topic : ANY;
  return languages.map((l) => skillKey(l, topicKey, tier));
}

/**
 * The skill keys and levels a request for (language, topic, tier) accepts now and after each
 * step: the widening steps add keys, the proficiency steps (the first at 0 s) lower the level.
 */
export function routingPlan(language: string, topic: string, tier: Tier, widening: readonly WideningStep[], proficiency: readonly ProficiencyStep[]): RoutingPlan {
  const exact = skillKey(language, topic, tier);
  const seen = new Set([exact]);
  const byTime = new Map<number, RoutingStep>();
  const at = (afterMs: number): RoutingStep => {
    let step = byTime.get(afterMs);
    if (!step) byTime.set(afterMs, (step = { afterMs }));
    return step;
  };
  for (const step of widening) {
    const added = stepKeys(step, language, topic, tier).filter((key) => !seen.has(key));
    if (added.length === 0) continue;
    for (const key of added) seen.add(key);
    at(step.afterS * 1000).cands = added.join(',');
  }
  const [first, ...later] = proficiency;
  for (const step of later) at(step.afterS * 1000).minLevel = step.minLevel;
  const steps = [...byTime.values()].sort((a, b) => a.afterMs - b.afterMs);
  return { cands: [exact], minLevel: first?.minLevel ?? 1, steps, firstStepMs: steps[0]?.afterMs };
}

/** Voice and video take the agent's whole capacity; a text session one unit. */
export function takesWholeAgent(channel: Channel): boolean {
  return channel !== 'text';
}

/** Queue band: re-queued sessions first, then the green channel, then everyone else. */
export function priorityBand(priority: string): number {
  return priority === 'normal' ? 2 : 1;
}
