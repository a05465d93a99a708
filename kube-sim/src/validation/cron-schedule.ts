import type { StatusCause } from '../api-error';
import { invalidValue, required } from './field-errors';

/**
 * A CronJob schedule as robfig/cron's standard parser reads it (five fields or a descriptor),
 * refused with its messages ("expected exactly 5 fields, found 2: [every day]").
 */
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FIELDS: { min: number; max: number; names?: string[] }[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

export function validateCronSchedule(schedule: unknown, path: string): StatusCause[] {
  if (typeof schedule !== 'string' || schedule === '') return [required(path)];
  const error = cronError(schedule);
  return error ? [invalidValue(path, schedule, error)] : [];
}

function cronError(schedule: string): string | undefined {
  if (schedule.startsWith('@')) {
    if (DESCRIPTORS.has(schedule)) return undefined;
    if (schedule.startsWith('@every '))
      return /^@every (\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(schedule) ? undefined : `failed to parse duration ${schedule}`;
    return `unrecognized descriptor: ${schedule}`;
  }
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (const [i, field] of fields.entries()) {
    for (const part of field.split(',')) {
      const error = rangeError(part, FIELDS[i], i === 2 || i === 4);
      if (error) return error;
    }
  }
  return undefined;
}

function rangeError(expression: string, bounds: { min: number; max: number; names?: string[] }, question: boolean): string | undefined {
  const [range = '', step, ...extraSlashes] = expression.split('/');
  if (extraSlashes.length > 0) return `too many slashes: ${expression}`;
  const [low = '', high, ...extraHyphens] = range.split('-');
  if (extraHyphens.length > 0) return `too many hyphens: ${expression}`;
  const number = (text: string): number | string => {
    const named = bounds.names?.indexOf(text.toLowerCase()) ?? -1;
    if (named >= 0) return named + bounds.min;
    if (/^\d+$/.test(text)) return Number(text);
    return `failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`;
  };
  let start = bounds.min;
  let end = bounds.max;
  if (!(low === '*' || (question && low === '?'))) {
    const parsed = number(low);
    if (typeof parsed === 'string') return parsed;
    start = parsed;
    end = parsed;
    if (high !== undefined) {
      const parsedHigh = number(high);
      if (typeof parsedHigh === 'string') return parsedHigh;
      end = parsedHigh;
    }
  }
  if (step !== undefined) {
    const parsedStep = number(step);
    if (typeof parsedStep === 'string') return parsedStep;
    if (parsedStep <= 0) return `step of range should be a positive number: ${expression}`;
  }
  if (start < bounds.min) return `beginning of range (${start}) below minimum (${bounds.min}): ${expression}`;
  if (end > bounds.max) return `end of range (${end}) above maximum (${bounds.max}): ${expression}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expression}`;
  return undefined;
}
