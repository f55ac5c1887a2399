/**
 * Each layer built with its defaults, for the logical-id lock and the Control
 * Tower proactive controls: the smallest realistic use of every construct
 * that owns stateful resources.
 */
import { Construct } from 'constructs';
import { CONNECTION_ARN, monitored, smallDefinition } from './generators-workflow';
import { CiPipeline, CiSource } from '../../src/ci';
import { ApprovalDeployment } from '../../src/deployment';
import { ExplorationDomain } from '../../src/exploration';
import { SageMakerGuardrail } from '../../src/governance';
import { DriftMonitor } from '../../src/monitoring';
import { SecureMlNetwork } from '../../src/network';
import { MlPipeline } from '../../src/pipeline';
import { ModelRegistry } from '../../src/registry';

/** A layer with its default build. */
export interface DefaultLayer {
  readonly name: string;
  readonly build: (scope: Construct) => void;
}

export const DEFAULT_LAYERS: DefaultLayer[] = [
  { name: 'network', build: (scope) => { new SecureMlNetwork(scope, 'Network'); } },
  { name: 'registry', build: (scope) => { new ModelRegistry(scope, 'Registry'); } },
  {
    name: 'exploration',
    build: (scope) => {
      new ExplorationDomain(scope, 'Domain', { network: new SecureMlNetwork(scope, 'Network'), userProfiles: [{ userProfileName: 'alice' }] });
    },
  },
  { name: 'governance', build: (scope) => { new SageMakerGuardrail(scope, 'Guardrail'); } },
  { name: 'pipeline', build: (scope) => { new MlPipeline(scope, 'Pipeline', { definition: smallDefinition() }); } },
  {
    name: 'ci',
    build: (scope) => {
      new CiPipeline(scope, 'Ci', {
        pipeline: MlPipeline.fromPipelineName(scope, 'Ml', 'churn'),
        source: CiSource.connection({ connectionArn: CONNECTION_ARN, owner: 'acme-ml', repo: 'churn-model' }),
      });
    },
  },
  {
    name: 'deployment',
    build: (scope) => { new ApprovalDeployment(scope, 'Deployment', { registry: ModelRegistry.fromModelPackageGroupName(scope, 'Registry', 'churn') }); },
  },
  { name: 'monitoring', build: (scope) => { new DriftMonitor(scope, 'Drift', monitored(scope)); } },
];
