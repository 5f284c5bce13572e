/**
 * The OpenAPI 3.1 document, generated from the route table: the same zod schemas that validate
 * requests describe them (JSON Schema 2020-12, OpenAPI 3.1's dialect), so the document cannot
 * drift from the routes. Served at /openapi.json; docs/openapi.json is a committed copy that a
 * test keeps equal.
 */
import { z } from 'zod';
import { ERROR_CODE_LIST } from '../../shared/index.js';
import type { RouteSpec } from './route.js';
import { droppedEventSchema, supervisorEventSchema } from './routes/event-routes.js';
import { updateStatusSchema } from './routes/update-schemas.js';
import {
  instanceSchema,
  logLineSchema,
  processDetailSchema,
  processSummarySchema,
} from './schemas.js';

type JsonSchema = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, JsonSchema>>;
  components: {
    schemas: Record<string, JsonSchema>;
    responses: Record<string, JsonSchema>;
    securitySchemes: Record<string, JsonSchema>;
  };
}

/** Schemas that several routes share become components, referenced by name. */
const COMPONENTS: ReadonlyArray<[z.ZodType, string]> = [
  [instanceSchema, 'Instance'],
  [processSummarySchema, 'ProcessSummary'],
  [processDetailSchema, 'ProcessDetail'],
  [logLineSchema, 'LogLine'],
  [supervisorEventSchema, 'SupervisorEvent'],
  [droppedEventSchema, 'DroppedEvents'],
  [updateStatusSchema, 'UpdateStatus'],
];

const errorSchema: JsonSchema = {
  type: 'object',
  description: 'Every error answer: a message for people and a code for programs',
  properties: {
    error: { type: 'string' },
    code: { type: 'string', enum: [...ERROR_CODE_LIST] },
  },
  required: ['error', 'code'],
};

const AUTH_NOTE =
  'Credentials: an API key or a JWT as `Authorization: Bearer <token>`, or an API key as ' +
  '`X-API-Key`. Roles, lowest first: viewer (reads), operator (start, stop, restart, scale, ' +
  'update, rollback), admin (everything, including /shutdown and reload). Without ' +
  '`server.auth`, the daemon listens on loopback only and allows every request from there.';

/** Looks up the components' names, and every other schema's metadata (descriptions) as usual. */
class ComponentNames extends z.core.$ZodRegistry<{ id?: string | undefined }> {
  override get(schema: z.core.$ZodType): { id?: string | undefined } | undefined {
    const own = super.get(schema);
    const global = z.globalRegistry.get(schema);
    return own || global ? { ...global, ...own } : undefined;
  }
}

export function openApiDocument(routes: readonly RouteSpec[]): OpenApiDocument {
  const names = new ComponentNames();
  for (const [schema, id] of COMPONENTS) names.add(schema, { id });
  const componentIds = new Set(COMPONENTS.map(([, id]) => id));
  const schemas: Record<string, JsonSchema> = { Error: errorSchema };
  const convert = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      // Requests inline everything: their shapes differ from the shared (answer) schemas.
      ...(io === 'output' ? { metadata: names } : {}),
      override: ({ zodSchema, jsonSchema }) => tidy(zodSchema, jsonSchema, io),
    }) as JsonSchema;
    const { $schema: _dialect, $defs, ...rest } = json;
    for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) {
      // zod names a recursive schema `__schema0` in each conversion: those would collide here.
      if (!componentIds.has(id)) throw new Error('a recursive schema needs a name in COMPONENTS');
      schemas[id] = pointRefsAtComponents(def) as JsonSchema;
    }
    return pointRefsAtComponents(rest) as JsonSchema;
  };

  const paths: OpenApiDocument['paths'] = {};
  for (const spec of routes) {
    const path = spec.path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
    (paths[path] ??= {})[spec.method] = operation(spec, convert);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'gowinproc',
      version: 'v1',
      description: `The REST API of the gowinproc process manager daemon. ${AUTH_NOTE}`,
    },
    paths,
    components: {
      schemas: sortKeys(schemas),
      responses: {
        Error: {
          description: 'An error (`code` says which; see docs/errors.md)',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key from server.auth.api_keys, or a JWT (server.auth.jwt)',
        },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-API-Key',
          description: 'An API key from server.auth.api_keys',
        },
      },
    },
  };
}

/** `get /api/v1/processes/:name/logs` -> `getApiV1ProcessesByNameLogs`: stable, unique. */
export function operationId(spec: Pick<RouteSpec, 'method' | 'path'>): string {
  const words = spec.path
    .split('/')
    .filter((segment) => segment !== '')
    .flatMap((segment) =>
      segment.startsWith(':')
        ? ['by', ...segment.slice(1).split(/[^A-Za-z0-9]+/)]
        : segment.split(/[^A-Za-z0-9]+/),
    )
    .filter((word) => word !== '');
  return spec.method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function operation(
  spec: RouteSpec,
  convert: (schema: z.ZodType, io: 'input' | 'output') => JsonSchema,
): JsonSchema {
  const isPublic = spec.role === 'public';
  const parameters = [
    ...parametersOf(spec.params, 'path', convert),
    ...parametersOf(spec.query, 'query', convert),
  ];
  const access = spec.signature
    ? `${spec.signature.description}${spec.signature.orRole ? ` Alternatively, a credential with the ${spec.signature.orRole} role (or higher).` : ''}`
    : isPublic
      ? 'Open without credentials.'
      : `Requires the ${spec.role} role (or higher).`;
  const status = String(spec.status ?? 200);
  const responses: Record<string, JsonSchema> = {
    [status]: { description: successDescription(spec), content: successContent(spec, convert) },
  };
  responses['4XX'] = { $ref: '#/components/responses/Error' };
  responses['5XX'] = { $ref: '#/components/responses/Error' };
  return {
    operationId: operationId(spec),
    summary: spec.summary,
    description: access,
    'x-required-role': spec.role,
    ...(spec.signature ? { 'x-signature-header': spec.signature.header } : {}),
    security: isPublic ? [] : [{ bearer: [] }, { apiKey: [] }],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(spec.body
      ? {
          requestBody: {
            // A body with a default (`{}`) may be left out.
            required: !spec.body.safeParse(undefined).success,
            content: { 'application/json': { schema: convert(spec.body, 'input') } },
          },
        }
      : {}),
    responses,
  };
}

function parametersOf(
  schema: z.ZodType | undefined,
  where: 'path' | 'query',
  convert: (schema: z.ZodType, io: 'input' | 'output') => JsonSchema,
): JsonSchema[] {
  if (!schema) return [];
  const json = convert(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

function successDescription(spec: RouteSpec): string {
  const produces = spec.produces ?? 'json';
  if (produces === 'sse') return 'A stream of server-sent events until the client disconnects';
  if (produces === 'json-or-sse')
    return 'JSON, or server-sent events when the query asks for a stream';
  if (typeof produces === 'object') return `A ${produces.raw.split(';')[0]} document`;
  return spec.status === 202 ? 'Accepted: the work goes on in the background' : 'Success';
}

function successContent(
  spec: RouteSpec,
  convert: (schema: z.ZodType, io: 'input' | 'output') => JsonSchema,
): JsonSchema {
  const produces = spec.produces ?? 'json';
  const response = spec.response ? convert(spec.response, 'output') : {};
  if (typeof produces === 'object') return { [produces.raw]: { schema: response } };
  const content: JsonSchema = {};
  if (produces !== 'sse') content['application/json'] = { schema: response };
  if (produces !== 'json') {
    const events = Object.entries(spec.events ?? {}).map(([name, schema]) => [
      name,
      convert(schema, 'output'),
    ]);
    content['text/event-stream'] = {
      schema: {
        type: 'string',
        description:
          'Server-sent events: `event: <name>`, `data: <JSON>` (and `id: <seq>` where the events have one); comment lines are heartbeats',
      },
      'x-sse-events': events.length > 0 ? Object.fromEntries(events) : { message: response },
    };
  }
  return content;
}

/** Drops what only adds noise to the document, and does not promise closed answer objects. */
function tidy(zodSchema: z.core.$ZodType, json: JsonSchema, io: 'input' | 'output'): void {
  if (json.minimum === Number.MIN_SAFE_INTEGER) delete json.minimum;
  if (json.maximum === Number.MAX_SAFE_INTEGER) delete json.maximum;
  // zod marks every non-strict object closed for output; answers may gain keys (rest.md).
  const def = zodSchema._zod.def as { type: string; catchall?: unknown };
  if (io === 'output' && def.type === 'object' && def.catchall === undefined)
    delete json.additionalProperties;
}

function pointRefsAtComponents(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(pointRefsAtComponents);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key === '$ref' && typeof inner === 'string'
        ? [key, inner.replace(/^#\/\$defs\//, '#/components/schemas/')]
        : [key, pointRefsAtComponents(inner)],
    ),
  );
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}
