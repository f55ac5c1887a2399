import { Annotations, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  PlatformCiOptions, PlatformDeploymentOptions, PlatformExplorationOptions, PlatformMonitoringOptions,
  PlatformNetworkOptions, PlatformPipelineOptions, PlatformRegistryOptions,
} from './platform-options';
import { CiPipeline, CiSource } from '../ci';
import { ApprovalDeployment, DeploymentStage, DeploymentTargetKind } from '../deployment';
import { ExplorationDomain } from '../exploration';
import { DriftBaseline, DriftMonitor } from '../monitoring';
import { ISecureMlNetwork, SecureMlNetwork } from '../network';
import { DriftBaselineStep, MlPipeline, PipelineDefinition, PipelineParameter, RegisterModelStep, SageMakerImage, TrainingStep } from '../pipeline';
import { baselineSourcesOfPipeline } from '../private/baseline-sources';
import { tagLayer } from '../private/platform-layer-tag';
import { createSecureBucket, createSecureKey } from '../private/secure-defaults';
import { ACCOUNT_ID, PropsValidator } from '../private/validation';
import { IModelRegistry, ModelRegistry } from '../registry';

/**
 * The layers of the platform, as the cost report and the summary name them.
 */
export enum PlatformLayer {
  /** SecureMlNetwork. */
  NETWORK = 'network',
  /** ExplorationDomain (SageMaker Studio, MLflow). */
  EXPLORATION = 'exploration',
  /** ModelRegistry. */
  REGISTRY = 'registry',
  /** MlPipeline. */
  PIPELINE = 'pipeline',
  /** CiPipeline. */
  CI = 'ci',
  /** ApprovalDeployment and deployment target accounts. */
  DEPLOYMENT = 'deployment',
  /** DriftMonitor. */
  MONITORING = 'monitoring',
}

/** The layers `MlopsPlatformProps.layers` may list: the network and the registry are built as the layers need them. */
const OPTIONAL_LAYERS = [PlatformLayer.EXPLORATION, PlatformLayer.PIPELINE, PlatformLayer.CI, PlatformLayer.DEPLOYMENT, PlatformLayer.MONITORING];

/**
 * Properties of an MlopsPlatform. Every layer is on by default; `layers`
 * chooses which are built, `network` and `registry` take ones built
 * elsewhere, and each layer takes its own options.
 */
export interface MlopsPlatformProps {
  /**
   * The layers to build: any of `PlatformLayer.EXPLORATION`, `PIPELINE`,
   * `CI`, `DEPLOYMENT` and `MONITORING`, in any order. CI needs the pipeline
   * (it updates and starts it); monitoring needs the deployment (it watches
   * its endpoint). The network is built when a listed layer needs one and
   * `network` is not given; the registry unless `registry` is given; so
   * `layers: []` builds a registry alone.
   * @default - all five: exploration, pipeline, CI, deployment and monitoring
   */
  readonly layers?: PlatformLayer[];
  /**
   * An existing network for the layers. Layers that need an interface
   * endpoint it lacks get a warning naming it.
   * @default - a new SecureMlNetwork with exactly the endpoints the enabled layers need (none when no layer needs a network)
   */
  readonly network?: ISecureMlNetwork;
  /**
   * Settings of the network the platform creates. Only without `network`.
   * @default - see PlatformNetworkOptions
   */
  readonly networkOptions?: PlatformNetworkOptions;
  /**
   * Settings of the exploration layer.
   * @default - see PlatformExplorationOptions
   */
  readonly explorationOptions?: PlatformExplorationOptions;
  /**
   * An existing registry (e.g. imported from the tooling account) instead of creating one.
   * @default - a new ModelRegistry
   */
  readonly registry?: IModelRegistry;
  /**
   * Settings of the registry the platform creates. Only without `registry`.
   * @default - see PlatformRegistryOptions
   */
  readonly registryOptions?: PlatformRegistryOptions;
  /**
   * Settings of the pipeline.
   * @default - see PlatformPipelineOptions
   */
  readonly pipelineOptions?: PlatformPipelineOptions;
  /**
   * Settings of CI.
   * @default - see PlatformCiOptions
   */
  readonly ciOptions?: PlatformCiOptions;
  /**
   * Settings of the deployment.
   * @default - see PlatformDeploymentOptions
   */
  readonly deploymentOptions?: PlatformDeploymentOptions;
  /**
   * Settings of the drift monitor.
   * @default - see PlatformMonitoringOptions
   */
  readonly monitoringOptions?: PlatformMonitoringOptions;
  /**
   * Other accounts that consume the platform: they may read the registry
   * (group, key, bucket policies) and use the network's endpoints. Deployment
   * stages with an `account` are added automatically.
   * @default - no other account
   */
  readonly consumerAccountIds?: string[];
  /**
   * One key for the data of the pipeline and the exploration layer (Studio
   * home storage, artifacts). Layers that need a key of their own (network
   * flow logs, deployment, monitor) still create one.
   * @default - a new customer-managed key with rotation, retained
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * What happens to stateful resources on stack delete.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The MLOps workflow as one construct: a secure network, a Studio domain, a
 * model registry, a training pipeline writing to it, CI in front of the
 * pipeline, approval-driven deployment behind the registry and a drift
 * monitor on the production endpoint that retrains the pipeline.
 *
 * Every layer is optional; a layer that is off is simply not built and the
 * others are wired without it. For several accounts, see `MlopsAccounts`.
 */
export class MlopsPlatform extends Construct {
  /** The network the layers run in (absent when no enabled layer needs one). */
  public readonly network?: ISecureMlNetwork;
  /** The network the platform created (absent when imported or not needed). */
  public readonly ownNetwork?: SecureMlNetwork;
  /** The Studio domain. */
  public readonly exploration?: ExplorationDomain;
  /** The model registry (created or given). */
  public readonly registry: IModelRegistry;
  /** The training pipeline. */
  public readonly pipeline?: MlPipeline;
  /** The CI pipeline in front of the training pipeline. */
  public readonly ci?: CiPipeline;
  /** The approval-driven deployment. */
  public readonly deployment?: ApprovalDeployment;
  /** The drift monitor. */
  public readonly monitor?: DriftMonitor;
  /** The key shared by the pipeline and the exploration layer. */
  public readonly encryptionKey?: kms.IKey;
  /** The layers this platform built, in data-flow order. */
  public readonly layers: PlatformLayer[];
  /** The accounts that may read the registry and use the network, besides this one. */
  public readonly consumerAccountIds: string[];

  constructor(scope: Construct, id: string, props: MlopsPlatformProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const wanted = props.layers ?? OPTIONAL_LAYERS;
    const wantExploration = wanted.includes(PlatformLayer.EXPLORATION);
    const wantPipeline = wanted.includes(PlatformLayer.PIPELINE);
    const wantCi = wanted.includes(PlatformLayer.CI);
    const wantDeployment = wanted.includes(PlatformLayer.DEPLOYMENT);
    const wantMonitoring = wanted.includes(PlatformLayer.MONITORING);
    const stages = props.deploymentOptions?.stages ?? ApprovalDeployment.defaultStages();
    const stageAccounts = stages.map((s) => s.account).filter((a): a is string => a !== undefined && a !== stack.account);
    this.consumerAccountIds = distinct([...(props.consumerAccountIds ?? []), ...stageAccounts]);
    const needsNetwork = wantExploration || wantPipeline || wantCi || wantDeployment || wantMonitoring;
    validatePlatformProps(this, props, { wantCi, wantPipeline, wantMonitoring, wantDeployment, needsNetwork, consumers: this.consumerAccountIds });

    const layers: PlatformLayer[] = [];
    if (props.network) {
      this.network = props.network;
    } else if (needsNetwork) {
      const n = props.networkOptions ?? {};
      this.ownNetwork = new SecureMlNetwork(this, 'Network', {
        cidr: n.cidr,
        maxAzs: n.maxAzs,
        availabilityZones: n.availabilityZones,
        allowInternetEgress: n.allowInternetEgress,
        natGateways: n.natGateways,
        s3PrefixListId: n.s3PrefixListId,
        logRetention: n.logRetention,
        endpointPlacement: n.endpointPlacement,
        endpointPrivateDns: n.endpointPrivateDns,
        endpointClientCidrs: n.endpointClientCidrs,
        allowAllTrafficWithinWorkloadGroup: n.allowAllTrafficWithinWorkloadGroup,
        allowJumpStartBuckets: n.allowJumpStartBuckets,
        // only what the layers ask for (requireEndpoints), plus what the user adds
        interfaceEndpoints: n.additionalEndpoints ?? [],
        trustedAccountIds: this.consumerAccountIds.length > 0 ? this.consumerAccountIds : undefined,
        removalPolicy,
      });
      this.network = this.ownNetwork;
      tagLayer(this.ownNetwork, PlatformLayer.NETWORK);
      layers.push(PlatformLayer.NETWORK);
    }

    if (wantExploration || wantPipeline) {
      this.encryptionKey = props.encryptionKey ?? createSecureKey(this, 'Key', {
        description: `cdk-mlops platform ${this.node.path}: pipeline artifacts and Studio home storage`,
        removalPolicy,
      });
      if (!props.encryptionKey) {
        tagLayer(this.encryptionKey, PlatformLayer.PIPELINE);
      }
    }

    if (props.registry) {
      this.registry = props.registry;
    } else {
      const registry = new ModelRegistry(this, 'Registry', {
        modelPackageGroupName: props.registryOptions?.modelPackageGroupName,
        description: props.registryOptions?.description,
        consumerAccountIds: this.consumerAccountIds.length > 0 ? this.consumerAccountIds : undefined,
        removalPolicy,
      });
      this.registry = registry;
      tagLayer(registry, PlatformLayer.REGISTRY);
      layers.push(PlatformLayer.REGISTRY);
    }

    if (wantExploration) {
      const e = props.explorationOptions ?? {};
      this.exploration = new ExplorationDomain(this, 'Exploration', {
        network: this.network!,
        domainName: e.domainName,
        authMode: e.authMode,
        userProfiles: e.userProfiles,
        idleTimeout: e.idleTimeout,
        experimentTracking: e.experimentTracking,
        encryptionKey: this.encryptionKey,
        registry: this.registry,
        removalPolicy,
      });
      tagLayer(this.exploration, PlatformLayer.EXPLORATION);
      layers.splice(layers.indexOf(PlatformLayer.REGISTRY), 0, PlatformLayer.EXPLORATION);
    }

    if (wantPipeline) {
      const p = props.pipelineOptions ?? {};
      this.pipeline = new MlPipeline(this, 'Pipeline', {
        definition: p.definition ?? starterDefinition(),
        pipelineName: p.pipelineName,
        network: this.network,
        registry: this.registry,
        encryptionKey: this.encryptionKey,
        removalPolicy,
      });
      if (p.schedule) {
        this.pipeline.addSchedule('Schedule', { schedule: p.schedule });
      }
      tagLayer(this.pipeline, PlatformLayer.PIPELINE);
      layers.push(PlatformLayer.PIPELINE);
    }

    if (wantCi && this.pipeline) {
      const c = props.ciOptions ?? {};
      let source = c.source;
      if (!source) {
        const holder = new Construct(this, 'CiSource');
        const bucket = createSecureBucket(holder, 'Bucket', { encryptionKey: this.encryptionKey!, removalPolicy });
        tagLayer(holder, PlatformLayer.CI);
        source = CiSource.s3({ bucket, objectKey: 'source.zip' });
      }
      this.ci = new CiPipeline(this, 'Ci', {
        pipeline: this.pipeline,
        source,
        update: c.update,
        testCommand: c.testCommand,
        network: this.network,
      });
      tagLayer(this.ci, PlatformLayer.CI);
      layers.push(PlatformLayer.CI);
    }

    if (wantDeployment) {
      const d = props.deploymentOptions ?? {};
      this.deployment = new ApprovalDeployment(this, 'Deployment', {
        registry: this.registry,
        stages,
        network: this.network,
        networkIsolation: d.networkIsolation,
        namePrefix: d.namePrefix,
        removalPolicy,
      });
      tagLayer(this.deployment, PlatformLayer.DEPLOYMENT);
      layers.push(PlatformLayer.DEPLOYMENT);
    }

    if (wantMonitoring && this.deployment) {
      const m = props.monitoringOptions ?? {};
      const stage = this.monitoredStage(this.deployment, m.stageName);
      const baseline = m.baseline ?? this.defaultBaseline(this.pipeline!);
      const retrain = (m.retrain ?? true) ? this.pipeline : undefined;
      this.monitor = new DriftMonitor(this, 'Monitoring', {
        stage,
        baseline,
        schedule: m.schedule,
        features: m.features,
        notificationEmails: m.notificationEmails,
        network: this.network,
        retrainPipeline: retrain,
        removalPolicy,
      });
      tagLayer(this.monitor, PlatformLayer.MONITORING);
      layers.push(PlatformLayer.MONITORING);
    }
    this.layers = layers;
  }

  /** The interface endpoints of the network the platform created, by PrivateLink name. */
  public get endpointServiceNames(): string[] {
    return this.ownNetwork?.endpointServiceNames ?? [];
  }

  /**
   * The baseline of the latest approved version, registered by the
   * pipeline's DriftBaselineStep (the starter definition has one); a custom
   * definition without one keeps the `baselines/` prefix of the artifact
   * bucket, with a warning.
   */
  private defaultBaseline(pipeline: MlPipeline): DriftBaseline {
    if (baselineSourcesOfPipeline(pipeline).length > 0) {
      return DriftBaseline.fromPipeline(pipeline);
    }
    Annotations.of(this).addWarningV2('cdk-mlops:platform-monitor-baseline-prefix',
      'The pipeline definition registers no DriftBaselineStep (RegisterModelStep driftBaseline): the drift monitor reads its baseline from baselines/ in the artifact bucket, which your pipeline must write. Add a DriftBaselineStep, or give monitoringOptions.baseline.');
    return DriftBaseline.fromS3Prefix(pipeline.artifactBucket, 'baselines/');
  }

  /**
   * The stage `monitoringOptions.stageName` names, by default the last one
   * that captures data. A stage of another account is passed as is:
   * DriftMonitor reads its capture itself, and MlopsAccounts opens the
   * target's bucket and key with `DeploymentTargetAccount.allowDriftChecksFrom()`.
   */
  private monitoredStage(deployment: ApprovalDeployment, stageName?: string): DeploymentStage {
    const capturing = deployment.stages.filter((s) => s.dataCaptureEnabled && s.kind !== DeploymentTargetKind.BATCH);
    return stageName
      ? deployment.stage(stageName)
      : capturing[capturing.length - 1] ?? deployment.stages[deployment.stages.length - 1];
  }
}

/**
 * A starter definition: train XGBoost on the `TrainingData` parameter,
 * profile the same data into a drift baseline, register the model with it.
 */
function starterDefinition(): PipelineDefinition {
  const trainingData = PipelineParameter.string('TrainingData', {
    description: 'S3 URI of the training data (CSV without header, label first)',
  });
  const train = new TrainingStep('Train', {
    image: SageMakerImage.xgboost(),
    channels: [{ channelName: 'train', s3Uri: trainingData.value, contentType: 'text/csv' }],
    // num_round is the one hyperparameter the built-in XGBoost algorithm requires
    // (SageMaker Developer Guide, "XGBoost hyperparameters").
    hyperparameters: { num_round: '100' },
  });
  // XGBoost's CSV has no header and the label first: the features are c1, c2, ... in capture order.
  const baseline = new DriftBaselineStep('DriftBaseline', {
    trainingData: trainingData.value,
    hasHeader: false,
    labelColumn: 'c0',
  });
  const register = new RegisterModelStep('Register', {
    image: SageMakerImage.xgboost(),
    modelDataUrl: train.modelArtifactsUri,
    driftBaseline: baseline,
  });
  return PipelineDefinition.fromSteps({ steps: [train, baseline, register], parameters: [trainingData] });
}

interface Wanted {
  readonly wantCi: boolean;
  readonly wantPipeline: boolean;
  readonly wantDeployment: boolean;
  readonly wantMonitoring: boolean;
  readonly needsNetwork: boolean;
  readonly consumers: string[];
}

function validatePlatformProps(scope: Construct, props: MlopsPlatformProps, w: Wanted): void {
  const v = new PropsValidator(scope, 'MlopsPlatform');
  const layers = (props.layers ?? []).map(layerName);
  const builtAnyway = (props.layers ?? []).filter((l) => !OPTIONAL_LAYERS.includes(l)).map(layerName);
  v.check(builtAnyway.length > 0, {
    prop: 'layers',
    value: layers,
    allowed: `${OPTIONAL_LAYERS.map(layerName).join(', ')} (the network is built when a listed layer needs one and \`network\` is not given, the registry unless \`registry\` is given)`,
    fix: `remove ${builtAnyway.join(' and ')} from layers; pass \`network\` or \`registry\` to use one built elsewhere.`,
  });
  v.check(w.wantCi && !w.wantPipeline, {
    prop: 'layers',
    value: layers,
    allowed: 'CI only with the pipeline layer (CI updates and starts it)',
    fix: 'add PlatformLayer.PIPELINE to layers, or remove PlatformLayer.CI.',
  });
  v.check(w.wantMonitoring && !w.wantDeployment, {
    prop: 'layers',
    value: layers,
    allowed: 'monitoring only with the deployment layer (it watches its endpoint)',
    fix: 'add PlatformLayer.DEPLOYMENT to layers, or remove PlatformLayer.MONITORING and use DriftMonitor directly on your endpoint.',
  });
  v.check(w.wantMonitoring && w.wantDeployment && !w.wantPipeline && !props.monitoringOptions?.baseline, {
    prop: 'monitoringOptions.baseline',
    value: undefined,
    allowed: 'a DriftBaseline when the pipeline layer is off',
    fix: 'give `monitoringOptions.baseline` (e.g. DriftBaseline.fromS3Prefix(bucket, prefix)).',
  });
  v.check(props.network !== undefined && props.networkOptions !== undefined, {
    prop: 'networkOptions',
    value: 'given with network',
    allowed: 'networkOptions only when the platform creates the network',
    fix: 'configure the imported network where it is managed, or drop `network`.',
  });
  v.check(props.network === undefined && props.networkOptions !== undefined && !w.needsNetwork, {
    prop: 'networkOptions',
    value: describeNetworkOptions(props.networkOptions),
    allowed: 'networkOptions only when an enabled layer needs a network (exploration, pipeline, CI, deployment or monitoring)',
    fix: 'remove networkOptions (e.g. allowAllTrafficWithinWorkloadGroup has no network to open), or turn on the layer that runs in the network.',
  });
  v.check(props.registry !== undefined && props.registryOptions !== undefined, {
    prop: 'registryOptions',
    value: 'given with registry',
    allowed: 'registryOptions only when the platform creates the registry',
    fix: 'drop `registryOptions` or `registry`.',
  });
  const bad = w.consumers.filter((a) => !Token.isUnresolved(a) && !ACCOUNT_ID.test(a));
  v.check(bad.length > 0, {
    prop: 'consumerAccountIds',
    value: bad,
    allowed: '12-digit account ids',
    fix: 'list the account ids of the staging and production accounts.',
  });
  v.throwIfAny();
}

/** `PlatformLayer.PIPELINE`, as a user writes it. */
function layerName(layer: PlatformLayer): string {
  return `PlatformLayer.${String(layer).toUpperCase()}`;
}

function describeNetworkOptions(options: PlatformNetworkOptions | undefined): string {
  const given = Object.entries(options ?? {}).filter(([, v]) => v !== undefined).map(([k]) => k);
  return `given (${given.join(', ')}) without a network`;
}

function distinct(values: string[]): string[] {
  return [...new Set(values)];
}
