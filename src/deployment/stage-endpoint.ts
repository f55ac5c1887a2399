import { ArnFormat, Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import { Construct } from 'constructs';

/** What identifies the SageMaker endpoint of a deployment stage. */
export interface StageEndpointAttributes {
  /** The endpoint name (SageMaker writes it in lowercase in ARNs). */
  readonly endpointName: string;
  /**
   * The account of the endpoint.
   * @default - the account of the stack of `scope`
   */
  readonly account?: string;
  /**
   * The region of the endpoint.
   * @default - the region of the stack of `scope`
   */
  readonly region?: string;
  /**
   * Whether it is an asynchronous endpoint: `grantInvoke` then also allows
   * `sagemaker:InvokeEndpointAsync`.
   * @default false
   */
  readonly asynchronous?: boolean;
}

/**
 * The SageMaker endpoint of a deployment stage, as aws-cdk-lib's
 * `sagemaker.IEndpoint` (the deployment workflow creates and updates the
 * endpoint itself: CloudFormation holds no resource for it).
 */
export class StageEndpoint extends Resource implements sagemaker.IEndpoint {
  /** Refer to the endpoint of a stage (in another account or region with `account` / `region`). */
  public static fromEndpointAttributes(scope: Construct, id: string, attrs: StageEndpointAttributes): sagemaker.IEndpoint {
    return new StageEndpoint(scope, id, attrs);
  }

  /** Refer to the endpoint of a stage of this stack's account and region by name. */
  public static fromEndpointName(scope: Construct, id: string, endpointName: string): sagemaker.IEndpoint {
    return new StageEndpoint(scope, id, { endpointName });
  }

  public readonly endpointName: string;
  public readonly endpointArn: string;
  private readonly asynchronous: boolean;

  private constructor(scope: Construct, id: string, attrs: StageEndpointAttributes) {
    super(scope, id, { account: attrs.account, region: attrs.region });
    this.endpointName = attrs.endpointName;
    this.asynchronous = attrs.asynchronous ?? false;
    // SageMaker writes endpoint ARNs in lowercase ("Amazon SageMaker AI resource ARNs"); IAM compares them as written.
    this.endpointArn = Stack.of(this).formatArn({
      service: 'sagemaker',
      account: this.env.account,
      region: this.env.region,
      resource: 'endpoint',
      resourceName: Token.isUnresolved(attrs.endpointName) ? attrs.endpointName : attrs.endpointName.toLowerCase(),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  public get endpointRef(): sagemaker.EndpointReference {
    return { endpointArn: this.endpointArn };
  }

  /**
   * Allow invoking the endpoint: `sagemaker:InvokeEndpoint`, or
   * `sagemaker:InvokeEndpointAsync` only for an asynchronous endpoint, which
   * answers nothing else (Service Authorization Reference: both on the
   * `endpoint` resource type). An
   * endpoint in another account has no resource policy: the grantee must be a
   * principal of that account (or assume a role there) to call it.
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    const actions = [this.asynchronous ? 'sagemaker:InvokeEndpointAsync' : 'sagemaker:InvokeEndpoint'];
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.endpointArn] });
  }
}
