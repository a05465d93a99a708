/**
 * The syntax error Go's encoding/json reports for a text, worded as it words it ("invalid
 * character 'o' in literal null (expecting 'u')", "unexpected end of JSON input"), or
 * undefined when the text is JSON. kube-apiserver quotes it for a docker config Secret.
 */
export function goJsonSyntaxError(text: string): string | undefined {
  try {
    const end = value(text, skipSpace(text, 0));
    const rest = skipSpace(text, end);
    if (rest < text.length) return `invalid character ${quote(text[rest])} after top-level value`;
    return undefined;
  } catch (error) {
    if (error instanceof SyntaxProblem) return error.message;
    throw error;
  }
}

class SyntaxProblem extends Error {}

const END = 'unexpected end of JSON input';

function fail(text: string, at: number, context: string): never {
  if (at >= text.length) throw new SyntaxProblem(END);
  throw new SyntaxProblem(`invalid character ${quote(text[at])} ${context}`);
}

/** Go's quoteChar. */
function quote(char: string): string {
  if (char === "'") return `'\\''`;
  if (char === '"') return `'"'`;
  const json = JSON.stringify(char);
  return `'${json.slice(1, -1)}'`;
}

function skipSpace(text: string, at: number): number {
  while (at < text.length && ' \t\r\n'.includes(text[at])) at++;
  return at;
}

function value(text: string, at: number): number {
  const char = text[at];
  if (char === '{') return object(text, at + 1);
  if (char === '[') return array(text, at + 1);
  if (char === '"') return string(text, at + 1);
  if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return number(text, at);
  for (const literal of ['true', 'false', 'null']) if (char === literal[0]) return word(text, at, literal);
  return fail(text, at, 'looking for beginning of value');
}

function word(text: string, at: number, literal: string): number {
  for (let i = 1; i < literal.length; i++) {
    if (text[at + i] !== literal[i]) fail(text, at + i, `in literal ${literal} (expecting ${quote(literal[i])})`);
  }
  return at + literal.length;
}

function object(text: string, at: number): number {
  at = skipSpace(text, at);
  if (text[at] === '}') return at + 1;
  for (;;) {
    if (text[at] !== '"') fail(text, at, 'looking for beginning of object key string');
    at = skipSpace(text, string(text, at + 1));
    if (text[at] !== ':') fail(text, at, 'after object key');
    at = skipSpace(text, value(text, skipSpace(text, at + 1)));
    if (text[at] === '}') return at + 1;
    if (text[at] !== ',') fail(text, at, 'after object key:value pair');
    at = skipSpace(text, at + 1);
  }
}

function array(text: string, at: number): number {
  at = skipSpace(text, at);
  if (text[at] === ']') return at + 1;
  for (;;) {
    at = skipSpace(text, value(text, at));
    if (text[at] === ']') return at + 1;
    if (text[at] !== ',') fail(text, at, 'after array element');
    at = skipSpace(text, at + 1);
  }
}

function string(text: string, at: number): number {
  for (;;) {
    if (at >= text.length) throw new SyntaxProblem(END);
    const char = text[at];
    if (char === '"') return at + 1;
    if (char < ' ') fail(text, at, 'in string literal');
    if (char === '\\') {
      const escape = text[at + 1];
      if (escape === 'u') {
        for (let i = 2; i < 6; i++) if (!/[0-9a-fA-F]/.test(text[at + i] ?? '')) fail(text, at + i, 'in \\u hexadecimal character escape');
        at += 6;
        continue;
      }
      if (escape === undefined || !'"\\/bfnrt'.includes(escape)) fail(text, at + 1, 'in string escape code');
      at += 2;
      continue;
    }
    at++;
  }
}

function number(text: string, at: number): number {
  const digits = (from: number) => {
    let i = from;
    while (text[i] !== undefined && text[i] >= '0' && text[i] <= '9') i++;
    return i;
  };
  if (text[at] === '-') at++;
  if (text[at] === '0') at++;
  else if (text[at] !== undefined && text[at] >= '1' && text[at] <= '9') at = digits(at);
  else fail(text, at, 'in numeric literal');
  if (text[at] === '.') {
    if (!/[0-9]/.test(text[at + 1] ?? '')) fail(text, at + 1, 'after decimal point in numeric literal');
    at = digits(at + 1);
  }
  if (text[at] === 'e' || text[at] === 'E') {
    at++;
    if (text[at] === '+' || text[at] === '-') at++;
    if (!/[0-9]/.test(text[at] ?? '')) fail(text, at, 'in exponent of numeric literal');
    at = digits(at);
  }
  return at;
}
