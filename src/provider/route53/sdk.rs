//! Conversions between the plain data of `rrset` and aws-sdk-route53's types.

use aws_sdk_route53::error::BuildError;
use aws_sdk_route53::types as t;

use super::rrset::{Action, Alias, Cidr, Geo, HcConfig, HealthCheck, Mod, Rrset, unescape_name};

pub fn rrset_from(r: &t::ResourceRecordSet) -> Rrset {
    let mut out = Rrset::new(
        unescape_name(r.name()).to_ascii_lowercase(),
        r.r#type().as_str(),
    );
    out.set_id = r.set_identifier().map(str::to_string);
    out.weight = r.weight();
    out.failover = r.failover().map(|f| f.as_str().to_string());
    out.geo = r.geo_location().map(|g| Geo {
        continent: g.continent_code().map(str::to_string),
        country: g.country_code().map(str::to_string),
        subdivision: g.subdivision_code().map(str::to_string),
    });
    out.cidr = r.cidr_routing_config().map(|c| Cidr {
        collection_id: c.collection_id().to_string(),
        location: c.location_name().to_string(),
    });
    out.ttl = r.ttl();
    out.records = r
        .resource_records()
        .iter()
        .map(|v| v.value().to_string())
        .collect();
    out.alias = r.alias_target().map(|a| Alias {
        dns_name: unescape_name(a.dns_name()),
        hosted_zone_id: a.hosted_zone_id().to_string(),
        evaluate: a.evaluate_target_health(),
    });
    out.health_check_id = r.health_check_id().map(str::to_string);
    out.foreign = if r.region().is_some() {
        Some("latency".into())
    } else if r.multi_value_answer().is_some() {
        Some("multivalue answer".into())
    } else if r.traffic_policy_instance_id().is_some() {
        Some("traffic policy".into())
    } else if r.geo_proximity_location().is_some() {
        Some("geoproximity".into())
    } else {
        None
    };
    out
}

pub fn rrset_to(r: &Rrset) -> Result<t::ResourceRecordSet, BuildError> {
    let mut b = t::ResourceRecordSet::builder()
        .name(&r.name)
        .r#type(t::RrType::from(r.rtype.as_str()))
        .set_set_identifier(r.set_id.clone())
        .set_weight(r.weight)
        .set_ttl(r.ttl)
        .set_health_check_id(r.health_check_id.clone());
    if let Some(f) = &r.failover {
        b = b.failover(t::ResourceRecordSetFailover::from(f.as_str()));
    }
    if let Some(g) = &r.geo {
        b = b.geo_location(
            t::GeoLocation::builder()
                .set_continent_code(g.continent.clone())
                .set_country_code(g.country.clone())
                .set_subdivision_code(g.subdivision.clone())
                .build(),
        );
    }
    if let Some(c) = &r.cidr {
        b = b.cidr_routing_config(
            (t::CidrRoutingConfig::builder()
                .collection_id(&c.collection_id)
                .location_name(&c.location)
                .build())?,
        );
    }
    if let Some(a) = &r.alias {
        b = b.alias_target(
            (t::AliasTarget::builder()
                .dns_name(&a.dns_name)
                .hosted_zone_id(&a.hosted_zone_id)
                .evaluate_target_health(a.evaluate)
                .build())?,
        );
    }
    for v in &r.records {
        b = b.resource_records((t::ResourceRecord::builder().value(v).build())?);
    }
    b.build()
}

pub fn change_to(m: &Mod) -> Result<t::Change, BuildError> {
    let action = match m.action {
        Action::Create => t::ChangeAction::Create,
        Action::Delete => t::ChangeAction::Delete,
        Action::Upsert => t::ChangeAction::Upsert,
    };
    t::Change::builder()
        .action(action)
        .resource_record_set(rrset_to(&m.rrset)?)
        .build()
}

pub fn health_check_from(h: &t::HealthCheck) -> Option<HealthCheck> {
    let c = h.health_check_config()?;
    Some(HealthCheck {
        id: h.id().to_string(),
        caller_reference: h.caller_reference().to_string(),
        config: HcConfig {
            kind: c.r#type().as_str().to_string(),
            ip: c.ip_address().map(str::to_string),
            port: c.port(),
            fqdn: c.fully_qualified_domain_name().map(str::to_string),
            path: c.resource_path().map(str::to_string),
            measure_latency: c.measure_latency().unwrap_or(false),
            request_interval: c.request_interval().unwrap_or(30),
            failure_threshold: c.failure_threshold().unwrap_or(3),
            disabled: c.disabled().unwrap_or(false),
            inverted: c.inverted().unwrap_or(false),
            enable_sni: c.enable_sni().unwrap_or(false),
        },
    })
}

pub fn health_check_config_to(c: &HcConfig) -> Result<t::HealthCheckConfig, BuildError> {
    t::HealthCheckConfig::builder()
        .r#type(t::HealthCheckType::from(c.kind.as_str()))
        .set_ip_address(c.ip.clone())
        .set_port(c.port)
        .set_fully_qualified_domain_name(c.fqdn.clone())
        .set_resource_path(c.path.clone())
        .measure_latency(c.measure_latency)
        .request_interval(c.request_interval)
        .failure_threshold(c.failure_threshold)
        .disabled(c.disabled)
        .inverted(c.inverted)
        .enable_sni(c.enable_sni)
        .build()
}
