import { Value } from '@sinclair/typebox/value';
import { HelpOptions } from '@etax-assist/protocol';
import { AssistError } from '../errors.js';

/** The launcher waits for the options this long at most (then shows; opening the form asks again). */
const HELP_OPTIONS_TIMEOUT_MS = 5000;

/** What the service offers its visitors (public, cached by the browser): asked before anyone signs in or connects. */
export async function fetchHelpOptions(serviceUrl: string): Promise<HelpOptions> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), HELP_OPTIONS_TIMEOUT_MS);
  try {
    const response = await fetch(new URL('/api/help/options', serviceUrl), { signal: abort.signal });
    const json: unknown = await response.json().catch(() => undefined);
    if (response.ok && Value.Check(HelpOptions, json)) return json;
    throw new AssistError('UNAVAILABLE', `The service's help options could not be read (HTTP ${response.status})`);
  } catch (error) {
    throw error instanceof AssistError ? error : new AssistError('UNAVAILABLE', "The service's help options could not be read");
  } finally {
    clearTimeout(timer);
  }
}
