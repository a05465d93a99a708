/**
 * Kubernetes resource quantities ("100m", "1Gi", "1e3") as kube-apiserver stores and answers
 * them. A spelling that is already canonical comes back as written; any other in canonical
 * form: `1000m` as `1`, `1024Mi` as `1Gi`, `0.5` as `500m`. Resource lists (container
 * resources, limit ranges, quotas, claims) are also rounded up to milli units.
 */
export const QUANTITY_PATTERN_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const SYNTAX = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([suffix, exponent]) => [exponent, suffix]));
const BINARY_BY_EXPONENT = new Map(Object.entries(BINARY_SUFFIXES).map(([suffix, exponent]) => [exponent, suffix]));
const INT64_MAX = 2n ** 63n - 1n;

type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** value = mantissa × 10^exponent, exactly. */
interface Decimal {
  mantissa: bigint;
  exponent: number;
}

export class QuantityError extends Error {
  constructor() {
    super(QUANTITY_PATTERN_MESSAGE);
  }
}

interface Parsed {
  value: Decimal;
  format: Format;
  /** The written scale (suffix exponent less fraction digits), before any normalising. */
  scale: number;
  /** True when kube-apiserver keeps the spelling as written. */
  keepsSpelling: boolean;
}

/** The spelling kube-apiserver answers with; throws QuantityError when it is not a quantity. */
export function canonicalQuantity(input: string | number, options: { resourceList?: boolean } = {}): string {
  const text = typeof input === 'number' ? String(input) : input.trim();
  const parsed = parse(text);
  let value = parsed.value;
  if (options.resourceList && parsed.scale < -3) value = roundUp(value, -3);
  else if (parsed.keepsSpelling) return text;
  return format(normalise(roundUp(value, -9)), parsed.format);
}

function parse(text: string): Parsed {
  const match = SYNTAX.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new QuantityError();
  const [, sign, whole = '', fraction = '', suffix = ''] = match;
  let mantissa = BigInt(`${whole}${fraction}` || '0');
  if (sign === '-') mantissa = -mantissa;
  const digits = `${whole}${fraction}`;
  if (suffix in DECIMAL_SUFFIXES || /^[eE][-+]?[0-9]+$/.test(suffix)) {
    const decimal = suffix in DECIMAL_SUFFIXES;
    const exponent = decimal ? DECIMAL_SUFFIXES[suffix] : Number(suffix.slice(1));
    const scale = exponent - fraction.length;
    const keepsSpelling = digits.length <= 18 && scale >= -9 && scale % 3 === 0 && !digits.endsWith('000') && !digits.startsWith('0');
    return { value: { mantissa, exponent: scale }, format: decimal ? 'DecimalSI' : 'DecimalExponent', scale, keepsSpelling };
  }
  const binary = BINARY_SUFFIXES[suffix];
  if (binary === undefined) throw new QuantityError();
  // The written number times 2^exponent, held as a decimal.
  const scaled = mantissa * 2n ** BigInt(binary);
  const fast = fraction.length === 0 && 15 - whole.length - Math.floor((binary * 3) / 10) - 1 >= 0;
  const keepsSpelling = fast && (BigInt.asUintN(64, mantissa) & 7n) !== 0n && scaled <= INT64_MAX;
  return { value: { mantissa: scaled, exponent: -fraction.length }, format: 'BinarySI', scale: 0, keepsSpelling };
}

function normalise(value: Decimal): Decimal {
  let { mantissa, exponent } = value;
  if (mantissa === 0n) return { mantissa, exponent: 0 };
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  return { mantissa, exponent };
}

/** Rounds away from zero to 10^scale. */
function roundUp(value: Decimal, scale: number): Decimal {
  if (value.exponent >= scale) return value;
  const divisor = 10n ** BigInt(scale - value.exponent);
  let mantissa = value.mantissa / divisor;
  if (value.mantissa % divisor !== 0n) mantissa += value.mantissa > 0n ? 1n : -1n;
  return { mantissa, exponent: scale };
}

function format(value: Decimal, written: Format): string {
  if (value.mantissa === 0n) return '0';
  if (written === 'BinarySI') {
    const integer = value.exponent >= 0 ? value.mantissa * 10n ** BigInt(value.exponent) : undefined;
    // Small or fractional binary quantities are shown in decimal, so as not to round.
    if (integer !== undefined && (integer <= -1024n || integer >= 1024n)) return binaryForm(integer);
    written = 'DecimalSI';
  }
  let { mantissa, exponent } = value;
  // The exponent comes down to a multiple of three (m, k, M…); the mantissa stays an integer.
  while (((exponent % 3) + 3) % 3 !== 0) {
    mantissa *= 10n;
    exponent--;
  }
  if (written === 'DecimalExponent') return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
  while (exponent > 18) {
    mantissa *= 1000n;
    exponent -= 3;
  }
  return `${mantissa}${DECIMAL_BY_EXPONENT.get(exponent) ?? ''}`;
}

function binaryForm(integer: bigint): string {
  let mantissa = integer;
  let exponent = 0;
  while (exponent < 60 && mantissa % 1024n === 0n) {
    mantissa /= 1024n;
    exponent += 10;
  }
  return `${mantissa}${BINARY_BY_EXPONENT.get(exponent) ?? ''}`;
}

/** The value of a quantity as a number (rounded for very large or very fine ones); NaN when it is not one. */
export function quantityNumber(input: string | number): number {
  try {
    const { value } = parse(typeof input === 'number' ? String(input) : input.trim());
    return Number(value.mantissa) * 10 ** value.exponent;
  } catch {
    return NaN;
  }
}

/** The sum of quantities, written in the form of the first one as kube-apiserver adds them ("0" for none). */
export function sumQuantities(values: (string | number)[]): string {
  if (values.length === 0) return '0';
  const parsed = values.map((v) => parse(typeof v === 'number' ? String(v) : v.trim()));
  const exponent = Math.min(...parsed.map((p) => p.value.exponent));
  const mantissa = parsed.reduce((sum, p) => sum + p.value.mantissa * 10n ** BigInt(p.value.exponent - exponent), 0n);
  return format(normalise({ mantissa, exponent }), parsed[0].format);
}

/** Whether two quantities have the same value, however spelled ("1k" and "1e3", "1Gi" and "1024Mi"). */
export function sameQuantity(a: string | number, b: string | number): boolean {
  try {
    const x = normalise(parse(typeof a === 'number' ? String(a) : a.trim()).value);
    const y = normalise(parse(typeof b === 'number' ? String(b) : b.trim()).value);
    return x.mantissa === y.mantissa && x.exponent === y.exponent;
  } catch {
    return a === b;
  }
}
