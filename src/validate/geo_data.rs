//! Geo codes octoDNS accepts: continents, countries per continent, US and CA subdivisions.
