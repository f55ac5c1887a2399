/**
 * The price table of the cost report: us-east-1, on-demand, USD.
 *
 * Each entry names its source page and the date it was taken. Prices were
 * taken offline from stored copies of the AWS pricing pages (and, where the
 * stored copy did not show the number, from secondary sources that cite
 * them); such entries are marked `confirmed: false`. Check them against the
 * AWS pricing pages before relying on the figures.
 */

/** One price of the table (internal). */
export interface PriceEntry {
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
  readonly date: string;
  readonly confirmed: boolean;
  readonly note?: string;
}

/** Hours in a month, as AWS price calculators count them. */
export const HOURS_PER_MONTH = 730;

export const PRICE_REGION = 'us-east-1';

const TAKEN = '2026-11-27';

export const PRICES: { readonly [name: string]: PriceEntry } = {
  'interface-endpoint-az-hour': {
    usd: 0.01,
    unit: 'per interface endpoint per Availability Zone per hour',
    source: 'https://aws.amazon.com/privatelink/pricing/',
    date: TAKEN,
    confirmed: false,
    note: 'billing per endpoint per AZ per hour confirmed on the page; the hourly rate is the long-standing us-east-1 rate, not shown in the stored copy. Data processing ($0.01/GB for the first PB) is not counted.',
  },
  'nat-gateway-hour': {
    usd: 0.045,
    unit: 'per NAT gateway per hour',
    source: 'https://aws.amazon.com/vpc/pricing/',
    date: TAKEN,
    confirmed: false,
    note: 'data processing ($0.045/GB) not counted',
  },
  'kms-key-month': {
    usd: 1.0,
    unit: 'per customer-managed key per month',
    source: 'https://aws.amazon.com/kms/pricing/',
    date: TAKEN,
    confirmed: true,
    note: 'each automatic rotation adds $1/month for the first two rotations; requests beyond the free tier not counted',
  },
  'alarm-standard-month': {
    usd: 0.1,
    unit: 'per standard-resolution alarm metric per month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    date: TAKEN,
    confirmed: false,
    note: 'rate from secondary sources citing the CloudWatch pricing page',
  },
  'alarm-high-resolution-month': {
    usd: 0.3,
    unit: 'per high-resolution alarm metric per month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    date: TAKEN,
    confirmed: false,
  },
  'alarm-composite-month': {
    usd: 0.5,
    unit: 'per composite alarm per month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    date: TAKEN,
    confirmed: false,
  },
  'mlflow-tracking-server-small-hour': {
    usd: 0.6,
    unit: 'per Small MLflow tracking server per hour',
    source: 'https://aws.amazon.com/sagemaker/ai/pricing/',
    date: TAKEN,
    confirmed: false,
  },
  'mlflow-tracking-server-medium-hour': {
    usd: 1.4,
    unit: 'per Medium MLflow tracking server per hour',
    source: 'https://aws.amazon.com/sagemaker/ai/pricing/',
    date: TAKEN,
    confirmed: false,
  },
  'mlflow-tracking-server-large-hour': {
    usd: 2.6,
    unit: 'per Large MLflow tracking server per hour',
    source: 'https://aws.amazon.com/sagemaker/ai/pricing/',
    date: TAKEN,
    confirmed: false,
  },
};

/** Real-time inference instances, per instance-hour (SageMaker AI pricing, us-east-1, on-demand). */
export const INFERENCE_INSTANCE_HOUR: { readonly [instanceType: string]: number } = {
  'ml.t2.medium': 0.056,
  'ml.t3.medium': 0.05,
  'ml.m5.large': 0.115,
  'ml.m5.xlarge': 0.23,
  'ml.m5d.xlarge': 0.271,
  'ml.c5.large': 0.102,
  'ml.c5.xlarge': 0.204,
  'ml.c6i.xlarge': 0.204,
  'ml.r5.xlarge': 0.302,
  'ml.g4dn.xlarge': 0.7364,
  'ml.g5.xlarge': 1.408,
  'ml.inf2.xlarge': 0.99,
};

export const INFERENCE_SOURCE: PriceEntry = {
  usd: 0,
  unit: 'per instance-hour, real-time inference',
  source: 'https://aws.amazon.com/sagemaker/ai/pricing/',
  date: TAKEN,
  confirmed: false,
  note: 'instance rates from secondary sources; types outside the table are reported as unpriced',
};
