/**
 * GET /openapi.json and GET /docs. Both are public: the document names routes and shapes, never
 * a secret or a configured value, and the viewer must load before anyone has typed a key.
 */
import { z } from 'zod';
import { DOCS_CONTENT_TYPE, DOCS_PAGE } from '../docs-page.js';
import { openApiDocument, type OpenApiDocument } from '../openapi.js';
import { raw, route, type RouteSpec } from '../route.js';

/** `routes` is read on the first request, so the table may include these two routes. */
export function docRoutes(routes: () => readonly RouteSpec[]) {
  let document: OpenApiDocument | undefined;
  return [
    route({
      method: 'get',
      path: '/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document, generated from the route table',
      role: 'public',
      response: z.record(z.string(), z.unknown()).meta({ description: 'An OpenAPI 3.1 document' }),
      handler: () => (document ??= openApiDocument(routes())),
    }),
    route({
      method: 'get',
      path: '/docs',
      summary: 'A page that shows the OpenAPI document; self-contained, works offline',
      role: 'public',
      produces: { raw: DOCS_CONTENT_TYPE },
      response: z.string().meta({ description: 'An HTML page' }),
      handler: () => raw(DOCS_CONTENT_TYPE, DOCS_PAGE),
    }),
  ];
}
