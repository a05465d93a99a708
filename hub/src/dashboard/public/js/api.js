// The hub's REST API, as the signed-in user. Errors carry the API's { code, message }.
import { currentToken } from './token.js';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Called when the API refuses the token (401): the page asks for another. */
let onUnauthenticated = () => {};
export function whenUnauthenticated(callback) {
  onUnauthenticated = callback;
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json', authorization: `Bearer ${currentToken() ?? ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, 'network', `the hub did not answer (${error.message})`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = new ApiError(
      response.status,
      json?.code ?? `http_${response.status}`,
      json?.message ?? `${method} ${path} answered ${response.status}`,
    );
    if (response.status === 401) onUnauthenticated(error);
    throw error;
  }
  return json;
}
