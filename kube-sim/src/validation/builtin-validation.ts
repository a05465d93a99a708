import type { StatusCause } from '../api-error';
import { JsonObject, isObject } from '../json-value';
import {
  validateHorizontalPodAutoscaler,
  validateIngress,
  validateNetworkPolicy,
  validatePersistentVolumeClaim,
  validatePodDisruptionBudget,
  validatePriorityClass,
  validateRole,
  validateRoleBinding,
  validateStorageClass,
  validateWebhookConfiguration,
} from './cluster-validation';
import { validateConfigMap, validateConfigUpdate, validateSecret } from './config-validation';
import { podUpdateErrors, validatePodSpec } from './pod-spec-validation';
import { validateService } from './service-validation';
import { validateCronJob, validateJob, validateWorkload } from './workload-validation';

type Validator = (object: JsonObject, live: JsonObject | undefined) => StatusCause[];

const specOf = (object: JsonObject): JsonObject => (isObject(object['spec']) ? object['spec'] : {});

/** Each built-in kind's own validation (ValidateX and ValidateXUpdate), on top of metadata's. */
const VALIDATORS: Record<string, Validator> = {
  Deployment: (o, l) => validateWorkload('Deployment', o, l),
  ReplicaSet: (o, l) => validateWorkload('ReplicaSet', o, l),
  StatefulSet: (o, l) => validateWorkload('StatefulSet', o, l),
  DaemonSet: (o, l) => validateWorkload('DaemonSet', o, l),
  Job: validateJob,
  CronJob: validateCronJob,
  Pod: (o, l) => (l ? podUpdateErrors(specOf(o), specOf(l)) : validatePodSpec(specOf(o), 'spec', 'pod')),
  Service: validateService,
  ConfigMap: (o, l) => [...validateConfigMap(o), ...(l ? validateConfigUpdate('ConfigMap', o, l) : [])],
  Secret: (o, l) => [...validateSecret(o), ...(l ? validateConfigUpdate('Secret', o, l) : [])],
  PersistentVolumeClaim: validatePersistentVolumeClaim,
  Ingress: validateIngress,
  NetworkPolicy: validateNetworkPolicy,
  PodDisruptionBudget: validatePodDisruptionBudget,
  HorizontalPodAutoscaler: validateHorizontalPodAutoscaler,
  PriorityClass: validatePriorityClass,
  StorageClass: validateStorageClass,
  ValidatingWebhookConfiguration: validateWebhookConfiguration,
  MutatingWebhookConfiguration: validateWebhookConfiguration,
  Role: validateRole,
  ClusterRole: validateRole,
  RoleBinding: (o, l) => validateRoleBinding(o, l, false),
  ClusterRoleBinding: (o, l) => validateRoleBinding(o, l, true),
};

export function validateBuiltin(kind: string, object: JsonObject, live: JsonObject | undefined): StatusCause[] {
  return VALIDATORS[kind]?.(object, live) ?? [];
}

/** Kinds whose errors name the group they were first served in. */
const ERROR_GROUPS: Record<string, string> = { Ingress: 'extensions', NetworkPolicy: 'extensions' };

export function errorGroupOf(kind: string, group: string): string {
  return ERROR_GROUPS[kind] ?? group;
}
