"""Makes scripts/contracts importable and builds fixture templates."""
import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'scripts', 'contracts'))


def template(definition, extra_resources=None, substitutions=None, as_join=True):
    """A CloudFormation template with one state machine whose DefinitionString is `definition`,
    joined around a role reference the way aws-cdk-lib renders it."""
    text = json.dumps(definition)
    if as_join and '__ROLE_ARN__' in text:
        before, after = text.split('__ROLE_ARN__', 1)
        body = {'Fn::Join': ['', [before, {'Fn::GetAtt': ['JobRole', 'Arn']}, after]]}
    else:
        body = text
    props = {'DefinitionString': body, 'RoleArn': {'Fn::GetAtt': ['JobRole', 'Arn']}}
    if substitutions:
        props['DefinitionSubstitutions'] = substitutions
    resources = {
        'JobRole': {'Type': 'AWS::IAM::Role', 'Properties': {}},
        'Machine': {'Type': 'AWS::StepFunctions::StateMachine', 'Properties': props},
    }
    resources.update(extra_resources or {})
    return {'Resources': resources}


def write(tmp_path, name, tpl):
    d = tmp_path / 'templates'
    d.mkdir(exist_ok=True)
    (d / f'{name}.json').write_text(json.dumps(tpl))
    return str(d)


def task(resource, params=None, **fields):
    state = {'Type': 'Task', 'Resource': f'arn:aws:states:::{resource}', 'End': True}
    if params is not None:
        state['Parameters'] = params
    state.update(fields)
    return state


def machine(**states):
    first = next(iter(states))
    return {'StartAt': first, 'States': states}
