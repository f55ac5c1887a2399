import { Aws, CfnMapping, Stack, Token } from 'aws-cdk-lib';

/**
 * ECR registry accounts of the Model Monitor analyzer image
 * (`sagemaker-model-monitor-analyzer`) per region, from the SageMaker Python
 * SDK's `image_uri_config/model-monitor.json`.
 */
export const MODEL_MONITOR_ACCOUNTS: { [region: string]: string } = {
  'ap-east-1': '001633400207',
  'ap-northeast-1': '574779866223',
  'ap-northeast-2': '709848358524',
  'ap-south-1': '126357580389',
  'ap-southeast-1': '245545462676',
  'ap-southeast-2': '563025443158',
  'ca-central-1': '536280801234',
  'cn-north-1': '453000072557',
  'cn-northwest-1': '453252182341',
  'eu-central-1': '048819808253',
  'eu-north-1': '895015795356',
  'eu-west-1': '468650794304',
  'eu-west-2': '749857270468',
  'eu-west-3': '680080141114',
  'me-south-1': '607024016150',
  'sa-east-1': '539772159869',
  'us-east-1': '156813124566',
  'us-east-2': '777275614652',
  'us-west-1': '890145073186',
  'us-west-2': '159807026194',
};

/**
 * ECR registry accounts of the Clarify processing image
 * (`sagemaker-clarify-processing:1.0`) per region, from the SageMaker Python
 * SDK's `image_uri_config/clarify.json`.
 */
export const CLARIFY_ACCOUNTS: { [region: string]: string } = {
  'af-south-1': '811711786498',
  'ap-east-1': '098760798382',
  'ap-northeast-1': '377024640650',
  'ap-northeast-2': '263625296855',
  'ap-northeast-3': '364406365360',
  'ap-south-1': '452307495513',
  'ap-southeast-1': '834264404009',
  'ap-southeast-2': '007051062584',
  'ca-central-1': '675030665977',
  'cn-north-1': '122526803553',
  'cn-northwest-1': '122578899357',
  'eu-central-1': '017069133835',
  'eu-north-1': '763603941244',
  'eu-south-1': '638885417683',
  'eu-west-1': '131013547314',
  'eu-west-2': '440796970383',
  'eu-west-3': '341593696636',
  'me-south-1': '835444307964',
  'sa-east-1': '520018980103',
  'us-east-1': '205585389593',
  'us-east-2': '211330385671',
  'us-west-1': '740489534195',
  'us-west-2': '306415355426',
};

/**
 * The URI of an AWS image from a region table: a literal when the stack has
 * a region, a `CfnMapping` lookup on `AWS::Region` otherwise. Returns
 * undefined when the stack's region is not in the table.
 */
export function tableImageUri(
  scope: Stack, table: { [region: string]: string }, mappingId: string, repository: string, tag: string,
): string | undefined {
  const region = scope.region;
  let account: string;
  if (Token.isUnresolved(region)) {
    let mapping = scope.node.tryFindChild(mappingId) as CfnMapping | undefined;
    if (!mapping) {
      const m: { [r: string]: { [k: string]: string } } = {};
      for (const [r, a] of Object.entries(table)) {
        m[r] = { account: a };
      }
      mapping = new CfnMapping(scope, mappingId, { mapping: m });
    }
    account = mapping.findInMap(Aws.REGION, 'account');
  } else {
    const known = table[region];
    if (!known) {
      return undefined;
    }
    account = known;
  }
  return `${account}.dkr.ecr.${region}.${Aws.URL_SUFFIX}/${repository}:${tag}`;
}
