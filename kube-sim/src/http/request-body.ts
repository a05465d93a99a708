import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest } from '../api-error';
import type { JsonValue } from '../json-value';

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw badRequest('the request body is too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON bodies; YAML too when the content type says so (apply patches may be either). */
export function decodeBody(text: string, contentType: string): JsonValue {
  if (text.trim() === '') return null;
  if (contentType.includes('yaml')) {
    // Clients (kubectl, client-go, the agent) send apply patches as JSON, which is YAML too:
    // JSON.parse reads it some twenty times faster. Anything else, or a JSON body that fails
    // to parse, goes to the YAML parser, whose errors are the ones the API server gives.
    // (JSON.parse keeps the last of duplicate keys where YAML refuses them; no client sends those.)
    if (text.trimStart().startsWith('{')) {
      try {
        return JSON.parse(text) as JsonValue;
      } catch {
        // fall through to YAML
      }
    }
    try {
      return parseYaml(text, { strict: true, uniqueKeys: true }) as JsonValue;
    } catch (error) {
      throw badRequest(`error decoding YAML: error converting YAML to JSON: yaml: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`);
  }
}
