"""Write a tiny GeoIP2-Country-style .mmdb mapping documentation ranges to fixed countries and
continents, so LUA country()/continent() rules are testable with ECS (+subnet=) without real
GeoIP data. Needs the PyPI package mmdb-writer (scripts/harness/pdns.sh install puts it in
the project's .venv).

usage: python make_test_geoip.py OUT.mmdb"""

import sys

from mmdb_writer import MMDBWriter
from netaddr import IPSet

# ECS subnet -> (country, continent); keep in sync with tests/conformance (GEO_NETWORKS)
NETWORKS = {
    "198.51.100.0/24": ("DE", "EU"),
    "203.0.113.0/24": ("US", "NA"),
    "192.0.2.0/24": ("JP", "AS"),
    "2001:db8:de::/48": ("DE", "EU"),
}

w = MMDBWriter(ip_version=6, database_type="GeoIP2-Country", ipv4_compatible=True)
for net, (country, continent) in NETWORKS.items():
    w.insert_network(
        IPSet([net]), {"country": {"iso_code": country}, "continent": {"code": continent}}
    )
w.to_db_file(sys.argv[1] if len(sys.argv) > 1 else "test-geo.mmdb")
