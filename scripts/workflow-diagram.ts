/**
 * Renders the synthesized ApprovalDeployment workflow (Amazon States
 * Language) as Mermaid state diagrams and writes them into
 * docs/deployment-lifecycle.md, between the `<!-- diagram:NAME -->` and
 * `<!-- /diagram:NAME -->` markers. test/deployment/workflow-diagram.test.ts
 * checks that the committed diagrams are what this renders.
 *
 *   npx ts-node --prefer-ts-exts scripts/workflow-diagram.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApprovalDeployment } from '../src/deployment';
import { ModelRegistry } from '../src/registry';

export const DOC = path.join(__dirname, '..', 'docs', 'deployment-lifecycle.md');

/** The default deployment's workflow definition (registry `churn`, stages staging → gate → production). */
export function defaultDefinition(): any {
  const app = new App();
  const stack = new Stack(app, 'Docs', { env: { account: '111111111111', region: 'us-east-1' } });
  new ApprovalDeployment(stack, 'Deployment', { registry: ModelRegistry.fromModelPackageGroupName(stack, 'Registry', 'churn') });
  const machines = Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine');
  const [main] = Object.entries<any>(machines).filter(([id]) => !id.includes('Starter')).map(([, r]) => r);
  return JSON.parse(flatten(main.Properties.DefinitionString));
}

/** A CloudFormation value as text, references as `<ref>`. */
function flatten(node: any): string {
  if (typeof node === 'string') {
    return node;
  }
  if (node['Fn::Join']) {
    return (node['Fn::Join'][1] as any[]).map(flatten).join(node['Fn::Join'][0]);
  }
  return '<ref>';
}

/** A Choice rule in words: `EndpointStatus = Failed`, `Loop < 3 and Events < EventBudget`. */
export function describeRule(rule: any): string {
  if (rule.And) {
    return rule.And.map(describeRule).join(' and ');
  }
  if (rule.Or) {
    const parts: string[] = rule.Or.map(describeRule);
    const same = parts.map((p) => p.split(' = ')[0]);
    if (parts.every((p) => p.includes(' = ')) && same.every((v) => v === same[0])) {
      return `${same[0]} in ${parts.map((p) => p.split(' = ')[1]).join('/')}`;
    }
    return `(${parts.join(' or ')})`;
  }
  if (rule.Not) {
    return `not ${describeRule(rule.Not)}`;
  }
  // A path without the workflow's containers: `Existing.EndpointStatus`, `Approved.Newest[0].ModelPackageVersion`.
  const name = (p: string) => p.replace(/^\$+\./, '').split('.').filter((part) => !['Stage', 'Context', 'Counters'].includes(part)).join('.');
  const v = name(rule.Variable ?? '');
  const ops: Array<[string, string]> = [
    ['StringEquals', '='], ['BooleanEquals', '='], ['NumericEquals', '='], ['NumericLessThan', '<'], ['NumericGreaterThan', '>'],
    ['NumericLessThanEquals', '<='], ['NumericGreaterThanEquals', '>='], ['StringMatches', 'matches'],
  ];
  for (const [op, sym] of ops) {
    if (rule[op] !== undefined) {
      return `${v} ${sym} ${rule[op]}`;
    }
    if (rule[`${op}Path`] !== undefined) {
      return `${v} ${sym} ${name(rule[`${op}Path`])}`;
    }
  }
  if (rule.IsPresent !== undefined) {
    return rule.IsPresent ? `${v} present` : `${v} absent`;
  }
  return Object.keys(rule).filter((k) => k !== 'Variable' && k !== 'Next').join(',');
}

/** What one state goes to: [target, label]. */
function transitions(state: any): Array<[string | null, string]> {
  const out: Array<[string | null, string]> = [];
  for (const rule of state.Choices ?? []) {
    out.push([rule.Next, describeRule(rule)]);
  }
  if (state.Default) {
    out.push([state.Default, 'otherwise']);
  }
  for (const c of state.Catch ?? []) {
    out.push([c.Next, `catch ${c.ErrorEquals.join(', ')}`]);
  }
  if (state.Next) {
    out.push([state.Next, '']);
  }
  if (state.End || state.Type === 'Succeed') {
    out.push([null, '']);
  }
  if (state.Type === 'Fail') {
    out.push([null, state.Error ?? state.ErrorPath ?? 'fail']);
  }
  return out;
}

/**
 * A Mermaid `stateDiagram-v2` of `states` (a definition's or a branch's
 * `States`, filtered by `keep`). Parallel and Map states are single nodes;
 * transitions to states that are not shown end the diagram (`[*]`).
 */
export function renderMermaid(definition: any, keep: (name: string) => boolean = () => true, start?: string): string {
  const names = Object.keys(definition.States).filter(keep);
  const ids = new Map(names.map((n, i) => [n, `s${i}`]));
  const label = (n: string) => {
    const st = definition.States[n];
    const suffix = st.Type === 'Parallel' ? ` (${st.Branches.length} branch${st.Branches.length === 1 ? '' : 'es'})` : st.Type === 'Map' ? ' (each item)' : '';
    return `${n}${suffix}`.replace(/"/g, '\'');
  };
  const lines = ['stateDiagram-v2'];
  for (const n of names) {
    lines.push(`  state "${label(n)}" as ${ids.get(n)}`);
  }
  const first = start ?? definition.StartAt;
  if (ids.has(first)) {
    lines.push(`  [*] --> ${ids.get(first)}`);
  }
  for (const n of names) {
    for (const [target, text] of transitions(definition.States[n])) {
      const to = target && ids.has(target) ? ids.get(target) : '[*]';
      const note = text || (target && !ids.has(target) ? `to ${target}` : '');
      lines.push(`  ${ids.get(n)} --> ${to}${note ? ` : ${note.replace(/:/g, ' -')}` : ''}`);
    }
  }
  return lines.join('\n');
}

/** The diagrams of the document, by name. */
export function diagrams(definition: any = defaultDefinition()): Record<string, string> {
  const deploy = definition.States['Deploy stages'];
  const branch = deploy.Branches[0];
  const stage = 'production';
  const inStage = (n: string) => n.startsWith(`${stage}: `);
  // Where the stage starts: the stage state the previous stage goes to.
  const entry = Object.entries<any>(branch.States).filter(([n]) => !inStage(n))
    .flatMap(([, st]) => transitions(st).map(([target]) => target)).find((t) => t !== null && inStage(t))!;
  return {
    overview: renderMermaid(definition),
    stage: renderMermaid(branch, inStage, entry),
  };
}

/** The document with every diagram block replaced by `rendered`. */
export function withDiagrams(doc: string, rendered: Record<string, string>): string {
  let out = doc;
  for (const [name, mermaid] of Object.entries(rendered)) {
    const re = new RegExp(`(<!-- diagram:${name} -->\\n)[\\s\\S]*?(<!-- /diagram:${name} -->)`);
    if (!re.test(out)) {
      throw new Error(`${DOC} has no <!-- diagram:${name} --> ... <!-- /diagram:${name} --> block`);
    }
    out = out.replace(re, `$1\`\`\`mermaid\n${mermaid}\n\`\`\`\n$2`);
  }
  return out;
}

if (require.main === module) {
  const doc = fs.readFileSync(DOC, 'utf8');
  fs.writeFileSync(DOC, withDiagrams(doc, diagrams()));
  console.log(`wrote the workflow diagrams into ${path.relative(process.cwd(), DOC)}`);
}
