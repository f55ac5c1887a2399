import { Stack, Stage } from 'aws-cdk-lib';
import { HOURS_PER_MONTH, INFERENCE_INSTANCE_HOUR, INFERENCE_SOURCE, PRICE_REGION, PRICES, PriceEntry } from './prices';
import { EXTERNAL_ENDPOINTS_METADATA, LAYER_METADATA_KEY } from '../private/platform-layer-tag';

/** One line of a cost report: a resource (or group of identical units) with a fixed monthly cost. */
export interface CostLine {
  /** The stack the resource is in. */
  readonly stackName: string;
  /** The platform layer of the resource (`network`, `exploration`, ...), or `other`. */
  readonly layer: string;
  /** The logical id of the resource in its template. */
  readonly logicalId: string;
  /** What is charged, e.g. `interface endpoint sagemaker.api`. */
  readonly item: string;
  /** Number of billed units (AZs, instances, alarm metrics...). */
  readonly quantity: number;
  /** Monthly price of one unit, USD. */
  readonly unitMonthlyUsd: number;
  /** Monthly cost of the line, USD (quantity × unit price). */
  readonly monthlyUsd: number;
  /** False when the price table has no price for it (the line counts 0). */
  readonly priced: boolean;
  /** What is not counted or assumed. */
  readonly note?: string;
}

/** One entry of the price table. */
export interface PriceTableEntry {
  /** Name of the price. */
  readonly name: string;
  /** USD per unit. */
  readonly usd: number;
  /** The unit. */
  readonly unit: string;
  /** Region of the price. */
  readonly region: string;
  /** Where the price comes from. */
  readonly source: string;
  /** When it was taken. */
  readonly date: string;
  /** False when the number could not be confirmed on the source page. */
  readonly confirmed: boolean;
}

/** Options of a cost report. */
export interface CostReportOptions {
  /**
   * Name of the stack, for the lines.
   * @default 'template'
   */
  readonly stackName?: string;
  /**
   * Availability Zones assumed for an interface endpoint whose subnets are not a literal list.
   * @default 2
   */
  readonly defaultAzCount?: number;
}

/**
 * The fixed monthly cost of what a stack deploys, before any traffic: what
 * the platform costs idle. Read from the synthesized template, per layer
 * (resources carry `Metadata['cdk-mlops:layer']` when an MlopsPlatform built
 * them) and in total, priced with the table in `src/platform/prices.ts`
 * (us-east-1, on-demand).
 *
 * Counted: interface endpoints per AZ (endpoints a network takes from a
 * central endpoint VPC or finds in an existing VPC are listed at $0: they are
 * billed where they live), NAT gateways, KMS keys, CloudWatch
 * alarms, real-time and asynchronous endpoint instances at minimum capacity
 * (from endpoint configs in the template and from the deployment workflow's
 * stage settings; an asynchronous stage that scales in to zero counts 0),
 * MLflow tracking servers; serverless stages and batch transform stages are
 * listed at 0 (billed only while they serve or a job runs). Not counted: usage (data processed by endpoints
 * and NAT, requests, storage, jobs, Studio apps while running).
 */
export class CostReport {
  /** Hours per month used to turn hourly prices into monthly ones. */
  public static readonly HOURS_PER_MONTH = HOURS_PER_MONTH;

  /** The report of a stack of an app (synthesizes the app if it was not). */
  public static fromStack(stack: Stack, options: CostReportOptions = {}): CostReport {
    const stage = Stage.of(stack);
    if (!stage) {
      throw new Error(`CostReport.fromStack: ${stack.node.path} is not in an App or Stage`);
    }
    const template = stage.synth().getStackArtifact(stack.artifactId).template;
    return new CostReport(priceTemplate(template, options.stackName ?? stack.stackName, options.defaultAzCount ?? 2));
  }

  /** The report of a synthesized CloudFormation template, given as its JSON text. */
  public static fromTemplate(templateJson: string, options: CostReportOptions = {}): CostReport {
    return new CostReport(priceTemplate(JSON.parse(templateJson), options.stackName ?? 'template', options.defaultAzCount ?? 2));
  }

  /** Several reports as one (e.g. the stacks of a multi-account app). */
  public static combine(reports: CostReport[]): CostReport {
    return new CostReport(reports.flatMap((r) => r.lines));
  }

  /** The price table the reports use. */
  public static priceTable(): PriceTableEntry[] {
    const entries = Object.entries(PRICES).map(([name, p]) => entryOf(name, p));
    for (const [type, usd] of Object.entries(INFERENCE_INSTANCE_HOUR)) {
      entries.push(entryOf(`inference-${type}-hour`, { ...INFERENCE_SOURCE, usd }));
    }
    return entries;
  }

  private constructor(
    /** Every line with a fixed cost (or a noted zero-cost item). */
    public readonly lines: CostLine[],
  ) {}

  /** Total fixed monthly cost, USD. */
  public get totalMonthlyUsd(): number {
    return round(this.lines.reduce((sum, l) => sum + l.monthlyUsd, 0));
  }

  /** The layers that have lines, in order of first appearance. */
  public get layers(): string[] {
    return [...new Set(this.lines.map((l) => l.layer))];
  }

  /** Fixed monthly cost of one layer, USD. */
  public monthlyUsdOf(layer: string): number {
    return round(this.lines.filter((l) => l.layer === layer).reduce((sum, l) => sum + l.monthlyUsd, 0));
  }

  /** Fixed monthly cost of one stack, USD. */
  public monthlyUsdOfStack(stackName: string): number {
    return round(this.lines.filter((l) => l.stackName === stackName).reduce((sum, l) => sum + l.monthlyUsd, 0));
  }

  /** Lines whose item has no price in the table. */
  public get unpriced(): CostLine[] {
    return this.lines.filter((l) => !l.priced);
  }

  /** The report as text: per layer, then the total and what is not counted. */
  public toText(): string {
    const out: string[] = [];
    for (const layer of this.layers) {
      out.push(`${layer.padEnd(12)} $${this.monthlyUsdOf(layer).toFixed(2).padStart(9)}/month`);
      const grouped = new Map<string, { quantity: number; usd: number; unit: number }>();
      for (const l of this.lines.filter((x) => x.layer === layer)) {
        const key = `${l.item}${l.priced ? '' : ' (unpriced)'}`;
        const g = grouped.get(key) ?? { quantity: 0, usd: 0, unit: l.unitMonthlyUsd };
        grouped.set(key, { quantity: g.quantity + l.quantity, usd: g.usd + l.monthlyUsd, unit: g.unit });
      }
      for (const [item, g] of grouped) {
        out.push(`    ${String(g.quantity).padStart(3)} × ${item}: $${round(g.usd).toFixed(2)}`);
      }
    }
    out.push(`${'total'.padEnd(12)} $${this.totalMonthlyUsd.toFixed(2).padStart(9)}/month (${PRICE_REGION}, on-demand, ${HOURS_PER_MONTH} h/month)`);
    out.push('not counted: data processed by endpoints and NAT, requests, storage, jobs and Studio apps while they run');
    return out.join('\n');
  }
}

function entryOf(name: string, p: PriceEntry): PriceTableEntry {
  return { name, usd: p.usd, unit: p.unit, region: PRICE_REGION, source: p.source, date: p.date, confirmed: p.confirmed };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const LAYER_IDS: { [segment: string]: string } = {
  Network: 'network',
  Exploration: 'exploration',
  Registry: 'registry',
  Pipeline: 'pipeline',
  Ci: 'ci',
  Deployment: 'deployment',
  Monitoring: 'monitoring',
};

function layerOf(resource: any): string {
  const tagged = resource.Metadata?.[LAYER_METADATA_KEY];
  if (typeof tagged === 'string') {
    return tagged;
  }
  const path = resource.Metadata?.['aws:cdk:path'];
  if (typeof path === 'string') {
    for (const segment of path.split('/').reverse()) {
      if (LAYER_IDS[segment]) {
        return LAYER_IDS[segment];
      }
    }
  }
  return 'other';
}

function monthly(name: string): number {
  const p = PRICES[name];
  return name.endsWith('-hour') ? p.usd * HOURS_PER_MONTH : p.usd;
}

function priceTemplate(template: { [key: string]: any }, stackName: string, defaultAzs: number): CostLine[] {
  const lines: CostLine[] = [];
  const add = (logicalId: string, resource: any, item: string, quantity: number, unit: number, priced: boolean, note?: string) => {
    lines.push({
      stackName,
      layer: layerOf(resource),
      logicalId,
      item,
      quantity,
      unitMonthlyUsd: round(unit),
      monthlyUsd: round(unit * quantity),
      priced,
      note,
    });
  };
  for (const [id, r] of Object.entries<any>(template.Resources ?? {})) {
    const p = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::EC2::VPCEndpoint': {
        if ((p.VpcEndpointType ?? 'Gateway') !== 'Interface') {
          break;
        }
        const azs = Array.isArray(p.SubnetIds) ? p.SubnetIds.length : defaultAzs;
        add(id, r, `interface endpoint ${serviceOf(p.ServiceName)} (per AZ)`, azs, monthly('interface-endpoint-az-hour'), true,
          Array.isArray(p.SubnetIds) ? 'data processing not counted' : `subnets not literal: ${defaultAzs} AZs assumed; data processing not counted`);
        break;
      }
      case 'AWS::EC2::SecurityGroup': {
        // endpoints a network uses but does not create: billed where they live
        const external = r.Metadata?.[EXTERNAL_ENDPOINTS_METADATA];
        for (const name of external?.central ?? []) {
          add(id, r, `interface endpoint ${name} (central endpoint VPC)`, 1, 0, true, 'billed once, in the account of the central endpoint VPC; transit (Transit Gateway attachment or peering) not counted');
        }
        for (const name of external?.existing ?? []) {
          add(id, r, `interface endpoint ${name} (already in the VPC)`, 1, 0, true, 'billed where it was created');
        }
        break;
      }
      case 'AWS::EC2::NatGateway':
        add(id, r, 'NAT gateway', 1, monthly('nat-gateway-hour'), true, 'data processing not counted');
        break;
      case 'AWS::KMS::Key':
        add(id, r, 'KMS key', 1, monthly('kms-key-month'), true, 'rotated versions and requests not counted');
        break;
      case 'AWS::CloudWatch::Alarm': {
        const metrics = Array.isArray(p.Metrics) ? p.Metrics.filter((m: any) => m.MetricStat).length || 1 : 1;
        const highRes = (p.Period !== undefined && Number(p.Period) < 60)
          || (Array.isArray(p.Metrics) && p.Metrics.some((m: any) => Number(m.MetricStat?.Period ?? 60) < 60));
        add(id, r, highRes ? 'CloudWatch alarm metric (high resolution)' : 'CloudWatch alarm metric', metrics,
          monthly(highRes ? 'alarm-high-resolution-month' : 'alarm-standard-month'), true);
        break;
      }
      case 'AWS::CloudWatch::CompositeAlarm':
        add(id, r, 'CloudWatch composite alarm', 1, monthly('alarm-composite-month'), true);
        break;
      case 'AWS::SageMaker::MlflowTrackingServer': {
        const size = String(p.TrackingServerSize ?? 'Small').toLowerCase();
        const name = `mlflow-tracking-server-${size}-hour`;
        const known = PRICES[name] !== undefined;
        add(id, r, `MLflow tracking server (${p.TrackingServerSize ?? 'Small'})`, 1, known ? monthly(name) : 0, known);
        break;
      }
      case 'AWS::SageMaker::MlflowApp':
        add(id, r, 'MLflow app (serverless)', 1, 0, true, 'no idle charge; billed per use');
        break;
      case 'AWS::SageMaker::Domain':
        add(id, r, 'Studio domain', 1, 0, true, 'no fixed cost; apps billed per instance-hour while running, home EFS per GB');
        break;
      case 'AWS::SageMaker::Pipeline':
        add(id, r, 'SageMaker pipeline', 1, 0, true, 'no fixed cost; steps billed per job');
        break;
      case 'AWS::CodePipeline::Pipeline':
        add(id, r, `CodePipeline ${p.PipelineType ?? 'V1'}`, 1, 0, true, 'V2 has no fixed cost (per action-minute)');
        break;
      case 'AWS::SageMaker::EndpointConfig':
        for (const v of p.ProductionVariants ?? []) {
          if (v.ServerlessConfig) {
            add(id, r, `serverless endpoint variant ${v.VariantName ?? ''}`.trim(), 1, 0, true, 'no idle charge');
          } else {
            addInstances(add, id, r, String(v.InstanceType), Number(v.InitialInstanceCount ?? 1), `endpoint config ${id}`);
          }
        }
        break;
      case 'AWS::StepFunctions::StateMachine':
        for (const alarm of workflowAlarmsOf(p.DefinitionString)) {
          add(id, r, 'CloudWatch alarm metric (created by the workflow)', 1, monthly('alarm-standard-month'), true, alarm);
        }
        for (const s of endpointStagesOf(p.DefinitionString)) {
          if (s.serverless) {
            add(id, r, `serverless endpoint (stage ${s.stage})`, 1, 0, true, 'no idle charge');
          } else if (s.batch) {
            add(id, r, `batch transform (stage ${s.stage})`, 1, 0, true, 'no idle charge; instances billed per second while a transform job runs');
          } else {
            addInstances(add, id, r, s.instanceType, s.minInstances, s.async ? `stage ${s.stage}, asynchronous` : `stage ${s.stage}`,
              s.async && s.minInstances === 0 ? 'scales in to zero instances while its queue is empty; billed while instances run' : undefined);
          }
        }
        break;
      default:
        break;
    }
  }
  return lines;
}

type Adder = (logicalId: string, resource: any, item: string, quantity: number, unit: number, priced: boolean, note?: string) => void;

function addInstances(add: Adder, id: string, r: any, instanceType: string, count: number, what: string, note?: string): void {
  const hourly = INFERENCE_INSTANCE_HOUR[instanceType];
  add(id, r, `endpoint instance ${instanceType} (${what})`, count, hourly !== undefined ? hourly * HOURS_PER_MONTH : 0, hourly !== undefined,
    hourly !== undefined ? note ?? 'at minimum capacity' : `no price for ${instanceType} in the table`);
}

function serviceOf(name: any): string {
  const text = typeof name === 'string' ? name : flatten(name);
  const m = /^(?:com\.amazonaws|aws\.sagemaker)\.[^.]+\.(.+)$/.exec(text);
  return m ? m[1] : text;
}

/** A template value with references replaced by placeholders. */
function flatten(value: any): string {
  if (typeof value === 'string') {
    return value;
  }
  if (value && Array.isArray(value['Fn::Join'])) {
    const [sep, parts] = value['Fn::Join'];
    return (parts as any[]).map((p) => (typeof p === 'string' ? p : 'x')).join(sep);
  }
  return '';
}

/** Names of the alarms a workflow creates at run time (PutMetricAlarm tasks), e.g. an async stage's scale-out-from-zero alarm. */
function workflowAlarmsOf(definition: any): string[] {
  const names = new Set<string>();
  const text = flatten(definition);
  for (const m of text.matchAll(/"Resource":"arn:[^:"]*:states:::aws-sdk:cloudwatch:putMetricAlarm","Parameters":\{"AlarmName":"([^"]+)"/g)) {
    names.add(m[1]);
  }
  return [...names];
}

interface EndpointStage {
  readonly stage: string;
  readonly instanceType: string;
  readonly minInstances: number;
  readonly serverless: boolean;
  /** An asynchronous endpoint (its config has an AsyncInferenceConfig). */
  readonly async: boolean;
  /** Batch transform jobs (a createTransformJob task), no endpoint. */
  readonly batch: boolean;
}

/**
 * The endpoints a deployment workflow creates, from its definition:
 * createEndpointConfig tasks (instance type, initial count) and
 * registerScalableTarget tasks (minimum capacity) of the same stage
 * (states are named `<stage>: ...`).
 */
function endpointStagesOf(definition: any): EndpointStage[] {
  let parsed: any;
  try {
    parsed = JSON.parse(flatten(definition));
  } catch {
    return [];
  }
  const configs = new Map<string, { instanceType: string; count: number; serverless: boolean; async: boolean; batch: boolean }>();
  const minimums = new Map<string, number>();
  const walk = (states: any) => {
    for (const [name, state] of Object.entries<any>(states ?? {})) {
      const stage = name.includes(':') ? name.split(':')[0].trim() : name;
      const resource = String(state.Resource ?? '');
      if (resource.endsWith(':createEndpointConfig')) {
        const v = (state.Parameters?.ProductionVariants ?? [])[0] ?? {};
        configs.set(stage, {
          instanceType: String(v.InstanceType ?? ''),
          count: Number(v.InitialInstanceCount ?? 1),
          serverless: v.ServerlessConfig !== undefined,
          async: state.Parameters?.AsyncInferenceConfig !== undefined,
          batch: false,
        });
      }
      if (resource.includes(':createTransformJob')) {
        configs.set(stage, { instanceType: '', count: 0, serverless: false, async: false, batch: true });
      }
      if (resource.endsWith(':registerScalableTarget') && state.Parameters?.MinCapacity !== undefined) {
        minimums.set(stage, Number(state.Parameters.MinCapacity));
      }
      walk(state.States);
      for (const b of state.Branches ?? []) {
        walk(b.States);
      }
      walk(state.Iterator?.States);
      walk(state.ItemProcessor?.States);
    }
  };
  walk(parsed.States);
  return [...configs.entries()].map(([stage, c]) => ({
    stage,
    instanceType: c.instanceType,
    minInstances: minimums.get(stage) ?? c.count,
    serverless: c.serverless,
    async: c.async,
    batch: c.batch,
  }));
}
