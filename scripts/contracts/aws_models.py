"""AWS API contracts from botocore's service models, as Step Functions sees them.

The oracle is botocore (pinned in test/contracts/requirements-sdk2.txt): its
service models are AWS's machine-readable API definitions. This module maps a
Step Functions Task ``Resource`` to the botocore operation it calls, names the
errors that task can raise the way Step Functions names them, and checks a
request (or a response) against the operation's input (or output) shape.

Every naming rule below comes from a cited AWS document, never from our code:

- SDK integrations (``arn:aws:states:::aws-sdk:<service>:<apiAction>``): the
  service names and the error prefix of each service are the table
  "Supported AWS SDK service integrations" of
  https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
  ("Exception prefix" column). Parameters are PascalCase even where the API is
  camelCase; an error is ``<Prefix>.<ErrorName>`` and Step Functions always adds
  the ``Exception`` suffix (the page's ``S3.BucketAlreadyExistsException``
  example). The prefixes are the service names of the AWS SDK for Java 2.x
  (``DynamoDb``, ``Sfn``, ``Ec2``), whose base exception for errors the model
  does not list is ``<Prefix>Exception`` (``SageMakerException``; AWS SDK for
  Java 2.x API Reference, ``software.amazon.awssdk.services.<svc>.model``).
- Optimized integrations (``arn:aws:states:::sagemaker:createProcessingJob.sync``):
  the prefixes and base exceptions AWS documents for them are those of the AWS
  SDK for Java 1.x: ``SageMaker.AmazonSageMakerException`` and
  ``SageMaker.ResourceLimitExceededException``
  (https://docs.aws.amazon.com/step-functions/latest/dg/connect-sagemaker.html),
  ``DynamoDB.AmazonDynamoDBException`` (the "Invoke Synchronous Express
  Workflows" sample, https://docs.aws.amazon.com/step-functions/latest/dg/synchronous-execution.html), ``Lambda.AWSLambdaException`` / ``Lambda.ServiceException`` /
  ``Lambda.SdkClientException`` / ``Lambda.ClientExecutionTimeoutException``
  (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html),
  ``StepFunctions.ExecutionLimitExceeded``
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-nested-workflows.html,
  which shows the model's name without the suffix, so both forms are accepted
  for that integration). Optimized integrations whose error prefix AWS does not
  document are mapped for their parameters only; an error name with a service
  prefix on them is reported as unverifiable.
- ``States.*`` error names:
  https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
"""
import difflib
import re

import botocore.session

_SESSION = botocore.session.get_session()
_MODELS = {}

# --- integrations ---------------------------------------------------------

# SDK integration service name -> (botocore service, exception prefix), from the
# supported-services-awssdk table. Extend it when a template uses a new service.
SDK_SERVICES = {
    'applicationautoscaling': ('application-autoscaling', 'ApplicationAutoScaling'),
    'athena': ('athena', 'Athena'),
    'batch': ('batch', 'Batch'),
    'cloudwatch': ('cloudwatch', 'CloudWatch'),
    'cloudwatchlogs': ('logs', 'CloudWatchLogs'),
    'codebuild': ('codebuild', 'CodeBuild'),
    'codepipeline': ('codepipeline', 'CodePipeline'),
    'dynamodb': ('dynamodb', 'DynamoDb'),
    'ec2': ('ec2', 'Ec2'),
    'ecr': ('ecr', 'Ecr'),
    'ecs': ('ecs', 'Ecs'),
    'emr': ('emr', 'Emr'),
    'eventbridge': ('events', 'EventBridge'),
    'glue': ('glue', 'Glue'),
    'iam': ('iam', 'Iam'),
    'kms': ('kms', 'Kms'),
    'lambda': ('lambda', 'Lambda'),
    's3': ('s3', 'S3'),
    'sagemaker': ('sagemaker', 'SageMaker'),
    'sagemakerruntime': ('sagemaker-runtime', 'SageMakerRuntime'),
    'secretsmanager': ('secretsmanager', 'SecretsManager'),
    'sfn': ('stepfunctions', 'Sfn'),
    'sns': ('sns', 'Sns'),
    'sqs': ('sqs', 'Sqs'),
    'ssm': ('ssm', 'Ssm'),
    'sts': ('sts', 'Sts'),
}

# Optimized integration service -> (botocore service, error prefix or None,
# base exception or None, extra documented error names).
OPTIMIZED = {
    'sagemaker': ('sagemaker', 'SageMaker', 'AmazonSageMakerException', ()),
    'dynamodb': ('dynamodb', 'DynamoDB', 'AmazonDynamoDBException', ()),
    'lambda': ('lambda', 'Lambda', 'AWSLambdaException', ('SdkClientException', 'ClientExecutionTimeoutException', 'Unknown')),
    # The prefix is documented (concepts-nested-workflows); the base exception
    # is the AWS SDK for Java 1.x one (com.amazonaws.services.stepfunctions.model).
    'states': ('stepfunctions', 'StepFunctions', 'AWSStepFunctionsException', ()),
    'sns': ('sns', None, None, ()),
    'sqs': ('sqs', None, None, ()),
    # "If the response from PutEvents contains a non-zero FailedEntryCount then the Task
    # state fails with the error EventBridge.FailedEntry" (connect-eventbridge).
    'events': ('events', 'EventBridge', None, ('FailedEntry',)),
    'ecs': ('ecs', None, None, ()),
    'glue': ('glue', None, None, ()),
    'batch': ('batch', None, None, ()),
    'codebuild': ('codebuild', None, None, ()),
    'athena': ('athena', None, None, ()),
    'elasticmapreduce': ('emr', None, None, ()),
    's3': ('s3', None, None, ()),  # a distributed Map's ItemReader (getObject, listObjectsV2)
}
# Integrations that call no AWS API operation botocore models (HTTPS endpoints, API Gateway).
NO_SHAPE = {'http', 'apigateway'}
# Optimized integrations whose docs show the model's error name verbatim.
VERBATIM_ERROR_NAMES = {'StepFunctions'}

# Members an optimized integration JSON-serializes itself, so a JSON object is
# allowed where the API takes a string (connect-stepfunctions, connect-sns,
# connect-lambda, connect-sqs, connect-eventbridge examples).
JSON_MEMBERS = {
    ('stepfunctions', 'StartExecution'): {'Input'},
    ('sns', 'Publish'): {'Message'},
    ('lambda', 'Invoke'): {'Payload'},
    ('sqs', 'SendMessage'): {'MessageBody'},
    ('events', 'PutEvents'): {'Entries[].Detail'},  # a nested member: its path with [] for list items
}

STATES_ERRORS = {
    'States.ALL', 'States.BranchFailed', 'States.DataLimitExceeded', 'States.ExceedToleratedFailureThreshold',
    'States.HeartbeatTimeout', 'States.Http.Socket', 'States.IntrinsicFailure', 'States.ItemReaderFailed',
    'States.NoChoiceMatched', 'States.ParameterPathFailure', 'States.Permissions', 'States.QueryEvaluationError',
    'States.ResultPathMatchFailure', 'States.ResultWriterFailed', 'States.Runtime', 'States.TaskFailed',
    'States.Timeout',
}


def service_model(name):
    if name not in _MODELS:
        _MODELS[name] = _SESSION.get_service_model(name)
    return _MODELS[name]


def pascal(name):
    return name[:1].upper() + name[1:]


class Integration:
    """What a Task Resource calls: service, operation, error naming."""

    def __init__(self, resource, kind, service, operation, prefix, base, extra, pattern):
        self.resource = resource
        self.kind = kind  # 'aws-sdk' or 'optimized'
        self.service = service
        self.operation = operation
        self.prefix = prefix
        self.base = base
        self.extra = extra
        self.pattern = pattern  # '', 'sync', 'sync:2', 'waitForTaskToken'

    @property
    def model(self):
        return service_model(self.service).operation_model(self.operation)

    @property
    def callback(self):
        return self.pattern == 'waitForTaskToken'

    def json_members(self):
        return JSON_MEMBERS.get((self.service, self.operation), set()) if self.kind == 'optimized' else set()

    def error_names(self):
        """The error names Step Functions can report for this call (besides States.*)."""
        if not self.prefix:
            return set()
        names = {f'{self.prefix}.{self.base}'} if self.base else set()
        names.update(f'{self.prefix}.{e}' for e in self.extra)
        for shape in self.model.error_shapes:
            names.add(f'{self.prefix}.{java_error_name(shape.name)}')
            if self.prefix in VERBATIM_ERROR_NAMES:
                names.add(f'{self.prefix}.{shape.name}')
        return names


def java_error_name(shape_name):
    """An error shape as Step Functions names it: Fault becomes, and every name gets, the Exception suffix."""
    name = re.sub(r'Fault$', '', shape_name)
    return name if name.endswith('Exception') else f'{name}Exception'


RESOURCE = re.compile(r'^arn:aws[a-z-]*:states:::(?:(aws-sdk):)?([a-z0-9-]+):([a-zA-Z0-9]+)(?:\.(sync:2|sync|waitForTaskToken))?$')


def integration(resource):
    """The Integration of a Task Resource, or (None, why) when it calls no botocore operation
    (why is None when it calls no AWS API at all: an HTTPS endpoint, API Gateway)."""
    m = RESOURCE.match(resource or '')
    if not m:
        return None, 'not a service integration ARN (an activity, a Lambda ARN or an expression): no botocore shape'
    sdk, svc, action, pattern = m.groups()
    if sdk:
        if svc not in SDK_SERVICES:
            return None, f'SDK integration service {svc!r} is not in the checker\'s table (scripts/contracts/aws_models.py SDK_SERVICES)'
        boto, prefix = SDK_SERVICES[svc]
        kind, base, extra = 'aws-sdk', f'{prefix}Exception', ()
    else:
        if svc in NO_SHAPE:
            return None, None
        if svc not in OPTIMIZED:
            return None, f'optimized integration {svc!r} has no botocore mapping in the checker (OPTIMIZED)'
        boto, prefix, base, extra = OPTIMIZED[svc]
        kind = 'optimized'
    model = service_model(boto)
    operation = pascal(action)
    if operation not in model.operation_names:
        close = difflib.get_close_matches(operation, model.operation_names, 3)
        return None, f'{boto} has no operation {operation} (from {action!r}){" - did you mean " + ", ".join(close) if close else ""}'
    return Integration(resource, kind, boto, operation, prefix, base, extra, pattern or ''), None


def check_error_name(name, integ):
    """None when a task of this integration can raise `name`, else why not."""
    if name.startswith('States.'):
        return None if name in STATES_ERRORS else f'{name} is not a Step Functions error name (concepts-error-handling)'
    own = integ.prefix and name.startswith(f'{integ.prefix}.')
    if integ.callback and not own:
        return None  # a SendTaskFailure error of the callback: any name
    if integ.service == 'lambda' and integ.operation == 'Invoke' and integ.kind == 'optimized' and '.' not in name:
        return None  # an error the function raised (its errorType)
    if not integ.prefix:
        return (f'{name}: AWS documents no error prefix for the optimized {integ.service} integration, '
                'so the name cannot be checked; use States.TaskFailed or an SDK integration')
    if '.' not in name:
        return (f'{name} has no service prefix: Step Functions names this task\'s errors '
                f'{integ.prefix}.<ErrorName>Exception, or {integ.prefix}.{integ.base} for errors the model does not list')
    if not own:
        return f'{name} names another service: {integ.resource} raises only {integ.prefix}.* errors'
    allowed = integ.error_names()
    if name in allowed:
        return None
    close = difflib.get_close_matches(name, sorted(allowed), 2)
    return (f'{name} is not an error {integ.service}:{integ.operation} can raise; it raises {sorted(allowed)} '
            f'(botocore {botocore_version()} errors of the operation, Exception suffix, and the base exception)'
            f'{" - did you mean " + ", ".join(close) if close else ""}')


def botocore_version():
    return botocore.__version__


# --- patterns --------------------------------------------------------------

# Java's POSIX classes are US-ASCII only: exact in Python.
_POSIX = {
    'Lower': 'a-z', 'Upper': 'A-Z', 'ASCII': '\\x00-\\x7f', 'Alpha': 'a-zA-Z', 'Digit': '0-9', 'Alnum': 'a-zA-Z0-9',
    'Punct': '!-/:-@\\[-`{-~', 'Graph': '!-~', 'Print': ' -~', 'Blank': ' \\t', 'Cntrl': '\\x00-\\x1f\\x7f',
    'XDigit': '0-9a-fA-F', 'Space': ' \\t\\n\\x0b\\f\\r',
}
# Unicode categories restricted to ASCII: exact for an ASCII value only.
_UNICODE_ASCII = {
    'L': 'a-zA-Z', 'Lu': 'A-Z', 'Ll': 'a-z', 'N': '0-9', 'Nd': '0-9', 'Z': ' ', 'Zs': ' ', 'M': '',
    'S': '$+<=>^`|~', 'Sm': '+<=>|~', 'Sc': '$', 'Sk': '^`', 'P': '!-#%-*,-/:;?@\\[-\\]_{}', 'C': '\\x00-\\x1f\\x7f',
    'Cc': '\\x00-\\x1f\\x7f', 'IsAlphabetic': 'a-zA-Z', 'IsLetter': 'a-zA-Z', 'IsDigit': '0-9',
}
_PROP = re.compile(r'\\([pP])\{(?:Is)?([A-Za-z]+)\}')
_COMPILED = {}
_PAIR = re.compile(r'\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})', re.IGNORECASE)


def _translate(pattern, ascii_value):
    """Java regex -> Python regex, or None when it cannot be translated exactly."""
    if '&&' in pattern or '\\Q' in pattern:
        return None
    # Java patterns match UTF-16: a surrogate pair \uD800\uDC00 is one code point.
    pattern = _PAIR.sub(lambda m: '\\U%08X' % (0x10000 + ((int(m.group(1), 16) - 0xD800) << 10) + int(m.group(2), 16) - 0xDC00), pattern)
    out, i, in_class, class_len = [], 0, False, 0
    while i < len(pattern):
        class_len += 1
        c = pattern[i]
        if c == '\\' and i + 1 < len(pattern):
            m = _PROP.match(pattern, i)
            if m:
                neg, name = m.group(1) == 'P', m.group(2)
                body = _POSIX.get(name)
                if body is None:
                    body = _UNICODE_ASCII.get(name) if ascii_value else None
                if body is None or (neg and in_class):
                    return None
                if in_class:
                    out.append(body)
                else:
                    out.append(f'[{"^" if neg else ""}{body}]' if body else ('(?s:.)' if neg else '(?!)'))
                i = m.end()
                continue
            nxt = pattern[i + 1]
            out.append({'z': '\\Z', 'h': '[ \\t]'}.get(nxt, c + nxt))
            i += 2
            continue
        if c == '[' and not in_class:
            in_class, class_len = True, 0
        elif c == ']' and in_class and class_len > 1 and not (class_len == 2 and out[-1] == '^'):
            in_class = False
        out.append(c)
        i += 1
    return ''.join(out)


def pattern_matches(pattern, value):
    """True/False, or None when Python cannot evaluate the Java pattern exactly (counted as skipped)."""
    key = (pattern, value.isascii())
    if key not in _COMPILED:
        translated = _translate(pattern, value.isascii())
        try:
            _COMPILED[key] = re.compile(translated) if translated is not None else None
        except re.error:
            _COMPILED[key] = None
    rx = _COMPILED[key]
    # Smithy patterns are not implicitly anchored: AWS anchors those that must match whole.
    return None if rx is None else rx.search(value) is not None
