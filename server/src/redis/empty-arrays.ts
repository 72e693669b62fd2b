import { KindGuard, type TSchema } from '@sinclair/typebox';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/**
 * Lua has one table type and cjson encodes an empty one as `{}`: wherever the schema expects an
 * array, an empty object is an empty array. Mends the decoded reply in place (objects and arrays
 * of the schema; a union's alternatives are left as they are: none holds an array).
 */
export function mendEmptyArrays(schema: TSchema, value: unknown): unknown {
  if (KindGuard.IsArray(schema)) {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = mendEmptyArrays(schema.items, value[i]);
      return value;
    }
    return isRecord(value) && Object.keys(value).length === 0 ? [] : value;
  }
  if (KindGuard.IsObject(schema) && isRecord(value)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      if (name in value) value[name] = mendEmptyArrays(property, value[name]);
    }
  }
  return value;
}
