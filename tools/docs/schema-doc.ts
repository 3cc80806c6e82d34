/**
 * Turns the gateway's JSON Schema (packages/server/schema/weft.config.schema.json) into Markdown tables: one row per
 * field, with its type, default and description, so the gateway-config page lists every field and never drifts
 * from the schema.
 */

/** The subset of JSON Schema (draft-07) the gateway schema uses. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
  default?: unknown;
  description?: string;
  title?: string;
  definitions?: Record<string, JsonSchema>;
}

/** One documented field. */
export interface FieldRow {
  /** Dotted path: `rateLimit.limit`, `upstreams.<name>.url`, `routes[].proxy.upstream`. */
  path: string;
  type: string;
  required: boolean;
  default: string;
  description: string;
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const match = /^#\/(definitions|\$defs)\/(.+)$/.exec(schema.$ref);
  const target = match ? (root.definitions?.[match[2] as string] ?? undefined) : undefined;
  if (!target) throw new Error(`schema: cannot resolve $ref ${schema.$ref}`);
  return { ...target, ...withoutRef(schema) };
}

function withoutRef(schema: JsonSchema): JsonSchema {
  const { $ref: _ref, ...rest } = schema;
  return rest;
}

function variants(schema: JsonSchema): JsonSchema[] | undefined {
  return schema.anyOf ?? schema.oneOf;
}

function isObject(schema: JsonSchema): boolean {
  return schema.type === 'object' || schema.properties !== undefined;
}

const literal = (value: unknown) => JSON.stringify(value);

/** A short, human description of a schema's type: `integer 0–65535`, `"auto"`, `false or object`. */
export function describeType(input: JsonSchema, root: JsonSchema): string {
  const schema = resolve(input, root);
  const alts = variants(schema);
  if (alts) {
    const [one, many] = alts;
    // `X or array of X` (a method or several): say it once.
    if (alts.length === 2 && one && many?.type === 'array' && JSON.stringify(many.items) === JSON.stringify(one)) {
      return `${describeType(one, root)}, or an array of them`;
    }
    return alts.map((v) => describeType(v, root)).join(' or ');
  }
  if ('const' in schema) return literal(schema.const);
  if (schema.enum) return schema.enum.map(literal).join(' \\| ');
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : schema.type;
  if (type === 'integer' || type === 'number') {
    const { minimum: min, maximum: max } = schema;
    if (min !== undefined && max !== undefined) return `${type} ${min}–${max}`;
    if (min !== undefined) return `${type} ≥ ${min}`;
    if (max !== undefined) return `${type} ≤ ${max}`;
    return type;
  }
  if (type === 'string') {
    if (schema.pattern) return `string matching \`${schema.pattern}\``;
    if (schema.minLength && schema.minLength > 0) return 'non-empty string';
    return 'string';
  }
  if (type === 'array') {
    const items = schema.items ? describeType(schema.items, root) : 'anything';
    return `array of ${isObject(resolve(schema.items ?? {}, root)) ? 'objects' : items}${schema.minItems ? ` (at least ${schema.minItems})` : ''}`;
  }
  if (isObject(schema)) {
    if (!schema.properties && typeof schema.additionalProperties === 'object') {
      return `object of ${describeType(schema.additionalProperties, root)}`;
    }
    return 'object';
  }
  return type ?? 'any';
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function escapePipes(text: string): string {
  // describeType escapes its own enum separators; only escape bare pipes elsewhere.
  return text.replace(/(?<!\\)\|/g, '\\|');
}

/** Every field of `schema`, depth first, in the schema's own order. */
export function fieldRows(schema: JsonSchema): FieldRow[] {
  const rows: FieldRow[] = [];
  const visit = (node: JsonSchema, path: string, required: boolean) => {
    const resolved = resolve(node, schema);
    if (path !== '') {
      rows.push({
        path,
        type: describeType(node, schema),
        required,
        default: resolved.default === undefined ? '' : literal(resolved.default),
        description: resolved.description ?? '',
      });
    }
    const shapes = (variants(resolved) ?? [resolved]).map((v) => resolve(v, schema));
    for (const shape of shapes) {
      if (shape.properties) {
        const requiredKeys = new Set(shape.required ?? []);
        for (const [key, child] of Object.entries(shape.properties)) {
          if (key === '$schema' && path === '') continue;
          visit(child, path === '' ? key : `${path}.${key}`, requiredKeys.has(key));
        }
      } else if (isObject(shape) && typeof shape.additionalProperties === 'object') {
        visitChildrenOf(shape.additionalProperties, `${path}.<name>`);
      } else if (shape.type === 'array' && shape.items) {
        visitChildrenOf(shape.items, `${path}[]`);
      }
    }
  };
  // A map's values and an array's items are documented through their fields, not as a row of their own.
  const visitChildrenOf = (node: JsonSchema, path: string) => {
    const resolved = resolve(node, schema);
    const shapes = (variants(resolved) ?? [resolved]).map((v) => resolve(v, schema));
    if (shapes.some((s) => s.properties)) {
      const scalars = shapes.filter((s) => !s.properties);
      if (scalars.length > 0) {
        rows.push({
          path,
          type: scalars.map((s) => describeType(s, schema)).join(' or '),
          required: false,
          default: '',
          description: `Shorthand: ${scalars.map((s) => s.description ?? describeType(s, schema)).join('; ')}`,
        });
      }
      for (const shape of shapes.filter((s) => s.properties)) visit({ ...shape, default: undefined }, path, false);
      // visit() added a row for the container itself; drop it, the fields say it all.
      const own = rows.findIndex((r) => r.path === path && r.type === 'object');
      if (own >= 0) rows.splice(own, 1);
    }
    // Scalar items and map values add nothing to their container's row (its type already names them).
  };
  visit(schema, '', false);
  return rows;
}

/** Markdown tables of every field: top-level fields first, then one table per object-valued field. */
export function schemaToMarkdown(schema: JsonSchema): string {
  const rows = fieldRows(schema);
  const groups = new Map<string, FieldRow[]>();
  for (const row of rows) {
    const head = /^[^.[]+/.exec(row.path)?.[0] ?? row.path;
    const key = row.path === head ? '' : head;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)?.push(row);
  }
  const table = (list: FieldRow[]) =>
    [
      '| field | type | default | description |',
      '| --- | --- | --- | --- |',
      ...list.map(
        (r) =>
          `| \`${r.path}\`${r.required ? ' (required)' : ''} | ${escapePipes(r.type)} | ${r.default ? `\`${cell(r.default)}\`` : ''} | ${cell(r.description)} |`,
      ),
    ].join('\n');
  const out: string[] = ['### Top level', '', table(groups.get('') ?? [])];
  for (const [key, list] of groups) {
    if (key === '') continue;
    const parent = rows.find((r) => r.path === key);
    out.push('', `### \`${key}\``, '');
    if (parent?.description) out.push(`${parent.description}`, '');
    out.push(table(list));
  }
  return `${out.join('\n')}\n`;
}
