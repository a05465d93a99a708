import { JsonObject, isObject, objectAt } from '../json-value';
import { objectsIn, setDefault } from './pod-defaults';

/** What a Service needs from the cluster: its IP and node ports, and the Service as it was. */
export interface ServiceAllocation {
  creating: boolean;
  live?: JsonObject;
  allocateClusterIP: () => string;
  allocateNodePort: () => number;
}

const NODE_PORT_TYPES = new Set(['NodePort', 'LoadBalancer']);

/**
 * Service defaults and allocations (SetDefaults_Service and the Service REST storage): a
 * cluster IP for every type but ExternalName, kept across updates; node ports for NodePort and
 * LoadBalancer, kept per port; the IP family fields; and on a change of type the fields that no
 * longer apply go.
 */
export function defaultService(object: JsonObject, allocation: ServiceAllocation): void {
  const spec = objectAt(object, 'spec');
  setDefault(spec, 'type', 'ClusterIP');
  setDefault(spec, 'sessionAffinity', 'None');
  const type = String(spec['type']);
  const liveSpec = allocation.live && isObject(allocation.live['spec']) ? allocation.live['spec'] : undefined;
  for (const port of objectsIn(spec, 'ports')) {
    setDefault(port, 'protocol', 'TCP');
    setDefault(port, 'targetPort', port['port'] ?? null);
  }
  const liveType = liveSpec ? String(liveSpec['type'] ?? 'ClusterIP') : undefined;
  if (type === 'ExternalName') {
    // A Service turned into an ExternalName loses what it was allocated.
    if (liveType !== undefined && liveType !== 'ExternalName')
      for (const key of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'internalTrafficPolicy', 'externalTrafficPolicy'])
        delete spec[key];
    for (const port of objectsIn(spec, 'ports')) delete port['nodePort'];
  } else {
    if (spec['clusterIP'] === undefined && liveSpec?.['clusterIP'] !== undefined) {
      spec['clusterIP'] = liveSpec['clusterIP']!;
      if (spec['clusterIPs'] === undefined && liveSpec['clusterIPs'] !== undefined) spec['clusterIPs'] = liveSpec['clusterIPs']!;
    }
    if (spec['clusterIP'] === undefined) spec['clusterIP'] = allocation.allocateClusterIP();
    setDefault(spec, 'clusterIPs', [spec['clusterIP']!]);
    // Headless Services without a selector may serve either family.
    const headlessWithoutSelector = spec['clusterIP'] === 'None' && !isObject(spec['selector']);
    setDefault(spec, 'ipFamilies', ['IPv4']);
    setDefault(spec, 'ipFamilyPolicy', headlessWithoutSelector ? 'RequireDualStack' : 'SingleStack');
    setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  }
  if (NODE_PORT_TYPES.has(type)) {
    setDefault(spec, 'externalTrafficPolicy', 'Cluster');
    const livePorts = liveSpec ? objectsIn(liveSpec, 'ports') : [];
    for (const port of objectsIn(spec, 'ports')) {
      if (port['nodePort'] !== undefined) continue;
      const same = livePorts.find((p) => p['port'] === port['port'] && (p['protocol'] ?? 'TCP') === port['protocol']);
      port['nodePort'] = typeof same?.['nodePort'] === 'number' ? same['nodePort'] : allocation.allocateNodePort();
    }
  } else if (liveType !== undefined && NODE_PORT_TYPES.has(liveType)) {
    // Node ports are wiped when the new type no longer needs them.
    delete spec['externalTrafficPolicy'];
    for (const port of objectsIn(spec, 'ports')) delete port['nodePort'];
  }
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  else if (liveType === 'LoadBalancer') delete spec['allocateLoadBalancerNodePorts'];
  setDefault(object, 'status', { loadBalancer: {} });
}
