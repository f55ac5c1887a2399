import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, Dependable, IConstruct, IDependable } from 'constructs';
import { acknowledgeArns, AcknowledgementName } from './acknowledgements';

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
  return grantWithWildcards(options, versionArns, 'modelPackageVersions');
}

/**
 * Grant on the principal like `iam.Grant.addToPrincipal`, and acknowledge the
 * registry entry `entry` for the wildcards among `wildcardArns` on the
 * policy the statement landed in, as `grantWithVersionWildcards` does.
 */
export function grantWithWildcards(options: iam.GrantOnPrincipalOptions, wildcardArns: string[], entry: AcknowledgementName): iam.Grant {
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
  const wildcards = wildcardArns.filter((arn) => options.resourceArns.includes(arn));
  if (!landedIn || wildcards.length === 0) {
    return grant;
  }
  // A managed policy is its own root; a role's default policy is only known at
  // synth (aws-cdk-lib may split it), so acknowledge on the role, which is the
  // ancestor of every policy it owns.
  const roots = Dependable.of(landedIn).dependencyRoots;
  const targets = roots.length > 0 ? roots : (Construct.isConstruct(real) ? [real] : []);
  for (const target of targets) {
    acknowledgeArns(target as IConstruct, entry, wildcards);
  }
  return grant;
}
