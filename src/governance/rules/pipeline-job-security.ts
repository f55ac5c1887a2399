import { MlopsRule, RuleFinding, TemplateResource } from '../mlops-rule';
import { allSteps, readPipelineDefinition, stepGaps } from '../private/pipeline';

/**
 * MLOPS-SM-004: every job a SageMaker pipeline starts is locked down.
 *
 * The definition (`PipelineDefinitionBody`, also when CDK renders it as an
 * Fn::Join or Fn::Sub with tokens, and in the JSON shape of the SageMaker
 * Python SDK) is parsed, and every step is checked at any depth: Condition
 * branches, SDK 3.x ForEach bodies and any other nested list of steps (the
 * same step set the pipeline layer scans for the role). For each step:
 * - Training, and each training definition of a Tuning step: VpcConfig with
 *   subnets and security groups, volume and output KMS keys,
 *   EnableInterContainerTrafficEncryption and EnableNetworkIsolation true;
 * - Processing, QualityCheck and ClarifyCheck (their Arguments are processing
 *   jobs): NetworkConfig.VpcConfig, volume KMS key, output KMS key when it has
 *   outputs, inter-container traffic encryption;
 * - Transform: volume and output KMS keys (a transform job runs in the VPC of
 *   its model);
 * - Model: VpcConfig and EnableNetworkIsolation true (what its transform jobs run with).
 *
 * A value only known at deploy time (a token, a pipeline parameter without
 * default, a step property) counts as set. A volume key is not required on
 * instance types with local NVMe storage, which reject one. Definitions in
 * S3 cannot be read at synth: MLOPS-SM-005 reports those.
 */
export class PipelineJobSecurityRule extends MlopsRule {
  constructor() {
    super({
      id: 'MLOPS-SM-004',
      description: 'Every training, tuning, processing, check and transform job and every model of a SageMaker pipeline, at any depth, has VPC config, volume and output KMS keys and inter-container encryption; training and models have network isolation.',
      fix: 'Set the missing fields on the step (SageMaker Python SDK: subnets/security_group_ids or network_config, volume_kms_key, output_kms_key, encrypt_inter_container_traffic=True, enable_network_isolation=True; cdk-mlops steps set them by default).',
      resourceTypes: ['AWS::SageMaker::Pipeline'],
    });
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    const { definition } = readPipelineDefinition(resource._properties);
    if (!definition) {
      return [];
    }
    const findings: RuleFinding[] = [];
    for (const step of allSteps(definition)) {
      const gaps = stepGaps(step, definition);
      if (gaps.length > 0) {
        findings.push({
          message: `step '${step.name}' (${step.type}) lacks: ${gaps.join(', ')}`,
          location: `Properties/PipelineDefinition/PipelineDefinitionBody/Steps[${step.name}]`,
        });
      }
    }
    return findings;
  }
}
