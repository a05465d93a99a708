/** A self-contained HTML rendering of the OpenAPI document: no script, nothing fetched from elsewhere. */

type Schema = Record<string, unknown>;

interface RenderedOperation {
  summary: string;
  description: string;
  'x-gitfleet-role': string;
  parameters?: { name: string; in: string; description?: string }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The Markdown the document's descriptions use (CommonMark, as OpenAPI says): `code` and
 * **strong**, escaped first so that nothing else becomes markup.
 */
export function markdown(text: string): string {
  return escape(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

export function openApiPage(document: Schema): string {
  const info = document.info as { title: string; version: string; description: string };
  const paths = document.paths as Record<string, Record<string, RenderedOperation>>;
  const sections = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const params = (op.parameters ?? [])
        .map((p) => `<li><code>${escape(p.name)}</code> (${p.in})${p.description ? ` — ${markdown(p.description)}` : ''}</li>`)
        .join('');
      const responses = Object.entries(op.responses)
        .map(([status, r]) => {
          const schema = r.content?.['application/json']?.schema;
          const shape = schema === undefined ? '' : ` <code>${escape(JSON.stringify(schema).slice(0, 160))}</code>`;
          return `<li><b>${status}</b> ${markdown(r.description)}${shape}</li>`;
        })
        .join('');
      return `<section id="${escape(`${method}-${path}`)}"><h2><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code> <span class="role">${escape(op['x-gitfleet-role'])}</span></h2>
<p>${markdown(op.summary)}. ${markdown(op.description)}</p>${params ? `<h3>Parameters</h3><ul>${params}</ul>` : ''}<h3>Responses</h3><ul>${responses}</ul></section>`;
    }),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(info.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#1d232a}
section{border-top:1px solid #d8dde3;padding:.4em 0}h2{font-size:15px;margin:.4em 0}h3{font-size:13px;margin:.3em 0}
.m{display:inline-block;min-width:4.5em;font-weight:600}.get{color:#0b6e4f}.post{color:#8a4b00}.delete{color:#a4161a}
.role{float:right;font-size:12px;background:#eef1f4;border-radius:4px;padding:0 .5em}code{font-size:12px;word-break:break-all}
</style></head><body>
<h1>${escape(info.title)} <small>${escape(info.version)}</small></h1>
<p>${markdown(info.description)}</p><p>Machine-readable: <a href="/api/docs/openapi.json">/api/docs/openapi.json</a> (OpenAPI 3.1).</p>
${sections.join('\n')}
</body></html>
`;
}
