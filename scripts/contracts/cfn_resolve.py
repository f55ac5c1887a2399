"""Resolve CloudFormation intrinsics offline, with placeholders for what only a deployment knows.

A reference to a resource becomes a realistic value of that resource type
(a bucket name for ``Ref`` of a bucket, a role ARN for ``Fn::GetAtt Role.Arn``),
so patterns such as SageMaker's ``RoleArn`` are checked on the shape the real
value will have. A reference the checker cannot type becomes an opaque marker
(``«cfn:...»``): values holding one are type-checked only, and counted.
"""
import hashlib
import json

from shape_check import OPAQUE

ACCOUNT = '123456789012'
REGION = 'us-east-1'
PSEUDO = {
    'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'placeholder-stack', 'AWS::NoValue': None,
    'AWS::StackId': f'arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/placeholder-stack/1',
}


def _h(lid, n=12):
    return hashlib.sha1(lid.encode()).hexdigest()[:n]


def _name(lid, n=40):
    return (lid[:n - 13] + '-' + _h(lid)) if len(lid) > n else lid


# What Ref returns, by resource type (CloudFormation resource reference "Return values").
REF = {
    'AWS::S3::Bucket': lambda lid: f'bucket-{_h(lid)}',
    'AWS::IAM::Role': _name,
    'AWS::SNS::Topic': lambda lid: f'arn:aws:sns:{REGION}:{ACCOUNT}:{_name(lid)}',
    'AWS::SQS::Queue': lambda lid: f'https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{_name(lid)}',
    'AWS::KMS::Key': lambda lid: f'{_h(lid, 8)}-1234-5678-9abc-{_h(lid + "k")}',
    'AWS::EC2::Subnet': lambda lid: f'subnet-{_h(lid, 17)}',
    'AWS::EC2::SecurityGroup': lambda lid: f'sg-{_h(lid, 17)}',
    'AWS::EC2::VPC': lambda lid: f'vpc-{_h(lid, 17)}',
    'AWS::DynamoDB::Table': _name,
    'AWS::StepFunctions::StateMachine': lambda lid: f'arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{_name(lid)}',
    'AWS::Lambda::Function': _name,
    'AWS::Logs::LogGroup': _name,
    'AWS::CloudWatch::Alarm': _name,
    'AWS::SageMaker::Pipeline': _name,
    'AWS::SageMaker::Endpoint': lambda lid: f'arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{_name(lid).lower()}',
}
ARN = {
    'AWS::IAM::Role': lambda lid: f'arn:aws:iam::{ACCOUNT}:role/{_name(lid)}',
    'AWS::KMS::Key': lambda lid: f'arn:aws:kms:{REGION}:{ACCOUNT}:key/{REF["AWS::KMS::Key"](lid)}',
    'AWS::S3::Bucket': lambda lid: f'arn:aws:s3:::{REF["AWS::S3::Bucket"](lid)}',
    'AWS::SNS::Topic': REF['AWS::SNS::Topic'],
    'AWS::SQS::Queue': lambda lid: f'arn:aws:sqs:{REGION}:{ACCOUNT}:{_name(lid)}',
    'AWS::DynamoDB::Table': lambda lid: f'arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{_name(lid)}',
    'AWS::StepFunctions::StateMachine': REF['AWS::StepFunctions::StateMachine'],
    'AWS::Lambda::Function': lambda lid: f'arn:aws:lambda:{REGION}:{ACCOUNT}:function:{_name(lid)}',
    'AWS::Logs::LogGroup': lambda lid: f'arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{_name(lid)}:*',
    'AWS::SageMaker::ModelPackageGroup': lambda lid: f'arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{_name(lid).lower()}',
}
ATTR = {
    ('AWS::EC2::SecurityGroup', 'GroupId'): REF['AWS::EC2::SecurityGroup'],
    ('AWS::SageMaker::ModelPackageGroup', 'ModelPackageGroupName'): lambda lid: _name(lid).lower(),
    ('AWS::StepFunctions::StateMachine', 'Name'): _name,
    ('AWS::S3::Bucket', 'DomainName'): lambda lid: f'{REF["AWS::S3::Bucket"](lid)}.s3.amazonaws.com',
}


def opaque(what):
    return f'{OPAQUE}{what}\u00bb'


class Resolver:
    def __init__(self, template):
        self.resources = template.get('Resources', {})
        self.parameters = template.get('Parameters', {})

    def _type(self, lid):
        return self.resources.get(lid, {}).get('Type')

    def ref(self, name):
        if name in PSEUDO:
            return PSEUDO[name]
        if name in self.parameters:
            return opaque(f'Ref:{name}')
        fn = REF.get(self._type(name))
        return fn(name) if fn else opaque(f'Ref:{name}')

    def get_att(self, lid, attr):
        rtype = self._type(lid)
        fn = ARN.get(rtype) if attr == 'Arn' else ATTR.get((rtype, attr))
        return fn(lid) if fn else opaque(f'GetAtt:{lid}.{attr}')

    def resolve(self, node):
        """Resolve intrinsics; strings are joined, so a DefinitionString becomes one string."""
        if isinstance(node, list):
            return [self.resolve(n) for n in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (k, v), = node.items()
            if k == 'Ref':
                return self.ref(v)
            if k == 'Fn::GetAtt':
                lid, attr = v if isinstance(v, list) else v.split('.', 1)
                return self.get_att(lid, attr)
            if k == 'Fn::Join':
                sep, parts = v
                parts = self.resolve(parts)
                if not isinstance(parts, list):
                    return opaque('Join')
                return sep.join(_text(p) for p in parts)
            if k == 'Fn::Sub':
                text, variables = (v, {}) if isinstance(v, str) else (v[0], self.resolve(v[1]))
                return self.sub(text, variables)
            if k == 'Fn::Select':
                index, items = self.resolve(v[0]), self.resolve(v[1])
                return items[int(index)] if isinstance(items, list) else opaque('Select')
            if k == 'Fn::Split':
                sep, text = v[0], self.resolve(v[1])
                return text.split(sep) if isinstance(text, str) and OPAQUE not in text else opaque('Split')
            if k.startswith('Fn::'):
                return opaque(k)
        return {k: self.resolve(v) for k, v in node.items()}

    def sub(self, text, variables):
        out, i = [], 0
        while i < len(text):
            j = text.find('${', i)
            if j < 0:
                out.append(text[i:])
                break
            out.append(text[i:j])
            end = text.index('}', j)
            name = text[j + 2:end]
            if name.startswith('!'):
                out.append('${' + name[1:] + '}')
            elif name in variables:
                out.append(_text(variables[name]))
            elif '.' in name:
                out.append(_text(self.get_att(*name.split('.', 1))))
            else:
                out.append(_text(self.ref(name)))
            i = end + 1
        return ''.join(out)


def _text(value):
    if isinstance(value, str):
        return value
    if value is None:
        return ''
    return json.dumps(value)


def state_machine_definition(template, lid):
    """The parsed definition of a state machine resource (DefinitionString/Definition, with substitutions)."""
    props = template['Resources'][lid].get('Properties', {})
    r = Resolver(template)
    if 'Definition' in props:
        definition = r.resolve(props['Definition'])
        text = json.dumps(definition)
    else:
        text = r.resolve(props.get('DefinitionString'))
        if not isinstance(text, str):
            return None
    subs = props.get('DefinitionSubstitutions')
    if subs:
        resolved = r.resolve(subs)
        for k, v in resolved.items():
            text = text.replace('${' + k + '}', _text(v) if not isinstance(v, (int, float, bool)) else json.dumps(v))
    return json.loads(text)
