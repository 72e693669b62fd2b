import { maskNumbers } from './identifiers.js';

/*
 * Page addresses leave the page in rrweb's meta events, the chat's page snapshot and the links
 * and frames of the page itself. Query strings and fragments carry tokens, IDs and search terms,
 * so both are dropped, except the query parameters the portal names as harmless; identifier-like
 * numbers in the path are masked like text (the scheme and host stay: they say which portal).
 */

const ORIGIN = /^[a-z][a-z0-9+.-]*:(?:\/\/[^/?#]*)?/i;

function parameterName(pair: string): string | undefined {
  try {
    return decodeURIComponent((pair.split('=', 1)[0] ?? '').replace(/\+/g, ' '));
  } catch {
    return undefined; // malformed: not a name anyone allowed
  }
}

export function maskPageAddress(address: string, keptParameters: ReadonlySet<string>): string {
  const origin = ORIGIN.exec(address)?.[0] ?? '';
  const rest = address.slice(origin.length).split('#', 1)[0] ?? '';
  const queryAt = rest.indexOf('?');
  const path = queryAt < 0 ? rest : rest.slice(0, queryAt);
  const kept =
    queryAt < 0
      ? []
      : rest
          .slice(queryAt + 1)
          .split('&')
          .filter((pair) => {
            const name = parameterName(pair);
            return name !== undefined && keptParameters.has(name);
          });
  return `${origin}${maskNumbers(path)}${kept.length > 0 ? `?${kept.join('&')}` : ''}`;
}
