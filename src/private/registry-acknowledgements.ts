import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, Dependable, IConstruct, IDependable } from 'constructs';
import { ACKNOWLEDGEMENTS } from './acknowledgements';

/**
 * Grant on the principal like `iam.Grant.addToPrincipal`, and acknowledge the
 * registry entry `modelPackageVersions` for the version wildcards among
 * `versionArns` on the policy the statement landed in (the managed policy of
 * a managed-policy grantee), or on the role whose policies hold it.
 *
 * The acknowledgement id is the one cdk-nag reports: the ARN flattened the way
 * cdk-nag flattens CloudFormation references (`{Ref: X}` → `<X>`), so it
 * covers exactly that resource of that rule and nothing else.
 */
export function grantWithVersionWildcards(options: iam.GrantOnPrincipalOptions, versionArns: string[]): iam.Grant {
  const real = options.grantee.grantPrincipal;
  let landedIn: IDependable | undefined;
  const spy = new Proxy(real, {
    get(target, prop) {
      if (prop === 'addToPrincipalPolicy') {
        return (statement: iam.PolicyStatement) => {
          const result = target.addToPrincipalPolicy(statement);
          landedIn = result.policyDependable;
          return result;
        };
      }
      return Reflect.get(target, prop, target);
    },
  });
  const grant = iam.Grant.addToPrincipal({ ...options, grantee: { grantPrincipal: spy } });
  const wildcards = versionArns.filter((arn) => options.resourceArns.includes(arn));
  if (!landedIn || wildcards.length === 0) {
    return grant;
  }
  // A managed policy is its own root; a role's default policy is only known at
  // synth (aws-cdk-lib may split it), so acknowledge on the role, which is the
  // ancestor of every policy it owns.
  const roots = Dependable.of(landedIn).dependencyRoots;
  const targets = roots.length > 0 ? roots : (Construct.isConstruct(real) ? [real] : []);
  for (const target of targets) {
    acknowledgeVersionWildcards(target, wildcards);
  }
  return grant;
}

function acknowledgeVersionWildcards(policy: IConstruct, arns: string[]): void {
  const [template] = ACKNOWLEDGEMENTS.modelPackageVersions.nag;
  const stack = Stack.of(policy);
  for (const arn of arns) {
    const flat = flatten(stack.resolve(arn));
    // The metadata `Validations.acknowledge()` records, written directly: that
    // method rejects ids with more than one '::', and a finding on an ARN with
    // a pseudo parameter (`<AWS::Partition>`) always has more. cdk-nag reads
    // this metadata on the resource and its ancestors.
    policy.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [template.id.replace('<arn>', flat)]: template.reason });
  }
}

/** cdk-nag's rendering of a CloudFormation value in finding ids. */
function flatten(node: unknown): string {
  if (node === undefined) {
    return '';
  }
  if (typeof node === 'string') {
    return node.replace(/\${/g, '<').replace(/}/g, '>');
  }
  const n = node as Record<string, any>;
  if (n['Fn::Join']) {
    const [delimiter, items] = n['Fn::Join'];
    return (items as unknown[]).map(flatten).join(delimiter);
  }
  if (n['Fn::Sub']) {
    return flatten(n['Fn::Sub']);
  }
  if (n['Fn::GetAtt']) {
    const [resource, attribute] = n['Fn::GetAtt'];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (n['Fn::ImportValue']) {
    return flatten(n['Fn::ImportValue']);
  }
  if (n.Ref) {
    return `<${flatten(n.Ref)}>`;
  }
  return JSON.stringify(node);
}
