//! Search on every vendor that has one: Unicode case folding without accent folding, every
//! character literal, any length; the indexed path answering exactly what the plain path
//! answers; and writes seen by the very next read.

mod common;

use common::{TestApp, options, seed_source, serve_state, spawn_app_with, temp_dir};
use reqwest::Method;
use serde_json::{Value, json};
use understudy::AppState;

const AGENTCLARA: (&str, &str) = ("Authorization", "Bearer sk_search_agentclara");
const THOUGHTLY_TOKEN: (&str, &str) = ("x-api-token", "th_search_token");
const THOUGHTLY_TEAM: (&str, &str) = ("team_id", "team_search");
const AUTOKONNECT: (&str, &str) = ("Authorization", "Bearer ak_search_autokonnect");

/// Enough generated contacts that common one- and two-character terms match more records than
/// the index lists (so both of its paths are taken), plus contacts whose names and emails
/// carry the characters that matter.
const GENERATED: u32 = 2_600;

/// Names with letters that fold by Unicode, and the characters a `LIKE` pattern would treat
/// as wildcards.
const NAMES: &[(&str, &str)] = &[
    ("Álvaro Núñez", "alvaro@example.com"),
    ("ÁLVARO NÚÑEZ", "ALVARO2@EXAMPLE.COM"),
    ("Alvaro Nunez", "plain@example.com"),
    ("Öztürk Çağrı", "ozturk@example.com"),
    ("ÇAĞRI ÖZTÜRK", "cagri@example.com"),
    ("Ñandú Straße", "nandu@example.com"),
    ("Fifty 50% Off", "percent%sign@example.com"),
    ("Under_Score", "under_score@example.com"),
    ("Back\\Slash", "back\\slash@example.com"),
    ("İstanbul Iğdır", "istanbul@example.com"),
    (
        "Long Address",
        "a.very.long.mailbox.name.for.testing.the.longest.phrase.of.the.index@example.com",
    ),
];

/// Terms of one, two, three and more characters (past what the index looks up, too); ASCII,
/// Unicode, wildcards, a backslash, and the quote and operators of the full-text query
/// language.
const TERMS: &[&str] = &[
    "a",
    "E",
    "z",
    "7",
    "á",
    "Ñ",
    "ı",
    "%",
    "_",
    "\\",
    "an",
    "AN",
    "zz",
    "çağ",
    "ÇAĞ",
    "ál",
    "ÁL",
    "üR",
    "50",
    "%s",
    "_s",
    "\\s",
    "ss",
    "son",
    "mar",
    "álvaro",
    "ÁLVARO",
    "alvaro",
    "ÖZTÜRK",
    "öztürk",
    "çağrı",
    "ÇAĞRI",
    "ñandú",
    "ÑANDÚ",
    "strasse",
    "istanbul",
    "ığdır",
    "50% off",
    "under_score",
    "back\\slash",
    "example.com",
    "gmail",
    ".com",
    "nobody-at-all",
    "\"",
    "a\"b",
    "a OR b",
    "ab*",
    // Longer than the index looks up: the whole address, and its first 64 characters with
    // one that does not follow them.
    "A.VERY.LONG.MAILBOX.NAME.FOR.TESTING.THE.LONGEST.PHRASE.OF.THE.INDEX@EXAMPLE.COM",
    "a.very.long.mailbox.name.for.testing.the.longest.phrase.of.the.ix",
];

fn seed() -> Value {
    let agentclara: Vec<Value> = NAMES
        .iter()
        .map(|(name, email)| json!({"name": name, "email": email}))
        .collect();
    let thoughtly: Vec<Value> = NAMES
        .iter()
        .enumerate()
        .map(|(i, (name, email))| {
            json!({"name": name, "email": email, "phone_number": format!("+1555000{i:04}"),
                   "tags": ["lead"], "attributes": {"city": name, "score": i, "vip": i % 2 == 0}})
        })
        .collect();
    let autokonnect: Vec<Value> = NAMES
        .iter()
        .map(|(name, email)| {
            let (first, last) = name.split_once(' ').unwrap_or((name, ""));
            json!({"first_name": first, "last_name": last, "email": email,
                   "tags": [{"name": format!("Tag {first}")}]})
        })
        .collect();
    json!({
        "generate": {"seed": 7, "contacts_per_tenant": 0},
        "agentclara": {"accounts": [
            {"api_key": "sk_search_agentclara", "generate": GENERATED, "contacts": agentclara},
            {"api_key": "sk_search_other", "generate": 50, "contacts": [{"name": "Álvaro Other"}]}
        ]},
        "thoughtly": {"teams": [
            {"team_id": "team_search", "api_token": "th_search_token", "generate": GENERATED,
             "contacts": thoughtly}
        ]},
        "autokonnect": {"companies": [
            {"api_key": "ak_search_autokonnect", "generate": GENERATED,
             "tags": [{"name": "Ünïcode Tag"}, {"name": "100%_Tag\\"}], "contacts": autokonnect}
        ]}
    })
}

/// Every search request the comparison asks, for each term: each endpoint, with pages, sorts
/// and the other filters a search combines with.
fn requests(term: &str) -> Vec<(&'static [(&'static str, &'static str)], String)> {
    let q = urlencode(term);
    let agentclara: &'static [(&str, &str)] = &[AGENTCLARA];
    let thoughtly: &'static [(&str, &str)] = &[THOUGHTLY_TOKEN, THOUGHTLY_TEAM];
    let autokonnect: &'static [(&str, &str)] = &[AUTOKONNECT];
    vec![
        (
            agentclara,
            format!("/agentclara/contacts?search={q}&limit=100"),
        ),
        (
            agentclara,
            format!("/agentclara/contacts?search={q}&sort=name&offset=7"),
        ),
        (
            agentclara,
            format!("/agentclara/contacts?search={q}&sort=updated&tag=vip"),
        ),
        (
            agentclara,
            format!("/agentclara/contacts/search?q={q}&limit=100"),
        ),
        (thoughtly, format!("/thoughtly/contact?search={q}&limit=50")),
        (
            thoughtly,
            format!("/thoughtly/contact?search={q}&sort=name&sortDirection=asc&page=2"),
        ),
        (
            thoughtly,
            format!("/thoughtly/contact?search={q}&tags=lead&phone_numbers_only=true"),
        ),
        (
            thoughtly,
            format!("/thoughtly/contact?search={q}&excluded_tags=vip&sort=email"),
        ),
        (
            thoughtly,
            format!("/thoughtly/contact?search={q}&phone_numbers_only=true&page=1"),
        ),
        (
            autokonnect,
            format!("/autokonnect/api/v1/contacts?search={q}&limit=100"),
        ),
        (
            autokonnect,
            format!("/autokonnect/api/v1/contacts?search={q}&page=3&limit=25"),
        ),
        (
            autokonnect,
            format!("/autokonnect/api/v1/contacts/tags?search={q}"),
        ),
    ]
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The same seeded data served twice: with its search index, and (a copy of the database
/// file whose index is marked not built) without it, so every search takes the plain path.
/// `name` names the test's own directory.
async fn indexed_and_plain(name: &str) -> (TestApp, TestApp) {
    let dir = temp_dir(name);
    let indexed_db = dir.join("indexed.sqlite");
    let plain_db = dir.join("plain.sqlite");
    let with_db = |db: &std::path::Path| {
        let mut options = options(vec![seed_source(seed())]);
        options.db = Some(db.to_owned());
        options
    };
    let state = AppState::build(with_db(&indexed_db)).expect("state builds");
    state.checkpoint().expect("checkpoint");
    std::fs::copy(&indexed_db, &plain_db).expect("copy the database");
    let plain = rusqlite::Connection::open(&plain_db).expect("open the copy");
    let forgotten = plain
        .execute("DELETE FROM understudy_meta WHERE key LIKE 'search:%'", [])
        .expect("forget the index");
    assert_eq!(forgotten, 3, "one index per searchable set");
    drop(plain);
    let indexed = serve_state(state).await;
    let plain = spawn_app_with(with_db(&plain_db)).await;
    (indexed, plain)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_indexed_search_answers_exactly_what_the_plain_search_answers() {
    let (indexed, plain) = indexed_and_plain("search-paths").await;
    let mut found_any = 0;
    for term in TERMS {
        for (headers, path) in requests(term) {
            let (status, fast) = indexed.get(&path, headers).await;
            assert_eq!(status, 200, "{path}: {fast}");
            let (status, slow) = plain.get(&path, headers).await;
            assert_eq!(status, 200, "{path}: {slow}");
            assert_eq!(fast, slow, "{path}");
            if fast.to_string().contains("\"id\"") {
                found_any += 1;
            }
        }
    }
    assert!(found_any > TERMS.len() * 4, "the terms find records");
}

/// The ids of AgentClara contacts whose name or email contains `term`.
async fn agentclara_names(app: &TestApp, term: &str) -> Vec<String> {
    let (status, body) = app
        .get(
            &format!(
                "/agentclara/contacts/search?q={}&limit=100",
                urlencode(term)
            ),
            &[AGENTCLARA],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut names: Vec<String> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|contact| contact["name"].as_str().expect("name").to_owned())
        .collect();
    names.sort_unstable();
    names
}

#[tokio::test]
async fn a_vendor_in_two_seed_files_is_indexed_with_the_records_of_both() {
    let file = |key: &str, name: &str| {
        seed_source(json!({
            "generate": {"contacts_per_tenant": 0},
            "agentclara": {"accounts": [{"api_key": key, "contacts": [{"name": name}]}]}
        }))
    };
    let app = spawn_app_with(options(vec![
        file("sk_first", "Zelda First"),
        file("sk_second", "Zelda Second"),
    ]))
    .await;
    for (key, name) in [("sk_first", "Zelda First"), ("sk_second", "Zelda Second")] {
        let bearer = format!("Bearer {key}");
        let (status, body) = app
            .get(
                "/agentclara/contacts/search?q=ZELDA",
                &[("Authorization", bearer.as_str())],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"][0]["name"], name, "{body}");
        assert_eq!(body["data"].as_array().map(Vec::len), Some(1), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_folds_case_by_unicode_but_not_accents_and_takes_wildcards_literally() {
    let (app, _) = indexed_and_plain("search-folding").await;
    let both = ["ÁLVARO NÚÑEZ", "Álvaro Núñez"];
    assert_eq!(agentclara_names(&app, "álvaro n").await, both);
    assert_eq!(agentclara_names(&app, "ÁLVARO N").await, both);
    assert_eq!(agentclara_names(&app, "alvaro n").await, ["Alvaro Nunez"]);
    assert_eq!(
        agentclara_names(&app, "ÖZTÜRK").await,
        ["ÇAĞRI ÖZTÜRK", "Öztürk Çağrı"]
    );
    assert_eq!(
        agentclara_names(&app, "çağrı").await,
        ["ÇAĞRI ÖZTÜRK", "Öztürk Çağrı"]
    );
    assert_eq!(agentclara_names(&app, "ñandú").await, ["Ñandú Straße"]);
    assert_eq!(agentclara_names(&app, "50%").await, ["Fifty 50% Off"]);
    assert_eq!(agentclara_names(&app, "r_s").await, ["Under_Score"]);
    assert_eq!(agentclara_names(&app, "k\\s").await, ["Back\\Slash"]);
    assert_eq!(agentclara_names(&app, "%_").await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_of_60000_characters_answers_200_on_every_search_endpoint() {
    let (app, _) = indexed_and_plain("search-long").await;
    // As long as the HTTP layer takes a request line: 64 KiB, the parameters' bytes encoded.
    for long in [
        "x".repeat(60_000),
        "_".repeat(25_000),
        "%".repeat(19_000),
        "ñ".repeat(9_000),
    ] {
        for (headers, path) in requests(&long) {
            let (status, body) = app.get(&path, headers).await;
            assert_eq!(status, 200, "{}…: {body}", &path[..50]);
            assert!(!body.to_string().contains("\"id\""), "nothing matches");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_is_seen_by_the_very_next_search_of_the_same_tenant() {
    let (app, _) = indexed_and_plain("search-writes").await;
    let term = "zyxwvü";
    // Read first, so an answer from before the write is in the cache.
    assert!(agentclara_names(&app, term).await.is_empty());
    let (status, created) = app
        .send(
            Method::POST,
            "/agentclara/contacts",
            &[AGENTCLARA],
            Some(&json!({"name": "Zyxwvü Nuevo", "email": "new@example.com"})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_str().expect("id").to_owned();
    assert_eq!(agentclara_names(&app, "ZYXWVÜ").await, ["Zyxwvü Nuevo"]);
    assert_eq!(agentclara_names(&app, "zy").await, ["Zyxwvü Nuevo"]);
    let (status, _) = app
        .send(
            Method::PATCH,
            &format!("/agentclara/contacts/{id}"),
            &[AGENTCLARA],
            Some(&json!({"name": "Renamed Qqqq"})),
        )
        .await;
    assert_eq!(status, 200);
    assert!(agentclara_names(&app, term).await.is_empty());
    assert_eq!(agentclara_names(&app, "QQQQ").await, ["Renamed Qqqq"]);
    let (status, _) = app
        .send(
            Method::DELETE,
            &format!("/agentclara/contacts/{id}"),
            &[AGENTCLARA],
            None,
        )
        .await;
    assert!(status == 200 || status == 204, "{status}");
    assert!(agentclara_names(&app, "qqqq").await.is_empty());

    let thoughtly = [THOUGHTLY_TOKEN, THOUGHTLY_TEAM];
    let search = format!("/thoughtly/contact?search={}", urlencode("ÿÿqz"));
    let (_, before) = app.get(&search, &thoughtly).await;
    assert_eq!(before["data"]["total"], 0);
    let (status, created) = app
        .send(
            Method::POST,
            "/thoughtly/contact/create",
            &thoughtly,
            Some(&json!({"phone_number": "+15550009999", "attributes": {"note": "ŸŸQZ"}})),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let (_, after) = app.get(&search, &thoughtly).await;
    assert_eq!(after["data"]["total"], 1);
    thoughtly_delete(&app, &created).await;
    let (_, gone) = app.get(&search, &thoughtly).await;
    assert_eq!(gone["data"]["total"], 0);
}

/// Deletes the Thoughtly contact that `created` (a create's answer) made.
async fn thoughtly_delete(app: &TestApp, created: &Value) {
    let id = created["data"]["id"].as_str().expect("id");
    let (status, body) = app
        .send(
            Method::DELETE,
            &format!("/thoughtly/contact/{id}"),
            &[THOUGHTLY_TOKEN, THOUGHTLY_TEAM],
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// The ids on every page of a Thoughtly list (50 a page), and the total it reports.
async fn thoughtly_walk(app: &TestApp, filters: &str) -> (u64, Vec<String>) {
    let thoughtly = [THOUGHTLY_TOKEN, THOUGHTLY_TEAM];
    let mut ids = Vec::new();
    let mut total = 0;
    for page in 0.. {
        let path = format!("/thoughtly/contact?{filters}&limit=50&page={page}");
        let (status, body) = app.get(&path, &thoughtly).await;
        assert_eq!(status, 200, "{path}: {body}");
        total = body["data"]["total"].as_u64().expect("total");
        let contacts = body["data"]["contacts"].as_array().expect("contacts");
        if contacts.is_empty() {
            break;
        }
        ids.extend(
            contacts
                .iter()
                .map(|c| c["id"].as_str().expect("id").to_owned()),
        );
    }
    (total, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thoughtly_totals_count_exactly_the_contacts_listed_before_and_after_writes() {
    let (app, plain) = indexed_and_plain("search-totals").await;
    let filters = [
        "tags=lead",
        "tags=lead&tags=vip",
        "excluded_tags=vip&phone_numbers_only=true",
        "tags=customer&excluded_tags=vip",
        "phone_numbers_only=true",
        "sort=name&sortDirection=desc",
    ];
    for filter in filters {
        let (total, ids) = thoughtly_walk(&app, filter).await;
        assert_eq!(total, ids.len() as u64, "{filter}");
        assert_eq!(
            thoughtly_walk(&plain, filter).await,
            (total, ids),
            "{filter}"
        );
    }
    let thoughtly = [THOUGHTLY_TOKEN, THOUGHTLY_TEAM];
    let (before, _) = thoughtly_walk(&app, "tags=lead&phone_numbers_only=true").await;
    let (status, created) = app
        .send(
            Method::POST,
            "/thoughtly/contact/create",
            &thoughtly,
            Some(&json!({"phone_number": "+15550001111", "tags": ["lead", "new-tag"]})),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let (after, ids) = thoughtly_walk(&app, "tags=lead&phone_numbers_only=true").await;
    assert_eq!((after, ids.len() as u64), (before + 1, before + 1));
    assert_eq!(thoughtly_walk(&app, "tags=new-tag").await.0, 1);
    thoughtly_delete(&app, &created).await;
    assert_eq!(
        thoughtly_walk(&app, "tags=lead&phone_numbers_only=true")
            .await
            .0,
        before
    );
    assert_eq!(thoughtly_walk(&app, "tags=new-tag").await.0, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thoughtly_totals_stay_exact_after_deleting_a_phoneless_tagged_match_of_a_common_term() {
    let (app, _) = indexed_and_plain("search-delete").await;
    // "a" matches more contacts than the index lists, so its totals start from the index's
    // count and take away the matches without a phone number or with an excluded tag.
    let (_, matches) = thoughtly_walk(&app, "search=a").await;
    assert!(matches.len() as u64 > understudy::store::search::FEW);
    let (_, with_phone) = thoughtly_walk(&app, "search=a&phone_numbers_only=true").await;
    let (_, vip) = thoughtly_walk(&app, "tags=vip").await;
    let victim = matches
        .iter()
        .find(|id| !with_phone.contains(id) && vip.contains(id))
        .expect("a vip match without a phone number");
    thoughtly_delete(&app, &json!({"data": {"id": victim}})).await;
    for filter in [
        "search=a",
        "search=a&phone_numbers_only=true",
        "search=a&excluded_tags=vip",
        "search=a&excluded_tags=vip&phone_numbers_only=true",
        "search=a&tags=vip",
    ] {
        let (total, ids) = thoughtly_walk(&app, filter).await;
        assert_eq!(total, ids.len() as u64, "{filter}");
        assert!(!ids.contains(victim), "{filter}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thoughtly_contact_too_big_to_copy_into_its_tag_rows_is_still_counted() {
    let (app, _) = indexed_and_plain("search-big-contact").await;
    let mut tags = vec![json!("vip")];
    tags.extend((0..2_000).map(|n| json!(format!("many-{n}"))));
    let (status, created) = app
        .send(
            Method::POST,
            "/thoughtly/contact/create",
            &[THOUGHTLY_TOKEN, THOUGHTLY_TEAM],
            Some(&json!({"phone_number": "+15550003333", "name": "Bag of Tags", "tags": tags})),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let id = created["data"]["id"].as_str().expect("id").to_owned();
    // "a" is counted by the index and the tags' rows, not from listed matches.
    for (filter, listed) in [
        ("search=a&tags=vip", true),
        ("search=a&excluded_tags=vip", false),
        ("search=a&tags=many-5&excluded_tags=lead", true),
    ] {
        let (total, ids) = thoughtly_walk(&app, filter).await;
        assert_eq!(total, ids.len() as u64, "{filter}");
        assert_eq!(ids.contains(&id), listed, "{filter}");
    }
}
