//! Geo codes octoDNS accepts: continents, countries per continent, US and CA subdivisions.
//!
//! Transcribed from octoDNS 1.22.0's `octodns/record/geo_data.py` (itself generated from
//! `pycountry-convert` data): the seven continent codes `AF AN AS EU NA OC SA`, the ISO 3166-1
//! alpha-2 countries under each (every country under exactly one continent), and
//! subdivisions only for `NA-US` and `NA-CA`. Tables are in code order so lookups can use a
//! binary search.

/// A country (ISO 3166-1 alpha-2) and its subdivisions (only filled for US and CA).
#[derive(Debug)]
pub struct Country {
    pub code: &'static str,
    pub name: &'static str,
    /// `(code, name)`, sorted by code; empty for every country but US and CA.
    pub provinces: &'static [(&'static str, &'static str)],
}

/// A continent code and its countries (sorted by code).
#[derive(Debug)]
pub struct Continent {
    pub code: &'static str,
    pub countries: &'static [Country],
}

const fn c(code: &'static str, name: &'static str) -> Country {
    Country {
        code,
        name,
        provinces: &[],
    }
}

/// The continent entry for `code` (`NA`), if it is one octoDNS knows.
pub fn continent(code: &str) -> Option<&'static Continent> {
    CONTINENTS
        .binary_search_by(|k| k.code.cmp(code))
        .ok()
        .map(|i| &CONTINENTS[i])
}

/// The country entry for `cc` under `continent`, if listed there.
pub fn country(continent_code: &str, cc: &str) -> Option<&'static Country> {
    let cont = continent(continent_code)?;
    cont.countries
        .binary_search_by(|k| k.code.cmp(cc))
        .ok()
        .map(|i| &cont.countries[i])
}

/// Is `code` a continent code (`AF AN AS EU NA OC SA`)?
pub fn is_continent(code: &str) -> bool {
    continent(code).is_some()
}

/// Is `cc` a country listed under `continent` (`country_in("NA", "US")`)?
pub fn country_in(continent_code: &str, cc: &str) -> bool {
    country(continent_code, cc).is_some()
}

/// Is `sub` a subdivision of `cc` under `continent` (`province_in("NA", "US", "CA")`)?
/// Only `NA-US` and `NA-CA` have subdivisions.
pub fn province_in(continent_code: &str, cc: &str, sub: &str) -> bool {
    country(continent_code, cc)
        .is_some_and(|c| c.provinces.binary_search_by(|(k, _)| (*k).cmp(sub)).is_ok())
}

/// The continent a country belongs to (`"FR"` → `"EU"`), as octoDNS's
/// `GeoCodes.country_to_code` finds it.
pub fn continent_of(cc: &str) -> Option<&'static str> {
    CONTINENTS
        .iter()
        .find(|k| k.countries.binary_search_by(|x| x.code.cmp(cc)).is_ok())
        .map(|k| k.code)
}

/// The full geo code of a country (`"FR"` → `"EU-FR"`), as octoDNS's `country_to_code`.
pub fn country_to_code(cc: &str) -> Option<String> {
    continent_of(cc).map(|k| format!("{k}-{cc}"))
}

/// The full geo code of a US or CA subdivision (`"ON"` → `"NA-CA-ON"`), as octoDNS's
/// `province_to_code` (when a code is in both, Canada wins, as there).
pub fn province_to_code(sub: &str) -> Option<String> {
    if province_in("NA", "CA", sub) {
        Some(format!("NA-CA-{sub}"))
    } else if province_in("NA", "US", sub) {
        Some(format!("NA-US-{sub}"))
    } else {
        None
    }
}

pub static CONTINENTS: &[Continent] = &[
    Continent {
        code: "AF",
        countries: &[
            c("AO", "Angola"),
            c("BF", "Burkina Faso"),
            c("BI", "Burundi"),
            c("BJ", "Benin"),
            c("BW", "Botswana"),
            c("CD", "Congo, The Democratic Republic of the"),
            c("CF", "Central African Republic"),
            c("CG", "Congo"),
            c("CI", "Côte d'Ivoire"),
            c("CM", "Cameroon"),
            c("CV", "Cabo Verde"),
            c("DJ", "Djibouti"),
            c("DZ", "Algeria"),
            c("EG", "Egypt"),
            c("EH", "Western Sahara"),
            c("ER", "Eritrea"),
            c("ET", "Ethiopia"),
            c("GA", "Gabon"),
            c("GH", "Ghana"),
            c("GM", "Gambia"),
            c("GN", "Guinea"),
            c("GQ", "Equatorial Guinea"),
            c("GW", "Guinea-Bissau"),
            c("KE", "Kenya"),
            c("KM", "Comoros"),
            c("LR", "Liberia"),
            c("LS", "Lesotho"),
            c("LY", "Libya"),
            c("MA", "Morocco"),
            c("MG", "Madagascar"),
            c("ML", "Mali"),
            c("MR", "Mauritania"),
            c("MU", "Mauritius"),
            c("MW", "Malawi"),
            c("MZ", "Mozambique"),
            c("NA", "Namibia"),
            c("NE", "Niger"),
            c("NG", "Nigeria"),
            c("RE", "Réunion"),
            c("RW", "Rwanda"),
            c("SC", "Seychelles"),
            c("SD", "Sudan"),
            c("SH", "Saint Helena, Ascension and Tristan da Cunha"),
            c("SL", "Sierra Leone"),
            c("SN", "Senegal"),
            c("SO", "Somalia"),
            c("SS", "South Sudan"),
            c("ST", "Sao Tome and Principe"),
            c("SZ", "Eswatini"),
            c("TD", "Chad"),
            c("TG", "Togo"),
            c("TN", "Tunisia"),
            c("TZ", "Tanzania, United Republic of"),
            c("UG", "Uganda"),
            c("YT", "Mayotte"),
            c("ZA", "South Africa"),
            c("ZM", "Zambia"),
            c("ZW", "Zimbabwe"),
        ],
    },
    Continent {
        code: "AN",
        countries: &[
            c("AQ", "Antarctica"),
            c("BV", "Bouvet Island"),
            c("HM", "Heard Island and McDonald Islands"),
            c("TF", "French Southern Territories"),
        ],
    },
    Continent {
        code: "AS",
        countries: &[
            c("AE", "United Arab Emirates"),
            c("AF", "Afghanistan"),
            c("AM", "Armenia"),
            c("AZ", "Azerbaijan"),
            c("BD", "Bangladesh"),
            c("BH", "Bahrain"),
            c("BN", "Brunei Darussalam"),
            c("BT", "Bhutan"),
            c("CC", "Cocos (Keeling) Islands"),
            c("CN", "China"),
            c("CX", "Christmas Island"),
            c("CY", "Cyprus"),
            c("GE", "Georgia"),
            c("HK", "Hong Kong"),
            c("ID", "Indonesia"),
            c("IL", "Israel"),
            c("IN", "India"),
            c("IO", "British Indian Ocean Territory"),
            c("IQ", "Iraq"),
            c("IR", "Iran, Islamic Republic of"),
            c("JO", "Jordan"),
            c("JP", "Japan"),
            c("KG", "Kyrgyzstan"),
            c("KH", "Cambodia"),
            c("KP", "Korea, Democratic People's Republic of"),
            c("KR", "Korea, Republic of"),
            c("KW", "Kuwait"),
            c("KZ", "Kazakhstan"),
            c("LA", "Lao People's Democratic Republic"),
            c("LB", "Lebanon"),
            c("LK", "Sri Lanka"),
            c("MM", "Myanmar"),
            c("MN", "Mongolia"),
            c("MO", "Macao"),
            c("MV", "Maldives"),
            c("MY", "Malaysia"),
            c("NP", "Nepal"),
            c("OM", "Oman"),
            c("PH", "Philippines"),
            c("PK", "Pakistan"),
            c("PS", "Palestine, State of"),
            c("QA", "Qatar"),
            c("SA", "Saudi Arabia"),
            c("SG", "Singapore"),
            c("SY", "Syrian Arab Republic"),
            c("TH", "Thailand"),
            c("TJ", "Tajikistan"),
            c("TL", "Timor-Leste"),
            c("TM", "Turkmenistan"),
            c("TR", "Türkiye"),
            c("TW", "Taiwan, Province of China"),
            c("UZ", "Uzbekistan"),
            c("VN", "Viet Nam"),
            c("YE", "Yemen"),
        ],
    },
    Continent {
        code: "EU",
        countries: &[
            c("AD", "Andorra"),
            c("AL", "Albania"),
            c("AT", "Austria"),
            c("AX", "Åland Islands"),
            c("BA", "Bosnia and Herzegovina"),
            c("BE", "Belgium"),
            c("BG", "Bulgaria"),
            c("BY", "Belarus"),
            c("CH", "Switzerland"),
            c("CZ", "Czechia"),
            c("DE", "Germany"),
            c("DK", "Denmark"),
            c("EE", "Estonia"),
            c("ES", "Spain"),
            c("FI", "Finland"),
            c("FO", "Faroe Islands"),
            c("FR", "France"),
            c("GB", "United Kingdom"),
            c("GG", "Guernsey"),
            c("GI", "Gibraltar"),
            c("GR", "Greece"),
            c("HR", "Croatia"),
            c("HU", "Hungary"),
            c("IE", "Ireland"),
            c("IM", "Isle of Man"),
            c("IS", "Iceland"),
            c("IT", "Italy"),
            c("JE", "Jersey"),
            c("LI", "Liechtenstein"),
            c("LT", "Lithuania"),
            c("LU", "Luxembourg"),
            c("LV", "Latvia"),
            c("MC", "Monaco"),
            c("MD", "Moldova, Republic of"),
            c("ME", "Montenegro"),
            c("MK", "North Macedonia"),
            c("MT", "Malta"),
            c("NL", "Netherlands"),
            c("NO", "Norway"),
            c("PL", "Poland"),
            c("PT", "Portugal"),
            c("RO", "Romania"),
            c("RS", "Serbia"),
            c("RU", "Russian Federation"),
            c("SE", "Sweden"),
            c("SI", "Slovenia"),
            c("SJ", "Svalbard and Jan Mayen"),
            c("SK", "Slovakia"),
            c("SM", "San Marino"),
            c("UA", "Ukraine"),
            c("VA", "Holy See (Vatican City State)"),
        ],
    },
    Continent {
        code: "NA",
        countries: &[
            c("AG", "Antigua and Barbuda"),
            c("AI", "Anguilla"),
            c("AW", "Aruba"),
            c("BB", "Barbados"),
            c("BL", "Saint Barthélemy"),
            c("BM", "Bermuda"),
            c("BQ", "Bonaire, Sint Eustatius and Saba"),
            c("BS", "Bahamas"),
            c("BZ", "Belize"),
            Country {
                code: "CA",
                name: "Canada",
                provinces: &[
                    ("AB", "Alberta"),
                    ("BC", "British Columbia"),
                    ("MB", "Manitoba"),
                    ("NB", "New Brunswick"),
                    ("NL", "Newfoundland and Labrador"),
                    ("NS", "Nova Scotia"),
                    ("NT", "Northwest Territories"),
                    ("NU", "Nunavut"),
                    ("ON", "Ontario"),
                    ("PE", "Prince Edward Island"),
                    ("QC", "Quebec"),
                    ("SK", "Saskatchewan"),
                    ("YT", "Yukon"),
                ],
            },
            c("CR", "Costa Rica"),
            c("CU", "Cuba"),
            c("CW", "Curaçao"),
            c("DM", "Dominica"),
            c("DO", "Dominican Republic"),
            c("GD", "Grenada"),
            c("GL", "Greenland"),
            c("GP", "Guadeloupe"),
            c("GT", "Guatemala"),
            c("HN", "Honduras"),
            c("HT", "Haiti"),
            c("JM", "Jamaica"),
            c("KN", "Saint Kitts and Nevis"),
            c("KY", "Cayman Islands"),
            c("LC", "Saint Lucia"),
            c("MF", "Saint Martin (French part)"),
            c("MQ", "Martinique"),
            c("MS", "Montserrat"),
            c("MX", "Mexico"),
            c("NI", "Nicaragua"),
            c("PA", "Panama"),
            c("PM", "Saint Pierre and Miquelon"),
            c("PR", "Puerto Rico"),
            c("SV", "El Salvador"),
            c("SX", "Sint Maarten (Dutch part)"),
            c("TC", "Turks and Caicos Islands"),
            c("TT", "Trinidad and Tobago"),
            Country {
                code: "US",
                name: "United States",
                provinces: &[
                    ("AK", "Alaska"),
                    ("AL", "Alabama"),
                    ("AR", "Arkansas"),
                    ("AS", "American Samoa"),
                    ("AZ", "Arizona"),
                    ("CA", "California"),
                    ("CO", "Colorado"),
                    ("CT", "Connecticut"),
                    ("DC", "District of Columbia"),
                    ("DE", "Delaware"),
                    ("FL", "Florida"),
                    ("GA", "Georgia"),
                    ("GU", "Guam"),
                    ("HI", "Hawaii"),
                    ("IA", "Iowa"),
                    ("ID", "Idaho"),
                    ("IL", "Illinois"),
                    ("IN", "Indiana"),
                    ("KS", "Kansas"),
                    ("KY", "Kentucky"),
                    ("LA", "Louisiana"),
                    ("MA", "Massachusetts"),
                    ("MD", "Maryland"),
                    ("ME", "Maine"),
                    ("MI", "Michigan"),
                    ("MN", "Minnesota"),
                    ("MO", "Missouri"),
                    ("MP", "Northern Mariana Islands"),
                    ("MS", "Mississippi"),
                    ("MT", "Montana"),
                    ("NC", "North Carolina"),
                    ("ND", "North Dakota"),
                    ("NE", "Nebraska"),
                    ("NH", "New Hampshire"),
                    ("NJ", "New Jersey"),
                    ("NM", "New Mexico"),
                    ("NV", "Nevada"),
                    ("NY", "New York"),
                    ("OH", "Ohio"),
                    ("OK", "Oklahoma"),
                    ("OR", "Oregon"),
                    ("PA", "Pennsylvania"),
                    ("PR", "Puerto Rico"),
                    ("RI", "Rhode Island"),
                    ("SC", "South Carolina"),
                    ("SD", "South Dakota"),
                    ("TN", "Tennessee"),
                    ("TX", "Texas"),
                    ("UM", "United States Minor Outlying Islands"),
                    ("UT", "Utah"),
                    ("VA", "Virginia"),
                    ("VI", "Virgin Islands, U.S."),
                    ("VT", "Vermont"),
                    ("WA", "Washington"),
                    ("WI", "Wisconsin"),
                    ("WV", "West Virginia"),
                    ("WY", "Wyoming"),
                ],
            },
            c("VC", "Saint Vincent and the Grenadines"),
            c("VG", "Virgin Islands, British"),
            c("VI", "Virgin Islands, U.S."),
        ],
    },
    Continent {
        code: "OC",
        countries: &[
            c("AS", "American Samoa"),
            c("AU", "Australia"),
            c("CK", "Cook Islands"),
            c("FJ", "Fiji"),
            c("FM", "Micronesia, Federated States of"),
            c("GU", "Guam"),
            c("KI", "Kiribati"),
            c("MH", "Marshall Islands"),
            c("MP", "Northern Mariana Islands"),
            c("NC", "New Caledonia"),
            c("NF", "Norfolk Island"),
            c("NR", "Nauru"),
            c("NU", "Niue"),
            c("NZ", "New Zealand"),
            c("PF", "French Polynesia"),
            c("PG", "Papua New Guinea"),
            c("PN", "Pitcairn"),
            c("PW", "Palau"),
            c("SB", "Solomon Islands"),
            c("TK", "Tokelau"),
            c("TO", "Tonga"),
            c("TV", "Tuvalu"),
            c("UM", "United States Minor Outlying Islands"),
            c("VU", "Vanuatu"),
            c("WF", "Wallis and Futuna"),
            c("WS", "Samoa"),
        ],
    },
    Continent {
        code: "SA",
        countries: &[
            c("AR", "Argentina"),
            c("BO", "Bolivia, Plurinational State of"),
            c("BR", "Brazil"),
            c("CL", "Chile"),
            c("CO", "Colombia"),
            c("EC", "Ecuador"),
            c("FK", "Falkland Islands (Malvinas)"),
            c("GF", "French Guiana"),
            c("GS", "South Georgia and the South Sandwich Islands"),
            c("GY", "Guyana"),
            c("PE", "Peru"),
            c("PY", "Paraguay"),
            c("SR", "Suriname"),
            c("UY", "Uruguay"),
            c("VE", "Venezuela, Bolivarian Republic of"),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_and_complete() {
        let codes: Vec<_> = CONTINENTS.iter().map(|k| k.code).collect();
        assert_eq!(codes, ["AF", "AN", "AS", "EU", "NA", "OC", "SA"]);
        let counts: Vec<_> = CONTINENTS.iter().map(|k| k.countries.len()).collect();
        assert_eq!(counts, [58, 4, 54, 51, 41, 26, 15]);
        for k in CONTINENTS {
            assert!(k.countries.windows(2).all(|w| w[0].code < w[1].code));
            for c in k.countries {
                assert!(c.provinces.windows(2).all(|w| w[0].0 < w[1].0));
                // every country sits under exactly one continent
                assert_eq!(continent_of(c.code), Some(k.code), "{}", c.code);
            }
        }
        let us = country("NA", "US").unwrap();
        let ca = country("NA", "CA").unwrap();
        assert_eq!(us.provinces.len(), 57);
        assert_eq!(ca.provinces.len(), 13);
        let with_subs = CONTINENTS
            .iter()
            .flat_map(|k| k.countries)
            .filter(|c| !c.provinces.is_empty())
            .count();
        assert_eq!(with_subs, 2);
    }

    #[test]
    fn lookups() {
        assert!(is_continent("NA"));
        assert!(is_continent("AN"));
        assert!(!is_continent("na"));
        assert!(!is_continent("XX"));
        assert!(country_in("NA", "US"));
        assert!(country_in("EU", "FR"));
        assert!(!country_in("EU", "US"));
        assert!(!country_in("ZZ", "US"));
        assert!(province_in("NA", "US", "CA"));
        assert!(province_in("NA", "CA", "QC"));
        assert!(!province_in("NA", "US", "QC"));
        assert!(!province_in("EU", "FR", "XX"));
        assert_eq!(continent_of("JP"), Some("AS"));
        assert_eq!(continent_of("AQ"), Some("AN"));
        assert_eq!(continent_of("ZZ"), None);
        assert_eq!(country_to_code("BR").as_deref(), Some("SA-BR"));
        assert_eq!(province_to_code("ON").as_deref(), Some("NA-CA-ON"));
        assert_eq!(province_to_code("TX").as_deref(), Some("NA-US-TX"));
        assert_eq!(province_to_code("ZZ"), None);
        assert_eq!(country("OC", "AU").map(|c| c.name), Some("Australia"));
    }
}
