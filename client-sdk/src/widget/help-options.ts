import { Value } from '@sinclair/typebox/value';
import { HelpOptions } from '@etax-assist/protocol';
import { AssistError } from '../errors.js';

/** What the service offers its visitors (public, cached by the browser): asked before anyone signs in or connects. */
export async function fetchHelpOptions(serviceUrl: string): Promise<HelpOptions> {
  const response = await fetch(new URL('/api/help/options', serviceUrl));
  const json: unknown = await response.json().catch(() => undefined);
  if (response.ok && Value.Check(HelpOptions, json)) return json;
  throw new AssistError('UNAVAILABLE', `The service's help options could not be read (HTTP ${response.status})`);
}
