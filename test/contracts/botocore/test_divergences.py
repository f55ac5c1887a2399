"""The botocore divergence list: every entry says what, where, why, and cites the AWS document."""
import json
import os

from conftest import ROOT

FILE = os.path.join(ROOT, 'test', 'contracts', 'divergences.json')


def test_every_botocore_divergence_is_justified_by_an_aws_document():
    entries = json.load(open(FILE))['botocore']
    for e in entries:
        assert set(e) >= {'what', 'where', 'source', 'why'}, e
        assert all(isinstance(e[k], str) and e[k].strip() for k in ('what', 'where', 'source', 'why')), e
        assert 'aws.amazon.com' in e['source'] or 'AWS' in e['source'], f'not an AWS document: {e["source"]}'
    assert len({(e['where'], e['what']) for e in entries}) == len(entries), 'duplicate entries'
