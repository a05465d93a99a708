/** A failed request: the HTTP code and the body kube-apiserver would send (usually a Status). */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: object | string,
  ) {
    super(typeof body === 'string' ? body : String((body as { message?: string }).message ?? code));
  }
}

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

export function statusBody(code: number, reason: string | undefined, message: string, details?: StatusDetails): object {
  const body: Record<string, unknown> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message };
  if (reason !== undefined) body['reason'] = reason;
  if (details !== undefined) body['details'] = details;
  body['code'] = code;
  return body;
}

/** Identifies an object in error messages the way the API does ("configmaps", group). */
export interface ErrorSubject {
  resource: string;
  group: string;
  name: string;
}

function resourceDetails(subject: ErrorSubject): StatusDetails {
  const details: StatusDetails = { name: subject.name };
  if (subject.group) details.group = subject.group;
  details.kind = subject.resource;
  return details;
}

function qualifiedResource(subject: ErrorSubject): string {
  return subject.group ? `${subject.resource}.${subject.group}` : subject.resource;
}

export function notFound(subject: ErrorSubject): ApiError {
  return new ApiError(
    404,
    statusBody(404, 'NotFound', `${qualifiedResource(subject)} "${subject.name}" not found`, resourceDetails(subject)),
  );
}

export function alreadyExists(subject: ErrorSubject): ApiError {
  return new ApiError(
    409,
    statusBody(409, 'AlreadyExists', `${qualifiedResource(subject)} "${subject.name}" already exists`, resourceDetails(subject)),
  );
}

export function resourceVersionConflict(subject: ErrorSubject): ApiError {
  const message = `Operation cannot be fulfilled on ${qualifiedResource(subject)} "${subject.name}": the object has been modified; please apply your changes to the latest version and try again`;
  return new ApiError(409, statusBody(409, 'Conflict', message, resourceDetails(subject)));
}

/** The 404 for a path that names no served resource. */
export function resourceNotServed(): ApiError {
  return new ApiError(404, statusBody(404, 'NotFound', 'the server could not find the requested resource', {}));
}

/** The 404 for a group version that is not served at all: plain text, like the Go mux. */
export function pageNotFound(): ApiError {
  return new ApiError(404, '404 page not found\n');
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, statusBody(400, 'BadRequest', message));
}

export function internalError(message: string): ApiError {
  return new ApiError(500, statusBody(500, undefined, message));
}

export function unsupportedMediaType(): ApiError {
  return new ApiError(415, statusBody(415, 'UnsupportedMediaType', '415: Unsupported Media Type', {}));
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, statusBody(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {}));
}

/** 422 Invalid: `kindName` is "ConfigMap" or "Deployment.apps"; `group` goes into details. */
export function invalid(kindName: string, kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const listed = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  // Go prints an aggregate of several errors in brackets.
  const message = `${kindName} "${name}" is invalid: ${listed.length === 1 ? listed[0] : `[${listed.join(', ')}]`}`;
  const details: StatusDetails = { name };
  if (group) details.group = group;
  details.kind = kind;
  details.causes = causes;
  return new ApiError(422, statusBody(422, 'Invalid', message, details));
}

export function forbidden(message: string, details: StatusDetails): ApiError {
  return new ApiError(403, statusBody(403, 'Forbidden', message, details));
}

export function unauthorized(): ApiError {
  return new ApiError(401, statusBody(401, 'Unauthorized', 'Unauthorized'));
}

export function gone(message: string): ApiError {
  return new ApiError(410, statusBody(410, 'Expired', message));
}
