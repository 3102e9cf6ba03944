//! Fictional company names and domains, built from word lists per industry and language.
//!
//! The word lists avoid real company names; a combination may still match some small
//! business somewhere, as any invented name can.

use crate::customers::{Country, Industry};
use crate::random::DemoRng;

/// The language a company's name is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameLanguage {
    English,
    French,
    Italian,
    Estonian,
    German,
}

const ENGLISH_PLACE_STARTS: &[&str] = &[
    "North", "South", "East", "West", "Cedar", "Maple", "Oak", "Pine", "Stone", "River", "Lake",
    "Iron", "Copper", "Red", "Green", "Fair", "Clear", "High", "Elm", "Ash", "Willow", "Fox",
    "Raven", "Glen", "Mill", "Bright", "Hazel", "Thorn",
];
const ENGLISH_PLACE_ENDS: &[&str] = &[
    "wind", "field", "brook", "ridge", "haven", "wood", "ford", "vale", "crest", "mont", "dale",
    "port", "water", "bury", "view", "hollow", "bridge", "moor",
];
const ENGLISH_SURNAMES: &[&str] = &[
    "Abernathy",
    "Whitlock",
    "Pemberton",
    "Caldwell",
    "Hollis",
    "Marsh",
    "Thornton",
    "Ashby",
    "Hargrove",
    "Lindqvist",
    "Okafor",
    "Delgado",
    "Nakamura",
    "Kowalski",
    "Brennan",
    "Sinclair",
    "MacAllister",
    "Pryce",
    "Redfern",
    "Quill",
    "Harlow",
    "Osei",
    "Vance",
    "Calloway",
];
const FRENCH_PLACE_STARTS: &[&str] = &[
    "Val",
    "Mont",
    "Roche",
    "Beau",
    "Belle",
    "Haute",
    "Clair",
    "Bois",
    "Fontaine",
    "Pierre",
    "Saint-Aubin",
    "Port",
];
const FRENCH_PLACE_ENDS: &[&str] = &[
    "-les-Pins",
    "-sur-Loire",
    "fleur",
    "-du-Lac",
    "rive",
    "-en-Vexin",
    "-la-Forêt",
    "brune",
    "-aux-Saules",
    "-des-Prés",
];
const FRENCH_SURNAMES: &[&str] = &[
    "Lefèvre",
    "Beaufour",
    "Marchand",
    "Duval",
    "Roussel",
    "Garnier",
    "Chevalier",
    "Lemaire",
    "Mercier",
    "Delacroix",
    "Perrin",
    "Aubert",
    "Vasseur",
    "Rigaud",
    "Morel",
    "Barbier",
    "Lacombe",
    "Tessier",
];
const ITALIAN_PLACE_STARTS: &[&str] = &[
    "Monte", "Valle", "Rocca", "Borgo", "Castel", "Villa", "Porto", "Pietra", "Colle", "Lago",
];
const ITALIAN_PLACE_ENDS: &[&str] = &[
    "chiaro", "doro", "bella", "verde", "fiorito", "alto", "sereno", "nuovo", "rosso", "lungo",
];
const ITALIAN_SURNAMES: &[&str] = &[
    "Bianchi", "Barbieri", "Esposito", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno",
    "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
];
const ITALIAN_REGION_ADJECTIVES: &[&str] = &[
    "Alpina",
    "Tirrenica",
    "Appenninica",
    "Lariana",
    "Dolomitica",
    "Sabauda",
];
/// Estonian place names in the genitive, as they appear in company names.
const ESTONIAN_PLACES: &[&str] = &[
    "Tallinna",
    "Tartu",
    "Pärnu",
    "Viljandi",
    "Rakvere",
    "Kuressaare",
    "Haapsalu",
    "Võru",
    "Paide",
    "Rapla",
    "Jõhvi",
    "Valga",
    "Põlva",
    "Emajõe",
    "Toomemäe",
    "Saarte",
    "Läänemere",
    "Põhjaranniku",
    "Lõuna-Eesti",
    "Peipsi",
    "Kalevi",
    "Vooremaa",
];
const ESTONIAN_SURNAMES: &[&str] = &[
    "Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves", "Pärn", "Koppel", "Lepik",
    "Oja", "Raudsepp", "Kuusk", "Karu", "Lill", "Vaher", "Põder",
];
const GERMAN_PLACE_STARTS: &[&str] = &[
    "Linden", "Birken", "Tannen", "Falken", "Rosen", "Eichen", "Wald", "Stein", "Mühl", "Raben",
    "Sonnen", "Buchen",
];
const GERMAN_PLACE_ENDS: &[&str] = &[
    "au", "feld", "bach", "tal", "berg", "brück", "hausen", "hof", "stedt", "dorf",
];
const GERMAN_SURNAMES: &[&str] = &[
    "Müller",
    "Schneider",
    "Fischer",
    "Weber",
    "Becker",
    "Hoffmann",
    "Wagner",
    "Schäfer",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Neumann",
    "Zimmermann",
    "Krüger",
    "Hartmann",
    "Lange",
    "Vogel",
];
const TECH_STARTS: &[&str] = &[
    "Byte", "Quill", "Cloud", "Data", "Pixel", "Logic", "Stack", "Signal", "Vector", "Kernel",
    "Lumen", "Cobalt", "Nimbus", "Orbit", "Tangent",
];
const TECH_ENDS: &[&str] = &[
    "wharf", "forge", "works", "loop", "mint", "leaf", "grid", "craft", "nest", "spring", "yard",
    "path",
];

fn place(rng: &mut DemoRng, language: NameLanguage) -> String {
    match language {
        NameLanguage::English => format!(
            "{}{}",
            rng.pick(ENGLISH_PLACE_STARTS),
            rng.pick(ENGLISH_PLACE_ENDS)
        ),
        NameLanguage::French => format!(
            "{}{}",
            rng.pick(FRENCH_PLACE_STARTS),
            rng.pick(FRENCH_PLACE_ENDS)
        ),
        NameLanguage::Italian => format!(
            "{}{}",
            rng.pick(ITALIAN_PLACE_STARTS),
            rng.pick(ITALIAN_PLACE_ENDS)
        ),
        NameLanguage::Estonian => rng.pick(ESTONIAN_PLACES).to_string(),
        NameLanguage::German => format!(
            "{}{}",
            rng.pick(GERMAN_PLACE_STARTS),
            rng.pick(GERMAN_PLACE_ENDS)
        ),
    }
}

fn surname(rng: &mut DemoRng, language: NameLanguage) -> &'static str {
    match language {
        NameLanguage::English => rng.pick_str(ENGLISH_SURNAMES),
        NameLanguage::French => rng.pick_str(FRENCH_SURNAMES),
        NameLanguage::Italian => rng.pick_str(ITALIAN_SURNAMES),
        NameLanguage::Estonian => rng.pick_str(ESTONIAN_SURNAMES),
        NameLanguage::German => rng.pick_str(GERMAN_SURNAMES),
    }
}

/// Name templates: `{P}` is a place, `{S}` a surname, `{A}` an Italian regional adjective,
/// `{T}` an invented tech word.
fn templates(industry: Industry, language: NameLanguage) -> &'static [&'static str] {
    use Industry::*;
    use NameLanguage::*;
    match (industry, language) {
        (Banking, English) => &[
            "{P} Savings Bank",
            "{P} National Bank",
            "First {P} Bank",
            "Bank of {P}",
            "{P} Trust Company",
            "{P} Bancorp",
        ],
        (Banking, French) => &[
            "Banque de {P}",
            "Banque Régionale de {P}",
            "Banque {S} & Cie",
            "Crédit de {P}",
        ],
        (Banking, Italian) => &[
            "Banca di {P}",
            "Banca {A}",
            "Cassa di Risparmio di {P}",
            "Banca {S}",
        ],
        (Banking, Estonian) => &["{P} Ühispank", "{P} Hoiupank", "{P} Maapank", "{S} Pank"],
        (Banking, German) => &[
            "Bankhaus {S}",
            "Sparkasse {P}",
            "Volksbank {P}",
            "Privatbank {P}",
        ],
        (CreditUnions, English) => &[
            "{P} Community Credit Union",
            "{P} Teachers Credit Union",
            "{P} Federal Credit Union",
            "{P} Employees Credit Union",
            "{P} Farmers Credit Union",
            "{P} Building Society",
        ],
        (CreditUnions, French) => &[
            "Caisse populaire de {P}",
            "Caisse d'économie de {P}",
            "Caisse solidaire de {P}",
        ],
        (CreditUnions, Italian) => &[
            "Banca di Credito Cooperativo di {P}",
            "Cassa Rurale di {P}",
            "Cassa Rurale ed Artigiana di {P}",
        ],
        (CreditUnions, Estonian) => &["{P} Hoiu-laenuühistu", "{P} Krediidiühistu"],
        (CreditUnions, German) => &["Genossenschaftsbank {P}", "Spar- und Darlehenskasse {P}"],
        (Insurance, English) => &[
            "{P} Mutual Insurance",
            "{P} Assurance Group",
            "{S} Insurance",
        ],
        (Insurance, French) => &["Mutuelle de {P}", "Assurances {S}"],
        (Insurance, Italian) => &["Assicurazioni {S}", "Mutua di {P}"],
        (Insurance, Estonian) => &["{P} Kindlustus", "{S} Kindlustusmaakler"],
        (Insurance, German) => &["Versicherung {P}", "{S} Versicherungen"],
        (Retail, English) => &["{P} Outfitters", "{S}'s Market", "{P} Home & Garden"],
        (Retail, French) => &["Maison {S}", "Galeries de {P}"],
        (Retail, Italian) => &["Emporio {S}", "Magazzini di {P}"],
        (Retail, Estonian) => &["{S} Kaubamaja", "{P} Kaubandus"],
        (Retail, German) => &["Kaufhaus {S}", "{S} Warenhaus"],
        (Healthcare, English) => &["{P} Health", "{P} Medical Center", "{P} Family Clinics"],
        (Healthcare, French) => &["Clinique de {P}", "Centre médical {S}"],
        (Healthcare, Italian) => &["Clinica {S}", "Ospedale di {P}"],
        (Healthcare, Estonian) => &["{P} Tervisekeskus", "{P} Haigla"],
        (Healthcare, German) => &["Klinikum {P}", "Praxisklinik {S}"],
        (Software, English) => &["{T}", "{T} Labs", "{T} Software"],
        (Software, French) => &["{T} SAS"],
        (Software, Italian) => &["{T} S.r.l."],
        (Software, Estonian) => &["{T} OÜ"],
        (Software, German) => &["{T} GmbH"],
        (Manufacturing, English) => &["{P} Tooling", "{S} Industries", "{P} Precision Works"],
        (Manufacturing, French) => &["Ateliers {S}", "Forges de {P}"],
        (Manufacturing, Italian) => &["Officine {S}", "{S} Meccanica"],
        (Manufacturing, Estonian) => &["{P} Metall", "{S} Tehased"],
        (Manufacturing, German) => &["{S} Maschinenbau", "Stahlwerk {P}"],
        (Bakery, English) => &["{S}'s Bakery", "{P} Bread Company", "{P} Artisan Bakers"],
        (Bakery, French) => &[
            "Boulangerie {S}",
            "Maison {S} Boulangerie-Pâtisserie",
            "Fournil de {P}",
        ],
        (Bakery, Italian) => &["Panificio {S}", "Forno {S}", "Pasticceria di {P}"],
        (Bakery, Estonian) => &["{P} Pagarid", "{S} Leivatööstus", "{P} Leib"],
        (Bakery, German) => &["Bäckerei {S}", "Backstube {P}"],
        (Government, English) => &["City of {P}", "{P} County", "{P} Transit Authority"],
        (Government, French) => &["Ville de {P}", "Communauté de communes de {P}"],
        (Government, Italian) => &["Comune di {P}", "Provincia di {P}"],
        (Government, Estonian) => &["{P} Linnavalitsus", "{P} Vallavalitsus"],
        (Government, German) => &["Stadt {P}", "Landkreis {P}"],
    }
}

/// A fictional company name for this industry and language.
pub(crate) fn company_name(
    rng: &mut DemoRng,
    industry: Industry,
    language: NameLanguage,
) -> String {
    let template = *rng.pick(templates(industry, language));
    let mut name = String::with_capacity(40);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        name.push_str(&rest[..start]);
        let slot = &rest[start + 1..start + 2];
        match slot {
            "P" => name.push_str(&place(rng, language)),
            "S" => name.push_str(surname(rng, language)),
            "A" => name.push_str(rng.pick_str(ITALIAN_REGION_ADJECTIVES)),
            _ => {
                name.push_str(rng.pick_str(TECH_STARTS));
                name.push_str(rng.pick_str(TECH_ENDS));
            }
        }
        rest = &rest[start + 3..];
    }
    name.push_str(rest);
    name
}

/// A plausible web domain for a company name: ASCII letters and digits plus the country's TLD.
pub(crate) fn domain_for(name: &str, industry: Industry, country: Country) -> String {
    let mut domain = String::with_capacity(40);
    for character in name.chars() {
        let folded = match character {
            'á' | 'à' | 'â' | 'ä' | 'Ä' | 'À' => "a",
            'é' | 'è' | 'ê' | 'ë' | 'É' => "e",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ö' | 'Õ' => "o",
            'ú' | 'ù' | 'û' | 'ü' | 'Ü' => "u",
            'ç' => "c",
            'ß' => "ss",
            'š' => "s",
            'ž' => "z",
            '&' => "and",
            other if other.is_ascii_alphanumeric() => {
                domain.push(other.to_ascii_lowercase());
                continue;
            }
            _ => "",
        };
        domain.push_str(folded);
        if domain.len() >= 32 {
            break;
        }
    }
    let top_level = if industry == Industry::Software {
        "io"
    } else {
        country.top_level_domain()
    };
    domain.push('.');
    domain.push_str(top_level);
    domain
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{Purpose, StreamKey};

    #[test]
    fn names_fill_every_slot() {
        let key = StreamKey::from_seed(3);
        for customer_idx in 0..200 {
            let mut rng = key.stream(customer_idx, Purpose::Profile, 0);
            for industry in Industry::ALL {
                for language in [
                    NameLanguage::English,
                    NameLanguage::French,
                    NameLanguage::Italian,
                    NameLanguage::Estonian,
                    NameLanguage::German,
                ] {
                    let name = company_name(&mut rng, industry, language);
                    assert!(
                        !name.contains('{') && !name.contains(',') && !name.contains('"'),
                        "{name}"
                    );
                }
            }
        }
    }

    #[test]
    fn domains_are_ascii() {
        let domain = domain_for("Põhjaranniku Ühispank", Industry::Banking, Country::EE);
        assert_eq!(domain, "pohjarannikuuhispank.ee");
        let domain = domain_for(
            "Banque Régionale de Saint-Aubin-des-Prés",
            Industry::Banking,
            Country::FR,
        );
        assert_eq!(domain, "banqueregionaledesaintaubindespre.fr");
    }
}
