import { apply, differs, namespace, patch, wait, type Scenario } from '../scenario';

const NS = 'cf-batch';
const podSpec = { restartPolicy: 'Never', containers: [{ name: 'run', image: 'busybox:1.36', command: ['true'] }] };
const job = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: NS },
  spec,
});
const cronJob = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name, namespace: NS },
  spec,
});
const jobPath = (name: string) => `/apis/batch/v1/namespaces/${NS}/jobs/${name}`;

export const BATCH_SCENARIOS: Scenario[] = [
  {
    name: 'job',
    about: 'Job: generated selector and labels, immutable template, suspend, validation',
    steps: [
      namespace(NS),
      apply('a Job', job('once', { template: { spec: podSpec } }), 201),
      wait('the controller saw it', jobPath('once'), { field: 'status.active', equals: 1 }),
      apply('re-apply: unchanged', job('once', { template: { spec: podSpec } }), 200),
      differs(
        apply(
          'changing the template is refused',
          job('once', { template: { spec: { ...podSpec, containers: [{ name: 'run', image: 'busybox:1.37', command: ['true'] }] } } }),
          422,
        ),
        'the real message prints the Go value (with pointers) or a diff of the Go structs',
        ['$.message', '$.details.causes[0].message'],
      ),
      patch('changing parallelism is allowed', jobPath('once'), 'merge', { spec: { parallelism: 2 } }, 200),
      patch('changing completions is refused', jobPath('once'), 'merge', { spec: { completions: 3 } }, 422),
      apply('restartPolicy Always is refused', job('always', { template: { spec: { ...podSpec, restartPolicy: 'Always' } } }), 422),
      apply(
        'a suspended indexed Job',
        job('indexed', {
          suspend: true,
          completions: 3,
          parallelism: 3,
          completionMode: 'Indexed',
          ttlSecondsAfterFinished: 60,
          template: { spec: podSpec },
        }),
        201,
      ),
      apply(
        'a Job with its own selector but no manualSelector',
        job('selected', { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: podSpec } }),
        422,
      ),
    ],
  },
  {
    name: 'cronjob',
    about: 'CronJob: defaults, schedule and name validation',
    steps: [
      namespace('cf-cronjob'),
      apply(
        'a CronJob',
        {
          ...cronJob('nightly', { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: podSpec } } } }),
          metadata: { name: 'nightly', namespace: 'cf-cronjob' },
        },
        201,
      ),
      apply(
        'a CronJob with a time zone',
        {
          ...cronJob('tz', { schedule: '@daily', timeZone: 'Europe/Paris', jobTemplate: { spec: { template: { spec: podSpec } } } }),
          metadata: { name: 'tz', namespace: 'cf-cronjob' },
        },
        201,
      ),
      apply(
        'an invalid schedule is refused',
        {
          ...cronJob('bad', { schedule: 'every day', jobTemplate: { spec: { template: { spec: podSpec } } } }),
          metadata: { name: 'bad', namespace: 'cf-cronjob' },
        },
        422,
      ),
      apply(
        'a name longer than 52 characters is refused',
        {
          ...cronJob('c'.repeat(53), { schedule: '@hourly', jobTemplate: { spec: { template: { spec: podSpec } } } }),
          metadata: { name: 'c'.repeat(53), namespace: 'cf-cronjob' },
        },
        422,
      ),
      patch('suspending it', '/apis/batch/v1/namespaces/cf-cronjob/cronjobs/nightly', 'merge', { spec: { suspend: true } }, 200),
    ],
  },
];
