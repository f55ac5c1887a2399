import { Aspects, CfnResource, IAspect } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The template metadata key that names the platform layer of a resource. */
export const LAYER_METADATA_KEY = 'cdk-mlops:layer';

/** Marks every CloudFormation resource under a scope with the layer it belongs to. */
class LayerTagger implements IAspect {
  constructor(private readonly layer: string) {}

  public visit(node: IConstruct): void {
    if (CfnResource.isCfnResource(node) && node.getMetadata(LAYER_METADATA_KEY) === undefined) {
      node.addMetadata(LAYER_METADATA_KEY, this.layer);
    }
  }
}

/**
 * Record the layer of every resource under `scope` in the template
 * (`Metadata['cdk-mlops:layer']`), for the cost report and the diagram.
 * The innermost tag wins: aspects of a scope run before those of its children.
 */
export function tagLayer(scope: IConstruct, layer: string): void {
  Aspects.of(scope).add(new LayerTagger(layer));
}

/**
 * The template metadata key, on a network's workload security group, that
 * names the interface endpoints the network uses but does not create
 * (`{ existing: [...], central: [...] }`), for the cost report.
 */
export const EXTERNAL_ENDPOINTS_METADATA = 'cdk-mlops:external-endpoints';
