"""Check a Step Functions request or a mocked response against a botocore shape.

Parameters are PascalCase, as Step Functions writes them even for camelCase
APIs (supported-services-awssdk). In JSONPath states a key ending in ``.$`` is
a path or an intrinsic function: its name is checked, its value is not (it is
known only at run time) and it counts as present. In JSONata states a string
value ``{% ... %}`` is an expression, known only at run time, likewise.
CloudFormation values the checker could only replace with an opaque
placeholder (see cfn_resolve.py) are type-checked but skip enum, length and
pattern checks; they are counted.
"""
import collections
import difflib
import re

from aws_models import pascal, pattern_matches

TYPES = {
    'string': (str,), 'blob': (str,), 'boolean': (bool,), 'integer': (int,), 'long': (int,),
    'float': (int, float), 'double': (int, float), 'timestamp': (str, int, float),
    'structure': (dict,), 'map': (dict,), 'list': (list,),
}


class Report:
    """Findings and what was checked."""

    def __init__(self):
        self.findings = []
        self.counts = collections.Counter()
        self.skipped_patterns = set()

    def add(self, where, what, **extra):
        self.findings.append({'where': where, 'what': what, **extra})


def is_expression(value):
    return isinstance(value, str) and value.startswith('{%') and value.endswith('%}')


# Marks a CloudFormation value the checker could not resolve to a realistic one.
OPAQUE = '\u00abcfn:'


def is_opaque(value):
    return isinstance(value, str) and OPAQUE in value


class ShapeChecker:
    """Walks a value along a botocore shape; `mode` is 'input' or 'output'."""

    def __init__(self, report, where, mode='input', jsonpath=True, json_members=()):
        self.report = report
        self.where = where
        self.mode = mode
        self.jsonpath = jsonpath
        self.json_members = set(json_members)

    def fail(self, path, what):
        self.report.add(f'{self.where}{":" if path else ""}{path}', what)

    def check(self, value, shape, path='', top=True):
        r = self.report
        if is_expression(value):
            r.counts['run-time values (JSONata)'] += 1
            return
        kind = shape.type_name
        if value is None:
            self.fail(path, f'null where botocore has {kind} {shape.name}')
            return
        expected = TYPES.get(kind, (object,))
        if not isinstance(value, expected) or (kind != 'boolean' and isinstance(value, bool)):
            self.fail(path, f'{type(value).__name__} {_short(value)} where {shape.name} is a {kind}')
            return
        r.counts['values checked'] += 1
        if kind == 'structure':
            self.structure(value, shape, path)
        elif kind == 'list':
            self.size(len(value), shape, path, 'items')
            for i, item in enumerate(value):
                self.check(item, shape.member, f'{path}[{i}]', False)
        elif kind == 'map':
            self.size(len(value), shape, path, 'entries')
            for k, v in value.items():
                name, dynamic = self.key(k)
                self.check(name, shape.key, f'{path}.<key {name}>', False)
                if dynamic:
                    r.counts['run-time values (paths)'] += 1
                else:
                    self.check(v, shape.value, f'{path}.{name}', False)
        elif kind == 'string':
            self.string(value, shape, path)
        elif kind in ('integer', 'long', 'float', 'double'):
            self.number(value, shape, path)

    def key(self, k):
        if self.jsonpath and k.endswith('.$'):
            return k[:-2], True
        return k, False

    def structure(self, value, shape, path):
        members = {pascal(m): (m, s) for m, s in shape.members.items()}
        present = set()
        for k, v in value.items():
            name, dynamic = self.key(k)
            if name == 'EqualsValue' and 'Equals' in members:
                name = 'Equals'  # Step Functions' documented rename (supported-services-awssdk)
            where = f'{path}.{name}' if path else name
            self.report.counts['parameters checked'] += 1
            if name not in members:
                close = difflib.get_close_matches(name, list(members), 2)
                self.fail(path, f'{name} is not a member of {shape.name}'
                          + (f' (did you mean {", ".join(close)}?)' if close else f' (members: {", ".join(sorted(members))})'))
                continue
            member, mshape = members[name]
            present.add(member)
            if dynamic:
                self.report.counts['run-time values (paths)'] += 1
            elif (not path and name in self.json_members) or re.sub(r'\[\d+\]', '[]', where) in self.json_members:
                self.report.counts['JSON-serialized members'] += 1
            else:
                self.check(v, mshape, where, False)
        for member in shape.required_members:
            if member in present:
                continue
            if self.mode == 'input' and shape.members[member].metadata.get('idempotencyToken'):
                continue  # the SDK fills idempotency tokens
            self.fail(path, f'required member {pascal(member)} of {shape.name} is missing')

    def size(self, n, shape, path, unit):
        lo, hi = shape.metadata.get('min'), shape.metadata.get('max')
        if lo is not None and n < lo or hi is not None and n > hi:
            self.fail(path, f'{n} {unit} where {shape.name} allows {lo}..{hi}')

    def string(self, value, shape, path):
        r = self.report
        if is_opaque(value):
            r.counts['CloudFormation values not resolvable offline (type-checked only)'] += 1
            return
        enum = shape.enum
        if enum and value not in enum:
            close = difflib.get_close_matches(value, enum, 2)
            self.fail(path, f'{value!r} is not one of {shape.name} {list(enum)}'
                      + (f' (did you mean {", ".join(close)}?)' if close else ''))
        lo, hi = shape.metadata.get('min'), shape.metadata.get('max')
        if lo is not None and len(value) < lo or hi is not None and len(value) > hi:
            self.fail(path, f'{len(value)} characters where {shape.name} allows {lo}..{hi}: {_short(value)}')
        pattern = shape.metadata.get('pattern')
        if pattern:
            ok = pattern_matches(pattern, value)
            if ok is None:
                r.counts['patterns Python cannot evaluate (skipped)'] += 1
                r.skipped_patterns.add(f'{shape.name}: {pattern}')
            else:
                r.counts['patterns checked'] += 1
                if not ok:
                    self.fail(path, f'{_short(value)} does not match {shape.name} pattern {pattern}')

    def number(self, value, shape, path):
        lo, hi = shape.metadata.get('min'), shape.metadata.get('max')
        if lo is not None and value < lo or hi is not None and value > hi:
            self.fail(path, f'{value} where {shape.name} allows {lo}..{hi}')


def _short(value, n=80):
    text = repr(value)
    return text if len(text) <= n else text[:n - 3] + '...'
