import * as kms from 'aws-cdk-lib/aws-kms';
import { ISecureMlNetwork } from '../network';

/**
 * Security settings of the job a step starts. Every field defaults to the
 * secure choice; set one to override it for this step only.
 */
export interface JobSecurityOptions {
  /**
   * Run the job in the VPC of the pipeline's network (subnets and workload
   * security group). Only meaningful when the pipeline has a network.
   * @default true when the pipeline has a network
   */
  readonly runInVpc?: boolean;
  /**
   * Run the job in this network instead of the pipeline's.
   * @default - the pipeline's network
   */
  readonly network?: ISecureMlNetwork;
  /**
   * Network isolation: the container has no network access at all (no
   * calls to S3, CloudWatch or any API from the script; SageMaker still
   * moves inputs and outputs). On by default for training; off by default
   * for processing, whose scripts usually call AWS APIs.
   * @default true for training and tuning, false for processing
   */
  readonly enableNetworkIsolation?: boolean;
  /**
   * Encrypt traffic between the instances of a distributed job.
   * @default true
   */
  readonly encryptInterContainerTraffic?: boolean;
  /**
   * KMS key of the ML storage volumes.
   * @default - the pipeline's key
   */
  readonly volumeEncryptionKey?: kms.IKey;
  /**
   * KMS key of the job output in S3.
   * @default - the pipeline's key
   */
  readonly outputEncryptionKey?: kms.IKey;
}

