import { MlopsRule, MlopsRuleSeverity, RuleFinding, TemplateResource } from '../mlops-rule';
import { readPipelineDefinition } from '../private/pipeline';

/**
 * MLOPS-SM-005 (warning): the definition of a SageMaker pipeline can be read
 * at synth, so MLOPS-SM-004 can check its jobs. A definition stored in S3
 * (`PipelineDefinitionS3Location`) or given whole by a parameter cannot.
 */
export class PipelineDefinitionInspectableRule extends MlopsRule {
  constructor() {
    super({
      id: 'MLOPS-SM-005',
      description: 'SageMaker pipeline definitions can be inspected at synth (inline PipelineDefinitionBody).',
      fix: 'Keep the definition inline (PipelineDefinitionBody, up to 1 MB as a template in S3), or acknowledge MLOPS-SM-005 on the pipeline after reviewing the S3 definition another way.',
      resourceTypes: ['AWS::SageMaker::Pipeline'],
      severity: MlopsRuleSeverity.WARNING,
    });
  }

  public evaluate(resource: TemplateResource): RuleFinding[] {
    const { problem } = readPipelineDefinition(resource._properties);
    return problem ? [{ message: `cannot inspect the pipeline's jobs: ${problem}`, location: 'Properties/PipelineDefinition' }] : [];
  }
}
