/** What TypeScript hands a Lua script: JSON-like data, and key functions of the key modules. */
export type LuaValue = string | number | boolean | readonly LuaValue[] | { readonly [field: string]: LuaValue | undefined } | ((...parts: never[]) => string);

/** Stands for a key function's n-th part while the function is turned into Lua. */
const part = (n: number) => `\u0001${n}\u0001`;

function luaString(text: string): string {
  // printable ASCII only: a JSON string literal is then a Lua one
  if (!/^[\x20-\x7e]*$/.test(text)) throw new Error(`${JSON.stringify(text)} cannot be handed to Lua`);
  return JSON.stringify(text);
}

/** `(id) => \`dp:agent:${id}\`` becomes `function(p0) return "dp:agent:" .. p0 end`. */
function luaKeyFunction(key: (...parts: string[]) => string): string {
  const names = Array.from({ length: key.length }, (_, n) => `p${n}`);
  const pieces = key(...names.map((_, n) => part(n)))
    // eslint-disable-next-line no-control-regex -- \u0001 marks a key's parameters: it cannot occur in a key name
    .split(/\u0001(\d+)\u0001/)
    .map((piece, i) => (i % 2 === 1 ? `p${piece}` : luaString(piece)))
    .filter((piece) => piece !== '""');
  return `function(${names.join(', ')}) return ${pieces.join(' .. ')} end`;
}

/** The Lua expression of a value. */
export function luaValue(value: LuaValue): string {
  if (typeof value === 'string') return luaString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'function') return luaKeyFunction(value as (...parts: string[]) => string);
  const fields = Array.isArray(value) ? value.map(luaValue) : Object.entries(value).flatMap(([field, v]) => (v === undefined ? [] : [`[${luaString(field)}] = ${luaValue(v)}`]));
  return `{ ${fields.join(', ')} }`;
}

/**
 * Lua source declaring `local <name> = <value>`: how a script is handed a table declared in
 * TypeScript (a key module, the session lifecycle) as part of its source, so that its SHA
 * changes with it and no call pays for reading it from Redis.
 */
export function luaLocal(name: string, value: LuaValue): string {
  return `local ${name} = ${luaValue(value)}`;
}
