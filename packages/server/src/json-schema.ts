import { describe } from '@weft/reactor';

/** The subset of JSON Schema (draft-07) the config schema uses. */
export interface JsonSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  anyOf?: JsonSchema[];
  $ref?: string;
  definitions?: Record<string, JsonSchema>;
  description?: string;
  default?: unknown;
}

/**
 * Checks `value` against `schema` and returns one message per problem, each starting with the path of the bad field
 * (`routes[2].proxy.upstream: expected a string, got 42`). An empty array means valid.
 */
export function validate(value: unknown, schema: JsonSchema): string[] {
  const errors: string[] = [];
  check(value, schema, schema, '', errors);
  return errors;
}

function check(value: unknown, schema: JsonSchema, root: JsonSchema, path: string, errors: string[]): void {
  if (schema.$ref !== undefined) {
    const target = definition(root, schema.$ref);
    if (target === undefined) throw new Error(`schema: unresolved $ref ${schema.$ref}`);
    check(value, target, root, path, errors);
    return;
  }
  const at = path === '' ? '(root)' : path;
  if (schema.anyOf !== undefined) {
    const branches = schema.anyOf.map((branch) => resolve(branch, root));
    for (const branch of branches) {
      const branchErrors: string[] = [];
      check(value, branch, root, path, branchErrors);
      if (branchErrors.length === 0) return;
    }
    // Report the errors of the one branch of the value's own type, else what would have been accepted.
    const typed = branches.filter((branch) => branch.type !== undefined && typeMatches(value, branch.type));
    if (typed.length === 1) check(value, typed[0]!, root, path, errors);
    else errors.push(`${at}: expected ${branches.map(summary).join(' or ')}, got ${describe(value)}`);
    return;
  }
  if (schema.const !== undefined && value !== schema.const) {
    errors.push(`${at}: expected ${JSON.stringify(schema.const)}, got ${describe(value)}`);
    return;
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    errors.push(
      `${at}: expected one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(value)}`,
    );
    return;
  }
  if (schema.type !== undefined && !typeMatches(value, schema.type)) {
    errors.push(`${at}: expected ${article(schema.type)}, got ${describe(value)}`);
    return;
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) {
      errors.push(`${at}: expected at least ${schema.minimum}, got ${value}`);
    }
    if (schema.maximum !== undefined && value > schema.maximum) {
      errors.push(`${at}: expected at most ${schema.maximum}, got ${value}`);
    }
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      errors.push(`${at}: expected at least ${schema.minLength} characters, got ${describe(value)}`);
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      errors.push(`${at}: expected a string matching ${schema.pattern}, got ${describe(value)}`);
    }
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      errors.push(`${at}: expected at least ${schema.minItems} items, got ${value.length}`);
    }
    if (schema.items !== undefined) {
      value.forEach((item, i) => {
        check(item, schema.items!, root, `${path}[${i}]`, errors);
      });
    }
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!Object.hasOwn(record, key) || record[key] === undefined) errors.push(`${join(path, key)}: required`);
    }
    // Own keys only, looked up as own properties of the schema: a key such as "__proto__", "constructor" or
    // "toString" is an unknown field, never Object.prototype's member.
    for (const [key, child] of Object.entries(record)) {
      const property =
        schema.properties !== undefined && Object.hasOwn(schema.properties, key) ? schema.properties[key] : undefined;
      if (property !== undefined) {
        check(child, property, root, join(path, key), errors);
      } else if (schema.additionalProperties === false) {
        const known = Object.keys(schema.properties ?? {}).join(', ');
        errors.push(`${join(path, key)}: unknown field (expected one of ${known})`);
      } else if (typeof schema.additionalProperties === 'object') {
        if (reservedKeys.has(key)) {
          errors.push(`${join(path, key)}: reserved name (${[...reservedKeys].join(', ')} cannot be used as a key)`);
        } else {
          check(child, schema.additionalProperties, root, join(path, key), errors);
        }
      }
    }
  }
}

/** Keys refused even where any name is allowed: they name Object.prototype's members and invite prototype pollution. */
const reservedKeys = new Set(['__proto__', 'constructor', 'prototype']);

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  return schema.$ref === undefined ? schema : (definition(root, schema.$ref) ?? schema);
}

function definition(root: JsonSchema, ref: string): JsonSchema | undefined {
  const name = ref.replace('#/definitions/', '');
  return root.definitions !== undefined && Object.hasOwn(root.definitions, name) ? root.definitions[name] : undefined;
}

function typeMatches(value: unknown, type: NonNullable<JsonSchema['type']>): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    default:
      return typeof value === type;
  }
}

function summary(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum !== undefined) return schema.enum.map((v) => JSON.stringify(v)).join(' or ');
  return schema.type === undefined ? 'a value' : article(schema.type);
}

function article(type: string): string {
  return type === 'object' || type === 'array' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

function join(path: string, key: string): string {
  return path === '' ? key : /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
