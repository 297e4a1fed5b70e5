//! Provider conformance: the real dnsplan binary against real DNS servers, started by
//! `scripts/harness/` (see `harness.rs`), and interop with the real octoDNS.
//!
//! - `azure`: the Azure DNS adapter against `azure_fake`, and `dual`: the dual-authoritative
//!   example (Route 53 on moto + Azure on the fake) end to end;
//! - `azure_fake`: a stateful fake of the Azure DNS management API (2018-05-01), the Microsoft
//!   identity platform token endpoint and GitHub's OIDC endpoint, for the `azure` provider;
//! - `cloudflare`: the Cloudflare adapter against `cloudflare_fake` (a stateful fake of the
//!   Cloudflare API v4 DNS endpoints) and octodns-cloudflare pointed at the same fake;
//! - `googlecloud`: the Google Cloud DNS adapter against `googlecloud_fake` (Cloud DNS
//!   `dns/v1`, Google's token services and GitHub OIDC);
//! - `hetzner`: the Hetzner adapter on both backends against `hetzner_fake` (the Cloud
//!   API's Zones and the DNS Console API);
//! - `suite`: the provider-independent runner (plan → apply → re-plan → DNS answers);
//! - `cases`: the table of desired zone states;
//! - `dns`: hickory-net queries and an independent wire encoder for the expected RDATA;
//! - one module per provider adapter (`powerdns`; `route53`, against the moto_server
//!   emulator, checking what it holds since it serves no DNS), with what is particular to it;
//! - `interop`: octoDNS and dnsplan each plan nothing against zones the other wrote
//!   (PowerDNS; `route53_interop` for Route 53, where octoDNS's own output also pins the
//!   layouts `route53` checks);
//! - `verify`: `dnsplan verify` against the servers: clean after apply (every type of the
//!   suite, TXT of 0…2,048 octets, on BIND, Knot and PowerDNS at once, also when a server
//!   splits a TXT its own way), naming a change made behind dnsplan's back (record, server,
//!   both answers; a TTL apart), a server that does not answer, tables within `COLUMNS`.

mod azure;
mod azure_fake;
mod cases;
mod cloudflare;
mod cloudflare_fake;
mod config_parity;
mod differential;
mod digitalocean;
mod digitalocean_fake;
mod dns;
mod dnsimple;
mod dnsimple_fake;
mod dnsmadeeasy;
mod dnsmadeeasy_fake;
mod dual;
mod dynamic;
mod etchosts;
mod failover;
mod fake_http;
mod gandi;
mod gandi_fake;
mod googlecloud;
mod googlecloud_fake;
mod harness;
mod hetzner;
mod hetzner_fake;
mod https_proxy;
mod interop;
mod migration;
mod ns1;
mod ns1_fake;
mod ns1_octodns;
mod ovh;
mod ovh_fake;
mod powerdns;
mod processors;
mod rfc2136;
mod route53;
mod route53_interop;
mod sources;
mod suite;
mod tinydns;
mod verify;
