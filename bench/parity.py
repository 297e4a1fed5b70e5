#!/usr/bin/env python3
'''Compare two YamlProvider target directories written by different tools.

usage: parity.py DIR_A DIR_B [EXPECTED_FILES]

Loads every *.yaml file in both trees with PyYAML (no octoDNS involved) and
compares the resulting data. Prints one line and exits 0 when the trees hold
the same data ("ok (byte-identical)" or "ok (same data, formatting differs)"),
1 otherwise ("FAILED: ..." with the first differences).
'''

import os
import sys

import yaml

try:
    Loader = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    Loader = yaml.SafeLoader


def yaml_files(root):
    found = {}
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            if name.endswith('.yaml'):
                path = os.path.join(dirpath, name)
                found[os.path.relpath(path, root)] = path
    return found


def first_difference(a, b):
    '''A short description of where two loaded zone files differ.'''
    if not isinstance(a, dict) or not isinstance(b, dict):
        return 'top level differs'
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    if only_a:
        return f'names only in first: {only_a[:3]}'
    if only_b:
        return f'names only in second: {only_b[:3]}'
    for name in sorted(a):
        if a[name] != b[name]:
            return f'{name!r}: {a[name]!r} != {b[name]!r}'
    return 'differs'


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    dir_a, dir_b = sys.argv[1], sys.argv[2]
    expected = int(sys.argv[3]) if len(sys.argv) == 4 else None

    files_a, files_b = yaml_files(dir_a), yaml_files(dir_b)
    problems = []
    if expected is not None and len(files_a) != expected:
        problems.append(f'{len(files_a)} files in first tree, expected {expected}')
    if set(files_a) != set(files_b):
        missing = sorted(set(files_a) ^ set(files_b))
        problems.append(f'file sets differ ({len(missing)}), e.g. {missing[:3]}')

    identical = True
    differing = []
    for rel in sorted(set(files_a) & set(files_b)):
        with open(files_a[rel], 'rb') as fa, open(files_b[rel], 'rb') as fb:
            raw_a, raw_b = fa.read(), fb.read()
        if raw_a == raw_b:
            continue
        identical = False
        data_a, data_b = yaml.load(raw_a, Loader), yaml.load(raw_b, Loader)
        if data_a != data_b:
            differing.append(f'{rel}: {first_difference(data_a, data_b)}')
    if differing:
        problems.append(f'{len(differing)} files differ in data; first: {differing[0]}')

    if problems:
        print('FAILED: ' + '; '.join(problems)[:600])
        return 1
    if identical:
        print(f'ok (byte-identical, {len(files_a)} files)')
    else:
        print(f'ok (same data, formatting differs, {len(files_a)} files)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
