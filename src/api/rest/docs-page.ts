/**
 * GET /docs: one self-contained page that reads /openapi.json and lists the operations (method,
 * path, summary, role, parameters, request and answer schemas). No CDN, no external file: it
 * works offline and on a machine that reaches nothing but the daemon. The Content-Security-Policy
 * allows exactly this page's script and style (by hash) and requests to its own origin.
 */
import { createHash } from 'node:crypto';

export const DOCS_CONTENT_TYPE = 'text/html; charset=utf-8';

const STYLE = `
:root { color-scheme: light dark; --line: #8884; --muted: #777; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem 4rem; }
h1 { margin-bottom: 0.2rem; } h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); }
code, pre, .path { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { white-space: pre-wrap; margin: 0.3rem 0; padding: 0.5rem; border: 1px solid var(--line); border-radius: 4px; font-size: 13px; }
details.op { border: 1px solid var(--line); border-radius: 6px; margin: 0.4rem 0; }
details.op > summary { cursor: pointer; padding: 0.45rem 0.6rem; display: flex; gap: 0.6rem; align-items: baseline; flex-wrap: wrap; }
details.op > div { padding: 0 0.9rem 0.7rem; }
.method { font-weight: 700; min-width: 3.2rem; text-transform: uppercase; font-size: 13px; }
.get { color: #1a7f37; } .post { color: #bc4c00; } .put, .patch { color: #8250df; } .delete { color: #cf222e; }
.path { font-weight: 600; } .summary { color: var(--muted); flex: 1 1 20rem; }
.badge { font-size: 12px; border: 1px solid var(--line); border-radius: 10px; padding: 0 0.5rem; }
.public { color: #1a7f37; }
table { border-collapse: collapse; margin: 0.3rem 0; } td, th { border: 1px solid var(--line); padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
h4 { margin: 0.8rem 0 0.2rem; } .muted { color: var(--muted); }
#filter { width: 100%; max-width: 28rem; padding: 0.35rem; font: inherit; margin: 0.6rem 0; }
`;

/* The page's script: plain DOM calls, text only through textContent (no innerHTML), so nothing
   from the document can become markup. */
const SCRIPT = String.raw`
(function () {
  'use strict';
  var root = document.getElementById('app');
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) if (arguments[i]) parent.appendChild(arguments[i]);
    return parent;
  }
  function refName(ref) { return String(ref).split('/').pop(); }

  // A schema as compact type notation; references link to the schema list below.
  function schemaText(schema, indent, out) {
    if (!schema || typeof schema !== 'object') { out.push('any'); return; }
    if (schema.$ref) { out.push({ ref: refName(schema.$ref) }); return; }
    var alternatives = schema.anyOf || schema.oneOf;
    if (alternatives) {
      alternatives.forEach(function (alt, i) { if (i) out.push(' | '); schemaText(alt, indent, out); });
      return;
    }
    if (schema.enum) { out.push(schema.enum.map(function (v) { return JSON.stringify(v); }).join(' | ')); return; }
    if ('const' in schema) { out.push(JSON.stringify(schema.const)); return; }
    if (schema.type === 'array') {
      var items = schema.items || {};
      var wrap = !!(items.anyOf || items.oneOf || items.enum);
      if (wrap) out.push('(');
      schemaText(items, indent, out);
      out.push(wrap ? ')[]' : '[]');
      return;
    }
    if (schema.type === 'object' || schema.properties) {
      var properties = schema.properties || {};
      var names = Object.keys(properties);
      var extra = schema.additionalProperties;
      if (names.length === 0) {
        out.push('{ [key: string]: ');
        schemaText(extra && typeof extra === 'object' && Object.keys(extra).length ? extra : null, indent, out);
        out.push(' }');
        return;
      }
      var required = schema.required || [];
      out.push('{\n');
      names.forEach(function (name) {
        var property = properties[name];
        out.push(indent + '  ' + name + (required.indexOf(name) >= 0 ? '' : '?') + ': ');
        schemaText(property, indent + '  ', out);
        if (property && property.description) out.push('  // ' + property.description);
        out.push('\n');
      });
      if (extra && typeof extra === 'object') out.push(indent + '  ...other fields\n');
      out.push(indent + '}');
      return;
    }
    var text = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type || 'any';
    var limits = [];
    if (schema.format) limits.push(schema.format);
    if (schema.pattern) limits.push('/' + schema.pattern + '/');
    if (schema.minimum !== undefined || schema.maximum !== undefined)
      limits.push((schema.minimum !== undefined ? schema.minimum : '') + '..' + (schema.maximum !== undefined ? schema.maximum : ''));
    if (schema.minLength !== undefined) limits.push('min length ' + schema.minLength);
    if (schema.maxLength !== undefined) limits.push('max length ' + schema.maxLength);
    out.push(text + (limits.length ? ' (' + limits.join(', ') + ')' : ''));
  }
  function schemaBlock(schema) {
    var out = [];
    schemaText(schema, '', out);
    var pre = el('pre');
    out.forEach(function (part) {
      if (typeof part === 'string') pre.appendChild(document.createTextNode(part));
      else {
        var link = el('a', null, part.ref);
        link.setAttribute('href', '#schema-' + encodeURIComponent(part.ref));
        pre.appendChild(link);
      }
    });
    if (schema && schema.description) return add(el('div'), el('div', 'muted', schema.description), pre);
    return pre;
  }
  function collapsible(label, body, open) {
    var details = el('details');
    if (open) details.setAttribute('open', '');
    return add(details, el('summary', null, label), body);
  }
  function resolve(doc, item) {
    return item && item.$ref ? doc.components.responses[refName(item.$ref)] || item : item;
  }

  function operationView(doc, method, path, op) {
    var details = el('details', 'op');
    details.setAttribute('data-search', (method + ' ' + path + ' ' + (op.summary || '')).toLowerCase());
    var role = op['x-required-role'] || 'public';
    add(details, add(el('summary'),
      el('span', 'method ' + method, method),
      el('span', 'path', path),
      el('span', 'summary', op.summary || ''),
      el('span', 'badge' + (role === 'public' ? ' public' : ''), role === 'public' ? 'no credentials' : 'role: ' + role)));
    var body = el('div');
    add(body, el('p', null, op.description || ''), el('div', 'muted', 'operationId: ' + op.operationId));
    var parameters = op.parameters || [];
    if (parameters.length) {
      var table = add(el('table'), add(el('tr'), el('th', null, 'name'), el('th', null, 'in'), el('th', null, 'type'), el('th', null, 'description')));
      parameters.forEach(function (p) {
        var type = [];
        schemaText(p.schema, '', type);
        add(table, add(el('tr'),
          el('td', null, p.name + (p.required ? '' : '?')),
          el('td', null, p['in']),
          el('td', null, type.map(function (t) { return typeof t === 'string' ? t : t.ref; }).join('')),
          el('td', null, p.description || '')));
      });
      add(body, el('h4', null, 'Parameters'), table);
    }
    if (op.requestBody) {
      var content = op.requestBody.content || {};
      add(body, el('h4', null, 'Request body' + (op.requestBody.required ? '' : ' (optional)')));
      Object.keys(content).forEach(function (type) {
        add(body, collapsible(type, schemaBlock(content[type].schema), true));
      });
    }
    add(body, el('h4', null, 'Responses'));
    Object.keys(op.responses || {}).forEach(function (status) {
      var response = resolve(doc, op.responses[status]);
      var description = op.responses[status].description || response.description || '';
      var block = el('div');
      var content = response.content || {};
      Object.keys(content).forEach(function (type) {
        var media = content[type];
        var parts = el('div');
        if (media['x-sse-events']) {
          var events = media['x-sse-events'];
          Object.keys(events).forEach(function (name) {
            add(parts, collapsible('event: ' + name, schemaBlock(events[name]), false));
          });
        } else add(parts, schemaBlock(media.schema));
        add(block, collapsible(type, parts, status.charAt(0) === '2'));
      });
      add(body, add(el('div'), el('strong', null, status + ' '), el('span', null, description), block));
    });
    return add(details, body);
  }

  function render(doc) {
    root.textContent = '';
    add(root, el('h1', null, doc.info.title + ' API ' + doc.info.version), el('p', null, doc.info.description));
    var filter = el('input');
    filter.id = 'filter';
    filter.setAttribute('type', 'search');
    filter.setAttribute('placeholder', 'Filter operations (method, path, summary)');
    add(root, filter, el('h2', null, 'Operations'));
    var operations = [];
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var view = operationView(doc, method, path, doc.paths[path][method]);
        operations.push(view);
        root.appendChild(view);
      });
    });
    filter.addEventListener('input', function () {
      var wanted = filter.value.toLowerCase();
      operations.forEach(function (view) {
        view.hidden = view.getAttribute('data-search').indexOf(wanted) < 0;
      });
    });
    add(root, el('h2', null, 'Schemas'));
    var schemas = doc.components.schemas || {};
    Object.keys(schemas).forEach(function (name) {
      var section = el('section');
      section.id = 'schema-' + name;
      add(root, add(section, el('h3', null, name), schemaBlock(schemas[name])));
    });
  }

  var url = location.pathname.replace(/\/docs\/?$/, '/openapi.json');
  fetch(url, { headers: { accept: 'application/json' } })
    .then(function (response) {
      if (!response.ok) throw new Error(url + ' answered ' + response.status);
      return response.json();
    })
    .then(render)
    .catch(function (error) {
      root.textContent = 'Could not load the API description: ' + error.message;
    });
})();
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

export const DOCS_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${DOCS_CSP}">
<meta name="referrer" content="no-referrer">
<title>gowinproc API</title>
<style>${STYLE}</style>
</head>
<body>
<main id="app">Loading the API description…</main>
<noscript>This page needs JavaScript; the raw description is at openapi.json.</noscript>
<script>${SCRIPT}</script>
</body>
</html>
`;
