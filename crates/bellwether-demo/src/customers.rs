//! The customers: industries, countries, sizes, reputation signals and purchase habits,
//! with the planted story customers at the top of the file.

use crate::names::{company_name, domain_for, NameLanguage};
use crate::random::{Purpose, StreamKey};
use bellwether_core::Quadrant;

/// The industries of the demo's customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Industry {
    Banking,
    CreditUnions,
    Insurance,
    Retail,
    Healthcare,
    Software,
    Manufacturing,
    Bakery,
    Government,
}

impl Industry {
    pub(crate) const ALL: [Industry; 9] = [
        Industry::Banking,
        Industry::CreditUnions,
        Industry::Insurance,
        Industry::Retail,
        Industry::Healthcare,
        Industry::Software,
        Industry::Manufacturing,
        Industry::Bakery,
        Industry::Government,
    ];

    /// Share of customers in each industry, in the order of `ALL`: 40% banks and credit unions.
    const WEIGHTS: [f64; 9] = [0.25, 0.15, 0.12, 0.10, 0.09, 0.09, 0.08, 0.06, 0.06];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Industry::Banking => "Banking",
            Industry::CreditUnions => "Credit Unions",
            Industry::Insurance => "Insurance",
            Industry::Retail => "Retail",
            Industry::Healthcare => "Healthcare",
            Industry::Software => "Software",
            Industry::Manufacturing => "Manufacturing",
            Industry::Bakery => "Bakery",
            Industry::Government => "Government",
        }
    }

    /// Median head count and its log-scale spread.
    fn employees_median_and_sigma(self) -> (f64, f64) {
        match self {
            Industry::Banking => (1200.0, 1.4),
            Industry::CreditUnions => (250.0, 1.2),
            Industry::Insurance => (800.0, 1.3),
            Industry::Retail => (300.0, 1.5),
            Industry::Healthcare => (900.0, 1.2),
            Industry::Software => (120.0, 1.3),
            Industry::Manufacturing => (400.0, 1.3),
            Industry::Bakery => (40.0, 1.2),
            Industry::Government => (600.0, 1.3),
        }
    }

    /// Median annual revenue per employee, in USD.
    fn revenue_per_employee(self) -> f64 {
        match self {
            Industry::Banking => 350_000.0,
            Industry::CreditUnions => 200_000.0,
            Industry::Insurance => 500_000.0,
            Industry::Retail => 180_000.0,
            Industry::Healthcare => 150_000.0,
            Industry::Software => 220_000.0,
            Industry::Manufacturing => 250_000.0,
            Industry::Bakery => 90_000.0,
            Industry::Government => 120_000.0,
        }
    }

    pub(crate) fn is_financial(self) -> bool {
        matches!(self, Industry::Banking | Industry::CreditUnions)
    }
}

/// The countries of the demo's customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    clippy::upper_case_acronyms,
    reason = "the variants are ISO 3166 country codes"
)]
pub(crate) enum Country {
    US,
    CA,
    GB,
    FR,
    IT,
    EE,
    DE,
}

impl Country {
    const ALL: [Country; 7] = [
        Country::US,
        Country::CA,
        Country::GB,
        Country::FR,
        Country::IT,
        Country::EE,
        Country::DE,
    ];
    const WEIGHTS: [f64; 7] = [0.42, 0.13, 0.10, 0.10, 0.09, 0.08, 0.08];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Country::US => "US",
            Country::CA => "CA",
            Country::GB => "GB",
            Country::FR => "FR",
            Country::IT => "IT",
            Country::EE => "EE",
            Country::DE => "DE",
        }
    }

    pub(crate) fn top_level_domain(self) -> &'static str {
        match self {
            Country::US => "com",
            Country::CA => "ca",
            Country::GB => "co.uk",
            Country::FR => "fr",
            Country::IT => "it",
            Country::EE => "ee",
            Country::DE => "de",
        }
    }

    /// In the European Union or bound by the GDPR-like UK rules: asks for EU data residency.
    pub(crate) fn is_european(self) -> bool {
        !matches!(self, Country::US | Country::CA)
    }
}

/// Industry and the latent variables that decide size and the market rank.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Standing {
    pub(crate) industry: Industry,
    /// Standard-normal size factor.
    pub(crate) size_z: f64,
    /// Standard-normal quality factor: awards, analyst rating, press.
    pub(crate) quality_z: f64,
    /// Higher is better; the market rank is the position by standing within the industry.
    pub(crate) standing: f64,
}

/// Draws the standing of a customer (planted customers get theirs by hand).
pub(crate) fn standing(key: &StreamKey, customer_idx: usize) -> Standing {
    if let Some(planted) = PLANTED.get(customer_idx) {
        return Standing {
            industry: planted.industry,
            size_z: 0.0,
            quality_z: 0.0,
            standing: planted.standing,
        };
    }
    let mut rng = key.stream(customer_idx, Purpose::Standing, 0);
    let industry = Industry::ALL[rng.weighted(&Industry::WEIGHTS)];
    let size_z = rng.normal();
    let quality_z = rng.normal();
    let standing = 0.6 * quality_z + 0.4 * size_z + 0.3 * rng.normal();
    Standing {
        industry,
        size_z,
        quality_z,
        standing,
    }
}

/// How a customer buys: the BG/NBD-like process and the spending habits.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PurchaseHabits {
    /// Expected purchases per day while active (Poisson process rate).
    pub(crate) rate_per_day: f32,
    /// Probability of becoming inactive after each purchase.
    pub(crate) dropout: f32,
    /// Median list price of one purchase, in USD.
    pub(crate) median_spend: f32,
    /// Share of purchases made with a coupon code.
    pub(crate) coupon_share: f32,
    /// Share of the other purchases that carry a negotiated discount.
    pub(crate) discount_share: f32,
}

/// Everything written about a customer in `customers.csv`, plus how it buys.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub(crate) name: String,
    pub(crate) industry: Industry,
    pub(crate) country: Country,
    pub(crate) employees: u64,
    pub(crate) annual_revenue: u64,
    /// Day index (from the start of the window) of the account's creation and first purchase.
    pub(crate) created_day: u32,
    pub(crate) domain: Option<String>,
    pub(crate) core_system: Option<&'static str>,
    pub(crate) uses_oracle: Option<bool>,
    pub(crate) industry_awards: Option<u64>,
    /// Analyst rating in tenths (1.0 to 5.0 is 10 to 50).
    pub(crate) analyst_rating_tenths: Option<u64>,
    pub(crate) press_mentions: Option<u64>,
    /// Whether the market rank is written (it is computed for everyone).
    pub(crate) market_rank_known: bool,
    pub(crate) habits: PurchaseHabits,
    /// Writes French in Canada (Quebec).
    pub(crate) francophone: bool,
}

/// Share of each signal cell left empty.
const MISSING_SIGNAL_SHARE: f64 = 0.15;
/// Share of customers who buy mostly with coupons.
const COUPON_HEAVY_SHARE: f64 = 0.07;

/// The day of creation, with acquisitions growing over the window (density ∝ 1 + 1.5 t).
fn created_day(uniform: f64, n_days: u32) -> u32 {
    let growth = 1.5;
    let t = (-1.0 + libm::sqrt(1.0 + 2.0 * growth * uniform * (1.0 + growth / 2.0))) / growth;
    ((t * f64::from(n_days)) as u32).min(n_days - 1)
}

fn core_system_for(
    rng: &mut crate::random::DemoRng,
    industry: Industry,
    country: Country,
) -> Option<&'static str> {
    if rng.chance(0.05) {
        return None;
    }
    let (systems, weights): (&[&'static str], &[f64]) =
        match (industry.is_financial(), country.is_european()) {
            (true, false) => (
                &["Fiserv", "FIS", "Jack Henry", "Oracle", "In-house"],
                &[0.35, 0.22, 0.2, 0.15, 0.08],
            ),
            (true, true) => (
                &["Temenos", "Oracle", "In-house", "SAP", "Fiserv"],
                &[0.35, 0.25, 0.2, 0.12, 0.08],
            ),
            (false, _) => (
                &["SAP", "Oracle", "Microsoft Dynamics", "Odoo", "In-house"],
                &[0.3, 0.25, 0.2, 0.1, 0.15],
            ),
        };
    Some(systems[rng.weighted(weights)])
}

/// Draws the profile of a customer; planted customers are written by hand.
pub(crate) fn profile(
    key: &StreamKey,
    customer_idx: usize,
    standing: &Standing,
    n_days: u32,
) -> Profile {
    if let Some(planted) = PLANTED.get(customer_idx) {
        return planted.profile(n_days);
    }
    let mut rng = key.stream(customer_idx, Purpose::Profile, 0);
    let industry = standing.industry;
    let country = Country::ALL[rng.weighted(&Country::WEIGHTS)];
    let francophone = country == Country::CA && rng.chance(0.25);
    let name_language = match country {
        Country::US | Country::GB => NameLanguage::English,
        Country::CA if francophone => NameLanguage::French,
        Country::CA => NameLanguage::English,
        Country::FR => NameLanguage::French,
        Country::IT => NameLanguage::Italian,
        Country::EE => NameLanguage::Estonian,
        Country::DE => NameLanguage::German,
    };
    let name = company_name(&mut rng, industry, name_language);
    let (median_employees, sigma_employees) = industry.employees_median_and_sigma();
    let employees = (median_employees * libm::exp(sigma_employees * standing.size_z))
        .round()
        .clamp(3.0, 350_000.0);
    let annual_revenue = rng.log_normal(employees * industry.revenue_per_employee(), 0.35);
    let annual_revenue = (annual_revenue / 1000.0).round() as u64 * 1000;
    let created_day = created_day(rng.uniform(), n_days);
    let domain = if rng.chance(0.04) {
        None
    } else {
        Some(domain_for(&name, industry, country))
    };
    let core_system = core_system_for(&mut rng, industry, country);
    let uses_oracle = match core_system {
        Some("Oracle") => Some(true),
        _ if rng.chance(0.05) => None,
        _ => Some(rng.chance(0.3)),
    };
    let quality = standing.quality_z;
    let awards = rng.poisson(libm::exp(-0.9 + 0.9 * quality));
    let rating = (3.2 + 0.55 * quality + 0.3 * rng.normal()).clamp(1.0, 5.0);
    let press_noise = rng.normal();
    let press = rng.poisson(libm::exp(
        0.8 + 0.6 * standing.size_z + 0.5 * quality + 0.4 * press_noise,
    ));
    let mut signal = |value: u64| {
        if rng.chance(MISSING_SIGNAL_SHARE) {
            None
        } else {
            Some(value)
        }
    };
    let industry_awards = signal(awards);
    let analyst_rating_tenths = signal((rating * 10.0).round() as u64);
    let press_mentions = signal(press);
    let market_rank_known = signal(0).is_some();

    let coupon_heavy = rng.chance(COUPON_HEAVY_SHARE);
    let coupon_share = if coupon_heavy {
        rng.between(0.7, 0.95)
    } else if rng.chance(0.4) {
        rng.between(0.01, 0.08)
    } else {
        0.0
    };
    let habits = PurchaseHabits {
        rate_per_day: rng.gamma(1.2, 1.0 / 32.0) as f32,
        dropout: rng.beta(1.0, 14.0) as f32,
        median_spend: (40.0 * libm::pow(employees, 0.6) * rng.log_normal(1.0, 0.4)) as f32,
        coupon_share: coupon_share as f32,
        discount_share: if coupon_heavy {
            0.0
        } else {
            rng.between(0.0, 0.2) as f32
        },
    };
    Profile {
        name,
        industry,
        country,
        employees: employees as u64,
        annual_revenue,
        created_day,
        domain,
        core_system,
        uses_oracle,
        industry_awards,
        analyst_rating_tenths,
        press_mentions,
        market_rank_known,
        habits,
        francophone,
    }
}

/// A customer placed by hand at the top of `customers.csv` to tell a story.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedStory {
    /// Stable identifier at the default size (`C0001`…); wider ids keep the same number.
    pub customer_number: usize,
    pub name: &'static str,
    /// The quadrant the scoring should put this customer in.
    pub expected_quadrant: Quadrant,
    /// Whether the customer's influence should come out low (coupon and discount dependence).
    pub expect_low_influence: bool,
    /// Why, in one sentence.
    pub why: &'static str,
}

/// Hand-written facts of a planted customer.
pub(crate) struct PlantedCustomer {
    pub(crate) story: PlantedStory,
    industry: Industry,
    country: Country,
    employees: u64,
    annual_revenue: u64,
    created_day: u32,
    domain: &'static str,
    core_system: &'static str,
    uses_oracle: bool,
    industry_awards: u64,
    analyst_rating_tenths: u64,
    press_mentions: u64,
    /// Decides the market rank: far above every drawn standing for rank 1.
    standing: f64,
    habits: PurchaseHabits,
    francophone: bool,
}

impl PlantedCustomer {
    fn profile(&self, n_days: u32) -> Profile {
        Profile {
            name: self.story.name.to_string(),
            industry: self.industry,
            country: self.country,
            employees: self.employees,
            annual_revenue: self.annual_revenue,
            created_day: self.created_day.min(n_days - 1),
            domain: Some(self.domain.to_string()),
            core_system: Some(self.core_system),
            uses_oracle: Some(self.uses_oracle),
            industry_awards: Some(self.industry_awards),
            analyst_rating_tenths: Some(self.analyst_rating_tenths),
            press_mentions: Some(self.press_mentions),
            market_rank_known: true,
            habits: self.habits,
            francophone: self.francophone,
        }
    }
}

/// Index of the top national bank on Oracle.
pub(crate) const TOP_BANK: usize = 0;
/// Index of the huge global bank.
pub(crate) const GLOBAL_BANK: usize = 1;
/// Index of the mid-size credit union without awards.
pub(crate) const CREDIT_UNION: usize = 2;
/// Index of the coupon-hunting bank.
pub(crate) const COUPON_BANK: usize = 3;
/// Index of the award-winning bakery.
pub(crate) const TOP_BAKERY: usize = 4;

/// The planted customers, in file order (`C0001` to `C0005`).
pub(crate) const PLANTED: &[PlantedCustomer] = &[
    PlantedCustomer {
        story: PlantedStory {
            customer_number: 1,
            name: "Granite Harbor National Bank",
            expected_quadrant: Quadrant::Strategic,
            expect_low_influence: false,
            why: "top US national bank on an Oracle core, in the audience's size range, rank 1 in Banking with many awards and the best analyst rating; co-designs the fraud rules",
        },
        industry: Industry::Banking,
        country: Country::US,
        employees: 8_500,
        annual_revenue: 3_100_000_000,
        created_day: 20,
        domain: "graniteharborbank.com",
        core_system: "Oracle",
        uses_oracle: true,
        industry_awards: 9,
        analyst_rating_tenths: 49,
        press_mentions: 140,
        standing: 100.0,
        habits: PurchaseHabits {
            rate_per_day: 1.0 / 12.0,
            dropout: 0.0,
            median_spend: 120_000.0,
            coupon_share: 0.0,
            discount_share: 0.03,
        },
        francophone: false,
    },
    PlantedCustomer {
        story: PlantedStory {
            customer_number: 2,
            name: "Kingsmere Global Banking Group",
            expected_quadrant: Quadrant::Showcase,
            expect_low_influence: false,
            why: "famous global bank headquartered in London, three times larger than the audience's range, on an in-house core: outstanding reputation but not representative",
        },
        industry: Industry::Banking,
        country: Country::GB,
        employees: 310_000,
        annual_revenue: 150_000_000_000,
        created_day: 45,
        domain: "kingsmereglobal.co.uk",
        core_system: "In-house",
        uses_oracle: false,
        industry_awards: 14,
        analyst_rating_tenths: 47,
        press_mentions: 900,
        standing: 99.0,
        habits: PurchaseHabits {
            rate_per_day: 1.0 / 60.0,
            dropout: 0.0,
            median_spend: 400_000.0,
            coupon_share: 0.0,
            discount_share: 0.1,
        },
        francophone: false,
    },
    PlantedCustomer {
        story: PlantedStory {
            customer_number: 3,
            name: "Caisse populaire des Érables",
            expected_quadrant: Quadrant::Representative,
            expect_low_influence: false,
            why: "solid mid-size Quebec credit union on Fiserv, squarely in the audience, with no awards and an average analyst rating: represents the audience without the name",
        },
        industry: Industry::CreditUnions,
        country: Country::CA,
        employees: 2_400,
        annual_revenue: 380_000_000,
        created_day: 70,
        domain: "caissedeserables.ca",
        core_system: "Fiserv",
        uses_oracle: false,
        industry_awards: 0,
        analyst_rating_tenths: 29,
        press_mentions: 3,
        standing: -0.3,
        habits: PurchaseHabits {
            rate_per_day: 1.0 / 30.0,
            dropout: 0.0,
            median_spend: 9_000.0,
            coupon_share: 0.0,
            discount_share: 0.05,
        },
        francophone: true,
    },
    PlantedCustomer {
        story: PlantedStory {
            customer_number: 4,
            name: "Prairie Crest Savings Bank",
            expected_quadrant: Quadrant::Strategic,
            expect_low_influence: true,
            why: "US bank on Oracle with awards and a strong analyst rating (high fit and reputation) that buys almost only with coupon codes: little influence",
        },
        industry: Industry::Banking,
        country: Country::US,
        employees: 6_500,
        annual_revenue: 1_800_000_000,
        created_day: 30,
        domain: "prairiecrestbank.com",
        core_system: "Oracle",
        uses_oracle: true,
        industry_awards: 5,
        analyst_rating_tenths: 44,
        press_mentions: 60,
        standing: 98.0,
        habits: PurchaseHabits {
            rate_per_day: 1.0 / 15.0,
            dropout: 0.0,
            median_spend: 15_000.0,
            coupon_share: 0.96,
            discount_share: 0.0,
        },
        francophone: false,
    },
    PlantedCustomer {
        story: PlantedStory {
            customer_number: 5,
            name: "Maison Beaufour Boulangerie-Pâtisserie",
            expected_quadrant: Quadrant::Showcase,
            expect_low_influence: false,
            why: "the most awarded bakery (rank 1 in Bakery): outstanding reputation in its own field, but a French bakery is outside the banking audience",
        },
        industry: Industry::Bakery,
        country: Country::FR,
        employees: 450,
        annual_revenue: 62_000_000,
        created_day: 100,
        domain: "maisonbeaufour.fr",
        core_system: "SAP",
        uses_oracle: false,
        industry_awards: 12,
        analyst_rating_tenths: 49,
        press_mentions: 85,
        standing: 100.0,
        habits: PurchaseHabits {
            rate_per_day: 1.0 / 25.0,
            dropout: 0.0,
            median_spend: 1_200.0,
            coupon_share: 0.02,
            discount_share: 0.05,
        },
        francophone: true,
    },
];

/// The planted stories, in file order.
pub fn planted_stories() -> Vec<PlantedStory> {
    PLANTED
        .iter()
        .map(|planted| planted.story.clone())
        .collect()
}
