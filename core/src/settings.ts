import { readFileSync } from 'node:fs';

/**
 * One setting of a process: the environment variable it is read from, how its text becomes a
 * value (a bad one throws naming the variable) and its default. Each process has one table of
 * these (the hub's HUB_SETTINGS, the agent's AGENT_SETTINGS), from which its loader, its
 * defaults, the names in its errors and the check of its docs table all come.
 */
export interface Setting<T> {
  env: string;
  /** Reads the variable (and any it stands for, like a `_FILE` twin); undefined when unset. */
  read: (env: NodeJS.ProcessEnv, name: string) => T | undefined;
  default?: T;
  /** The default as the variable would say it (seconds where the value is milliseconds). */
  shownDefault?: string;
  /** The variable an error about the value names, when that depends on which one was set. */
  nameIn?: (env: NodeJS.ProcessEnv) => string;
}

/** A variable's text, trimmed; empty counts as unset. */
export function textOf(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

type Parse<T> = (value: string, name: string) => T;

function reading<T>(parse: Parse<T>): Setting<T>['read'] {
  return (env, name) => {
    const value = textOf(env, name);
    return value === undefined ? undefined : parse(value, name);
  };
}

/** Quotes a bad value in an error, bounded (it may be long or hold anything). */
function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

export const text = (env: string, fallback?: string): Setting<string> => ({ env, read: reading((v) => v), default: fallback });

/** A secret: never quoted in an error. */
export const secret = (env: string): Setting<string> => ({ env, read: reading((v) => v) });

/** Seconds in the variable, milliseconds in the value. */
export const seconds = (env: string, fallbackMs: number): Setting<number> => ({
  env,
  default: fallbackMs,
  shownDefault: String(fallbackMs / 1000),
  read: reading((value, name) => {
    if (!/^\d+(\.\d+)?$/.test(value) || Number(value) <= 0) {
      throw new Error(`${name} must be a positive number of seconds, got ${shown(value)}`);
    }
    return Math.round(Number(value) * 1000);
  }),
});

export const port = (env: string, fallback?: number): Setting<number> => ({
  env,
  default: fallback,
  read: reading((value, name) => {
    if (!/^\d+$/.test(value)) throw new Error(`${name} must be a port number (0-65535), got ${shown(value)}`);
    return Number(value);
  }),
});

/** A whole number from 1 (a count of things: connections, workers…). */
export const count = (env: string, fallback: number): Setting<number> => ({
  env,
  default: fallback,
  read: reading((value, name) => {
    if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new Error(`${name} must be a whole number from 1, got ${shown(value)}`);
    return Number(value);
  }),
});

export const days = (env: string, fallback: number): Setting<number> => ({
  env,
  default: fallback,
  read: reading((value, name) => {
    if (!/^\d+$/.test(value)) throw new Error(`${name} must be a whole number of days (0 keeps everything), got ${shown(value)}`);
    return Number(value);
  }),
});

export const bool = (env: string, fallback: boolean): Setting<boolean> => ({
  env,
  default: fallback,
  read: reading((value, name) => {
    const v = value.toLowerCase();
    if (!['true', 'false', '1', '0'].includes(v)) throw new Error(`${name} must be true or false, got ${shown(value)}`);
    return v === 'true' || v === '1';
  }),
});

export const oneOf = <T extends string>(env: string, values: readonly T[], fallback: T): Setting<T> => ({
  env,
  default: fallback,
  read: reading((value, name) => {
    if (!(values as readonly string[]).includes(value)) throw new Error(`${name} must be one of ${values.join(', ')}, got ${shown(value)}`);
    return value as T;
  }),
});

/**
 * JSON in the variable or in the file its `_FILE` twin names (not both), parsed; `parse` checks
 * the value, naming whichever variable was set. `what` says what the JSON must be.
 */
export const jsonOrFile = <T>(env: string, what: string, parse: (value: unknown, name: string) => T, fallback?: T): Setting<T> => ({
  env,
  default: fallback,
  nameIn: (vars) => (textOf(vars, `${env}_FILE`) !== undefined ? `${env}_FILE` : env),
  read: (vars) => {
    const inline = textOf(vars, env);
    const file = textOf(vars, `${env}_FILE`);
    if (inline !== undefined && file !== undefined) throw new Error(`set ${env} or ${env}_FILE, not both`);
    if (inline === undefined && file === undefined) return undefined;
    let source = inline ?? '';
    if (file !== undefined) {
      try {
        source = readFileSync(file, 'utf8');
      } catch (error) {
        throw new Error(`${env}_FILE: cannot read ${shown(file)}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
      }
    }
    const name = file !== undefined ? `${env}_FILE` : env;
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch {
      throw new Error(`${name} must be ${what}`);
    }
    return parse(value, name);
  },
});

export type Settings<C> = { [K in keyof C]-?: Setting<Exclude<C[K], undefined>> };

/** The values of the variables that are set (defaults not filled in). */
export function readSettings<C>(settings: Settings<C>, env: NodeJS.ProcessEnv): Partial<C> {
  const values: Partial<C> = {};
  for (const key of Object.keys(settings) as (keyof C)[]) {
    const setting = settings[key];
    const value = setting.read(env, setting.env);
    if (value !== undefined) values[key] = value;
  }
  return values;
}

/** Every setting's default. */
export function defaultsOf<C>(settings: Settings<C>): Partial<C> {
  const values: Partial<C> = {};
  for (const key of Object.keys(settings) as (keyof C)[]) {
    if (settings[key].default !== undefined) values[key] = settings[key].default;
  }
  return values;
}

/** What an error about each setting names: its variable (or the property, for settings given in code). */
export function namesOf<C>(settings: Settings<C>, env?: NodeJS.ProcessEnv): Record<keyof C, string> {
  return Object.fromEntries(
    (Object.keys(settings) as (keyof C & string)[]).map((key) => {
      const setting = settings[key];
      return [key, env === undefined ? key : (setting.nameIn?.(env) ?? setting.env)];
    }),
  ) as Record<keyof C, string>;
}
