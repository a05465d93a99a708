import { describe, expect, it } from 'vitest';
import { validateCronSchedule } from './cron-schedule';

const message = (schedule: string) => validateCronSchedule(schedule, 'spec.schedule')[0]?.message;

describe('CronJob schedules', () => {
  it('accepts five fields, names, steps, ranges and descriptors', () => {
    for (const good of ['0 3 * * *', '*/15 9-17 * * MON-FRI', '0 0 1 jan,jul ?', '@daily', '@every 1h30m'])
      expect(validateCronSchedule(good, 'spec.schedule'), good).toEqual([]);
  });
  it("refuses others with robfig/cron's messages", () => {
    expect(message('every day')).toBe('Invalid value: "every day": expected exactly 5 fields, found 2: [every day]');
    expect(message('61 * * * *')).toBe('Invalid value: "61 * * * *": end of range (61) above maximum (59): 61');
    expect(message('@sometimes')).toBe('Invalid value: "@sometimes": unrecognized descriptor: @sometimes');
    expect(message('x * * * *')).toContain('failed to parse int from x');
  });
});
