/**
 * Validation of pipeline definitions against the published JSON schema
 * (aws-sagemaker-mlops/sagemaker-model-building-pipeline-definition-JSON-schema,
 * commit b4012b0, copied to test/fixtures/pipeline/ from ../shared/schemas/).
 *
 * The schema lags the service: the SageMaker Python SDK (the reference
 * producer, whose output the service accepts) writes fields the schema does
 * not know. The definition is never edited to fit. Each known divergence is
 * an entry of `test/contracts/divergences.json` (key `sdk`, `where` starting
 * with `schema`), citing its source, and a precise overlay here that adds the
 * SDK's form to the schema (nothing looser: a `Not` must carry `Condition`,
 * a `Std:JsonGet` its `PropertyFile` and `Path`). `schemaDivergences()` tells
 * which entries a definition needs: the overlays whose removal makes it fail.
 * Tests assert that list, and that the overlays and the listed entries are
 * the same set, so a new divergence fails until it is listed with a source.
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';

const SCHEMA_FILE = path.join(__dirname, '..', 'fixtures', 'pipeline', 'sagemaker-pipeline-definition.schema.json');
const DIVERGENCES_FILE = path.join(__dirname, '..', 'contracts', 'divergences.json');

type Schema = any;

/** Follow a `/`-separated path of the schema, creating nothing. */
function at(schema: Schema, pointer: string): any {
  let node = schema;
  for (const part of pointer.split('/').filter((p) => p !== '')) {
    node = node?.[part];
    if (node === undefined) {
      throw new Error(`schema has no ${pointer}`);
    }
  }
  return node;
}

const defs = (s: Schema) => s.definitions;
const str = { $ref: '#/definitions/StringArgumentValue' };
const bool = { $ref: '#/definitions/BooleanArgumentValue' };
const anyArgument = { anyOf: [str, bool, { $ref: '#/definitions/IntegerArgumentValue' }, { $ref: '#/definitions/FloatArgumentValue' }] };

/** Add an alternative to a definition, keeping the published one. */
function widen(schema: Schema, name: string, alternative: any): void {
  const d = defs(schema);
  const current = d[name];
  d[name] = current.anyOf && current.$comment === 'widened' ? { ...current, anyOf: [...current.anyOf, alternative] } : { $comment: 'widened', anyOf: [current, alternative] };
}

/** Add a condition type wherever the schema lists condition types. */
function addCondition(schema: Schema, name: string): void {
  const places = [
    at(schema, 'definitions/ConditionStep/properties/Arguments/properties/Conditions/items'),
    at(schema, 'definitions/OrCondition/properties/Conditions/items'),
  ];
  for (const place of places) {
    const list = place.oneOf ?? place.anyOf;
    list.push({ $ref: `#/definitions/${name}` });
  }
}

/** Every condition the published schema knows, plus those overlays added. */
function anyCondition(schema: Schema): any {
  return { anyOf: at(schema, 'definitions/ConditionStep/properties/Arguments/properties/Conditions/items').oneOf.map((r: any) => r) };
}

/**
 * The overlays, by the `what` of their entry in divergences.json. Each adds
 * exactly the form the SDK writes.
 */
const OVERLAYS: { [what: string]: (schema: Schema) => void } = {
  'schema: top-level PipelineExperimentConfig': (s) => {
    s.properties.PipelineExperimentConfig = {
      oneOf: [{ type: 'null' }, {
        type: 'object',
        properties: { ExperimentName: str, TrialName: str },
        required: ['ExperimentName', 'TrialName'],
        additionalProperties: false,
      }],
    };
  },
  'schema: Std:JsonGet run-time values': (s) => {
    defs(s).JsonGetFunction = {
      type: 'object',
      properties: {
        'Std:JsonGet': {
          type: 'object',
          properties: { PropertyFile: { $ref: '#/definitions/GetFunction' }, Path: { type: 'string' } },
          required: ['PropertyFile', 'Path'],
          additionalProperties: false,
        },
      },
      required: ['Std:JsonGet'],
      additionalProperties: false,
    };
    widen(s, 'StringArgumentValue', { $ref: '#/definitions/JsonGetFunction' });
    for (const t of ['IntegerArgumentValue', 'FloatArgumentValue', 'BooleanArgumentValue']) {
      widen(s, t, { $ref: '#/definitions/JsonGetFunction' });
    }
  },
  'schema: Std:Join run-time values': (s) => {
    defs(s).SdkJoinFunction = {
      type: 'object',
      properties: {
        'Std:Join': {
          type: 'object',
          properties: { On: { type: 'string' }, Values: { type: 'array', items: anyArgument } },
          required: ['On', 'Values'],
          additionalProperties: false,
        },
      },
      required: ['Std:Join'],
      additionalProperties: false,
    };
    widen(s, 'StringArgumentValue', { $ref: '#/definitions/SdkJoinFunction' });
  },
  'schema: Not condition': (s) => {
    defs(s).NotCondition = {
      type: 'object',
      properties: { Type: { enum: ['Not'] }, Condition: { $ref: '#/definitions/AnyCondition' } },
      required: ['Type', 'Condition'],
      additionalProperties: false,
    };
    addCondition(s, 'NotCondition');
    defs(s).AnyCondition = anyCondition(s);
  },
  'schema: In condition with QueryValue and Values': (s) => {
    defs(s).SdkInCondition = {
      type: 'object',
      properties: { Type: { enum: ['In'] }, QueryValue: anyArgument, Values: { type: 'array', items: anyArgument } },
      required: ['Type', 'QueryValue', 'Values'],
      additionalProperties: false,
    };
    addCondition(s, 'SdkInCondition');
    if (defs(s).AnyCondition) {
      defs(s).AnyCondition = anyCondition(s);
    }
  },
  'schema: RetryPolicies ExceptionType is a list': (s) => {
    const retry = defs(s).RetryPolicy;
    retry.properties.ExceptionType = { anyOf: [retry.properties.ExceptionType, { type: 'array', minItems: 1, items: retry.properties.ExceptionType }] };
  },
  'schema: PropertyFiles on processing steps': (s) => {
    at(s, 'definitions/ProcessingStep/properties').PropertyFiles = {
      type: 'array',
      items: {
        type: 'object',
        properties: { PropertyFileName: { type: 'string' }, OutputName: { type: 'string' }, FilePath: { type: 'string' } },
        required: ['PropertyFileName', 'OutputName', 'FilePath'],
        additionalProperties: false,
      },
    };
  },
  'schema: AppManaged on processing inputs and outputs': (s) => {
    at(s, 'definitions/ProcessingArgs/properties/ProcessingInputs/items/properties').AppManaged = bool;
    at(s, 'definitions/ProcessingArgs/properties/ProcessingOutputConfig/properties/Outputs/items/properties').AppManaged = bool;
  },
  'schema: Environment on training jobs': (s) => {
    at(s, 'definitions/TrainingStep/properties/Arguments/properties').Environment = { type: 'object', additionalProperties: str };
  },
  'schema: CompressionType of training outputs': (s) => {
    at(s, 'definitions/TrainingStep/properties/Arguments/properties/OutputDataConfig/properties').CompressionType = { enum: ['GZIP', 'NONE'] };
  },
  'schema: ProfilerConfig on training jobs': (s) => {
    at(s, 'definitions/TrainingStep/properties/Arguments/properties').ProfilerConfig = {
      type: 'object',
      properties: { S3OutputPath: str, ProfilingIntervalInMilliseconds: { type: 'integer' }, DisableProfiler: bool, ProfilingParameters: { type: 'object' } },
      additionalProperties: false,
    };
  },
  'schema: Environment on registered containers': (s) => {
    at(s, 'definitions/RegisterModelStep/properties/Arguments/properties/InferenceSpecification/properties/Containers/items/properties')
      .Environment = { type: 'object', additionalProperties: str };
  },
  'schema: CreateModelPackage fields of register steps': (s) => {
    const args = at(s, 'definitions/RegisterModelStep/properties/Arguments/properties');
    args.ModelApprovalStatus = { enum: ['Approved', 'Rejected', 'PendingManualApproval'] };
    args.SkipModelValidation = { enum: ['All', 'None'] };
    args.DriftCheckBaselines = { type: 'object' };
  },
  'schema: run-time ModelDataUrl of model containers': (s) => {
    const container = defs(s).ContainerDefinition.properties;
    container.ModelDataUrl = { anyOf: [container.ModelDataUrl, { $ref: '#/definitions/GetFunction' }] };
  },
  'schema: FailOnViolation of check steps': (s) => {
    at(s, 'definitions/QualityCheckStep/properties').FailOnViolation = bool;
    at(s, 'definitions/ClarifyCheckStep/properties').FailOnViolation = bool;
  },
  'schema: HyperParameterTuningResourceConfig of tuning jobs': (s) => {
    const job = defs(s).HyperParameterTrainingJobDefinition;
    job.properties.HyperParameterTuningResourceConfig = {
      type: 'object',
      properties: { InstanceType: str, InstanceCount: { $ref: '#/definitions/IntegerArgumentValue' }, VolumeSizeInGB: { $ref: '#/definitions/IntegerArgumentValue' }, VolumeKmsKeyId: str },
      additionalProperties: false,
    };
    // One of the two, as the API reference says (HyperParameterTrainingJobDefinition).
    job.required = job.required.filter((r: string) => r !== 'ResourceConfig');
    job.oneOf = [{ required: ['ResourceConfig'] }, { required: ['HyperParameterTuningResourceConfig'] }];
  },
  'schema: top-level MlflowConfig (SDK 3.x)': (s) => {
    s.properties.MlflowConfig = { oneOf: [{ type: 'null' }, { type: 'object' }] };
  },
  'schema: ForEach step (SDK 3.x)': (s) => {
    const body = at(s, 'properties/Steps/items').oneOf.filter((r: any) => !/(ConditionStep|FailStep)$/.test(r.$ref));
    defs(s).ForEachStep = {
      type: 'object',
      properties: {
        Name: { $ref: '#/definitions/StepName' },
        Type: { enum: ['ForEach'] },
        DependsOn: { type: 'array', items: { $ref: '#/definitions/StepName' } },
        DisplayName: { $ref: '#/definitions/StepName' },
        Description: { $ref: '#/definitions/ParameterDescription' },
        Arguments: {
          type: 'object',
          properties: {
            IterableItems: { anyOf: [{ $ref: '#/definitions/GetFunction' }, { type: 'array', minItems: 1, maxItems: 100, items: anyArgument }] },
            MaxConcurrency: { type: 'integer', minimum: 1, maximum: 50 },
            Selector: { type: 'object', properties: { Pick: { enum: ['MaxBy', 'MinBy'] }, Field: { $ref: '#/definitions/GetFunction' } }, required: ['Pick', 'Field'], additionalProperties: false },
            ForEachBody: { type: 'array', minItems: 1, items: { oneOf: body } },
          },
          required: ['IterableItems', 'MaxConcurrency', 'ForEachBody'],
          additionalProperties: false,
        },
      },
      required: ['Name', 'Type', 'Arguments'],
      additionalProperties: false,
    };
    at(s, 'properties/Steps/items').oneOf.push({ $ref: '#/definitions/ForEachStep' });
  },
  'schema: any step type in condition branches': (s) => {
    const all = at(s, 'properties/Steps/items').oneOf;
    for (const branch of ['IfSteps', 'ElseSteps']) {
      at(s, `definitions/ConditionStep/properties/Arguments/properties/${branch}/items`).oneOf = all;
    }
  },
  'schema: EMR StepConfig without Name': (s) => {
    const stepConfig = at(s, 'definitions/EMRStep/properties/Arguments/properties/StepConfig');
    stepConfig.required = stepConfig.required.filter((r: string) => r !== 'Name');
  },
};

/** The `what` of every schema divergence listed in divergences.json. */
export function listedSchemaDivergences(): string[] {
  const listed = JSON.parse(fs.readFileSync(DIVERGENCES_FILE, 'utf8')).sdk as Array<{ what: string; where: string }>;
  return listed.filter((d) => d.where.startsWith('schema')).map((d) => d.what).sort();
}

/** The `what` of every overlay. */
export function schemaOverlays(): string[] {
  return Object.keys(OVERLAYS).sort();
}

const cache = new Map<string, any>();
function validator(without?: string): any {
  const key = without ?? '';
  if (!cache.has(key)) {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
    delete schema.$schema;
    for (const [what, overlay] of Object.entries(OVERLAYS)) {
      if (what !== without) {
        overlay(schema);
      }
    }
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    cache.set(key, ajv.compile(schema));
  }
  return cache.get(key);
}

/** The schema definition of each step type. */
const STEP_DEFINITIONS: { [type: string]: string } = {
  Condition: 'ConditionStep',
  Training: 'TrainingStep',
  Processing: 'ProcessingStep',
  Transform: 'TransformStep',
  Model: 'CreateModelStep',
  RegisterModel: 'RegisterModelStep',
  Lambda: 'LambdaStep',
  Callback: 'CallbackStep',
  Tuning: 'TuningStep',
  ClarifyCheck: 'ClarifyCheckStep',
  QualityCheck: 'QualityCheckStep',
  EMR: 'EMRStep',
  Fail: 'FailStep',
  AutoML: 'AutoMLStep',
};

function errorsOf(validate: any, definition: any): string[] {
  if (validate(definition)) {
    return [];
  }
  const errors: string[] = (validate.errors ?? []).map((e: any) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  // A step that fails its own type's definition makes the Steps oneOf list every type's
  // errors; keep those of the step's own type (by Type), and the rest.
  const own = errors.filter((e) => {
    const m = /^\/Steps\/(\d+)\S* /.exec(e);
    return !m || focused(validate, definition.Steps?.[Number(m[1])], `/Steps/${m[1]}`, e);
  });
  return own.length > 0 ? own : errors;
}

function focused(validate: any, step: any, stepPath: string, error: string): boolean {
  const def = STEP_DEFINITIONS[step?.Type];
  if (!def) {
    return true;
  }
  validate.stepValidators ??= new Map<string, any>();
  if (!validate.stepValidators.has(def)) {
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    validate.stepValidators.set(def, ajv.compile({ definitions: validate.schema.definitions, $ref: `#/definitions/${def}` }));
  }
  const stepValidate = validate.stepValidators.get(def);
  if (stepValidate(step)) {
    return false;
  }
  return (stepValidate.errors ?? []).some((e: any) => error.startsWith(`${stepPath}${e.instancePath} ${e.message}`));
}

/** Schema errors of a definition against the published schema with every listed overlay (empty when valid). */
export function schemaErrors(definition: any): string[] {
  return errorsOf(validator(), definition);
}

/** Schema errors against the published schema alone, without any overlay. */
export function publishedSchemaErrors(definition: any): string[] {
  return errorsOf(publishedValidator(), definition);
}

function publishedValidator(): any {
  if (!cache.has('*published-only*')) {
    const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    cache.set('*published-only*', ajv.compile(schema));
  }
  return cache.get('*published-only*');
}

/** The listed divergences a definition needs: the overlays without which it fails. */
export function schemaDivergences(definition: any): string[] {
  return Object.keys(OVERLAYS).filter((what) => errorsOf(validator(what), definition).length > 0).sort();
}

/**
 * Assert a definition is valid against the published schema plus the listed
 * divergences, and return the divergences it needs.
 */
export function expectSchemaValid(definition: any): string[] {
  const errors = schemaErrors(definition);
  if (errors.length > 0) {
    throw new Error(`definition does not validate against the published schema (with the listed SDK divergences):\n  ${errors.slice(0, 20).join('\n  ')}`);
  }
  return schemaDivergences(definition);
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
