//! Collaborations, reach, demand and partners end to end, on the demo data set (whose requests
//! carry their true need in `requests_truth.csv`) and on small hand-written files.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::{bellwether, snapshot_files, stderr, stdout};

/// Writes and imports the demo (3,000 customers) into `dir`; returns the database and demo folder.
fn demo(dir: &Path) -> (PathBuf, PathBuf) {
    let db = dir.join("demo.db");
    let demo_dir = dir.join("demo");
    let output = bellwether(
        &db,
        &["demo", "--dir", demo_dir.to_str().unwrap(), "--top", "1"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    (db, demo_dir)
}

/// The customers (other than `partner`) whose requests have the true need `need`.
fn true_askers(demo_dir: &Path, need: &str, partner: &str) -> HashSet<String> {
    let mut need_of: HashMap<String, String> = HashMap::new();
    let mut truth = csv::Reader::from_path(demo_dir.join("requests_truth.csv")).unwrap();
    for record in truth.records() {
        let record = record.unwrap();
        need_of.insert(record[0].to_string(), record[1].to_string());
    }
    let mut requests = csv::Reader::from_path(demo_dir.join("requests.csv")).unwrap();
    let headers = requests.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|header| header == name).unwrap();
    let (id, customer) = (column("request_id"), column("customer_id"));
    requests
        .records()
        .map(|record| record.unwrap())
        .filter(|record| need_of[&record[id]] == need && &record[customer] != partner)
        .map(|record| record[customer].to_string())
        .collect()
}

fn json(output: &std::process::Output) -> serde_json::Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_str(&stdout(output)).unwrap()
}

#[test]
fn demo_reach_finds_sso_broadly_sellable_and_the_mainframe_tailor_made() {
    let dir = tempfile::tempdir().unwrap();
    let (db, demo_dir) = demo(dir.path());
    let reach = json(&bellwether(&db, &["reach", "COL1", "--format", "json"]));
    assert_eq!(reach["partners"], serde_json::json!(["C0001"]));
    let requirements = reach["requirements"].as_array().unwrap();
    let by_label = |index: usize| requirements[index]["label"].as_str().unwrap().to_string();

    // Requirement 1 is the mainframe batch integration: nobody else asks for it.
    assert!(true_askers(&demo_dir, "mainframe_batch_integration", "C0001").is_empty());
    assert_eq!(requirements[0]["n_customers"], 0);
    assert_eq!(by_label(0), "tailor-made");

    // Requirement 2 is single sign-on: the reached customers are the true askers, in any language.
    let truth = true_askers(&demo_dir, "sso", "C0001");
    let reached: HashSet<String> = requirements[1]["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_string())
        .collect();
    let found = reached.intersection(&truth).count() as f64;
    let (precision, recall) = (found / reached.len() as f64, found / truth.len() as f64);
    assert!(
        precision >= 0.95 && recall >= 0.95,
        "precision {precision:.3}, recall {recall:.3} of {} true askers",
        truth.len()
    );
    assert!(
        !reached.contains("C0001"),
        "the partner is not its own reach"
    );
    assert_eq!(by_label(1), "broadly sellable");
    let index = reach["generality_index"].as_f64().unwrap();
    assert!(index > 0.0 && index < 1.0, "{index}");

    // The French collaboration's SSO requirement reaches the same customers as the English one,
    // less its own partner and plus the top bank.
    let reach_fr = json(&bellwether(&db, &["reach", "COL2", "--format", "json"]));
    assert_eq!(reach_fr["requirements"][0]["label"], "broadly sellable");
    let truth_fr = true_askers(&demo_dir, "sso", "C0003");
    let reached_fr = reach_fr["requirements"][0]["n_customers"].as_u64().unwrap() as f64;
    assert!((reached_fr - truth_fr.len() as f64).abs() <= 0.05 * truth_fr.len() as f64);

    // The table a product team reads.
    insta::assert_snapshot!(
        "reach_col1_table",
        stdout(&bellwether(&db, &["reach", "COL1"]))
    );

    // Demand ranks single sign-on first, asked in all four languages.
    let demand = json(&bellwether(&db, &["demand", "--format", "json"]));
    assert_eq!(demand[0]["need"], "Single sign-on");
    assert_eq!(demand[0]["languages"], "en et fr it");
    let csv = stdout(&bellwether(
        &db,
        &["demand", "--format", "csv", "--top", "2"],
    ));
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("rank,need,concepts,n_requests,n_customers,audience_share"));
}

#[test]
fn a_higher_threshold_makes_sso_tailor_made_too() {
    let dir = tempfile::tempdir().unwrap();
    let (db, demo_dir) = demo(dir.path());
    let config = fs_err::read_to_string(demo_dir.join("bellwether.toml")).unwrap();
    let strict = dir.path().join("strict.toml");
    fs_err::write(
        &strict,
        format!("{config}\n[collaboration]\nbroadly_sellable_share = 0.9\n"),
    )
    .unwrap();
    let reach = json(&bellwether(
        &db,
        &[
            "reach",
            "COL1",
            "--format",
            "json",
            "--config",
            strict.to_str().unwrap(),
        ],
    ));
    let labels: Vec<&str> = reach["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|requirement| requirement["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["tailor-made"; 4]);
    assert_eq!(reach["generality_index"], 0.0);
}

#[test]
fn collaborations_added_by_hand_survive_reimports_and_are_exported() {
    let dir = tempfile::tempdir().unwrap();
    let (db, demo_dir) = demo(dir.path());
    let add = bellwether(
        &db,
        &[
            "collab",
            "add",
            "COL3",
            "--customer",
            "C0002",
            "--customer",
            "C0005",
            "--name",
            "Residency pilot",
            "--started",
            "2024-01-15",
            "--requirement",
            "Kõik andmed peavad jääma Euroopa Liitu.",
            "--language",
            "et",
        ],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let more = bellwether(
        &db,
        &["collab", "add", "COL3", "--requirement", "Audit log export"],
    );
    assert!(more.status.success(), "{}", stderr(&more));
    let unknown = bellwether(&db, &["collab", "add", "COL4", "--customer", "NOPE"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("customer `NOPE` is not in the store"),
        "{}",
        stderr(&unknown)
    );

    // Importing the demo folder again replaces COL1 and COL2 and keeps COL3.
    let again = bellwether(&db, &["import", demo_dir.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    let list = stdout(&bellwether(&db, &["collab", "list"]));
    assert_eq!(
        list,
        "collaboration  name                                 started     partners     requirements\n\
         COL1           Fraud rules co-design                2022-06-30  C0001                   4\n\
         COL2           Projet pilote d'accueil des membres  2023-02-05  C0003                   4\n\
         COL3           Residency pilot                      2024-01-15  C0002 C0005             2\n"
    );
    let show = stdout(&bellwether(&db, &["collab", "show", "COL3"]));
    assert_eq!(
        show,
        "COL3  Residency pilot\nstarted 2024-01-15\npartners: C0002, C0005\nrequirements:\n  \
         1. [et] Kõik andmed peavad jääma Euroopa Liitu.\n  2. [?] Audit log export\n"
    );

    // The export is the import format: importing it into the demo's customers gives the same list.
    let export_dir = dir.path().join("export");
    let export = bellwether(&db, &["collab", "export", export_dir.to_str().unwrap()]);
    assert!(export.status.success(), "{}", stderr(&export));
    let exported = fs_err::read_to_string(export_dir.join("collaborations.csv")).unwrap();
    assert!(
        exported.contains("COL3,C0005,Residency pilot,2024-01-15"),
        "{exported}"
    );
    let db2 = dir.path().join("second.db");
    fs_err::copy(
        demo_dir.join("customers.csv"),
        export_dir.join("customers.csv"),
    )
    .unwrap();
    let reimport = bellwether(&db2, &["import", export_dir.to_str().unwrap()]);
    assert!(reimport.status.success(), "{}", stderr(&reimport));
    assert_eq!(stdout(&bellwether(&db2, &["collab", "list"])), list);
    let json_show = json(&bellwether(
        &db2,
        &["collab", "show", "COL3", "--format", "json"],
    ));
    assert_eq!(json_show["requirements"][0]["language"], "et");
}

#[test]
fn bad_collaboration_files_are_refused_whole_with_their_places() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bellwether.db");
    let small = super::data("small");
    let first = bellwether(&db, &["import", small.to_str().unwrap()]);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot_files(&db);

    let bad = dir.path().join("bad");
    fs_err::create_dir_all(&bad).unwrap();
    fs_err::write(
        bad.join("collaborations.csv"),
        "collaboration_id,customer_id,name,started\nK1,B1,Pilot,2024-01-10\nK1,ZZ,Pilot,2024-01-10\nK2,B2,Other,31/02/2024\n",
    )
    .unwrap();
    fs_err::write(
        bad.join("requirements.csv"),
        "collaboration_id,text,language\nK1,Single sign-on,en\nK9,Webhooks,en\nK1,,\n",
    )
    .unwrap();
    let output = bellwether(&db, &["import", bad.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    for expected in [
        "error: collaborations.csv:3:2: unknown customer_id \"ZZ\" (not in the customers file)",
        "error: collaborations.csv:4:4: cannot parse started \"31/02/2024\"",
        "error: requirements.csv:3:1: unknown collaboration_id \"K9\" (not in the collaborations file)",
        "error: requirements.csv:4:2: text is empty",
        "error: nothing was imported",
    ] {
        assert!(errors.contains(expected), "missing {expected:?} in\n{errors}");
    }
    assert_eq!(
        snapshot_files(&db),
        before,
        "the store is byte-for-byte unchanged"
    );
}

#[test]
fn partners_form_a_set_that_covers_segments() {
    let dir = tempfile::tempdir().unwrap();
    let (db, _) = demo(dir.path());
    insta::assert_snapshot!(
        "partners_demo_table",
        stdout(&bellwether(&db, &["partners", "--k", "4"]))
    );
    let selection = json(&bellwether(
        &db,
        &["partners", "--k", "4", "--format", "json"],
    ));
    let partners = selection["partners"].as_array().unwrap();
    assert_eq!(partners.len(), 4);
    let segments: HashSet<&str> = partners
        .iter()
        .map(|partner| partner["segment"].as_str().unwrap())
        .collect();
    assert_eq!(
        segments.len(),
        4,
        "four partners, four segments: {segments:?}"
    );
    assert_eq!(partners[0]["customer_id"], "C0001");
    let uncovered = selection["uncovered"].as_array().unwrap();
    assert_eq!(
        uncovered.len() + 4,
        selection["audience_segments"].as_u64().unwrap() as usize
    );

    let signed = json(&bellwether(
        &db,
        &[
            "partners",
            "--k",
            "3",
            "--include",
            "C0003",
            "--exclude",
            "C0001",
            "--format",
            "json",
        ],
    ));
    let ids: Vec<&str> = signed["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|partner| partner["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], "C0003");
    assert_eq!(signed["partners"][0]["included"], true);
    assert!(!ids.contains(&"C0001"));

    let unknown = bellwether(&db, &["partners", "--include", "NOPE"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("unknown customer_id NOPE"));
}

#[test]
fn a_user_glossary_teaches_the_matcher_a_new_need_in_four_languages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bellwether.db");
    let folder = dir.path().join("export");
    fs_err::create_dir_all(&folder).unwrap();
    let small = super::data("small");
    fs_err::copy(small.join("customers.csv"), folder.join("customers.csv")).unwrap();
    let config = fs_err::read_to_string(small.join("bellwether.toml")).unwrap();
    fs_err::write(
        folder.join("bellwether.toml"),
        format!("{config}[collaboration]\nglossary = \"dark.toml\"\n"),
    )
    .unwrap();
    fs_err::write(
        folder.join("dark.toml"),
        "[[concept]]\nid = \"dark_mode\"\nlabel = \"Dark mode\"\nweight = 2.0\n\
         en = [\"dark mode\", \"dark theme\"]\nfr = [\"mode sombre\", \"thème sombre\"]\n\
         it = [\"tema scuro\", \"modalità scura\"]\net = [\"tume režiim\", \"tume teema\"]\n",
    )
    .unwrap();
    fs_err::write(
        folder.join("requests.csv"),
        "request_id,customer_id,date,text,language\n\
         R1,B2,2024-01-02,Could you add a dark theme? Night shift analysts get headaches.,en\n\
         R2,B3,2024-01-03,\"Bonjour, un mode sombre pour l'équipe de nuit svp\",fr\n\
         R3,B4,2024-01-04,Sarebbe utile una modalità scura per il turno di notte,it\n\
         R4,B5,2024-01-05,Palun lisage tume režiim öövahetuse jaoks,\n\
         R5,B6,2024-01-06,We need single sign-on,en\n",
    )
    .unwrap();
    fs_err::write(
        folder.join("collaborations.csv"),
        "collaboration_id,customer_id,name,started\nD1,B1,Night shift,2024-02-01\n",
    )
    .unwrap();
    fs_err::write(
        folder.join("requirements.csv"),
        "collaboration_id,text,language\nD1,Dark mode for every analyst screen,en\n",
    )
    .unwrap();
    let import = bellwether(&db, &["import", folder.to_str().unwrap()]);
    assert!(import.status.success(), "{}", stderr(&import));

    let reach = json(&bellwether(&db, &["reach", "D1", "--format", "json"]));
    assert_eq!(
        reach["requirements"][0]["customers"],
        serde_json::json!(["B2", "B3", "B4", "B5"])
    );
    // With only the shipped glossary (an empty user glossary), the need is not recognised.
    let empty = dir.path().join("empty.toml");
    fs_err::write(&empty, "").unwrap();
    let shipped_only = json(&bellwether(
        &db,
        &[
            "reach",
            "D1",
            "--format",
            "json",
            "--glossary",
            empty.to_str().unwrap(),
        ],
    ));
    assert_eq!(shipped_only["requirements"][0]["n_customers"], 0);

    // A broken user glossary stops the import with the file named.
    fs_err::write(folder.join("dark.toml"), "[[concept]]\nid = 3\n").unwrap();
    let broken = bellwether(&db, &["import", folder.to_str().unwrap()]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains("error: bellwether.toml: invalid glossary: dark.toml:"),
        "{}",
        stderr(&broken)
    );
}
