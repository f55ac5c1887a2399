import * as fs from 'fs';
import * as path from 'path';
import {
  CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, PolicyValidationPluginReport,
  PolicyViolation, Stack, UnscopedValidationError, Validations,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { MlopsRule, MlopsRuleSeverity, RuleFinding, TemplateResource } from './mlops-rule';
import {
  DomainHomeStorageKeyRule, DomainVpcOnlyRule, EndpointConfigDataCaptureRule, EndpointConfigInstanceCountRule,
  EndpointConfigKeyRule, MlflowArtifactStoreRule, ModelPackageGroupSharingRule, PipelineDefinitionInspectableRule,
  PipelineJobSecurityRule, SageMakerDataBucketRule, StudioRootAccessRule,
} from './rules';
import { PRODUCTION_TAG_KEY, PRODUCTION_TAG_VALUE } from './rules/production';
import { ACCOUNT_ID, ORGANIZATION_ID, Problem } from '../private/validation';

/**
 * Properties of `MlopsChecks`.
 */
export interface MlopsChecksProps {
  /**
   * The rules to run. Build on the defaults with
   * `[...MlopsChecks.builtInRules(props), myRule]`.
   * @default - every built-in rule (`MlopsChecks.builtInRules(props)`)
   */
  readonly rules?: MlopsRule[];
  /**
   * Ids of rules not to run, e.g. `['MLOPS-SM-008']`. Each must be the id of
   * one of the rules.
   * @default - run every rule
   */
  readonly exclude?: string[];
  /**
   * Accounts model package groups may be shared with (MLOPS-SM-009).
   * @default - none besides the group's own account
   */
  readonly allowedAccountIds?: string[];
  /**
   * Organizations model package groups may be shared with as a whole, with
   * an `aws:PrincipalOrgID` condition (MLOPS-SM-009).
   * @default - none
   */
  readonly allowedOrganizationIds?: string[];
  /**
   * Report every finding with this severity instead of the rule's own, e.g.
   * `WARNING` to list findings without failing synth while adopting the pack.
   * @default - each rule's severity
   */
  readonly severity?: MlopsRuleSeverity;
}

/** The name the plugin reports under (and the prefix of app-wide acknowledgements). */
const PLUGIN_NAME = 'MlopsChecks';

/**
 * MLOps rules for any CDK app, as an aws-cdk-lib policy-validation plugin:
 *
 * ```ts
 * import { App, Validations } from 'aws-cdk-lib';
 * import { MlopsChecks } from 'cdk-mlops';
 *
 * const app = new App();
 * Validations.of(app).addPlugins(new MlopsChecks({ allowedAccountIds: ['222222222222'] }));
 * ```
 *
 * It reads every synthesized template and reports, per rule, the resources
 * that break it (with their construct path) in the synth output and in
 * `validation-report.json` of the cloud assembly. It needs no cdk-nag.
 *
 * Acknowledge a finding with aws-cdk-lib's `Validations`, with a reason:
 * - `Validations.of(construct).acknowledge({ id: 'MLOPS-SM-006', reason })`
 *   acknowledges the rule for the resources of that construct and its
 *   children (the plugin walks up from each resource's construct, the way
 *   cdk-nag 3 does; the id is stored as `annotation::MLOPS-SM-006`);
 * - `{ id: 'MlopsChecks::MLOPS-SM-006', reason }` on any construct
 *   acknowledges the rule app-wide (aws-cdk-lib moves the findings to the
 *   report's suppressed violations).
 */
export class MlopsChecks implements IPolicyValidationPlugin {
  /**
   * The tag key that marks an endpoint config as production (MLOPS-SM-007,
   * MLOPS-SM-008): `Tags.of(config).add(MlopsChecks.PRODUCTION_TAG_KEY, MlopsChecks.PRODUCTION_TAG_VALUE)`.
   */
  public static readonly PRODUCTION_TAG_KEY = PRODUCTION_TAG_KEY;
  /** The tag value that marks an endpoint config as production (compared case-insensitively). */
  public static readonly PRODUCTION_TAG_VALUE = PRODUCTION_TAG_VALUE;

  /**
   * The built-in rules, configured with `props` (the account and
   * organization allow-lists).
   */
  public static builtInRules(props: MlopsChecksProps = {}): MlopsRule[] {
    return [
      new DomainVpcOnlyRule(),
      new StudioRootAccessRule(),
      new DomainHomeStorageKeyRule(),
      new PipelineJobSecurityRule(),
      new PipelineDefinitionInspectableRule(),
      new EndpointConfigKeyRule(),
      new EndpointConfigDataCaptureRule(),
      new EndpointConfigInstanceCountRule(),
      new ModelPackageGroupSharingRule({
        allowedAccountIds: props.allowedAccountIds,
        allowedOrganizationIds: props.allowedOrganizationIds,
      }),
      new MlflowArtifactStoreRule(),
      new SageMakerDataBucketRule(),
    ];
  }

  /** The plugin name in the validation report. */
  public readonly name = PLUGIN_NAME;
  /** Ids of the rules this plugin runs. */
  public readonly ruleIds?: string[];
  /** The rules this plugin runs. */
  public readonly rules: MlopsRule[];
  private readonly severity?: MlopsRuleSeverity;

  constructor(props: MlopsChecksProps = {}) {
    validateChecksProps(props);
    const all = props.rules ?? MlopsChecks.builtInRules(props);
    const excluded = new Set(props.exclude ?? []);
    this.rules = all.filter((r) => !excluded.has(r.id));
    this.ruleIds = this.rules.map((r) => r.id);
    this.severity = props.severity;
  }

  /** Evaluate the templates of the app (called by aws-cdk-lib during synth). */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    const constructs = new ConstructIndex(context.appConstruct);
    const violations = new Map<string, PolicyViolation & { violatingResources: any[] }>();
    let evaluated = 0;
    let acknowledged = 0;
    for (const templatePath of context.templatePaths) {
      const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
      for (const [logicalId, raw] of Object.entries<any>(template.Resources ?? {})) {
        const resource = TemplateResource._of(logicalId, raw, template, templatePath);
        const construct = constructs.find(templatePath, logicalId, resource.constructPath);
        for (const rule of this.rules) {
          if (!rule.resourceTypes.includes(resource.type)) {
            continue;
          }
          evaluated++;
          for (const finding of this.findingsOf(rule, resource)) {
            if (construct && isAcknowledged(construct, rule.id)) {
              acknowledged++;
              continue;
            }
            const severity = this.severity ?? finding.severity ?? rule.severity;
            const key = `${rule.id}\n${severity}\n${finding.message}`;
            let violation = violations.get(key);
            if (!violation) {
              violation = {
                ruleName: rule.id,
                description: `${rule.description} Found: ${finding.message}.`,
                fix: rule.fix,
                severity,
                violatingResources: [],
              };
              violations.set(key, violation);
            }
            violation.violatingResources.push({
              resourceLogicalId: logicalId,
              templatePath,
              locations: [finding.location ?? 'Properties'],
            });
          }
        }
      }
    }
    const list = [...violations.values()];
    return {
      success: !list.some((v) => v.severity === MlopsRuleSeverity.ERROR),
      violations: list,
      metadata: {
        rules: String(this.rules.length),
        evaluations: String(evaluated),
        acknowledged: String(acknowledged),
      },
    };
  }

  private findingsOf(rule: MlopsRule, resource: TemplateResource): RuleFinding[] {
    try {
      return rule.evaluate(resource) ?? [];
    } catch (e) {
      return [{ message: `the rule failed on this resource: ${(e as Error).message}`, severity: MlopsRuleSeverity.ERROR }];
    }
  }
}

/** Finds the construct of a template resource: by `aws:cdk:path`, else by stack template file and logical id. */
class ConstructIndex {
  private byLogicalId?: Map<string, IConstruct>;
  private byPath?: Map<string, IConstruct>;

  constructor(private readonly root: IConstruct) {}

  public find(templatePath: string, logicalId: string, constructPath?: string): IConstruct | undefined {
    this.build();
    return (constructPath ? this.byPath!.get(constructPath) : undefined)
      ?? this.byLogicalId!.get(`${path.basename(templatePath)}|${logicalId}`);
  }

  private build(): void {
    if (this.byPath) {
      return;
    }
    this.byPath = new Map();
    this.byLogicalId = new Map();
    for (const c of this.root.node.findAll()) {
      this.byPath.set(c.node.path, c);
      if (CfnResource.isCfnResource(c)) {
        const stack = Stack.of(c);
        this.byLogicalId.set(`${stack.templateFile}|${stack.resolve(c.logicalId)}`, c);
      }
    }
  }
}

/**
 * True when the rule was acknowledged on the construct or an ancestor with
 * `Validations.of(x).acknowledge({ id })`, stored as `annotation::<id>` (or
 * `Annotation::` in newer aws-cdk-lib). `MlopsChecks::<id>` is left to
 * aws-cdk-lib, which suppresses it app-wide and keeps it in the report.
 */
function isAcknowledged(construct: IConstruct, ruleId: string): boolean {
  const wanted = ruleId.toLowerCase();
  for (let current: IConstruct | undefined = construct; current; current = current.node.scope) {
    for (const entry of current.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data || typeof entry.data !== 'object') {
        continue;
      }
      for (const id of Object.keys(entry.data)) {
        if (id.replace(/^annotation::/i, '').toLowerCase() === wanted) {
          return true;
        }
      }
    }
  }
  return false;
}

function validateChecksProps(props: MlopsChecksProps): void {
  const problems: Problem[] = [];
  (props.allowedAccountIds ?? []).forEach((id, i) => {
    if (!ACCOUNT_ID.test(id)) {
      problems.push({ prop: `allowedAccountIds[${i}]`, value: id, allowed: 'a 12-digit AWS account id', fix: 'use the account id, e.g. 222222222222, not an ARN or alias' });
    }
  });
  (props.allowedOrganizationIds ?? []).forEach((id, i) => {
    if (!ORGANIZATION_ID.test(id)) {
      problems.push({ prop: `allowedOrganizationIds[${i}]`, value: id, allowed: 'an AWS Organizations id (o-xxxxxxxxxx)', fix: 'use the organization id, not the root id (r-...) or an ARN' });
    }
  });
  const known = new Set((props.rules ?? MlopsChecks.builtInRules()).map((r) => r.id));
  (props.exclude ?? []).forEach((id, i) => {
    if (!known.has(id)) {
      problems.push({ prop: `exclude[${i}]`, value: id, allowed: `one of ${[...known].join(', ')}`, fix: 'use the id of a rule the pack runs' });
    }
  });
  const ids = (props.rules ?? []).map((r) => r.id);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (duplicates.length > 0) {
    problems.push({ prop: 'rules', value: duplicates, allowed: 'rules with distinct ids', fix: 'give each custom rule its own id' });
  }
  if (problems.length > 0) {
    const lines = problems.map((p) => `- ${p.prop}: got ${JSON.stringify(p.value)}; allowed: ${p.allowed}. Fix: ${p.fix}`);
    const noun = problems.length === 1 ? 'problem' : 'problems';
    throw new UnscopedValidationError('CdkMlopsInvalidProps' as any, `MlopsChecks has ${problems.length} invalid ${noun}:\n${lines.join('\n')}`);
  }
}
