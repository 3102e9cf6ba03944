//! The catalogue of product needs and the hand-written ways customers phrase them,
//! in English, French, Italian and Estonian.
//!
//! Several phrasings mix languages on purpose ("le SSO", "webhookid"), as real feedback does,
//! and the Estonian ones use inflected forms (ühekordset sisselogimist, ühekordse sisselogimiseta).

/// A language requests are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Language {
    English,
    French,
    Italian,
    Estonian,
}

impl Language {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::French => "fr",
            Language::Italian => "it",
            Language::Estonian => "et",
        }
    }
}

/// Whether a need is worth building for the product as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeedKind {
    /// Asked by many customers of the target audience, in every language: build it.
    BroadlySellable,
    /// Asked by a single customer for its own systems: a custom project, not a product feature.
    TailorMade,
    /// Any other need of the catalogue.
    Ordinary,
}

/// One product need of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// Stable identifier, as written in `requests_truth.csv`.
    pub id: &'static str,
    /// Short English label.
    pub label: &'static str,
    pub kind: NeedKind,
}

/// How customers phrase a need, per language.
pub(crate) struct Phrasings {
    pub(crate) english: &'static [&'static str],
    pub(crate) french: &'static [&'static str],
    pub(crate) italian: &'static [&'static str],
    pub(crate) estonian: &'static [&'static str],
}

impl Phrasings {
    pub(crate) fn of(&self, language: Language) -> &'static [&'static str] {
        match language {
            Language::English => self.english,
            Language::French => self.french,
            Language::Italian => self.italian,
            Language::Estonian => self.estonian,
        }
    }
}

pub(crate) const SSO: usize = 0;
pub(crate) const AUDIT_LOG_EXPORT: usize = 1;
pub(crate) const TWO_FACTOR: usize = 2;
pub(crate) const API_RATE_LIMITS: usize = 3;
pub(crate) const BULK_CSV_IMPORT: usize = 4;
pub(crate) const CUSTOM_RISK_RULES: usize = 5;
pub(crate) const MOBILE_SDK: usize = 6;
pub(crate) const EU_DATA_RESIDENCY: usize = 7;
pub(crate) const WEBHOOKS: usize = 8;
pub(crate) const CRM_INTEGRATION: usize = 9;
pub(crate) const CORE_BANKING_INTEGRATION: usize = 10;
pub(crate) const LOCALIZED_DASHBOARD: usize = 11;
pub(crate) const FASTER_SUPPORT: usize = 12;
pub(crate) const ROLE_BASED_ACCESS: usize = 13;
pub(crate) const SCHEDULED_REPORTS: usize = 14;
pub(crate) const VOLUME_DISCOUNT: usize = 15;
pub(crate) const MAINFRAME_BATCH: usize = 16;

/// The catalogue of needs, indexed by the constants above.
pub const NEEDS: &[Need] = &[
    Need {
        id: "sso",
        label: "Single sign-on (SAML / OpenID Connect)",
        kind: NeedKind::BroadlySellable,
    },
    Need {
        id: "audit_log_export",
        label: "Audit log export",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "two_factor",
        label: "Two-factor authentication",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "api_rate_limits",
        label: "Higher or configurable API rate limits",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "bulk_csv_import",
        label: "Bulk CSV import",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "custom_risk_rules",
        label: "Custom fraud and risk rules",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "mobile_sdk",
        label: "Mobile SDK (iOS, Android)",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "eu_data_residency",
        label: "EU data residency",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "webhooks",
        label: "Webhook notifications",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "crm_integration",
        label: "Salesforce / CRM integration",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "core_banking_integration",
        label: "Core-banking connector (Fiserv, Oracle FLEXCUBE, Temenos)",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "localized_dashboard",
        label: "Dashboard in the local language",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "faster_support",
        label: "Faster support",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "role_based_access",
        label: "Role-based access control",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "scheduled_reports",
        label: "Scheduled e-mail / PDF reports",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "volume_discount",
        label: "Discounts and promo codes",
        kind: NeedKind::Ordinary,
    },
    Need {
        id: "mainframe_batch_integration",
        label: "Integration with the top bank's in-house mainframe batch system",
        kind: NeedKind::TailorMade,
    },
];

/// Identifier of the broadly sellable need.
pub const BROADLY_SELLABLE_NEED_ID: &str = "sso";
/// Identifier of the tailor-made need, asked only by the top bank.
pub const TAILOR_MADE_NEED_ID: &str = "mainframe_batch_integration";

/// The phrasings of each need, in the order of `NEEDS`.
pub(crate) const PHRASINGS: &[Phrasings] = &[
    // sso
    Phrasings {
        english: &[
            "We need single sign-on with Azure AD (SAML) before we can roll this out to all branches.",
            "SSO please! Our staff already have too many passwords.",
            "Can you support SAML 2.0 single sign-on? Our security team won't approve separate logins.",
            "Is OpenID Connect / Okta login on the roadmap? We want one login for everything.",
            "Please add single-sign on, our IT policy requires it for every vendor tool.",
            "sso with our identity provider = must have for the renewal",
        ],
        french: &[
            "Nous avons besoin d'une authentification unique (SSO) via notre annuaire Azure AD.",
            "Est-il possible de se connecter avec nos identifiants d'entreprise ? Un SSO SAML serait idéal.",
            "Merci d'ajouter l'authentification unique, nos conseillers en ont assez de retaper leur mot de passe.",
            "Le SSO est bloquant pour le déploiement dans nos agences.",
            "Connexion unique avec Okta svp",
            "Hello, on aurait besoin du single sign-on asap, thanks",
        ],
        italian: &[
            "Ci serve l'accesso singolo (SSO) con il nostro Active Directory.",
            "Sarebbe possibile accedere con le credenziali aziendali? Un single sign-on SAML ci semplificherebbe la vita.",
            "Senza SSO non possiamo estendere l'uso a tutte le filiali.",
            "Per favore aggiungete il login unico, i colleghi hanno già troppe password.",
            "Accesso unico tramite Okta, è fattibile?",
        ],
        estonian: &[
            "Vajame ühekordset sisselogimist (SSO) meie Azure AD kaudu.",
            "Kas saaks sisse logida ettevõtte kontoga? SAML-põhine ühekordne sisselogimine oleks ideaalne.",
            "Ilma ühekordse sisselogimiseta ei saa me lahendust kõigile kontoritele kasutusele võtta.",
            "Palun lisage SSO tugi, töötajatel on liiga palju paroole.",
            "SSO-ga sisselogimine on meie IT-turbe nõue.",
            "Tere, kas SSO support on teil roadmapis?",
        ],
    },
    // audit_log_export
    Phrasings {
        english: &[
            "Our auditors ask for a full export of the audit log (who changed which rule and when).",
            "Please let us export audit logs to our SIEM (Splunk) every night.",
            "Audit trail export as CSV? Needed for the SOX review.",
        ],
        french: &[
            "Nos auditeurs demandent un export complet du journal d'audit.",
            "Pourriez-vous permettre l'export des journaux d'audit vers notre SIEM ?",
            "Il nous faut l'historique des modifications (qui a changé quoi et quand) exportable en CSV pour la conformité.",
        ],
        italian: &[
            "I revisori ci chiedono l'esportazione completa del registro di audit.",
            "Si può esportare il log delle attività verso il nostro SIEM?",
            "Ci serve lo storico delle modifiche esportabile in CSV per la compliance.",
        ],
        estonian: &[
            "Audiitorid küsivad auditilogi täielikku eksporti.",
            "Kas auditilogisid saaks eksportida meie SIEM-i?",
            "Vajame muudatuste ajalugu (kes mida muutis ja millal) CSV-failina vastavuskontrolli jaoks.",
        ],
    },
    // two_factor
    Phrasings {
        english: &[
            "Please add two-factor authentication for admin accounts.",
            "2FA with an authenticator app is a must for us, SMS codes are not accepted by our CISO.",
            "Can users enrol a hardware key (FIDO2/YubiKey) as a second factor?",
        ],
        french: &[
            "Merci d'ajouter l'authentification à deux facteurs pour les comptes administrateurs.",
            "La double authentification est obligatoire chez nous, les codes SMS ne suffisent pas.",
            "Peut-on utiliser une clé FIDO2 comme second facteur ?",
        ],
        italian: &[
            "Vi chiediamo di aggiungere l'autenticazione a due fattori per gli amministratori.",
            "La verifica in due passaggi è obbligatoria per la nostra policy di sicurezza.",
            "È possibile usare una chiave FIDO2 come secondo fattore?",
        ],
        estonian: &[
            "Palun lisage administraatorikontodele kaheastmeline autentimine.",
            "Kahefaktoriline autentimine on meie turvapoliitika järgi kohustuslik, SMS-koodid ei sobi.",
            "Kas teise faktorina saab kasutada FIDO2 turvavõtit?",
        ],
    },
    // api_rate_limits
    Phrasings {
        english: &[
            "We keep hitting the API rate limit (HTTP 429) during the nightly batch. Can you raise it?",
            "Please document the API rate limits and let us buy a higher quota.",
            "429 Too Many Requests again at month end...",
        ],
        french: &[
            "Nous atteignons régulièrement la limite de requêtes de l'API (erreur 429) pendant nos traitements de nuit.",
            "Pourriez-vous relever les quotas de l'API ou les rendre configurables ?",
            "Limite API trop basse en fin de mois, ça bloque nos rapprochements.",
        ],
        italian: &[
            "Raggiungiamo spesso il limite di chiamate dell'API (errore 429) durante i batch notturni.",
            "Potete aumentare i limiti di richieste dell'API o renderli configurabili?",
            "Il rate limit delle API è troppo basso a fine mese.",
        ],
        estonian: &[
            "Jõuame öiste pakktööde ajal pidevalt API päringute limiidini (viga 429).",
            "Kas API päringulimiite saaks tõsta või seadistatavaks teha?",
            "API limiit on kuu lõpus liiga madal.",
        ],
    },
    // bulk_csv_import
    Phrasings {
        english: &[
            "We need to import 50,000 accounts at once from a CSV file instead of one by one.",
            "Bulk upload via CSV/Excel would save our onboarding team days of work.",
            "Is there a bulk import? Adding customers manually doesn't scale.",
        ],
        french: &[
            "Nous devons importer 50 000 comptes d'un coup depuis un fichier CSV, pas un par un.",
            "Un import en masse par CSV ou Excel ferait gagner des jours à notre équipe.",
            "Y a-t-il un import groupé ? La saisie manuelle ne tient pas la route.",
        ],
        italian: &[
            "Dobbiamo importare 50.000 conti in una volta da un file CSV, non uno alla volta.",
            "Un caricamento massivo da CSV o Excel farebbe risparmiare giorni al nostro team.",
            "C'è un import massivo? Inserire i clienti a mano non è sostenibile.",
        ],
        estonian: &[
            "Peame importima 50 000 kontot korraga CSV-failist, mitte ükshaaval.",
            "CSV- või Exceli-failist hulgiimport säästaks meie meeskonnal päevi.",
            "Kas on olemas masslaadimine? Klientide käsitsi lisamine ei ole jätkusuutlik.",
        ],
    },
    // custom_risk_rules
    Phrasings {
        english: &[
            "We want to write our own risk rules, e.g. block logins from new devices above a transfer amount.",
            "Custom scoring rules per product line please; the default rules flag too many of our wire transfers.",
            "Let our fraud analysts edit rule thresholds without a support ticket.",
        ],
        french: &[
            "Nous voulons définir nos propres règles de risque, par exemple bloquer un virement important depuis un nouvel appareil.",
            "Des règles de détection de fraude personnalisables par ligne de produits, svp.",
            "Nos analystes fraude doivent pouvoir modifier les seuils des règles eux-mêmes.",
        ],
        italian: &[
            "Vorremmo definire regole di rischio personalizzate, ad esempio bloccare bonifici elevati da un nuovo dispositivo.",
            "Servono regole antifrode configurabili per linea di prodotto.",
            "I nostri analisti antifrode devono poter modificare le soglie delle regole da soli.",
        ],
        estonian: &[
            "Soovime luua oma riskireegleid, näiteks blokeerida suure ülekande uuelt seadmelt.",
            "Palun võimaldage pettusetuvastuse reegleid tooteliinide kaupa kohandada.",
            "Meie pettuseanalüütikud peavad saama reeglite lävendeid ise muuta.",
        ],
    },
    // mobile_sdk
    Phrasings {
        english: &[
            "Do you have an iOS and Android SDK? We want the checks inside our mobile banking app.",
            "A mobile SDK would let us do device fingerprinting in our app.",
            "Need a React Native / Flutter SDK.",
        ],
        french: &[
            "Avez-vous un SDK iOS et Android ? Nous voulons intégrer les contrôles dans notre appli mobile.",
            "Un SDK mobile nous permettrait de faire l'empreinte de l'appareil directement dans l'application.",
            "Il nous faudrait un SDK pour Flutter.",
        ],
        italian: &[
            "Avete un SDK per iOS e Android? Vogliamo integrare i controlli nella nostra app.",
            "Un SDK mobile ci permetterebbe di riconoscere il dispositivo direttamente nell'app.",
            "Serve un SDK per React Native.",
        ],
        estonian: &[
            "Kas teil on iOS-i ja Androidi SDK? Tahame kontrollid oma mobiilipanga rakendusse lisada.",
            "Mobiilne SDK võimaldaks meil seadme tuvastust otse rakenduses teha.",
            "Vajame Flutteri SDK-d.",
        ],
    },
    // eu_data_residency
    Phrasings {
        english: &[
            "All our customer data must stay in the EU. Do you offer hosting in Frankfurt or Dublin?",
            "GDPR: we need EU data residency, no transfer to US servers.",
            "Is there an EU region? Legal will not sign otherwise.",
        ],
        french: &[
            "Toutes nos données clients doivent rester dans l'Union européenne. Proposez-vous un hébergement en Europe ?",
            "RGPD : il nous faut un hébergement des données dans l'UE, sans transfert vers les États-Unis.",
            "Avez-vous une région européenne ? Sinon notre service juridique ne signera pas.",
        ],
        italian: &[
            "Tutti i dati dei clienti devono restare nell'Unione europea. Offrite un hosting in Europa?",
            "Per il GDPR ci serve la residenza dei dati nell'UE, niente trasferimenti verso server americani.",
            "Avete una region europea? Altrimenti l'ufficio legale non firma.",
        ],
        estonian: &[
            "Kõik meie klientide andmed peavad jääma Euroopa Liitu. Kas pakute majutust Euroopas?",
            "Isikuandmete kaitse üldmääruse tõttu peavad andmed asuma EL-is, USA serveritesse edastada ei tohi.",
            "Kas teil on Euroopa regioon? Muidu meie juristid lepingut ei allkirjasta.",
        ],
    },
    // webhooks
    Phrasings {
        english: &[
            "Please send a webhook when a transaction is flagged so our case tool can open a ticket.",
            "Webhooks for alerts instead of polling the API every minute.",
            "Real-time notifications (webhook or Kafka) on high-risk events?",
        ],
        french: &[
            "Merci d'envoyer un webhook quand une opération est signalée, pour ouvrir un ticket automatiquement.",
            "Des notifications par webhook plutôt que d'interroger l'API toutes les minutes.",
            "Notifications en temps réel sur les événements à risque ?",
        ],
        italian: &[
            "Inviateci un webhook quando una transazione viene segnalata, così apriamo un ticket in automatico.",
            "Notifiche via webhook invece di interrogare l'API ogni minuto.",
            "Notifiche in tempo reale sugli eventi ad alto rischio?",
        ],
        estonian: &[
            "Palun saatke veebikonks (webhook), kui tehing märgitakse kahtlaseks, et meie süsteem saaks pileti avada.",
            "Teavitused webhookide kaudu, et ei peaks API-t iga minut pärima.",
            "Kas kõrge riskiga sündmustest saab reaalajas teavitusi?",
        ],
    },
    // crm_integration
    Phrasings {
        english: &[
            "Integration with Salesforce so our relationship managers see risk alerts on the account page.",
            "Can you sync cases to Salesforce Service Cloud?",
            "A Dynamics 365 / Salesforce connector would be great.",
        ],
        french: &[
            "Une intégration avec Salesforce pour que nos chargés de clientèle voient les alertes sur la fiche client.",
            "Pouvez-vous synchroniser les dossiers avec Salesforce ?",
            "Un connecteur CRM (Salesforce ou Dynamics) serait top.",
        ],
        italian: &[
            "Un'integrazione con Salesforce per mostrare gli alert ai gestori sulla scheda cliente.",
            "Potete sincronizzare i casi con Salesforce?",
            "Un connettore per il CRM (Salesforce o Dynamics) sarebbe utilissimo.",
        ],
        estonian: &[
            "Liidestus Salesforce'iga, et kliendihaldurid näeksid riskihoiatusi kliendikaardil.",
            "Kas juhtumeid saab Salesforce'iga sünkroniseerida?",
            "CRM-i (Salesforce või Dynamics) konnektor oleks väga kasulik.",
        ],
    },
    // core_banking_integration
    Phrasings {
        english: &[
            "A ready-made connector for our Fiserv core would cut the integration project from months to weeks.",
            "Do you integrate with Oracle FLEXCUBE out of the box?",
            "We run Temenos; is there a standard core-banking adapter?",
        ],
        french: &[
            "Un connecteur natif pour notre système bancaire central (Temenos) nous ferait gagner des mois.",
            "Est-ce que vous vous intégrez avec Oracle FLEXCUBE sans développement spécifique ?",
            "Intégration au core banking ?",
        ],
        italian: &[
            "Un connettore pronto per il nostro sistema di core banking (Temenos) ci farebbe risparmiare mesi.",
            "Vi integrate con Oracle FLEXCUBE senza sviluppi ad hoc?",
            "Integrazione con il core banking?",
        ],
        estonian: &[
            "Valmis liides meie pangatarkvaraga (Temenos) lühendaks projekti kuudelt nädalatele.",
            "Kas toetate Oracle FLEXCUBE'i liidestust ilma eraldi arenduseta?",
            "Kas põhipangasüsteemiga liidestus on olemas?",
        ],
    },
    // localized_dashboard
    Phrasings {
        english: &[
            "Our branch staff need the dashboard in their own language, not only in English.",
            "Please translate the dashboard; not all our analysts read English well.",
            "Localised UI (dates and number formats too) would help adoption.",
        ],
        french: &[
            "Le tableau de bord n'existe qu'en anglais, nos équipes ont besoin d'une version française.",
            "Merci de traduire l'interface en français, y compris les formats de date.",
            "Interface en français svp !!",
        ],
        italian: &[
            "La dashboard è solo in inglese, ai nostri operatori serve la versione italiana.",
            "Potete tradurre l'interfaccia in italiano, compresi i formati delle date?",
            "Interfaccia in italiano per favore",
        ],
        estonian: &[
            "Töölaud on ainult inglise keeles, meie töötajad vajavad eestikeelset versiooni.",
            "Palun tõlkige kasutajaliides eesti keelde, ka kuupäevavormingud.",
            "Eestikeelne töölaud oleks suur abi.",
        ],
    },
    // faster_support
    Phrasings {
        english: &[
            "Support takes 3 days to answer; we need a response within hours for P1 incidents.",
            "Please offer 24/7 phone support, fraud doesn't stop at 5 pm.",
            "Faster support please. Still waiting on ticket #4821.",
        ],
        french: &[
            "Le support met trois jours à répondre ; pour un incident critique il nous faut une réponse dans l'heure.",
            "Un support 24h/24 serait nécessaire, la fraude ne s'arrête pas à 18h.",
            "Support trop lent, toujours pas de réponse à notre ticket.",
        ],
        italian: &[
            "L'assistenza risponde dopo tre giorni; per un incidente critico serve una risposta entro un'ora.",
            "Servirebbe un supporto 24 ore su 24, le frodi non si fermano alle 18.",
            "Supporto troppo lento, il nostro ticket è ancora aperto.",
        ],
        estonian: &[
            "Klienditugi vastab kolme päeva pärast, kriitilise intsidendi korral vajame vastust tunni jooksul.",
            "Vajame ööpäevaringset tuge, pettused ei lõpe kell viis.",
            "Tugi on liiga aeglane, meie pöördumisele pole siiani vastatud.",
        ],
    },
    // role_based_access
    Phrasings {
        english: &[
            "We need finer roles: read-only auditors, analysts who can't change rules, admins.",
            "Role-based permissions per branch, please.",
            "Can we restrict who can approve a rule change (four-eyes principle)?",
        ],
        french: &[
            "Il nous faut des rôles plus fins : auditeurs en lecture seule, analystes sans droit de modifier les règles.",
            "Des droits d'accès par agence, s'il vous plaît.",
            "Peut-on imposer une validation à quatre yeux pour les changements de règles ?",
        ],
        italian: &[
            "Servono ruoli più granulari: revisori in sola lettura, analisti senza permesso di modificare le regole.",
            "Permessi per ruolo e per filiale, per favore.",
            "Si può imporre il principio dei quattro occhi per approvare le modifiche?",
        ],
        estonian: &[
            "Vajame täpsemaid rolle: ainult lugemisõigusega audiitorid, analüütikud, kes ei saa reegleid muuta.",
            "Palun lisage rollipõhised õigused kontorite kaupa.",
            "Kas reeglite muutmisele saab kehtestada nelja silma põhimõtte?",
        ],
    },
    // scheduled_reports
    Phrasings {
        english: &[
            "A weekly PDF report e-mailed to the board's risk committee would be great.",
            "Scheduled reports please, our managers don't log in.",
            "Monthly fraud summary by email?",
        ],
        french: &[
            "Un rapport PDF hebdomadaire envoyé par e-mail au comité des risques serait très utile.",
            "Des rapports programmés svp, nos directeurs ne se connectent jamais.",
            "Synthèse mensuelle de la fraude par mail ?",
        ],
        italian: &[
            "Un report PDF settimanale inviato via e-mail al comitato rischi sarebbe molto utile.",
            "Report programmati, per favore: i nostri dirigenti non accedono alla piattaforma.",
            "Riepilogo mensile delle frodi via email?",
        ],
        estonian: &[
            "Iganädalane PDF-aruanne riskikomiteele e-postiga oleks väga kasulik.",
            "Palun lisage ajastatud aruanded, meie juhid ei logi süsteemi sisse.",
            "Kas igakuise pettuste kokkuvõtte saab e-postiga?",
        ],
    },
    // volume_discount
    Phrasings {
        english: &[
            "Any discount if we renew for two years? The SAVE20 code expired.",
            "Your price is higher than the competitor's; can you match it?",
            "Do you have a promo code for the next renewal?",
        ],
        french: &[
            "Une remise est-elle possible si nous renouvelons pour deux ans ?",
            "Votre tarif est plus élevé que celui de la concurrence, pouvez-vous faire un geste ?",
            "Auriez-vous un code promo pour le prochain renouvellement ?",
        ],
        italian: &[
            "È previsto uno sconto se rinnoviamo per due anni?",
            "Il vostro prezzo è più alto di quello della concorrenza, potete venirci incontro?",
            "Avete un codice sconto per il prossimo rinnovo?",
        ],
        estonian: &[
            "Kas kaheaastase pikenduse korral saab allahindlust?",
            "Teie hind on konkurendi omast kõrgem, kas saate vastu tulla?",
            "Kas järgmiseks pikenduseks on sooduskood?",
        ],
    },
    // mainframe_batch_integration: only the top bank asks, in English.
    Phrasings {
        english: &[
            "We need the risk scores delivered as fixed-width EBCDIC files to our in-house mainframe batch (the nightly COBOL job LEDGR-07).",
            "Our mainframe batch window runs 01:00-04:00 ET; the integration must pick up the LEDGR-07 extract and return flags before the posting run.",
            "Please support our proprietary mainframe batch format (copybook attached) for the nightly reconciliation.",
            "Follow-up on the mainframe batch integration: the copybook changed, field ACCT-RISK-CD is now PIC X(4).",
        ],
        french: &[],
        italian: &[],
        estonian: &[],
    },
];

/// Greetings that may open a request.
pub(crate) fn greetings(language: Language) -> &'static [&'static str] {
    match language {
        Language::English => &["Hi team,", "Hello,", "Hi,", "Dear support team,"],
        Language::French => &["Bonjour,", "Bonjour à toute l'équipe,", "Bonjour à tous,"],
        Language::Italian => &["Buongiorno,", "Ciao a tutti,", "Salve,"],
        Language::Estonian => &["Tere!", "Tere,", "Lugupeetud klienditugi!"],
    }
}

/// Closings that may end a request.
pub(crate) fn closings(language: Language) -> &'static [&'static str] {
    match language {
        Language::English => &["Thanks!", "Thanks in advance.", "Best regards", "Cheers"],
        Language::French => &["Merci d'avance.", "Cordialement.", "Bonne journée"],
        Language::Italian => &["Grazie mille.", "Cordiali saluti.", "Grazie in anticipo!"],
        Language::Estonian => &["Aitäh!", "Tänan ette!", "Parimate soovidega"],
    }
}

/// Context sentences that may follow the need, whatever it is.
pub(crate) fn context_sentences(language: Language) -> &'static [&'static str] {
    match language {
        Language::English => &[
            "This is a blocker for our renewal.",
            "Happy to jump on a call to explain.",
            "Several of our teams asked for this.",
            "Our competitor's tool already does it.",
        ],
        Language::French => &[
            "C'est bloquant pour notre renouvellement.",
            "Disponibles pour en discuter par téléphone.",
            "Plusieurs équipes nous l'ont demandé.",
        ],
        Language::Italian => &[
            "È un requisito bloccante per il rinnovo.",
            "Siamo disponibili per una call.",
            "Diversi team ce l'hanno chiesto.",
        ],
        Language::Estonian => &[
            "See on meie jaoks lepingu pikendamise eeltingimus.",
            "Võime meelsasti telefonis täpsemalt selgitada.",
            "Mitu meie meeskonda on seda küsinud.",
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_need_has_phrasings_in_every_language_but_the_tailor_made_one() {
        assert_eq!(NEEDS.len(), PHRASINGS.len());
        for (need, phrasings) in NEEDS.iter().zip(PHRASINGS) {
            assert!(phrasings.english.len() >= 3, "{}", need.id);
            if need.kind != NeedKind::TailorMade {
                for language in [Language::French, Language::Italian, Language::Estonian] {
                    assert!(
                        phrasings.of(language).len() >= 3,
                        "{} {:?}",
                        need.id,
                        language
                    );
                }
            }
        }
        assert_eq!(NEEDS[SSO].id, BROADLY_SELLABLE_NEED_ID);
        assert_eq!(NEEDS[MAINFRAME_BATCH].id, TAILOR_MADE_NEED_ID);
    }
}
