import type { Channel, Tier, WideningStep } from '@etax-assist/protocol';

/**
 * Routing works on skill keys "language:topic:tier", with '*' standing for any language or any
 * topic. An agent is indexed under every combination of its languages and topics (and '*'); a
 * request matches its exact key first and gains wider keys as its widening steps come due.
 */
export const ANY = '*';

export function skillKey(language: string, topic: string, tier: Tier): string {
  return `${language}:${topic}:${tier}`;
}

export function agentSkills(languages: readonly string[], topics: readonly string[], tier: Tier): string[] {
  const keys: string[] = [];
  for (const language of [...languages, ANY]) {
    for (const topic of [...topics, ANY]) keys.push(skillKey(language, topic, tier));
  }
  return keys;
}

export interface RoutingPlan {
  /** Skill keys the request matches from the start. */
  cands: string[];
  /** Later steps: after `afterMs` in the queue, also match `cands`. */
  steps: { afterMs: number; cands: string }[];
  firstStepMs: number | undefined;
}

function stepKeys(step: WideningStep, language: string, topic: string, tier: Tier): string[] {
  const languages = step.languages === 'same' ? [language] : step.languages === 'any' ? [ANY] : step.languages;
  const topicKey = step.topics === 'same' ? topic : ANY;
  return languages.map((l) => skillKey(l, topicKey, tier));
}

/** The skill keys a request for (language, topic, tier) matches now and after each widening step. */
export function routingPlan(language: string, topic: string, tier: Tier, widening: readonly WideningStep[]): RoutingPlan {
  const exact = skillKey(language, topic, tier);
  const seen = new Set([exact]);
  const steps: RoutingPlan['steps'] = [];
  for (const step of widening) {
    const added = stepKeys(step, language, topic, tier).filter((key) => !seen.has(key));
    if (added.length === 0) continue;
    for (const key of added) seen.add(key);
    steps.push({ afterMs: step.afterS * 1000, cands: added.join(',') });
  }
  return { cands: [exact], steps, firstStepMs: steps[0]?.afterMs };
}

/** Capacity units a session takes: text a single unit, voice/video the agent's whole capacity. */
export function sessionCost(channel: Channel, capacity: number): number {
  return channel === 'text' ? 1 : capacity;
}

/** Queue band: re-queued sessions first, then the green channel, then everyone else. */
export function priorityBand(priority: string): number {
  return priority === 'normal' ? 2 : 1;
}
