/**
 * Validation of pipeline definitions against the published JSON schema
 * (aws-sagemaker-mlops/sagemaker-model-building-pipeline-definition-JSON-schema,
 * commit b4012b0, copied to test/fixtures/pipeline/ from ../shared/schemas/).
 *
 * The schema lags the service: the SageMaker Python SDK (whose output the
 * service accepts) writes several fields the schema does not know. The check
 * is not loosened for them. Instead `schemaView()` rewrites exactly these
 * documented service extensions into schema form, reports which ones it met,
 * and the tests assert that list, so a new, unknown divergence still fails:
 *
 * - `PipelineExperimentConfig` at the top level (SDK default);
 * - `PropertyFiles` on processing steps (SDK `property_files`);
 * - `Std:JsonGet` and `Std:Join` values (the schema defines JoinFunction but
 *   references it nowhere, and has no JsonGet): replaced by a `Get`;
 * - `AppManaged` on processing inputs/outputs, `ProfilerConfig` and
 *   `Environment` on training jobs, `Environment` on registered containers;
 * - conditions `Not` (`{Type: Not, Condition}`) and `In` in the SDK's form
 *   (`QueryValue`/`Values` instead of the schema's `Value`/`In`);
 * - `RetryPolicies[].ExceptionType` as a list (the schema says a string);
 * - the CreateModelPackage fields a RegisterModel step passes that the schema
 *   leaves out: `ModelApprovalStatus`, `DriftCheckBaselines`,
 *   `SkipModelValidation` (the SDK writes the first and the last);
 * - a run-time value (`Get`) as the query value of `In`: the schema's
 *   `oneOf` over string/boolean/integer/float argument values matches a `Get`
 *   object four times, so it rejects every run-time value (a schema bug);
 * - a run-time `ModelDataUrl` (`{Get: Steps.Train...}`) in a Model step's
 *   container, which the schema types as a plain string (the SDK writes it so).
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';

const SCHEMA_FILE = path.join(__dirname, '..', 'fixtures', 'pipeline', 'sagemaker-pipeline-definition.schema.json');

let validateFn: any;
function validator(): any {
  if (!validateFn) {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    validateFn = ajv.compile(schema);
  }
  return validateFn;
}

/** Service extensions the schema lacks, by name. */
export type Extension =
  | 'PipelineExperimentConfig' | 'PropertyFiles' | 'Std:JsonGet' | 'Std:Join' | 'AppManaged'
  | 'ProfilerConfig' | 'Environment' | 'Not' | 'InQueryValue' | 'ExceptionTypeList'
  | 'ModelApprovalStatus' | 'DriftCheckBaselines' | 'SkipModelValidation' | 'ModelDataUrlGet' | 'InRuntimeValue';

/** A copy of the definition in schema form, and the extensions rewritten. */
export function schemaView(definition: any): { view: any; extensions: Extension[] } {
  const found = new Set<Extension>();
  const view = JSON.parse(JSON.stringify(definition));
  if (view.PipelineExperimentConfig !== undefined) {
    delete view.PipelineExperimentConfig;
    found.add('PipelineExperimentConfig');
  }
  const values = (node: any): any => {
    if (Array.isArray(node)) {
      return node.map(values);
    }
    if (node && typeof node === 'object') {
      const keys = Object.keys(node);
      if (keys.length === 1 && (keys[0] === 'Std:JsonGet' || keys[0] === 'Std:Join')) {
        found.add(keys[0] as Extension);
        values(node[keys[0]]);
        return { Get: keys[0] };
      }
      for (const k of keys) {
        node[k] = values(node[k]);
      }
    }
    return node;
  };
  const condition = (c: any): any => {
    if (c.Type === 'Not') {
      found.add('Not');
      return condition(c.Condition);
    }
    if (c.Type === 'In' && 'QueryValue' in c) {
      found.add('InQueryValue');
      let value = c.QueryValue;
      if (value && typeof value === 'object') {
        found.add('InRuntimeValue');
        value = `run-time value ${JSON.stringify(value)}`;
      }
      return { Type: 'In', Value: value, In: c.Values };
    }
    if (c.Type === 'Or') {
      return { ...c, Conditions: c.Conditions.map(condition) };
    }
    return c;
  };
  const steps = (list: any[]) => {
    for (const step of list ?? []) {
      if (step.PropertyFiles !== undefined) {
        delete step.PropertyFiles;
        found.add('PropertyFiles');
      }
      if (Array.isArray(step.RetryPolicies)) {
        step.RetryPolicies = step.RetryPolicies.flatMap((r: any) => {
          if (!Array.isArray(r.ExceptionType)) {
            return [r];
          }
          found.add('ExceptionTypeList');
          return r.ExceptionType.map((t: string) => ({ ...r, ExceptionType: t }));
        });
      }
      const args = step.Arguments ?? {};
      for (const io of [...(args.ProcessingInputs ?? []), ...(args.ProcessingOutputConfig?.Outputs ?? [])]) {
        if ('AppManaged' in io) {
          delete io.AppManaged;
          found.add('AppManaged');
        }
      }
      if (step.Type === 'Training') {
        for (const f of ['ProfilerConfig', 'Environment'] as const) {
          if (f in args) {
            delete args[f];
            found.add(f);
          }
        }
      }
      for (const c of args.InferenceSpecification?.Containers ?? []) {
        if ('Environment' in c) {
          delete c.Environment;
          found.add('Environment');
        }
      }
      if (step.Type === 'RegisterModel') {
        for (const f of ['ModelApprovalStatus', 'DriftCheckBaselines', 'SkipModelValidation'] as const) {
          if (f in args) {
            delete args[f];
            found.add(f);
          }
        }
      }
      if (step.Type === 'Model') {
        for (const c of [args.PrimaryContainer, ...(args.Containers ?? [])]) {
          if (c && typeof c.ModelDataUrl === 'object' && 'Get' in c.ModelDataUrl) {
            c.ModelDataUrl = `s3://run-time-value/${c.ModelDataUrl.Get}`;
            found.add('ModelDataUrlGet');
          }
        }
      }
      if (step.Type === 'Condition') {
        args.Conditions = (args.Conditions ?? []).map(condition);
        steps(args.IfSteps);
        steps(args.ElseSteps);
      }
    }
  };
  steps(view.Steps);
  values(view);
  return { view, extensions: [...found].sort() };
}

/** Schema errors of the view of a definition (empty when valid). */
export function schemaErrors(definition: any): string[] {
  const { view } = schemaView(definition);
  const validate = validator();
  if (validate(view)) {
    return [];
  }
  return (validate.errors ?? []).map((e: any) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Assert a definition is schema-valid and return the service extensions it uses. */
export function expectSchemaValid(definition: any): Extension[] {
  const errors = schemaErrors(definition);
  if (errors.length > 0) {
    throw new Error(`definition does not validate against the published schema:\n  ${errors.slice(0, 20).join('\n  ')}`);
  }
  return schemaView(definition).extensions;
}

/**
 * The definition of the (only) pipeline of a template, with CloudFormation
 * intrinsics replaced by readable placeholders (`<Ref X>`, `<X.Arn>`).
 */
export function definitionOf(template: any): any {
  const pipelines = Object.values<any>(template.Resources ?? {}).filter((r) => r.Type === 'AWS::SageMaker::Pipeline');
  if (pipelines.length !== 1) {
    throw new Error(`expected one pipeline, got ${pipelines.length}`);
  }
  const body = pipelines[0].Properties.PipelineDefinition.PipelineDefinitionBody;
  if (body === undefined) {
    throw new Error('the pipeline definition is not inline');
  }
  return JSON.parse(evaluate(body));
}

function evaluate(node: any): string {
  if (typeof node === 'string') {
    return node;
  }
  if (node.Ref) {
    return `<Ref ${node.Ref}>`;
  }
  if (node['Fn::GetAtt']) {
    return `<${node['Fn::GetAtt'].join('.')}>`;
  }
  if (node['Fn::FindInMap']) {
    return `<FindInMap ${node['Fn::FindInMap'].map((x: any) => (typeof x === 'string' ? x : evaluate(x))).join('.')}>`;
  }
  if (node['Fn::Join']) {
    const [sep, parts] = node['Fn::Join'];
    return parts.map(evaluate).join(sep);
  }
  if (node['Fn::Select']) {
    return `<Select ${JSON.stringify(node['Fn::Select'])}>`;
  }
  throw new Error(`unexpected intrinsic in definition: ${JSON.stringify(node)}`);
}
