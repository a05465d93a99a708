import { expect } from 'vitest';
import { apply, differs, namespace, patch, wait, type Scenario } from '../scenario';

const podSpec = { restartPolicy: 'Never', containers: [{ name: 'run', image: 'busybox:1.36', command: ['true'] }] };
const batch = (kind: string, namespace: string, name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'batch/v1',
  kind,
  metadata: { name, namespace },
  spec,
});
const job = (name: string, spec: Record<string, unknown>) => batch('Job', 'cf-batch', name, spec);
const cronJob = (name: string, spec: Record<string, unknown>) => batch('CronJob', 'cf-cronjob', name, spec);
const jobPath = (name: string) => `/apis/batch/v1/namespaces/cf-batch/jobs/${name}`;
const refused = (field: string, message?: unknown) => ({
  status: 422,
  body: { details: { causes: [{ field, ...(message ? { message } : {}) }] } },
});
const uid = expect.stringMatching(/^[0-9a-f-]{36}$/);
const GO_DUMP = 'the real message prints the Go value of the pod template';

export const BATCH_SCENARIOS: Scenario[] = [
  {
    name: 'job',
    about: 'Job: generated selector and labels, immutable template, suspend, validation',
    transcript: '17-job-and-cronjob',
    steps: [
      namespace('cf-batch'),
      apply('a Job: a selector and labels of its own uid', job('once', { template: { spec: podSpec } }), {
        status: 201,
        body: {
          metadata: { labels: { 'controller-uid': uid, 'job-name': 'once' } },
          spec: {
            parallelism: 1,
            completions: 1,
            backoffLimit: 6,
            completionMode: 'NonIndexed',
            suspend: false,
            selector: { matchLabels: { 'controller-uid': uid } },
            template: { metadata: { labels: { 'controller-uid': uid, 'job-name': 'once' } } },
          },
          status: {},
        },
      }),
      wait('the controller started it', jobPath('once'), { field: 'status.active', equals: 1 }),
      apply('re-apply: unchanged', job('once', { template: { spec: podSpec } }), { status: 200, body: { metadata: { generation: 1 } } }),
      differs(
        apply(
          'changing the template is refused',
          job('once', { template: { spec: { ...podSpec, containers: [{ ...podSpec.containers[0], image: 'busybox:1.37' }] } } }),
          refused('spec.template'),
        ),
        GO_DUMP,
        ['$.message', '$.details.causes[0].message'],
      ),
      patch(
        'changing parallelism is allowed',
        jobPath('once'),
        'merge',
        { spec: { parallelism: 2 } },
        { status: 200, body: { metadata: { generation: 2 }, spec: { parallelism: 2 } } },
      ),
      patch(
        'changing completions is refused',
        jobPath('once'),
        'merge',
        { spec: { completions: 3 } },
        refused('spec.completions', 'Invalid value: 3: field is immutable'),
      ),
      apply(
        'restartPolicy Always is refused',
        job('always', { template: { spec: { ...podSpec, restartPolicy: 'Always' } } }),
        refused('spec.template.spec.restartPolicy', 'Required value: valid values: "OnFailure", "Never"'),
      ),
      apply(
        'a suspended indexed Job, parallelism given: completions stay as written',
        job('indexed', {
          suspend: true,
          completions: 3,
          parallelism: 3,
          completionMode: 'Indexed',
          ttlSecondsAfterFinished: 60,
          template: { spec: podSpec },
        }),
        { status: 201, body: { spec: { suspend: true, completionMode: 'Indexed', completions: 3, ttlSecondsAfterFinished: 60 } } },
      ),
      apply('only parallelism given: no completions', job('work-queue', { parallelism: 2, template: { spec: podSpec } }), {
        status: 201,
        body: { spec: { parallelism: 2 } },
        absent: ['spec.completions'],
      }),
      apply(
        'a Job with its own selector but no manualSelector',
        job('selected', { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: podSpec } }),
        refused(
          'spec.selector',
          expect.stringMatching(
            /^Invalid value: v1\.LabelSelector\{MatchLabels:map\[string\]string\{"a":"b", "controller-uid":"[0-9a-f-]+"\}.*`selector` not auto-generated$/,
          ),
        ),
      ),
    ],
  },
  {
    name: 'cronjob',
    about: 'CronJob: defaults, schedule and name validation, a time zone the v1.24 server drops',
    transcript: '17-job-and-cronjob',
    steps: [
      namespace('cf-cronjob'),
      apply('a CronJob', cronJob('nightly', { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: podSpec } } } }), {
        status: 201,
        body: {
          spec: {
            concurrencyPolicy: 'Allow',
            suspend: false,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 1,
            jobTemplate: { metadata: { creationTimestamp: null }, spec: { template: { metadata: { creationTimestamp: null } } } },
          },
          status: {},
        },
        absent: ['spec.jobTemplate.spec.parallelism', 'spec.jobTemplate.spec.backoffLimit'],
      }),
      apply(
        'a CronJob with a time zone (an alpha field, off in v1.24): dropped',
        cronJob('tz', { schedule: '@daily', timeZone: 'Europe/Paris', jobTemplate: { spec: { template: { spec: podSpec } } } }),
        { status: 201, absent: ['spec.timeZone'] },
      ),
      apply(
        'an invalid schedule is refused',
        cronJob('bad', { schedule: 'every day', jobTemplate: { spec: { template: { spec: podSpec } } } }),
        refused('spec.schedule', 'Invalid value: "every day": expected exactly 5 fields, found 2: [every day]'),
      ),
      apply(
        'a minute out of range is refused',
        cronJob('range', { schedule: '61 * * * *', jobTemplate: { spec: { template: { spec: podSpec } } } }),
        refused('spec.schedule', 'Invalid value: "61 * * * *": end of range (61) above maximum (59): 61'),
      ),
      apply(
        'a name longer than 52 characters is refused',
        cronJob('c'.repeat(53), { schedule: '@hourly', jobTemplate: { spec: { template: { spec: podSpec } } } }),
        refused('metadata.name', `Invalid value: "${'c'.repeat(53)}": must be no more than 52 characters`),
      ),
      patch(
        'suspending it',
        '/apis/batch/v1/namespaces/cf-cronjob/cronjobs/nightly',
        'merge',
        { spec: { suspend: true } },
        {
          status: 200,
          body: { metadata: { generation: 2 }, spec: { suspend: true } },
        },
      ),
    ],
  },
];
