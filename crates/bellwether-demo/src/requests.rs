//! Feature requests: who asks, for which need, in which language and with which typos;
//! and the collaborations with their requirements.

use crate::customers::{
    Country, Industry, Profile, COUPON_BANK, CREDIT_UNION, GLOBAL_BANK, TOP_BAKERY, TOP_BANK,
};
use crate::needs::*;
use crate::random::{DemoRng, Purpose, StreamKey};

/// A request before it gets its identifier (requests are numbered in date order).
#[derive(Debug, Clone)]
pub(crate) struct RequestDraft {
    pub(crate) day: u32,
    pub(crate) customer_idx: u32,
    pub(crate) text: String,
    /// `None` when the export left the language column empty.
    pub(crate) language: Option<Language>,
    pub(crate) need_idx: usize,
}

/// Share of requests whose language column is left empty.
const MISSING_LANGUAGE_SHARE: f64 = 0.1;
/// Share of requests with a typo or a sloppy spelling.
const TYPO_SHARE: f64 = 0.15;

/// Share of customers who write at least one request, by data set size: a third at demo
/// size, fewer at benchmark size so that requests stay near one per ten customers.
pub(crate) fn asking_share(n_customers: usize) -> f64 {
    if n_customers <= 20_000 {
        1.0 / 3.0
    } else {
        0.07
    }
}

fn language_for(rng: &mut DemoRng, profile: &Profile) -> Language {
    let (own, own_share) = match profile.country {
        Country::US | Country::GB | Country::DE => (Language::English, 1.0),
        Country::CA if profile.francophone => (Language::French, 0.85),
        Country::CA => (Language::English, 1.0),
        Country::FR => (Language::French, 0.85),
        Country::IT => (Language::Italian, 0.85),
        Country::EE => (Language::Estonian, 0.75),
    };
    if rng.chance(own_share) {
        own
    } else {
        Language::English
    }
}

/// Relative weights of the needs for a customer, indexed like `NEEDS`.
fn need_weights(profile: &Profile) -> [f64; 17] {
    let mut weights = [0.0; 17];
    weights[SSO] = 10.0;
    weights[AUDIT_LOG_EXPORT] = 6.0;
    weights[TWO_FACTOR] = 6.0;
    weights[API_RATE_LIMITS] = 5.0;
    weights[BULK_CSV_IMPORT] = 6.0;
    weights[CUSTOM_RISK_RULES] = 5.0;
    weights[MOBILE_SDK] = 4.0;
    weights[EU_DATA_RESIDENCY] = 1.0;
    weights[WEBHOOKS] = 5.0;
    weights[CRM_INTEGRATION] = 5.0;
    weights[LOCALIZED_DASHBOARD] = 1.0;
    weights[FASTER_SUPPORT] = 6.0;
    weights[ROLE_BASED_ACCESS] = 5.0;
    weights[SCHEDULED_REPORTS] = 5.0;
    weights[VOLUME_DISCOUNT] = 2.0;
    if profile.industry.is_financial() {
        weights[SSO] += if profile.country.is_european() {
            12.0
        } else {
            25.0
        };
        weights[CORE_BANKING_INTEGRATION] += 8.0;
        weights[CUSTOM_RISK_RULES] += 6.0;
        weights[TWO_FACTOR] += 4.0;
        weights[AUDIT_LOG_EXPORT] += 4.0;
    }
    if profile.country.is_european() {
        weights[EU_DATA_RESIDENCY] += 10.0;
    }
    if profile.francophone
        || matches!(
            profile.country,
            Country::FR | Country::IT | Country::EE | Country::DE
        )
    {
        weights[LOCALIZED_DASHBOARD] += 6.0;
    }
    match profile.industry {
        Industry::Retail => {
            weights[MOBILE_SDK] += 6.0;
            weights[BULK_CSV_IMPORT] += 4.0;
        }
        Industry::Software => {
            weights[API_RATE_LIMITS] += 8.0;
            weights[WEBHOOKS] += 6.0;
        }
        Industry::Government => weights[AUDIT_LOG_EXPORT] += 4.0,
        _ => {}
    }
    if profile.habits.coupon_share > 0.5 {
        weights[VOLUME_DISCOUNT] += 20.0;
    }
    weights
}

/// Folds accents away, as people typing fast on an English keyboard do.
fn strip_accents(text: &str) -> String {
    text.chars()
        .map(|character| match character {
            'á' | 'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'É' => 'E',
            'È' => 'E',
            'Ä' => 'A',
            'Ö' | 'Õ' => 'O',
            'Ü' => 'U',
            other => other,
        })
        .collect()
}

/// Applies one typo: a swap, a dropped or doubled letter, lost accents, or all lower case.
fn add_typo(rng: &mut DemoRng, text: &str) -> String {
    let kind = rng.index(5);
    if kind == 3 {
        return strip_accents(text);
    }
    if kind == 4 {
        return text.to_lowercase().trim_end_matches(['.', '!']).to_string();
    }
    let mut characters: Vec<char> = text.chars().collect();
    // Look for a letter followed by a letter, from a random start.
    let start = rng.index(characters.len().max(2) - 1);
    let Some(position) = (start..characters.len().saturating_sub(1))
        .chain(0..start)
        .find(|&position| {
            characters[position].is_alphabetic() && characters[position + 1].is_alphabetic()
        })
    else {
        return text.to_string();
    };
    match kind {
        0 => characters.swap(position, position + 1),
        1 => {
            characters.remove(position + 1);
        }
        _ => characters.insert(position, characters[position]),
    }
    characters.into_iter().collect()
}

/// The phrasing with its first letter in lower case, unless the first word is an acronym.
fn lower_first_word(phrasing: &str) -> String {
    let mut characters = phrasing.chars();
    match (characters.next(), characters.next()) {
        (Some(first), Some(second))
            if first.is_uppercase() && !second.is_uppercase() && !second.is_ascii_digit() =>
        {
            first
                .to_lowercase()
                .chain(phrasing[first.len_utf8()..].chars())
                .collect()
        }
        _ => phrasing.to_string(),
    }
}

/// Writes the text of one request for a need, with optional greeting, context and closing.
fn compose(rng: &mut DemoRng, need_idx: usize, language: Language) -> String {
    let phrasings = PHRASINGS[need_idx].of(language);
    let phrasings = if phrasings.is_empty() {
        PHRASINGS[need_idx].english
    } else {
        phrasings
    };
    let mut text = String::with_capacity(160);
    if rng.chance(0.3) {
        let greeting = rng.pick_str(greetings(language));
        text.push_str(greeting);
        if rng.chance(0.2) {
            text.push('\n');
        } else {
            text.push(' ');
        }
    }
    let phrasing = rng.pick_str(phrasings);
    if text.ends_with(", ") {
        // After "Hi team, " the sentence goes on in lower case, unless it opens with an acronym.
        text.push_str(&lower_first_word(phrasing));
    } else {
        text.push_str(phrasing);
    }
    if rng.chance(0.2) {
        text.push(' ');
        text.push_str(rng.pick_str(context_sentences(language)));
    }
    if rng.chance(0.3) {
        // Non-English writers often close in English.
        let closing_language = if language != Language::English && rng.chance(0.15) {
            Language::English
        } else {
            language
        };
        text.push(' ');
        text.push_str(rng.pick_str(closings(closing_language)));
    }
    if rng.chance(TYPO_SHARE) {
        text = add_typo(rng, &text);
    }
    text
}

/// Draws the requests of one (not planted) customer into `requests`.
pub(crate) fn customer_requests(
    key: &StreamKey,
    customer_idx: usize,
    profile: &Profile,
    n_days: u32,
    asking_share: f64,
    requests: &mut Vec<RequestDraft>,
) {
    let mut rng = key.stream(customer_idx, Purpose::Requests, 0);
    if !rng.chance(asking_share) {
        return;
    }
    let weights = need_weights(profile);
    let mut n_requests = 1;
    while n_requests < 6 && rng.chance(0.45) {
        n_requests += 1;
    }
    for _ in 0..n_requests {
        let day = rng.integer(u64::from(profile.created_day), u64::from(n_days - 1)) as u32;
        let need_idx = rng.weighted(&weights);
        let language = language_for(&mut rng, profile);
        let text = compose(&mut rng, need_idx, language);
        let language = if rng.chance(MISSING_LANGUAGE_SHARE) {
            None
        } else {
            Some(language)
        };
        requests.push(RequestDraft {
            day,
            customer_idx: customer_idx as u32,
            text,
            language,
            need_idx,
        });
    }
}

/// A request drawn like the demo's, with its true need, for benchmarks and matcher tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRequest {
    pub text: String,
    /// `en`, `fr`, `it` or `et`; `None` where an export would leave the column empty.
    pub language: Option<&'static str>,
    /// The true need, as in `requests_truth.csv`.
    pub need_id: &'static str,
}

/// `n` requests composed like the demo's (greetings, context, closings, typos, missing language
/// columns), with needs and languages drawn uniformly; the same seed gives the same requests.
///
/// Unlike [`crate::write_demo`], no customer is involved: this is the text generator alone, so a
/// benchmark can ask for 100,000 requests without writing millions of transactions.
pub fn sample_requests(n: usize, seed: u64) -> Vec<SampleRequest> {
    let key = StreamKey::from_seed(seed);
    let languages = [
        Language::English,
        Language::French,
        Language::Italian,
        Language::Estonian,
    ];
    (0..n)
        .map(|request_idx| {
            let mut rng = key.stream(request_idx, Purpose::Requests, 1);
            let need_idx = rng.index(NEEDS.len());
            let language = *rng.pick(&languages);
            let text = compose(&mut rng, need_idx, language);
            // The tailor-made need has English phrasings only, which `compose` falls back to.
            let language = if PHRASINGS[need_idx].of(language).is_empty() {
                Language::English
            } else {
                language
            };
            SampleRequest {
                text,
                language: (!rng.chance(MISSING_LANGUAGE_SHARE)).then(|| language.code()),
                need_id: NEEDS[need_idx].id,
            }
        })
        .collect()
}

/// A hand-written request of a planted customer: day offset, need, language, phrasing.
struct PlantedRequest {
    customer_idx: usize,
    day: u32,
    need_idx: usize,
    language: Language,
    phrasing_idx: usize,
}

const PLANTED_REQUESTS: &[PlantedRequest] = &[
    PlantedRequest {
        customer_idx: TOP_BANK,
        day: 60,
        need_idx: MAINFRAME_BATCH,
        language: Language::English,
        phrasing_idx: 0,
    },
    PlantedRequest {
        customer_idx: TOP_BANK,
        day: 200,
        need_idx: SSO,
        language: Language::English,
        phrasing_idx: 2,
    },
    PlantedRequest {
        customer_idx: TOP_BANK,
        day: 230,
        need_idx: MAINFRAME_BATCH,
        language: Language::English,
        phrasing_idx: 1,
    },
    PlantedRequest {
        customer_idx: TOP_BANK,
        day: 400,
        need_idx: CUSTOM_RISK_RULES,
        language: Language::English,
        phrasing_idx: 2,
    },
    PlantedRequest {
        customer_idx: TOP_BANK,
        day: 520,
        need_idx: MAINFRAME_BATCH,
        language: Language::English,
        phrasing_idx: 3,
    },
    PlantedRequest {
        customer_idx: GLOBAL_BANK,
        day: 120,
        need_idx: EU_DATA_RESIDENCY,
        language: Language::English,
        phrasing_idx: 0,
    },
    PlantedRequest {
        customer_idx: GLOBAL_BANK,
        day: 300,
        need_idx: AUDIT_LOG_EXPORT,
        language: Language::English,
        phrasing_idx: 1,
    },
    PlantedRequest {
        customer_idx: CREDIT_UNION,
        day: 150,
        need_idx: SSO,
        language: Language::French,
        phrasing_idx: 2,
    },
    PlantedRequest {
        customer_idx: CREDIT_UNION,
        day: 420,
        need_idx: BULK_CSV_IMPORT,
        language: Language::French,
        phrasing_idx: 0,
    },
    PlantedRequest {
        customer_idx: CREDIT_UNION,
        day: 600,
        need_idx: TWO_FACTOR,
        language: Language::English,
        phrasing_idx: 0,
    },
    PlantedRequest {
        customer_idx: COUPON_BANK,
        day: 90,
        need_idx: VOLUME_DISCOUNT,
        language: Language::English,
        phrasing_idx: 0,
    },
    PlantedRequest {
        customer_idx: COUPON_BANK,
        day: 380,
        need_idx: VOLUME_DISCOUNT,
        language: Language::English,
        phrasing_idx: 2,
    },
    PlantedRequest {
        customer_idx: COUPON_BANK,
        day: 500,
        need_idx: SSO,
        language: Language::English,
        phrasing_idx: 4,
    },
    PlantedRequest {
        customer_idx: TOP_BAKERY,
        day: 200,
        need_idx: LOCALIZED_DASHBOARD,
        language: Language::French,
        phrasing_idx: 0,
    },
    PlantedRequest {
        customer_idx: TOP_BAKERY,
        day: 450,
        need_idx: FASTER_SUPPORT,
        language: Language::French,
        phrasing_idx: 1,
    },
];

/// The hand-written requests of the planted customers, kept inside the window.
pub(crate) fn planted_requests(
    created_days: &[u32],
    n_days: u32,
    requests: &mut Vec<RequestDraft>,
) {
    for planted in PLANTED_REQUESTS {
        let day = planted
            .day
            .max(created_days[planted.customer_idx])
            .min(n_days - 1);
        requests.push(RequestDraft {
            day,
            customer_idx: planted.customer_idx as u32,
            text: PHRASINGS[planted.need_idx].of(planted.language)[planted.phrasing_idx]
                .to_string(),
            language: Some(planted.language),
            need_idx: planted.need_idx,
        });
    }
}

/// A co-design collaboration with a customer, and the requirements written for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Collaboration {
    pub collaboration_id: &'static str,
    /// Index of the customer (0 is `C0001`).
    pub customer_idx: usize,
    pub name: &'static str,
    /// Start, in days from the beginning of the window.
    pub started_day: u32,
    pub requirements: &'static [Requirement],
}

/// One requirement of a collaboration, with its true need (not written to `requirements.csv`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Requirement {
    pub text: &'static str,
    /// `en`, `fr`, `it` or `et`.
    pub language: &'static str,
    pub need_id: &'static str,
}

/// The two collaborations: the top bank's fraud rules co-design, and the credit union's pilot.
pub const COLLABORATIONS: &[Collaboration] = &[
    Collaboration {
        collaboration_id: "COL1",
        customer_idx: TOP_BANK,
        name: "Fraud rules co-design",
        started_day: 180,
        requirements: &[
            Requirement {
                text: "Nightly integration with our in-house mainframe batch system: fixed-width EBCDIC extract LEDGR-07 in, risk flags back before the posting run.",
                language: "en",
                need_id: TAILOR_MADE_NEED_ID,
            },
            Requirement {
                text: "Single sign-on for every fraud analyst through our corporate identity provider (SAML 2.0).",
                language: "en",
                need_id: BROADLY_SELLABLE_NEED_ID,
            },
            Requirement {
                text: "Fraud analysts edit rule thresholds themselves and test them on last month's transactions before publishing.",
                language: "en",
                need_id: "custom_risk_rules",
            },
            Requirement {
                text: "Full audit log export to our SIEM every night.",
                language: "en",
                need_id: "audit_log_export",
            },
        ],
    },
    Collaboration {
        collaboration_id: "COL2",
        customer_idx: CREDIT_UNION,
        name: "Projet pilote d'accueil des membres",
        started_day: 400,
        requirements: &[
            Requirement {
                text: "Authentification unique (SSO) pour le personnel des caisses avec notre Okta.",
                language: "fr",
                need_id: BROADLY_SELLABLE_NEED_ID,
            },
            Requirement {
                text: "Import en masse de 120 000 comptes de membres depuis un fichier CSV.",
                language: "fr",
                need_id: "bulk_csv_import",
            },
            Requirement {
                text: "Two-factor authentication for every administrator account.",
                language: "en",
                need_id: "two_factor",
            },
            Requirement {
                text: "Réponse du support en moins de quatre heures pour les incidents critiques.",
                language: "fr",
                need_id: "faster_support",
            },
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_keep_text_readable() {
        let key = StreamKey::from_seed(9);
        for attempt in 0..200 {
            let mut rng = key.stream(attempt, Purpose::Requests, 0);
            let text = "Vajame ühekordset sisselogimist (SSO) meie Azure AD kaudu.";
            let typo = add_typo(&mut rng, text);
            let length_difference = typo.chars().count() as i64 - text.chars().count() as i64;
            assert!(length_difference.abs() <= 1, "{typo}");
        }
    }

    #[test]
    fn the_sentence_after_a_greeting_goes_on_in_lower_case() {
        assert_eq!(
            lower_first_word("Kas auditilogisid saaks?"),
            "kas auditilogisid saaks?"
        );
        assert_eq!(lower_first_word("SSO please!"), "SSO please!");
        assert_eq!(lower_first_word("È possibile?"), "è possibile?");
        assert_eq!(lower_first_word("2FA is a must"), "2FA is a must");
    }

    #[test]
    fn samples_are_reproducible_and_cover_every_need() {
        let samples = sample_requests(2000, 7);
        assert_eq!(samples, sample_requests(2000, 7));
        for need in NEEDS {
            assert!(
                samples.iter().any(|sample| sample.need_id == need.id),
                "{}",
                need.id
            );
        }
    }

    #[test]
    fn planted_phrasings_exist() {
        for planted in PLANTED_REQUESTS {
            assert!(PHRASINGS[planted.need_idx].of(planted.language).len() > planted.phrasing_idx);
        }
    }
}
