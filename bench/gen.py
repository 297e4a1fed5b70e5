#!/usr/bin/env python3
'''Deterministic workload generator for the dnsplan/octoDNS benchmark.

Writes, under OUT:
  config/zoneNNNN.example.com.yaml   one YamlProvider zone file per zone
  config.yaml                        the octoDNS config shared by both tools

Every zone holds exactly RECORDS octoDNS records (one record = one name+type):
  apex A (2 values), apex MX (2 values), apex TXT (2 values), then hosts
  cycling (one value each unless said otherwise)
    hostN           A      2 values in every 4th cycle, ttl 600 in every 3rd
    hostN           AAAA
    hostN           CNAME  -> previous host, absolute (trailing dot)
    hostN           TXT    ttl 300, every other one with escaped semicolons (\\;)
    hostN           MX     -> the A host of the same cycle
    _sip._tcp.hostN SRV    -> the A host of the same cycle
Every record is valid under octoDNS's default (legacy) validation, and every
mapping has its keys in sorted order, as YamlProvider's enforce_order demands.
Numbers are zero-padded to a common width, so plain and natural sort agree.

Only the standard library is used; the output depends only on the arguments.
'''

import argparse
import os
import random
import shutil
import sys

CONFIG_HEAD = '''\
---
manager: {max_workers: 1}
providers:
  config: {class: octodns.provider.yaml.YamlProvider, directory: ./config, escaped_semicolons: true, supports_root_ns: false}
  target: {class: octodns.provider.yaml.YamlProvider, directory: ./target, escaped_semicolons: true, supports_root_ns: false}
'''


def zone_name(i, width):
    return f'zone{i:0{width}d}.example.com.'


def q(s):
    '''Single-quoted YAML scalar (backslashes are literal inside).'''
    return "'" + s.replace("'", "''") + "'"


def ipv4(rng, net):
    return f'{net}.{rng.randint(1, 254)}'


def ipv6(rng):
    return f'2001:db8:{rng.randint(0, 0xffff):x}::{rng.randint(1, 0xffff):x}'


def token(rng, n):
    alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
    return ''.join(rng.choice(alphabet) for _ in range(n))


def emit_values(lines, indent, values):
    '''Emit `value: x` for one scalar value, `values:` block list otherwise.'''
    pad = ' ' * indent
    if len(values) == 1:
        lines.append(f'{pad}value: {values[0]}')
    else:
        lines.append(f'{pad}values:')
        for v in values:
            lines.append(f'{pad}- {v}')


def emit_mapping_values(lines, indent, values):
    '''Emit a `values:` list of mappings (MX/SRV), keys already sorted.'''
    pad = ' ' * indent
    lines.append(f'{pad}values:')
    for v in values:
        first = True
        for k in sorted(v):
            prefix = '- ' if first else '  '
            lines.append(f'{pad}{prefix}{k}: {v[k]}')
            first = False


def emit_mapping_value(lines, indent, value):
    '''Emit a single `value:` mapping (MX/SRV), keys sorted.'''
    pad = ' ' * indent
    lines.append(f'{pad}value:')
    for k in sorted(value):
        lines.append(f'{pad}  {k}: {value[k]}')


def apex_records(rng, zone):
    '''The three apex records, as (type, emitter) pairs in type order.'''
    a_values = [f'192.0.2.{x}' for x in sorted(rng.sample(range(1, 255), 2))]
    txt = [
        q(f'v=spf1 ip4:192.0.2.0/24 include:_spf.{zone} -all'),
        q(f'google-site-verification={token(rng, 32)}'),
    ]
    mx = [
        {'exchange': f'mx1.{zone}', 'preference': 10},
        {'exchange': f'mx2.{zone}', 'preference': 20},
    ]
    return [
        ('A', lambda l, i: (l.append(' ' * i + 'type: A'), emit_values(l, i, a_values))),
        ('MX', lambda l, i: (l.append(' ' * i + 'type: MX'), emit_mapping_values(l, i, mx))),
        ('TXT', lambda l, i: (l.append(' ' * i + 'type: TXT'), emit_values(l, i, txt))),
    ]


def host_record(rng, zone, n, width):
    '''(record name, list of yaml lines at indent 2) for host number n.'''
    host = f'host{n:0{width}d}'
    kind = (n - 1) % 6
    cycle = (n - 1) // 6  # varies the details from one cycle of six to the next
    lines = []
    if kind == 0:  # A, two values in every fourth cycle, ttl 600 in every third
        if cycle % 3 == 0:
            lines.append('ttl: 600')
        lines.append('type: A')
        if cycle % 4 == 0:
            emit_values(lines, 0, [ipv4(rng, '198.51.100'), ipv4(rng, '203.0.113')])
        else:
            emit_values(lines, 0, [ipv4(rng, '198.51.100')])
        return host, lines
    if kind == 1:  # AAAA
        lines.append('type: AAAA')
        emit_values(lines, 0, [ipv6(rng)])
        return host, lines
    if kind == 2:  # CNAME -> previous host
        lines.append('type: CNAME')
        lines.append(f'value: host{n - 1:0{width}d}.{zone}')
        return host, lines
    if kind == 3:  # TXT, ttl 300, every other one with escaped semicolons
        lines.append('ttl: 300')
        lines.append('type: TXT')
        if cycle % 2 == 0:
            emit_values(lines, 0, [q(f'v=DKIM1\\; k=rsa\\; p={token(rng, 48)}')])
        else:
            emit_values(lines, 0, [q(f'app-verify={token(rng, 24)}')])
        return host, lines
    if kind == 4:  # MX -> the A host of this cycle
        lines.append('type: MX')
        emit_mapping_value(lines, 0, {
            'exchange': f'host{n - 4:0{width}d}.{zone}', 'preference': 10})
        return host, lines
    # kind == 5: SRV under _sip._tcp.hostN -> the A host of this cycle
    lines.append('type: SRV')
    emit_mapping_value(lines, 0, {
        'port': 5060, 'priority': 10, 'target': f'host{n - 5:0{width}d}.{zone}',
        'weight': rng.randint(1, 100)})
    return f'_sip._tcp.{host}', lines


def zone_yaml(rng, zone, records, host_width):
    apex = apex_records(rng, zone)[:records]
    entries = {}
    for n in range(1, records - len(apex) + 1):
        name, lines = host_record(rng, zone, n, host_width)
        entries[name] = lines

    out = ['---']
    if apex:
        out.append("'':")
        for _type, emit in apex:
            item = []
            emit(item, 0)
            out.append('- ' + item[0])
            out.extend('  ' + line for line in item[1:])
    # zero-padded names: plain sort == natural sort; '' (apex) sorts first
    for name in sorted(entries):
        out.append(f'{name}:')
        out.extend('  ' + line for line in entries[name])
    return '\n'.join(out) + '\n'


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', required=True, help='workload directory (recreated)')
    p.add_argument('--zones', type=int, required=True)
    p.add_argument('--records', type=int, required=True, help='records per zone')
    p.add_argument('--seed', type=int, default=20240601)
    p.add_argument('--explicit-zones', action='store_true',
                   help="list every zone in config.yaml instead of '*'")
    args = p.parse_args()
    if args.zones < 1 or args.records < 1:
        sys.exit('zones and records must be >= 1')

    zone_width = max(4, len(str(args.zones)))
    host_width = max(5, len(str(args.records)))

    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    cfg_dir = os.path.join(args.out, 'config')
    os.makedirs(cfg_dir)

    names = [zone_name(i, zone_width) for i in range(1, args.zones + 1)]
    for i, zone in enumerate(names, 1):
        # one RNG per zone, seeded from (seed, zone index): stable whatever N is
        rng = random.Random(args.seed * 1_000_003 + i)
        with open(os.path.join(cfg_dir, f'{zone}yaml'), 'w') as fh:
            fh.write(zone_yaml(rng, zone, args.records, host_width))

    with open(os.path.join(args.out, 'config.yaml'), 'w') as fh:
        fh.write(CONFIG_HEAD)
        if args.explicit_zones:
            fh.write('zones:\n')
            for zone in names:
                fh.write(f'  {zone}: {{sources: [config], targets: [target]}}\n')
        else:
            fh.write("zones: {'*': {sources: [config], targets: [target]}}\n")

    print(f'{args.out}: {args.zones} zones x {args.records} records '
          f'= {args.zones * args.records} records', file=sys.stderr)


if __name__ == '__main__':
    main()
